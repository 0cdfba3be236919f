// Zone lookup tables: one sorted array per prefix length, probed longest first; a VLAN array.
#include "policy/zones.hpp"

#include <algorithm>
#include <map>

namespace dicomsentry::policy {
namespace {

std::uint32_t load_v4(const IpAddress& a) {
  return (std::uint32_t{a.bytes[0]} << 24) | (std::uint32_t{a.bytes[1]} << 16) |
         (std::uint32_t{a.bytes[2]} << 8) | std::uint32_t{a.bytes[3]};
}

std::uint64_t load_u64(const IpAddress& a, std::size_t offset) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | a.bytes[offset + i];
  return v;
}

std::uint32_t mask_v4(std::uint8_t length) {
  return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
}

// The high and low 64-bit masks of an IPv6 prefix length.
std::uint64_t mask_u64(int length) {
  if (length <= 0) return 0;
  if (length >= 64) return ~std::uint64_t{0};
  return ~std::uint64_t{0} << (64 - length);
}

}  // namespace

ZoneClassifier::ZoneClassifier(const std::vector<Zone>& zones) {
  vlan_zone_.fill(kNoZone);
  // Ordered maps keyed by descending prefix length give the probe order directly.
  std::map<std::uint8_t, std::vector<V4Entry>, std::greater<>> v4;
  std::map<std::uint8_t, std::vector<V6Entry>, std::greater<>> v6;
  for (std::size_t z = 0; z < zones.size() && z < kMaxZones; ++z) {
    const auto zone = static_cast<ZoneId>(z);
    for (const Cidr& cidr : zones[z].cidrs) {
      const IpAddress network = mask_address(cidr.address, cidr.prefix_length);
      if (cidr.ip_version == 4) {
        v4[cidr.prefix_length].push_back({load_v4(network), zone});
      } else {
        v6[cidr.prefix_length].push_back({load_u64(network, 0), load_u64(network, 8), zone});
      }
    }
    for (std::uint16_t vlan : zones[z].vlans) {
      if (vlan < vlan_zone_.size() && vlan_zone_[vlan] == kNoZone) vlan_zone_[vlan] = zone;
    }
  }
  // stable_sort keeps the lower zone first among equal networks; unique then drops the rest.
  for (auto& [length, entries] : v4) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const V4Entry& a, const V4Entry& b) { return a.network < b.network; });
    entries.erase(
        std::unique(entries.begin(), entries.end(),
                    [](const V4Entry& a, const V4Entry& b) { return a.network == b.network; }),
        entries.end());
    v4_.push_back({length, std::move(entries)});
  }
  for (auto& [length, entries] : v6) {
    auto less = [](const V6Entry& a, const V6Entry& b) {
      return a.high != b.high ? a.high < b.high : a.low < b.low;
    };
    std::stable_sort(entries.begin(), entries.end(), less);
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const V6Entry& a, const V6Entry& b) {
                                return a.high == b.high && a.low == b.low;
                              }),
                  entries.end());
    v6_.push_back({length, std::move(entries)});
  }
}

ZoneId ZoneClassifier::zone_of_address(const IpAddress& address, std::uint8_t ip_version) const {
  if (ip_version == 4) {
    const std::uint32_t host = load_v4(address);
    for (const V4Table& table : v4_) {  // at most 33 tables
      const std::uint32_t key = host & mask_v4(table.prefix_length);
      const auto it =
          std::lower_bound(table.entries.begin(), table.entries.end(), key,
                           [](const V4Entry& e, std::uint32_t k) { return e.network < k; });
      if (it != table.entries.end() && it->network == key) return it->zone;
    }
  } else if (ip_version == 6) {
    const std::uint64_t high = load_u64(address, 0), low = load_u64(address, 8);
    for (const V6Table& table : v6_) {  // at most 129 tables
      const std::uint64_t kh = high & mask_u64(table.prefix_length);
      const std::uint64_t kl = low & mask_u64(table.prefix_length - 64);
      const auto it = std::lower_bound(table.entries.begin(), table.entries.end(), kh,
                                       [kl](const V6Entry& e, std::uint64_t k) {
                                         return e.high != k ? e.high < k : e.low < kl;
                                       });
      if (it != table.entries.end() && it->high == kh && it->low == kl) return it->zone;
    }
  }
  return kNoZone;
}

ZoneId ZoneClassifier::zone_of_vlans(std::span<const std::uint16_t> vlan_ids) const {
  for (std::uint16_t vlan : vlan_ids) {  // outermost first
    if (vlan < vlan_zone_.size() && vlan_zone_[vlan] != kNoZone) return vlan_zone_[vlan];
  }
  return kNoZone;
}

ZoneId ZoneClassifier::zone_of(const IpAddress& address, std::uint8_t ip_version,
                               std::span<const std::uint16_t> vlan_ids) const {
  const ZoneId by_address = zone_of_address(address, ip_version);
  return by_address != kNoZone ? by_address : zone_of_vlans(vlan_ids);
}

}  // namespace dicomsentry::policy
