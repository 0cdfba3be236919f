// PolicySensor on VLAN-tagged synthetic traffic across zones, through the pipeline, the
// application layer and the detection wiring: exact policy alerts, counters and zone matrix.
#include "detect/policy_sensor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "applayer/app_layer.hpp"
#include "dicom_conversation.hpp"
#include "pipeline/detect_sink.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/config.hpp"
#include "synthetic_traffic.hpp"

namespace dicomsentry::detect {
namespace {

using synth::DicomConversation;

// Modalities have no network of their own: their VLAN (30) places them. Workstations are on
// VLAN 40, which no zone names; their network places them.
const char* const kConfig = R"(
zones:
  pacs:         {networks: [10.20.0.0/24]}
  modalities:   {vlans: [30]}
  workstations: {networks: [10.40.0.0/24]}
policy:
  - name: store
    from: modalities
    to: pacs
    called_ae: [PACS]
    sop_classes: [storage, verification]
    ports: [104]
  - name: qr
    from: workstations
    to: pacs
    require_tls: true
    ports: [104, 2762]
)";

struct SeenAlert {
  std::uint32_t gid = 0, sid = 0;
  std::uint8_t severity = 0;
  std::string signature, category, reason, entry, client_zone, server_zone, text, calling_ae;
  std::uint16_t src_port = 0;
};

class Collect final : public AlertSink {
 public:
  void on_alert(const AlertRecord& a) override {
    SeenAlert s;
    s.gid = a.gid;
    s.sid = a.signature_id;
    s.severity = a.severity;
    s.signature = a.signature;
    s.category = a.category;
    if (a.policy != nullptr) {
      s.reason = a.policy->reason;
      s.entry = a.policy->entry;
      s.client_zone = a.policy->client_zone;
      s.server_zone = a.policy->server_zone;
      s.text = a.policy->text;
    }
    if (a.association != nullptr) s.calling_ae = a.association->calling_ae;
    const Flow& f = *a.flow;
    s.src_port = f.client_is_lo ? f.key.lo_port : f.key.hi_port;
    seen.push_back(s);
  }
  std::vector<SeenAlert> seen;
};

class Discard final : public dicom::EventSink, public FlowEndHandler {
 public:
  void on_association(const dicom::AssociationRecord&) override { ++associations; }
  void on_transaction(const dicom::TransactionRecord&) override {}
  void on_anomaly(const dicom::AnomalyRecord&) override {}
  void on_tls(const dicom::TlsRecord&) override {}
  void on_flow_end(Flow&) override { ++flows; }
  int associations = 0;
  int flows = 0;
};

synth::FlowSpec base(IpAddress client, IpAddress server, std::uint16_t client_port,
                     std::uint16_t server_port, std::vector<std::uint16_t> vlans, int order) {
  synth::FlowSpec spec;
  spec.client_ip = client;
  spec.server_ip = server;
  spec.client_port = client_port;
  spec.server_port = server_port;
  spec.vlans = std::move(vlans);
  spec.start_time += static_cast<TimestampNs>(order) * 1'000'000'000;
  return spec;
}

// An association proposing `abstract_syntaxes`, all accepted, one C-ECHO, released.
synth::SyntheticFlow association(synth::FlowSpec spec, const std::string& calling,
                                 const std::string& called,
                                 std::vector<std::string_view> abstract_syntaxes) {
  synth::AssociateRqSpec rq;
  rq.calling_ae = calling;
  rq.called_ae = called;
  std::uint8_t id = 1;
  for (std::string_view as : abstract_syntaxes) {
    rq.contexts.push_back({id, std::string(as), {std::string(synth::uids::kImplicitLittleEndian)}});
    id = static_cast<std::uint8_t>(id + 2);
  }
  DicomConversation c(rq, synth::accept_all(rq));
  c.echo(1, 1).release();
  return synth::make_flow(c.flow_spec(std::move(spec)));
}

synth::SyntheticFlow bytes_flow(synth::FlowSpec spec, std::string_view text) {
  synth::AppMessage m;
  m.direction = synth::Direction::kClientToServer;
  for (char ch : text) m.bytes.push_back(static_cast<std::byte>(ch));
  spec.messages.push_back(std::move(m));
  return synth::make_flow(spec);
}

class PolicySensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const policy::LoadResult r = policy::load_config(kConfig, "test.yaml");
    ASSERT_TRUE(r.ok) << r.error.text();
    config_ = r.config;
  }

  // Runs the flows through decode, flows, reassembly, the app layer and the sensor.
  void run(const std::vector<synth::SyntheticFlow>& flows) {
    checker_ = std::make_unique<policy::PolicyChecker>(config_);
    sensor_ = std::make_unique<PolicySensor>(*checker_, alerts_, std::vector<std::uint16_t>{2762});
    Detectors detectors;
    detectors.policy = sensor_.get();
    DetectEventSink events(detectors, discard_);
    DetectFlowEnd ends(detectors, discard_);
    AppLayer app(AppLayerConfig{}, events);
    Pipeline pipeline(PipelineConfig{}, app, &ends, &app);
    for (const synth::Frame* frame : synth::interleave(flows)) {
      PacketView packet;
      packet.timestamp_ns = frame->ts;
      packet.bytes = ByteView(frame->bytes);
      packet.original_length = static_cast<std::uint32_t>(frame->bytes.size());
      pipeline.process(packet);
    }
    pipeline.finish();
  }

  policy::Config config_;
  std::unique_ptr<policy::PolicyChecker> checker_;
  std::unique_ptr<PolicySensor> sensor_;
  Collect alerts_;
  Discard discard_;
};

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return synth::ipv4_address(a, b, c, d);
}

TEST_F(PolicySensorTest, ZonesByVlanAndNetworkGiveExactAlerts) {
  const IpAddress ct = v4(10, 30, 0, 5), mr = v4(10, 30, 0, 6), pacs = v4(10, 20, 0, 10),
                  ws = v4(10, 40, 0, 7);
  std::vector<synth::SyntheticFlow> flows;
  // 1. CT (VLAN 30) stores to PACS as `store` allows.
  flows.push_back(association(base(ct, pacs, 50001, 104, {30}, 0), "CT1", "PACS",
                              {synth::uids::kVerification, synth::uids::kCtImageStorage}));
  // 2. MR (VLAN 30) calls an AE title `store` does not allow.
  flows.push_back(association(base(mr, pacs, 50002, 104, {30}, 1), "MR1", "ARCHIVE",
                              {synth::uids::kVerification}));
  // 3. A workstation (VLAN 40) associates in plaintext; `qr` requires TLS.
  flows.push_back(association(base(ws, pacs, 50003, 104, {40}, 2), "WS1", "PACS",
                              {synth::uids::kVerification}));
  // 4. HTTP on the DICOM port from the workstation: not DICOM.
  flows.push_back(
      bytes_flow(base(ws, pacs, 50004, 104, {40}, 3), "GET / HTTP/1.1\r\nHost: pacs\r\n\r\n"));
  // 5. The PACS opens an association to the workstation: no entry allows pacs -> workstations.
  flows.push_back(association(base(pacs, ws, 50005, 11112, {40}, 4), "PACS", "WS1",
                              {synth::uids::kCtImageStorage}));
  // 6. A modality talks to a workstation's web port: no entry.
  flows.push_back(bytes_flow(base(v4(10, 99, 0, 1), ws, 50006, 443, {30}, 5), "hello"));
  // 7. Two unzoned hosts: not under the policy.
  flows.push_back(association(base(v4(192, 168, 1, 1), v4(192, 168, 1, 2), 50007, 104, {}, 6), "A",
                              "B", {synth::uids::kVerification}));
  run(flows);

  ASSERT_EQ(alerts_.seen.size(), 5u);
  const auto expect = [&](std::size_t i, std::uint16_t src_port, std::uint32_t sid,
                          std::uint8_t severity, const char* reason, const char* entry,
                          const char* client_zone, const char* server_zone, const char* text) {
    SCOPED_TRACE(i);
    const SeenAlert& a = alerts_.seen[i];
    EXPECT_EQ(a.src_port, src_port);
    EXPECT_EQ(a.gid, 2u);
    EXPECT_EQ(a.sid, sid);
    EXPECT_EQ(a.severity, severity);
    EXPECT_EQ(a.category, "Segmentation policy violation");
    EXPECT_EQ(a.reason, reason);
    EXPECT_EQ(a.entry, entry);
    EXPECT_EQ(a.client_zone, client_zone);
    EXPECT_EQ(a.server_zone, server_zone);
    EXPECT_EQ(a.text, text);
  };
  // In the order the app layer reports: flows end at the end of input, in table order, so
  // compare by source port.
  std::sort(alerts_.seen.begin(), alerts_.seen.end(),
            [](const SeenAlert& a, const SeenAlert& b) { return a.src_port < b.src_port; });
  expect(0, 50002, 7, 1, "called_ae", "store", "modalities", "pacs",
         "called AE title 'ARCHIVE' is not allowed by policy entry 'store'");
  EXPECT_EQ(alerts_.seen[0].calling_ae, "MR1");
  EXPECT_EQ(alerts_.seen[0].signature,
            "dicomsentry policy: called AE title not allowed by the policy entry");
  expect(1, 50003, 5, 2, "plaintext", "qr", "workstations", "pacs",
         "policy entry 'qr' requires TLS and the association was in plaintext");
  expect(2, 50004, 4, 1, "not_dicom", "qr", "workstations", "pacs",
         "policy entry 'qr' allows only DICOM and this flow is not DICOM");
  EXPECT_EQ(alerts_.seen[2].calling_ae, "");  // a flow alert has no association
  expect(3, 50005, 2, 1, "no_entry", "", "pacs", "workstations",
         "no policy entry allows pacs -> workstations");
  expect(4, 50006, 2, 1, "no_entry", "", "modalities", "workstations",
         "no policy entry allows modalities -> workstations");

  const PolicySensorCounters& c = sensor_->counters();
  EXPECT_EQ(c.evaluated, 7u);
  EXPECT_EQ(c.checked, 6u);
  EXPECT_EQ(c.allowed, 1u);
  EXPECT_EQ(c.violations, 5u);
  EXPECT_EQ(c.skipped_midstream, 0u);
  std::array<std::uint64_t, kPolicyReasons> by_reason{};
  by_reason[static_cast<std::size_t>(policy::PolicyReason::kNoEntry)] = 2;
  by_reason[static_cast<std::size_t>(policy::PolicyReason::kNotDicom)] = 1;
  by_reason[static_cast<std::size_t>(policy::PolicyReason::kPlaintext)] = 1;
  by_reason[static_cast<std::size_t>(policy::PolicyReason::kCalledAe)] = 1;
  EXPECT_EQ(c.by_reason, by_reason);
  EXPECT_EQ(discard_.associations, 5);
  EXPECT_EQ(discard_.flows, 7);

  const std::vector<ZonePairSummary> rows = sensor_->summary();
  ASSERT_EQ(rows.size(), 5u);
  const auto row = [&](std::size_t i, const char* from, const char* to, std::uint64_t flows_seen,
                       std::uint64_t associations, std::uint64_t violations, bool governed,
                       bool allowed) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i].client_zone, from);
    EXPECT_EQ(rows[i].server_zone, to);
    EXPECT_EQ(rows[i].flows, flows_seen);
    EXPECT_EQ(rows[i].associations, associations);
    EXPECT_EQ(rows[i].violations, violations);
    EXPECT_EQ(rows[i].governed, governed);
    EXPECT_EQ(rows[i].allowed, allowed);
  };
  row(0, "pacs", "workstations", 0, 1, 1, true, false);
  row(1, "modalities", "pacs", 0, 2, 1, true, true);
  row(2, "modalities", "workstations", 1, 0, 1, true, false);
  row(3, "workstations", "pacs", 1, 1, 2, true, true);
  row(4, "unzoned", "unzoned", 0, 1, 0, false, true);
}

TEST_F(PolicySensorTest, TlsOnTheDicomTlsPortMeetsRequireTls) {
  // A ClientHello's record header is enough for the app layer to call the flow TLS.
  const IpAddress ws = v4(10, 40, 0, 7), pacs = v4(10, 20, 0, 10);
  synth::FlowSpec spec = base(ws, pacs, 50010, 2762, {40}, 0);
  synth::AppMessage hello;
  hello.direction = synth::Direction::kClientToServer;
  for (int b : {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00}) {
    hello.bytes.push_back(static_cast<std::byte>(b));
  }
  spec.messages.push_back(hello);
  // The same bytes on port 443, which `qr` does not list.
  synth::FlowSpec other = base(ws, pacs, 50011, 443, {40}, 1);
  other.messages.push_back(hello);
  run({synth::make_flow(spec), synth::make_flow(other)});
  ASSERT_EQ(alerts_.seen.size(), 1u);
  EXPECT_EQ(alerts_.seen[0].src_port, 50011);
  EXPECT_EQ(alerts_.seen[0].reason, "port");
  EXPECT_EQ(alerts_.seen[0].sid, 3u);
  EXPECT_EQ(sensor_->counters().allowed, 1u);
  const std::vector<ZonePairSummary> rows = sensor_->summary();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].flows, 2u);
  EXPECT_EQ(rows[0].associations, 0u);
}

TEST(PolicySignatures, IdsSeveritiesAndTexts) {
  using policy::PolicyReason;
  EXPECT_EQ(policy_signature_id(PolicyReason::kNoEntry), 2u);
  EXPECT_EQ(policy_signature_id(PolicyReason::kSopClass), 9u);
  EXPECT_EQ(policy_severity(PolicyReason::kPlaintext), 2);
  EXPECT_EQ(policy_severity(PolicyReason::kNoUserIdentity), 2);
  EXPECT_EQ(policy_severity(PolicyReason::kSopClass), 1);
  EXPECT_EQ(policy_signature(PolicyReason::kNoEntry),
            "dicomsentry policy: traffic between zones that no policy entry allows");
  EXPECT_EQ(policy_signature(PolicyReason::kCount), "dicomsentry policy: violation");
}

}  // namespace
}  // namespace dicomsentry::detect
