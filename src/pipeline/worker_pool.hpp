// Several workers, one thread each: the ingest thread shards packets by a symmetric flow hash
// (both directions of a flow go to one worker) into each worker's PacketRing.
#pragma once

#include <cstdint>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "decode/decoder.hpp"
#include "flow/fragment_book.hpp"
#include "output/prometheus_text.hpp"
#include "pipeline/packet_processor.hpp"
#include "pipeline/packet_ring.hpp"
#include "pipeline/worker_stack.hpp"

namespace dicomsentry {

// Equal results with any number of workers (same events, same counts) rest on three things:
// - a flow's packets all reach one worker, in capture order;
// - flow timeouts are checked at the same points of packet time as one pipeline would check
//   them: the ingest runs the ExpirySchedule over all packets and sends every worker an
//   order to check there (the workers' pipelines have expiry_by_caller);
// - state that spans flows (thresholds, the inventory) is shared, and what is per worker
//   (counters, the policy's zone matrix) is summed at the end.
// What may differ: the order of lines in eve.json between workers, and which of several hits
// of a threshold rule in the same window alerts when they come from different workers.
class WorkerPool final : public PacketProcessor {
 public:
  static constexpr std::size_t kRingEntries = 4096;
  static constexpr std::size_t kArenaBytes = 32u << 20;  // per worker, live capture only

  // Starts one thread per stack. `copy_packets`: live capture, whose buffer is reused.
  WorkerPool(std::vector<std::unique_ptr<WorkerStack>> stacks, const DecodeOptions& decode,
             bool copy_packets);
  ~WorkerPool() override;  // finishes if finish() was not called
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void process_batch(std::span<const PacketView> packets) override;
  void expire_idle(TimestampNs now) override;
  void drain() override;
  void flush() override;
  void mark(Mark& out) const override;
  void wait_processed(const Mark& mark) override;
  // Ends every flow on every worker at the last packet time and joins the threads.
  void finish();

  // Which of `workers` a flow's hash goes to. The flow tables index buckets with the low
  // bits, so this takes the high ones.
  static unsigned shard(std::uint64_t flow_hash, unsigned workers) {
    return static_cast<unsigned>(((flow_hash >> 32) * workers) >> 32);
  }

  // Sum of the counters each worker last published (at each timeout check, and at the end):
  // while running, at most one check old.
  void add_published_counters(StatsSnapshot& stats) const;
  // After finish(): the workers themselves.
  std::vector<std::unique_ptr<WorkerStack>>& stacks() { return stacks_; }
  TimestampNs first_ts() const { return schedule_.first(); }
  TimestampNs last_ts() const { return schedule_.clock(); }
  // Each worker's load: packets given to it and time spent processing (not waiting). Read by
  // the reader's thread.
  std::vector<WorkerLoad> loads() const;

 private:
  struct Worker {
    Worker(std::size_t entries, std::size_t arena) : ring(entries, arena) {}
    PacketRing ring;
    std::uint64_t packets = 0;  // ingest side
    std::atomic<std::uint64_t> busy_ns{0};  // worker side, one writer
    mutable std::mutex published_mutex;
    StatsSnapshot published;  // counters as of the last timeout check
    std::thread thread;
  };
  void run_worker(unsigned index);
  void broadcast(RingOrder order, TimestampNs ts);

  std::vector<std::unique_ptr<WorkerStack>> stacks_;
  std::vector<std::unique_ptr<Worker>> workers_;
  DecodeOptions decode_;
  DecodeCounters scratch_counters_;  // the ingest's decoding is for sharding only
  DecodedPacket decoded_;
  FragmentBook fragments_;  // as each worker's: later fragments follow their first fragment
  ExpirySchedule schedule_;
  bool finished_ = false;
};

}  // namespace dicomsentry
