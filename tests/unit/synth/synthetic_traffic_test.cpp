// Synthetic conversations: segment layout, expected streams under impairments, determinism.
#include "synthetic_traffic.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace dicomsentry::synth {
namespace {

constexpr auto kC2s = Direction::kClientToServer;
constexpr auto kS2c = Direction::kServerToClient;

std::string text(const std::vector<std::byte>& bytes) {
  std::string out;
  for (const auto b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// Each byte inverted, as a conflicting overlap sends it.
std::string inverted(std::string_view s) {
  std::string out;
  for (const char c : s) out.push_back(static_cast<char>(~c));
  return out;
}

std::vector<std::byte> pattern(std::size_t n, std::uint8_t salt) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::byte{static_cast<std::uint8_t>(i * 131 + salt + i / 251)};
  return out;
}

// Reads a TCP frame built for an untagged IPv4 flow: seq from the bytes, payload by info.
std::uint32_t seq_field(const Frame& frame) { return load_be32(frame.bytes.data() + 14 + 20 + 4); }

FlowSpec two_way_spec() {
  FlowSpec spec;
  spec.mss = 100;
  spec.messages = {{kC2s, pattern(1000, 1)}, {kS2c, pattern(250, 2)}, {kC2s, pattern(333, 3)},
                   {kS2c, pattern(1701, 4)}};
  return spec;
}

std::vector<std::byte> concat(const FlowSpec& spec, Direction d) {
  std::vector<std::byte> out;
  for (const auto& m : spec.messages) {
    if (m.direction == d) out.insert(out.end(), m.bytes.begin(), m.bytes.end());
  }
  return out;
}

TEST(SyntheticTrafficTest, CleanFlowSegmentsConcatenatedInSeqOrderGiveTheMessages) {
  const FlowSpec spec = two_way_spec();
  const SyntheticFlow flow = make_flow(spec);
  for (const Direction d : {kC2s, kS2c}) {
    const std::uint32_t base = (d == kC2s ? spec.client_isn : spec.server_isn) + 1;
    std::map<std::uint32_t, std::vector<std::byte>> by_offset;  // seq - base, unwrapped
    for (std::size_t i = 0; i < flow.frames.size(); ++i) {
      const auto& info = flow.info[i];
      if (info.direction != d || info.payload_length == 0) continue;
      EXPECT_EQ(info.kind, SegmentKind::kData);
      EXPECT_EQ(seq_field(flow.frames[i]), info.seq);
      const auto* p = flow.frames[i].bytes.data() + info.payload_offset;
      EXPECT_EQ(info.payload_offset + info.payload_length, flow.frames[i].bytes.size());
      by_offset[info.seq - base] = std::vector<std::byte>(p, p + info.payload_length);
    }
    std::vector<std::byte> joined;
    for (const auto& [offset, bytes] : by_offset) {
      EXPECT_EQ(offset, joined.size());
      joined.insert(joined.end(), bytes.begin(), bytes.end());
    }
    EXPECT_EQ(joined, concat(spec, d));
    EXPECT_EQ(flow.stream(d).bytes, concat(spec, d));
    EXPECT_EQ(flow.stream(d).start_seq, base);
    EXPECT_EQ(flow.stream(d).length, concat(spec, d).size());
    EXPECT_TRUE(flow.stream(d).gaps.empty());
    EXPECT_TRUE(flow.stream(d).fin);
  }
  // 10 + 4 client segments, 3 + 18 server segments; a pure ACK for every 2nd segment a side
  // sends, counted across its messages: 14 / 2 = 7 and 21 / 2 = 10.
  EXPECT_EQ(flow.counts.data_segments, 35u);
  EXPECT_EQ(flow.counts.pure_acks, 17u);
  EXPECT_EQ(flow.counts.frames, 3u + 35 + 17 + 3);
  EXPECT_EQ(flow.counts.retransmissions + flow.counts.overlaps + flow.counts.reordered, 0u);
}

TEST(SyntheticTrafficTest, HandshakeAndCloseHaveTheRightFlagsAndSequenceNumbersAcrossTheWrap) {
  FlowSpec spec;
  spec.client_isn = 0xfffffffe;
  spec.messages = {{kC2s, to_bytes("ping")}, {kS2c, to_bytes("pong!")}};
  spec.ack_every = 0;
  const SyntheticFlow flow = make_flow(spec);
  ASSERT_EQ(flow.frames.size(), 3u + 2 + 3);
  const auto flags = [&](std::size_t i) { return std::to_integer<int>(flow.frames[i].bytes[47]); };
  EXPECT_EQ(flow.info[0].kind, SegmentKind::kSyn);
  EXPECT_EQ(flags(0), tcp_flag::kSyn);
  EXPECT_EQ(flags(1), tcp_flag::kSyn | tcp_flag::kAck);
  EXPECT_EQ(flags(2), tcp_flag::kAck);
  EXPECT_EQ(seq_field(flow.frames[3]), 0xffffffffu);  // ISN + 1
  EXPECT_EQ(flags(3), tcp_flag::kAck | tcp_flag::kPsh);
  EXPECT_EQ(flow.info[5].kind, SegmentKind::kFin);
  EXPECT_EQ(seq_field(flow.frames[5]), 3u);           // wrapped: 0xffffffff + 4
  EXPECT_EQ(flags(5), tcp_flag::kFin | tcp_flag::kAck);
  EXPECT_EQ(load_be32(flow.frames[6].bytes.data() + 42), 4u);  // server's FIN acks FIN + 1
  EXPECT_EQ(flow.info[7].kind, SegmentKind::kFinalAck);
  EXPECT_EQ(text(flow.stream(kC2s).bytes), "ping");
  EXPECT_EQ(text(flow.stream(kS2c).bytes), "pong!");
}

TEST(SyntheticTrafficTest, SameSeedSameBytesAndAnotherSeedDifferentOrder) {
  FlowSpec spec = two_way_spec();
  spec.reorder_probability = 0.3;
  spec.retransmit_probability = 0.2;
  spec.overlap_probability = 0.2;
  spec.loss_probability = 0.1;
  spec.seed = 42;
  const SyntheticFlow a = make_flow(spec);
  const SyntheticFlow b = make_flow(spec);
  ASSERT_EQ(a.frames.size(), b.frames.size());
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    EXPECT_EQ(a.frames[i].ts, b.frames[i].ts);
    EXPECT_EQ(a.frames[i].bytes, b.frames[i].bytes) << i;
  }
  spec.seed = 43;
  const SyntheticFlow c = make_flow(spec);
  bool differs = c.frames.size() != a.frames.size();
  for (std::size_t i = 0; !differs && i < a.frames.size(); ++i) differs = a.frames[i].bytes != c.frames[i].bytes;
  EXPECT_TRUE(differs);
}

// Client sends "ABCDEFGH" as "ABCD" + "EFGH"; the overlap covers [2, 6) = "CDEF".
FlowSpec tiny_spec() {
  FlowSpec spec;
  spec.mss = 4;
  spec.ack_every = 0;
  spec.messages = {{kC2s, to_bytes("ABCDEFGH")}};
  return spec;
}

TEST(SyntheticTrafficTest, ConflictingOverlapLosesToTheFirstSeenBytes) {
  FlowSpec spec = tiny_spec();
  spec.overlap_conflict_probability = 1.0;
  const SyntheticFlow flow = make_flow(spec);
  ASSERT_EQ(flow.counts.conflicting_overlaps, 1u);
  // SYN, SYN-ACK, ACK, ABCD, EFGH, overlap, FIN, FIN, ACK.
  ASSERT_EQ(flow.frames.size(), 9u);
  EXPECT_EQ(flow.info[5].kind, SegmentKind::kConflictingOverlap);
  EXPECT_EQ(flow.info[5].seq, spec.client_isn + 1 + 2);
  const auto* p = flow.frames[5].bytes.data() + flow.info[5].payload_offset;
  EXPECT_EQ(text({p, p + 4}), inverted("CDEF"));
  EXPECT_EQ(text(flow.stream(kC2s).bytes), "ABCDEFGH");
  EXPECT_TRUE(flow.stream(kC2s).gaps.empty());
}

TEST(SyntheticTrafficTest, SameBytesOverlapDeliversTheStreamOnce) {
  FlowSpec spec = tiny_spec();
  spec.overlap_probability = 1.0;
  const SyntheticFlow flow = make_flow(spec);
  ASSERT_EQ(flow.counts.overlaps, 1u);
  const auto* p = flow.frames[5].bytes.data() + flow.info[5].payload_offset;
  EXPECT_EQ(text({p, p + 4}), "CDEF");
  EXPECT_EQ(text(flow.stream(kC2s).bytes), "ABCDEFGH");
}

TEST(SyntheticTrafficTest, LossLeavesGapsAndAConflictingOverlapFillsWhatItCovers) {
  FlowSpec spec = tiny_spec();
  spec.loss_probability = 1.0;              // both "ABCD" and "EFGH" are never captured
  spec.overlap_conflict_probability = 1.0;  // ... but ~"CDEF" over [2, 6) is
  const SyntheticFlow flow = make_flow(spec);
  EXPECT_EQ(flow.counts.lost_segments, 2u);
  EXPECT_EQ(flow.counts.data_segments, 0u);
  const ExpectedStream& s = flow.stream(kC2s);
  EXPECT_EQ(s.length, 8u);  // the FIN says where the stream ends
  EXPECT_EQ(text(s.bytes), inverted("CDEF"));
  EXPECT_EQ(s.gaps, (std::vector<StreamGap>{{0, 2}, {6, 2}}));
}

TEST(SyntheticTrafficTest, LossWithoutFinHidesTheLostTail) {
  FlowSpec spec = tiny_spec();
  spec.loss_probability = 1.0;
  spec.close = CloseKind::kNone;
  const SyntheticFlow flow = make_flow(spec);
  EXPECT_EQ(flow.stream(kC2s).length, 0u);
  EXPECT_TRUE(flow.stream(kC2s).gaps.empty());
  EXPECT_FALSE(flow.stream(kC2s).fin);
}

TEST(SyntheticTrafficTest, RetransmissionIsAnExactDuplicateOfItsOriginal) {
  FlowSpec spec = tiny_spec();
  spec.retransmit_probability = 1.0;
  const SyntheticFlow flow = make_flow(spec);
  ASSERT_EQ(flow.counts.retransmissions, 2u);
  for (std::size_t i = 0; i < flow.frames.size(); ++i) {
    if (flow.info[i].kind != SegmentKind::kRetransmission) continue;
    const auto original = std::find_if(flow.info.begin(), flow.info.begin() + static_cast<std::ptrdiff_t>(i),
        [&](const FrameInfo& f) { return f.kind == SegmentKind::kData && f.seq == flow.info[i].seq; });
    ASSERT_NE(original, flow.info.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_EQ(flow.frames[static_cast<std::size_t>(original - flow.info.begin())].bytes, flow.frames[i].bytes);
  }
  EXPECT_EQ(text(flow.stream(kC2s).bytes), "ABCDEFGH");
}

TEST(SyntheticTrafficTest, ReorderingKeepsTimestampsStrictlyIncreasingAndTheStreamIntact) {
  FlowSpec spec = two_way_spec();
  spec.reorder_probability = 0.5;
  spec.seed = 7;
  const SyntheticFlow flow = make_flow(spec);
  EXPECT_GT(flow.counts.reordered, 5u);
  for (std::size_t i = 1; i < flow.frames.size(); ++i) {
    EXPECT_EQ(flow.frames[i].ts - flow.frames[i - 1].ts, spec.gap);
  }
  std::size_t out_of_order = 0;
  std::uint32_t highest = spec.client_isn + 1;
  for (const auto& info : flow.info) {
    if (info.direction != kC2s || info.payload_length == 0) continue;
    if (static_cast<std::int32_t>(info.seq - highest) < 0) ++out_of_order;
    else highest = info.seq;
  }
  EXPECT_GT(out_of_order, 0u);
  // No pure ACK acknowledges a byte that has not been captured yet (there is no loss here).
  std::array<std::uint64_t, 2> captured_end{};
  std::size_t acks = 0;
  for (std::size_t i = 0; i < flow.frames.size(); ++i) {
    const auto& info = flow.info[i];
    const int from = static_cast<int>(info.direction);
    if (info.kind == SegmentKind::kData) {
      captured_end[from] = std::max(captured_end[from], info.stream_offset + info.payload_length);
    } else if (info.kind == SegmentKind::kPureAck) {
      ++acks;
      const std::uint32_t base = (from == 0 ? spec.server_isn : spec.client_isn) + 1;
      const std::uint32_t acked = load_be32(flow.frames[i].bytes.data() + 14 + 20 + 8) - base;
      EXPECT_LE(acked, captured_end[1 - from]) << i;
    }
  }
  EXPECT_EQ(acks, flow.counts.pure_acks);
  EXPECT_EQ(flow.stream(kC2s).bytes, concat(spec, kC2s));
  EXPECT_EQ(flow.stream(kS2c).bytes, concat(spec, kS2c));
}

TEST(SyntheticTrafficTest, EveryImpairmentAtOnceStillMatchesTheMessagesOutsideTheGaps) {
  FlowSpec spec = two_way_spec();
  spec.reorder_probability = 0.2;
  spec.retransmit_probability = 0.2;
  spec.overlap_probability = 0.2;
  spec.loss_probability = 0.15;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    spec.seed = seed;
    const SyntheticFlow flow = make_flow(spec);
    for (const Direction d : {kC2s, kS2c}) {
      const ExpectedStream& s = flow.stream(d);
      const auto original = concat(spec, d);
      ASSERT_EQ(s.length, original.size());
      std::uint64_t gap_bytes = 0;
      std::size_t next_gap = 0;
      std::size_t delivered = 0;
      for (std::uint64_t at = 0; at < s.length; ++at) {
        if (next_gap < s.gaps.size() && at >= s.gaps[next_gap].offset) {
          if (at + 1 == s.gaps[next_gap].offset + s.gaps[next_gap].length) ++next_gap;
          ++gap_bytes;
          continue;
        }
        ASSERT_LT(delivered, s.bytes.size());
        EXPECT_EQ(s.bytes[delivered++], original[at]) << seed << " at " << at;
      }
      EXPECT_EQ(delivered, s.bytes.size());
      EXPECT_EQ(gap_bytes + s.bytes.size(), s.length);
    }
  }
}

TEST(SyntheticTrafficTest, MidStreamFlowHasNoHandshakeAndDeliversFromTheFirstSegment) {
  FlowSpec spec = two_way_spec();
  spec.handshake = false;
  const SyntheticFlow flow = make_flow(spec);
  EXPECT_EQ(flow.info[0].kind, SegmentKind::kData);
  EXPECT_EQ(std::to_integer<int>(flow.frames[0].bytes[47]), tcp_flag::kAck);
  EXPECT_EQ(flow.stream(kC2s).start_seq, spec.client_isn + 1);
  EXPECT_EQ(flow.stream(kC2s).bytes, concat(spec, kC2s));
}

TEST(SyntheticTrafficTest, DroppingTheFirstFramesAnchorsAtTheFirstCapturedSegment) {
  FlowSpec spec;
  spec.mss = 3;
  spec.ack_every = 0;
  spec.messages = {{kC2s, to_bytes("abcdefghi")}, {kS2c, to_bytes("xyz")}};
  const SyntheticFlow full = make_flow(spec);
  // Without SYN, SYN-ACK, ACK and "abc": the client stream starts at "def".
  const SyntheticFlow late = drop_first_frames(full, 4);
  ASSERT_EQ(late.frames.size(), full.frames.size() - 4);
  EXPECT_EQ(late.frames[0].bytes, full.frames[4].bytes);
  EXPECT_EQ(late.stream(kC2s).start_seq, spec.client_isn + 1 + 3);
  EXPECT_EQ(text(late.stream(kC2s).bytes), "defghi");
  EXPECT_EQ(late.stream(kC2s).length, 6u);
  EXPECT_EQ(text(late.stream(kS2c).bytes), "xyz");
  EXPECT_EQ(late.counts.data_segments, 3u);
  EXPECT_EQ(drop_first_frames(full, 1000).frames.size(), 0u);
}

TEST(SyntheticTrafficTest, VlanAndIpv6FlowsCarryTheirTagsAndExtensions) {
  FlowSpec spec = tiny_spec();
  spec.ip_version = 6;
  spec.client_ip = ipv6_address({0xfd00, 0, 0, 0, 0, 0, 0, 1});
  spec.server_ip = ipv6_address({0xfd00, 0, 0, 0, 0, 0, 0, 2});
  spec.vlans = {10, 20};
  spec.ipv6_extensions = {{kIpv6DestinationOptions, 8, 0}};
  const SyntheticFlow flow = make_flow(spec);
  const auto& f = flow.frames[3].bytes;  // "ABCD"
  EXPECT_EQ(load_be16(f.data() + 12), kTpidDot1ad);
  EXPECT_EQ(load_be16(f.data() + 14), 10);
  EXPECT_EQ(load_be16(f.data() + 16), kTpidDot1q);
  EXPECT_EQ(load_be16(f.data() + 18), 20);
  EXPECT_EQ(load_be16(f.data() + 20), kEtherTypeIpv6);
  EXPECT_EQ(std::to_integer<int>(f[22 + 6]), kIpv6DestinationOptions);
  EXPECT_EQ(flow.info[3].payload_offset, 22u + 40 + 8 + 32);
  EXPECT_EQ(text(flow.stream(kC2s).bytes), "ABCDEFGH");
}

TEST(SyntheticTrafficTest, InterleaveOrdersByTimestampAndKeepsTiesInFlowOrder) {
  FlowSpec a = tiny_spec();
  FlowSpec b = tiny_spec();
  b.client_port = 50000;
  b.start_time = a.start_time + a.gap / 2;
  FlowSpec c = tiny_spec();
  c.client_port = 50001;  // same timestamps as a
  const std::vector<SyntheticFlow> flows = {make_flow(a), make_flow(b), make_flow(c)};
  const auto order = interleave(flows);
  ASSERT_EQ(order.size(), 24u);  // 8 frames each
  EXPECT_EQ(order[0], &flows[0].frames[0]);
  EXPECT_EQ(order[1], &flows[2].frames[0]);
  EXPECT_EQ(order[2], &flows[1].frames[0]);
  for (std::size_t i = 1; i < order.size(); ++i) EXPECT_LE(order[i - 1]->ts, order[i]->ts);
}

}  // namespace
}  // namespace dicomsentry::synth
