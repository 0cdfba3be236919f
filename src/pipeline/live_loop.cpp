// run_live_loop: one io_context, one thread. Every handler re-arms itself; stop() ends the run.
#include "pipeline/live_loop.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "pipeline/metrics_server.hpp"

namespace dicomsentry {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Packets per pcap_dispatch: bounds the time before timers and signals are looked at again.
constexpr int kBatchPackets = 256;
constexpr auto kTick = std::chrono::seconds(1);
// Idle expiry runs this far behind the wall clock, so a packet still queued in the capture
// buffer when the tick fires is not counted as late (which would split its flow in two).
constexpr TimestampNs kIdleSlackNs = 1'000'000'000;

TimestampNs wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t steady_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

class LiveLoop {
 public:
  LiveLoop(LiveCapture& source, const LiveLoopSettings& settings, PacketProcessor& processor, EveSink& sink,
           CaptureCounters& capture, const StatsWriter& write_stats,
           const MetricsWriter& write_metrics, std::FILE* errors)
      : source_(source),
        settings_(settings),
        processor_(processor),
        sink_(sink),
        capture_(capture),
        write_stats_(write_stats),
        write_metrics_(write_metrics),
        errors_(errors),
        io_(1),
        stop_signals_(io_, SIGINT, SIGTERM),
        hup_signal_(io_, SIGHUP),
        usr1_signal_(io_, SIGUSR1),
        capture_fd_(io_, source.selectable_fd()),
        tick_(io_),
        stats_timer_(io_),
        deadline_(io_),
        base_{capture.kernel_received, capture.kernel_dropped, capture.interface_dropped} {}

  // The descriptor belongs to libpcap: the loop only watches it.
  ~LiveLoop() { capture_fd_.release(); }
  LiveLoop(const LiveLoop&) = delete;
  LiveLoop& operator=(const LiveLoop&) = delete;

  bool run() {
    // Destroyed before io_ (a local here); scrapes are answered between packet batches.
    std::unique_ptr<MetricsServer> metrics;
    if (settings_.metrics_listen) {
      std::string error;
      metrics = MetricsServer::start(
          io_, *settings_.metrics_listen,
          [this, &metrics] {
            refresh_kernel_counters();
            return write_metrics_(metrics->counters(), WorkerLoad{packets_, busy_ns_});
          },
          error);
      if (!metrics) {
        fmt::print(errors_, "dicomsentry: --metrics-listen: {}\n", error);
        return false;
      }
    }
    stop_signals_.async_wait([this](const error_code& ec, int) {
      if (!ec) stop();
    });
    wait_for_hup();
    wait_for_usr1();
    wait_readable();
    schedule_tick();
    if (settings_.stats_interval_s > 0) schedule_stats();
    if (settings_.max_seconds > 0) {
      deadline_.expires_after(seconds(settings_.max_seconds));
      deadline_.async_wait([this](const error_code& ec) {
        if (!ec) stop();
      });
    }
    io_.run();
    refresh_kernel_counters();
    return ok_;
  }

 private:
  void stop() { io_.stop(); }

  void wait_for_usr1() {
    usr1_signal_.async_wait([this](const error_code& ec, int) {
      if (ec) return;
      if (settings_.on_usr1) settings_.on_usr1();
      wait_for_usr1();
    });
  }

  void wait_for_hup() {
    hup_signal_.async_wait([this](const error_code& ec, int) {
      if (ec) return;
      if (!sink_.reopen()) fmt::print(errors_, "dicomsentry: SIGHUP: {}\n", sink_.last_error());
      wait_for_hup();
    });
  }

  void wait_readable() {
    capture_fd_.async_wait(asio::posix::descriptor_base::wait_read, [this](const error_code& ec) {
      if (!ec) drain();
    });
  }

  // One bounded batch. A full batch means libpcap may hold more in its own buffer, which the
  // descriptor does not show as readable: come back at once (after other ready handlers).
  void drain() {
    int max = kBatchPackets;
    if (settings_.max_packets != 0) {
      max = static_cast<int>(std::min<std::uint64_t>(max, settings_.max_packets - packets_));
    }
    const std::int64_t started = steady_clock_ns();
    const int n = source_.dispatch(max, [this](const PacketView& packet) {
      ++packets_;
      ++capture_.packets;
      capture_.bytes += packet.bytes.size();
      processor_.process_batch({&packet, 1});
    });
    processor_.flush();
    busy_ns_ += static_cast<std::uint64_t>(steady_clock_ns() - started);
    if (n < 0) {
      fmt::print(errors_, "dicomsentry: {}: {}\n", settings_.interface, source_.error());
      ok_ = false;
      stop();
      return;
    }
    if (settings_.max_packets != 0 && packets_ >= settings_.max_packets) {
      stop();
      return;
    }
    if (n == max) {
      asio::post(io_, [this] { drain(); });
    } else {
      wait_readable();
    }
  }

  void schedule_tick() {
    tick_.expires_after(kTick);
    tick_.async_wait([this](const error_code& ec) {
      if (ec) return;
      processor_.expire_idle(wall_clock_ns() - kIdleSlackNs);
      sink_.flush_if_due(steady_clock_ns());
      sink_.poll_outputs(steady_clock_ns());
      schedule_tick();
    });
  }

  void schedule_stats() {
    stats_timer_.expires_after(seconds(settings_.stats_interval_s));
    stats_timer_.async_wait([this](const error_code& ec) {
      if (ec) return;
      refresh_kernel_counters();
      write_stats_(wall_clock_ns());
      schedule_stats();
    });
  }

  // pcap_stats counts from the capture's start; earlier inputs' counts stay underneath.
  void refresh_kernel_counters() {
    LiveStats stats;
    if (!source_.stats(stats)) return;
    capture_.kernel_received = base_.received + stats.received;
    capture_.kernel_dropped = base_.kernel_dropped + stats.kernel_dropped;
    capture_.interface_dropped = base_.interface_dropped + stats.interface_dropped;
  }

  LiveCapture& source_;
  const LiveLoopSettings& settings_;
  PacketProcessor& processor_;
  EveSink& sink_;
  CaptureCounters& capture_;
  const StatsWriter& write_stats_;
  const MetricsWriter& write_metrics_;
  std::uint64_t busy_ns_ = 0;  // time in dispatch: the capture thread's load
  std::FILE* errors_;
  asio::io_context io_;
  asio::signal_set stop_signals_;
  asio::signal_set hup_signal_;
  asio::signal_set usr1_signal_;
  asio::posix::stream_descriptor capture_fd_;
  asio::steady_timer tick_;
  asio::steady_timer stats_timer_;
  asio::steady_timer deadline_;
  LiveStats base_;
  std::uint64_t packets_ = 0;
  bool ok_ = true;
};

}  // namespace

bool run_live_loop(LiveCapture& source, const LiveLoopSettings& settings, PacketProcessor& processor,
                   EveSink& sink, CaptureCounters& capture, const StatsWriter& write_stats,
                   const MetricsWriter& write_metrics, std::FILE* errors) {
  LiveLoop loop(source, settings, processor, sink, capture, write_stats, write_metrics, errors);
  return loop.run();
}

}  // namespace dicomsentry
