// The per-packet path, kept short: every branch here runs millions of times a second.
#include "pipeline/pipeline.hpp"

#include <algorithm>

namespace dicomsentry {

Pipeline::Pipeline(const PipelineConfig& config, StreamConsumer& consumer,
                   FlowEndHandler* flow_records, FlowEndHandler* app_layer)
    : config_(config),
      flow_records_(flow_records),
      app_layer_(app_layer),
      reassembler_(config.reassembly, consumer),
      mac_book_(config.mac_book_capacity),
      flows_(config.flow, *this) {}

Pipeline::~Pipeline() {
  // Flows still open were not finished: free their stream memory without emitting anything.
  flows_.for_each_active([this](Flow& flow) { reassembler_.release(flow); });
}

bool Pipeline::attribute_fragment_slow(DecodedPacket& packet, TimestampNs ts) {
  switch (fragments_.attribute(packet, ts)) {
    case FragmentVerdict::kKeyed: return true;
    case FragmentVerdict::kAttributed: ++decode_counters_.fragments_attributed; return true;
    case FragmentVerdict::kUnattributed: ++decode_counters_.fragments_unattributed; return false;
  }
  return true;
}

void Pipeline::advance_clock(TimestampNs ts) {
  // The clock never runs backwards: pcapng interfaces and SPAN ports interleave slightly.
  if (schedule_.advance(ts) && !config_.expiry_by_caller) flows_.expire(schedule_.clock());
}

void Pipeline::expire_idle(TimestampNs now) {
  // A worker told to check by the ingest thread may not have seen a packet yet; one pipeline
  // (expiry_by_caller off) does nothing before its first packet.
  if (!schedule_.started()) {
    if (!config_.expiry_by_caller) return;
    schedule_.advance(now);
  }
  schedule_.checked_at(now);
  flows_.expire(schedule_.clock());
}

void Pipeline::process_batch(std::span<const PacketView> packets) {
  while (!packets.empty()) {
    const std::size_t n = std::min(packets.size(), kBatch);
    for (std::size_t i = 0; i < n; ++i) {
      const DecodeResult result =
          decode_packet(packets[i], config_.decode, decoded_[i], decode_counters_);
      has_flow_[i] = result != DecodeResult::kMalformed && result != DecodeResult::kNotIp &&
                     attribute_fragment(decoded_[i], packets[i].timestamp_ns);
      if (!has_flow_[i]) continue;
      keyed_[i] = make_flow_key(decoded_[i]);
      hash_[i] = hash_flow_key(keyed_[i].key);
      flows_.prefetch_bucket(hash_[i]);
      // A SYN usually creates a flow, which writes both addresses' MAC book slots.
      if (result == DecodeResult::kTcp &&
          (decoded_[i].tcp.flags & (tcp_flag::kSyn | tcp_flag::kAck)) == tcp_flag::kSyn) {
        mac_book_.prefetch(decoded_[i]);
      }
    }
    // Then a rolling distance: the flow record kFlowAhead packets ahead, the application
    // state (read from that record) kAppAhead ahead. Issuing every hint of the batch at once
    // asked for some 170 lines, more than the core tracks, and the excess was dropped.
    auto prefetch_flow = [&](std::size_t i) {
      if (has_flow_[i]) flows_.prefetch_flow(hash_[i]);
    };
    // Only packets with payload reach the application layer: prefetch its state for them.
    auto prefetch_app = [&](std::size_t i) {
      if (has_flow_[i] && decoded_[i].result == DecodeResult::kTcp && !decoded_[i].payload.empty()) {
        flows_.prefetch_app_state(hash_[i], kAppStateLines);
      }
    };
    for (std::size_t i = 0; i < std::min(n, kFlowAhead); ++i) prefetch_flow(i);
    for (std::size_t i = 0; i < std::min(n, kAppAhead); ++i) prefetch_app(i);
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kFlowAhead < n) prefetch_flow(i + kFlowAhead);
      if (i + kAppAhead < n) prefetch_app(i + kAppAhead);
      process_decoded(packets[i], i);
    }
    packets = packets.subspan(n);
  }
}

void Pipeline::process_decoded(const PacketView& packet, std::size_t slot) {
  const TimestampNs ts = packet.timestamp_ns;
  advance_clock(ts);
  const DecodedPacket& decoded = decoded_[slot];
  const DecodeResult result = decoded.result;
  if (!has_flow_[slot]) return;

  // Looked up now, not during decoding: earlier packets of the batch may have created or
  // ended flows, and the hash is all that carries over.
  const FlowTable::Lookup found = flows_.lookup(keyed_[slot], decoded, schedule_.clock(), hash_[slot]);
  Flow& flow = *found.flow;
  // Once per flow, never per packet: the first packet's addresses are the flow's.
  if (found.created) mac_book_.on_flow_created(decoded);
  const auto d = static_cast<std::size_t>(found.direction);
  ++flow.packets[d];
  flow.bytes[d] += packet.bytes.size();
  // A later fragment is counted in its flow; it has no header to track and, not reassembled,
  // no bytes for the stream (the first fragment's incomplete payload left a gap there).
  if (decoded.later_fragment) return;

  if (result == DecodeResult::kTcp) {
    const TimeoutClass cls =
        track_tcp(flow, found.direction, decoded.tcp.flags, decoded.payload_wire_length != 0);
    flows_.set_timeout_class(flow, cls);
    // A first fragment's TCP payload is incomplete: without IP reassembly it cannot feed
    // the stream, and the hole it leaves is reported as a gap later.
    if (!decoded.is_fragment) {
      reassembler_.on_packet(flow, found.direction, decoded.tcp, decoded.payload,
                             decoded.payload_wire_length, ts);
    }
  } else {
    track_icmp(flow, found.direction, decoded);
    flows_.set_timeout_class(flow, track_datagram(flow));
  }
}

void Pipeline::finish() { flows_.end_all(FlowEndReason::kShutdown); }

void Pipeline::finish(TimestampNs now) {
  if (schedule_.started()) schedule_.checked_at(now);
  finish();
}

void Pipeline::on_flow_end(Flow& flow) {
  if (flow.key.ip_proto == static_cast<std::uint8_t>(IpProto::kTcp)) {
    reassembler_.on_flow_end(flow, schedule_.clock());
  }
  // The application layer reports what the flow carried before the flow record is written.
  if (app_layer_ != nullptr) app_layer_->on_flow_end(flow);
  if (flow_records_ != nullptr) flow_records_->on_flow_end(flow);
}

}  // namespace dicomsentry
