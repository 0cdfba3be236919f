// The application layer's memcap and its pool of free sessions: a flow that would pass the
// memcap is refused (never parsed, counted, one anomaly), memory in use returns to zero when
// flows end, and a burst of flows does not keep more free sessions than the limit.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "app_test_util.hpp"
#include "dicom_conversation.hpp"
#include "stream_feeder.hpp"

namespace dicomsentry::testing {
namespace {

using synth::DicomConversation;

std::unique_ptr<Flow> dicom_flow(std::uint16_t client_port) {
  auto flow = std::make_unique<Flow>();
  flow->key.ip_version = 4;
  flow->key.ip_proto = 6;
  flow->key.lo_port = 104;
  flow->key.hi_port = client_port;
  flow->client_is_lo = 0;
  return flow;
}

synth::AssociateRqSpec echo_rq() {
  synth::AssociateRqSpec rq;
  rq.contexts = {{1, std::string(synth::uids::kVerification),
                  {std::string(synth::uids::kImplicitLittleEndian)}}};
  return rq;
}

// A-ASSOCIATE-RQ and -AC on `flow`: the association is open when this returns.
void open_association(AppLayer& app, Flow& flow, TimestampNs ts) {
  const synth::AssociateRqSpec rq = echo_rq();
  DicomConversation c(rq, synth::accept_all(rq));
  StreamFeeder feeder(app, flow);
  for (const auto& m : c.messages()) {
    const Direction d = m.direction == synth::Direction::kClientToServer ? Direction::kToServer
                                                                         : Direction::kToClient;
    feeder.feed(d, ByteView(m.bytes), ts);
  }
}

std::vector<std::uint16_t> association_ports(const RecordingSink& sink) {
  std::vector<std::uint16_t> ports;
  for (const SeenAssociation& a : sink.associations) ports.push_back(a.client_port);
  return ports;
}

TEST(AppLayerMemcap, FlowPastTheMemcapIsRefusedAndTheRestParsed) {
  constexpr std::uint64_t kSessions = 3;
  const std::uint64_t charge = AppLayer::session_charge();
  AppLayerConfig config;
  config.memcap_bytes = kSessions * charge;
  RecordingSink sink;
  AppLayer app(config, sink);
  std::vector<std::unique_ptr<Flow>> flows;
  for (std::uint16_t i = 0; i < kSessions + 1; ++i) {
    flows.push_back(dicom_flow(static_cast<std::uint16_t>(50001 + i)));
    open_association(app, *flows.back(), 1'000'000'000 + i);
  }
  EXPECT_EQ(app.counters().memcap_refused, 1u);
  EXPECT_EQ(app.counters().flows_dicom, 4u);
  EXPECT_EQ(app.counters().sessions_in_use, 3u);
  EXPECT_EQ(app.sessions_in_use(), 3u);
  EXPECT_EQ(app.counters().memuse, 3 * charge);
  EXPECT_EQ(app.counters().memuse_high_water, 3 * charge);
  EXPECT_EQ(app.counters().memcap, 3 * charge);
  // The refused flow keeps the protocol it was detected as, and says why it is not parsed.
  EXPECT_EQ(flows[3]->app_proto, AppProto::kDicom);
  ASSERT_EQ(sink.anomalies.size(), 1u);
  EXPECT_EQ(sink.anomalies[0].layer, "app");
  EXPECT_EQ(sink.anomalies[0].name, "app.memcap");
  EXPECT_EQ(sink.anomalies[0].client_port, 50004);

  for (auto& flow : flows) app.on_flow_end(*flow);
  EXPECT_EQ(association_ports(sink), (std::vector<std::uint16_t>{50001, 50002, 50003}));
  EXPECT_EQ(app.counters().sessions_in_use, 0u);
  EXPECT_EQ(app.counters().memuse, 0u);
  EXPECT_EQ(app.counters().memuse_high_water, 3 * charge);

  // Room again: a new flow is parsed.
  auto later = dicom_flow(50005);
  open_association(app, *later, 2'000'000'000);
  EXPECT_EQ(app.counters().memuse, charge);
  app.on_flow_end(*later);
  EXPECT_EQ(association_ports(sink), (std::vector<std::uint16_t>{50001, 50002, 50003, 50005}));
  EXPECT_EQ(app.counters().memcap_refused, 1u);
  EXPECT_EQ(app.counters().memuse, 0u);
  EXPECT_EQ(sink.anomalies.size(), 1u);
}

TEST(AppLayerMemcap, MemcapBelowOneSessionRefusesEveryFlow) {
  AppLayerConfig config;
  config.memcap_bytes = AppLayer::session_charge() - 1;
  RecordingSink sink;
  AppLayer app(config, sink);
  auto flow = dicom_flow(50001);
  open_association(app, *flow, 1'000'000'000);
  app.on_flow_end(*flow);
  EXPECT_EQ(app.counters().memcap_refused, 1u);
  EXPECT_EQ(app.counters().memuse_high_water, 0u);
  EXPECT_EQ(sink.associations.size(), 0u);
  EXPECT_EQ(sink.anomalies.size(), 1u);
}

TEST(AppLayerMemcap, RefusedTlsFlowIsNotParsed) {
  AppLayerConfig config;
  config.memcap_bytes = 0;
  RecordingSink sink;
  const CaptureRun run = run_capture(pcap_path("tls.pcap"), config, sink);
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.counters.flows_tls, 1u);
  EXPECT_EQ(run.counters.memcap_refused, 1u);
  EXPECT_EQ(run.counters.memuse_high_water, 0u);
  EXPECT_EQ(run.sessions_in_use_after, 0u);
  EXPECT_EQ(sink.tls.size(), 0u);
  ASSERT_EQ(sink.anomalies.size(), 1u);
  EXPECT_EQ(sink.anomalies[0].name, "app.memcap");
}

// The pool keeps what the recent peak needs: a burst's sessions stay free while it is recent
// (steady traffic never destroys and rebuilds sessions), and once two spans of acquisitions
// have passed with one association at a time, only the floor is kept.
TEST(AppLayerPool, FreeSessionsFollowTheRecentPeakDownToTheFloor) {
  constexpr std::uint16_t kBurst = 10;
  AppLayerConfig config;
  config.max_free_sessions = 4;
  config.pool_span = 8;
  RecordingSink sink;
  AppLayer app(config, sink);
  std::vector<std::unique_ptr<Flow>> flows;
  for (std::uint16_t i = 0; i < kBurst; ++i) {
    flows.push_back(dicom_flow(static_cast<std::uint16_t>(50001 + i)));
    open_association(app, *flows.back(), 1'000'000'000 + i);
  }
  EXPECT_EQ(app.counters().sessions_in_use, 10u);
  EXPECT_EQ(app.sessions_free(), 0u);
  for (auto& flow : flows) app.on_flow_end(*flow);
  EXPECT_EQ(sink.associations.size(), 10u);
  EXPECT_EQ(app.counters().sessions_in_use, 0u);
  EXPECT_EQ(app.sessions_free(), 10u);  // the peak is recent: all kept
  EXPECT_EQ(app.counters().sessions_free, 10u);
  EXPECT_EQ(app.counters().memuse, 0u);
  EXPECT_EQ(app.counters().memuse_high_water, 10 * AppLayer::session_charge());

  // One association at a time, each served by a kept session.
  const auto one_at_a_time = [&](int count, std::uint16_t first_port) {
    for (int i = 0; i < count; ++i) {
      auto flow = dicom_flow(static_cast<std::uint16_t>(first_port + i));
      open_association(app, *flow, 3'000'000'000 + i);
      EXPECT_EQ(app.counters().sessions_in_use, 1u);
      app.on_flow_end(*flow);
    }
  };
  one_at_a_time(6, 51001);  // a span ends, the burst is still the span before: 10 kept
  EXPECT_EQ(app.sessions_free(), 10u);
  one_at_a_time(8, 52001);  // the next span ends with a peak of 1: the floor
  EXPECT_EQ(app.sessions_free(), 4u);
  EXPECT_EQ(app.counters().sessions_free, 4u);
  one_at_a_time(20, 53001);
  EXPECT_EQ(app.sessions_free(), 4u);
  EXPECT_EQ(sink.associations.size(), 44u);
  EXPECT_EQ(app.counters().memuse, 0u);
}

}  // namespace
}  // namespace dicomsentry::testing
