// Which zone an endpoint is in: longest-prefix match over every zone's networks, then VLANs.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "decode/decoded_packet.hpp"
#include "policy/config.hpp"

namespace dicomsentry::policy {

// Built once from the config's zones; lookups do not allocate.
//
// Precedence, in this order:
//   1. The zone holding the longest network that contains the address (so a /32 for one
//      host carves it out of its subnet's zone). IPv4 and IPv6 are matched separately.
//   2. If no network matches: the zone of the first VLAN ID of the frame, outermost first.
//      An address is a property of the endpoint; a VLAN tag is a property of the frame (both
//      endpoints of a routed flow share the tag of the segment it was seen on), so it is the
//      weaker evidence and only decides for addresses no network claims.
//   3. Otherwise kNoZone ("unzoned").
// The loader rejects a network or a VLAN listed in two zones; given such zones directly, the
// lower zone index wins.
class ZoneClassifier {
 public:
  ZoneClassifier() { vlan_zone_.fill(kNoZone); }
  explicit ZoneClassifier(const std::vector<Zone>& zones);

  ZoneId zone_of(const IpAddress& address, std::uint8_t ip_version,
                 std::span<const std::uint16_t> vlan_ids) const;
  ZoneId zone_of_address(const IpAddress& address, std::uint8_t ip_version) const;
  ZoneId zone_of_vlans(std::span<const std::uint16_t> vlan_ids) const;

 private:
  struct V4Entry {
    std::uint32_t network = 0;
    ZoneId zone = kNoZone;
  };
  struct V6Entry {
    std::uint64_t high = 0, low = 0;
    ZoneId zone = kNoZone;
  };
  // All networks of one prefix length, sorted by network for a binary search.
  struct V4Table {
    std::uint8_t prefix_length = 0;
    std::vector<V4Entry> entries;
  };
  struct V6Table {
    std::uint8_t prefix_length = 0;
    std::vector<V6Entry> entries;
  };

  std::vector<V4Table> v4_;  // longest prefix first
  std::vector<V6Table> v6_;
  std::array<ZoneId, 4096> vlan_zone_{};
};

}  // namespace dicomsentry::policy
