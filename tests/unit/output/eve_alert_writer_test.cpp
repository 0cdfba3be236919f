// EveAlertWriter: rule and policy alerts parsed back field by field (endpoint orientation,
// metadata grouping, DICOM/TLS/policy context, no PHI without --log-phi), the policy_summary
// record, and no allocation once warm.
#include "output/eve_alert_writer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tls/cipher_suites.hpp"

std::size_t allocations_so_far();  // counting_new.cpp

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr TimestampNs kT0 = 1'795'870'856'107'368'000;  // 2026-11-28T13:00:56.107368Z

// Client 192.168.10.20:51512 -> server 192.168.10.5:104 (the server is the key's lo).
Flow dicom_flow() {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_ip.bytes = {192, 168, 10, 5};
  flow.key.lo_port = 104;
  flow.key.hi_ip.bytes = {192, 168, 10, 20};
  flow.key.hi_port = 51512;
  flow.client_is_lo = 0;
  flow.flow_id = 1'234'567'890'123;
  flow.app_proto = AppProto::kDicom;
  return flow;
}

class EveAlertWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "eve_alert_writer_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    ASSERT_TRUE(sink_.open((dir_ / "eve.json").string()));
    association_.flow = &flow_;
    association_.calling_ae = "QR_SCU";
    association_.called_ae = "PACS";
    association_.user_identity_type = 1;
    association_.user_identity_username = "dr.house";
    transaction_.flow = &flow_;
    transaction_.association = &association_;
    transaction_.command = dicom::CommandField::kCMoveRq;
    transaction_.message_id = 7;
    transaction_.sop_class_uid = "1.2.840.10008.5.1.4.1.2.2.2";
    transaction_.move_destination = "EVIL_AE";
    transaction_.has_response = true;
    transaction_.status = 0xA801;
  }
  void TearDown() override {
    sink_.close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::vector<json> events() {
    sink_.flush();
    std::ifstream in(dir_ / "eve.json");
    std::vector<json> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }
  detect::AlertRecord rule_alert() {
    detect::AlertRecord a;
    a.flow = &flow_;
    a.ts = kT0;
    a.signature_id = 2200010;
    a.rev = 2;
    a.signature = "DICOM C-MOVE to an unknown destination";
    a.category = "Potential Corporate Privacy Violation";
    a.severity = 1;
    a.metadata = metadata_;
    a.references = references_;
    a.transaction = &transaction_;
    a.association = &association_;
    return a;
  }

  fs::path dir_;
  EveSink sink_;
  Flow flow_ = dicom_flow();
  dicom::AssociationRecord association_;
  dicom::TransactionRecord transaction_;
  std::vector<std::string> metadata_ = {"hygiene data_flows", "created_at 2026_11_28",
                                        "hygiene monitoring", "deployment"};
  std::vector<rules::Reference> references_ = {{"url", "dicom.nema.org/medical/dicom/current"}};
};

TEST_F(EveAlertWriterTest, RuleAlertOnATransaction) {
  EveAlertWriter writer(sink_);
  writer.on_alert(rule_alert());
  const std::vector<json> e = events();
  ASSERT_EQ(e.size(), 1u);
  const json expected = json::parse(R"({
    "timestamp":"2026-11-28T13:00:56.107368+0000","event_type":"alert","flow_id":1234567890123,
    "src_ip":"192.168.10.20","src_port":51512,"dest_ip":"192.168.10.5","dest_port":104,
    "proto":"TCP","community_id":"1:DA8YRRTidXv2KSZzFluaeEv8CpE=","app_proto":"dicom",
    "alert":{"action":"allowed","gid":1,"signature_id":2200010,"rev":2,
      "signature":"DICOM C-MOVE to an unknown destination",
      "category":"Potential Corporate Privacy Violation","severity":1,
      "metadata":{"hygiene":["data_flows","monitoring"],"created_at":["2026_11_28"],
                  "deployment":[]},
      "references":[{"type":"url","value":"dicom.nema.org/medical/dicom/current"}]},
    "dicom":{"calling_ae":"QR_SCU","called_ae":"PACS","command":"C-MOVE","message_id":7,
      "sop_class_uid":"1.2.840.10008.5.1.4.1.2.2.2",
      "sop_class_name":"MOVEStudyRootQueryRetrieveInformationModel",
      "move_destination":"EVIL_AE","status":43009}})");
  EXPECT_EQ(e[0], expected) << e[0].dump();
  EXPECT_EQ(writer.alerts_written(), 1u);
}

TEST_F(EveAlertWriterTest, UsernameOnlyWithLogPhi) {
  EveAlertWriter quiet(sink_);
  EveAlertWriter phi(sink_, /*log_phi=*/true);
  quiet.on_alert(rule_alert());
  phi.on_alert(rule_alert());
  const std::vector<json> e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_FALSE(e[0]["dicom"].contains("username"));
  EXPECT_EQ(e[1]["dicom"]["username"], "dr.house");
}

TEST_F(EveAlertWriterTest, ToClientAlertPutsTheServerFirst) {
  EveAlertWriter writer(sink_);
  detect::AlertRecord a = rule_alert();
  a.direction = Direction::kToClient;
  a.metadata = {};
  a.references = {};
  a.transaction = nullptr;
  writer.on_alert(a);
  const json e = events().at(0);
  EXPECT_EQ(e["src_ip"], "192.168.10.5");
  EXPECT_EQ(e["src_port"], 104);
  EXPECT_EQ(e["dest_port"], 51512);
  EXPECT_FALSE(e["alert"].contains("metadata"));
  EXPECT_FALSE(e["alert"].contains("references"));
  EXPECT_EQ(e["dicom"], json::parse(R"({"calling_ae":"QR_SCU","called_ae":"PACS"})"));
}

TEST_F(EveAlertWriterTest, TlsAlert) {
  EveAlertWriter writer(sink_);
  dicom::TlsRecord tls;
  tls.flow = &flow_;
  tls.has_server_hello = true;
  tls.version = tls::kTls10;
  tls.cipher_suite = 0x000A;
  tls.sni = "pacs.example";
  detect::AlertRecord a = rule_alert();
  a.transaction = nullptr;
  a.association = nullptr;
  a.tls = &tls;
  writer.on_alert(a);
  tls.has_server_hello = false;
  tls.sni.clear();
  writer.on_alert(a);
  const std::vector<json> e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_FALSE(e[0].contains("dicom"));
  EXPECT_EQ(e[0]["tls"], json::parse(R"({"version":"TLSv1.0","sni":"pacs.example",
                                          "cipher":"TLS_RSA_WITH_3DES_EDE_CBC_SHA"})"));
  EXPECT_EQ(e[1]["tls"], json::parse(R"({"version":"UNDETERMINED"})"));
}

TEST_F(EveAlertWriterTest, PolicyAlert) {
  EveAlertWriter writer(sink_);
  detect::PolicyAlertContext context;
  context.reason = "plaintext";
  context.entry = "workstation-query-retrieve";
  context.client_zone = "workstations";
  context.server_zone = "pacs";
  context.text =
      "policy entry 'workstation-query-retrieve' requires TLS and the association was in plaintext";
  detect::AlertRecord a;
  a.flow = &flow_;
  a.ts = kT0;
  a.gid = detect::kPolicyGid;
  a.signature_id = 5;
  a.rev = 1;
  a.signature = "dicomsentry policy: DICOM association in plaintext where the policy requires TLS";
  a.category = "Segmentation policy violation";
  a.severity = 2;
  a.association = &association_;
  a.policy = &context;
  writer.on_alert(a);
  context.entry = "";  // no_entry alerts name no entry
  a.association = nullptr;
  writer.on_alert(a);
  const std::vector<json> e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0]["alert"]["gid"], 2);
  EXPECT_EQ(e[0]["alert"]["signature_id"], 5);
  EXPECT_EQ(e[0]["alert"]["severity"], 2);
  EXPECT_EQ(e[0]["dicom"], json::parse(R"({"calling_ae":"QR_SCU","called_ae":"PACS"})"));
  EXPECT_EQ(e[0]["policy"], json::parse(R"({"reason":"plaintext",
      "entry":"workstation-query-retrieve","client_zone":"workstations","server_zone":"pacs",
      "text":"policy entry 'workstation-query-retrieve' requires TLS and the association was in plaintext"})"));
  EXPECT_FALSE(e[1].contains("dicom"));
  EXPECT_FALSE(e[1]["policy"].contains("entry"));
}

TEST_F(EveAlertWriterTest, PolicySummary) {
  const std::vector<detect::ZonePairSummary> pairs = {
      {"modalities", "pacs", 0, 3, 1, true, true},
      {"unzoned", "pacs", 2, 0, 2, true, false},
  };
  write_policy_summary(sink_, kT0, pairs);
  const std::vector<json> e = events();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], json::parse(R"({"timestamp":"2026-11-28T13:00:56.107368+0000",
    "event_type":"policy_summary","policy_summary":{"pairs":[
      {"client_zone":"modalities","server_zone":"pacs","flows":0,"associations":3,
       "violations":1,"governed":true,"allowed":true},
      {"client_zone":"unzoned","server_zone":"pacs","flows":2,"associations":0,
       "violations":2,"governed":true,"allowed":false}]}})"));
}

TEST_F(EveAlertWriterTest, WarmWriterDoesNotAllocate) {
  EveAlertWriter writer(sink_, /*log_phi=*/true);
  const detect::AlertRecord a = rule_alert();
  writer.on_alert(a);  // grows the buffer, caches the Community ID
  const std::size_t before = allocations_so_far();
  for (int i = 0; i < 100; ++i) writer.on_alert(a);
  EXPECT_EQ(allocations_so_far() - before, 0u);
  EXPECT_EQ(events().size(), 101u);
}

}  // namespace
}  // namespace dicomsentry
