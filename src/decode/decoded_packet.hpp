// What the decoder extracts from one packet: VLAN stack, IP endpoints, TCP/UDP header, payload.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "dicomsentry/bytes.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// 802.1Q/802.1ad tags kept per packet. Deeper stacks are decoded (up to kMaxVlanDepth in
// decoder.hpp, beyond which the packet is `vlan.too_many`) but only the outermost kMaxVlans
// IDs are kept; `vlan_depth` tells how many tags there were.
inline constexpr std::size_t kMaxVlans = 3;

// An IPv4 address is held in the first 4 bytes, the rest zero; `version` tells which.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

enum class IpProto : std::uint8_t { kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpV6 = 58 };

namespace tcp_flag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;
inline constexpr std::uint8_t kEce = 0x40;
inline constexpr std::uint8_t kCwr = 0x80;
}  // namespace tcp_flag

struct TcpOptions {
  std::uint16_t mss = 0;            // 0: absent
  std::uint8_t window_scale = 0xff; // 0xff: absent
  bool sack_permitted = false;
  bool has_timestamps = false;
  std::uint32_t ts_value = 0;
  std::uint32_t ts_echo = 0;
  std::uint8_t sack_blocks = 0;     // SACK blocks in this segment (0..4); edges not kept
  // An option had a bad length or ran past the header (`tcp.bad_option`): the segment is still
  // decoded, as Suricata does, and the options read before the bad one are kept.
  bool malformed = false;
};

struct TcpHeader {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint16_t window = 0;
  std::uint8_t flags = 0;
  TcpOptions options;
};

// Every reason a packet is counted instead of decoded, one name each (`stage.reason`).
// The order is the order of the name table in decode_reason.cpp.
enum class DecodeReason : std::uint8_t {
  kLinkUnsupported,
  kEthernetTruncated,
  kVlanTruncated,
  kVlanTooMany,
  kNullTruncated,
  kNullUnknownFamily,
  kSllTruncated,
  kSll2Truncated,
  kIpUnknownVersion,
  kIpv4Truncated,
  kIpv4BadVersion,
  kIpv4BadHeaderLength,
  kIpv4BadTotalLength,
  kIpv4BadOption,
  kIpv4BadChecksum,
  kIpv4Fragment,        // counted and flagged, not an error: the payload is not reassembled
  kIpv6Truncated,
  kIpv6BadVersion,
  kIpv6BadPayloadLength,
  kIpv6BadExtensionHeader,
  kIpv6TooManyExtensionHeaders,
  kIpv6Fragment,
  kTcpTruncated,
  kTcpBadOffset,
  kTcpBadOption,
  kTcpBadChecksum,
  kUdpTruncated,
  kUdpBadLength,
  kUdpBadChecksum,
  kCount
};

std::string_view decode_reason_name(DecodeReason reason);

// What kind of packet this is once decoded.
enum class DecodeResult : std::uint8_t {
  kTcp,       // tcp header and payload valid
  kUdp,       // udp ports and payload valid
  kOtherIp,   // IP endpoints valid; not TCP/UDP, or a non-first fragment
  kNotIp,     // a well-formed frame that carries neither IPv4 nor IPv6 (ARP, LLDP, ...)
  kMalformed  // see `reason`
};

struct DecodedPacket {
  DecodeResult result = DecodeResult::kMalformed;
  DecodeReason reason = DecodeReason::kCount;   // set when result == kMalformed

  // The frame's 6-byte link-layer addresses, pointing into the packet bytes (no copy): both on
  // Ethernet; the sender's only on Linux cooked captures (SLL/SLL2 carry one address); null
  // where the link layer has none (BSD loopback, raw IP) or the frame is too short.
  const std::byte* src_mac = nullptr;
  const std::byte* dst_mac = nullptr;

  std::uint8_t vlan_count = 0;     // IDs kept in vlan_ids, outermost first (<= kMaxVlans)
  std::uint8_t vlan_depth = 0;     // tags on the frame (>= vlan_count)
  std::array<std::uint16_t, kMaxVlans> vlan_ids{};

  std::uint8_t ip_version = 0;     // 4 or 6
  std::uint8_t ip_proto = 0;       // protocol of the transport header (after IPv6 extensions)
  std::uint8_t ttl = 0;            // TTL or hop limit
  bool is_fragment = false;
  bool later_fragment = false;     // a fragment at a non-zero offset: no transport header
  std::uint32_t fragment_id = 0;   // when is_fragment: IPv4 Identification, IPv6 fragment header's
  IpAddress src_ip;
  IpAddress dst_ip;

  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  TcpHeader tcp;                   // valid only when result == kTcp (not reset otherwise)

  ByteView ip_packet;  // from the IP header to the end of the IP datagram (padding removed)
  ByteView payload;    // transport payload, clipped to the IP length and to what was captured
  // Transport payload length the IP header claims; larger than payload.size() when the
  // capture was cut by the snap length.
  std::uint32_t payload_wire_length = 0;
};

struct DecodeOptions {
  bool validate_checksums = false;  // offload and sending-host captures carry wrong ones
};

}  // namespace dicomsentry
