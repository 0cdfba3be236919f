// Observer-side TCP state tracking.
#include "flow/tcp_tracker.hpp"

namespace dicomsentry {

namespace {

TimeoutClass class_of(TcpState state) {
  switch (state) {
    case TcpState::kNone:
    case TcpState::kSynSent:
    case TcpState::kSynReceived: return TimeoutClass::kNew;
    case TcpState::kEstablished:
    case TcpState::kClosing: return TimeoutClass::kEstablished;
    case TcpState::kClosed: return TimeoutClass::kClosed;
  }
  return TimeoutClass::kNew;
}

}  // namespace

TimeoutClass track_tcp(Flow& flow, Direction direction, std::uint8_t flags, bool has_payload) {
  const auto d = static_cast<std::size_t>(direction);
  flow.tcp_flags[d] |= flags;
  TcpState& state = flow.tcp_state;
  if (flags & tcp_flag::kRst) {
    state = TcpState::kClosed;
  } else if ((flags & tcp_flag::kFin) || state == TcpState::kClosing) {
    const bool both_fin = (flow.tcp_flags[0] & tcp_flag::kFin) && (flow.tcp_flags[1] & tcp_flag::kFin);
    if (state != TcpState::kClosed) state = both_fin ? TcpState::kClosed : TcpState::kClosing;
  } else if (flags & tcp_flag::kSyn) {
    if (!(flags & tcp_flag::kAck)) {
      if (state == TcpState::kNone) state = TcpState::kSynSent;
    } else if (state == TcpState::kNone || state == TcpState::kSynSent) {
      state = TcpState::kSynReceived;
    }
  } else if (state == TcpState::kSynReceived && direction == Direction::kToServer &&
             (flags & tcp_flag::kAck)) {
    state = TcpState::kEstablished;
  } else if ((state == TcpState::kNone || state == TcpState::kSynSent) && has_payload) {
    // Mid-stream pickup, or a handshake we only saw part of.
    state = TcpState::kEstablished;
  }
  return class_of(state);
}

TimeoutClass track_datagram(const Flow& flow) {
  return (flow.packets[0] && flow.packets[1]) ? TimeoutClass::kEstablished : TimeoutClass::kNew;
}

void track_icmp(Flow& flow, Direction direction, const DecodedPacket& packet) {
  const auto icmp = static_cast<std::uint8_t>(packet.ip_version == 4 ? IpProto::kIcmp : IpProto::kIcmpV6);
  if (packet.ip_proto != icmp || packet.later_fragment || packet.payload.size() < 2) return;
  StreamState& side = flow.stream[static_cast<std::size_t>(direction)];
  if ((side.flags & StreamState::kIcmpSeen) != 0) return;
  side.icmp_type = std::to_integer<std::uint8_t>(packet.payload[0]);
  side.icmp_code = std::to_integer<std::uint8_t>(packet.payload[1]);
  side.flags |= StreamState::kIcmpSeen;
}

}  // namespace dicomsentry
