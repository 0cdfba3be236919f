// Builds one Ethernet frame (VLAN tags, IPv4/IPv6, TCP/UDP) with correct lengths and checksums.
#include "frame_builder.hpp"

#include <cstring>

namespace dicomsentry::synth {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kTcpHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kEthernetMinimum = 60;  // without the FCS, which captures do not carry

std::size_t round_up4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// Sequential big-endian writer over a buffer already sized for the whole frame.
class Writer {
 public:
  explicit Writer(std::byte* p) : p_(p) {}
  std::byte* here() const { return p_; }
  void u8(std::uint8_t v) { *p_++ = std::byte{v}; }
  void be16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void be32(std::uint32_t v) {
    be16(static_cast<std::uint16_t>(v >> 16));
    be16(static_cast<std::uint16_t>(v));
  }
  void bytes(const void* src, std::size_t n) {
    if (n != 0) std::memcpy(p_, src, n);
    p_ += n;
  }
  void zeros(std::size_t n) {
    std::memset(p_, 0, n);
    p_ += n;
  }

 private:
  std::byte* p_;
};

void store_be16(std::byte* p, std::uint16_t v) {
  p[0] = std::byte{static_cast<std::uint8_t>(v >> 8)};
  p[1] = std::byte{static_cast<std::uint8_t>(v)};
}

std::size_t ip_address_size(const FrameSpec& spec) { return spec.ip_version == 4 ? 4 : 16; }

std::size_t tcp_options_size(const TcpOptions& o) {
  std::size_t n = 0;
  if (o.mss != 0) n += 4;
  if (o.has_timestamps) n += 12;  // SACK-permitted rides in the timestamps' padding
  else if (o.sack_permitted) n += 4;
  if (o.window_scale != 0xff) n += 4;
  return n;
}

bool is_icmp(const FrameSpec& spec) {
  return spec.transport == IpProto::kIcmp || spec.transport == IpProto::kIcmpV6;
}

std::size_t transport_header_size(const FrameSpec& spec) {
  if (is_icmp(spec)) return 0;  // the message is the payload
  if (spec.transport == IpProto::kUdp) return kUdpHeader;
  return kTcpHeader + round_up4(tcp_options_size(spec.tcp.options) + spec.tcp_extra_options.size());
}

// A length the 8-bit length field cannot express is clamped to 8..2048 and rounded up to 8.
std::size_t extension_size(const Ipv6Extension& e) {
  constexpr std::size_t kMaxExtension = 2048;  // (255 + 1) * 8, RFC 8200 section 4.3
  if (e.type == kIpv6Fragment || e.length < 8) return 8;
  if (e.length > kMaxExtension) return kMaxExtension;
  return (e.length + std::size_t{7}) & ~std::size_t{7};
}

std::size_t extensions_size(const FrameSpec& spec) {
  std::size_t n = 0;
  for (const auto& e : spec.ipv6_extensions) n += extension_size(e);
  return n;
}

std::size_t ip_header_size(const FrameSpec& spec) {
  if (spec.ip_version == 4) return kIpv4Header + round_up4(spec.ipv4_options.size());
  return kIpv6Header + extensions_size(spec);
}

std::size_t link_header_size(const FrameSpec& spec) {
  return kEthernetHeader + kVlanTag * spec.vlans.size();
}

void write_ethernet(const FrameSpec& spec, Writer& w) {
  w.bytes(spec.dst_mac.data(), spec.dst_mac.size());
  w.bytes(spec.src_mac.data(), spec.src_mac.size());
  for (const auto& tag : spec.vlans) {
    w.be16(tag.tpid);
    w.be16(static_cast<std::uint16_t>((tag.priority & 0x7) << 13 | (tag.id & 0x0fff)));
  }
  w.be16(spec.ip_version == 4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
}

void write_ipv4(const FrameSpec& spec, std::size_t transport_length, Writer& w) {
  std::byte* start = w.here();
  const std::size_t header = ip_header_size(spec);
  w.u8(static_cast<std::uint8_t>(0x40 | header / 4));
  w.u8(spec.tos);
  w.be16(static_cast<std::uint16_t>(header + transport_length));
  w.be16(spec.ipv4_id);
  w.be16(static_cast<std::uint16_t>((spec.ipv4_dont_fragment ? 0x4000 : 0) |
                                    (spec.ipv4_more_fragments ? 0x2000 : 0) |
                                    (spec.ipv4_fragment_offset & 0x1fff)));
  w.u8(spec.ttl);
  w.u8(static_cast<std::uint8_t>(spec.transport));
  std::byte* checksum = w.here();
  w.be16(0);
  w.bytes(spec.src_ip.bytes.data(), 4);
  w.bytes(spec.dst_ip.bytes.data(), 4);
  w.bytes(spec.ipv4_options.data(), spec.ipv4_options.size());
  w.zeros(round_up4(spec.ipv4_options.size()) - spec.ipv4_options.size());  // EOL padding
  std::uint16_t sum = internet_checksum(ByteView(start, header));
  if (spec.corrupt_ip_checksum) sum ^= 0x5a5a;
  store_be16(checksum, sum);
}

void write_ipv6(const FrameSpec& spec, std::size_t transport_length, Writer& w) {
  w.be32(0x60000000u | static_cast<std::uint32_t>(spec.tos) << 20 |
         (spec.ipv6_flow_label & 0xfffff));
  w.be16(static_cast<std::uint16_t>(extensions_size(spec) + transport_length));
  const auto first_next = spec.ipv6_extensions.empty() ? static_cast<std::uint8_t>(spec.transport)
                                                        : spec.ipv6_extensions[0].type;
  w.u8(first_next);
  w.u8(spec.ttl);
  w.bytes(spec.src_ip.bytes.data(), 16);
  w.bytes(spec.dst_ip.bytes.data(), 16);
  for (std::size_t i = 0; i < spec.ipv6_extensions.size(); ++i) {
    const auto& ext = spec.ipv6_extensions[i];
    const auto next = i + 1 < spec.ipv6_extensions.size() ? spec.ipv6_extensions[i + 1].type
                                                          : static_cast<std::uint8_t>(spec.transport);
    w.u8(next);
    if (ext.type == kIpv6Fragment) {
      w.u8(0);     // reserved
      w.be16(0);   // offset 0, M=0: an atomic fragment
      w.be32(ext.fragment_id);
      continue;
    }
    const std::size_t length = extension_size(ext);
    w.u8(static_cast<std::uint8_t>(length / 8 - 1));  // in 8-byte units, not counting the first
    if (ext.type == kIpv6Routing) {
      w.u8(0);  // routing type 0
      w.u8(0);  // segments left 0: every node skips it
      w.zeros(length - 4);
      continue;
    }
    // Hop-by-hop / destination options: fill the rest with one PadN.
    const std::size_t rest = length - 2;
    w.u8(1);
    w.u8(static_cast<std::uint8_t>(rest - 2));
    w.zeros(rest - 2);
  }
}

void write_tcp_options(const TcpOptions& o, Writer& w) {
  if (o.mss != 0) {
    w.u8(2);
    w.u8(4);
    w.be16(o.mss);
  }
  if (o.has_timestamps) {
    if (o.sack_permitted) {
      w.u8(4);
      w.u8(2);
    } else {
      w.u8(1);
      w.u8(1);
    }
    w.u8(8);
    w.u8(10);
    w.be32(o.ts_value);
    w.be32(o.ts_echo);
  } else if (o.sack_permitted) {
    w.u8(1);
    w.u8(1);
    w.u8(4);
    w.u8(2);
  }
  if (o.window_scale != 0xff) {
    w.u8(1);
    w.u8(3);
    w.u8(3);
    w.u8(o.window_scale);
  }
}

void write_transport(const FrameSpec& spec, Writer& w) {
  if (is_icmp(spec)) {
    w.bytes(spec.payload.data(), spec.payload.size());
    return;
  }
  w.be16(spec.src_port);
  w.be16(spec.dst_port);
  if (spec.transport == IpProto::kUdp) {
    w.be16(static_cast<std::uint16_t>(kUdpHeader + spec.payload.size()));
    w.be16(0);
  } else {
    const std::size_t header = transport_header_size(spec);
    w.be32(spec.tcp.seq);
    w.be32(spec.tcp.ack);
    w.u8(static_cast<std::uint8_t>(header / 4 << 4));
    w.u8(spec.tcp.flags);
    w.be16(spec.tcp.window);
    w.be16(0);  // checksum, filled in below
    w.be16(0);  // urgent pointer
    write_tcp_options(spec.tcp.options, w);
    w.bytes(spec.tcp_extra_options.data(), spec.tcp_extra_options.size());
    const std::size_t written = tcp_options_size(spec.tcp.options) + spec.tcp_extra_options.size();
    w.zeros(round_up4(written) - written);  // EOL padding
  }
  w.bytes(spec.payload.data(), spec.payload.size());
}

// Checksum over the pseudo header (RFC 793 / RFC 8200 section 8.1) and the transport bytes.
std::uint16_t transport_checksum(const FrameSpec& spec, ByteView transport) {
  const std::size_t address = ip_address_size(spec);
  // ICMP over IPv4 sums the message alone; ICMPv6, TCP and UDP add the pseudo header.
  if (spec.transport == IpProto::kIcmp) return internet_checksum(transport, 0);
  std::uint32_t sum = ones_complement_sum(as_byte_view(spec.src_ip.bytes.data(), address));
  sum = ones_complement_sum(as_byte_view(spec.dst_ip.bytes.data(), address), sum);
  const auto length = static_cast<std::uint32_t>(transport.size());
  sum += static_cast<std::uint32_t>(spec.transport) + (length >> 16) + (length & 0xffff);
  std::uint16_t checksum = internet_checksum(transport, sum);
  // UDP sends a computed zero as all ones: zero means "no checksum" (RFC 768).
  if (spec.transport == IpProto::kUdp && checksum == 0) checksum = 0xffff;
  return checksum;
}

}  // namespace

std::size_t payload_offset(const FrameSpec& spec) {
  return link_header_size(spec) + ip_header_size(spec) + transport_header_size(spec);
}

void build_frame(const FrameSpec& spec, std::vector<std::byte>& out) {
  const std::size_t transport_length = transport_header_size(spec) + spec.payload.size();
  const std::size_t ip_start = link_header_size(spec);
  const std::size_t transport_start = ip_start + ip_header_size(spec);
  const std::size_t frame_length = transport_start + transport_length;
  const std::size_t padded = spec.pad_to_ethernet_minimum && frame_length < kEthernetMinimum
                                 ? kEthernetMinimum
                                 : frame_length;
  out.resize(padded);
  Writer w(out.data());
  write_ethernet(spec, w);
  if (spec.ip_version == 4) {
    write_ipv4(spec, transport_length, w);
  } else {
    write_ipv6(spec, transport_length, w);
  }
  write_transport(spec, w);
  w.zeros(padded - frame_length);

  if (is_icmp(spec) && transport_length < 4) return;  // no room for a checksum
  if (is_icmp(spec)) store_be16(out.data() + transport_start + 2, 0);
  std::uint16_t checksum =
      transport_checksum(spec, ByteView(out.data() + transport_start, transport_length));
  if (spec.corrupt_transport_checksum) checksum ^= 0x5a5a;
  const std::size_t checksum_at = is_icmp(spec) ? 2 : spec.transport == IpProto::kUdp ? 6 : 16;
  store_be16(out.data() + transport_start + checksum_at, checksum);
}

std::uint32_t ones_complement_sum(ByteView bytes, std::uint32_t initial) {
  // Sum 32-bit big-endian words into 64 bits, then fold: the result equals the 16-bit sum.
  std::uint64_t sum = initial;
  std::size_t i = 0;
  for (; i + 4 <= bytes.size(); i += 4) sum += load_be32(bytes.data() + i);
  for (; i + 2 <= bytes.size(); i += 2) sum += load_be16(bytes.data() + i);
  if (i < bytes.size()) sum += static_cast<std::uint64_t>(load_u8(bytes.data() + i)) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum);
}

std::uint16_t internet_checksum(ByteView bytes, std::uint32_t initial) {
  return static_cast<std::uint16_t>(~ones_complement_sum(bytes, initial));
}

IpAddress ipv4_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

IpAddress ipv6_address(const std::array<std::uint16_t, 8>& groups) {
  IpAddress ip;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    ip.bytes[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    ip.bytes[2 * i + 1] = static_cast<std::uint8_t>(groups[i]);
  }
  return ip;
}

std::vector<std::byte> to_bytes(std::string_view text) {
  const auto view = as_byte_view(text);
  return {view.begin(), view.end()};
}

}  // namespace dicomsentry::synth
