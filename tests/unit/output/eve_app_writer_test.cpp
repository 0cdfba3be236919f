// EveAppWriter: every application-layer EVE record built from hand-made records, parsed back
// and checked field by field; PHI masking, no passcode, the endpoint order of each event,
// `app_proto` on flow events, and no allocation once warm. Counts the global operator new.
#include "output/eve_app_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "output/eve_writer.hpp"
#include "tls/cipher_suites.hpp"
#include "frame_builder.hpp"

// Counts calls to the global operator new (counting_new.cpp: in its own translation unit, so
// GCC 12 at -O2 does not pair inlined library news with its free() and warn falsely).
std::size_t allocations_so_far();

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace dicom;

// 2026-11-28T13:00:56.107368Z
constexpr TimestampNs kT0 = 1'795'870'856'107'368'000;
constexpr TimestampNs kMs = 1'000'000;

constexpr std::string_view kCtImage = "1.2.840.10008.5.1.4.1.1.2";
constexpr std::string_view kExplicitLe = "1.2.840.10008.1.2.1";
constexpr std::string_view kImplicitLe = "1.2.840.10008.1.2";
constexpr std::string_view kFindStudy = "1.2.840.10008.5.1.4.1.2.2.1";
constexpr std::string_view kMoveStudy = "1.2.840.10008.5.1.4.1.2.2.2";
constexpr std::string_view kInstance = "1.2.826.0.1.3680043.2.1125.1.7.1";

constexpr auto& ipv4 = synth::ipv4_address;

// Client 192.168.10.20:51512 -> server 192.168.10.5:104. The server is the key's `lo`
// endpoint, so the writer must follow client_is_lo rather than the key order.
Flow dicom_flow() {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_ip = ipv4(192, 168, 10, 5);
  flow.key.lo_port = 104;
  flow.key.hi_ip = ipv4(192, 168, 10, 20);
  flow.key.hi_port = 51512;
  flow.client_is_lo = 0;
  flow.flow_id = 1'234'567'890'123;
  flow.first_ts = kT0;
  flow.last_ts = kT0 + 500 * kMs;
  flow.app_proto = AppProto::kDicom;
  return flow;
}
// Community ID v1 of the flow above, computed independently (Python hashlib, the spec's
// byte layout).
constexpr const char* kCommunityId = "1:DA8YRRTidXv2KSZzFluaeEv8CpE=";

class EveAppWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "eve_app_writer_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    ASSERT_TRUE(sink_.open((dir_ / "eve.json").string()));
  }
  void TearDown() override {
    sink_.close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Every line written so far, raw.
  std::vector<std::string> raw_lines() {
    sink_.flush();
    std::ifstream in(dir_ / "eve.json");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // The only line written, parsed.
  json only_event() {
    const std::vector<std::string> lines = raw_lines();
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? json() : json::parse(lines.back());
  }

  fs::path dir_;
  EveSink sink_;
  Flow flow_ = dicom_flow();
};

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

void expect_client_first_header(const json& e, const char* event_type) {
  EXPECT_EQ(e["event_type"], event_type);
  EXPECT_EQ(e["flow_id"], 1'234'567'890'123u);
  EXPECT_EQ(e["src_ip"], "192.168.10.20");
  EXPECT_EQ(e["src_port"], 51512);
  EXPECT_EQ(e["dest_ip"], "192.168.10.5");
  EXPECT_EQ(e["dest_port"], 104);
  EXPECT_EQ(e["proto"], "TCP");
  EXPECT_EQ(e["community_id"], kCommunityId);
}

// An association that proposed CT storage (two transfer syntaxes, accepted) and Study Root
// FIND (not supported), then was released by the requestor.
AssociationRecord released_association(const Flow& flow) {
  AssociationRecord r;
  r.flow = &flow;
  r.start_ts = kT0;
  r.end_ts = kT0 + 378'563'123;  // the nanoseconds below a microsecond are dropped
  r.state = AssociationState::kReleased;
  r.calling_ae = "STORESCU";
  r.called_ae = "PACS";
  r.responding_ae = "PACS";
  r.application_context = "1.2.840.10008.3.1.1.1";
  ContextSummary ct;
  ct.id = 1;
  ct.abstract_syntax = kCtImage;
  ct.proposed_transfer_syntaxes = {std::string(kExplicitLe), std::string(kImplicitLe)};
  ct.answered = true;
  ct.result = 0;
  ct.accepted_transfer_syntax = kExplicitLe;
  ContextSummary find;
  find.id = 3;
  find.abstract_syntax = kFindStudy;
  find.proposed_transfer_syntaxes = {"1.2.3.4.5"};  // unknown to DCMTK: no name
  find.answered = true;
  find.result = 3;
  r.contexts = {ct, find};
  r.contexts_proposed = 2;
  r.requestor.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  r.requestor.implementation_version_name = "OFFIS_DCMTK_367";
  r.requestor.has_max_pdu_length = true;
  r.requestor.max_pdu_length = 16384;
  r.requestor.has_async_window = true;
  r.requestor.max_operations_invoked = 1;
  r.requestor.max_operations_performed = 0;
  r.requestor.bytes = 122911;
  r.requestor.pdus = 12;
  r.requestor.pdus_by_type[1] = 1;
  r.requestor.pdus_by_type[4] = 10;
  r.requestor.pdus_by_type[5] = 1;
  r.acceptor.max_pdu_length = 0;  // has_max_pdu_length false: not written
  r.acceptor.bytes = 5361;
  r.acceptor.pdus = 3;
  r.acceptor.pdus_by_type[2] = 1;
  r.acceptor.pdus_by_type[4] = 1;
  r.acceptor.pdus_by_type[6] = 1;
  RoleSummary role;
  role.sop_class_uid = kCtImage;
  role.scu_role = 1;
  role.scp_role = 0;
  r.roles = {role};
  r.extended_negotiations = 2;
  r.release_from_requestor = true;
  r.requests[static_cast<std::size_t>(CommandKind::kCStore)] = 9;
  r.requests[static_cast<std::size_t>(CommandKind::kCEcho)] = 1;
  r.transactions = 10;
  r.anomalies = 1;
  r.gap_bytes = 0;
  return r;
}

TEST_F(EveAppWriterTest, ReleasedAssociationHasEveryField) {
  EveAppWriter writer(sink_);
  writer.on_association(released_association(flow_));
  const json e = only_event();
  expect_client_first_header(e, "dicom_association");
  EXPECT_EQ(e["timestamp"], "2026-11-28T13:00:56.485931+0000");  // end_ts
  EXPECT_EQ(e["app_proto"], "dicom");
  EXPECT_EQ(keys_of(e), (std::set<std::string>{"timestamp", "event_type", "flow_id", "src_ip",
                                               "src_port", "dest_ip", "dest_port", "proto",
                                               "community_id", "app_proto", "dicom_association"}));
  const json& a = e["dicom_association"];
  EXPECT_EQ(a["calling_ae"], "STORESCU");
  EXPECT_EQ(a["called_ae"], "PACS");
  EXPECT_EQ(a["responding_ae"], "PACS");
  EXPECT_EQ(a["state"], "released");
  EXPECT_EQ(a["midstream"], false);
  EXPECT_EQ(a["port_configured"], true);
  EXPECT_EQ(a["start"], "2026-11-28T13:00:56.107368+0000");
  EXPECT_EQ(a["end"], "2026-11-28T13:00:56.485931+0000");
  EXPECT_EQ(a["duration"].get<double>(), 0.378563);
  EXPECT_EQ(a["application_context"], "1.2.840.10008.3.1.1.1");
  EXPECT_EQ(a["presentation_contexts_proposed"], 2);

  const json expected_contexts = json::parse(R"J([
    {"id":1,"abstract_syntax":"1.2.840.10008.5.1.4.1.1.2","abstract_syntax_name":"CTImageStorage",
     "proposed_transfer_syntaxes":[{"uid":"1.2.840.10008.1.2.1","name":"LittleEndianExplicit"},
                                   {"uid":"1.2.840.10008.1.2","name":"LittleEndianImplicit"}],
     "result":0,"result_text":"acceptance",
     "accepted_transfer_syntax":"1.2.840.10008.1.2.1",
     "accepted_transfer_syntax_name":"LittleEndianExplicit"},
    {"id":3,"abstract_syntax":"1.2.840.10008.5.1.4.1.2.2.1",
     "abstract_syntax_name":"FINDStudyRootQueryRetrieveInformationModel",
     "proposed_transfer_syntaxes":[{"uid":"1.2.3.4.5"}],
     "result":3,"result_text":"abstract-syntax-not-supported (provider rejection)"}])J");
  EXPECT_EQ(a["presentation_contexts"], expected_contexts);

  EXPECT_EQ(a["requestor"], json::parse(R"J({
    "implementation_class_uid":"1.2.276.0.7230010.3.0.3.6.7",
    "implementation_version_name":"OFFIS_DCMTK_367","max_pdu_length":16384,
    "async_window":{"invoked":1,"performed":0},"bytes":122911,"pdus":12,
    "pdus_by_type":{"A-ASSOCIATE-RQ":1,"P-DATA-TF":10,"A-RELEASE-RQ":1}})J"));
  EXPECT_EQ(a["acceptor"], json::parse(R"J({"bytes":5361,"pdus":3,
    "pdus_by_type":{"A-ASSOCIATE-AC":1,"P-DATA-TF":1,"A-RELEASE-RP":1}})J"));
  EXPECT_EQ(a["role_selections"], json::parse(R"J([{"sop_class_uid":"1.2.840.10008.5.1.4.1.1.2",
    "sop_class_name":"CTImageStorage","scu_role":1,"scp_role":0,"from":"requestor"}])J"));
  EXPECT_EQ(a["extended_negotiations"], 2);
  EXPECT_EQ(a["user_identity"], json::parse(R"J({"type":"none",
    "positive_response_requested":false,"confirmed":false})J"));
  EXPECT_EQ(a["release"], json::parse(R"J({"by":"requestor"})J"));
  EXPECT_EQ(a["commands"], json::parse(R"J({"C-STORE":9,"C-ECHO":1})J"));
  EXPECT_EQ(a["transactions"], 10);
  EXPECT_EQ(a["anomalies"], 1);
  EXPECT_EQ(a["gap_bytes"], 0);
  EXPECT_FALSE(a.contains("reject"));
  EXPECT_FALSE(a.contains("abort"));
  EXPECT_EQ(writer.counters().associations, 1u);
}

TEST_F(EveAppWriterTest, RejectedAssociationHasRejectOnlyAndUnansweredContexts) {
  AssociationRecord r = released_association(flow_);
  r.state = AssociationState::kRejected;
  r.responding_ae.clear();
  for (ContextSummary& pc : r.contexts) pc.answered = false;
  r.reject_result = 1;
  r.reject_source = 1;
  r.reject_reason = 7;
  EveAppWriter writer(sink_);
  writer.on_association(r);
  const json a = only_event()["dicom_association"];
  EXPECT_EQ(a["state"], "rejected");
  EXPECT_FALSE(a.contains("responding_ae"));
  EXPECT_EQ(a["reject"], json::parse(R"J({"result":1,"result_text":"rejected-permanent",
    "source":1,"source_text":"DICOM UL service-user","reason":7,
    "reason_text":"called-AE-title-not-recognized"})J"));
  EXPECT_FALSE(a.contains("abort"));
  EXPECT_FALSE(a.contains("release"));
  for (const json& pc : a["presentation_contexts"]) {
    EXPECT_FALSE(pc.contains("result"));
    EXPECT_FALSE(pc.contains("result_text"));
    EXPECT_FALSE(pc.contains("accepted_transfer_syntax"));
  }
}

TEST_F(EveAppWriterTest, AbortedAssociationSaysWhoAborted) {
  AssociationRecord r = released_association(flow_);
  r.state = AssociationState::kAborted;
  r.abort_source = 2;
  r.abort_reason = 2;
  r.abort_from_requestor = false;
  EveAppWriter writer(sink_);
  writer.on_association(r);
  const json a = only_event()["dicom_association"];
  EXPECT_EQ(a["state"], "aborted");
  EXPECT_EQ(a["abort"], json::parse(R"J({"source":2,
    "source_text":"DICOM UL service-provider (initiated abort)","reason":2,
    "reason_text":"unexpected-PDU","by":"acceptor"})J"));
  EXPECT_FALSE(a.contains("reject"));
  EXPECT_FALSE(a.contains("release"));
}

TEST_F(EveAppWriterTest, ReleasingByAcceptorAndIncompleteStates) {
  AssociationRecord r = released_association(flow_);
  r.state = AssociationState::kReleasing;
  r.release_from_requestor = false;
  EveAppWriter writer(sink_);
  writer.on_association(r);
  r.state = AssociationState::kIncomplete;
  r.midstream = true;
  r.port_configured = false;
  writer.on_association(r);
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 2u);
  const json releasing = json::parse(lines[0])["dicom_association"];
  EXPECT_EQ(releasing["state"], "releasing");
  EXPECT_EQ(releasing["release"]["by"], "acceptor");
  const json incomplete = json::parse(lines[1])["dicom_association"];
  EXPECT_EQ(incomplete["state"], "incomplete");
  EXPECT_EQ(incomplete["midstream"], true);
  EXPECT_EQ(incomplete["port_configured"], false);
  EXPECT_FALSE(incomplete.contains("release"));
}

AssociationRecord with_username_passcode(const Flow& flow) {
  AssociationRecord r = released_association(flow);
  r.user_identity_type = 2;
  r.user_identity_response_requested = true;
  r.user_identity_confirmed = true;
  r.user_identity_username = "dr.house";
  r.user_identity_secondary_length = 8;
  return r;
}

TEST_F(EveAppWriterTest, UsernameIsWithheldByDefaultAndPasscodeNeverWritten) {
  EveAppWriter writer(sink_);
  writer.on_association(with_username_passcode(flow_));
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("dr.house"), std::string::npos);
  const json id = json::parse(lines[0])["dicom_association"]["user_identity"];
  EXPECT_EQ(id, json::parse(R"J({"type":"username_passcode","positive_response_requested":true,
    "confirmed":true,"username_present":true,"passcode_present":true})J"));
  EXPECT_EQ(writer.counters().phi_values_withheld, 1u);
}

TEST_F(EveAppWriterTest, UsernameWrittenWithLogPhiButStillNoPasscode) {
  EveAppWriter writer(sink_, /*log_phi=*/true);
  writer.on_association(with_username_passcode(flow_));
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 1u);
  const json id = json::parse(lines[0])["dicom_association"]["user_identity"];
  EXPECT_EQ(id, json::parse(R"J({"type":"username_passcode","positive_response_requested":true,
    "confirmed":true,"username_present":true,"username":"dr.house","passcode_present":true})J"));
  // The only mention of a passcode anywhere in the line is the presence flag.
  const std::size_t first = lines[0].find("passcode");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(lines[0].compare(first - 9, 18, "username_passcode\""), 0);  // the type's value
  const std::size_t second = lines[0].find("passcode", first + 8);
  EXPECT_EQ(lines[0].compare(second, 17, "passcode_present\""), 0);
  EXPECT_EQ(lines[0].find("passcode", second + 8), std::string::npos);
  EXPECT_EQ(writer.counters().phi_values_withheld, 0u);
}

TEST_F(EveAppWriterTest, TokenIdentitiesHaveNoUsernameFields) {
  AssociationRecord r = released_association(flow_);
  r.user_identity_type = 5;
  EveAppWriter writer(sink_);
  writer.on_association(r);
  r.user_identity_type = 9;  // outside PS3.7 D.3.3.7: the code is kept
  writer.on_association(r);
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0])["dicom_association"]["user_identity"],
            json::parse(R"J({"type":"jwt","positive_response_requested":false,
              "confirmed":false,"passcode_present":false})J"));
  EXPECT_EQ(json::parse(lines[1])["dicom_association"]["user_identity"],
            json::parse(R"J({"type":"unknown","type_code":9,"positive_response_requested":false,
              "confirmed":false,"passcode_present":false})J"));
}

TransactionRecord store_transaction(const Flow& flow, const AssociationRecord& association) {
  TransactionRecord t;
  t.flow = &flow;
  t.association = &association;
  t.request_ts = kT0 + 120 * kMs;
  t.response_ts = kT0 + 120 * kMs + 4'321'999;  // 4.321 ms once cut to microseconds
  t.command = CommandField::kCStoreRq;
  t.command_field_raw = 0x0001;
  t.message_id = 7;
  t.presentation_context_id = 1;
  t.abstract_syntax = kCtImage;
  t.transfer_syntax = kExplicitLe;
  t.sop_class_uid = kCtImage;
  t.sop_instance_uid = kInstance;
  t.has_priority = true;
  t.priority = 0;
  t.has_response = true;
  t.status = 0xB000;
  t.error_comment = "coerced (0010,0010)";
  t.request_data_set_bytes = 525'312;
  t.request_data_set.parsed = true;
  t.request_data_set.truncated = true;
  t.request_data_set.sop_class_uid = kCtImage;
  t.request_data_set.sop_instance_uid = kInstance;
  t.request_data_set.modality = "CT";
  t.exported = true;
  return t;
}

TEST_F(EveAppWriterTest, StoreTransactionHasEveryField) {
  const AssociationRecord association = released_association(flow_);
  EveAppWriter writer(sink_);
  writer.on_transaction(store_transaction(flow_, association));
  const json e = only_event();
  expect_client_first_header(e, "dicom");
  EXPECT_EQ(e["timestamp"], "2026-11-28T13:00:56.231689+0000");  // the response
  EXPECT_EQ(e["app_proto"], "dicom");
  EXPECT_EQ(e["dicom"], json::parse(R"J({
    "command":"C-STORE","request_direction":"to_server","message_id":7,
    "presentation_context_id":1,
    "sop_class_uid":"1.2.840.10008.5.1.4.1.1.2","sop_class_name":"CTImageStorage",
    "sop_instance_uid":"1.2.826.0.1.3680043.2.1125.1.7.1",
    "transfer_syntax":"1.2.840.10008.1.2.1","transfer_syntax_name":"LittleEndianExplicit",
    "priority":"medium","has_response":true,"status":45056,"status_category":"warning",
    "status_text":"Warning: Coercion of Data Elements","pending_responses":0,
    "error_comment":"coerced (0010,0010)",
    "request_ts":"2026-11-28T13:00:56.227368+0000",
    "response_ts":"2026-11-28T13:00:56.231689+0000","latency_ms":4.321,
    "request_data_set_bytes":525312,"response_data_set_bytes":0,"data_set_gap":false,
    "data_set":{"modality":"CT","sop_class_uid":"1.2.840.10008.5.1.4.1.1.2",
                "sop_class_name":"CTImageStorage",
                "sop_instance_uid":"1.2.826.0.1.3680043.2.1125.1.7.1","truncated":true},
    "exported":true,"association":{"calling_ae":"STORESCU","called_ae":"PACS"}})J"));
  EXPECT_EQ(writer.counters().transactions, 1u);
}

TransactionRecord find_transaction(const Flow& flow) {
  TransactionRecord t;
  t.flow = &flow;
  t.request_ts = kT0;
  t.response_ts = kT0 + 2 * kMs;
  t.command = CommandField::kCFindRq;
  t.command_field_raw = 0x0020;
  t.message_id = 3;
  t.presentation_context_id = 5;
  t.abstract_syntax = kFindStudy;
  t.transfer_syntax = kImplicitLe;
  t.sop_class_uid = kFindStudy;
  t.has_priority = true;
  t.priority = 2;
  t.has_response = true;
  t.status = 0x0000;
  t.pending_responses = 4;
  t.request_data_set_bytes = 98;
  t.response_data_set_bytes = 1'480;
  DataSetSummary& ds = t.request_data_set;
  ds.parsed = true;
  ds.query_level = "STUDY";
  ds.keys.push_back({0x00080052, "QueryRetrieveLevel", "CS", "STUDY", KeyMatch::kSingle, false});
  ds.keys.push_back({0x00100010, "PatientName", "PN", "DOE^J*", KeyMatch::kWildcard, true});
  ds.keys.push_back({0x00100030, "PatientBirthDate", "DA", "", KeyMatch::kUniversal, true});
  ds.keys.push_back({0x00091001, "", "LO", "x", KeyMatch::kSingle, false});  // private, unnamed
  return t;
}

TEST_F(EveAppWriterTest, FindKeysHidePhiValuesByDefault) {
  EveAppWriter writer(sink_);
  writer.on_transaction(find_transaction(flow_));
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("DOE"), std::string::npos);
  const json d = json::parse(lines[0])["dicom"];
  EXPECT_EQ(d["command"], "C-FIND");
  EXPECT_EQ(d["priority"], "low");
  EXPECT_EQ(d["status"], 0);
  EXPECT_EQ(d["status_category"], "success");
  EXPECT_EQ(d["status_text"], "Success");
  EXPECT_EQ(d["pending_responses"], 4);
  EXPECT_EQ(d["latency_ms"].get<double>(), 2.0);
  EXPECT_EQ(d["response_data_set_bytes"], 1480);
  EXPECT_FALSE(d.contains("sop_instance_uid"));
  EXPECT_FALSE(d.contains("abstract_syntax"));  // same as the SOP class
  EXPECT_FALSE(d.contains("association"));
  EXPECT_EQ(d["data_set"], json::parse(R"J({"query_level":"STUDY","truncated":false,"keys":[
    {"tag":"(0008,0052)","keyword":"QueryRetrieveLevel","vr":"CS","match":"single",
     "value":"STUDY"},
    {"tag":"(0010,0010)","keyword":"PatientName","vr":"PN","match":"wildcard","phi":true},
    {"tag":"(0010,0030)","keyword":"PatientBirthDate","vr":"DA","match":"universal","phi":true},
    {"tag":"(0009,1001)","vr":"LO","match":"single","value":"x"}]})J"));
  EXPECT_EQ(writer.counters().phi_values_withheld, 1u);  // the empty birth date hides nothing
}

TEST_F(EveAppWriterTest, FindKeysShowPhiValuesWithLogPhi) {
  EveAppWriter writer(sink_, /*log_phi=*/true);
  writer.on_transaction(find_transaction(flow_));
  const json keys = only_event()["dicom"]["data_set"]["keys"];
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[1]["value"], "DOE^J*");
  EXPECT_EQ(keys[1]["phi"], true);
  EXPECT_EQ(keys[2]["value"], "");
}

TEST_F(EveAppWriterTest, MoveWithSubOperationsAndContextOtherThanSopClass) {
  TransactionRecord t = find_transaction(flow_);
  t.command = CommandField::kCMoveRq;
  t.command_field_raw = 0x0021;
  t.abstract_syntax = kMoveStudy;
  t.sop_class_uid = "1.2.840.10008.5.1.4.1.2.2.9";  // not the context's: both are written
  t.move_destination = "WORKSTATION";
  t.status = 0xB000;
  t.pending_responses = 2;
  t.has_sub_operations = true;
  t.remaining = 0;
  t.completed = 11;
  t.failed = 1;
  t.warning = 0;
  t.request_data_set.parsed = false;
  t.request_data_set.error = "deflated";
  t.request_data_set_gap = true;
  EveAppWriter writer(sink_);
  writer.on_transaction(t);
  const json d = only_event()["dicom"];
  EXPECT_EQ(d["command"], "C-MOVE");
  EXPECT_EQ(d["sop_class_uid"], "1.2.840.10008.5.1.4.1.2.2.9");
  EXPECT_FALSE(d.contains("sop_class_name"));
  EXPECT_EQ(d["abstract_syntax"], std::string(kMoveStudy));
  EXPECT_EQ(d["abstract_syntax_name"], "MOVEStudyRootQueryRetrieveInformationModel");
  EXPECT_EQ(d["move_destination"], "WORKSTATION");
  EXPECT_EQ(d["status_category"], "warning");
  EXPECT_EQ(d["status_text"], "Warning: Sub-operations complete, one or more failures");
  EXPECT_EQ(d["sub_operations"],
            json::parse(R"J({"remaining":0,"completed":11,"failed":1,"warning":0})J"));
  EXPECT_EQ(d["data_set_gap"], true);
  EXPECT_EQ(d["data_set_error"], "deflated");
  EXPECT_FALSE(d.contains("data_set"));
}

TEST_F(EveAppWriterTest, StoreSubOperationCarriesMoveOriginator) {
  const AssociationRecord association = released_association(flow_);
  TransactionRecord t = store_transaction(flow_, association);
  t.request_direction = Direction::kToClient;  // C-GET style: the SCP sends the C-STORE
  t.move_originator_ae = "VIEWER";
  t.has_move_originator_message_id = true;
  t.move_originator_message_id = 12;
  t.has_priority = true;
  t.priority = 1;
  EveAppWriter writer(sink_);
  writer.on_transaction(t);
  const json e = only_event();
  EXPECT_EQ(e["src_ip"], "192.168.10.20");  // still the requestor of the association
  EXPECT_EQ(e["dicom"]["request_direction"], "to_client");
  EXPECT_EQ(e["dicom"]["priority"], "high");
  EXPECT_EQ(e["dicom"]["move_originator"],
            json::parse(R"J({"ae_title":"VIEWER","message_id":12})J"));
}

TEST_F(EveAppWriterTest, UnansweredRequestHasNoStatus) {
  TransactionRecord t = find_transaction(flow_);
  t.has_response = false;
  t.response_ts = 0;
  EveAppWriter writer(sink_);
  writer.on_transaction(t);
  const json e = only_event();
  EXPECT_EQ(e["timestamp"], "2026-11-28T13:00:56.107368+0000");  // the request
  const json& d = e["dicom"];
  EXPECT_EQ(d["has_response"], false);
  for (const char* absent :
       {"status", "status_category", "status_text", "response_ts", "latency_ms", "request_seen"}) {
    EXPECT_FALSE(d.contains(absent)) << absent;
  }
  EXPECT_EQ(d["request_ts"], "2026-11-28T13:00:56.107368+0000");
}

TEST_F(EveAppWriterTest, ResponseWithoutRequestAndUnknownCommand) {
  TransactionRecord t;
  t.flow = &flow_;
  t.request_seen = false;
  t.response_ts = kT0;
  t.has_response = true;
  t.status = 0xC123;
  t.command = CommandField::kUnknown;
  t.command_field_raw = 0x0abc;
  EveAppWriter writer(sink_);
  writer.on_transaction(t);
  const json d = only_event()["dicom"];
  EXPECT_EQ(d["command"], "UNKNOWN");
  EXPECT_EQ(d["command_field"], 0x0abc);
  EXPECT_EQ(d["request_seen"], false);
  EXPECT_EQ(d["status"], 0xC123);
  EXPECT_EQ(d["status_category"], "failure");
  EXPECT_EQ(d["status_text"], "Failure");
  EXPECT_EQ(d["response_ts"], "2026-11-28T13:00:56.107368+0000");
  EXPECT_FALSE(d.contains("request_ts"));
  EXPECT_FALSE(d.contains("latency_ms"));
  EXPECT_FALSE(d.contains("priority"));
  EXPECT_FALSE(d.contains("sop_class_uid"));
}

AnomalyRecord anomaly(const Flow& flow, Direction direction) {
  AnomalyRecord r;
  r.flow = &flow;
  r.ts = kT0 + kMs;
  r.direction = direction;
  r.layer = "dicom.ul";
  r.name = "pdu.unknown_type";
  r.message = "PDU type is not one of PS3.8 Table 9-1";
  r.stream_offset = 4242;
  return r;
}

TEST_F(EveAppWriterTest, AnomalySourceIsTheSenderOfTheBytes) {
  EveAppWriter writer(sink_);
  writer.on_anomaly(anomaly(flow_, Direction::kToClient));
  writer.on_anomaly(anomaly(flow_, Direction::kToServer));
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 2u);
  const json from_server = json::parse(lines[0]);
  EXPECT_EQ(from_server["event_type"], "anomaly");
  EXPECT_EQ(from_server["timestamp"], "2026-11-28T13:00:56.108368+0000");
  EXPECT_EQ(from_server["src_ip"], "192.168.10.5");
  EXPECT_EQ(from_server["src_port"], 104);
  EXPECT_EQ(from_server["dest_ip"], "192.168.10.20");
  EXPECT_EQ(from_server["dest_port"], 51512);
  EXPECT_EQ(from_server["community_id"], kCommunityId);  // symmetric
  EXPECT_EQ(from_server["app_proto"], "dicom");
  EXPECT_EQ(from_server["anomaly"], json::parse(R"J({"type":"applayer","layer":"dicom.ul",
    "event":"pdu.unknown_type","message":"PDU type is not one of PS3.8 Table 9-1",
    "stream_offset":4242,"direction":"to_client"})J"));
  expect_client_first_header(json::parse(lines[1]), "anomaly");
  EXPECT_EQ(json::parse(lines[1])["anomaly"]["direction"], "to_server");
  EXPECT_EQ(writer.counters().anomalies, 2u);
}

TEST_F(EveAppWriterTest, AnomalyOnFlowWithoutAppProtoOmitsIt) {
  flow_.app_proto = AppProto::kUnknown;
  EveAppWriter writer(sink_);
  writer.on_anomaly(anomaly(flow_, Direction::kToServer));
  EXPECT_FALSE(only_event().contains("app_proto"));
}

TlsRecord tls_record(const Flow& flow) {
  TlsRecord r;
  r.flow = &flow;
  r.ts = kT0 + 3 * kMs;
  r.has_client_hello = true;
  r.client_legacy_version = tls::kTls12;
  r.client_highest_version = tls::kTls13;
  r.client_versions = {tls::kTls13, tls::kTls12};
  r.cipher_suites_offered = 31;
  r.weak_suites_offered = 2;
  r.sni = "pacs.example.org";
  r.alpn = {"dicom"};
  return r;
}

TEST_F(EveAppWriterTest, TlsWithWeakNegotiatedSuite) {
  TlsRecord r = tls_record(flow_);
  r.has_server_hello = true;
  r.version = tls::kTls10;
  r.cipher_suite = 0x000A;  // TLS_RSA_WITH_3DES_EDE_CBC_SHA
  r.cipher_weakness = tls::cipher_suite_weakness(0x000A, tls::kTls10);
  EveAppWriter writer(sink_);
  writer.on_tls(r);
  const json e = only_event();
  expect_client_first_header(e, "tls");
  EXPECT_EQ(e["app_proto"], "tls");
  EXPECT_EQ(e["timestamp"], "2026-11-28T13:00:56.110368+0000");
  EXPECT_EQ(e["tls"], json::parse(R"J({"version":"TLSv1.0","sni":"pacs.example.org",
    "alpn":["dicom"],"cipher_suite":{"id":10,"name":"TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    "weak":true,
    "weaknesses":["3des","sha1_mac","cbc","no_forward_secrecy","cbc_before_tls12"],
    "version_obsolete":true,
    "client":{"legacy_version":"TLSv1.2","highest_version":"TLSv1.3",
              "versions":["TLSv1.3","TLSv1.2"],"cipher_suites_offered":31,
              "weak_suites_offered":2}})J"));
  EXPECT_EQ(writer.counters().tls, 1u);
}

TEST_F(EveAppWriterTest, TlsStrongSuiteIsNotWeak) {
  TlsRecord r = tls_record(flow_);
  r.has_server_hello = true;
  r.version = tls::kTls13;
  r.cipher_suite = 0x1302;
  r.cipher_weakness = tls::cipher_suite_weakness(0x1302, tls::kTls13);
  EveAppWriter writer(sink_);
  writer.on_tls(r);
  const json t = only_event()["tls"];
  EXPECT_EQ(t["version"], "TLSv1.3");
  EXPECT_EQ(t["cipher_suite"], json::parse(R"J({"id":4866,"name":"TLS_AES_256_GCM_SHA384"})J"));
  EXPECT_EQ(t["weak"], false);
  EXPECT_EQ(t["weaknesses"], json::array());
  EXPECT_EQ(t["version_obsolete"], false);
}

TEST_F(EveAppWriterTest, TlsWithoutServerHelloIsUndetermined) {
  TlsRecord r = tls_record(flow_);
  r.sni.clear();
  r.alpn.clear();
  EveAppWriter writer(sink_);
  writer.on_tls(r);
  const json t = only_event()["tls"];
  EXPECT_EQ(keys_of(t), (std::set<std::string>{"version", "client"}));
  EXPECT_EQ(t["version"], "UNDETERMINED");
}

TEST_F(EveAppWriterTest, Ipv6AndVlansInTheHeader) {
  Flow flow = dicom_flow();
  flow.key.ip_version = 6;
  flow.key.lo_ip = IpAddress{};
  flow.key.hi_ip = IpAddress{};
  for (IpAddress* ip : {&flow.key.lo_ip, &flow.key.hi_ip}) {
    ip->bytes[0] = 0x20;
    ip->bytes[1] = 0x01;
    ip->bytes[2] = 0x0d;
    ip->bytes[3] = 0xb8;
  }
  flow.key.lo_ip.bytes[15] = 0x05;
  flow.key.hi_ip.bytes[15] = 0x20;
  flow.key.lo_port = 11112;
  flow.key.vlan_count = 2;
  flow.key.vlan_ids[0] = 100;
  flow.key.vlan_ids[1] = 20;
  EveAppWriter writer(sink_);
  writer.on_anomaly(anomaly(flow, Direction::kToServer));
  const json e = only_event();
  EXPECT_EQ(e["src_ip"], "2001:db8::20");
  EXPECT_EQ(e["dest_ip"], "2001:db8::5");
  EXPECT_EQ(e["dest_port"], 11112);
  EXPECT_EQ(e["vlan"], json::parse("[100,20]"));
  EXPECT_EQ(e["community_id"], "1:V+udUdxmtlLgIbdVd8xbkaoYCjg=");  // Python hashlib
}

TEST_F(EveAppWriterTest, RecordWithoutFlowStillWritesValidJson) {
  EveAppWriter writer(sink_);
  AnomalyRecord r = anomaly(flow_, Direction::kToServer);
  r.flow = nullptr;
  writer.on_anomaly(r);
  const json e = only_event();
  EXPECT_EQ(keys_of(e), (std::set<std::string>{"timestamp", "event_type", "anomaly"}));
}

TEST_F(EveAppWriterTest, FlowEventCarriesAppProtoOnlyWhenKnown) {
  EveWriter writer(sink_);
  writer.on_flow_end(flow_);
  flow_.app_proto = AppProto::kUnknown;
  writer.on_flow_end(flow_);
  flow_.app_proto = AppProto::kFailed;
  writer.on_flow_end(flow_);
  const std::vector<std::string> lines = raw_lines();
  ASSERT_EQ(lines.size(), 3u);
  const json dicom_flow_event = json::parse(lines[0]);
  expect_client_first_header(dicom_flow_event, "flow");
  EXPECT_EQ(dicom_flow_event["app_proto"], "dicom");
  EXPECT_FALSE(json::parse(lines[1]).contains("app_proto"));
  EXPECT_EQ(json::parse(lines[2])["app_proto"], "failed");
}

TEST_F(EveAppWriterTest, WarmWriterDoesNotAllocate) {
  const AssociationRecord association = with_username_passcode(flow_);
  const TransactionRecord store = store_transaction(flow_, association);
  const TransactionRecord find = find_transaction(flow_);
  const AnomalyRecord bad = anomaly(flow_, Direction::kToClient);
  TlsRecord hello = tls_record(flow_);
  hello.has_server_hello = true;
  hello.version = tls::kTls12;
  hello.cipher_suite = 0xC030;
  EveAppWriter writer(sink_, /*log_phi=*/true);
  const auto write_all = [&] {
    writer.on_association(association);
    writer.on_transaction(store);
    writer.on_transaction(find);
    writer.on_anomaly(bad);
    writer.on_tls(hello);
  };
  const std::size_t cold = allocations_so_far();
  write_all();  // grows the buffer, computes and caches the Community ID
  const std::size_t before = allocations_so_far();
  EXPECT_GT(before, cold);  // the counter sees the writer's first allocations
  for (int i = 0; i < 100; ++i) write_all();
  EXPECT_EQ(allocations_so_far() - before, 0u);
  EXPECT_EQ(raw_lines().size(), 505u);
}

}  // namespace
}  // namespace dicomsentry
