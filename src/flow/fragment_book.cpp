// First-fragment ports for later fragments (see the header).
#include "flow/fragment_book.hpp"

#include <bit>
#include <cstring>

namespace dicomsentry {

namespace {

bool is_tcp_or_udp(std::uint8_t proto) {
  return proto == static_cast<std::uint8_t>(IpProto::kTcp) ||
         proto == static_cast<std::uint8_t>(IpProto::kUdp);
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

FragmentBook::FragmentBook(std::size_t slots)
    : slots_(std::bit_ceil(slots < 1 ? std::size_t{1} : slots)), mask_(slots_.size() - 1) {}

FragmentBook::Slot& FragmentBook::slot_of(const DecodedPacket& packet) {
  std::uint64_t words[4];
  std::memcpy(words, packet.src_ip.bytes.data(), 16);
  std::memcpy(words + 2, packet.dst_ip.bytes.data(), 16);
  std::uint64_t h = mix(packet.fragment_id, packet.ip_proto);
  for (const std::uint64_t w : words) h = mix(h, w);
  h *= 0xbf58476d1ce4e5b9ULL;
  return slots_[(h ^ (h >> 31)) & mask_];
}

bool FragmentBook::same_datagram(const Slot& slot, const DecodedPacket& packet) {
  return slot.ip_version == packet.ip_version && slot.ip_proto == packet.ip_proto &&
         slot.id == packet.fragment_id && slot.src == packet.src_ip && slot.dst == packet.dst_ip;
}

FragmentVerdict FragmentBook::attribute(DecodedPacket& packet, TimestampNs ts) {
  if (!packet.is_fragment || !is_tcp_or_udp(packet.ip_proto)) return FragmentVerdict::kKeyed;
  Slot& slot = slot_of(packet);
  if (!packet.later_fragment) {
    slot = Slot{packet.src_ip, packet.dst_ip, packet.fragment_id, packet.ip_version,
                packet.ip_proto, packet.src_port, packet.dst_port, ts};
    return FragmentVerdict::kKeyed;
  }
  // Packet time may step back a little between interfaces: only an old entry is stale.
  if (same_datagram(slot, packet) && ts - slot.ts <= kLifetimeNs) {
    packet.src_port = slot.src_port;
    packet.dst_port = slot.dst_port;
    return FragmentVerdict::kAttributed;
  }
  return FragmentVerdict::kUnattributed;
}

}  // namespace dicomsentry
