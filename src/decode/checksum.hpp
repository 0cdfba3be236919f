// Internet checksum (RFC 1071) over byte views, for IPv4 headers and TCP/UDP pseudo-headers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "decode/decoded_packet.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::decode_detail {

// Adds `bytes` as big-endian 16-bit words to a running sum. Summing 32-bit words is the same
// sum modulo 0xffff (2^16 == 1 mod 0xffff), and a 64-bit accumulator cannot overflow for any
// packet size. `bytes` must start at an even offset of the checksummed data.
inline std::uint64_t checksum_add(ByteView bytes, std::uint64_t sum) {
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 4; n -= 4, p += 4) sum += load_be32(p);
  if (n >= 2) {
    sum += load_be16(p);
    n -= 2;
    p += 2;
  }
  if (n == 1) sum += static_cast<std::uint64_t>(load_u8(p)) << 8;  // pad with a zero byte
  return sum;
}

// Folds a running sum to 16 bits. Data that includes a correct checksum folds to 0xffff.
inline std::uint16_t checksum_fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

// True when the TCP or UDP `segment` (header and payload, complete) carries the right checksum
// for the addresses in `out`.
bool transport_checksum_ok(ByteView segment, std::uint8_t proto, const DecodedPacket& out);

}  // namespace dicomsentry::decode_detail
