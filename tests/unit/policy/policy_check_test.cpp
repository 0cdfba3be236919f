// Policy decisions: allowed traffic, each violation kind with its text, the semantics of
// ungoverned, intra-zone and `any` pairs, and the zone-to-zone matrix.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "policy/policy_check.hpp"
#include "policy/zone_matrix.hpp"

namespace dicomsentry::policy {
namespace {

const char* const kConfig = R"(
vars:
  port-groups:
    DICOM: [104, 11112]
zones:
  pacs:        {networks: [10.20.0.0/24, "2001:db8:20::/64"]}   # 0
  modalities:  {networks: [10.30.0.0/24], vlans: [30]}          # 1
  workstations: {networks: [10.40.0.0/24]}                      # 2
  lab:         {networks: [10.60.0.0/24]}                       # 3  never named by the policy
  office:      {networks: [10.70.0.0/24]}                       # 4  never named by the policy
  dmz:         {networks: [10.80.0.0/24]}                       # 5
policy:
  - name: store
    from: modalities
    to: pacs
    called_ae: [PACS]
    calling_ae: [CT1, MR1]
    sop_classes: [storage, verification]
    ports: [$DICOM]
  - name: qr
    from: workstations
    to: pacs
    require_tls: true
    require_user_identity: true
    sop_classes: [query_retrieve, "1.2.840.10008.1.1"]
  - name: web
    from: workstations
    to: pacs
    allow_non_dicom: true
    ports: [443]
  - name: dmz-internal
    from: dmz
    to: dmz
  - name: anyone-echo
    from: any
    to: dmz
    sop_classes: [verification]
)";

class PolicyCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const LoadResult r = load_config(kConfig, "policy.yaml");
    ASSERT_TRUE(r.ok) << r.error.text();
    config_ = r.config;
    checker_ = std::make_unique<PolicyChecker>(config_);
  }

  static Endpoint at(std::string_view ip) {
    Endpoint e;
    const auto a = parse_ip(ip, &e.ip_version);
    EXPECT_TRUE(a.has_value());
    e.ip = *a;
    return e;
  }

  // A plaintext C-STORE association from CT1 to PACS, which `store` allows.
  AssociationFacts store_facts() {
    AssociationFacts f;
    f.client = at("10.30.0.5");
    f.server = at("10.20.0.10");
    f.server_port = 104;
    f.calling_ae = "CT1";
    f.called_ae = "PACS";
    f.sop_classes = sop_;
    return f;
  }

  Config config_;
  std::unique_ptr<PolicyChecker> checker_;
  std::vector<std::string> sop_{"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.1"};
};

TEST_F(PolicyCheck, AllowedAssociation) {
  const PolicyVerdict v = checker_->check_association(store_facts());
  EXPECT_TRUE(v.checked);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.reason, PolicyReason::kAllowed);
  ASSERT_NE(v.entry, nullptr);
  EXPECT_EQ(v.entry->name, "store");
  EXPECT_EQ(v.client_zone, 1);
  EXPECT_EQ(v.server_zone, 0);
  EXPECT_EQ(v.text, "");
}

TEST_F(PolicyCheck, ClientZonedByVlan) {
  AssociationFacts f = store_facts();
  const std::array<std::uint16_t, 1> vlan30{30};
  f.client = at("172.16.9.9");
  f.client.vlan_ids = vlan30;
  const PolicyVerdict v = checker_->check_association(f);
  EXPECT_EQ(v.client_zone, 1);
  EXPECT_TRUE(v.allowed);
}

struct Expect {
  PolicyReason reason;
  const char* entry;  // nullptr: none
  const char* text;
};

void expect_violation(const PolicyVerdict& v, const Expect& e) {
  EXPECT_TRUE(v.checked);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, e.reason) << policy_reason_name(v.reason);
  if (e.entry == nullptr) {
    EXPECT_EQ(v.entry, nullptr);
  } else {
    ASSERT_NE(v.entry, nullptr);
    EXPECT_EQ(v.entry->name, e.entry);
  }
  EXPECT_EQ(v.text, e.text);
}

TEST_F(PolicyCheck, EachViolation) {
  AssociationFacts f = store_facts();
  f.server_port = 4242;
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kPort, "store",
                    "server port 4242 is not among the ports of policy entry 'store'"});

  f = store_facts();
  f.calling_ae = "ROGUE";
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kCallingAe, "store",
                    "calling AE title 'ROGUE' is not allowed by policy entry 'store'"});

  f = store_facts();
  f.called_ae = "ANY-SCP";
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kCalledAe, "store",
                    "called AE title 'ANY-SCP' is not allowed by policy entry 'store'"});

  f = store_facts();
  const std::vector<std::string> find{"1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.2.2.1"};
  f.sop_classes = find;
  expect_violation(
      checker_->check_association(f),
      {PolicyReason::kSopClass, "store",
       "SOP class 1.2.840.10008.5.1.4.1.2.2.1 is not allowed by policy entry 'store'"});

  // Workstation to PACS: `qr` comes first among the covering entries and is the one named.
  f = store_facts();
  f.client = at("10.40.0.7");
  f.server_port = 11112;
  f.calling_ae = "VIEWER";
  f.sop_classes = find;
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kPlaintext, "qr",
                    "policy entry 'qr' requires TLS and the association was in plaintext"});
  f.tls = true;
  expect_violation(
      checker_->check_association(f),
      {PolicyReason::kNoUserIdentity, "qr",
       "policy entry 'qr' requires user identity negotiation and the association had none"});
  f.user_identity_type = 2;
  const PolicyVerdict ok = checker_->check_association(f);
  EXPECT_TRUE(ok.allowed);
  ASSERT_NE(ok.entry, nullptr);
  EXPECT_EQ(ok.entry->name, "qr");

  // PACS to modality: both zones are governed and no entry covers the pair.
  f = store_facts();
  f.client = at("10.20.0.10");
  f.server = at("10.30.0.5");
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kNoEntry, nullptr, "no policy entry allows pacs -> modalities"});

  // From a zone nobody named, and from no zone at all, into a governed zone.
  f.client = at("10.60.0.1");
  f.server = at("10.20.0.10");
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kNoEntry, nullptr, "no policy entry allows lab -> pacs"});
  f.client = at("8.8.8.8");
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kNoEntry, nullptr, "no policy entry allows unzoned -> pacs"});
  f.client = at("2001:db8:99::1");
  f.server = at("2001:db8:20::5");
  expect_violation(checker_->check_association(f),
                   {PolicyReason::kNoEntry, nullptr, "no policy entry allows unzoned -> pacs"});
}

TEST_F(PolicyCheck, NonDicomFlows) {
  FlowFacts f;
  f.client = at("10.40.0.7");
  f.server = at("10.20.0.10");
  f.server_port = 443;
  f.kind = FlowKind::kOther;
  PolicyVerdict v = checker_->check_flow(f);
  EXPECT_TRUE(v.allowed);
  ASSERT_NE(v.entry, nullptr);
  EXPECT_EQ(v.entry->name, "web");

  f.server_port = 22;  // `qr` (any port) covers it first but allows DICOM only
  expect_violation(checker_->check_flow(f),
                   {PolicyReason::kNotDicom, "qr",
                    "policy entry 'qr' allows only DICOM and this flow is not DICOM"});

  f.client = at("10.30.0.5");
  f.server_port = 104;
  expect_violation(checker_->check_flow(f),
                   {PolicyReason::kNotDicom, "store",
                    "policy entry 'store' allows only DICOM and this flow is not DICOM"});
  f.server_port = 80;
  expect_violation(checker_->check_flow(f),
                   {PolicyReason::kPort, "store",
                    "server port 80 is not among the ports of policy entry 'store'"});
}

TEST_F(PolicyCheck, TlsFlowMeetsRequireTls) {
  FlowFacts f;
  f.client = at("10.40.0.7");
  f.server = at("10.20.0.10");
  f.server_port = 2762;
  f.kind = FlowKind::kDicomTls;
  const PolicyVerdict v = checker_->check_flow(f);
  EXPECT_TRUE(v.allowed);
  ASSERT_NE(v.entry, nullptr);
  EXPECT_EQ(v.entry->name, "qr");  // its AE, identity and SOP conditions are not observable
  f.client = at("10.30.0.5");      // `store` limits the port
  expect_violation(checker_->check_flow(f),
                   {PolicyReason::kPort, "store",
                    "server port 2762 is not among the ports of policy entry 'store'"});
}

TEST_F(PolicyCheck, UngovernedAndIntraZone) {
  FlowFacts f;
  f.kind = FlowKind::kOther;
  f.server_port = 445;
  f.client = at("10.60.0.1");  // lab -> office: neither zone is named by the policy
  f.server = at("10.70.0.1");
  PolicyVerdict v = checker_->check_flow(f);
  EXPECT_FALSE(v.checked);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.entry, nullptr);
  EXPECT_EQ(v.client_zone, 3);
  EXPECT_EQ(v.server_zone, 4);
  f.client = at("8.8.8.8");  // unzoned -> office
  EXPECT_FALSE(checker_->check_flow(f).checked);
  f.client = at("10.20.0.1");  // pacs -> pacs: inside a zone, no entry names pacs -> pacs
  f.server = at("10.20.0.2");
  v = checker_->check_flow(f);
  EXPECT_FALSE(v.checked);
  EXPECT_TRUE(v.allowed);
  f.client = at("10.80.0.1");  // dmz -> dmz: named, so checked; dmz-internal allows anything DICOM
  f.server = at("10.80.0.2");
  expect_violation(checker_->check_flow(f),
                   {PolicyReason::kNotDicom, "dmz-internal",
                    "policy entry 'dmz-internal' allows only DICOM and this flow is not DICOM"});
}

TEST_F(PolicyCheck, AnyZoneEntry) {
  AssociationFacts f = store_facts();
  const std::vector<std::string> echo{"1.2.840.10008.1.1"};
  const std::vector<std::string> store{"1.2.840.10008.5.1.4.1.1.4"};
  f.server = at("10.80.0.9");
  f.client = at("8.8.4.4");
  f.sop_classes = echo;
  PolicyVerdict v = checker_->check_association(f);
  EXPECT_TRUE(v.allowed);
  ASSERT_NE(v.entry, nullptr);
  EXPECT_EQ(v.entry->name, "anyone-echo");
  f.sop_classes = store;
  expect_violation(
      checker_->check_association(f),
      {PolicyReason::kSopClass, "anyone-echo",
       "SOP class 1.2.840.10008.5.1.4.1.1.4 is not allowed by policy entry 'anyone-echo'"});
}

TEST_F(PolicyCheck, PairQueries) {
  EXPECT_TRUE(checker_->checked_pair(1, 0));
  EXPECT_TRUE(checker_->covered_pair(1, 0));
  EXPECT_TRUE(checker_->checked_pair(0, 1));
  EXPECT_FALSE(checker_->covered_pair(0, 1));
  EXPECT_FALSE(checker_->checked_pair(3, 4));
  EXPECT_FALSE(checker_->checked_pair(0, 0));
  EXPECT_TRUE(checker_->checked_pair(5, 5));
  EXPECT_TRUE(checker_->checked_pair(kNoZone, 0));
  EXPECT_FALSE(checker_->checked_pair(kNoZone, kNoZone));
  EXPECT_TRUE(checker_->covered_pair(kNoZone, 5));  // anyone-echo
}

TEST_F(PolicyCheck, ReasonNames) {
  EXPECT_EQ(policy_reason_name(PolicyReason::kAllowed), "allowed");
  EXPECT_EQ(policy_reason_name(PolicyReason::kNoEntry), "no_entry");
  EXPECT_EQ(policy_reason_name(PolicyReason::kPort), "port");
  EXPECT_EQ(policy_reason_name(PolicyReason::kNotDicom), "not_dicom");
  EXPECT_EQ(policy_reason_name(PolicyReason::kPlaintext), "plaintext");
  EXPECT_EQ(policy_reason_name(PolicyReason::kCallingAe), "calling_ae");
  EXPECT_EQ(policy_reason_name(PolicyReason::kCalledAe), "called_ae");
  EXPECT_EQ(policy_reason_name(PolicyReason::kNoUserIdentity), "no_user_identity");
  EXPECT_EQ(policy_reason_name(PolicyReason::kSopClass), "sop_class");
  EXPECT_EQ(policy_reason_name(PolicyReason::kCount), "unknown");
}

TEST_F(PolicyCheck, ZoneMatrix) {
  ZoneMatrix matrix;
  AssociationFacts ok = store_facts();
  AssociationFacts rogue = store_facts();
  rogue.calling_ae = "ROGUE";
  AssociationFacts back = store_facts();
  back.client = at("10.20.0.10");
  back.server = at("10.30.0.5");
  FlowFacts lab;
  lab.client = at("10.60.0.1");
  lab.server = at("10.70.0.1");
  FlowFacts outside;
  outside.client = at("8.8.8.8");
  outside.server = at("10.20.0.1");
  matrix.record(checker_->check_association(ok));
  matrix.record(checker_->check_association(ok));
  matrix.record(checker_->check_association(rogue));
  matrix.record(checker_->check_association(back));
  matrix.record(checker_->check_flow(lab));
  matrix.record(checker_->check_flow(outside));
  const std::vector<ZoneMatrix::Cell> cells = matrix.cells(*checker_);
  const std::vector<ZoneMatrix::Cell> expected = {
      // from, to, seen, violations, checked, allowed
      {0, 1, 1, 1, true, false},        // pacs -> modalities: no entry
      {1, 0, 3, 1, true, true},         // modalities -> pacs: `store`, one rogue AE
      {3, 4, 1, 0, false, true},        // lab -> office: not under the policy
      {kNoZone, 0, 1, 1, true, false},  // unzoned -> pacs
  };
  EXPECT_EQ(cells, expected);
}

// The shipped default config makes the decisions its comments promise.
TEST(DefaultPolicy, Decisions) {
  const LoadResult r =
      load_config_file(std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.yaml");
  ASSERT_TRUE(r.ok) << r.error.text();
  const PolicyChecker checker(r.config);
  auto at = [](std::string_view ip) {
    Endpoint e;
    e.ip = *parse_ip(ip, &e.ip_version);
    return e;
  };
  const std::vector<std::string> ct{"1.2.840.10008.5.1.4.1.1.2"};
  const std::vector<std::string> find{"1.2.840.10008.5.1.4.1.2.2.1"};
  AssociationFacts store;
  store.client = at("10.30.1.9");
  store.server = at("10.20.0.4");
  store.server_port = 104;
  store.calling_ae = "CT_ROOM1";
  store.called_ae = "PACS_STORE";
  store.sop_classes = ct;
  PolicyVerdict v = checker.check_association(store);
  EXPECT_TRUE(v.allowed) << v.text;
  ASSERT_NE(v.entry, nullptr);
  EXPECT_EQ(v.entry->name, "modality-store-to-pacs");

  AssociationFacts query = store;  // a workstation querying in plaintext on 104
  query.client = at("10.40.2.2");
  query.called_ae = "PACS_QR";
  query.sop_classes = find;
  v = checker.check_association(query);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, PolicyReason::kPort);
  EXPECT_EQ(v.text,
            "server port 104 is not among the ports of policy entry 'workstation-query-retrieve'");
  query.server_port = 2762;
  query.tls = true;
  query.user_identity_type = 1;
  v = checker.check_association(query);
  EXPECT_TRUE(v.allowed) << v.text;

  AssociationFacts harvest = query;  // a modality querying the archive
  harvest.client = at("10.30.1.9");
  v = checker.check_association(harvest);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.text,
            "called AE title 'PACS_QR' is not allowed by policy entry 'modality-store-to-pacs'");

  FlowFacts ssh;
  ssh.client = at("10.30.1.9");
  ssh.server = at("10.40.2.2");
  ssh.server_port = 22;
  v = checker.check_flow(ssh);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.text, "no policy entry allows modalities -> workstations");
}

}  // namespace
}  // namespace dicomsentry::policy
