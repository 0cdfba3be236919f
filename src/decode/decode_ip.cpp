// IPv4 (header, options, lengths, fragments, checksum) and IPv6 (extension header chain).
#include <algorithm>
#include <cstring>

#include "decode/checksum.hpp"
#include "decode/decode_internal.hpp"
#include "decode/transport_decode.hpp"

namespace dicomsentry::decode_detail {

namespace {

constexpr std::size_t kIpv4MinHeaderLength = 20;  // RFC 791 §3.1: IHL >= 5 words
constexpr std::uint16_t kIpv4MoreFragments = 0x2000;
constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;

// RFC 791 §3.1 option types that need more than the generic (type, length >= 2) check.
constexpr std::uint8_t kOptEnd = 0;
constexpr std::uint8_t kOptNop = 1;
constexpr std::uint8_t kOptRecordRoute = 7;
constexpr std::uint8_t kOptTimestamp = 68;
constexpr std::uint8_t kOptLooseRoute = 131;
constexpr std::uint8_t kOptStreamId = 136;
constexpr std::uint8_t kOptStrictRoute = 137;
constexpr std::uint8_t kOptRouterAlert = 148;  // RFC 2113

constexpr std::size_t kIpv6HeaderLength = 40;  // RFC 8200 §3
constexpr std::size_t kIpv6FragmentHeaderLength = 8;

// Next-header values (IANA protocol numbers) of the RFC 8200 §4 extension headers.
constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6Esp = 50;
constexpr std::uint8_t kIpv6Ah = 51;
constexpr std::uint8_t kIpv6NoNextHeader = 59;
constexpr std::uint8_t kIpv6DestinationOptions = 60;
constexpr std::uint8_t kIpv6Mobility = 135;  // RFC 6275, same length format as routing
constexpr std::uint8_t kIpv6Hip = 139;       // RFC 7401
constexpr std::uint8_t kIpv6Shim6 = 140;     // RFC 5533

// Walks the option area (after the fixed 20 bytes): EOL ends it, NOP is one byte, every other
// option carries a length covering itself that must fit in the area.
bool ipv4_options_valid(ByteView area) {
  std::size_t i = 0;
  while (i < area.size()) {
    const std::uint8_t type = load_u8(area.data() + i);
    if (type == kOptEnd) return true;  // the rest is padding
    if (type == kOptNop) {
      ++i;
      continue;
    }
    if (area.size() - i < 2) return false;
    const std::uint8_t length = load_u8(area.data() + i + 1);
    if (length < 2 || length > area.size() - i) return false;
    switch (type) {
      case kOptRecordRoute:
      case kOptLooseRoute:
      case kOptStrictRoute:
        if (length < 3) return false;  // type, length, pointer
        break;
      case kOptTimestamp:
        if (length < 4) return false;  // type, length, pointer, overflow/flags
        break;
      case kOptStreamId:
      case kOptRouterAlert:
        if (length != 4) return false;
        break;
      default:
        break;
    }
    i += length;
  }
  return true;
}

// The payload of a packet we stop at (non-first fragment, ESP, no next header, ICMP, ...).
DecodeResult other_ip(ByteView captured, std::size_t wire_length, DecodeState& state) {
  state.out.payload = captured;
  state.out.payload_wire_length = static_cast<std::uint32_t>(wire_length);
  return DecodeResult::kOtherIp;
}

}  // namespace

DecodeResult decode_ipv4(ByteView bytes, DecodeState& state) {
  if (bytes.size() < kIpv4MinHeaderLength) return malformed(state, DecodeReason::kIpv4Truncated);
  const std::byte* p = bytes.data();
  const std::uint8_t version_ihl = load_u8(p);
  if ((version_ihl >> 4) != 4) return malformed(state, DecodeReason::kIpv4BadVersion);
  const std::size_t header_length = static_cast<std::size_t>(version_ihl & 0x0f) * 4;
  if (header_length < kIpv4MinHeaderLength) {
    return malformed(state, DecodeReason::kIpv4BadHeaderLength);
  }
  if (bytes.size() < header_length) return malformed(state, DecodeReason::kIpv4Truncated);
  const std::size_t total_length = load_be16(p + 2);
  // A total length beyond the captured bytes is fine only when the capture was cut short.
  if (total_length < header_length || total_length > bytes.size() + state.snaplen_missing) {
    return malformed(state, DecodeReason::kIpv4BadTotalLength);
  }
  if (header_length > kIpv4MinHeaderLength &&
      !ipv4_options_valid(bytes.subspan(kIpv4MinHeaderLength,
                                        header_length - kIpv4MinHeaderLength))) {
    return malformed(state, DecodeReason::kIpv4BadOption);
  }
  if (state.options.validate_checksums &&
      checksum_fold(checksum_add(bytes.first(header_length), 0)) != 0xffff) {
    return malformed(state, DecodeReason::kIpv4BadChecksum);
  }

  DecodedPacket& out = state.out;
  out.ip_version = 4;
  out.ttl = load_u8(p + 8);
  out.src_ip = {};
  out.dst_ip = {};
  std::memcpy(out.src_ip.bytes.data(), p + 12, 4);
  std::memcpy(out.dst_ip.bytes.data(), p + 16, 4);
  // Cutting at the total length drops Ethernet padding (frames under 60 bytes are padded).
  const ByteView datagram = bytes.first(std::min(total_length, bytes.size()));
  out.ip_packet = datagram;
  ++state.counters.ipv4;

  const std::uint8_t proto = load_u8(p + 9);
  const ByteView captured = datagram.subspan(header_length);
  const std::size_t wire_length = total_length - header_length;
  const std::uint16_t fragment = load_be16(p + 6);
  if ((fragment & (kIpv4MoreFragments | kIpv4OffsetMask)) != 0) {
    out.is_fragment = true;
    out.fragment_id = load_be16(p + 4);
    note_anomaly(state, DecodeReason::kIpv4Fragment);
    if ((fragment & kIpv4OffsetMask) != 0) {  // no transport header here; not reassembled
      out.later_fragment = true;
      out.ip_proto = proto;
      return other_ip(captured, wire_length, state);
    }
  }
  return decode_transport(proto, captured, wire_length, state);
}

DecodeResult decode_ipv6(ByteView bytes, DecodeState& state) {
  if (bytes.size() < kIpv6HeaderLength) return malformed(state, DecodeReason::kIpv6Truncated);
  const std::byte* p = bytes.data();
  if ((load_u8(p) >> 4) != 6) return malformed(state, DecodeReason::kIpv6BadVersion);
  const std::size_t payload_length = load_be16(p + 4);
  // 0 announces a jumbogram (RFC 2675), which needs a hop-by-hop option and a >64 KiB link;
  // no network we watch carries one, so it is treated as a bad length.
  if (payload_length == 0 ||
      kIpv6HeaderLength + payload_length > bytes.size() + state.snaplen_missing) {
    return malformed(state, DecodeReason::kIpv6BadPayloadLength);
  }

  DecodedPacket& out = state.out;
  out.ip_version = 6;
  out.ttl = load_u8(p + 7);
  std::memcpy(out.src_ip.bytes.data(), p + 8, 16);
  std::memcpy(out.dst_ip.bytes.data(), p + 24, 16);
  const ByteView datagram = bytes.first(std::min(kIpv6HeaderLength + payload_length, bytes.size()));
  out.ip_packet = datagram;
  ++state.counters.ipv6;

  std::uint8_t next = load_u8(p + 6);
  ByteView rest = datagram.subspan(kIpv6HeaderLength);  // captured part of the payload
  std::size_t wire_rest = payload_length;                // claimed part of the payload
  for (std::size_t count = 0;; ++count) {
    switch (next) {
      case kIpv6HopByHop:
        // RFC 8200 §4.1: hop-by-hop options may only follow the IPv6 header directly.
        if (count != 0) return malformed(state, DecodeReason::kIpv6BadExtensionHeader);
        break;
      case kIpv6Routing:
      case kIpv6Fragment:
      case kIpv6Ah:
      case kIpv6DestinationOptions:
      case kIpv6Mobility:
      case kIpv6Hip:
      case kIpv6Shim6:
        break;
      case kIpv6Esp:           // encrypted from here on
      case kIpv6NoNextHeader:  // nothing follows
        out.ip_proto = next;
        return other_ip(rest, wire_rest, state);
      default:
        return decode_transport(next, rest, wire_rest, state);
    }
    if (count == kMaxIpv6ExtensionHeaders) {
      return malformed(state, DecodeReason::kIpv6TooManyExtensionHeaders);
    }
    // Every extension header starts with next-header(1) and a length byte (fragment: reserved).
    if (wire_rest < 2) return malformed(state, DecodeReason::kIpv6BadExtensionHeader);
    if (rest.size() < 2) return malformed(state, DecodeReason::kIpv6Truncated);
    const std::byte* h = rest.data();
    const std::size_t length_field = load_u8(h + 1);
    std::size_t length = 0;
    if (next == kIpv6Fragment) {
      length = kIpv6FragmentHeaderLength;
    } else if (next == kIpv6Ah) {
      // RFC 4302 §2.2: length in 4-byte words minus 2; the minimum header (with a null ICV)
      // is 12 bytes, i.e. a length field of at least 1.
      if (length_field < 1) return malformed(state, DecodeReason::kIpv6BadExtensionHeader);
      length = (length_field + 2) * 4;
    } else {
      length = (length_field + 1) * 8;  // RFC 8200 §4.3: 8-byte units, first 8 not counted
    }
    if (length > wire_rest) return malformed(state, DecodeReason::kIpv6BadExtensionHeader);
    if (length > rest.size()) return malformed(state, DecodeReason::kIpv6Truncated);

    if (next == kIpv6Fragment) {
      const std::uint16_t offset_flags = load_be16(h + 2);
      const std::uint16_t offset = offset_flags >> 3;
      const bool more = (offset_flags & 1) != 0;
      // RFC 6946: an "atomic" fragment (offset 0, no more fragments) is a whole packet.
      if (offset != 0 || more) {
        out.is_fragment = true;
        out.fragment_id = load_be32(h + 4);
        note_anomaly(state, DecodeReason::kIpv6Fragment);
        if (offset != 0) {  // no transport header here; not reassembled
          out.later_fragment = true;
          out.ip_proto = load_u8(h);
          return other_ip(rest.subspan(length), wire_rest - length, state);
        }
      }
    }
    next = load_u8(h);
    rest = rest.subspan(length);
    wire_rest -= length;
  }
}

}  // namespace dicomsentry::decode_detail
