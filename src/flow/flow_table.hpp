// The flow table: finds or creates the flow of each packet, decides client and server, and
// ends flows on timeout, on memory pressure (longest idle first) and at shutdown.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <vector>

#include "flow/flow.hpp"

namespace dicomsentry {

struct FlowConfig {
  // Memory for flow records; when full, the longest-idle flow is evicted (counted).
  std::uint64_t memcap_bytes = 256ull << 20;
  // Idle timeouts in seconds by class, Suricata's defaults for TCP except `closed`, which
  // we keep short so a closed association's events are not held back for a minute.
  std::array<std::uint32_t, static_cast<std::size_t>(TimeoutClass::kCount)> timeout_s = {60, 600,
                                                                                          10};
  // Ports that identify the server when no SYN was seen (DICOM: 104, 11112; DICOM-TLS 2762).
  std::vector<std::uint16_t> server_ports = {104, 11112, 2762};
};

struct FlowTableCounters {
  std::uint64_t created = 0;
  std::uint64_t ended_timeout = 0;
  std::uint64_t ended_evicted = 0;   // longest idle flow dropped because the memcap was reached
  std::uint64_t ended_reused = 0;    // a closed TCP flow replaced by a new SYN on the same tuple
  std::uint64_t ended_shutdown = 0;
  std::uint64_t active = 0;
  std::uint64_t active_high_water = 0;
};

// Called once for each flow just before its record is recycled.
class FlowEndHandler {
 public:
  virtual ~FlowEndHandler() = default;
  virtual void on_flow_end(Flow& flow) = 0;
};

class FlowTable {
 public:
  FlowTable(const FlowConfig& config, FlowEndHandler& on_end);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  struct Lookup {
    Flow* flow;
    Direction direction;
    bool created;
  };
  // The flow of a decoded TCP/UDP/IP packet, created if new (evicting if the table is full).
  // Updates the flow's activity time and list position, but not its counters.
  Lookup lookup(const KeyedPacket& keyed, const DecodedPacket& packet, TimestampNs ts) {
    return lookup(keyed, packet, ts, hash_flow_key(keyed.key));
  }
  // The same with the key's hash already computed (batched callers hash once, prefetch,
  // then look up).
  Lookup lookup(const KeyedPacket& keyed, const DecodedPacket& packet, TimestampNs ts,
                std::uint64_t hash);

  // Cache hints for a batch: first the bucket, then (once the bucket is likely in cache) the
  // head flow record it names. Hints only: they change nothing.
  void prefetch_bucket(std::uint64_t hash) const {
    __builtin_prefetch(&buckets_[hash & bucket_mask_]);
  }
  void prefetch_flow(std::uint64_t hash) const {
    const std::uint32_t index = buckets_[hash & bucket_mask_];
    if (index != Flow::kNoFlow) {
      // The whole record: key and counters, then the two streams the reassembler updates and
      // the application state pointer.
      const auto* record = reinterpret_cast<const char*>(&at(index));
      static_assert(sizeof(Flow) <= 256);
      __builtin_prefetch(record);
      __builtin_prefetch(record + 64);
      __builtin_prefetch(record + 128);
      __builtin_prefetch(record + 192);
    }
  }
  // Third step: the head flow's application-layer state (its first `lines` cache lines), once
  // the flow record is likely in cache. Sentinel pointers are harmless to prefetch.
  void prefetch_app_state(std::uint64_t hash, int lines) const {
    const std::uint32_t index = buckets_[hash & bucket_mask_];
    if (index == Flow::kNoFlow) return;
    const auto* state = static_cast<const char*>(at(index).app_state);
    if (state == nullptr) return;
    for (int i = 0; i < lines; ++i) __builtin_prefetch(state + 64 * i);
  }

  // Moves a flow to another timeout class (e.g. when TCP state changes).
  void set_timeout_class(Flow& flow, TimeoutClass cls);

  // Ends every flow idle for longer than its class's timeout as of `now`.
  void expire(TimestampNs now);
  // Ends every flow (end of input or shutdown).
  void end_all(FlowEndReason reason);

  // Visits every active flow (oldest first within each timeout class).
  template <typename Visitor>
  void for_each_active(Visitor&& visit) {
    for (std::uint32_t head : list_head_) {
      for (std::uint32_t index = head; index != Flow::kNoFlow; index = at(index).lru_next) {
        visit(at(index));
      }
    }
  }

  const FlowTableCounters& counters() const { return counters_; }
  // Bytes of flow records and buckets allocated so far.
  std::uint64_t memuse() const {
    return record_capacity_ * sizeof(Flow) + buckets_.size() * sizeof(std::uint32_t);
  }
  std::uint32_t capacity() const { return max_flows_; }
  static constexpr std::size_t bytes_per_flow() { return sizeof(Flow) + sizeof(std::uint32_t); }

 private:
  Flow& at(std::uint32_t index) { return chunks_[index >> kChunkBits][index & kChunkMask]; }
  const Flow& at(std::uint32_t index) const {
    return chunks_[index >> kChunkBits][index & kChunkMask];
  }
  std::uint32_t index_of(const Flow& flow) const;
  std::uint32_t allocate();
  void end_flow(std::uint32_t index, FlowEndReason reason);
  void list_push_back(std::uint32_t index);
  void list_remove(std::uint32_t index);
  void grow_buckets();
  void decide_roles(Flow& flow, const KeyedPacket& keyed, const DecodedPacket& packet) const;
  bool is_server_port(std::uint16_t port) const;

  static constexpr std::uint32_t kChunkBits = 14;
  static constexpr std::uint32_t kChunkMask = (1u << kChunkBits) - 1;

  FlowConfig config_;
  FlowEndHandler& on_end_;
  std::uint32_t max_flows_;
  std::uint64_t bucket_mask_;
  std::uint64_t max_buckets_;
  std::vector<std::uint32_t> buckets_;
  std::vector<std::unique_ptr<Flow[]>> chunks_;  // grown as flows are created, never shrunk
  std::uint32_t allocated_ = 0;                  // records handed out from chunks so far
  std::uint64_t record_capacity_ = 0;            // records in all chunks
  std::uint32_t free_head_ = Flow::kNoFlow;      // recycled records, chained by hash_next
  std::array<std::uint32_t, 3> list_head_;
  std::array<std::uint32_t, 3> list_tail_;
  std::bitset<65536> server_ports_;
  FlowTableCounters counters_;
};

}  // namespace dicomsentry
