// TCP/UDP checksum validation over the pseudo-header; off the hot path (validate_checksums).
#include "decode/checksum.hpp"

namespace dicomsentry::decode_detail {

namespace {

// Sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) for this packet.
std::uint64_t pseudo_header_sum(const DecodedPacket& out, std::uint8_t proto,
                                std::size_t length) {
  const std::size_t address_length = out.ip_version == 4 ? 4 : 16;
  std::uint64_t sum = checksum_add(as_byte_view(out.src_ip.bytes.data(), address_length), 0);
  sum = checksum_add(as_byte_view(out.dst_ip.bytes.data(), address_length), sum);
  return sum + proto + length;  // both fit the pseudo-header's fields, added as words
}

}  // namespace

bool transport_checksum_ok(ByteView segment, std::uint8_t proto, const DecodedPacket& out) {
  const std::uint64_t sum = checksum_add(segment, pseudo_header_sum(out, proto, segment.size()));
  return checksum_fold(sum) == 0xffff;
}

}  // namespace dicomsentry::decode_detail
