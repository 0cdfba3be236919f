// Bytes on a DICOM port that are not DICOM: the flow is `failed`, one anomaly names what the
// bytes look like, and nothing else is parsed or allocated for it.
#include <gtest/gtest.h>

#include <string>

#include "app_test_util.hpp"
#include "stream_feeder.hpp"

namespace dicomsentry::testing {
namespace {

Flow dicom_port_flow(std::uint16_t server_port, bool midstream = false) {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_port = server_port;
  flow.key.hi_port = 50000;
  flow.client_is_lo = 0;
  flow.midstream = midstream ? 1 : 0;
  return flow;
}

ByteView bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct Case {
  std::string first_bytes;
  std::string message_suffix;
};

class ForeignBytesTest : public ::testing::TestWithParam<Case> {};

TEST_P(ForeignBytesTest, FlowFailsWithOneAnomalyNamingTheKind) {
  RecordingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  Flow flow = dicom_port_flow(104);
  StreamFeeder feeder(app, flow);
  feeder.feed(Direction::kToServer, bytes_of(GetParam().first_bytes), 1);
  feeder.feed(Direction::kToServer, bytes_of(std::string(5000, '\x01')), 2);  // ignored after
  feeder.feed(Direction::kToClient, bytes_of("HTTP/1.1 400 Bad Request\r\n"), 3);
  EXPECT_EQ(flow.app_proto, AppProto::kFailed);
  EXPECT_EQ(app.sessions_in_use(), 0u);
  app.on_flow_end(flow);
  EXPECT_EQ(app.counters().flows_failed, 1u);
  EXPECT_EQ(app.counters().flows_dicom, 0u);
  EXPECT_TRUE(sink.associations.empty());
  ASSERT_EQ(sink.anomalies.size(), 1u);
  EXPECT_EQ(sink.anomalies[0].layer, "app");
  EXPECT_EQ(sink.anomalies[0].name, "app.not_dicom");
  EXPECT_TRUE(sink.anomalies[0].message.find(GetParam().message_suffix) != std::string::npos)
      << sink.anomalies[0].message;
  EXPECT_EQ(feeder.stalls(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Kinds, ForeignBytesTest,
                         ::testing::Values(Case{"GET / HTTP/1.1\r\nHost: pacs\r\n\r\n", "an HTTP request"},
                                           Case{"SSH-2.0-OpenSSH_9.2\r\n", "an SSH banner"},
                                           Case{"hello there, are you a PACS?\n", "printable text"},
                                           Case{std::string("\x00\x00\x00\x10\xff\xfe", 6), "binary bytes"}));

TEST(ForeignBytes, KindsAreClassified) {
  EXPECT_EQ(classify_foreign_bytes(bytes_of("GET /wado HTTP/1.1")), ForeignKind::kHttp);
  EXPECT_EQ(classify_foreign_bytes(bytes_of("HTTP/1.0 200 OK")), ForeignKind::kHttp);
  EXPECT_EQ(classify_foreign_bytes(bytes_of("SSH-2.0-x")), ForeignKind::kSsh);
  EXPECT_EQ(classify_foreign_bytes(bytes_of(std::string("\x16\x03\x01\x00\x10", 5))), ForeignKind::kTls);
  EXPECT_EQ(classify_foreign_bytes(bytes_of("just words")), ForeignKind::kText);
  EXPECT_EQ(classify_foreign_bytes(bytes_of(std::string("\x08\x00\x00\x00", 4))), ForeignKind::kBinary);
  EXPECT_EQ(foreign_kind_name(ForeignKind::kHttp), "http");
}

TEST(ForeignBytes, ServerSpeakingFirstOnADicomPortFails) {
  RecordingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  Flow flow = dicom_port_flow(11112);
  StreamFeeder feeder(app, flow);
  feeder.feed(Direction::kToClient, bytes_of("220 ftp.example ready\r\n"), 1);
  EXPECT_EQ(flow.app_proto, AppProto::kFailed);
  app.on_flow_end(flow);
  ASSERT_EQ(sink.anomalies.size(), 1u);
}

TEST(ForeignBytes, OtherPortsAreLeftAloneWithoutState) {
  RecordingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  Flow flow = dicom_port_flow(8080);
  StreamFeeder feeder(app, flow);
  feeder.feed(Direction::kToServer, bytes_of("GET / HTTP/1.1\r\n\r\n"), 1);
  EXPECT_EQ(flow.app_proto, AppProto::kUnknown);
  EXPECT_EQ(app.sessions_in_use(), 0u);
  app.on_flow_end(flow);
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(app.counters().flows_failed, 0u);
}

TEST(ForeignBytes, AShortFirstSegmentIsJudgedWhenTheHeaderIsComplete) {
  // Two bytes of a PDU header, then the rest: the decision waits for six bytes.
  RecordingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  Flow flow = dicom_port_flow(104);
  StreamFeeder feeder(app, flow);
  feeder.feed(Direction::kToServer, bytes_of(std::string("\x07\x00", 2)), 1);
  EXPECT_EQ(flow.app_proto, AppProto::kUnknown);
  feeder.feed(Direction::kToServer, bytes_of(std::string("\x00\x00\x00\x04\x00\x00\x00\x00", 8)), 2);
  EXPECT_EQ(flow.app_proto, AppProto::kDicom);  // an A-ABORT: DICOM, however short
  app.on_flow_end(flow);
  ASSERT_EQ(sink.associations.size(), 1u);
  EXPECT_EQ(sink.associations[0].record.state, dicom::AssociationState::kAborted);
  EXPECT_EQ(feeder.stalls(), 0u);
}

}  // namespace
}  // namespace dicomsentry::testing
