// Flow table: chained hash buckets over a chunked record pool, one LRU list per timeout class.
#include "flow/flow_table.hpp"

#include <algorithm>
#include <bit>

namespace dicomsentry {

namespace {

constexpr std::uint64_t kNsPerSecond = 1'000'000'000;
// flow_id stays below 2^51 so that every JSON consumer (doubles included) reads it exactly.
constexpr std::uint64_t kFlowIdMask = (1ull << 51) - 1;
constexpr std::uint64_t kInitialBuckets = 1u << 12;

std::uint64_t make_flow_id(std::uint64_t key_hash, TimestampNs first_ts) {
  std::uint64_t h = key_hash ^ (static_cast<std::uint64_t>(first_ts) * 0x9e3779b97f4a7c15ULL);
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  const std::uint64_t id = h & kFlowIdMask;
  return id == 0 ? 1 : id;
}

}  // namespace

std::string_view tcp_state_name(TcpState state) {
  switch (state) {
    case TcpState::kNone: return "none";
    case TcpState::kSynSent: return "syn_sent";
    case TcpState::kSynReceived: return "syn_recv";
    case TcpState::kEstablished: return "established";
    case TcpState::kClosing: return "closing";
    case TcpState::kClosed: return "closed";
  }
  return "unknown";
}

std::string_view flow_end_reason_name(FlowEndReason reason) {
  switch (reason) {
    case FlowEndReason::kNone: return "none";
    case FlowEndReason::kTimeout: return "timeout";
    case FlowEndReason::kForced: return "forced";
    case FlowEndReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

std::string_view app_proto_name(AppProto proto) {
  switch (proto) {
    case AppProto::kUnknown: return "unknown";
    case AppProto::kDicom: return "dicom";
    case AppProto::kTls: return "tls";
    case AppProto::kFailed: return "failed";
  }
  return "unknown";
}

FlowTable::FlowTable(const FlowConfig& config, FlowEndHandler& on_end)
    : config_(config), on_end_(on_end) {
  const std::uint64_t max = std::clamp<std::uint64_t>(config.memcap_bytes / bytes_per_flow(), 16,
                                                      std::uint64_t{1} << 30);
  max_flows_ = static_cast<std::uint32_t>(max);
  // About one bucket per flow keeps chains short. The array starts small and doubles with
  // the number of active flows: a bucket array sized for the memcap would spread a few
  // thousand flows over megabytes and miss the cache on every packet.
  max_buckets_ = std::bit_ceil(max);
  const std::uint64_t buckets = std::min<std::uint64_t>(max_buckets_, kInitialBuckets);
  bucket_mask_ = buckets - 1;
  buckets_.assign(buckets, Flow::kNoFlow);
  list_head_.fill(Flow::kNoFlow);
  list_tail_.fill(Flow::kNoFlow);
  for (std::uint16_t port : config.server_ports) server_ports_.set(port);
}

FlowTable::~FlowTable() = default;

bool FlowTable::is_server_port(std::uint16_t port) const { return server_ports_.test(port); }

FlowTable::Lookup FlowTable::lookup(const KeyedPacket& keyed, const DecodedPacket& packet,
                                    TimestampNs ts, std::uint64_t hash) {
  for (std::uint32_t index = buckets_[hash & bucket_mask_]; index != Flow::kNoFlow;) {
    Flow& flow = at(index);
    if (flow.key == keyed.key) {
      const Direction direction = flow.direction_of(keyed.from_lo);
      // A new SYN on a closed connection's tuple starts a new flow (port reuse).
      const bool reused = flow.tcp_state == TcpState::kClosed &&
                          (packet.tcp.flags & (tcp_flag::kSyn | tcp_flag::kAck)) == tcp_flag::kSyn &&
                          packet.result == DecodeResult::kTcp;
      if (!reused) {
        flow.last_ts = std::max(flow.last_ts, ts);
        const auto second = static_cast<std::uint32_t>(flow.last_ts / kNsPerSecond);
        if (second != flow.list_second) {
          flow.list_second = second;
          list_remove(index);
          list_push_back(index);
        }
        return {&flow, direction, false};
      }
      ++counters_.ended_reused;
      end_flow(index, FlowEndReason::kForced);
      break;
    }
    index = flow.hash_next;
  }

  if (counters_.active >= max_flows_) {
    // Evict the longest-idle flow: the oldest head among the class lists.
    std::uint32_t victim = Flow::kNoFlow;
    for (std::uint32_t head : list_head_) {
      if (head != Flow::kNoFlow && (victim == Flow::kNoFlow || at(head).last_ts < at(victim).last_ts))
        victim = head;
    }
    ++counters_.ended_evicted;
    end_flow(victim, FlowEndReason::kForced);
  }

  if (counters_.active >= buckets_.size() && buckets_.size() < max_buckets_) grow_buckets();
  const std::uint32_t index = allocate();
  Flow& flow = at(index);
  flow.key = keyed.key;
  flow.flow_id = make_flow_id(hash, ts);
  flow.first_ts = ts;
  flow.last_ts = ts;
  flow.list_second = static_cast<std::uint32_t>(ts / kNsPerSecond);
  flow.in_use = 1;
  decide_roles(flow, keyed, packet);
  flow.timeout_class = TimeoutClass::kNew;
  // Link at the bucket head (the bucket may have changed if eviction touched it).
  std::uint32_t& bucket = buckets_[hash & bucket_mask_];
  flow.hash_next = bucket;
  bucket = index;
  list_push_back(index);
  ++counters_.created;
  ++counters_.active;
  counters_.active_high_water = std::max(counters_.active_high_water, counters_.active);
  return {&flow, flow.direction_of(keyed.from_lo), true};
}

void FlowTable::grow_buckets() {
  buckets_.assign(buckets_.size() * 2, Flow::kNoFlow);
  bucket_mask_ = buckets_.size() - 1;
  for_each_active([this](Flow& flow) {
    std::uint32_t& bucket = buckets_[hash_flow_key(flow.key) & bucket_mask_];
    flow.hash_next = bucket;
    bucket = index_of(flow);
  });
}

void FlowTable::decide_roles(Flow& flow, const KeyedPacket& keyed,
                             const DecodedPacket& packet) const {
  bool sender_is_client = true;
  if (packet.result == DecodeResult::kTcp && (packet.tcp.flags & tcp_flag::kSyn)) {
    // SYN: the sender opens; SYN/ACK: the sender answers.
    sender_is_client = !(packet.tcp.flags & tcp_flag::kAck);
  } else {
    flow.midstream = packet.result == DecodeResult::kTcp;
    const bool src_server = is_server_port(packet.src_port);
    const bool dst_server = is_server_port(packet.dst_port);
    if (src_server != dst_server) {
      sender_is_client = dst_server;
    } else if ((packet.src_port < 1024) != (packet.dst_port < 1024)) {
      sender_is_client = packet.dst_port < 1024;
    }
  }
  flow.client_is_lo = keyed.from_lo == sender_is_client;
}

std::uint32_t FlowTable::index_of(const Flow& flow) const {
  // Records do not store their own index: the next flow's back link (or the list tail)
  // names it, which saves four bytes per flow.
  return flow.lru_next != Flow::kNoFlow ? at(flow.lru_next).lru_prev
                                        : list_tail_[static_cast<std::size_t>(flow.timeout_class)];
}

void FlowTable::set_timeout_class(Flow& flow, TimeoutClass cls) {
  if (flow.timeout_class == cls) return;
  const std::uint32_t index = index_of(flow);
  list_remove(index);
  flow.timeout_class = cls;
  list_push_back(index);
}

void FlowTable::expire(TimestampNs now) {
  // Lists are ordered by the second each flow last moved to the tail, and a flow's last
  // packet always falls inside that second. Walk from the head while that second could hold
  // an expired flow; within the boundary second, flows that are still active are stepped
  // over, not moved, so the order holds.
  for (std::size_t cls = 0; cls < list_head_.size(); ++cls) {
    const auto timeout_ns = static_cast<TimestampNs>(config_.timeout_s[cls] * kNsPerSecond);
    std::uint32_t index = list_head_[cls];
    while (index != Flow::kNoFlow) {
      const Flow& flow = at(index);
      const std::uint32_t next = flow.lru_next;
      if (static_cast<TimestampNs>(flow.list_second) * static_cast<TimestampNs>(kNsPerSecond) +
              timeout_ns > now) {
        break;
      }
      if (flow.last_ts + timeout_ns <= now) {
        ++counters_.ended_timeout;
        end_flow(index, FlowEndReason::kTimeout);
      }
      index = next;
    }
  }
}

void FlowTable::end_all(FlowEndReason reason) {
  for (std::size_t cls = 0; cls < list_head_.size(); ++cls) {
    while (list_head_[cls] != Flow::kNoFlow) {
      ++counters_.ended_shutdown;
      end_flow(list_head_[cls], reason);
    }
  }
}

std::uint32_t FlowTable::allocate() {
  if (free_head_ != Flow::kNoFlow) {
    const std::uint32_t index = free_head_;
    free_head_ = at(index).hash_next;
    return index;
  }
  if ((allocated_ & kChunkMask) == 0) {
    // Records are handed out only below max_flows_, so the last chunk holds just what the
    // memcap allows: a small memcap must not cost a full chunk.
    const std::uint32_t records = std::min(std::uint32_t{1} << kChunkBits, max_flows_ - allocated_);
    chunks_.push_back(std::make_unique<Flow[]>(records));
    record_capacity_ += records;
  }
  return allocated_++;
}

void FlowTable::end_flow(std::uint32_t index, FlowEndReason reason) {
  Flow& flow = at(index);
  flow.end_reason = reason;
  on_end_.on_flow_end(flow);
  list_remove(index);
  std::uint32_t* link = &buckets_[hash_flow_key(flow.key) & bucket_mask_];
  while (*link != index) link = &at(*link).hash_next;
  *link = flow.hash_next;
  flow = Flow{};
  flow.hash_next = free_head_;
  free_head_ = index;
  --counters_.active;
}

void FlowTable::list_push_back(std::uint32_t index) {
  Flow& flow = at(index);
  const auto cls = static_cast<std::size_t>(flow.timeout_class);
  flow.lru_prev = list_tail_[cls];
  flow.lru_next = Flow::kNoFlow;
  if (list_tail_[cls] != Flow::kNoFlow) {
    at(list_tail_[cls]).lru_next = index;
  } else {
    list_head_[cls] = index;
  }
  list_tail_[cls] = index;
}

void FlowTable::list_remove(std::uint32_t index) {
  Flow& flow = at(index);
  const auto cls = static_cast<std::size_t>(flow.timeout_class);
  if (flow.lru_prev != Flow::kNoFlow) {
    at(flow.lru_prev).lru_next = flow.lru_next;
  } else {
    list_head_[cls] = flow.lru_next;
  }
  if (flow.lru_next != Flow::kNoFlow) {
    at(flow.lru_next).lru_prev = flow.lru_prev;
  } else {
    list_tail_[cls] = flow.lru_prev;
  }
  flow.lru_prev = flow.lru_next = Flow::kNoFlow;
}

}  // namespace dicomsentry
