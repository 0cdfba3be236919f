// Whole associations: the two streams walk cleanly through the src/dicom parsers with the
// negotiated PDU sizes, survive any split, and come out of a synthetic TCP flow unchanged.
#include "dicom_conversation.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "dicom_stream_walker.hpp"

namespace dicomsentry::synth {
namespace {

constexpr auto kClient = Direction::kClientToServer;
constexpr auto kServer = Direction::kServerToClient;

AssociateRqSpec store_rq() {
  AssociateRqSpec rq;
  rq.calling_ae = "MODALITY";
  rq.contexts = {
      {1, std::string(uids::kCtImageStorage), {std::string(uids::kExplicitLittleEndian)}},
      {3, std::string(uids::kStudyRootFind), {std::string(uids::kImplicitLittleEndian)}},
      {5, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}}};
  return rq;  // announces 16384
}

DicomStreamWalker walk(const Bytes& stream) {
  DicomStreamWalker w;
  w.feed(stream);
  return w;
}

ImageSpec small_ct() {
  ImageSpec image;
  image.rows = 300;
  image.columns = 500;  // 300000 pixel bytes
  return image;
}

TEST(DicomConversation, StoreUsesTheMaximumThePeerAnnounced) {
  DicomConversation c(store_rq(), accept_all(store_rq(), 65536));
  EXPECT_EQ(c.max_pdu(kClient), 65536u);
  EXPECT_EQ(c.max_pdu(kServer), 16384u);
  c.store(1, 7, small_ct()).release();
  ASSERT_EQ(c.messages().size(), 6u);

  const DicomStreamWalker client = walk(c.stream(kClient));
  ASSERT_TRUE(client.ok()) << client.error();
  const std::size_t data_set = image_data_set(small_ct()).size();
  const std::uint64_t data_pdus = (data_set + 65523) / 65524;
  EXPECT_EQ(data_pdus, 5u);
  EXPECT_EQ(client.pdus_by_type()[1], 1u);
  EXPECT_EQ(client.pdus_by_type()[4], 1 + data_pdus);
  EXPECT_EQ(client.pdus_by_type()[5], 1u);
  EXPECT_EQ(client.pdus(), 3 + data_pdus);
  EXPECT_EQ(client.max_pdata_length(), 65530u);
  ASSERT_EQ(client.messages().size(), 1u);
  const WalkedMessage& rq = client.messages()[0];
  EXPECT_EQ(rq.command_field, 0x0001);
  EXPECT_EQ(rq.context_id, 1);
  EXPECT_EQ(rq.message_id, 7);
  EXPECT_EQ(rq.data_set_length, data_set);
  EXPECT_EQ(rq.data_set, image_data_set(small_ct()));
  EXPECT_EQ(rq.command_pdvs, 1u);
  EXPECT_EQ(rq.data_set_pdvs, data_pdus);
  EXPECT_EQ(client.partial_pdu_bytes(), 0u);
  EXPECT_FALSE(client.inside_message());

  const DicomStreamWalker server = walk(c.stream(kServer));
  ASSERT_TRUE(server.ok()) << server.error();
  EXPECT_EQ(server.pdus_by_type()[2], 1u);
  EXPECT_EQ(server.pdus_by_type()[4], 1u);
  EXPECT_EQ(server.pdus_by_type()[6], 1u);
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_EQ(server.messages()[0].command_field, 0x8001);
  EXPECT_EQ(server.messages()[0].message_id, 7);
  EXPECT_EQ(server.messages()[0].status, 0);
  EXPECT_FALSE(server.messages()[0].has_data_set);
}

TEST(DicomConversation, FindBurstHasOnePendingResponsePerMatch) {
  QuerySpec query;
  query.keys = {{0x00100010, "PN", "DOE*"}, {0x0020000D, "UI", ""}};
  std::vector<QuerySpec> matches(3, query);
  for (std::size_t i = 0; i < matches.size(); ++i) {
    matches[i].keys = {{0x00100010, "PN", "DOE^JOHN" + std::to_string(i)},
                       {0x0020000D, "UI", "1.2.3." + std::to_string(i)}};
  }
  DicomConversation c(store_rq(), accept_all(store_rq()));
  c.find(3, 11, uids::kStudyRootFind, query, matches).release();

  const DicomStreamWalker client = walk(c.stream(kClient));
  ASSERT_TRUE(client.ok()) << client.error();
  ASSERT_EQ(client.messages().size(), 1u);
  EXPECT_EQ(client.messages()[0].command_field, 0x0020);
  EXPECT_EQ(client.messages()[0].data_set, identifier(query));

  const DicomStreamWalker server = walk(c.stream(kServer));
  ASSERT_TRUE(server.ok()) << server.error();
  ASSERT_EQ(server.messages().size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(server.messages()[i].command_field, 0x8020);
    EXPECT_EQ(server.messages()[i].status, 0xFF00);
    EXPECT_EQ(server.messages()[i].message_id, 11);
    EXPECT_EQ(server.messages()[i].data_set, identifier(matches[i]));
  }
  EXPECT_EQ(server.messages()[3].status, 0x0000);
  EXPECT_FALSE(server.messages()[3].has_data_set);
  EXPECT_EQ(server.pdus_by_type()[4], 7u);  // 3 x (command, identifier) + the final command
}

TEST(DicomConversation, AsynchronousRequestsKeepTheirOrder) {
  AssociateRqSpec rq = store_rq();
  rq.user_info.async_window = AsyncWindowSpec{2, 2};
  DicomConversation c(rq, accept_all(rq));
  c.request(dimse(5, c_echo_rq(1)))
      .request(dimse(5, c_echo_rq(2)))
      .respond(dimse(5, c_echo_rsp(2)))
      .respond(dimse(5, c_echo_rsp(1)));
  const DicomStreamWalker client = walk(c.stream(kClient));
  const DicomStreamWalker server = walk(c.stream(kServer));
  ASSERT_EQ(client.messages().size(), 2u);
  ASSERT_EQ(server.messages().size(), 2u);
  EXPECT_EQ(client.messages()[1].message_id, 2);
  EXPECT_EQ(server.messages()[0].message_id, 2);
  EXPECT_EQ(server.messages()[1].message_id, 1);
}

TEST(DicomConversation, RejectAndAbort) {
  DicomConversation rejected;
  rejected.reject(store_rq(), 1, 1, 7);
  EXPECT_EQ(rejected.stream(kServer), associate_rj(1, 1, 7));
  EXPECT_TRUE(walk(rejected.stream(kClient)).ok());

  DicomConversation aborted(store_rq(), accept_all(store_rq()));
  aborted.echo(5, 1).abort(kServer, 2, 0);
  const DicomStreamWalker server = walk(aborted.stream(kServer));
  ASSERT_TRUE(server.ok()) << server.error();
  EXPECT_EQ(server.pdus_by_type()[7], 1u);
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST(DicomStreamWalker, AnySplitGivesTheSameWalk) {
  DicomConversation c(store_rq(), accept_all(store_rq()));
  ImageSpec image;
  image.pixel_bytes = 40000;
  c.echo(5, 1).store(1, 2, image).release();
  const Bytes stream = c.stream(kClient);
  const DicomStreamWalker whole = walk(stream);
  ASSERT_TRUE(whole.ok()) << whole.error();
  for (std::size_t piece : {1u, 2u, 5u, 6u, 7u, 1448u}) {
    DicomStreamWalker split;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      split.feed(ByteView(stream).subspan(at, std::min(piece, stream.size() - at)));
    }
    ASSERT_TRUE(split.ok()) << piece << ": " << split.error();
    EXPECT_EQ(split.pdus_by_type(), whole.pdus_by_type()) << piece;
    ASSERT_EQ(split.messages().size(), 2u) << piece;
    EXPECT_EQ(split.messages()[1].data_set, whole.messages()[1].data_set) << piece;
  }
  // Cut inside the data set: the walk says a message and a PDU were under way.
  DicomStreamWalker cut;
  cut.feed(ByteView(stream).first(stream.size() - 100));
  EXPECT_TRUE(cut.ok());
  EXPECT_TRUE(cut.inside_message());
  const std::size_t last_data_pdu = image_data_set(image).size() % 16372 + 12;
  EXPECT_EQ(cut.partial_pdu_bytes(), last_data_pdu - 90);  // the release (10) and 90 more cut
  EXPECT_EQ(cut.messages().size(), 1u);
}

TEST(DicomStreamWalker, ReportsWhatIsWrong) {
  DicomStreamWalker garbage;
  garbage.feed(to_bytes("GET / HTTP/1.1\r\n"));
  EXPECT_EQ(garbage.error(), "PDU 1: unusable PDU header of type 71");

  // A release between the command and its data set.
  Bytes stream = pack_pdata(dimse(1, c_store_rq(uids::kCtImageStorage, "1.2.3", 1)), 16384);
  append_bytes(stream, release_rq());
  DicomStreamWalker inside;
  inside.feed(stream);
  EXPECT_EQ(inside.error(), "PDU 2: A-RELEASE-RQ inside a DIMSE message");

  // A data set PDV for a command that announced none.
  const std::array<PdvSpec, 2> pdvs = {PdvSpec{5, 0x03, command_set(c_echo_rq(1))},
                                       PdvSpec{5, 0x02, Bytes(4)}};
  DicomStreamWalker extra;
  extra.feed(pdata_pdu(pdvs));
  EXPECT_EQ(extra.error(), "PDU 1: data set fragment without a command that announces one");

  // Parser findings fail the walk, with the anomaly's name and offset.
  AssociateRqSpec rq = store_rq();
  rq.contexts[0].id = 2;  // context ids are odd
  DicomStreamWalker bad_rq;
  bad_rq.feed(associate_rq(rq));
  EXPECT_EQ(bad_rq.error(), "PDU 1: A-ASSOCIATE-RQ: ok pctx.bad_id@99");  // the item's first byte
}

TEST(DicomConversation, TcpFlowDeliversBothStreamsAndCutsAcrossPdus) {
  QuerySpec query;
  query.keys = {{0x00100010, "PN", "*"}};
  const std::vector<QuerySpec> matches(40, query);  // 40 responses: well over one segment
  DicomConversation c(store_rq(), accept_all(store_rq()));
  c.find(3, 1, uids::kStudyRootFind, query, matches).store(1, 2, small_ct()).release();

  FlowSpec base;
  base.mss = 1000;
  const FlowSpec spec = c.flow_spec(base);
  // RQ | AC | find RQ | 41 responses, coalesced | store RQ | RSP | release RQ | RP.
  ASSERT_EQ(spec.messages.size(), 8u);
  EXPECT_EQ(spec.messages[3].direction, kServer);
  const SyntheticFlow flow = make_flow(spec);
  EXPECT_EQ(flow.stream(kClient).bytes, c.stream(kClient));
  EXPECT_EQ(flow.stream(kServer).bytes, c.stream(kServer));
  std::uint64_t expected_segments = 0;
  for (const AppMessage& m : spec.messages) expected_segments += (m.bytes.size() + 999) / 1000;
  EXPECT_EQ(flow.counts.data_segments, expected_segments);
  // Segments start inside PDUs: not every server payload begins with a PDU type byte.
  std::size_t mid_pdu = 0;
  for (std::size_t i = 0; i < flow.frames.size(); ++i) {
    const FrameInfo& info = flow.info[i];
    if (info.kind != SegmentKind::kData || info.direction != kServer) continue;
    const std::byte first = flow.frames[i].bytes[info.payload_offset];
    mid_pdu += first != std::byte{0x02} && first != std::byte{0x04} && first != std::byte{0x06};
  }
  EXPECT_GT(mid_pdu, 0u);
  EXPECT_EQ(c.flow_spec(base, false).messages.size(), c.messages().size());
}

}  // namespace
}  // namespace dicomsentry::synth
