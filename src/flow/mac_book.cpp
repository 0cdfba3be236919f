// MacBook: a fixed open-addressing table, touched only when a flow is created.
#include "flow/mac_book.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <type_traits>

namespace dicomsentry {

static_assert(std::is_trivially_copyable_v<IpAddress> && std::is_aggregate_v<IpAddress>,
              "MacBook's calloc'ed slots must be valid as all-zero bytes");

namespace {

MacAddress mac_at(const std::byte* p) {
  MacAddress mac;
  std::memcpy(mac.data(), p, mac.size());
  return mac;
}

std::uint64_t hash_address(std::uint8_t ip_version, const IpAddress& ip) {
  std::uint64_t words[2];
  std::memcpy(words, ip.bytes.data(), sizeof words);
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  std::uint64_t h = 0x243f6a8885a308d3ULL ^ ip_version;
  for (const std::uint64_t w : words) {
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  return h;
}

// Two 8-byte compares: IpAddress's operator== became a call to memcmp per probe.
bool same_address(const IpAddress& a, const IpAddress& b) {
  std::uint64_t x[2];
  std::uint64_t y[2];
  std::memcpy(x, a.bytes.data(), sizeof x);
  std::memcpy(y, b.bytes.data(), sizeof y);
  return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

}  // namespace

std::size_t format_mac(const MacAddress& mac, std::span<char, 17> out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t at = 0;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i != 0) out[at++] = ':';
    out[at++] = kHex[mac[i] >> 4];
    out[at++] = kHex[mac[i] & 0x0f];
  }
  return at;
}

MacBook::MacBook(std::size_t capacity)
    : capacity_(capacity),
      // At most 3/4 full: probe chains stay short and always reach an empty slot.
      slot_count_(capacity == 0 ? 0 : std::bit_ceil(capacity + capacity / 3 + 1)),
      slots_(slot_count_ == 0 ? nullptr
                              : static_cast<Slot*>(std::calloc(slot_count_, sizeof(Slot)))) {
  if (slot_count_ != 0 && slots_ == nullptr) throw std::bad_alloc();
}

std::size_t MacBook::slot_of(std::uint8_t ip_version, const IpAddress& ip) const {
  const std::size_t mask = slot_count_ - 1;
  std::size_t i = hash_address(ip_version, ip) & mask;
  while (slots_[i].ip_version != 0 &&
         !(slots_[i].ip_version == ip_version && same_address(slots_[i].ip, ip))) {
    i = (i + 1) & mask;
  }
  return i;
}

void MacBook::prefetch(const DecodedPacket& packet) const {
  if (slot_count_ == 0 || packet.src_mac == nullptr) return;
  const std::size_t mask = slot_count_ - 1;
  __builtin_prefetch(&slots_[hash_address(packet.ip_version, packet.src_ip) & mask]);
  __builtin_prefetch(&slots_[hash_address(packet.ip_version, packet.dst_ip) & mask]);
}

void MacBook::on_flow_created(const DecodedPacket& packet) {
  if (packet.src_mac != nullptr) add(packet.ip_version, packet.src_ip, mac_at(packet.src_mac));
  if (packet.dst_mac != nullptr) add(packet.ip_version, packet.dst_ip, mac_at(packet.dst_mac));
}

void MacBook::add(std::uint8_t ip_version, const IpAddress& ip, const MacAddress& mac) {
  if (slot_count_ == 0 || ip_version == 0 || is_group_mac(mac)) return;
  Slot& slot = slots_[slot_of(ip_version, ip)];
  if (slot.ip_version == 0) {
    if (counters_.addresses >= capacity_) {
      ++counters_.dropped;
      return;
    }
    slot.ip = ip;
    slot.ip_version = ip_version;
    ++counters_.addresses;
  }
  Macs& m = slot.macs;
  MacAddress* const end = m.macs.data() + m.count;
  MacAddress* const at = std::lower_bound(m.macs.data(), end, mac);
  if (at != end && *at == mac) return;
  if (m.count == kMaxMacs) {
    if (at == end) return;  // larger than the kMaxMacs held: not kept
    std::copy_backward(at, end - 1, end);  // the largest falls off
  } else {
    std::copy_backward(at, end, end + 1);
    ++m.count;
  }
  *at = mac;
}

std::span<const MacAddress> MacBook::find(std::uint8_t ip_version, const IpAddress& ip) const {
  if (slot_count_ == 0 || ip_version == 0) return {};
  const Slot& slot = slots_[slot_of(ip_version, ip)];
  if (slot.ip_version == 0) return {};
  return slot.macs.items();
}

}  // namespace dicomsentry
