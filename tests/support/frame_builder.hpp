// Builds one Ethernet frame (VLAN tags, IPv4/IPv6, TCP/UDP) with correct lengths and checksums.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "decode/decoded_packet.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::synth {

using MacAddress = std::array<std::uint8_t, 6>;

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kTpidDot1q = 0x8100;   // 802.1Q customer tag
inline constexpr std::uint16_t kTpidDot1ad = 0x88a8;  // 802.1ad service tag (QinQ outer)

struct VlanTag {
  std::uint16_t id = 0;  // 12 bits
  std::uint16_t tpid = kTpidDot1q;
  std::uint8_t priority = 0;  // PCP, 3 bits
};

// IPv6 extension headers the builder can insert between the fixed header and the transport.
// Hop-by-hop and destination options are filled with Pad1/PadN options; a routing header is
// type 0 with segments-left 0 (ignored by every node); a fragment header is an "atomic"
// fragment (offset 0, M=0, RFC 6946) with identification `fragment_id`.
struct Ipv6Extension {
  std::uint8_t type = 0;       // 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options
  std::uint16_t length = 8;    // total bytes: rounded up to 8, clamped to 8..2048 (fragment: 8)
  std::uint32_t fragment_id = 0;
};

inline constexpr std::uint8_t kIpv6HopByHop = 0;
inline constexpr std::uint8_t kIpv6Routing = 43;
inline constexpr std::uint8_t kIpv6Fragment = 44;
inline constexpr std::uint8_t kIpv6DestinationOptions = 60;

struct FrameSpec {
  MacAddress src_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  MacAddress dst_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  std::span<const VlanTag> vlans;  // outermost first; the caller owns the storage

  std::uint8_t ip_version = 4;
  IpAddress src_ip;
  IpAddress dst_ip;
  std::uint8_t ttl = 64;                // TTL or hop limit
  std::uint8_t tos = 0;                 // IPv4 TOS or IPv6 traffic class
  std::uint16_t ipv4_id = 0;
  bool ipv4_dont_fragment = true;
  bool ipv4_more_fragments = false;
  std::uint16_t ipv4_fragment_offset = 0;   // in 8-byte units
  ByteView ipv4_options;                    // raw; padded with EOL to a multiple of 4
  std::uint32_t ipv6_flow_label = 0;
  std::span<const Ipv6Extension> ipv6_extensions;

  // kTcp, kUdp, or kIcmp / kIcmpV6: then `payload` is the whole ICMP message (type, code,
  // checksum, body; at least 4 bytes for its checksum to be filled in) and the ports unused.
  IpProto transport = IpProto::kTcp;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  TcpHeader tcp;                        // seq, ack, flags, window and the options to emit
  ByteView tcp_extra_options;           // raw bytes after the encoded options, EOL-padded

  ByteView payload;
  bool pad_to_ethernet_minimum = false; // pad to 60 bytes like a frame received off a wire
  bool corrupt_ip_checksum = false;     // for checksum-validation tests
  bool corrupt_transport_checksum = false;
};

// Clears `out` (keeping its capacity) and writes the frame described by `spec` into it.
// Options are emitted as Linux does: MSS, SACK-permitted + timestamps, NOP + window scale,
// with NOPs so that each option group ends on a 4-byte boundary.
void build_frame(const FrameSpec& spec, std::vector<std::byte>& out);

// Offset of the transport payload inside a frame built from `spec` (headers only).
std::size_t payload_offset(const FrameSpec& spec);

// RFC 1071 one's-complement sum folded to 16 bits, not inverted; `initial` is a partial sum.
std::uint32_t ones_complement_sum(ByteView bytes, std::uint32_t initial = 0);
// The checksum to store in a header: ~fold(sum).
std::uint16_t internet_checksum(ByteView bytes, std::uint32_t initial = 0);

IpAddress ipv4_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
IpAddress ipv6_address(const std::array<std::uint16_t, 8>& groups);

// Bytes of a string literal, for payloads in tests.
std::vector<std::byte> to_bytes(std::string_view text);

}  // namespace dicomsentry::synth
