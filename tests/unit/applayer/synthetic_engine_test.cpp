// The DICOM engine on synthetic associations, for what real peers cannot be made to do:
// every message split at every byte, tiny PDUs fragmenting commands, asynchronous operations
// answered out of order, protocol violations, garbage and truncation at every position.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app_test_util.hpp"
#include "dicom/dimse_names.hpp"
#include "dicom_conversation.hpp"
#include "stream_feeder.hpp"

namespace dicomsentry::testing {
namespace {

using synth::DicomConversation;

Direction to_engine(synth::Direction d) {
  return d == synth::Direction::kClientToServer ? Direction::kToServer : Direction::kToClient;
}

Flow dicom_flow() {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_port = 104;
  flow.key.hi_port = 50000;
  flow.client_is_lo = 0;
  return flow;
}

synth::AssociateRqSpec rq_spec(std::uint32_t max_pdu) {
  synth::AssociateRqSpec rq;
  rq.calling_ae = "MODALITY1";
  rq.called_ae = "PACS";
  rq.contexts = {{1, std::string(synth::uids::kVerification), {std::string(synth::uids::kImplicitLittleEndian)}},
                 {3, std::string(synth::uids::kCtImageStorage),
                  {std::string(synth::uids::kExplicitLittleEndian), std::string(synth::uids::kImplicitLittleEndian)}},
                 {5, std::string(synth::uids::kStudyRootFind), {std::string(synth::uids::kExplicitLittleEndian)}}};
  rq.user_info.max_length = max_pdu;
  return rq;
}

// An echo, a store of a small CT image, a find with two matches, then release.
DicomConversation typical(std::uint32_t max_pdu) {
  const synth::AssociateRqSpec rq = rq_spec(max_pdu);
  DicomConversation c(rq, synth::accept_all(rq, max_pdu));
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

struct Outcome {
  RecordingSink sink;
  std::uint64_t stalls = 0;
  std::size_t sessions_left = 0;
};

// Feeds the conversation message by message; message `split_message` is cut at `split_at`.
void run(const DicomConversation& c, Outcome& out, std::size_t split_message = SIZE_MAX,
         std::size_t split_at = 0) {
  AppLayer app(AppLayerConfig{}, out.sink);
  Flow flow = dicom_flow();
  StreamFeeder feeder(app, flow);
  TimestampNs ts = 1'000'000'000;
  const auto& messages = c.messages();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Direction d = to_engine(messages[i].direction);
    const ByteView bytes(messages[i].bytes);
    if (i == split_message) {
      feeder.feed(d, bytes.first(split_at), ts);
      feeder.feed(d, bytes.subspan(split_at), ts + 1);
    } else {
      feeder.feed(d, bytes, ts);
    }
    ts += 1000;
  }
  app.on_flow_end(flow);
  out.stalls = feeder.stalls();
  out.sessions_left = app.sessions_in_use();
}

void expect_typical(const Outcome& o) {
  ASSERT_EQ(o.stalls, 0u);
  ASSERT_EQ(o.sessions_left, 0u);
  ASSERT_EQ(o.sink.associations.size(), 1u);
  const dicom::AssociationRecord& a = o.sink.associations[0].record;
  EXPECT_EQ(a.calling_ae, "MODALITY1");
  EXPECT_EQ(a.called_ae, "PACS");
  EXPECT_EQ(a.state, dicom::AssociationState::kReleased);
  EXPECT_EQ(a.contexts.size(), 3u);
  EXPECT_EQ(a.anomalies, 0u);
  EXPECT_EQ(a.transactions, 3u);
  EXPECT_EQ(a.requests[static_cast<std::size_t>(dicom::CommandKind::kCEcho)], 1u);
  EXPECT_EQ(a.requests[static_cast<std::size_t>(dicom::CommandKind::kCStore)], 1u);
  EXPECT_EQ(a.requests[static_cast<std::size_t>(dicom::CommandKind::kCFind)], 1u);
  ASSERT_EQ(o.sink.transactions.size(), 3u);
  const auto& echo = o.sink.transactions[0].record;
  EXPECT_EQ(echo.command, dicom::CommandField::kCEchoRq);
  EXPECT_EQ(echo.message_id, 1);
  EXPECT_TRUE(echo.has_response);
  const auto& store = o.sink.transactions[1].record;
  EXPECT_EQ(store.command, dicom::CommandField::kCStoreRq);
  EXPECT_EQ(store.sop_instance_uid, "1.2.826.0.1.3680043.9.7433.1.1");
  EXPECT_EQ(store.transfer_syntax, synth::uids::kExplicitLittleEndian);
  synth::ImageSpec image;
  image.rows = 16;
  image.columns = 16;
  EXPECT_EQ(store.request_data_set_bytes, synth::image_data_set(image).size());
  EXPECT_FALSE(store.request_data_set_gap);
  const auto& find = o.sink.transactions[2].record;
  EXPECT_EQ(find.command, dicom::CommandField::kCFindRq);
  EXPECT_EQ(find.pending_responses, 2u);
  EXPECT_EQ(find.status, 0);
  EXPECT_GT(find.response_data_set_bytes, 0u);
  EXPECT_TRUE(o.sink.anomalies.empty());
}

TEST(SyntheticEngine, TypicalAssociation) {
  Outcome o;
  run(typical(16384), o);
  expect_typical(o);
}

TEST(SyntheticEngine, EveryMessageSplitAtEveryByte) {
  const DicomConversation c = typical(16384);
  for (std::size_t m = 0; m < c.messages().size(); ++m) {
    const std::size_t size = c.messages()[m].bytes.size();
    for (std::size_t k = 1; k < size; ++k) {
      Outcome o;
      run(c, o, m, k);
      SCOPED_TRACE("message " + std::to_string(m) + " split at " + std::to_string(k));
      expect_typical(o);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(SyntheticEngine, TinyPdusFragmentCommandsAndDataSets) {
  // A 64-byte maximum: every command set spans several PDVs, the image many.
  for (std::uint32_t max_pdu : {64u, 100u, 257u, 1024u, 0u}) {
    Outcome o;
    run(typical(max_pdu), o);
    SCOPED_TRACE("max PDU " + std::to_string(max_pdu));
    expect_typical(o);
  }
}

TEST(SyntheticEngine, TinyPdusSplitAtEveryByteOfTheStore) {
  const DicomConversation c = typical(64);
  const std::size_t store_message = 4;  // RQ, AC, echo RQ, echo RSP, store RQ
  ASSERT_EQ(c.messages()[store_message].direction, synth::Direction::kClientToServer);
  for (std::size_t k = 1; k < c.messages()[store_message].bytes.size(); k += 7) {
    Outcome o;
    run(c, o, store_message, k);
    SCOPED_TRACE("split at " + std::to_string(k));
    expect_typical(o);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(SyntheticEngine, AsynchronousOperationsAnsweredOutOfOrder) {
  synth::AssociateRqSpec rq = rq_spec(16384);
  rq.user_info.async_window = synth::AsyncWindowSpec{3, 3};
  synth::AssociateAcSpec ac = synth::accept_all(rq);
  ac.user_info.async_window = synth::AsyncWindowSpec{3, 3};
  DicomConversation c(rq, ac);
  c.request(synth::dimse(1, synth::c_echo_rq(7)));
  c.request(synth::dimse(1, synth::c_echo_rq(8)));
  c.request(synth::dimse(1, synth::c_echo_rq(9)));
  c.respond(synth::dimse(1, synth::c_echo_rsp(9)));
  c.respond(synth::dimse(1, synth::c_echo_rsp(7, 0x0110)));
  c.respond(synth::dimse(1, synth::c_echo_rsp(8)));
  c.release();
  Outcome o;
  run(c, o);
  ASSERT_EQ(o.sink.transactions.size(), 3u);
  // Reported as answered: 9, 7, 8; each paired with its own response.
  EXPECT_EQ(o.sink.transactions[0].record.message_id, 9);
  EXPECT_EQ(o.sink.transactions[1].record.message_id, 7);
  EXPECT_EQ(o.sink.transactions[1].record.status, 0x0110);
  EXPECT_EQ(o.sink.transactions[2].record.message_id, 8);
  EXPECT_EQ(o.sink.transactions[2].record.status, 0);
  ASSERT_EQ(o.sink.associations.size(), 1u);
  EXPECT_TRUE(o.sink.associations[0].record.requestor.has_async_window);
  EXPECT_EQ(o.sink.associations[0].record.requestor.max_operations_invoked, 3);
  EXPECT_TRUE(o.sink.anomalies.empty());
}

TEST(SyntheticEngine, UnansweredRequestsAreReportedAtTheEnd) {
  const synth::AssociateRqSpec rq = rq_spec(16384);
  DicomConversation c(rq, synth::accept_all(rq));
  c.request(synth::dimse(1, synth::c_echo_rq(1)));
  c.request(synth::dimse(1, synth::c_echo_rq(2)));
  Outcome o;
  run(c, o);
  ASSERT_EQ(o.sink.associations.size(), 1u);
  EXPECT_EQ(o.sink.associations[0].record.state, dicom::AssociationState::kIncomplete);
  ASSERT_EQ(o.sink.transactions.size(), 2u);
  EXPECT_FALSE(o.sink.transactions[0].record.has_response);
  EXPECT_EQ(o.sink.transactions[0].record.message_id, 1);
  EXPECT_EQ(o.sink.transactions[1].record.message_id, 2);
}

std::vector<std::string> anomaly_names(const Outcome& o) {
  std::vector<std::string> names;
  for (const SeenAnomaly& a : o.sink.anomalies) names.push_back(a.name);
  return names;
}

TEST(SyntheticEngine, PdataBeforeAcceptance) {
  DicomConversation c;
  c.send_raw(synth::Direction::kClientToServer, synth::associate_rq(rq_spec(16384)));
  c.send(synth::Direction::kClientToServer, synth::dimse(1, synth::c_echo_rq(1)));
  Outcome o;
  run(c, o);
  EXPECT_EQ(anomaly_names(o), std::vector<std::string>{"ul.pdata_before_acceptance"});
  ASSERT_EQ(o.sink.associations.size(), 1u);
  EXPECT_EQ(o.sink.associations[0].record.state, dicom::AssociationState::kIncomplete);
}

TEST(SyntheticEngine, PduLargerThanTheReceiversMaximum) {
  const synth::AssociateRqSpec rq = rq_spec(16384);
  DicomConversation c(rq, synth::accept_all(rq, 1024));
  // The client ignores the acceptor's 1024-byte maximum.
  synth::ImageSpec image;
  image.rows = 32;
  image.columns = 32;
  c.send_raw(synth::Direction::kClientToServer,
             synth::pack_pdata(synth::dimse(3, synth::c_store_rq(synth::uids::kCtImageStorage,
                                                                 image.sop_instance_uid, 1),
                                            synth::image_data_set(image)),
                               16384));
  c.respond(synth::dimse(3, synth::c_store_rsp(synth::uids::kCtImageStorage, image.sop_instance_uid, 1)));
  c.release();
  Outcome o;
  run(c, o);
  const auto names = anomaly_names(o);
  ASSERT_FALSE(names.empty());
  for (const std::string& n : names) EXPECT_EQ(n, "ul.pdu_exceeds_max_length");
  ASSERT_EQ(o.sink.transactions.size(), 1u);
  EXPECT_EQ(o.sink.transactions[0].record.status, 0);
}

TEST(SyntheticEngine, UnknownPduTypeLosesFramingThenResynchronizes) {
  const synth::AssociateRqSpec rq = rq_spec(16384);
  DicomConversation c(rq, synth::accept_all(rq));
  c.send_raw(synth::Direction::kClientToServer, synth::Bytes{std::byte{0x09}, std::byte{0}, std::byte{0},
                                                            std::byte{0}, std::byte{0}, std::byte{2},
                                                            std::byte{0xAA}, std::byte{0xBB}});
  c.echo(1, 5);
  c.release();
  Outcome o;
  run(c, o);
  EXPECT_EQ(anomaly_names(o), (std::vector<std::string>{"ul.bad_pdu_header", "ul.resynchronized"}));
  ASSERT_EQ(o.sink.transactions.size(), 1u);
  EXPECT_EQ(o.sink.transactions[0].record.message_id, 5);
  EXPECT_EQ(o.sink.associations[0].record.state, dicom::AssociationState::kReleased);
}

TEST(SyntheticEngine, ResponseWithoutRequestAndPduAfterRelease) {
  const synth::AssociateRqSpec rq = rq_spec(16384);
  DicomConversation c(rq, synth::accept_all(rq));
  c.respond(synth::dimse(1, synth::c_echo_rsp(42)));
  c.release();
  c.send(synth::Direction::kClientToServer, synth::dimse(1, synth::c_echo_rq(43)));
  Outcome o;
  run(c, o);
  EXPECT_EQ(anomaly_names(o),
            (std::vector<std::string>{"dimse.response_without_request", "ul.pdu_after_end"}));
  ASSERT_EQ(o.sink.transactions.size(), 1u);
  EXPECT_FALSE(o.sink.transactions[0].record.request_seen);
  EXPECT_EQ(o.sink.transactions[0].record.message_id, 42);
}

TEST(SyntheticEngine, RejectAndAbort) {
  {
    DicomConversation c;
    c.reject(rq_spec(16384), 1, 1, 7);
    Outcome o;
    run(c, o);
    ASSERT_EQ(o.sink.associations.size(), 1u);
    const auto& a = o.sink.associations[0].record;
    EXPECT_EQ(a.state, dicom::AssociationState::kRejected);
    EXPECT_EQ(a.reject_reason, 7);
    EXPECT_EQ(a.reject_source, 1);
  }
  {
    const synth::AssociateRqSpec rq = rq_spec(16384);
    DicomConversation c(rq, synth::accept_all(rq));
    c.echo(1, 1);
    c.abort(synth::Direction::kServerToClient, 2, 6);
    Outcome o;
    run(c, o);
    const auto& a = o.sink.associations[0].record;
    EXPECT_EQ(a.state, dicom::AssociationState::kAborted);
    EXPECT_FALSE(a.abort_from_requestor);
    EXPECT_EQ(a.abort_source, 2);
    EXPECT_EQ(a.abort_reason, 6);
    EXPECT_EQ(o.sink.transactions.size(), 1u);
  }
}

// Truncation at every position of the client stream, and one corrupted byte at every
// position: never a stall, a crash or a leak; always exactly one association report.
TEST(SyntheticEngine, TruncationAndGarbageAtEveryPosition) {
  const DicomConversation c = typical(512);
  const synth::Bytes client = c.stream(synth::Direction::kClientToServer);
  const synth::Bytes server = c.stream(synth::Direction::kServerToClient);
  for (std::size_t k = 0; k < client.size(); ++k) {
    for (int variant = 0; variant < 2; ++variant) {
      RecordingSink sink;
      AppLayer app(AppLayerConfig{}, sink);
      Flow flow = dicom_flow();
      StreamFeeder feeder(app, flow);
      synth::Bytes bytes = client;
      if (variant == 0) {
        bytes.resize(k);
      } else {
        bytes[k] = static_cast<std::byte>(static_cast<std::uint8_t>(bytes[k]) ^ 0xA5);
      }
      if (!bytes.empty()) feeder.feed(Direction::kToServer, bytes, 1);
      feeder.feed(Direction::kToClient, server, 2);
      app.on_flow_end(flow);
      ASSERT_EQ(feeder.stalls(), 0u) << k;
      ASSERT_EQ(app.sessions_in_use(), 0u) << k;
      if (flow.app_proto == AppProto::kDicom) {
        ASSERT_EQ(sink.associations.size(), 1u) << k;
      }
    }
  }
}

TEST(SyntheticEngine, GapInsideADataSetMarksTheStore) {
  const DicomConversation c = typical(16384);
  RecordingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  Flow flow = dicom_flow();
  StreamFeeder feeder(app, flow);
  TimestampNs ts = 1;
  for (std::size_t i = 0; i < c.messages().size(); ++i) {
    const auto& m = c.messages()[i];
    const Direction d = to_engine(m.direction);
    if (i == 4) {  // the store: 100 bytes of its data set never arrive
      const ByteView b(m.bytes);
      const std::size_t cut = b.size() - 200;
      feeder.feed(d, b.first(cut), ts);
      feeder.gap(d, 100, ts);
      feeder.feed(d, b.subspan(cut + 100), ts);
    } else {
      feeder.feed(d, m.bytes, ts);
    }
    ++ts;
  }
  app.on_flow_end(flow);
  ASSERT_EQ(sink.transactions.size(), 3u);
  const auto& store = sink.transactions[1].record;
  EXPECT_EQ(store.command, dicom::CommandField::kCStoreRq);
  EXPECT_TRUE(store.request_data_set_gap);
  EXPECT_EQ(store.status, 0);  // its response was still seen
  EXPECT_EQ(sink.transactions[2].record.pending_responses, 2u);  // and the find after it
  EXPECT_EQ(sink.associations[0].record.gap_bytes, 100u);
}

}  // namespace
}  // namespace dicomsentry::testing
