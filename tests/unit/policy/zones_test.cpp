// Zone classification: longest prefix across zones, IPv4 and IPv6, VLAN fallback, precedence.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "policy/zones.hpp"

namespace dicomsentry::policy {
namespace {

Config load(std::string_view text) {
  const LoadResult r = load_config(text, "zones.yaml");
  EXPECT_TRUE(r.ok) << r.error.text();
  return r.config;
}

ZoneId zone(const ZoneClassifier& zc, std::string_view ip,
            std::span<const std::uint16_t> vlans = {}) {
  std::uint8_t version = 0;
  const auto address = parse_ip(ip, &version);
  EXPECT_TRUE(address.has_value()) << ip;
  return zc.zone_of(*address, version, vlans);
}

const char* const kZones = R"(
zones:
  site:      {networks: [10.0.0.0/8, "2001:db8::/32"]}          # 0
  pacs:      {networks: [10.20.0.0/16, "2001:db8:20::/48"]}     # 1
  pacs_db:   {networks: [10.20.5.0/24, "2001:db8:20:5::/64"]}  # 2
  host:      {networks: [10.20.5.7, "2001:db8:20:5::7"]}       # 3
  modality:  {vlans: [30, 31]}                                 # 4
  guest:     {networks: [192.168.0.0/16], vlans: [99]}         # 5
  everything: {networks: [0.0.0.0/0]}                          # 6
)";

TEST(Zones, LongestPrefixIpv4) {
  const Config c = load(kZones);
  const ZoneClassifier zc(c.zones);
  EXPECT_EQ(zone(zc, "10.1.2.3"), 0);
  EXPECT_EQ(zone(zc, "10.20.0.1"), 1);
  EXPECT_EQ(zone(zc, "10.20.255.255"), 1);
  EXPECT_EQ(zone(zc, "10.20.5.1"), 2);
  EXPECT_EQ(zone(zc, "10.20.5.7"), 3);
  EXPECT_EQ(zone(zc, "10.20.5.8"), 2);
  EXPECT_EQ(zone(zc, "10.21.0.0"), 0);
  EXPECT_EQ(zone(zc, "192.168.44.1"), 5);
  EXPECT_EQ(zone(zc, "8.8.8.8"), 6);  // /0 catches the rest of IPv4
  EXPECT_EQ(zone(zc, "11.0.0.0"), 6);
}

TEST(Zones, LongestPrefixIpv6) {
  const Config c = load(kZones);
  const ZoneClassifier zc(c.zones);
  EXPECT_EQ(zone(zc, "2001:db8:1::1"), 0);
  EXPECT_EQ(zone(zc, "2001:db8:20:ffff::1"), 1);
  EXPECT_EQ(zone(zc, "2001:db8:20:5::1"), 2);
  EXPECT_EQ(zone(zc, "2001:db8:20:5:ffff:ffff:ffff:ffff"), 2);
  EXPECT_EQ(zone(zc, "2001:db8:20:5::7"), 3);
  EXPECT_EQ(zone(zc, "2001:db9::1"), kNoZone);  // 0.0.0.0/0 is IPv4 only
  EXPECT_EQ(zone(zc, "::a00:1"), kNoZone);      // the bytes of 10.0.0.1, but IPv6
}

TEST(Zones, VlanOnlyForUnclaimedAddresses) {
  const Config c = load(R"(
zones:
  pacs:     {networks: [10.20.0.0/16]}
  modality: {vlans: [30, 31]}
  guest:    {vlans: [99]}
)");
  const ZoneClassifier zc(c.zones);
  const std::array<std::uint16_t, 1> v30{30};
  const std::array<std::uint16_t, 2> qinq{99, 31};  // outer 99, inner 31
  const std::array<std::uint16_t, 2> unknown_outer{500, 31};
  const std::array<std::uint16_t, 1> v500{500};
  EXPECT_EQ(zone(zc, "172.16.0.9", v30), 1);
  EXPECT_EQ(zone(zc, "172.16.0.9", qinq), 2);           // the outermost known tag decides
  EXPECT_EQ(zone(zc, "172.16.0.9", unknown_outer), 1);  // tags no zone names are skipped
  EXPECT_EQ(zone(zc, "172.16.0.9", v500), kNoZone);
  EXPECT_EQ(zone(zc, "172.16.0.9"), kNoZone);
  EXPECT_EQ(zone(zc, "10.20.1.1", v30), 0);  // an address match beats the VLAN
  EXPECT_EQ(zone(zc, "fe80::1", v30), 1);
  EXPECT_EQ(zc.zone_of_vlans(qinq), 2);
}

TEST(Zones, EmptyClassifierAndDirectZones) {
  const ZoneClassifier empty;
  EXPECT_EQ(zone(empty, "10.0.0.1"), kNoZone);
  const std::array<std::uint16_t, 1> v1{1};
  EXPECT_EQ(zone(empty, "10.0.0.1", v1), kNoZone);
  // Built from zones that overlap exactly (the loader forbids it): the lower index wins.
  std::vector<Zone> zones(2);
  zones[0].name = "a";
  zones[0].cidrs.push_back(parse_cidr("10.0.0.0/8").cidr);
  zones[0].vlans = {7};
  zones[1].name = "b";
  zones[1].cidrs.push_back(parse_cidr("10.0.0.0/8").cidr);
  zones[1].cidrs.push_back(parse_cidr("10.0.0.0/8").cidr);
  zones[1].vlans = {7, 8};
  const ZoneClassifier zc(zones);
  EXPECT_EQ(zone(zc, "10.9.9.9"), 0);
  EXPECT_EQ(zc.zone_of_vlans(std::array<std::uint16_t, 1>{7}), 0);
  EXPECT_EQ(zc.zone_of_vlans(std::array<std::uint16_t, 1>{8}), 1);
}

TEST(Zones, ManyNetworksAgreeWithALinearScan) {
  // 200 zones of nested and disjoint networks; every probe must give the zone holding the
  // longest matching network, as a linear scan over all of them does.
  std::vector<Zone> zones;
  for (int i = 0; i < 200; ++i) {
    Zone z;
    z.name = "z" + std::to_string(i);
    const int length = 8 + (i % 25);
    IpAddress a;
    a.bytes[0] = 10;
    a.bytes[1] = static_cast<std::uint8_t>(i * 37);
    a.bytes[2] = static_cast<std::uint8_t>(i * 11);
    a.bytes[3] = static_cast<std::uint8_t>(i * 3);
    z.cidrs.push_back(Cidr{mask_address(a, static_cast<std::uint8_t>(length)), 4,
                           static_cast<std::uint8_t>(length)});
    zones.push_back(std::move(z));
  }
  const ZoneClassifier zc(zones);
  std::uint32_t state = 12345;
  for (int probe = 0; probe < 20000; ++probe) {
    state = state * 1103515245u + 12345u;
    IpAddress a;
    a.bytes[0] = 10;
    a.bytes[1] = static_cast<std::uint8_t>(state >> 8);
    a.bytes[2] = static_cast<std::uint8_t>(state >> 16);
    a.bytes[3] = static_cast<std::uint8_t>(state >> 24);
    ZoneId expected = kNoZone;
    int best = -1;
    for (std::size_t z = 0; z < zones.size(); ++z) {
      const Cidr& c = zones[z].cidrs[0];
      if (cidr_contains(c, a, 4) && c.prefix_length > best) {
        best = c.prefix_length;
        expected = static_cast<ZoneId>(z);
      }
    }
    ASSERT_EQ(zc.zone_of_address(a, 4), expected) << probe;
  }
}

}  // namespace
}  // namespace dicomsentry::policy
