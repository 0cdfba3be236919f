// One bidirectional flow: key, identity, counters, TCP state and the per-direction stream state.
#pragma once

#include <cstdint>
#include <string_view>

#include "flow/flow_key.hpp"

namespace dicomsentry {

// Direction relative to the roles decided for the flow (client = the side that sent the SYN).
enum class Direction : std::uint8_t { kToServer = 0, kToClient = 1 };
inline constexpr Direction opposite(Direction d) {
  return d == Direction::kToServer ? Direction::kToClient : Direction::kToServer;
}

// Observer's view of a TCP connection, a simplified RFC 793 diagram seen from the wire.
enum class TcpState : std::uint8_t {
  kNone,         // not TCP, or nothing decisive seen yet
  kSynSent,      // SYN from the client
  kSynReceived,  // SYN/ACK from the server
  kEstablished,  // handshake completed, or data seen in both directions / picked up mid-stream
  kClosing,      // FIN from one side
  kClosed,       // FIN from both sides, or RST
};
std::string_view tcp_state_name(TcpState state);

// Why a flow ended (Suricata's `flow.reason`).
enum class FlowEndReason : std::uint8_t { kNone, kTimeout, kForced, kShutdown };
std::string_view flow_end_reason_name(FlowEndReason reason);

// The application protocol the app layer found on a flow (Suricata's `app_proto`).
enum class AppProto : std::uint8_t { kUnknown, kDicom, kTls, kFailed };
// "unknown", "dicom", "tls", "failed".
std::string_view app_proto_name(AppProto proto);

// Lists the flow table keeps flows on, one per timeout class, each ordered by last activity.
enum class TimeoutClass : std::uint8_t { kNew, kEstablished, kClosed, kCount };

struct StreamExtra;  // reassembly's out-of-order segments and contiguity stash; see reassembly/

// One direction of a TCP byte stream, as plain data owned by the flow and driven by the
// reassembler. Everything rarely needed lives behind `extra`, which idle streams leave null.
struct StreamState {
  std::uint32_t next_seq = 0;        // wire sequence number of the next byte to deliver
  std::uint32_t fin_seq = 0;         // sequence number of the FIN, valid when kFinSeen
  std::uint64_t offset = 0;          // stream offset of next_seq (delivered + gap bytes)
  std::uint64_t gap_bytes = 0;       // bytes skipped because they were never captured
  StreamExtra* extra = nullptr;
  std::uint32_t gaps = 0;            // holes skipped
  std::uint32_t retransmissions = 0; // segments that carried only bytes already delivered
  std::uint32_t overlaps = 0;        // segments that overlapped held or delivered bytes
  std::uint32_t overlap_conflicts = 0;  // ... with different bytes than those first seen
  std::uint8_t flags = 0;
  // ICMP and ICMPv6 flows only (their streams carry nothing else): the type and code of the
  // first message from this side, valid when kIcmpSeen. In the padding after `flags`.
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;

  static constexpr std::uint8_t kInitialized = 0x01;  // next_seq holds a real value
  static constexpr std::uint8_t kFinSeen = 0x02;
  static constexpr std::uint8_t kEnded = 0x04;        // end of stream reported to the consumer
  static constexpr std::uint8_t kMidstream = 0x08;    // started without a SYN
  static constexpr std::uint8_t kIcmpSeen = 0x10;     // icmp_type and icmp_code are set
};

struct Flow {
  FlowKey key;
  std::uint64_t flow_id = 0;
  TimestampNs first_ts = 0;
  TimestampNs last_ts = 0;
  std::uint64_t packets[2] = {0, 0};  // by Direction
  std::uint64_t bytes[2] = {0, 0};    // captured frame bytes, as Suricata's flow.bytes_*
  StreamState stream[2];              // by Direction: stream[kToServer] is the client's bytes
  void* app_state = nullptr;          // application layer's per-flow state (later stages)

  std::uint32_t hash_next = kNoFlow;  // bucket chain
  std::uint32_t lru_prev = kNoFlow;   // list of this flow's timeout class
  std::uint32_t lru_next = kNoFlow;
  TcpState tcp_state = TcpState::kNone;
  TimeoutClass timeout_class = TimeoutClass::kNew;
  FlowEndReason end_reason = FlowEndReason::kNone;
  std::uint8_t client_is_lo : 1 = 1;   // the key's lo endpoint is the client
  std::uint8_t midstream : 1 = 0;      // no SYN seen: roles decided by port or first packet
  std::uint8_t in_use : 1 = 0;
  std::uint8_t tcp_flags[2] = {0, 0};  // union of TCP flags seen, by Direction
  AppProto app_proto = AppProto::kUnknown;
  // Second (of packet time) in which the flow last moved to the tail of its timeout list.
  // Moving at most once a second keeps most packets from touching neighbouring records.
  std::uint32_t list_second = 0;

  static constexpr std::uint32_t kNoFlow = 0xffffffffu;

  Direction direction_of(bool from_lo) const {
    return (from_lo == static_cast<bool>(client_is_lo)) ? Direction::kToServer
                                                         : Direction::kToClient;
  }
};

}  // namespace dicomsentry
