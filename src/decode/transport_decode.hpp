// TCP and UDP header decoding, inline so that the IP layer's call to them costs nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "decode/checksum.hpp"
#include "decode/decode_internal.hpp"

namespace dicomsentry::decode_detail {

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpV6 = 58;

inline constexpr std::size_t kTcpMinHeaderLength = 20;  // RFC 9293 §3.1: data offset >= 5
inline constexpr std::size_t kUdpHeaderLength = 8;       // RFC 768

// Reads the option area into `options` (tcp_options.cpp). Returns false when an option had a
// length that does not fit its kind or the area; options read before it are kept.
bool parse_tcp_options(ByteView area, TcpOptions& options);

// NOP NOP timestamps(10): the 12 option bytes Linux and the BSDs put on every segment of an
// established flow that negotiated timestamps (RFC 7323 Appendix A layout).
inline constexpr std::uint32_t kNopNopTimestamps = 0x0101080a;

[[gnu::always_inline]] inline void read_tcp_options(ByteView area, DecodeState& state) {
  TcpOptions& options = state.out.tcp.options;
  if (area.size() == 12 && load_be32(area.data()) == kNopNopTimestamps) {
    options.has_timestamps = true;
    options.ts_value = load_be32(area.data() + 4);
    options.ts_echo = load_be32(area.data() + 8);
    return;
  }
  if (!parse_tcp_options(area, options)) {
    // Like Suricata: an event, not a drop; the segment still goes to the stream.
    options.malformed = true;
    note_anomaly(state, DecodeReason::kTcpBadOption);
  }
}

[[gnu::always_inline]] inline DecodeResult decode_tcp(ByteView captured, std::size_t wire_length, DecodeState& state) {
  if (wire_length < kTcpMinHeaderLength || captured.size() < kTcpMinHeaderLength) {
    return malformed(state, DecodeReason::kTcpTruncated);
  }
  const std::byte* p = captured.data();
  const std::size_t header_length = static_cast<std::size_t>(load_u8(p + 12) >> 4) * 4;
  if (header_length < kTcpMinHeaderLength || header_length > wire_length) {
    return malformed(state, DecodeReason::kTcpBadOffset);
  }
  if (header_length > captured.size()) return malformed(state, DecodeReason::kTcpTruncated);

  DecodedPacket& out = state.out;
  TcpHeader& tcp = out.tcp;
  tcp = TcpHeader{};
  tcp.seq = load_be32(p + 4);
  tcp.ack = load_be32(p + 8);
  tcp.flags = load_u8(p + 13);
  tcp.window = load_be16(p + 14);
  if (header_length > kTcpMinHeaderLength) {
    read_tcp_options(captured.subspan(kTcpMinHeaderLength, header_length - kTcpMinHeaderLength),
                     state);
  }
  // A fragment or a snaplen-cut segment cannot be checked: the bytes are not all here.
  if (state.options.validate_checksums && !out.is_fragment && captured.size() == wire_length &&
      !transport_checksum_ok(captured, kProtoTcp, out)) {
    return malformed(state, DecodeReason::kTcpBadChecksum);
  }
  out.src_port = load_be16(p);
  out.dst_port = load_be16(p + 2);
  out.payload = captured.subspan(header_length);
  out.payload_wire_length = static_cast<std::uint32_t>(wire_length - header_length);
  return DecodeResult::kTcp;
}

inline DecodeResult decode_udp(ByteView captured, std::size_t wire_length, DecodeState& state) {
  if (wire_length < kUdpHeaderLength || captured.size() < kUdpHeaderLength) {
    return malformed(state, DecodeReason::kUdpTruncated);
  }
  DecodedPacket& out = state.out;
  const std::byte* p = captured.data();
  const std::size_t udp_length = load_be16(p + 4);
  // In a first fragment the UDP length covers the whole datagram, not this fragment.
  if (udp_length < kUdpHeaderLength || (!out.is_fragment && udp_length > wire_length)) {
    return malformed(state, DecodeReason::kUdpBadLength);
  }
  // Bytes past the UDP length inside the IP payload are ignored, as Linux does.
  const std::size_t datagram_length = out.is_fragment ? wire_length : udp_length;
  const ByteView datagram = captured.first(std::min(datagram_length, captured.size()));
  if (state.options.validate_checksums && !out.is_fragment && datagram.size() == udp_length) {
    const std::uint16_t sent = load_be16(p + 6);
    // 0 means "no checksum" over IPv4 only; RFC 8200 §8.1 makes it mandatory over IPv6.
    const bool absent_ok = sent == 0 && out.ip_version == 4;
    if (!absent_ok && !transport_checksum_ok(datagram, kProtoUdp, out)) {
      return malformed(state, DecodeReason::kUdpBadChecksum);
    }
  }
  out.src_port = load_be16(p);
  out.dst_port = load_be16(p + 2);
  out.payload = datagram.subspan(kUdpHeaderLength);
  out.payload_wire_length = static_cast<std::uint32_t>(datagram_length - kUdpHeaderLength);
  return DecodeResult::kUdp;
}

// `captured` is the transport header and payload as captured (already cut to the IP length);
// `wire_length` is what the IP header says the transport part is. The TCP path is forced
// inline: at -O2 GCC otherwise leaves three calls on a path that runs ~10M times a second.
[[gnu::always_inline]] inline DecodeResult decode_transport(std::uint8_t proto, ByteView captured, std::size_t wire_length,
                              DecodeState& state) {
  state.out.ip_proto = proto;
  if (proto == kProtoTcp) return decode_tcp(captured, wire_length, state);
  if (proto == kProtoUdp) return decode_udp(captured, wire_length, state);
  const std::uint8_t icmp = state.out.ip_version == 4 ? kProtoIcmp : kProtoIcmpV6;
  if (proto == icmp) ++state.counters.icmp;
  state.out.payload = captured;
  state.out.payload_wire_length = static_cast<std::uint32_t>(wire_length);
  return DecodeResult::kOtherIp;
}

}  // namespace dicomsentry::decode_detail
