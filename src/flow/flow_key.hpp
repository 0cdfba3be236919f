// Direction-independent flow key (VLAN stack + IP version + protocol + both endpoints) and its hash.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

// Endpoints are stored in a canonical order: `lo` is the smaller (address, port) pair, so
// both directions of a conversation map to the same key. All VLAN IDs are part of the key:
// the same 5-tuple on two VLANs is two flows (segmentation checks depend on it).
struct FlowKey {
  IpAddress lo_ip;
  IpAddress hi_ip;
  std::uint16_t lo_port = 0;
  std::uint16_t hi_port = 0;
  std::array<std::uint16_t, kMaxVlans> vlan_ids{};
  std::uint8_t vlan_count = 0;
  std::uint8_t ip_version = 0;
  std::uint8_t ip_proto = 0;
  std::array<std::uint8_t, 3> reserved{};  // always zero: keys compare and hash as plain bytes

  // Six 8-byte compares, inline: memcmp was a call per lookup probe.
  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    std::uint64_t x[6];
    std::uint64_t y[6];
    std::memcpy(x, &a, sizeof x);
    std::memcpy(y, &b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) |
            (x[5] ^ y[5])) == 0;
  }
};
static_assert(sizeof(FlowKey) == 48, "FlowKey is compared and hashed as 48 plain bytes");

// The key of a decoded TCP/UDP/IP packet, and whether the packet travels lo -> hi.
struct KeyedPacket {
  FlowKey key;
  bool from_lo = true;
};

KeyedPacket make_flow_key(const DecodedPacket& packet);

// A fast 64-bit hash of the 48 key bytes (multiply-xorshift over six words).
std::uint64_t hash_flow_key(const FlowKey& key);

}  // namespace dicomsentry
