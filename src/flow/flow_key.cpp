// Canonical flow keys and their hash.
#include "flow/flow_key.hpp"

namespace dicomsentry {

namespace {

// memcmp's order of two addresses (-1, 0, 1) from two big-endian 8-byte words each, inline.
int compare_addresses(const IpAddress& a, const IpAddress& b) {
  std::uint64_t x[2];
  std::uint64_t y[2];
  std::memcpy(x, a.bytes.data(), 16);
  std::memcpy(y, b.bytes.data(), 16);
  for (int i = 0; i < 2; ++i) {
    const std::uint64_t p = __builtin_bswap64(x[i]);
    const std::uint64_t q = __builtin_bswap64(y[i]);
    if (p != q) return p < q ? -1 : 1;
  }
  return 0;
}

}  // namespace

KeyedPacket make_flow_key(const DecodedPacket& packet) {
  KeyedPacket keyed;
  FlowKey& key = keyed.key;
  const int address_order = compare_addresses(packet.src_ip, packet.dst_ip);
  const bool src_is_lo =
      address_order < 0 || (address_order == 0 && packet.src_port <= packet.dst_port);
  if (src_is_lo) {
    key.lo_ip = packet.src_ip;
    key.hi_ip = packet.dst_ip;
    key.lo_port = packet.src_port;
    key.hi_port = packet.dst_port;
  } else {
    key.lo_ip = packet.dst_ip;
    key.hi_ip = packet.src_ip;
    key.lo_port = packet.dst_port;
    key.hi_port = packet.src_port;
  }
  key.vlan_ids = packet.vlan_ids;
  for (std::size_t i = packet.vlan_count; i < kMaxVlans; ++i) key.vlan_ids[i] = 0;
  key.vlan_count = packet.vlan_count;
  key.ip_version = packet.ip_version;
  key.ip_proto = packet.ip_proto;
  keyed.from_lo = src_is_lo;
  return keyed;
}

std::uint64_t hash_flow_key(const FlowKey& key) {
  static_assert(sizeof(FlowKey) % 8 == 0);
  std::uint64_t words[sizeof(FlowKey) / 8];
  std::memcpy(words, &key, sizeof(FlowKey));
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  for (std::uint64_t w : words) {
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 32);
}

}  // namespace dicomsentry
