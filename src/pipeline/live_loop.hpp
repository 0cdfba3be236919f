// The live sensor's event loop (Boost.Asio): capture readiness, signals and timers on one
// thread, so packet processing, log rotation, flushing and flow timeouts never race.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "capture/live_capture.hpp"
#include "output/prometheus_text.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_writer.hpp"
#include "pipeline/packet_processor.hpp"

namespace dicomsentry {

// Writes a periodic `stats` record stamped `now` (wall time).
using StatsWriter = std::function<void(TimestampNs now)>;
// The /metrics text, from the endpoint's own counters and the capture thread's load (the one
// worker's, when there is one).
using MetricsWriter = std::function<std::string(const HttpCounters& http, const WorkerLoad& load)>;

struct LiveLoopSettings {
  std::string interface;          // for error lines
  std::uint64_t max_packets = 0;  // --count; 0: no limit
  double max_seconds = 0;         // --duration; 0: until a signal
  double stats_interval_s = 0;    // --stats-interval; 0: stats only at exit
  std::optional<boost::asio::ip::tcp::endpoint> metrics_listen;  // --metrics-listen
  std::function<void()> on_usr1;  // SIGUSR1: write the inventory files now (null: ignored)
};

// Runs until SIGINT/SIGTERM, --count, --duration or a capture error. On the way:
// - the pcap fd is watched for read readiness and drained in bounded batches;
// - SIGHUP reopens the EVE file (logrotate moved it away); SIGUSR1 calls on_usr1;
// - once a second the EVE sink is flushed if due and flows idle past their timeout end,
//   even when no packet arrives;
// - every stats_interval_s, write_stats(now) is called (a periodic `stats` record; `now` is
//   wall time, the record's timestamp).
// The kernel counters in `capture` are kept current with pcap_stats (added to what they held
// on entry). Returns false on a capture error (one line on `errors`). The caller finishes the
// pipeline and writes the final stats; signal dispositions are restored on return.
bool run_live_loop(LiveCapture& source, const LiveLoopSettings& settings, PacketProcessor& processor,
                   EveSink& sink, CaptureCounters& capture, const StatsWriter& write_stats,
                   const MetricsWriter& write_metrics, std::FILE* errors);

}  // namespace dicomsentry
