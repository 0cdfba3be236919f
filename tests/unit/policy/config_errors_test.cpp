// Every error the policy config loader reports, with its exact text and place.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "policy/config.hpp"

namespace dicomsentry::policy {
namespace {

struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* error;  // ConfigError::text()
};

const ErrorCase kCases[] = {
    {"syntax", R"y(zones: [a, b
)y",
     "p.yaml:2:1: YAML syntax: end of sequence flow not found"},
    {"top_not_map", R"y(- a
- b
)y",
     "p.yaml:1:1: the config must be a mapping, not a list"},
    {"unknown_top", R"y(vars: {}
zone: {}
)y",
     "p.yaml:2:1: unknown key 'zone' in the config (expected one of: vars, zones, policy, "
     "dicom_ports, tls_ports, outputs)"},
    {"duplicate_top", R"y(zones: {}
zones: {}
)y",
     "p.yaml:2:1: duplicate key 'zones' in the config (first at line 1)"},
    {"key_not_scalar", R"y(? [a]
: b
)y",
     "p.yaml:1:3: a key of the config must be a scalar"},
    {"vars_unknown", R"y(vars:
  address_groups: {}
)y",
     "p.yaml:2:3: unknown key 'address_groups' in 'vars' (expected one of: address-groups, "
     "port-groups)"},
    {"vars_not_map", R"y(vars: [a]
)y",
     "p.yaml:1:7: 'vars' must be a mapping, not a list"},
    {"group_name", R"y(vars:
  address-groups:
    9NET: [10.0.0.0/8]
)y",
     "p.yaml:3:5: '9NET' is not a valid group name (letters, digits, '_', '-', '.', starting with "
     "a letter or '_', at most 64)"},
    {"group_twice", R"y(vars:
  address-groups:
    NET: [10.0.0.0/8]
  port-groups:
    NET: [104]
)y",
     "p.yaml:5:5: group 'NET' is defined twice (first at line 3)"},
    {"undefined_group", R"y(vars:
  address-groups:
    A: [$B]
)y",
     "p.yaml:3:9: undefined address group $B"},
    {"port_as_address", R"y(vars:
  address-groups:
    A: [$P]
  port-groups:
    P: [104]
)y",
     "p.yaml:3:9: $P is a port group, not an address group"},
    {"address_as_port", R"y(vars:
  address-groups:
    A: [10.0.0.0/8]
dicom_ports: [$A]
)y",
     "p.yaml:4:15: $A is an address group, not a port group"},
    {"self_cycle", R"y(vars:
  address-groups:
    A: [10.0.0.0/8, $A]
)y",
     "p.yaml:3:21: group $A refers to itself: $A -> $A"},
    {"cycle", R"y(vars:
  address-groups:
    A: [$B]
    B: [$C]
    C: [10.0.0.0/8, $A]
)y",
     "p.yaml:5:21: group $A refers to itself: $A -> $B -> $C -> $A"},
    {"port_cycle", R"y(vars:
  port-groups:
    P: $Q
    Q: $P
)y",
     "p.yaml:4:8: group $P refers to itself: $P -> $Q -> $P"},
    {"negation", R"y(vars:
  address-groups:
    A: ["!10.0.0.0/8"]
)y",
     "p.yaml:3:9: '!10.0.0.0/8': negation is not supported in group 'A'"},
    {"bad_address", R"y(zones:
  z: {networks: [10.0.0.300]}
)y",
     "p.yaml:2:18: '10.0.0.300' in the networks of zone 'z': not an IPv4 or IPv6 address"},
    {"bad_prefix", R"y(zones:
  z: {networks: [10.0.0.0/40]}
)y",
     "p.yaml:2:18: '10.0.0.0/40' in the networks of zone 'z': prefix length is not a number in "
     "range (0-32 for IPv4, 0-128 for IPv6)"},
    {"host_bits", R"y(zones:
  z: {networks: [10.0.0.1/8]}
)y",
     "p.yaml:2:18: '10.0.0.1/8' in the networks of zone 'z': address has bits set past the prefix "
     "length"},
    {"bad_port", R"y(dicom_ports: [104, http]
)y",
     "p.yaml:1:20: 'http' in 'dicom_ports' is not a port (0-65535) or range (first:last)"},
    {"port_too_big", R"y(dicom_ports: [65536]
)y",
     "p.yaml:1:15: '65536' in 'dicom_ports' is not a port (0-65535) or range (first:last)"},
    {"bad_range", R"y(tls_ports: ["3000:2000"]
)y",
     "p.yaml:1:13: '3000:2000' in 'tls_ports': the range ends before it starts"},
    {"port_negation", R"y(tls_ports: ["!2762"]
)y",
     "p.yaml:1:13: '!2762': negation is not supported in 'tls_ports'"},
    {"item_not_scalar", R"y(dicom_ports: [[104]]
)y",
     "p.yaml:1:15: an item of 'dicom_ports' must be a scalar, not a list"},
    {"list_is_map", R"y(dicom_ports: {a: 1}
)y",
     "p.yaml:1:14: 'dicom_ports' must be a list, not a mapping"},
    {"empty_list", R"y(dicom_ports: []
)y",
     "p.yaml:1:14: 'dicom_ports' is an empty list"},
    {"empty_item", R"y(dicom_ports: "[104, , 11112]"
)y",
     "p.yaml:1:14: 'dicom_ports' has an empty item"},
    {"zones_not_map", R"y(zones: [a]
)y",
     "p.yaml:1:8: 'zones' must be a mapping, not a list"},
    {"zone_name", R"y(zones:
  "bad zone": {vlans: [1]}
)y",
     "p.yaml:2:3: 'bad zone' is not a valid zone name (letters, digits, '_', '-', '.', starting "
     "with a letter or '_', at most 64)"},
    {"zone_reserved", R"y(zones:
  any: {vlans: [1]}
)y",
     "p.yaml:2:3: 'any' is reserved and cannot name a zone"},
    {"zone_unzoned", R"y(zones:
  unzoned: {vlans: [1]}
)y",
     "p.yaml:2:3: 'unzoned' is reserved and cannot name a zone"},
    {"zone_key", R"y(zones:
  z: {network: [10.0.0.0/8]}
)y",
     "p.yaml:2:7: unknown key 'network' in zone 'z' (expected one of: networks, vlans, "
     "description)"},
    {"zone_empty", R"y(zones:
  z: {description: nothing}
)y",
     "p.yaml:2:3: zone 'z' has neither networks nor vlans"},
    {"zone_body", R"y(zones:
  z: [10.0.0.0/8]
)y",
     "p.yaml:2:6: zone 'z' must be a mapping, not a list"},
    {"vlan_zero", R"y(zones:
  z: {vlans: [0]}
)y",
     "p.yaml:2:15: '0' in zone 'z' is not a VLAN ID (1-4094)"},
    {"vlan_big", R"y(zones:
  z: {vlans: [4095]}
)y",
     "p.yaml:2:15: '4095' in zone 'z' is not a VLAN ID (1-4094)"},
    {"vlan_text", R"y(zones:
  z: {vlans: [ten]}
)y",
     "p.yaml:2:15: 'ten' in zone 'z' is not a VLAN ID (1-4094)"},
    {"zone_cidr_twice", R"y(zones:
  a: {networks: [10.0.0.0/8]}
  b: {networks: ["10.0.0.0/8"]}
)y",
     "p.yaml:3:3: 10.0.0.0/8 is in both zone 'a' and zone 'b'"},
    {"zone_vlan_twice", R"y(zones:
  a: {vlans: [5]}
  b: {vlans: [6, 5]}
)y",
     "p.yaml:3:3: VLAN 5 is in both zone 'a' and zone 'b'"},
    {"description_map", R"y(zones:
  z: {vlans: [1], description: {a: b}}
)y",
     "p.yaml:2:32: 'description' must be a scalar, not a mapping"},
    {"policy_not_list", R"y(policy: {name: a}
)y",
     "p.yaml:1:9: 'policy' must be a list of entries, not a mapping"},
    {"entry_not_map", R"y(policy:
  - a
)y",
     "p.yaml:2:5: a policy entry must be a mapping, not a scalar"},
    {"entry_no_name", R"y(zones:
  z: {vlans: [1]}
policy:
  - {from: z, to: z}
)y",
     "p.yaml:4:5: a policy entry has no 'name'"},
    {"entry_no_from", R"y(zones:
  z: {vlans: [1]}
policy:
  - {name: e, to: z}
)y",
     "p.yaml:4:5: policy entry 'e' has no 'from' zone"},
    {"entry_no_to", R"y(zones:
  z: {vlans: [1]}
policy:
  - {name: e, from: z}
)y",
     "p.yaml:4:5: policy entry 'e' has no 'to' zone"},
    {"entry_name", R"y(policy:
  - {name: "a b", from: any, to: any}
)y",
     "p.yaml:2:12: 'a b' is not a valid entry name (letters, digits, '_', '-', '.', starting with "
     "a letter or '_', at most 64)"},
    {"entry_twice", R"y(policy:
  - {name: e, from: any, to: any}
  - {name: e, from: any, to: any}
)y",
     "p.yaml:3:12: policy entry 'e' is defined twice (first at line 2)"},
    {"entry_key", R"y(policy:
  - {name: e, from: any, to: any, require_TLS: true}
)y",
     "p.yaml:2:35: unknown key 'require_TLS' in a policy entry (expected one of: name, from, to, "
     "calling_ae, called_ae, require_tls, require_user_identity, allow_non_dicom, sop_classes, "
     "ports, description)"},
    {"unknown_zone", R"y(zones:
  pacs: {vlans: [1]}
policy:
  - {name: e, from: pacs, to: pac}
)y",
     "p.yaml:4:31: 'to': unknown zone 'pac' (known: any, unzoned, pacs)"},
    {"zone_not_scalar", R"y(policy:
  - {name: e, from: [a], to: any}
)y",
     "p.yaml:2:21: 'from' must be a scalar, not a list"},
    {"not_bool", R"y(policy:
  - {name: e, from: any, to: any, require_tls: maybe}
)y",
     "p.yaml:2:48: 'require_tls' must be true or false"},
    {"ae_long", R"y(policy:
  - {name: e, from: any, to: any, calling_ae: [ABCDEFGHIJKLMNOPQ]}
)y",
     "p.yaml:2:48: 'ABCDEFGHIJKLMNOPQ' in 'calling_ae' is not an AE title (1-16 characters)"},
    {"ae_backslash", R"y(policy:
  - {name: e, from: any, to: any, called_ae: ['A\B']}
)y",
     "p.yaml:2:47: 'A\\B' in 'called_ae' is not an AE title (printable ASCII, no backslash)"},
    {"ae_blank", R"y(policy:
  - {name: e, from: any, to: any, called_ae: ['   ']}
)y",
     "p.yaml:2:47: 'called_ae' has an empty item"},
    {"sop_unknown", R"y(policy:
  - {name: e, from: any, to: any, sop_classes: [storage, stroage]}
)y",
     "p.yaml:2:58: 'stroage' is neither a SOP class group (verification, storage, "
     "storage_commitment, query_retrieve, worklist, mpps, print, ups, instance_availability) nor a "
     "UID (digits and dots, '.*' for a prefix)"},
    {"sop_bad_uid", R"y(policy:
  - {name: e, from: any, to: any, sop_classes: [1.2..3]}
)y",
     "p.yaml:2:49: '1.2..3' is neither a SOP class group (verification, storage, "
     "storage_commitment, query_retrieve, worklist, mpps, print, ups, instance_availability) nor a "
     "UID (digits and dots, '.*' for a prefix)"},
};

TEST(PolicyConfigErrors, EveryMessageIsLocated) {
  for (const ErrorCase& c : kCases) {
    const LoadResult r = load_config(c.yaml, "p.yaml");
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_EQ(r.error.text(), c.error) << c.name;
  }
}

TEST(PolicyConfigErrors, TooLarge) {
  const std::string text(kMaxConfigBytes + 1, '#');
  const LoadResult r = load_config(text, "big.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "big.yaml: larger than 4194304 bytes");
}

TEST(PolicyConfigErrors, MissingFile) {
  const LoadResult r = load_config_file("/nonexistent/dicomsentry.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "/nonexistent/dicomsentry.yaml: cannot open the file");
}

TEST(PolicyConfigErrors, TooManyZones) {
  std::string text = "zones:\n";
  for (std::size_t i = 0; i <= kMaxZones; ++i)
    text += fmt::format("  z{}: {{vlans: [{}]}}\n", i, i + 1);
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "p.yaml:1026:3: more than 1024 zones");
}

TEST(PolicyConfigErrors, TooManyGroups) {
  std::string text = "vars:\n  port-groups:\n";
  for (std::size_t i = 0; i <= kMaxGroups; ++i) text += fmt::format("    P{}: [104]\n", i);
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "p.yaml:1027:5: more than 1024 groups");
}

// Aliases share one node in the YAML tree, but walking the tree expands them: the walk is
// bounded so that a small document cannot make the loader do unbounded work.
TEST(PolicyConfigErrors, AliasExpansionIsBounded) {
  std::string text = "vars:\n  address-groups:\n    G0: &l [";
  for (int i = 0; i < 20000; ++i) text += i ? ",10.0.0.1" : "10.0.0.1";
  text += "]\n";
  for (int i = 1; i < 16; ++i) text += fmt::format("    G{}: *l\n", i);
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.reason, "the config expands to more than 262144 nodes (aliases?)");
}

TEST(PolicyConfigErrors, TooManyPolicyEntries) {
  std::string text = "policy:\n";
  for (std::size_t i = 0; i <= kMaxPolicyEntries; ++i) {
    text += fmt::format("  - {{name: e{}, from: any, to: any}}\n", i);
  }
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "p.yaml:4098:5: more than 4096 policy entries");
}

TEST(PolicyConfigErrors, TooManyKeys) {
  std::string text = "zones:\n";
  for (std::size_t i = 0; i <= kMaxListItems; ++i) text += fmt::format("  z{}: x\n", i);
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "p.yaml:65538:3: more than 65536 keys in 'zones'");
}

TEST(PolicyConfigErrors, ExpandedGroupsAreBounded) {
  std::string text = "vars:\n  address-groups:\n    G: [";
  for (int i = 0; i < 40000; ++i) text += i ? ",10.0.0.1" : "10.0.0.1";
  text += "]\nzones:\n  z: {networks: [$G, $G]}\n";
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(),
            "p.yaml:5:22: more than 65536 items in the networks of zone 'z' (groups expanded)");
}

TEST(PolicyConfigErrors, ListItemsAreBounded) {
  std::string text = "dicom_ports: [";
  for (std::size_t i = 0; i <= kMaxListItems; ++i) text += i ? ",1" : "1";
  text += "]\n";
  const LoadResult r = load_config(text, "p.yaml");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.reason, "more than 65536 items in 'dicom_ports'");
}

}  // namespace
}  // namespace dicomsentry::policy
