// Reassembly of streams with holes and endings: gaps by ACK, by caps, at close and by snap
// length; FIN and RST; flow end with held data.
#include <gtest/gtest.h>

#include "reassembly_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace reassembly_test;

TEST(ReassemblerGap, AckPastAHoleSkipsExactlyTheHole) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.syn(kToClient, 10000);
  const std::byte* p1 = f.send(kToServer, 1, pattern(0, 100));
  // 101..201 is lost; 201..301 waits behind the hole.
  f.send(kToServer, 201, pattern(200, 100));
  EXPECT_EQ(f.recorder_.events.size(), 1u);
  f.ack(kToClient, 301, 10001);  // the server acknowledges bytes the capture never showed
  const std::byte* p4 = f.send(kToServer, 301, pattern(300, 100));
  ASSERT_EQ(f.recorder_.events.size(), 4u);
  EXPECT_EQ(f.recorder_.events[0], data_event(kToServer, 0, 100, p1));
  EXPECT_EQ(f.recorder_.events[1], gap_event(kToServer, 100, 100));
  EXPECT_EQ(f.recorder_.events[2].offset, 200u);
  EXPECT_EQ(f.recorder_.events[2].length, 100u);
  EXPECT_EQ(f.recorder_.events[3], data_event(kToServer, 300, 100, p4));
  EXPECT_EQ(f.recorder_.bytes[0], pattern(0, 100) + pattern(200, 200));
  const ReassemblyCounters& c = f.reassembler_.counters();
  EXPECT_EQ(c.gaps, 1u);
  EXPECT_EQ(c.gap_bytes, 100u);
  EXPECT_EQ(c.gaps_by_ack, 1u);
  EXPECT_EQ(f.flow_.stream[0].gaps, 1u);
  EXPECT_EQ(f.flow_.stream[0].gap_bytes, 100u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
}

TEST(ReassemblerGap, AckPastEverythingSeenSkipsToTheAck) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.syn(kToClient, 10000);
  f.send(kToServer, 1, pattern(0, 10));
  f.ack(kToClient, 61, 10001);
  const std::byte* p = f.send(kToServer, 61, "after");
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 10), gap_event(kToServer, 10, 50),
                                data_event(kToServer, 60, 5)}));
  EXPECT_EQ(f.recorder_.events[2].pointer, p);
  EXPECT_EQ(f.reassembler_.counters().gaps_by_ack, 1u);
}

TEST(ReassemblerGap, AckBehindOrAtTheStreamIsNotAGap) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.syn(kToClient, 10000);
  f.send(kToServer, 1, pattern(0, 10));
  f.ack(kToClient, 11, 10001);
  f.ack(kToClient, 5, 10001);
  EXPECT_EQ(f.reassembler_.counters().gaps, 0u);
}

TEST(ReassemblerGap, PerStreamHeldCapTurnsTheFirstHoleIntoAGap) {
  ReassemblyConfig config;
  config.max_held_bytes_per_stream = 1000;
  ReassemblerFixture f(config);
  f.syn(kToServer, 0);
  for (std::uint32_t i = 0; i < 3; ++i)
    f.send(kToServer, 101 + 300 * i, pattern(100 + 300 * i, 300));
  EXPECT_TRUE(f.recorder_.events.empty());      // 900 held bytes: within the cap
  f.send(kToServer, 1001, pattern(1000, 300));  // 1200 > 1000
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{gap_event(kToServer, 0, 100), data_event(kToServer, 100, 300),
                                data_event(kToServer, 400, 300), data_event(kToServer, 700, 300),
                                data_event(kToServer, 1000, 300)}));
  EXPECT_EQ(f.reassembler_.counters().gaps_by_cap, 1u);
  EXPECT_EQ(f.reassembler_.counters().gap_bytes, 100u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
}

TEST(ReassemblerGap, GlobalMemcapCostsGapsNotCapturedBytesAndNeverGrowsPastTheCap) {
  ReassemblyConfig config;
  config.memcap_bytes = 2000;  // a stream header and three 400-byte segments fit; four do not
  ReassemblerFixture f(config);
  f.syn(kToServer, 0);
  std::uint32_t next = 0;  // stream offset of the first byte not yet delivered
  for (std::uint32_t round = 0; round < 2; ++round) {
    // Each round: a hole, then four 400-byte segments behind it; the fourth does not fit.
    const std::uint32_t hole = round == 0 ? 100 : 400;
    const std::uint32_t first = next + hole;
    for (std::uint32_t i = 0; i < 3; ++i) {
      f.send(kToServer, 1 + first + 400 * i, pattern(first + 400 * i, 400));
    }
    const std::size_t before = f.recorder_.events.size();
    EXPECT_EQ(before, round == 0 ? 0u : 5u);
    const std::byte* p = f.send(kToServer, 1 + first + 1200, pattern(first + 1200, 400));
    ASSERT_EQ(f.recorder_.events.size(), before + 5) << round;
    EXPECT_EQ(f.recorder_.events[before], gap_event(kToServer, next, hole));
    for (std::uint32_t i = 0; i < 4; ++i) {
      EXPECT_EQ(f.recorder_.events[before + 1 + i].offset, first + 400 * i);
      EXPECT_EQ(f.recorder_.events[before + 1 + i].length, 400u);
    }
    // The segment that did not fit went straight through from the packet.
    EXPECT_EQ(f.recorder_.events[before + 4].pointer, p);
    next = first + 1600;
  }
  EXPECT_EQ(f.recorder_.bytes[0], pattern(100, 1600) + pattern(2100, 1600));
  EXPECT_EQ(f.reassembler_.counters().gaps_by_cap, 2u);
  EXPECT_EQ(f.reassembler_.counters().gap_bytes, 500u);
  EXPECT_EQ(f.reassembler_.counters().bytes_delivered, 3200u);
  EXPECT_LE(f.reassembler_.pool().high_water(), 2000u);
  EXPECT_GT(f.reassembler_.pool().high_water(), 1200u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
}

TEST(ReassemblerGap, ZeroMemcapDeliversEveryOutOfOrderSegmentAfterAGap) {
  ReassemblyConfig config;
  config.memcap_bytes = 0;
  ReassemblerFixture f(config);
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 50));
  const std::byte* p = f.send(kToServer, 101, pattern(100, 50));
  f.send(kToServer, 51, pattern(50, 50));  // arrives late: already skipped
  EXPECT_EQ(f.recorder_.events,
            (std::vector<Event>{data_event(kToServer, 0, 50, f.recorder_.events[0].pointer),
                                gap_event(kToServer, 50, 50), data_event(kToServer, 100, 50, p)}));
  EXPECT_EQ(f.reassembler_.counters().gaps_by_cap, 1u);
  EXPECT_EQ(f.reassembler_.counters().retransmissions, 1u);
  EXPECT_EQ(f.reassembler_.pool().high_water(), 0u);
}

TEST(ReassemblerGap, FlowEndWithHeldDataGapsThenDeliversThenEnds) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.syn(kToClient, 500);
  f.send(kToServer, 1, pattern(0, 100));
  f.send(kToServer, 201, pattern(200, 100));  // after hole 100..200
  f.send(kToServer, 401, pattern(400, 100));  // after hole 300..400
  f.reassembler_.on_flow_end(f.flow_, 9);
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 100), gap_event(kToServer, 100, 100),
                                data_event(kToServer, 200, 100), gap_event(kToServer, 300, 100),
                                data_event(kToServer, 400, 100), end_event(kToServer, 500),
                                end_event(kToClient, 0)}));
  EXPECT_EQ(f.reassembler_.counters().gaps_at_close, 2u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
  f.reassembler_.on_flow_end(f.flow_, 10);  // a second end changes nothing
  EXPECT_EQ(f.recorder_.events.size(), 7u);
}

TEST(ReassemblerGap, FinEndsTheStreamOnceAfterAllData) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 100));
  f.send(kToServer, 101, pattern(100, 20), tcp_flag::kFin | tcp_flag::kAck);
  f.send(kToServer, 101, pattern(100, 20), tcp_flag::kFin | tcp_flag::kAck);  // retransmitted
  f.reassembler_.on_flow_end(f.flow_, 5);
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 100), data_event(kToServer, 100, 20),
                                end_event(kToServer, 120)}));
  EXPECT_EQ(f.recorder_.ends(kToServer), 1u);
}

TEST(ReassemblerGap, EarlyFinWaitsForTheDataBeforeIt) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 101, pattern(100, 20), tcp_flag::kFin | tcp_flag::kAck);
  EXPECT_TRUE(f.recorder_.events.empty());
  f.send(kToServer, 1, pattern(0, 100));
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 100), data_event(kToServer, 100, 20),
                                end_event(kToServer, 120)}));
}

TEST(ReassemblerGap, AckOfTheFinSkipsTheLastHoleAndEnds) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.syn(kToClient, 900);
  f.send(kToServer, 101, pattern(100, 20), tcp_flag::kFin | tcp_flag::kAck, 901);
  f.ack(kToClient, 122, 901);  // acknowledges the FIN (sequence 121)
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{gap_event(kToServer, 0, 100), data_event(kToServer, 100, 20),
                                end_event(kToServer, 120)}));
  EXPECT_EQ(f.reassembler_.counters().gaps_by_ack, 1u);
}

TEST(ReassemblerGap, RstEndsBothDirectionsAndLaterDataIsIgnored) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.syn(kToClient, 10000);
  f.send(kToServer, 1, pattern(0, 50));
  f.send(kToClient, 10001, pattern(0, 30));
  f.send(kToServer, 51, {}, tcp_flag::kRst);
  f.send(kToServer, 51, pattern(50, 10));
  f.send(kToClient, 10031, pattern(30, 10));
  f.reassembler_.on_flow_end(f.flow_, 7);
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 50), data_event(kToClient, 0, 30),
                                end_event(kToServer, 50), end_event(kToClient, 30)}));
}

TEST(ReassemblerGap, RstWithHeldDataReportsTheHoleFirst) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 11, pattern(10, 10));
  f.send(kToServer, 21, {}, tcp_flag::kRst);
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{gap_event(kToServer, 0, 10), data_event(kToServer, 10, 10),
                                end_event(kToServer, 20)}));
  EXPECT_EQ(f.reassembler_.counters().gaps_at_close, 1u);
}

TEST(ReassemblerGap, SnapLengthCutPayloadBecomesAGapOfTheMissingBytes) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  const std::byte* p1 = f.send(kToServer, 1, pattern(0, 60), tcp_flag::kPsh, 0, 100);
  const std::byte* p2 = f.send(kToServer, 101, pattern(100, 100));
  EXPECT_EQ(f.recorder_.events,
            (std::vector<Event>{data_event(kToServer, 0, 60, p1), gap_event(kToServer, 60, 40),
                                data_event(kToServer, 100, 100, p2)}));
  EXPECT_EQ(f.reassembler_.counters().gaps_by_snaplen, 1u);
  EXPECT_EQ(f.reassembler_.counters().gap_bytes, 40u);
  EXPECT_EQ(f.reassembler_.counters().out_of_order, 0u);
}

TEST(ReassemblerGap, SnapLengthCutFinEndsAfterTheGap) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 60), tcp_flag::kFin | tcp_flag::kAck, 0, 100);
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 60), gap_event(kToServer, 60, 40),
                                end_event(kToServer, 100)}));
}

}  // namespace
}  // namespace dicomsentry
