// suggest_policy: the exact text for observed flows, that the loader reads it back, that the
// checker allows every flow it came from and refuses what was not seen; a config's zones
// kept, titles that cannot be listed, name clashes, the empty case.
#include "policy/policy_suggest.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/policy_check.hpp"

namespace dicomsentry::policy {
namespace {

ObservedFlow seen(const char* client, const char* server, std::uint16_t port, const char* calling,
                  const char* called, bool tls = false) {
  ObservedFlow f;
  f.client = *parse_ip(client, &f.ip_version);
  f.server = *parse_ip(server, &f.ip_version);
  f.server_port = port;
  f.tls = tls;
  f.calling_ae = calling;
  f.called_ae = called;
  return f;
}

ObservedFlows site_flows() {
  return ObservedFlows{
      seen("10.30.0.5", "10.20.0.10", 104, "CT1", "PACS"),
      seen("10.30.0.6", "10.20.0.10", 104, "MR1", "PACS"),
      seen("10.40.1.7", "10.20.0.10", 2762, "", "", true),
      seen("2001:db8:20::5", "2001:db8:20::10", 11112, "V6SCU", "V6 \"SCP\""),
  };
}

PolicyVerdict check(const PolicyChecker& checker, const ObservedFlow& f) {
  AssociationFacts facts;
  facts.client = Endpoint{f.client, f.ip_version, {}};
  facts.server = Endpoint{f.server, f.ip_version, {}};
  facts.server_port = f.server_port;
  facts.calling_ae = f.calling_ae;
  facts.called_ae = f.called_ae;
  if (!f.tls) return checker.check_association(facts);
  FlowFacts flow;
  flow.client = facts.client;
  flow.server = facts.server;
  flow.server_port = f.server_port;
  flow.kind = FlowKind::kDicomTls;
  return checker.check_flow(flow);
}

const char* const kHeader =
    "# Segmentation policy SUGGESTED by dicomsentry --suggest-policy from the DICOM traffic\n"
    "# it observed. Generated, not reviewed: every entry allows what was seen, so traffic that\n"
    "# should not have happened is allowed here too. Review every zone and entry (remove what\n"
    "# is not meant to be, add sop_classes, require_tls, require_user_identity) before using\n"
    "# it with -c. Format: see rules/dicomsentry.yaml.\n";

TEST(PolicySuggest, ExactTextForObservedSubnets) {
  const std::string text = suggest_policy(site_flows(), nullptr);
  const std::string expected =
      std::string(kHeader) +
      "# Seen: 4 distinct DICOM flows (client, server port, AE titles).\n"
      "\n"
      "zones:\n"
      "  \"net-10.30.0.0-24\":\n"
      "    description: \"observed subnet\"\n"
      "    networks: [\"10.30.0.0/24\"]\n"
      "  \"net-10.20.0.0-24\":\n"
      "    description: \"observed subnet\"\n"
      "    networks: [\"10.20.0.0/24\"]\n"
      "  \"net-10.40.1.0-24\":\n"
      "    description: \"observed subnet\"\n"
      "    networks: [\"10.40.1.0/24\"]\n"
      "  \"net6-2001-db8-20-0-64\":\n"
      "    description: \"observed subnet\"\n"
      "    networks: [\"2001:db8:20::/64\"]\n"
      "\n"
      "policy:\n"
      "  - name: \"net-10.30.0.0-24-to-net-10.20.0.0-24-104\"\n"
      "    description: \"seen: 2 plaintext and 0 TLS flows\"\n"
      "    from: \"net-10.30.0.0-24\"\n"
      "    to: \"net-10.20.0.0-24\"\n"
      "    ports: [104]\n"
      "    calling_ae: [\"CT1\", \"MR1\"]\n"
      "    called_ae: [\"PACS\"]\n"
      "  - name: \"net-10.40.1.0-24-to-net-10.20.0.0-24-2762\"\n"
      "    description: \"seen: 0 plaintext and 1 TLS flows\"\n"
      "    from: \"net-10.40.1.0-24\"\n"
      "    to: \"net-10.20.0.0-24\"\n"
      "    ports: [2762]\n"
      "    require_tls: true\n"
      "  - name: \"net6-2001-db8-20-0-64-to-net6-2001-db8-20-0-64-11112\"\n"
      "    description: \"seen: 1 plaintext and 0 TLS flows\"\n"
      "    from: \"net6-2001-db8-20-0-64\"\n"
      "    to: \"net6-2001-db8-20-0-64\"\n"
      "    ports: [11112]\n"
      "    calling_ae: [\"V6SCU\"]\n"
      "    called_ae: [\"V6 \\\"SCP\\\"\"]\n";
  EXPECT_EQ(text, expected);
}

TEST(PolicySuggest, LoadsAndAllowsExactlyWhatWasSeen) {
  const ObservedFlows flows = site_flows();
  const LoadResult r = load_config(suggest_policy(flows, nullptr), "suggested.yaml");
  ASSERT_TRUE(r.ok) << r.error.text();
  const PolicyChecker checker(r.config);
  for (const ObservedFlow& f : flows) {
    const PolicyVerdict v = check(checker, f);
    EXPECT_TRUE(v.checked);
    EXPECT_TRUE(v.allowed) << v.text;
  }
  struct Unseen {
    ObservedFlow flow;
    PolicyReason reason;
  };
  const Unseen unseen[] = {
      {seen("10.30.0.5", "10.20.0.10", 104, "US1", "PACS"), PolicyReason::kCallingAe},
      {seen("10.30.0.5", "10.20.0.10", 104, "CT1", "ARCHIVE"), PolicyReason::kCalledAe},
      {seen("10.30.0.5", "10.20.0.10", 11112, "CT1", "PACS"), PolicyReason::kPort},
      {seen("10.40.1.7", "10.20.0.10", 2762, "WS", "PACS"), PolicyReason::kPlaintext},
      {seen("10.20.0.10", "10.30.0.5", 104, "PACS", "CT1"), PolicyReason::kNoEntry},
  };
  for (const Unseen& u : unseen) {
    const PolicyVerdict v = check(checker, u.flow);
    EXPECT_TRUE(v.checked);
    EXPECT_FALSE(v.allowed) << u.flow.calling_ae;
    EXPECT_EQ(v.reason, u.reason) << v.text;
  }
}

const char* const kExisting = R"(
vars:
  address-groups:
    PACS_NET: [10.20.0.0/24]
dicom_ports: [104, "11112:11113"]
tls_ports: [2762]
zones:
  pacs: {networks: [$PACS_NET]}
  modalities: {networks: [10.30.0.0/24], vlans: [30]}
  net-10.99.0.0-24: {vlans: [99]}
policy:
  - {name: old-entry, from: modalities, to: pacs, ports: [1]}
)";

TEST(PolicySuggest, KeepsTheConfigsZonesAndPortsNotItsPolicy) {
  const LoadResult existing = load_config(kExisting, "site.yaml");
  ASSERT_TRUE(existing.ok) << existing.error.text();
  const ObservedFlows flows{
      seen("10.30.0.5", "10.20.0.10", 104, "CT1", "PACS"),
      seen("10.99.0.1", "10.20.0.10", 104, "LAB", "PACS"),  // no zone's network claims it
  };
  const std::string text = suggest_policy(flows, &existing.config);
  const LoadResult r = load_config(text, "suggested.yaml");
  ASSERT_TRUE(r.ok) << r.error.text() << "\n" << text;
  ASSERT_EQ(r.config.zones.size(), 4u);
  EXPECT_EQ(r.config.zones[0].name, "pacs");
  EXPECT_EQ(format_cidr(r.config.zones[0].cidrs.at(0)), "10.20.0.0/24");
  EXPECT_EQ(r.config.zones[1].name, "modalities");
  EXPECT_EQ(r.config.zones[1].vlans, (std::vector<std::uint16_t>{30}));
  EXPECT_EQ(r.config.zones[2].name, "net-10.99.0.0-24");
  EXPECT_EQ(r.config.zones[3].name, "net-10.99.0.0-24-2");  // the config's name was taken
  EXPECT_EQ(format_cidr(r.config.zones[3].cidrs.at(0)), "10.99.0.0/24");
  EXPECT_EQ(r.config.dicom_ports, existing.config.dicom_ports);
  EXPECT_EQ(r.config.tls_ports, existing.config.tls_ports);
  ASSERT_EQ(r.config.policy.size(), 2u);
  EXPECT_EQ(r.config.policy[0].name, "modalities-to-pacs-104");
  EXPECT_EQ(r.config.policy[1].name, "net-10.99.0.0-24-2-to-pacs-104");
  const PolicyChecker checker(r.config);
  for (const ObservedFlow& f : flows) EXPECT_TRUE(check(checker, f).allowed);
}

TEST(PolicySuggest, TitlesThatCannotBeListedAllowAny) {
  const ObservedFlows flows{
      seen("10.1.0.1", "10.2.0.1", 104, "", "PACS"),                   // no calling title
      seen("10.1.0.2", "10.2.0.1", 104, "SEVENTEEN_CHARS_X", "PACS"),  // too long
      seen("10.1.0.3", "10.2.0.1", 104, "CT", "BAD\\AE"),              // backslash
  };
  const std::string text = suggest_policy(flows, nullptr);
  const LoadResult r = load_config(text, "suggested.yaml");
  ASSERT_TRUE(r.ok) << r.error.text() << "\n" << text;
  ASSERT_EQ(r.config.policy.size(), 1u);
  EXPECT_TRUE(r.config.policy[0].calling_ae.empty());
  EXPECT_TRUE(r.config.policy[0].called_ae.empty());
  const PolicyChecker checker(r.config);
  for (const ObservedFlow& f : flows) EXPECT_TRUE(check(checker, f).allowed);
  EXPECT_EQ(check(checker, seen("10.1.0.1", "10.2.0.1", 11112, "CT", "PACS")).reason,
            PolicyReason::kPort);
}

TEST(PolicySuggest, NothingSeenIsAnEmptyConfig) {
  const std::string text = suggest_policy(ObservedFlows{}, nullptr);
  EXPECT_EQ(text, std::string(kHeader) +
                      "# Seen: 0 distinct DICOM flows (client, server port, AE titles).\n");
  const LoadResult r = load_config(text, "suggested.yaml");
  ASSERT_TRUE(r.ok) << r.error.text();
  EXPECT_TRUE(r.config.zones.empty());
  EXPECT_TRUE(r.config.policy.empty());
}

TEST(PolicySuggest, WritesTheFileOrSaysWhyNot) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ds_suggest_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string error;
  const std::string path = (dir / "policy.yaml").string();
  ASSERT_TRUE(write_policy_suggestion(path, "zones: {}\n", error)) << error;
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "zones: {}\n");
  const std::string bad = (dir / "no_such_dir" / "policy.yaml").string();
  EXPECT_FALSE(write_policy_suggestion(bad, "x", error));
  EXPECT_EQ(error, "cannot write " + bad + ": No such file or directory");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dicomsentry::policy
