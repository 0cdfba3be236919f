// The per-packet path, kept short: every branch here runs millions of times a second.
#include "pipeline/pipeline.hpp"

#include <algorithm>

namespace dicomsentry {

Pipeline::Pipeline(const PipelineConfig& config, StreamConsumer& consumer,
                   FlowEndHandler* flow_records)
    : config_(config),
      flow_records_(flow_records),
      reassembler_(config.reassembly, consumer),
      flows_(config.flow, *this) {}

Pipeline::~Pipeline() {
  // Flows still open were not finished: free their stream memory without emitting anything.
  flows_.for_each_active([this](Flow& flow) { reassembler_.release(flow); });
}

void Pipeline::process(const PacketView& packet) {
  const TimestampNs ts = packet.timestamp_ns;
  if (!started_) {
    started_ = true;
    first_ts_ = now_ = ts;
    next_expiry_ = ts + kExpiryIntervalNs;
  }
  // The clock never runs backwards: pcapng interfaces and SPAN ports interleave slightly.
  now_ = std::max(now_, ts);
  if (now_ >= next_expiry_) {
    flows_.expire(now_);
    next_expiry_ = now_ + kExpiryIntervalNs;
  }

  const DecodeResult result = decode_packet(packet, config_.decode, decoded_, decode_counters_);
  if (result == DecodeResult::kMalformed || result == DecodeResult::kNotIp) return;

  const KeyedPacket keyed = make_flow_key(decoded_);
  const FlowTable::Lookup found = flows_.lookup(keyed, decoded_, now_);
  Flow& flow = *found.flow;
  const auto d = static_cast<std::size_t>(found.direction);
  ++flow.packets[d];
  flow.bytes[d] += packet.bytes.size();

  if (result == DecodeResult::kTcp) {
    const TimeoutClass cls =
        track_tcp(flow, found.direction, decoded_.tcp.flags, decoded_.payload_wire_length != 0);
    flows_.set_timeout_class(flow, cls);
    // A first fragment's TCP payload is incomplete: without IP reassembly it cannot feed
    // the stream, and the hole it leaves is reported as a gap later.
    if (!decoded_.is_fragment) {
      reassembler_.on_packet(flow, found.direction, decoded_.tcp, decoded_.payload,
                             decoded_.payload_wire_length, ts);
    }
  } else {
    flows_.set_timeout_class(flow, track_datagram(flow));
  }
}

void Pipeline::finish() { flows_.end_all(FlowEndReason::kShutdown); }

void Pipeline::on_flow_end(Flow& flow) {
  if (flow.key.ip_proto == static_cast<std::uint8_t>(IpProto::kTcp)) {
    reassembler_.on_flow_end(flow, now_);
  }
  if (flow_records_ != nullptr) flow_records_->on_flow_end(flow);
}

}  // namespace dicomsentry
