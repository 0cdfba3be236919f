// TCP (header, options, checksum) and UDP (length, checksum) decoding over an IP payload.
#include <algorithm>

#include "decode/checksum.hpp"
#include "decode/decode_internal.hpp"

namespace dicomsentry::decode_detail {

namespace {

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpV6 = 58;

constexpr std::size_t kTcpMinHeaderLength = 20;  // RFC 9293 §3.1: data offset >= 5 words
constexpr std::size_t kUdpHeaderLength = 8;       // RFC 768

// TCP option kinds (IANA) whose values we keep, with their fixed lengths.
constexpr std::uint8_t kTcpOptEnd = 0;
constexpr std::uint8_t kTcpOptNop = 1;
constexpr std::uint8_t kTcpOptMss = 2;             // RFC 9293 §3.2
constexpr std::uint8_t kTcpOptWindowScale = 3;     // RFC 7323 §2.2
constexpr std::uint8_t kTcpOptSackPermitted = 4;   // RFC 2018 §2
constexpr std::uint8_t kTcpOptSack = 5;            // RFC 2018 §3: 2 + 8 per block, 1..4 blocks
constexpr std::uint8_t kTcpOptTimestamps = 8;      // RFC 7323 §3.2
constexpr std::size_t kTcpSackBlockLength = 8;
constexpr std::size_t kTcpMaxSackBlocks = 4;

// Reads the option area into `options`. Returns false when an option had a length that does
// not fit its kind or the area; options read so far are kept. A length of 0 or 1, or one
// running past the area, ends the walk (nothing after it can be located); a wrong length on
// a known kind only drops that option.
bool parse_tcp_options(ByteView area, TcpOptions& options) {
  bool valid = true;
  std::size_t i = 0;
  while (i < area.size()) {
    const std::uint8_t kind = load_u8(area.data() + i);
    if (kind == kTcpOptEnd) break;
    if (kind == kTcpOptNop) {
      ++i;
      continue;
    }
    if (area.size() - i < 2) return false;
    const std::size_t length = load_u8(area.data() + i + 1);
    if (length < 2 || length > area.size() - i) return false;
    const std::byte* value = area.data() + i + 2;
    switch (kind) {
      case kTcpOptMss:
        if (length == 4) options.mss = load_be16(value); else valid = false;
        break;
      case kTcpOptWindowScale:
        if (length == 3) options.window_scale = load_u8(value); else valid = false;
        break;
      case kTcpOptSackPermitted:
        if (length == 2) options.sack_permitted = true; else valid = false;
        break;
      case kTcpOptSack: {
        const std::size_t blocks = (length - 2) / kTcpSackBlockLength;
        if ((length - 2) % kTcpSackBlockLength == 0 && blocks >= 1 &&
            blocks <= kTcpMaxSackBlocks) {
          options.sack_blocks = static_cast<std::uint8_t>(blocks);
        } else {
          valid = false;
        }
        break;
      }
      case kTcpOptTimestamps:
        if (length == 10) {
          options.has_timestamps = true;
          options.ts_value = load_be32(value);
          options.ts_echo = load_be32(value + 4);
        } else {
          valid = false;
        }
        break;
      default:
        break;  // skipped by its length
    }
    i += length;
  }
  return valid;
}

// Sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) for this packet.
std::uint64_t pseudo_header_sum(const DecodedPacket& out, std::uint8_t proto,
                                std::size_t length) {
  const std::size_t address_length = out.ip_version == 4 ? 4 : 16;
  std::uint64_t sum = checksum_add(as_byte_view(out.src_ip.bytes.data(), address_length), 0);
  sum = checksum_add(as_byte_view(out.dst_ip.bytes.data(), address_length), sum);
  return sum + proto + length;  // both fit the pseudo-header's fields, added as words
}

bool transport_checksum_ok(ByteView segment, std::uint8_t proto, const DecodedPacket& out) {
  const std::uint64_t sum = checksum_add(segment, pseudo_header_sum(out, proto, segment.size()));
  return checksum_fold(sum) == 0xffff;
}

DecodeResult decode_tcp(ByteView captured, std::size_t wire_length, DecodeState& state) {
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
  if (header_length > kTcpMinHeaderLength &&
      !parse_tcp_options(captured.subspan(kTcpMinHeaderLength,
                                          header_length - kTcpMinHeaderLength),
                         tcp.options)) {
    // Like Suricata: an event, not a drop; the segment still goes to the stream.
    tcp.options.malformed = true;
    note_anomaly(state, DecodeReason::kTcpBadOption);
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

DecodeResult decode_udp(ByteView captured, std::size_t wire_length, DecodeState& state) {
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

}  // namespace

DecodeResult decode_transport(std::uint8_t proto, ByteView captured, std::size_t wire_length,
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
