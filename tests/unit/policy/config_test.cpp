// The policy config loader on the shipped default config and on small valid documents.
#include <gtest/gtest.h>

#include <string>

#include "policy/config.hpp"

namespace dicomsentry::policy {
namespace {

const std::string kDefaultConfig = std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.yaml";

Cidr cidr(std::string_view text) {
  const CidrParse parsed = parse_cidr(text);
  EXPECT_EQ(parsed.error, CidrError::kNone) << text;
  return parsed.cidr;
}

TEST(PolicyConfig, DefaultConfigLoads) {
  const LoadResult r = load_config_file(kDefaultConfig);
  ASSERT_TRUE(r.ok) << r.error.text();
  const Config& c = r.config;

  ASSERT_EQ(c.address_groups.size(), 5u);
  const AddressGroup* imaging = nullptr;
  for (const AddressGroup& g : c.address_groups) {
    if (g.name == "IMAGING_NET") imaging = &g;
  }
  ASSERT_NE(imaging, nullptr);
  EXPECT_EQ(imaging->cidrs,
            (std::vector<Cidr>{cidr("10.20.0.0/24"), cidr("2001:db8:20::/64"), cidr("10.30.0.0/22"),
                               cidr("10.40.0.0/22"), cidr("10.50.0.0/28")}));
  ASSERT_EQ(c.port_groups.size(), 3u);
  EXPECT_EQ(c.dicom_ports, (std::vector<PortRange>{{104, 104}, {11112, 11112}}));
  EXPECT_EQ(c.tls_ports, (std::vector<PortRange>{{2762, 2762}}));

  ASSERT_EQ(c.zones.size(), 4u);
  EXPECT_EQ(c.zones[0].name, "pacs");
  EXPECT_EQ(c.zones[0].cidrs, (std::vector<Cidr>{cidr("10.20.0.0/24"), cidr("2001:db8:20::/64")}));
  EXPECT_EQ(c.zones[1].name, "modalities");
  EXPECT_EQ(c.zones[1].vlans, (std::vector<std::uint16_t>{30}));
  EXPECT_EQ(c.find_zone("ris"), 3);
  EXPECT_EQ(c.find_zone("nowhere"), kNoZone);

  ASSERT_EQ(c.policy.size(), 6u);
  const PolicyEntry& store = c.policy[0];
  EXPECT_EQ(store.name, "modality-store-to-pacs");
  EXPECT_EQ(store.from, 1);
  EXPECT_EQ(store.to, 0);
  EXPECT_EQ(store.called_ae, (std::vector<std::string>{"PACS_STORE"}));
  EXPECT_TRUE(store.calling_ae.empty());
  EXPECT_FALSE(store.require_tls);
  EXPECT_FALSE(store.any_sop_class);
  EXPECT_EQ(store.sop_groups,
            (std::vector<std::string>{"storage", "storage_commitment", "verification"}));
  EXPECT_EQ(store.sop_classes, (std::vector<UidPattern>{{"1.2.840.10008.5.1.4.1.1.", true},
                                                        {"1.2.840.10008.1.20.1", false},
                                                        {"1.2.840.10008.1.1", false}}));
  EXPECT_EQ(store.ports, (std::vector<PortRange>{{104, 104}, {11112, 11112}, {2762, 2762}}));
  const PolicyEntry& qr = c.policy[2];
  EXPECT_EQ(qr.name, "workstation-query-retrieve");
  EXPECT_TRUE(qr.require_tls);
  EXPECT_TRUE(qr.require_user_identity);
  EXPECT_FALSE(qr.allow_non_dicom);
  EXPECT_TRUE(c.policy[3].allow_non_dicom);
  EXPECT_TRUE(c.policy[3].any_sop_class);
  EXPECT_EQ(c.policy[4].calling_ae, (std::vector<std::string>{"PACS_STORE"}));
  const PolicyEntry& commitment = c.policy[5];
  EXPECT_EQ(commitment.name, "pacs-commitment-reports");
  EXPECT_EQ(commitment.from, 0);
  EXPECT_EQ(commitment.to, 1);
  EXPECT_EQ(commitment.sop_classes, (std::vector<UidPattern>{{"1.2.840.10008.1.20.1", false}}));
}

TEST(PolicyConfig, EmptyDocumentIsAnEmptyConfig) {
  for (std::string_view text : {"", "# only a comment\n", "---\n"}) {
    const LoadResult r = load_config(text, "empty.yaml");
    ASSERT_TRUE(r.ok) << r.error.text();
    EXPECT_TRUE(r.config.zones.empty());
    EXPECT_TRUE(r.config.policy.empty());
  }
}

TEST(PolicyConfig, SuricataStyleListsRangesAndNestedGroups) {
  const LoadResult r = load_config(R"(
vars:
  address-groups:
    A: "[10.0.0.0/8, 192.168.1.1]"
    B: [$A, "::1"]
    C: $B
  port-groups:
    P: "[104, 4000:4010, 60000:]"
    Q: [$P, 11112]
zones:
  z: { networks: [$C], vlans: [1, 4094] }
policy:
  - {name: e, from: any, to: z, ports: $Q, require_tls: yes, calling_ae: "  MOD1  "}
  - {name: f, from: unzoned, to: z, sop_classes: ["1.2.3.*", "1.2.4"]}
)",
                                   "t.yaml");
  ASSERT_TRUE(r.ok) << r.error.text();
  EXPECT_EQ(r.config.zones[0].cidrs,
            (std::vector<Cidr>{cidr("10.0.0.0/8"), cidr("192.168.1.1/32"), cidr("::1/128")}));
  EXPECT_EQ(r.config.zones[0].vlans, (std::vector<std::uint16_t>{1, 4094}));
  const PolicyEntry& e = r.config.policy[0];
  EXPECT_EQ(e.from, kAnyZone);
  EXPECT_EQ(e.ports,
            (std::vector<PortRange>{{104, 104}, {4000, 4010}, {60000, 65535}, {11112, 11112}}));
  EXPECT_TRUE(e.require_tls);
  EXPECT_EQ(e.calling_ae, (std::vector<std::string>{"MOD1"}));  // PS3.5: spaces not significant
  const PolicyEntry& f = r.config.policy[1];
  EXPECT_EQ(f.from, kNoZone);
  EXPECT_EQ(f.sop_classes, (std::vector<UidPattern>{{"1.2.3.", true}, {"1.2.4", false}}));
  EXPECT_TRUE(f.sop_groups.empty());
}

TEST(PolicyConfig, PortIn) {
  const std::vector<PortRange> ranges{{104, 104}, {4000, 4010}};
  EXPECT_TRUE(port_in(104, ranges));
  EXPECT_TRUE(port_in(4000, ranges));
  EXPECT_TRUE(port_in(4010, ranges));
  EXPECT_FALSE(port_in(4011, ranges));
  EXPECT_FALSE(port_in(103, ranges));
  EXPECT_FALSE(port_in(104, {}));
}

TEST(PolicyConfig, ZoneNames) {
  Config c;
  c.zones.push_back(Zone{"pacs", {}, {1}});
  EXPECT_EQ(c.zone_name(0), "pacs");
  EXPECT_EQ(c.zone_name(kNoZone), "unzoned");
  EXPECT_EQ(c.zone_name(kAnyZone), "any");
}

TEST(PolicyConfig, Cidrs) {
  EXPECT_EQ(format_cidr(cidr("10.1.2.0/24")), "10.1.2.0/24");
  EXPECT_EQ(format_cidr(cidr("2001:db8::/32")), "2001:db8::/32");
  EXPECT_EQ(format_cidr(cidr("0.0.0.0/0")), "0.0.0.0/0");
  EXPECT_EQ(format_cidr(cidr("10.1.2.3")), "10.1.2.3/32");
  EXPECT_EQ(format_cidr(cidr("fe80::1")), "fe80::1/128");
  EXPECT_EQ(format_cidr(cidr("10.1.2.128/25")), "10.1.2.128/25");
  EXPECT_EQ(parse_cidr("10.1.2.3/24").error, CidrError::kHostBitsSet);
  EXPECT_EQ(parse_cidr("10.1.2.0/33").error, CidrError::kBadPrefix);
  EXPECT_EQ(parse_cidr("10.1.2.0/").error, CidrError::kBadPrefix);
  EXPECT_EQ(parse_cidr("10.1.2.0/2x").error, CidrError::kBadPrefix);
  EXPECT_EQ(parse_cidr("::/129").error, CidrError::kBadPrefix);
  EXPECT_EQ(parse_cidr("10.1.2/24").error, CidrError::kBadAddress);
  EXPECT_EQ(parse_cidr("pacs").error, CidrError::kBadAddress);
  EXPECT_EQ(parse_cidr("").error, CidrError::kBadAddress);
  std::uint8_t version = 0;
  const auto a = parse_ip("10.1.2.77", &version);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(version, 4);
  EXPECT_TRUE(cidr_contains(cidr("10.1.2.64/26"), *a, 4));
  EXPECT_FALSE(cidr_contains(cidr("10.1.2.128/25"), *a, 4));
  EXPECT_FALSE(cidr_contains(cidr("::/0"), *a, 4));  // versions never mix
}

TEST(PolicyConfig, UidPatterns) {
  UidPattern p;
  ASSERT_TRUE(parse_uid_pattern("1.2.840.10008.5.1.4.1.1.*", &p));
  EXPECT_EQ(p, (UidPattern{"1.2.840.10008.5.1.4.1.1.", true}));
  EXPECT_TRUE(uid_matches(p, "1.2.840.10008.5.1.4.1.1.2"));
  EXPECT_FALSE(uid_matches(p, "1.2.840.10008.5.1.4.1.10"));
  EXPECT_FALSE(uid_matches(p, "1.2.840.10008.5.1.4.1.1"));
  ASSERT_TRUE(parse_uid_pattern("1.2.840.10008.1.1", &p));
  EXPECT_EQ(p, (UidPattern{"1.2.840.10008.1.1", false}));
  EXPECT_TRUE(uid_matches(p, "1.2.840.10008.1.1"));
  EXPECT_FALSE(uid_matches(p, "1.2.840.10008.1.10"));
  const std::string too_long = "1." + std::string(63, '2');  // 65 characters
  for (std::string_view bad :
       {std::string_view(""), std::string_view(".*"), std::string_view("1..2"),
        std::string_view(".1.2"), std::string_view("1.2."), std::string_view("1.2a"),
        std::string_view("1.2.**"), std::string_view("*"), std::string_view(too_long)}) {
    EXPECT_FALSE(parse_uid_pattern(bad, &p)) << bad;
  }
  ASSERT_NE(find_sop_group("query_retrieve"), nullptr);
  EXPECT_TRUE(
      uid_matches(find_sop_group("query_retrieve")->patterns[0], "1.2.840.10008.5.1.4.1.2.2.1"));
  EXPECT_TRUE(uid_matches(find_sop_group("print")->patterns[0], "1.2.840.10008.5.1.1.1"));
  EXPECT_EQ(find_sop_group("Storage"), nullptr);
  EXPECT_EQ(sop_groups().size(), 9u);
}

}  // namespace
}  // namespace dicomsentry::policy
