// Decodes one captured frame (link layer, VLAN tags, IPv4/IPv6, TCP/UDP) into a DecodedPacket.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "decode/decoded_packet.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

inline constexpr std::size_t kDecodeReasonCount = static_cast<std::size_t>(DecodeReason::kCount);

// VLAN tags decoded before a frame is called `vlan.too_many`. Real networks stack at most
// two or three (802.1ad QinQ, sometimes a provider tag on top); eight leaves room for odd
// carrier setups while a longer chain is almost certainly crafted to confuse inspection.
inline constexpr std::size_t kMaxVlanDepth = 8;

// IPv6 extension headers walked before `ipv6.too_many_extension_headers`. RFC 8200 §4.1
// recommends one of each kind (destination options at most twice), i.e. at most 7 in a
// legitimate chain; RFC 9098 describes long chains as an evasion technique.
inline constexpr std::size_t kMaxIpv6ExtensionHeaders = 8;

// Plain per-worker counters (no atomics): one worker owns one instance; merge with +=.
//
// Every packet moves exactly one outcome counter: tcp, udp, other_ip, not_ip or malformed,
// so their sum equals `packets`. A malformed packet moves exactly one `by_reason` entry, so
// the sum of `by_reason` equals `malformed`. `anomalies` counts reasons noted on packets that
// were still decoded (ipv4.fragment, ipv6.fragment, tcp.bad_option); those never appear in
// `by_reason`. Layer counters (ethernet, ipv4, ...) count headers that decoded correctly.
struct DecodeCounters {
  std::array<std::uint64_t, kDecodeReasonCount> by_reason{};
  std::array<std::uint64_t, kDecodeReasonCount> anomalies{};
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;         // captured bytes
  std::uint64_t snaplen_cut = 0;   // packets whose captured length is below the wire length
  // link layers
  std::uint64_t ethernet = 0;
  std::uint64_t linux_sll = 0;     // SLL and SLL2
  std::uint64_t loopback = 0;      // BSD NULL and LOOP
  std::uint64_t raw_ip = 0;        // LINKTYPE_RAW, IPV4, IPV6
  std::uint64_t vlan_tagged = 0;   // frames with at least one tag
  // network and transport layers
  std::uint64_t ipv4 = 0;
  std::uint64_t ipv6 = 0;
  std::uint64_t icmp = 0;          // ICMP and ICMPv6 (a part of other_ip)
  // outcomes
  std::uint64_t tcp = 0;
  std::uint64_t udp = 0;
  std::uint64_t other_ip = 0;
  std::uint64_t not_ip = 0;
  std::uint64_t malformed = 0;
  // Later fragments (no transport header) of TCP and UDP: counted in the flow of their first
  // fragment, or in no flow when it was not seen. Counted by the pipeline (FragmentBook).
  std::uint64_t fragments_attributed = 0;
  std::uint64_t fragments_unattributed = 0;

  DecodeCounters& operator+=(const DecodeCounters& other);
};

// Decodes `packet` into `out` and counts the outcome in `counters`. Pure over the packet
// bytes: `out` holds views into packet.bytes, valid as long as they are. Never throws and
// never allocates. Only the fields that the result makes meaningful are reset, so read:
//   always:             result, reason (kCount unless kMalformed), vlan_*, is_fragment,
//                       src_mac, dst_mac (null when the link layer has no such address)
//   ip_version != 0:    ip_proto, ttl, src_ip, dst_ip, ip_packet
//   kTcp / kUdp:        src_port, dst_port, payload, payload_wire_length
//   kOtherIp:           payload, payload_wire_length (what follows the IP headers)
//   kTcp:               tcp
// A packet cut by the snap length is decoded as far as it goes: ip_packet and payload are
// clipped to what was captured and payload_wire_length keeps the length the headers claim.
DecodeResult decode_packet(const PacketView& packet, const DecodeOptions& options,
                           DecodedPacket& out, DecodeCounters& counters);

}  // namespace dicomsentry
