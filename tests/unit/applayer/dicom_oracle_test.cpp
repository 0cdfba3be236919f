// The DICOM engine on real captures (DCMTK tools and Orthanc on loopback), checked against
// what the peers themselves logged at debug level (pcaps/expected/*.json, see pcaps/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "app_test_util.hpp"
#include "dicom/dimse_names.hpp"

namespace dicomsentry::testing {
namespace {

using dicom::AssociationState;
using nlohmann::json;

json load_oracle(const std::string& name) {
  std::ifstream in(pcap_path("expected/" + name + ".json"));
  return json::parse(in);
}

AssociationState expected_state(const json& outcome) {
  const std::string kind = outcome.at("kind");
  if (kind == "released") return AssociationState::kReleased;
  if (kind == "aborted") return AssociationState::kAborted;
  if (kind == "rejected") return AssociationState::kRejected;
  return AssociationState::kIncomplete;  // closed without release or abort
}

std::string text(const json& j, const char* key) {
  return j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string();
}

// One transaction as the peers' logs describe it.
struct ExpectedTransaction {
  const json* identifier = nullptr;  // the request's, as the requestor logged it
  std::string command;  // base name
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string move_destination;
  std::uint32_t pending = 0;
  bool has_final = false;
  std::uint16_t status = 0;
};
using TxKey = std::tuple<int, std::uint16_t>;  // request direction (0 toserver), message id

std::map<TxKey, ExpectedTransaction> expected_transactions(const json& association) {
  std::map<TxKey, ExpectedTransaction> out;
  for (const json& m : association.at("dimse")) {
    const std::string command = m.at("command");
    const int direction = m.at("direction") == "toserver" ? 0 : 1;
    if (command.ends_with("-RQ")) {
      ExpectedTransaction& t = out[{direction, m.at("message_id").get<std::uint16_t>()}];
      t.command = command.substr(0, command.size() - 3);
      t.sop_class_uid = text(m, "affected_sop_class_uid");
      t.sop_instance_uid = text(m, "affected_sop_instance_uid");
      t.move_destination = text(m, "move_destination");
      if (m.contains("identifier")) t.identifier = &m.at("identifier");
    } else {
      ExpectedTransaction& t =
          out[{1 - direction, m.at("message_id_being_responded_to").get<std::uint16_t>()}];
      const auto status = m.at("status").get<std::uint16_t>();
      if (dicom::status_category(status) == dicom::StatusCategory::kPending) {
        ++t.pending;
      } else {
        t.has_final = true;
        t.status = status;
      }
    }
  }
  return out;
}

class DicomOracleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DicomOracleTest, AssociationsAndTransactionsMatchThePeersLogs) {
  const std::string name = GetParam();
  const json oracle = load_oracle(name);
  RecordingSink sink;
  AppLayerConfig config;  // default ports: Orthanc's 4242 and 11113 are found by the heuristic
  const CaptureRun run = run_capture(pcap_path(oracle.at("capture")), config, sink);
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.sessions_in_use_after, 0u);

  const json& associations = oracle.at("associations");
  ASSERT_EQ(sink.associations.size(), associations.size());
  for (const json& expected : associations) {
    const auto port = expected.at("tcp").at("client").at("port").get<std::uint16_t>();
    SCOPED_TRACE(name + " client port " + std::to_string(port));
    const auto found = std::find_if(sink.associations.begin(), sink.associations.end(),
                                    [&](const SeenAssociation& a) { return a.client_port == port; });
    ASSERT_NE(found, sink.associations.end());
    const dicom::AssociationRecord& a = found->record;
    const auto server = expected.at("tcp").at("server").at("port").get<std::uint16_t>();
    EXPECT_EQ(a.port_configured, server == 104 || server == 11112);
    EXPECT_FALSE(a.midstream);
    EXPECT_EQ(a.calling_ae, expected.at("calling_ae"));
    EXPECT_EQ(a.called_ae, expected.at("called_ae"));
    EXPECT_EQ(a.state, expected_state(expected.at("outcome")))
        << dicom::association_state_name(a.state);
    EXPECT_EQ(a.anomalies, 0u);
    EXPECT_EQ(a.gap_bytes, 0u);
    EXPECT_EQ(a.requestor.implementation_class_uid,
              expected.at("requestor_implementation_class_uid"));
    EXPECT_EQ(a.requestor.implementation_version_name,
              expected.at("requestor_implementation_version_name"));
    EXPECT_EQ(a.requestor.max_pdu_length, expected.at("requestor_max_pdu_length"));
    const json& outcome = expected.at("outcome");
    if (a.state == AssociationState::kRejected) {
      EXPECT_EQ(a.reject_result, outcome.at("result"));
      EXPECT_EQ(a.reject_source, outcome.at("source"));
      EXPECT_EQ(a.reject_reason, outcome.at("reason"));
      EXPECT_TRUE(a.contexts.size() > 0);
      continue;
    }
    if (a.state == AssociationState::kAborted) {
      EXPECT_EQ(a.abort_source, outcome.at("source"));
      EXPECT_EQ(a.abort_reason, outcome.at("reason"));
      EXPECT_EQ(a.abort_from_requestor, outcome.at("by") == "requestor");
    }
    if (a.state == AssociationState::kReleased) {
      EXPECT_EQ(a.release_from_requestor, outcome.at("by") == "requestor");
    }
    if (!expected.at("acceptor_implementation_class_uid").is_null()) {
      EXPECT_EQ(a.acceptor.implementation_class_uid,
                expected.at("acceptor_implementation_class_uid"));
      EXPECT_EQ(a.acceptor.implementation_version_name,
                expected.at("acceptor_implementation_version_name"));
      EXPECT_EQ(a.acceptor.max_pdu_length, expected.at("acceptor_max_pdu_length"));
    }
    // Presentation contexts, as proposed and as answered.
    const json& contexts = expected.at("presentation_contexts");
    ASSERT_EQ(a.contexts.size(), contexts.size());
    for (std::size_t i = 0; i < contexts.size(); ++i) {
      const json& c = contexts[i];
      EXPECT_EQ(a.contexts[i].id, c.at("id"));
      EXPECT_EQ(a.contexts[i].abstract_syntax, c.at("abstract_syntax"));
      EXPECT_EQ(a.contexts[i].proposed_transfer_syntaxes,
                c.at("proposed_transfer_syntaxes").get<std::vector<std::string>>());
      if (c.contains("result") && !c.at("result").is_null()) {
        EXPECT_TRUE(a.contexts[i].answered);
        EXPECT_EQ(a.contexts[i].result, c.at("result"));
        if (c.at("result") == 0) {
          EXPECT_EQ(a.contexts[i].accepted_transfer_syntax, c.at("accepted_transfer_syntax"));
        }
      }
    }
    // User identity: type and username; the passcode only as its length.
    const json& identity = expected.at("user_identity");
    if (identity.is_null()) {
      EXPECT_EQ(a.user_identity_type, 0);
    } else {
      EXPECT_EQ(a.user_identity_type, identity.at("type"));
      EXPECT_EQ(a.user_identity_username, identity.at("primary_field"));
      EXPECT_EQ(a.user_identity_response_requested, identity.at("positive_response_requested"));
      const json& secret = identity.at("secondary_field_from_dissector");
      EXPECT_EQ(a.user_identity_secondary_length,
                secret.is_null() ? 0u : secret.get<std::string>().size());
    }
    EXPECT_EQ(a.user_identity_confirmed, !expected.at("user_identity_response").is_null());

    // Transactions: one per request, paired with its responses.
    const auto wanted = expected_transactions(expected);
    std::map<TxKey, const dicom::TransactionRecord*> seen;
    for (const SeenTransaction& t : sink.transactions) {
      if (t.client_port != port) continue;
      const TxKey key{static_cast<int>(t.record.request_direction), t.record.message_id};
      EXPECT_TRUE(seen.emplace(key, &t.record).second) << "duplicate transaction";
    }
    EXPECT_EQ(seen.size(), wanted.size());
    EXPECT_EQ(a.transactions, wanted.size());
    for (const auto& [key, w] : wanted) {
      SCOPED_TRACE("message id " + std::to_string(std::get<1>(key)));
      const auto it = seen.find(key);
      ASSERT_NE(it, seen.end());
      const dicom::TransactionRecord& t = *it->second;
      EXPECT_TRUE(t.request_seen);
      EXPECT_EQ(dicom::command_base_name(t.command), w.command);
      EXPECT_EQ(t.sop_class_uid, w.sop_class_uid);
      if (!w.sop_instance_uid.empty()) {
        EXPECT_EQ(t.sop_instance_uid, w.sop_instance_uid);
      }
      EXPECT_EQ(t.move_destination, w.move_destination);
      EXPECT_EQ(t.pending_responses, w.pending);
      EXPECT_EQ(t.has_response, w.has_final);
      if (w.has_final) {
        EXPECT_EQ(t.status, w.status);
        EXPECT_GE(t.response_ts, t.request_ts);
      }
      EXPECT_FALSE(t.request_data_set_gap);
      if (w.identifier != nullptr) {
        // The query keys DCMTK's parse of the identifier finds: the requestor's logged ones.
        const dicom::DataSetSummary& ds = t.data_set();
        ASSERT_TRUE(ds.parsed) << ds.error;
        EXPECT_FALSE(ds.truncated);
        ASSERT_EQ(ds.keys.size(), w.identifier->size());
        std::size_t i = 0;
        for (const auto& [tag, key] : w.identifier->items()) {
          const dicom::QueryKey& k = ds.keys[i++];
          char printed[16];
          std::snprintf(printed, sizeof printed, "(%04x,%04x)", k.tag >> 16, k.tag & 0xffff);
          EXPECT_EQ(printed, tag);
          EXPECT_EQ(k.keyword, key.at("keyword"));
          EXPECT_EQ(k.vr, key.at("vr"));
          std::string value = key.at("value");
          while (!value.empty() && value.back() == ' ') value.pop_back();
          EXPECT_EQ(k.value, value);
          if (k.keyword == "QueryRetrieveLevel") {
            EXPECT_EQ(ds.query_level, value);
          }
          if (k.keyword == "PatientName" || k.keyword == "PatientID") {
            EXPECT_TRUE(k.phi);
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RealCaptures, DicomOracleTest,
                         ::testing::Values("storescu_many", "orthanc_find_move_get",
                                           "reject_called_ae", "abort", "user_identity"));

}  // namespace
}  // namespace dicomsentry::testing

namespace dicomsentry::testing {
namespace {

// Totals that the per-association comparison above adds up to, stated once as numbers.
TEST(DicomCaptureTotals, StoreCaptureHas28StoresAllSuccessful) {
  RecordingSink sink;
  const CaptureRun run = run_capture(pcap_path("storescu_many.pcap"), AppLayerConfig{}, sink);
  ASSERT_TRUE(run.ok);
  ASSERT_EQ(sink.associations.size(), 1u);
  EXPECT_EQ(sink.associations[0].record.requests[static_cast<std::size_t>(dicom::CommandKind::kCStore)], 28u);
  ASSERT_EQ(sink.transactions.size(), 28u);
  std::set<std::string> instances;
  for (const SeenTransaction& t : sink.transactions) {
    EXPECT_EQ(t.record.command, dicom::CommandField::kCStoreRq);
    EXPECT_TRUE(t.record.has_response);
    EXPECT_EQ(t.record.status, 0);
    EXPECT_GT(t.record.request_data_set_bytes, 0u);
    instances.insert(t.record.sop_instance_uid);
  }
  EXPECT_EQ(instances.size(), 28u);
  EXPECT_EQ(run.counters.flows_dicom, 1u);
  EXPECT_EQ(run.counters.flows_dicom_unconfigured_port, 0u);
  EXPECT_EQ(run.counters.anomalies, 0u);
}

TEST(DicomCaptureTotals, OrthancCaptureFoundOnUnconfiguredPorts) {
  RecordingSink sink;
  const CaptureRun run = run_capture(pcap_path("orthanc_find_move_get.pcap"), AppLayerConfig{}, sink);
  ASSERT_TRUE(run.ok);
  EXPECT_EQ(sink.associations.size(), 7u);
  EXPECT_EQ(run.counters.flows_dicom_unconfigured_port, 7u);
  std::map<std::string, int> commands;
  for (const SeenTransaction& t : sink.transactions) commands[std::string(dicom::command_base_name(t.record.command))]++;
  EXPECT_EQ(commands, (std::map<std::string, int>{{"C-STORE", 7}, {"C-FIND", 2}, {"C-MOVE", 2}, {"C-GET", 1}}));
}

}  // namespace
}  // namespace dicomsentry::testing
