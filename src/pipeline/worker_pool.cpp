// WorkerPool: sharding on the ingest thread, the worker loop, and counters across threads.
#include "pipeline/worker_pool.hpp"

#include <pthread.h>

#include <array>
#include <chrono>
#include <cstdio>

#include "dicomsentry/counters.hpp"
#include "flow/flow_key.hpp"

namespace dicomsentry {

namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

WorkerPool::WorkerPool(std::vector<std::unique_ptr<WorkerStack>> stacks,
                       const DecodeOptions& decode, bool copy_packets)
    : stacks_(std::move(stacks)), decode_(decode) {
  for (std::size_t i = 0; i < stacks_.size(); ++i) {
    workers_.push_back(std::make_unique<Worker>(kRingEntries, copy_packets ? kArenaBytes : 0));
  }
  for (unsigned i = 0; i < workers_.size(); ++i) {
    workers_[i]->thread = std::thread([this, i] { run_worker(i); });
  }
}

WorkerPool::~WorkerPool() { finish(); }

void WorkerPool::process_batch(std::span<const PacketView> packets) {
  const auto n = static_cast<unsigned>(workers_.size());
  for (const PacketView& packet : packets) {
    // Every worker checks timeouts here, before this packet, as one pipeline would.
    if (schedule_.advance(packet.timestamp_ns)) broadcast(RingOrder::kExpire, schedule_.clock());
    // Packets without a flow (not IP, malformed) go to worker 0, which counts them.
    unsigned target = 0;
    const DecodeResult result = decode_packet(packet, decode_, decoded_, scratch_counters_);
    // A later fragment goes where its first fragment went (its ports are that flow's); one
    // without its first goes to worker 0, which counts it.
    if (result != DecodeResult::kMalformed && result != DecodeResult::kNotIp &&
        (!decoded_.is_fragment ||
         fragments_.attribute(decoded_, packet.timestamp_ns) != FragmentVerdict::kUnattributed)) {
      target = shard(hash_flow_key(make_flow_key(decoded_).key), n);
    }
    Worker& worker = *workers_[target];
    worker.ring.push(packet, RingOrder::kPacket);
    ++worker.packets;
  }
  for (auto& worker : workers_) worker->ring.publish(false);
}

void WorkerPool::flush() {
  for (auto& worker : workers_) worker->ring.publish(true);
}

void WorkerPool::broadcast(RingOrder order, TimestampNs ts) {
  PacketView tick;
  tick.timestamp_ns = ts;
  for (auto& worker : workers_) {
    worker->ring.push(tick, order);
    worker->ring.publish();
  }
}

void WorkerPool::expire_idle(TimestampNs now) {
  if (!schedule_.started()) return;
  schedule_.checked_at(now);
  broadcast(RingOrder::kExpire, schedule_.clock());
}

void WorkerPool::drain() {
  for (auto& worker : workers_) worker->ring.wait_until_drained();
}

void WorkerPool::mark(Mark& out) const {
  out.resize(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i) out[i] = workers_[i]->ring.pushed();
}

void WorkerPool::wait_processed(const Mark& mark) {
  for (std::size_t i = 0; i < workers_.size() && i < mark.size(); ++i) {
    workers_[i]->ring.wait_until_released(mark[i]);
  }
}

void WorkerPool::finish() {
  if (finished_) return;
  finished_ = true;
  broadcast(RingOrder::kFinish, schedule_.clock());
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void WorkerPool::run_worker(unsigned index) {
  // "ds-worker-N" in top -H, ps -L and perf, as Suricata names its worker threads; the
  // ingest thread keeps the program's name (renaming it would rename the process).
  std::array<char, 16> name{};  // the kernel's limit, with the terminating NUL
  std::snprintf(name.data(), name.size(), "ds-worker-%u", index);
  pthread_setname_np(pthread_self(), name.data());
  Worker& worker = *workers_[index];
  WorkerStack& stack = *stacks_[index];
  Pipeline& pipeline = stack.pipeline();
  std::array<PacketView, Pipeline::kBatch> batch;
  const auto publish_counters = [&] {
    StatsSnapshot counters;
    stack.add_counters(counters, true);
    const std::lock_guard lock(worker.published_mutex);
    worker.published = counters;
  };
  for (bool running = true; running;) {
    const std::span<const RingEntry> entries = worker.ring.wait_for_entries();
    const std::int64_t started = steady_ns();
    std::size_t batched = 0;
    for (const RingEntry& entry : entries) {
      if (entry.order == RingOrder::kPacket) {
        batch[batched++] = entry.packet;
        if (batched == batch.size()) {
          pipeline.process_batch(batch);
          batched = 0;
        }
        continue;
      }
      pipeline.process_batch({batch.data(), batched});
      batched = 0;
      if (entry.order == RingOrder::kExpire) {
        pipeline.expire_idle(entry.packet.timestamp_ns);
        // The file sees this worker's lines at least once a second of wall time.
        stack.sink().flush_if_due(steady_ns());
        publish_counters();
      } else {
        pipeline.finish(entry.packet.timestamp_ns);
        stack.sink().flush();
        publish_counters();
        running = false;
        break;
      }
    }
    pipeline.process_batch({batch.data(), batched});
    worker.ring.release(entries.size());
    worker.busy_ns.store(worker.busy_ns.load(std::memory_order_relaxed) +
                             static_cast<std::uint64_t>(steady_ns() - started),
                         std::memory_order_relaxed);
  }
}

void WorkerPool::add_published_counters(StatsSnapshot& stats) const {
  for (const auto& worker : workers_) {
    StatsSnapshot published;
    {
      const std::lock_guard lock(worker->published_mutex);
      published = worker->published;
    }
    add_counters(stats.decode, published.decode);
    add_counters(stats.flow, published.flow);
    stats.flow_memuse += published.flow_memuse;
    stats.mac_book_addresses += published.mac_book_addresses;
    stats.mac_book_dropped += published.mac_book_dropped;
    add_counters(stats.reassembly, published.reassembly);
    stats.reassembly_memuse += published.reassembly_memuse;
    stats.reassembly_high_water += published.reassembly_high_water;
    stats.reassembly_memcap += published.reassembly_memcap;
    add_counters(stats.app, published.app);
    stats.hs_streams_open += published.hs_streams_open;
    stats.hs_stream_memuse += published.hs_stream_memuse;
    if (published.detect_enabled) {
      stats.detect_enabled = true;
      add_counters(stats.detect, published.detect);
    }
  }
}

std::vector<WorkerLoad> WorkerPool::loads() const {
  std::vector<WorkerLoad> out;
  for (const auto& worker : workers_) {
    out.push_back({worker->packets, worker->busy_ns.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace dicomsentry
