// A pooled session serves one association after another and keeps its records' buffers
// (context summaries, transfer syntax lists) for the next: each association's record must
// still hold exactly its own contexts, whether the one before had more, fewer or none.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app_test_util.hpp"
#include "dicom_conversation.hpp"
#include "stream_feeder.hpp"

namespace dicomsentry::testing {
namespace {

using synth::DicomConversation;

Flow dicom_flow(std::uint16_t client_port) {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_port = 104;
  flow.key.hi_port = client_port;
  flow.client_is_lo = 0;
  return flow;
}

std::string s(std::string_view v) {
  return std::string(v);
}

// Feeds one whole association (RQ, AC, release) on its own flow, then ends the flow.
void run_association(AppLayer& app, const synth::AssociateRqSpec& rq, std::uint16_t port,
                     TimestampNs ts) {
  DicomConversation c(rq, synth::accept_all(rq));
  c.release();
  Flow flow = dicom_flow(port);
  StreamFeeder feeder(app, flow);
  for (const auto& m : c.messages()) {
    const Direction d = m.direction == synth::Direction::kClientToServer ? Direction::kToServer
                                                                         : Direction::kToClient;
    feeder.feed(d, ByteView(m.bytes), ts);
    ts += 1000;
  }
  app.on_flow_end(flow);
}

synth::AssociateRqSpec three_contexts() {
  synth::AssociateRqSpec rq;
  rq.contexts = {{1,
                  s(synth::uids::kCtImageStorage),
                  {s(synth::uids::kJpegLossless), s(synth::uids::kExplicitLittleEndian),
                   s(synth::uids::kImplicitLittleEndian)}},
                 {3, s(synth::uids::kMrImageStorage), {s(synth::uids::kExplicitLittleEndian)}},
                 {5,
                  s(synth::uids::kDigitalXRayStorage),
                  {s(synth::uids::kExplicitLittleEndian), s(synth::uids::kImplicitLittleEndian)}}};
  return rq;
}

synth::AssociateRqSpec one_context() {
  synth::AssociateRqSpec rq;
  rq.contexts = {{7, s(synth::uids::kVerification), {s(synth::uids::kImplicitLittleEndian)}}};
  return rq;
}

synth::AssociateRqSpec four_contexts() {
  synth::AssociateRqSpec rq;
  rq.contexts = {
      {1, s(synth::uids::kStudyRootFind), {s(synth::uids::kImplicitLittleEndian)}},
      {3,
       s(synth::uids::kStudyRootMove),
       {s(synth::uids::kExplicitLittleEndian), s(synth::uids::kImplicitLittleEndian)}},
      {5,
       s(synth::uids::kStudyRootGet),
       {s(synth::uids::kJpegLossless), s(synth::uids::kExplicitLittleEndian),
        s(synth::uids::kImplicitLittleEndian), s(synth::uids::kExplicitLittleEndian)}},
      {9, s(synth::uids::kModalityWorklistFind), {s(synth::uids::kExplicitLittleEndian)}}};
  return rq;
}

// The record's contexts, as "id abstract [proposed,...] -> accepted".
std::vector<std::string> describe(const dicom::AssociationRecord& a) {
  std::vector<std::string> out;
  for (const dicom::ContextSummary& c : a.contexts) {
    std::string line = std::to_string(c.id) + " " + c.abstract_syntax + " [";
    for (std::size_t i = 0; i < c.proposed_transfer_syntaxes.size(); ++i) {
      line += (i == 0 ? "" : ",") + c.proposed_transfer_syntaxes[i];
    }
    line += "] -> " + c.accepted_transfer_syntax;
    out.push_back(line);
  }
  return out;
}

TEST(SessionReuse, EachAssociationHasExactlyItsOwnContexts) {
  RecordingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  run_association(app, three_contexts(), 50001, 1'000'000'000);
  run_association(app, one_context(), 50002, 2'000'000'000);
  run_association(app, four_contexts(), 50003, 3'000'000'000);
  run_association(app, three_contexts(), 50004, 4'000'000'000);
  EXPECT_EQ(app.sessions_in_use(), 0u);
  ASSERT_EQ(sink.associations.size(), 4u);
  const std::vector<std::string> three = {
      "1 1.2.840.10008.5.1.4.1.1.2 [1.2.840.10008.1.2.4.70,1.2.840.10008.1.2.1,"
      "1.2.840.10008.1.2] -> 1.2.840.10008.1.2.4.70",
      "3 1.2.840.10008.5.1.4.1.1.4 [1.2.840.10008.1.2.1] -> 1.2.840.10008.1.2.1",
      "5 1.2.840.10008.5.1.4.1.1.1.1 [1.2.840.10008.1.2.1,1.2.840.10008.1.2] -> "
      "1.2.840.10008.1.2.1"};
  EXPECT_EQ(describe(sink.associations[0].record), three);
  EXPECT_EQ(
      describe(sink.associations[1].record),
      std::vector<std::string>{"7 1.2.840.10008.1.1 [1.2.840.10008.1.2] -> 1.2.840.10008.1.2"});
  EXPECT_EQ(describe(sink.associations[2].record),
            (std::vector<std::string>{
                "1 1.2.840.10008.5.1.4.1.2.2.1 [1.2.840.10008.1.2] -> 1.2.840.10008.1.2",
                "3 1.2.840.10008.5.1.4.1.2.2.2 [1.2.840.10008.1.2.1,1.2.840.10008.1.2] -> "
                "1.2.840.10008.1.2.1",
                "5 1.2.840.10008.5.1.4.1.2.2.3 [1.2.840.10008.1.2.4.70,1.2.840.10008.1.2.1,"
                "1.2.840.10008.1.2,1.2.840.10008.1.2.1] -> 1.2.840.10008.1.2.4.70",
                "9 1.2.840.10008.5.1.4.31 [1.2.840.10008.1.2.1] -> 1.2.840.10008.1.2.1"}));
  EXPECT_EQ(describe(sink.associations[3].record), three);
  for (const SeenAssociation& a : sink.associations) {
    EXPECT_EQ(a.record.state, dicom::AssociationState::kReleased);
    EXPECT_EQ(a.record.calling_ae, "STORESCU");
    EXPECT_EQ(a.record.called_ae, "STORESCP");
    EXPECT_EQ(a.record.anomalies, 0u);
    EXPECT_EQ(a.record.requestor.pdus, 2u);  // RQ and release RQ
    EXPECT_EQ(a.record.acceptor.pdus, 2u);   // AC and release RP
  }
  EXPECT_EQ(sink.associations[1].record.contexts_proposed, 1u);
  EXPECT_EQ(sink.associations[2].record.contexts_proposed, 4u);
}

}  // namespace
}  // namespace dicomsentry::testing
