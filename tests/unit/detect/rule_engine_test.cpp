// The rule engine end to end over the DICOM engine: synthetic associations run through the
// app layer, and every record, data set and stream goes through the matcher as the pipeline
// does it. Each test states which sids must fire how often.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "applayer/app_layer.hpp"
#include "detect/alert_builder.hpp"
#include "detect/dataset_inspector.hpp"
#include "detect/payload_inspector.hpp"
#include "detect/rule_engine.hpp"
#include "dicom_conversation.hpp"
#include "rules/rule_file.hpp"
#include "rules/rule_parser.hpp"
#include "stream_feeder.hpp"

namespace dicomsentry::detect {
namespace {

using synth::DicomConversation;

Direction to_engine(synth::Direction d) {
  return d == synth::Direction::kClientToServer ? Direction::kToServer : Direction::kToClient;
}

// 10.30.0.7:50000 (a modality) -> 10.20.0.5:104 (the PACS).
Flow dicom_flow() {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_ip.bytes = {10, 20, 0, 5};
  flow.key.hi_ip.bytes = {10, 30, 0, 7};
  flow.key.lo_port = 104;
  flow.key.hi_port = 50000;
  flow.client_is_lo = 0;
  flow.flow_id = 1;
  flow.tcp_state = TcpState::kEstablished;
  flow.packets[0] = flow.packets[1] = 10;
  return flow;
}

synth::AssociateRqSpec rq_spec(std::uint32_t max_pdu) {
  synth::AssociateRqSpec rq;
  rq.calling_ae = "MODALITY1";
  rq.called_ae = "PACS";
  rq.contexts = {{1, std::string(synth::uids::kVerification), {std::string(synth::uids::kImplicitLittleEndian)}},
                 {3, std::string(synth::uids::kCtImageStorage),
                  {std::string(synth::uids::kExplicitLittleEndian)}},
                 {5, std::string(synth::uids::kStudyRootFind), {std::string(synth::uids::kExplicitLittleEndian)}}};
  rq.user_info.max_length = max_pdu;
  return rq;
}

// An echo, a store of a small CT image, a study-level find with two matches, then release.
DicomConversation typical() {
  const synth::AssociateRqSpec rq = rq_spec(16384);
  DicomConversation c(rq, synth::accept_all(rq, 16384));
  synth::ImageSpec image;
  image.rows = 16;
  image.columns = 16;
  c.echo(1, 1);
  c.store(3, 2, image);
  synth::QuerySpec query;
  query.keys = {{0x00100010, "PN", "DOE*"}, {0x0020000D, "UI", ""}};
  synth::QuerySpec match = query;
  match.keys = {{0x00100010, "PN", "DOE^JANE"}, {0x0020000D, "UI", "1.2.3.4"}};
  const std::vector<synth::QuerySpec> matches = {match, match};
  c.find(5, 3, synth::uids::kStudyRootFind, query, matches);
  c.release();
  return c;
}

// A C-STORE whose data set carries `document` as Encapsulated Document (0042,0011), in
// explicit VR little endian, with PDUs of at most `max_pdu` bytes.
DicomConversation store_document(std::uint32_t max_pdu, const std::string& document) {
  const synth::AssociateRqSpec rq = rq_spec(max_pdu);
  DicomConversation c(rq, synth::accept_all(rq, max_pdu));
  const std::string sop_class(synth::uids::kCtImageStorage);
  const std::string instance = "1.2.826.0.1.3680043.9.7433.1.9";
  const std::vector<synth::DataElement> elements = {
      {0x00080016, "UI", sop_class}, {0x00080018, "UI", instance},
      {0x00100010, "PN", "DOE^JANE"}, {0x00420011, "OB", document}};
  c.request({3, synth::command_set(synth::c_store_rq(sop_class, instance, 7)),
             synth::encode_data_set(elements, synth::VrEncoding::kExplicitLittle)});
  c.respond({3, synth::command_set(synth::c_store_rsp(sop_class, instance, 7)), {}});
  c.release();
  return c;
}

// The pipeline's wiring in miniature: app layer records to the matcher, C-STORE data sets
// through the dataset inspector, raw streams through the payload inspector.
class Harness final : public dicom::EventSink, public HitSink {
 public:
  explicit Harness(const std::vector<std::string>& lines) {
    const rules::Vars vars = rules::default_vars("[104, 11112]", "[2762]");
    for (const std::string& line : lines) {
      rules::ParseResult r = rules::parse_rule(line, vars);
      EXPECT_TRUE(r.ok()) << line << ": " << r.error;
      if (r.ok()) set_.rules.push_back(*r.rule);
    }
    build();
  }
  explicit Harness(rules::RuleSet set) : set_(std::move(set)) { build(); }

  void build() {
    EngineBuildResult built = RuleEngine::build(set_);
    errors = built.errors;
    engine_ = std::move(built.engine);
    matcher_ = std::make_unique<RuleMatcher>(*engine_);
    if (engine_->has_dataset_rules())
      dataset_ = std::make_unique<DatasetInspector>(*engine_, *matcher_, *this, nullptr);
  }

  void run(const DicomConversation& c, std::size_t chunk = SIZE_MAX) {
    AppLayer app(AppLayerConfig{}, *this, dataset_.get());
    std::unique_ptr<PayloadInspector> payload;
    StreamConsumer* consumer = &app;
    FlowEndHandler* flow_end = &app;
    if (engine_->has_payload_rules()) {
      payload = std::make_unique<PayloadInspector>(*engine_, *matcher_, *this, app, &app);
      consumer = payload.get();
      flow_end = payload.get();
    }
    Flow flow = dicom_flow();
    testing::StreamFeeder feeder(*consumer, flow);
    TimestampNs ts = 1'000'000'000;
    for (const auto& m : c.messages()) {
      const ByteView bytes(m.bytes);
      for (std::size_t at = 0; at < bytes.size(); at += chunk)
        feeder.feed(to_engine(m.direction), bytes.subspan(at, std::min(chunk, bytes.size() - at)), ts);
      ts += 1000;
    }
    const AppProto proto = flow.app_proto;
    flow_end->on_flow_end(flow);
    flow.app_proto = proto;
    matcher_->match_flow(flow, ts, *this);
    EXPECT_EQ(feeder.stalls(), 0u);
  }

  std::map<std::uint32_t, int> fired;  // sid -> hits
  std::vector<std::string> anomalies;  // names, as reported
  // Alerts after thresholds, with the sensor's alert builder behind the matcher.
  void with_alerts() { builder_ = std::make_unique<AlertBuilder>(engine_->rules(), alert_counter_); }
  const std::map<std::uint32_t, int>& alerts() const { return alert_counter_.alerts; }
  std::vector<std::string> errors;
  const RuleEngine& engine() const { return *engine_; }

 private:
  void on_association(const dicom::AssociationRecord& r) override { matcher_->match_association(r, *this); }
  void on_transaction(const dicom::TransactionRecord& r) override { matcher_->match_transaction(r, *this); }
  void on_anomaly(const dicom::AnomalyRecord& r) override {
    anomalies.emplace_back(r.name);
    matcher_->match_anomaly(r, *this);
  }
  void on_tls(const dicom::TlsRecord& r) override { matcher_->match_tls(r, *this); }
  void on_hit(const RuleHit& hit) override {
    ++fired[engine_->rules()[hit.rule_index].sid];
    if (builder_) builder_->on_hit(hit);  // decided at once: thresholds, pass
  }
  class AlertCounter final : public AlertSink {
   public:
    void on_alert(const AlertRecord& alert) override { ++alerts[alert.signature_id]; }
    std::map<std::uint32_t, int> alerts;
  };
  AlertCounter alert_counter_;
  std::unique_ptr<AlertBuilder> builder_;

  rules::RuleSet set_;
  std::unique_ptr<RuleEngine> engine_;
  std::unique_ptr<RuleMatcher> matcher_;
  std::unique_ptr<DatasetInspector> dataset_;
};

using Fired = std::map<std::uint32_t, int>;

TEST(RuleEngine, AssociationKeywordsHeadersAndNegation) {
  Harness h({
      R"(alert dicom any any -> any 104 (msg:"a"; dicom.calling_ae; content:"MODALITY1"; sid:1;))",
      R"(alert dicom any any -> any any (dicom.calling_ae; content:"modality"; sid:2;))",
      R"(alert dicom any any -> any any (dicom.calling_ae; content:"modality"; nocase; sid:3;))",
      R"(alert dicom any any -> any 11112 (dicom.called_ae; content:"PACS"; sid:4;))",
      R"(alert dicom any 104 <> any any (dicom.called_ae; content:"PACS"; sid:5;))",
      R"(alert dicom any any -> any any (dicom.user_identity:none; sid:6;))",
      R"(alert dicom any any -> any any (dicom.assoc_state:released; sid:7;))",
      R"(alert dicom any any -> any any (dicom.abstract_syntax; pcre:"/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.2$/"; sid:8;))",
      R"(alert dicom any any -> any any (dicom.abstract_syntax; content:"1.2.840.10008.5.1.4.1.1.4"; sid:9;))",
      R"(alert dicom 10.30.0.0/16 any -> 10.20.0.0/24 any (dicom.calling_ae; content:!"STORESCU"; sid:10;))",
      R"(alert dicom $EXTERNAL_NET any -> any any (dicom.calling_ae; content:"MOD"; sid:11;))",
      R"(alert tls any any -> any any (tls.sni; content:"x"; sid:12;))",
      R"(alert tcp any any -> any any (dicom.impl_version; content:"OFFIS_DCMTK"; sid:13;))",
      R"(alert dicom any any -> any any (dicom.user_identity:!none; sid:14;))",
      R"(alert dicom any any -> any any (dicom.assoc_state:rejected; sid:15;))",
  });
  EXPECT_TRUE(h.errors.empty());
  h.run(typical());
  EXPECT_EQ(h.fired, (Fired{{1, 1}, {3, 1}, {5, 1}, {6, 1}, {7, 1}, {8, 1}, {10, 1}, {13, 1}}));
}

TEST(RuleEngine, TransactionKeywords) {
  Harness h({
      R"(alert dicom any any -> any any (dicom.command:C-ECHO-RQ; sid:20;))",
      R"(alert dicom any any -> any any (dicom.command:C-FIND; dicom.query_level:STUDY; sid:21;))",
      R"(alert dicom any any -> any any (dicom.query; content:"PatientName=DOE*"; sid:22;))",
      R"(alert dicom any any -> any any (dicom.status:success; sid:23;))",
      R"(alert dicom any any -> any any (dicom.sop_class; content:"1.2.840.10008.5.1.4.1.1.2"; dicom.calling_ae; content:"MODALITY1"; sid:24;))",
      R"(alert dicom any any -> any any (dicom.command:C-STORE-RSP; sid:25;))",
      R"(alert dicom any any -> any any (dicom.status:pending; sid:26;))",
      R"(alert dicom any any -> any any (dicom.query_level:PATIENT; sid:27;))",
      R"(alert dicom any any -> any any (dicom.query; content:"StudyInstanceUID="; content:!"PatientID"; sid:28;))",
      R"(alert dicom any any -> any any (dicom.status:>0; sid:29;))",
  });
  EXPECT_TRUE(h.errors.empty());
  h.run(typical());
  EXPECT_EQ(h.fired, (Fired{{20, 1}, {21, 1}, {22, 1}, {23, 3}, {24, 1}, {25, 1}, {26, 1}, {28, 1}}));
}

// C-MOVE exfiltration signals: the destination, an A801 answer, the sub-operation count.
TEST(RuleEngine, MoveDestinationStatusAndSubOperations) {
  synth::AssociateRqSpec rq = rq_spec(16384);
  rq.contexts.push_back({7, std::string(synth::uids::kStudyRootMove), {std::string(synth::uids::kExplicitLittleEndian)}});
  DicomConversation c(rq, synth::accept_all(rq, 16384));
  synth::QuerySpec query;
  query.keys = {{0x0020000D, "UI", "1.2.3.4"}};
  const std::string move(synth::uids::kStudyRootMove);
  c.request({7, synth::command_set(synth::c_move_rq(move, 11, "EXFIL")), synth::identifier(query)});
  c.respond({7, synth::command_set(synth::c_move_rsp(move, 11, 0xFF00, {1500, 500, 0, 0})), {}});
  c.respond({7, synth::command_set(synth::c_move_rsp(move, 11, 0x0000, {0, 2000, 0, 0})), {}});
  c.request({7, synth::command_set(synth::c_move_rq(move, 12, "NOWHERE")), synth::identifier(query)});
  c.respond({7, synth::command_set(synth::c_move_rsp(move, 12, 0xA801, {})), {}});
  c.release();
  Harness h({
      R"(alert dicom any any -> any any (dicom.command:C-MOVE-RQ; dicom.move_destination; content:"EXFIL"; sid:1;))",
      R"(alert dicom any any -> any any (dicom.status:0xA801; sid:2;))",
      R"(alert dicom any any -> any any (dicom.sub_operations:>1000; sid:3;))",
      R"(alert dicom any any -> any any (dicom.sub_operations:>5000; sid:4;))",
      R"(alert dicom any any -> any any (dicom.command:C-MOVE; dicom.move_destination; content:!"EXFIL"; sid:5;))",
  });
  EXPECT_TRUE(h.errors.empty());
  h.run(c);
  EXPECT_EQ(h.fired, (Fired{{1, 1}, {2, 1}, {3, 1}, {5, 1}}));
}

// The default ruleset's bulk-retrieval rule (sid 2100019) on synthetic C-MOVEs, since no real
// peer here can be made to move a thousand objects: 2,000 sub-operations fire, 999 do not.
TEST(RuleEngine, DefaultBulkRetrievalRule) {
  rules::RuleSet set;
  ASSERT_TRUE(rules::load_rule_file(std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.rules",
                                    rules::default_vars("[104, 11112]", "[2762]"), set));
  ASSERT_TRUE(set.errors.empty());
  synth::AssociateRqSpec rq = rq_spec(16384);
  rq.user_info.user_identity = synth::UserIdentitySpec{1, false, "alice", ""};
  rq.contexts.push_back({7, std::string(synth::uids::kStudyRootMove), {std::string(synth::uids::kExplicitLittleEndian)}});
  DicomConversation c(rq, synth::accept_all(rq, 16384));
  synth::QuerySpec query;
  query.keys = {{0x0020000D, "UI", "1.2.3.4"}};
  const std::string move(synth::uids::kStudyRootMove);
  c.request({7, synth::command_set(synth::c_move_rq(move, 1, "MOVE_DEST")), synth::identifier(query)});
  c.respond({7, synth::command_set(synth::c_move_rsp(move, 1, 0x0000, {0, 1990, 10, 0})), {}});
  c.request({7, synth::command_set(synth::c_move_rq(move, 2, "MOVE_DEST")), synth::identifier(query)});
  c.respond({7, synth::command_set(synth::c_move_rsp(move, 2, 0x0000, {0, 999, 0, 0})), {}});
  c.release();
  Harness h(std::move(set));
  EXPECT_TRUE(h.errors.empty());
  h.run(c);
  // Also: a username-only identity (2100002), DCMTK 3.6.7's version name (2100017), and one
  // hit of the promiscuous-acceptor rule 2100025 (hits come before its detection_filter).
  EXPECT_EQ(h.fired, (Fired{{2100002, 1}, {2100017, 1}, {2100019, 1}, {2100025, 1}}));
}

// app-layer-event rules fire on the engine's anomalies: a client that sends P-DATA before the
// association is accepted, then a PDU of an unknown type (what real peers never do).
TEST(RuleEngine, AppLayerEventsOnProtocolViolations) {
  const synth::AssociateRqSpec rq = rq_spec(16384);
  DicomConversation c;
  c.send_raw(synth::Direction::kClientToServer, synth::associate_rq(rq));
  c.send_raw(synth::Direction::kClientToServer,
             synth::pack_pdata({1, synth::command_set(synth::c_echo_rq(1)), {}}, 16384));
  c.send_raw(synth::Direction::kServerToClient, synth::associate_ac(synth::accept_all(rq, 16384)));
  c.send_raw(synth::Direction::kClientToServer, synth::Bytes{std::byte{0x09}, std::byte{0}, std::byte{0},
                                                            std::byte{0}, std::byte{0}, std::byte{2},
                                                            std::byte{0}, std::byte{0}});
  rules::RuleSet set;
  ASSERT_TRUE(rules::load_rule_file(std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.rules",
                                    rules::default_vars("[104, 11112]", "[2762]"), set));
  for (const char* line : {
           R"(alert dicom any any -> any any (app-layer-event:ul.*; sid:1;))",
           R"(alert dicom any any -> any any (app-layer-event:dimse.*; sid:2;))",
           R"(alert dicom any any -> any any (flow:to_client; app-layer-event:ul.*; sid:3;))",
       }) {
    set.rules.push_back(*rules::parse_rule(line, rules::default_vars("[104]", "[2762]")).rule);
  }
  Harness h(std::move(set));
  EXPECT_TRUE(h.errors.empty());
  h.run(c);
  EXPECT_EQ(h.anomalies, (std::vector<std::string>{"ul.pdata_before_acceptance", "ul.bad_pdu_header"}));
  // 2100020 (unknown PDU type or impossible length), 2100021 (P-DATA before acceptance), the
  // association's hygiene rules (no user identity, DCMTK 3.6.7), and one hit of the C-ECHO
  // sweep rule 2100010 and one of the promiscuous-acceptor rule 2100025 (hits come before
  // detection_filter, which needs 6 destinations or 4 called AE titles).
  EXPECT_EQ(h.fired, (Fired{{1, 2}, {2100001, 1}, {2100010, 1}, {2100017, 1}, {2100020, 1}, {2100021, 1},
                            {2100025, 1}}));
}

// The default C-FIND burst rule (2100023: more than 30 C-FIND-RQ from one source in 60 s) on a
// synthetic association of 40 queries within a second: hits on all 40, alerts on the 31st to
// the 40th. The same association with 30 queries stays silent.
TEST(RuleEngine, DefaultFindBurstRule) {
  for (const int queries : {40, 30}) {
    rules::RuleSet set;
    ASSERT_TRUE(rules::load_rule_file(std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.rules",
                                      rules::default_vars("[104, 11112]", "[2762]"), set));
    const synth::AssociateRqSpec rq = rq_spec(16384);
    DicomConversation c(rq, synth::accept_all(rq, 16384));
    synth::QuerySpec query;
    query.keys = {{0x00100020, "LO", "PID0001"}, {0x0020000D, "UI", ""}};
    for (int i = 0; i < queries; ++i)
      c.find(5, static_cast<std::uint16_t>(10 + i), synth::uids::kStudyRootFind, query, {});
    c.release();
    Harness h(std::move(set));
    h.with_alerts();
    h.run(c);
    EXPECT_EQ(h.fired[2100023], queries) << queries;
    EXPECT_EQ(h.alerts().count(2100023) ? h.alerts().at(2100023) : 0, queries - 30) << queries;
  }
}

// The default promiscuous-acceptor rule (2100025): one server accepting a fourth distinct
// called AE title within the hour alerts; repeats of known titles do not count.
TEST(RuleEngine, DefaultPromiscuousAcceptorRule) {
  rules::RuleSet set;
  ASSERT_TRUE(rules::load_rule_file(std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.rules",
                                    rules::default_vars("[104, 11112]", "[2762]"), set));
  Harness h(std::move(set));
  h.with_alerts();
  for (const char* called : {"PACS", "ARCHIVE", "PACS", "STORE", "ARCHIVE", "ANYTHING", "X1"}) {
    synth::AssociateRqSpec rq = rq_spec(16384);
    rq.called_ae = called;
    DicomConversation c(rq, synth::accept_all(rq, 16384));
    c.echo(1, 1);
    c.release();
    h.run(c);
  }
  EXPECT_EQ(h.fired[2100025], 7);
  EXPECT_EQ(h.alerts().at(2100025), 2);  // ANYTHING (the 4th distinct title) and X1
}

TEST(RuleEngine, RejectedAssociation) {
  Harness h({
      R"(alert dicom any any -> any any (dicom.assoc_state:rejected; dicom.reject_reason:7; sid:1;))",
      R"(alert dicom any any -> any any (dicom.assoc_state:rejected; dicom.reject_reason:3; sid:2;))",
      R"(alert dicom any any -> any any (dicom.called_ae; content:"PACS"; dicom.reject_reason:!3; sid:3;))",
  });
  DicomConversation c;
  c.reject(rq_spec(16384), 1, 1, 7);
  h.run(c);
  EXPECT_EQ(h.fired, (Fired{{1, 1}, {3, 1}}));
}

TEST(RuleEngine, FlowRulesAtFlowEnd) {
  Harness h({
      R"(alert tcp any any -> any 104 (app-layer-protocol:dicom; sid:30;))",
      R"(alert tcp any any -> any 104 (app-layer-protocol:!dicom; sid:31;))",
      R"(alert tcp any any -> any any (app-layer-protocol:failed; sid:32;))",
      R"(alert dicom any any -> any any (flow:established,to_server; sid:33;))",
  });
  h.run(typical());
  EXPECT_EQ(h.fired, (Fired{{30, 1}, {33, 1}}));
}

// The executable-content signature of the default ruleset's kind, as a content chain and as a
// pcre. The data set is cut into PDVs of every size from 40 to 80 bytes and fed in chunks of
// 1 to 7 bytes, so the 14 matched bytes straddle PDV and segment boundaries in most runs.
TEST(RuleEngine, DatasetStreamingAcrossPdvsAndSegments) {
  const std::vector<std::string> lines = {
      R"(alert dicom any any -> any any (dicom.dataset; content:"|42 00 11 00|"; content:"MZ"; distance:4; within:6; sid:40;))",
      R"(alert dicom any any -> any any (dicom.dataset; pcre:"/\x42\x00\x11\x00(?:OB\x00\x00)?.{4}(?:MZ|\x7fELF)/s"; sid:41;))",
      R"(alert dicom any any -> any any (dicom.dataset; content:"|7f|ELF"; sid:42;))",
      R"(alert dicom any any -> any any (dicom.dataset; content:"MZ"; dicom.sop_class; content:"1.2.840.10008.5.1.4.1.1.2"; sid:43;))",
      R"(alert dicom any any -> any any (dicom.dataset; content:"DOE^JANE"; content:!"MZ"; sid:44;))",
  };
  const std::string pe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + std::string(40, 'A');
  int runs = 0;
  for (std::uint32_t pdu = 40; pdu <= 80; pdu += 3) {
    for (std::size_t chunk = 1; chunk <= 7; chunk += 3) {
      Harness h(lines);
      ASSERT_TRUE(h.errors.empty());
      h.run(store_document(pdu, pe), chunk);
      EXPECT_EQ(h.fired, (Fired{{40, 1}, {41, 1}, {43, 1}})) << "pdu " << pdu << " chunk " << chunk;
      ++runs;
    }
  }
  EXPECT_EQ(runs, 42);
  // A harmless document: only the negated rule fires.
  Harness clean(lines);
  clean.run(store_document(64, "%PDF-1.4 harmless"), 5);
  EXPECT_EQ(clean.fired, (Fired{{44, 1}}));
}

TEST(RuleEngine, PayloadStreamsByDirection) {
  Harness h({
      R"(alert tcp any any -> any 104 (flow:to_server; content:"MODALITY1"; sid:50;))",
      R"(alert tcp any 104 -> any any (flow:to_client; content:"PACS"; sid:51;))",
      R"(alert tcp any any -> any any (content:"NOT-THERE"; sid:52;))",
      R"(alert tcp any any -> any 104 (flow:to_server; content:"PACS"; content:"MODALITY1"; distance:0; within:40; sid:53;))",
  });
  EXPECT_TRUE(h.errors.empty());
  h.run(typical(), 1);
  EXPECT_EQ(h.fired, (Fired{{50, 1}, {51, 1}, {53, 1}}));
}

// `dataset` compares a buffer's whole value with the lines of a file (here DCMTK 3.6.7's
// version name, which the synthetic peers announce on both sides).
TEST(RuleEngine, DatasetsMatchWholeValues) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ds_detect_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "versions.txt") << "# old toolkits\nOFFIS_DCMTK_360\nOFFIS_DCMTK_367\n";
  std::ofstream(dir / "aes.txt") << "MODALITY1\nCT01\n";
  std::ofstream(dir / "partial.txt") << "OFFIS_DCMTK\n";
  rules::RuleSet set;
  rules::load_rule_text(
      "alert dicom any any -> any any (dicom.impl_version; dataset:isset,vers,type string,load versions.txt; sid:70;)\n"
      "alert dicom any any -> any any (dicom.impl_version; dataset:isnotset,vers,type string,load versions.txt; sid:71;)\n"
      "alert dicom any any -> any any (dicom.calling_ae; content:\"MOD\"; dataset:isnotset,aes,type string,load aes.txt; sid:72;)\n"
      "alert dicom any any -> any any (dicom.calling_ae; dataset:isset,aes,type string,load aes.txt; dicom.command:C-ECHO-RQ; sid:73;)\n"
      "alert dicom any any -> any any (dicom.impl_version; dataset:isset,partial,type string,load partial.txt; sid:74;)\n",
      (dir / "test.rules").string(), rules::default_vars("[104]", "[2762]"), set);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(set.errors.empty()) << set.errors.front();
  ASSERT_EQ(set.rules.size(), 5u);
  Harness h(std::move(set));
  EXPECT_TRUE(h.errors.empty());
  h.run(typical());
  EXPECT_EQ(h.fired, (Fired{{70, 1}, {73, 1}}));
}

TEST(RuleEngine, HyperscanRefusalDropsOnlyThatRule) {
  Harness h({
      R"(alert dicom any any -> any any (dicom.calling_ae; pcre:"/(MOD)\1/"; sid:60;))",
      R"(alert dicom any any -> any any (dicom.calling_ae; content:"MODALITY1"; sid:61;))",
      R"(alert tcp any any -> any any (content:!"x"; sid:62;))",
  });
  ASSERT_EQ(h.errors.size(), 2u);
  // The refusal is found by compiling; the other reason before compiling, in the last round.
  EXPECT_EQ(h.errors[0].rfind("sid 60: Hyperscan refused a pattern: ", 0), 0u) << h.errors[0];
  EXPECT_EQ(h.errors[1],
            "sid 62: a negated content or pcre on pkt_data is not supported (streams are matched as they arrive)");
  ASSERT_EQ(h.engine().rules().size(), 1u);
  h.run(typical());
  EXPECT_EQ(h.fired, (Fired{{61, 1}}));
}

TEST(RuleEngine, ThousandsOfRulesCompileIntoOneDatabasePerBuffer) {
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i)
    lines.push_back("alert dicom any any -> any any (dicom.calling_ae; content:\"AE" + std::to_string(i) +
                    "X\"; sid:" + std::to_string(1000 + i) + ";)");
  lines.push_back(R"(alert dicom any any -> any any (dicom.calling_ae; content:"MODALITY"; sid:1;))");
  Harness h(lines);
  EXPECT_TRUE(h.errors.empty());
  EXPECT_EQ(h.engine().rules().size(), 2001u);
  h.run(typical());
  EXPECT_EQ(h.fired, (Fired{{1, 1}}));
}

}  // namespace
}  // namespace dicomsentry::detect
