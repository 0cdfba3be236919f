// Reassembly of segments that all arrive eventually: zero-copy in-order delivery, held
// out-of-order segments, retransmissions, overlaps (first copy wins), sequence wrap-around.
#include <gtest/gtest.h>

#include "reassembly_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace reassembly_test;

TEST(ReassemblerOrder, InOrderDeliveryHandsOverThePacketBytes) {
  ReassemblerFixture f;
  f.syn(kToServer, 1000);
  const std::byte* p1 = f.send(kToServer, 1001, "hello ");
  const std::byte* p2 = f.send(kToServer, 1007, "world");
  const std::byte* p3 = f.send(kToClient, 5000, "reply");  // picked up mid-stream
  EXPECT_EQ(f.recorder_.events,
            (std::vector<Event>{data_event(kToServer, 0, 6, p1), data_event(kToServer, 6, 5, p2),
                                data_event(kToClient, 0, 5, p3)}));
  EXPECT_EQ(f.recorder_.bytes[0], "hello world");
  const ReassemblyCounters& c = f.reassembler_.counters();
  EXPECT_EQ(c.segments, 3u);
  EXPECT_EQ(c.in_order, 3u);
  EXPECT_EQ(c.out_of_order, 0u);
  EXPECT_EQ(c.bytes_delivered, 16u);
  EXPECT_EQ(f.reassembler_.pool().high_water(), 0u);  // nothing was ever copied
  EXPECT_EQ(f.flow_.stream[0].next_seq, 1012u);
  EXPECT_EQ(f.flow_.stream[0].offset, 11u);
  EXPECT_EQ(f.flow_.stream[0].flags & StreamState::kMidstream, 0);
  EXPECT_EQ(f.flow_.stream[1].flags & StreamState::kMidstream, StreamState::kMidstream);
}

TEST(ReassemblerOrder, OutOfOrderSegmentsAreHeldThenReleased) {
  ReassemblerFixture f;
  f.syn(kToServer, 1000);
  f.send(kToServer, 1201, pattern(200, 100));
  f.send(kToServer, 1101, pattern(100, 100));
  EXPECT_TRUE(f.recorder_.events.empty());
  ASSERT_NE(f.flow_.stream[0].extra, nullptr);
  EXPECT_EQ(f.flow_.stream[0].extra->held_count, 2u);
  EXPECT_EQ(f.flow_.stream[0].extra->held_bytes, 200u);
  EXPECT_GT(f.reassembler_.pool().bytes_in_use(), 0u);

  const std::byte* p1 = f.send(kToServer, 1001, pattern(0, 100));
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 100), data_event(kToServer, 100, 100),
                                data_event(kToServer, 200, 100)}));
  EXPECT_EQ(f.recorder_.events[0].pointer, p1);
  EXPECT_EQ(f.recorder_.bytes[0], pattern(0, 300));
  EXPECT_EQ(f.reassembler_.counters().out_of_order, 2u);
  EXPECT_EQ(f.reassembler_.counters().in_order, 1u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
  EXPECT_EQ(f.flow_.stream[0].extra, nullptr);
}

TEST(ReassemblerOrder, RetransmissionsAreCountedNotRedelivered) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 100));
  f.send(kToServer, 1, pattern(0, 100));   // whole segment again
  f.send(kToServer, 21, pattern(20, 30));  // a piece of it
  EXPECT_EQ(f.recorder_.bytes[0], pattern(0, 100));
  EXPECT_EQ(f.recorder_.events.size(), 1u);
  EXPECT_EQ(f.reassembler_.counters().retransmissions, 2u);
  EXPECT_EQ(f.flow_.stream[0].retransmissions, 2u);
  EXPECT_EQ(f.reassembler_.counters().bytes_delivered, 100u);
}

TEST(ReassemblerOrder, OverlapWithDeliveredBytesDeliversOnlyTheNewTailZeroCopy) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 100));
  const std::byte* p2 = f.send(kToServer, 51, pattern(50, 100));
  EXPECT_EQ(f.recorder_.bytes[0], pattern(0, 150));
  ASSERT_EQ(f.recorder_.events.size(), 2u);
  EXPECT_EQ(f.recorder_.events[1], data_event(kToServer, 100, 50, p2 + 50));
  EXPECT_EQ(f.reassembler_.counters().overlaps, 1u);
  EXPECT_EQ(f.reassembler_.counters().overlap_conflicts, 0u);
}

TEST(ReassemblerOrder, OverlapOfHeldSegmentsWithSameBytes) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 101, pattern(100, 100));
  f.send(kToServer, 151, pattern(150, 100));
  EXPECT_EQ(f.flow_.stream[0].extra->held_bytes, 150u);  // only the new 50 bytes were added
  EXPECT_EQ(f.flow_.stream[0].extra->held_count, 2u);
  f.send(kToServer, 1, pattern(0, 100));
  EXPECT_EQ(f.recorder_.bytes[0], pattern(0, 250));
  EXPECT_EQ(f.recorder_.shapes(),
            (std::vector<Event>{data_event(kToServer, 0, 100), data_event(kToServer, 100, 100),
                                data_event(kToServer, 200, 50)}));
  EXPECT_EQ(f.reassembler_.counters().overlaps, 1u);
  EXPECT_EQ(f.reassembler_.counters().overlap_conflicts, 0u);
}

TEST(ReassemblerOrder, InOrderNewcomerOverlappingAHeldCopyLosesTheConflict) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 101, std::string(100, 'B'));  // seen first, held
  const std::byte* p =
      f.send(kToServer, 1, std::string(150, 'A'));  // in order, differs at 100..150
  EXPECT_EQ(f.recorder_.bytes[0], std::string(100, 'A') + std::string(100, 'B'));
  ASSERT_EQ(f.recorder_.events.size(), 2u);
  EXPECT_EQ(f.recorder_.events[0], data_event(kToServer, 0, 100, p));
  EXPECT_EQ(f.recorder_.events[1].offset, 100u);
  EXPECT_EQ(f.recorder_.events[1].length, 100u);
  EXPECT_NE(f.recorder_.events[1].pointer, p + 100);  // the held copy, not the newcomer
  EXPECT_EQ(f.reassembler_.counters().overlaps, 1u);
  EXPECT_EQ(f.reassembler_.counters().overlap_conflicts, 1u);
  EXPECT_EQ(f.flow_.stream[0].overlap_conflicts, 1u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
}

TEST(ReassemblerOrder, TwoHeldCopiesConflictingKeepTheFirst) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 101, std::string(100, 'B'));
  f.send(kToServer, 151, std::string(100, 'C'));  // differs from B over 150..200
  EXPECT_EQ(f.reassembler_.counters().overlap_conflicts, 1u);
  f.send(kToServer, 1, std::string(100, 'A'));
  EXPECT_EQ(f.recorder_.bytes[0],
            std::string(100, 'A') + std::string(100, 'B') + std::string(50, 'C'));
  EXPECT_EQ(f.reassembler_.counters().overlaps, 1u);
  EXPECT_EQ(f.reassembler_.counters().overlap_conflicts, 1u);
}

TEST(ReassemblerOrder, NewcomerSpanningTwoHeldSegmentsFillsOnlyTheHoleBetween) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 101, std::string(50, 'B'));  // 100..150
  f.send(kToServer, 201, std::string(50, 'D'));  // 200..250
  // 120..230: 'x' over B's tail, 'C' in the hole, 'y' over D's head.
  f.send(kToServer, 121, std::string(30, 'x') + std::string(50, 'C') + std::string(30, 'y'));
  EXPECT_EQ(f.flow_.stream[0].extra->held_count, 3u);
  EXPECT_EQ(f.flow_.stream[0].extra->held_bytes, 150u);
  EXPECT_EQ(f.reassembler_.counters().overlaps, 1u);
  EXPECT_EQ(f.reassembler_.counters().overlap_conflicts, 1u);
  f.send(kToServer, 1, std::string(100, 'A'));
  EXPECT_EQ(f.recorder_.bytes[0], std::string(100, 'A') + std::string(50, 'B') +
                                      std::string(50, 'C') + std::string(50, 'D'));
}

TEST(ReassemblerOrder, SequenceNumbersWrapAround) {
  ReassemblerFixture f;
  const std::uint32_t isn = 0xFFFFFF00u;
  f.syn(kToServer, isn);
  const std::string stream = pattern(0, 1024);
  // 100-byte segments; the third (offsets 200..300) straddles 2^32 and arrives after the fourth.
  const std::size_t order[] = {0, 1, 3, 2, 4, 5, 6, 7, 8, 9, 10};
  for (std::size_t index : order) {
    const std::size_t from = index * 100;
    f.send(kToServer, isn + 1 + static_cast<std::uint32_t>(from),
           stream.substr(from, std::min<std::size_t>(100, stream.size() - from)));
  }
  EXPECT_EQ(f.recorder_.bytes[0], stream);
  EXPECT_EQ(f.flow_.stream[0].next_seq, 0x301u);
  EXPECT_EQ(f.flow_.stream[0].offset, 1024u);
  EXPECT_EQ(f.reassembler_.counters().out_of_order, 1u);
  EXPECT_EQ(f.reassembler_.counters().gaps, 0u);
  f.send(kToServer, 0x301u, {}, tcp_flag::kFin);
  EXPECT_EQ(f.recorder_.events.back(), end_event(kToServer, 1024));
}

TEST(ReassemblerOrder, AckAcrossTheWrapDoesNotInventAGap) {
  ReassemblerFixture f;
  f.syn(kToServer, 0xFFFFFFF0u);
  f.syn(kToClient, 7);
  f.send(kToServer, 0xFFFFFFF1u, pattern(0, 32));  // ends at 0x11
  f.ack(kToClient, 0x11u, 8);
  EXPECT_EQ(f.reassembler_.counters().gaps, 0u);
  EXPECT_EQ(f.recorder_.bytes[0], pattern(0, 32));
}

TEST(ReassemblerOrder, MidstreamStartDeliversFromTheFirstByteSeen) {
  ReassemblerFixture f;
  const std::byte* p1 = f.send(kToServer, 5000, "abc", tcp_flag::kAck | tcp_flag::kPsh);
  const std::byte* p2 = f.send(kToServer, 5003, "def", tcp_flag::kAck | tcp_flag::kPsh);
  EXPECT_EQ(f.recorder_.events,
            (std::vector<Event>{data_event(kToServer, 0, 3, p1), data_event(kToServer, 3, 3, p2)}));
  EXPECT_EQ(f.flow_.stream[0].flags & StreamState::kMidstream, StreamState::kMidstream);
  EXPECT_EQ(f.flow_.stream[0].next_seq, 5006u);
}

TEST(ReassemblerOrder, SynCarryingDataDeliversItAfterTheSynSequenceNumber) {
  ReassemblerFixture f;
  const std::byte* p1 = f.send(kToServer, 7000, "hello", tcp_flag::kSyn);
  const std::byte* p2 = f.send(kToServer, 7006, "world");
  f.send(kToServer, 7000, "hello", tcp_flag::kSyn);  // retransmitted SYN
  EXPECT_EQ(f.recorder_.events,
            (std::vector<Event>{data_event(kToServer, 0, 5, p1), data_event(kToServer, 5, 5, p2)}));
  EXPECT_EQ(f.reassembler_.counters().retransmissions, 1u);
  EXPECT_EQ(f.flow_.stream[0].flags & StreamState::kMidstream, 0);
}

TEST(ReassemblerOrder, SegmentsImplausiblyFarAwayAreOutOfWindow) {
  ReassemblerFixture f;
  f.syn(kToServer, 0);
  f.send(kToServer, 1u + (1u << 31), "far ahead");
  f.send(kToServer, 1u + (1u << 30) + 1u, "just past the largest window");
  EXPECT_EQ(f.reassembler_.counters().out_of_window, 2u);
  EXPECT_TRUE(f.recorder_.events.empty());
  EXPECT_EQ(f.reassembler_.pool().high_water(), 0u);
}

}  // namespace
}  // namespace dicomsentry
