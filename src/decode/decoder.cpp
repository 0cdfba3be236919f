// Link-layer decoding (Ethernet, VLAN, Linux SLL/SLL2, BSD NULL/LOOP, raw IP) and the counters.
#include "decode/decoder.hpp"

#include <algorithm>

#include "decode/decode_internal.hpp"

namespace dicomsentry {

using decode_detail::DecodeState;
using decode_detail::malformed;

namespace {

constexpr std::size_t kEthernetHeaderLength = 14;  // dst(6) src(6) ethertype(2)
constexpr std::size_t kVlanTagLength = 4;          // TCI(2) inner ethertype(2)
constexpr std::size_t kSllHeaderLength = 16;       // protocol at offset 14
constexpr std::size_t kSll2HeaderLength = 20;      // protocol at offset 0
constexpr std::size_t kLoopbackHeaderLength = 4;   // address family, 32 bits

constexpr std::size_t kMacLength = 6;
// ARPHRD_ types of an SLL/SLL2 header whose address is a 6-byte MAC: Ethernet, and loopback
// (whose all-zero address is kept like the one of an Ethernet-framed loopback capture).
constexpr std::uint16_t kArphrdEther = 1;
constexpr std::uint16_t kArphrdLoopback = 772;

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
// IEEE 802.3 §3.2.6: values below 0x0600 are a length (802.3 + LLC/SNAP), not an ethertype.
// LLC/SNAP-encapsulated IP is not used on Ethernet LANs, so such frames are kNotIp.
constexpr std::uint16_t kMinEtherType = 0x0600;
constexpr std::uint16_t kVlanIdMask = 0x0fff;

// 802.1Q, 802.1ad, and the pre-standard QinQ types still emitted by some switches.
constexpr bool is_vlan_ethertype(std::uint16_t type) {
  return type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200;
}

// Address families in a NULL/LOOP header. AF_INET is 2 everywhere; AF_INET6 differs per OS.
constexpr std::uint32_t kAfInet = 2;
constexpr bool is_af_inet6(std::uint32_t family) {
  return family == 24 /* NetBSD, OpenBSD */ || family == 28 /* FreeBSD */ ||
         family == 30 /* macOS */;
}
constexpr bool is_known_family(std::uint32_t family) {
  return family == kAfInet || is_af_inet6(family);
}

// What the link layer found: which network header follows, and where.
enum class Network : std::uint8_t { kIpv4, kIpv6, kNotIp, kMalformed };
struct LinkOutcome {
  Network network;
  ByteView rest;  // from the network header to the end of the captured frame
};

LinkOutcome link_malformed(DecodeState& state, DecodeReason reason) {
  malformed(state, reason);
  return {Network::kMalformed, {}};
}

LinkOutcome by_family(std::uint32_t family, ByteView rest) {
  return {family == kAfInet ? Network::kIpv4 : Network::kIpv6, rest};
}

// Ethertype dispatch after a link header: VLAN tags (any depth up to kMaxVlanDepth), then
// IPv4, IPv6, or anything else as kNotIp (ARP, LLDP, an 802.3 length inside a tag, ...).
LinkOutcome decode_ethertype(std::uint16_t ethertype, ByteView rest, DecodeState& state) {
  DecodedPacket& out = state.out;
  std::size_t depth = 0;
  while (is_vlan_ethertype(ethertype)) {
    if (depth == kMaxVlanDepth) return link_malformed(state, DecodeReason::kVlanTooMany);
    if (rest.size() < kVlanTagLength) return link_malformed(state, DecodeReason::kVlanTruncated);
    if (depth < kMaxVlans) out.vlan_ids[depth] = load_be16(rest.data()) & kVlanIdMask;
    ethertype = load_be16(rest.data() + 2);
    rest = rest.subspan(kVlanTagLength);
    ++depth;
  }
  if (depth != 0) {
    out.vlan_depth = static_cast<std::uint8_t>(depth);
    out.vlan_count = static_cast<std::uint8_t>(std::min(depth, kMaxVlans));
    ++state.counters.vlan_tagged;
  }
  if (ethertype == kEtherTypeIpv4) return {Network::kIpv4, rest};
  if (ethertype == kEtherTypeIpv6) return {Network::kIpv6, rest};
  return {Network::kNotIp, {}};
}

// Forced inline: the Ethernet + IPv4 path is the one every benchmark frame takes.
[[gnu::always_inline]] inline LinkOutcome decode_ethernet(ByteView bytes, DecodeState& state) {
  if (bytes.size() < kEthernetHeaderLength) {
    return link_malformed(state, DecodeReason::kEthernetTruncated);
  }
  ++state.counters.ethernet;
  state.out.dst_mac = bytes.data();
  state.out.src_mac = bytes.data() + kMacLength;
  const std::uint16_t type = load_be16(bytes.data() + 12);
  const ByteView rest = bytes.subspan(kEthernetHeaderLength);
  if (type == kEtherTypeIpv4) return {Network::kIpv4, rest};  // the common case first
  if (type < kMinEtherType) return {Network::kNotIp, {}};
  return decode_ethertype(type, rest, state);
}

// The sender's address of a Linux cooked header, when it is a MAC (`hatype` and `halen` are
// the header's hardware type and address length; `address` where its address field starts).
const std::byte* sll_source_mac(std::uint16_t hatype, std::uint16_t halen, const std::byte* address) {
  const bool is_mac = halen == kMacLength && (hatype == kArphrdEther || hatype == kArphrdLoopback);
  return is_mac ? address : nullptr;
}

LinkOutcome decode_other_link(const PacketView& packet, DecodeState& state) {
  const ByteView bytes = packet.bytes;
  DecodeCounters& counters = state.counters;
  switch (packet.link_type) {
    case LinkType::kEthernet:
      return decode_ethernet(bytes, state);
    case LinkType::kLinuxSll:
      if (bytes.size() < kSllHeaderLength) return link_malformed(state, DecodeReason::kSllTruncated);
      ++counters.linux_sll;
      // hatype(2) at 2, address length(2) at 4, address(8) at 6
      state.out.src_mac =
          sll_source_mac(load_be16(bytes.data() + 2), load_be16(bytes.data() + 4), bytes.data() + 6);
      return decode_ethertype(load_be16(bytes.data() + 14), bytes.subspan(kSllHeaderLength), state);
    case LinkType::kLinuxSll2:
      if (bytes.size() < kSll2HeaderLength) {
        return link_malformed(state, DecodeReason::kSll2Truncated);
      }
      ++counters.linux_sll;
      // hatype(2) at 8, address length(1) at 11, address(8) at 12
      state.out.src_mac =
          sll_source_mac(load_be16(bytes.data() + 8), load_u8(bytes.data() + 11), bytes.data() + 12);
      return decode_ethertype(load_be16(bytes.data()), bytes.subspan(kSll2HeaderLength), state);
    case LinkType::kNull: {
      if (bytes.size() < kLoopbackHeaderLength) {
        return link_malformed(state, DecodeReason::kNullTruncated);
      }
      // The family is in the writer's byte order, which the file does not record; the two
      // readings never collide (a valid family read the wrong way round is >= 2^24).
      std::uint32_t family = load_le32(bytes.data());
      if (!is_known_family(family)) family = load_be32(bytes.data());
      if (!is_known_family(family)) return link_malformed(state, DecodeReason::kNullUnknownFamily);
      ++counters.loopback;
      return by_family(family, bytes.subspan(kLoopbackHeaderLength));
    }
    case LinkType::kLoop: {
      if (bytes.size() < kLoopbackHeaderLength) {
        return link_malformed(state, DecodeReason::kNullTruncated);
      }
      const std::uint32_t family = load_be32(bytes.data());
      if (!is_known_family(family)) return link_malformed(state, DecodeReason::kNullUnknownFamily);
      ++counters.loopback;
      return by_family(family, bytes.subspan(kLoopbackHeaderLength));
    }
    case LinkType::kRaw: {  // either version; the first nibble says which
      ++counters.raw_ip;
      const std::uint8_t version = bytes.empty() ? 0 : load_u8(bytes.data()) >> 4;
      if (version == 4) return {Network::kIpv4, bytes};
      if (version == 6) return {Network::kIpv6, bytes};
      return link_malformed(state, DecodeReason::kIpUnknownVersion);
    }
    case LinkType::kIpv4:
      ++counters.raw_ip;
      return {Network::kIpv4, bytes};
    case LinkType::kIpv6:
      ++counters.raw_ip;
      return {Network::kIpv6, bytes};
  }
  return link_malformed(state, DecodeReason::kLinkUnsupported);
}

void count_outcome(DecodeResult result, const DecodedPacket& out, DecodeCounters& counters) {
  switch (result) {
    case DecodeResult::kTcp: ++counters.tcp; break;
    case DecodeResult::kUdp: ++counters.udp; break;
    case DecodeResult::kOtherIp: ++counters.other_ip; break;
    case DecodeResult::kNotIp: ++counters.not_ip; break;
    case DecodeResult::kMalformed:
      ++counters.malformed;
      ++counters.by_reason[decode_detail::reason_index(out.reason)];
      break;
  }
}

}  // namespace

DecodeResult decode_packet(const PacketView& packet, const DecodeOptions& options,
                           DecodedPacket& out, DecodeCounters& counters) {
  // Reset only what every result reads; the layers set the rest as they decode it.
  out.reason = DecodeReason::kCount;
  out.src_mac = nullptr;
  out.dst_mac = nullptr;
  out.vlan_count = 0;
  out.vlan_depth = 0;
  out.vlan_ids = {};
  out.ip_version = 0;
  out.ip_proto = 0;
  out.ttl = 0;
  out.is_fragment = false;
  out.later_fragment = false;
  out.fragment_id = 0;
  out.src_port = 0;
  out.dst_port = 0;
  out.ip_packet = {};
  out.payload = {};
  out.payload_wire_length = 0;

  const std::size_t captured = packet.bytes.size();
  const std::size_t missing =
      packet.original_length > captured ? packet.original_length - captured : 0;
  ++counters.packets;
  counters.bytes += captured;
  if (missing != 0) ++counters.snaplen_cut;

  DecodeState state{options, out, counters, missing};
  const LinkOutcome link = packet.link_type == LinkType::kEthernet
                               ? decode_ethernet(packet.bytes, state)
                               : decode_other_link(packet, state);
  DecodeResult result = DecodeResult::kMalformed;
  switch (link.network) {
    case Network::kIpv4: result = decode_detail::decode_ipv4(link.rest, state); break;
    case Network::kIpv6: result = decode_detail::decode_ipv6(link.rest, state); break;
    case Network::kNotIp: result = DecodeResult::kNotIp; break;
    case Network::kMalformed: break;
  }
  out.result = result;
  count_outcome(result, out, counters);
  return result;
}

DecodeCounters& DecodeCounters::operator+=(const DecodeCounters& other) {
  for (std::size_t i = 0; i < kDecodeReasonCount; ++i) {
    by_reason[i] += other.by_reason[i];
    anomalies[i] += other.anomalies[i];
  }
  packets += other.packets;
  bytes += other.bytes;
  snaplen_cut += other.snaplen_cut;
  ethernet += other.ethernet;
  linux_sll += other.linux_sll;
  loopback += other.loopback;
  raw_ip += other.raw_ip;
  vlan_tagged += other.vlan_tagged;
  ipv4 += other.ipv4;
  ipv6 += other.ipv6;
  icmp += other.icmp;
  tcp += other.tcp;
  udp += other.udp;
  other_ip += other.other_ip;
  not_ip += other.not_ip;
  malformed += other.malformed;
  fragments_attributed += other.fragments_attributed;
  fragments_unattributed += other.fragments_unattributed;
  return *this;
}

}  // namespace dicomsentry
