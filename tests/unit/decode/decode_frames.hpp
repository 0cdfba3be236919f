// Tiny frame builder for the decoder tests: headers as byte vectors, checksums computed independently.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "decode/decoder.hpp"

namespace dicomsentry::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

// The RFC 1071 reference loop, one 16-bit word at a time: deliberately not the decoder's code.
inline std::uint16_t ref_checksum(const Bytes& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  }
  if (data.size() % 2 == 1) sum += static_cast<std::uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

inline Bytes ethernet(std::uint16_t type) {
  Bytes b = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0, 0};
  put16(b, 12, type);
  return b;
}

inline Bytes vlan_tag(std::uint16_t tci, std::uint16_t inner_type) {
  Bytes b(4);
  put16(b, 0, tci);
  put16(b, 2, inner_type);
  return b;
}

// IPv4 header 10.0.0.1 -> 10.0.0.2, TTL 64, with a correct header checksum. `options` must be
// a multiple of 4 bytes long; `payload_length` is what follows the header.
inline Bytes ipv4(std::uint8_t proto, std::size_t payload_length, const Bytes& options = {},
                  std::uint16_t flags_offset = 0x4000) {
  const std::size_t header_length = 20 + options.size();
  Bytes b = {static_cast<std::uint8_t>(0x40 | header_length / 4), 0, 0, 0, 0x12, 0x34, 0, 0,
             64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  put16(b, 2, static_cast<std::uint16_t>(header_length + payload_length));
  put16(b, 6, flags_offset);
  b.insert(b.end(), options.begin(), options.end());
  put16(b, 10, ref_checksum(b));
  return b;
}

// IPv6 header 2001:db8::1 -> 2001:db8::2, hop limit 64.
inline Bytes ipv6(std::uint8_t next, std::size_t payload_length) {
  Bytes b = {0x60, 0, 0, 0, 0, 0, next, 64};
  put16(b, 4, static_cast<std::uint16_t>(payload_length));
  const Bytes src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  Bytes dst = src;
  dst[15] = 2;
  return cat({b, src, dst});
}

// A generic extension header (hop-by-hop, routing, destination options): `length` bytes,
// a multiple of 8, padded with PadN-free zeros (Pad1 options).
inline Bytes ipv6_ext(std::uint8_t next, std::size_t length) {
  Bytes b(length, 0);
  b[0] = next;
  b[1] = static_cast<std::uint8_t>(length / 8 - 1);
  return b;
}

inline Bytes ipv6_fragment(std::uint8_t next, std::uint16_t offset, bool more) {
  Bytes b = {next, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};
  put16(b, 2, static_cast<std::uint16_t>(offset << 3 | (more ? 1 : 0)));
  return b;
}

// TCP 40000 -> 104 (DICOM), seq 1000, ack 2000, window 65535; `options` padded by the caller.
inline Bytes tcp(std::uint8_t flags, const Bytes& options = {}) {
  Bytes b = {0x9c, 0x40, 0x00, 0x68, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 0, flags,
             0xff, 0xff, 0, 0, 0, 0};
  b[12] = static_cast<std::uint8_t>((20 + options.size()) / 4 << 4);
  b.insert(b.end(), options.begin(), options.end());
  return b;
}

// UDP 5353 -> 53 with the given length field (header + payload unless testing lengths).
inline Bytes udp(std::uint16_t length) {
  Bytes b = {0x14, 0xe9, 0x00, 0x35, 0, 0, 0, 0};
  put16(b, 4, length);
  return b;
}

// Fills the TCP (offset 16) or UDP (offset 6) checksum of `segment` for the builder's addresses.
inline void fill_checksum(Bytes& segment, std::uint8_t proto, int ip_version) {
  const std::size_t field = proto == 6 ? 16 : 6;
  put16(segment, field, 0);
  Bytes pseudo;
  if (ip_version == 4) {
    pseudo = {10, 0, 0, 1, 10, 0, 0, 2, 0, proto, 0, 0};
    put16(pseudo, 10, static_cast<std::uint16_t>(segment.size()));
  } else {
    const Bytes header = ipv6(proto, segment.size());
    pseudo.assign(header.begin() + 8, header.end());
    const Bytes tail = {0, 0, static_cast<std::uint8_t>(segment.size() >> 8),
                        static_cast<std::uint8_t>(segment.size()), 0, 0, 0, proto};
    pseudo.insert(pseudo.end(), tail.begin(), tail.end());
  }
  std::uint16_t sum = ref_checksum(cat({pseudo, segment}));
  if (sum == 0 && proto == 17) sum = 0xffff;  // RFC 768: a computed 0 is sent as all ones
  put16(segment, field, sum);
}

struct Decoded {
  DecodeResult result = DecodeResult::kMalformed;
  DecodedPacket out;
  DecodeCounters counters;
};

// Decodes `frame` (which must outlive the result's views). `original_length` 0 means "not cut".
inline Decoded decode(const Bytes& frame, LinkType link = LinkType::kEthernet,
                      bool validate_checksums = false, std::uint32_t original_length = 0) {
  PacketView packet;
  packet.bytes = as_byte_view(frame.data(), frame.size());
  packet.original_length =
      original_length != 0 ? original_length : static_cast<std::uint32_t>(frame.size());
  packet.link_type = link;
  DecodeOptions options;
  options.validate_checksums = validate_checksums;
  Decoded d;
  d.result = decode_packet(packet, options, d.out, d.counters);
  return d;
}

inline std::size_t sum_of(const std::array<std::uint64_t, kDecodeReasonCount>& counts) {
  std::size_t total = 0;
  for (auto c : counts) total += c;
  return total;
}

}  // namespace dicomsentry::test
