// Decoder tests for TCP options, UDP lengths and TCP/UDP/IPv4 checksum validation.
#include <gtest/gtest.h>

#include "decode_frames.hpp"

namespace dicomsentry {
namespace {

using test::Bytes;
using test::cat;
using test::decode;

constexpr bool kValidate = true;

Bytes ipv4_frame(std::uint8_t proto, const Bytes& segment) {
  return cat({test::ethernet(0x0800), test::ipv4(proto, segment.size()), segment});
}
Bytes ipv6_frame(std::uint8_t proto, const Bytes& segment) {
  return cat({test::ethernet(0x86dd), test::ipv6(proto, segment.size()), segment});
}

std::uint64_t bad_option_events(const DecodeCounters& c) {
  return c.anomalies[static_cast<std::size_t>(DecodeReason::kTcpBadOption)];
}

TEST(DecoderTcpTest, AllOptionKindsAreRead) {
  const Bytes options = {
      0x02, 0x04, 0x05, 0x78,                                // MSS 1400
      0x01,                                                  // NOP
      0x03, 0x03, 0x0e,                                      // window scale 14
      0x04, 0x02,                                            // SACK permitted
      0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,  // timestamps
      0x05, 0x12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,  // SACK, 2 blocks
      0x00, 0x00,                                            // EOL, padding
  };
  ASSERT_EQ(options.size(), 40u);
  const Bytes frame = ipv4_frame(6, test::tcp(0x10, options));
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  const TcpOptions& o = d.out.tcp.options;
  EXPECT_EQ(o.mss, 1400);
  EXPECT_EQ(o.window_scale, 14);
  EXPECT_TRUE(o.sack_permitted);
  EXPECT_TRUE(o.has_timestamps);
  EXPECT_EQ(o.ts_value, 0xdeadbeefu);
  EXPECT_EQ(o.ts_echo, 0x01020304u);
  EXPECT_EQ(o.sack_blocks, 2);
  EXPECT_FALSE(o.malformed);
  EXPECT_EQ(d.out.payload.size(), 0u);
  EXPECT_EQ(bad_option_events(d.counters), 0u);
}

TEST(DecoderTcpTest, NopNopTimestampsLayoutOfEstablishedFlows) {
  const Bytes options = {0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  const auto d = decode(ipv4_frame(6, cat({test::tcp(0x10, options), {'q'}})));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  const TcpOptions& o = d.out.tcp.options;
  EXPECT_TRUE(o.has_timestamps);
  EXPECT_EQ(o.ts_value, 0x11223344u);
  EXPECT_EQ(o.ts_echo, 0x55667788u);
  EXPECT_EQ(o.mss, 0);
  EXPECT_EQ(o.window_scale, 0xff);
  EXPECT_FALSE(o.malformed);
  EXPECT_EQ(d.out.payload.size(), 1u);
}

TEST(DecoderTcpTest, TimestampsAfterOtherPaddingTakeTheFullWalk) {
  const Bytes options = {0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x01, 0x00};
  const auto d = decode(ipv4_frame(6, test::tcp(0x10, options)));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.tcp.options.ts_value, 0x11223344u);
  EXPECT_EQ(d.out.tcp.options.ts_echo, 0x55667788u);
}

TEST(DecoderTcpTest, UnknownKindsAreSkippedByLength) {
  const Bytes options = {0x22, 0x06, 1, 2, 3, 4,                          // TCP Fast Open cookie
                         0x08, 0x0a, 0, 0, 0, 9, 0, 0, 0, 8, 0x01, 0x00, 0, 0};  // timestamps, NOP, EOL
  const auto d = decode(ipv4_frame(6, test::tcp(0x10, options)));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.tcp.options.ts_value, 9u);
  EXPECT_EQ(d.out.tcp.options.ts_echo, 8u);
  EXPECT_EQ(d.out.tcp.options.mss, 0);            // absent
  EXPECT_EQ(d.out.tcp.options.window_scale, 0xff);  // absent
  EXPECT_FALSE(d.out.tcp.options.malformed);
}

TEST(DecoderTcpTest, AbsentOptionsHaveTheirSentinels) {
  const auto d = decode(ipv4_frame(6, cat({test::tcp(0x18), {'p'}})));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.tcp.seq, 1000u);
  EXPECT_EQ(d.out.tcp.ack, 2000u);
  EXPECT_EQ(d.out.tcp.window, 0xffff);
  EXPECT_EQ(d.out.tcp.flags, tcp_flag::kPsh | tcp_flag::kAck);
  EXPECT_EQ(d.out.tcp.options.mss, 0);
  EXPECT_EQ(d.out.tcp.options.window_scale, 0xff);
  EXPECT_FALSE(d.out.tcp.options.sack_permitted);
  EXPECT_FALSE(d.out.tcp.options.has_timestamps);
  EXPECT_EQ(d.out.tcp.options.sack_blocks, 0);
  EXPECT_EQ(d.out.payload_wire_length, 1u);
}

TEST(DecoderTcpTest, WrongLengthOnKnownKindDropsOnlyThatOption) {
  const Bytes options = {0x02, 0x03, 0x05, 0x01,                          // MSS length 3, NOP
                         0x08, 0x0a, 0, 0, 0, 7, 0, 0, 0, 6, 0x00, 0x00};  // timestamps, EOL
  const auto d = decode(ipv4_frame(6, test::tcp(0x02, options)));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_TRUE(d.out.tcp.options.malformed);
  EXPECT_EQ(d.out.tcp.options.mss, 0);
  EXPECT_EQ(d.out.tcp.options.ts_value, 7u);
  EXPECT_EQ(bad_option_events(d.counters), 1u);
}

TEST(DecoderTcpTest, OptionRunningPastTheHeaderKeepsEarlierOptions) {
  const Bytes options = {0x02, 0x04, 0x02, 0x18, 0x08, 0x0a, 0, 0};  // timestamps cut at 4 bytes
  const auto d = decode(ipv4_frame(6, test::tcp(0x02, options)));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_TRUE(d.out.tcp.options.malformed);
  EXPECT_EQ(d.out.tcp.options.mss, 536);
  EXPECT_FALSE(d.out.tcp.options.has_timestamps);
  EXPECT_EQ(bad_option_events(d.counters), 1u);
  EXPECT_EQ(d.counters.malformed, 0u);
}

TEST(DecoderUdpTest, LengthShorterThanIpPayloadCutsTrailingBytes) {
  const auto d = decode(ipv4_frame(17, cat({test::udp(10), {7, 8, 0xee, 0xee}})));
  ASSERT_EQ(d.result, DecodeResult::kUdp);
  EXPECT_EQ(d.out.payload.size(), 2u);
  EXPECT_EQ(d.out.payload_wire_length, 2u);
}

// ---- checksums: the correct values come from test::ref_checksum, not from the decoder ----

Bytes tcp_segment_with_checksum(int ip_version) {
  Bytes segment = cat({test::tcp(0x18, {0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2}), {'A', 'B', 'C'}});
  test::fill_checksum(segment, 6, ip_version);
  return segment;
}

TEST(DecoderChecksumTest, Ipv4HeaderChecksum) {
  Bytes segment = test::tcp(0x10);
  test::fill_checksum(segment, 6, 4);
  const Bytes good = ipv4_frame(6, segment);
  Bytes bad = good;
  bad[14 + 10] ^= 0x01;
  EXPECT_EQ(decode(good, LinkType::kEthernet, kValidate).out.reason, DecodeReason::kCount);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, kValidate).out.reason, DecodeReason::kIpv4BadChecksum);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, !kValidate).result, DecodeResult::kTcp);
}

TEST(DecoderChecksumTest, TcpOverIpv4) {
  const Bytes good = ipv4_frame(6, tcp_segment_with_checksum(4));
  Bytes bad = good;
  bad.back() ^= 0x20;  // payload bit flip
  EXPECT_EQ(decode(good, LinkType::kEthernet, kValidate).result, DecodeResult::kTcp);
  const auto d = decode(bad, LinkType::kEthernet, kValidate);
  EXPECT_EQ(d.result, DecodeResult::kMalformed);
  EXPECT_EQ(d.out.reason, DecodeReason::kTcpBadChecksum);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, !kValidate).result, DecodeResult::kTcp);
}

TEST(DecoderChecksumTest, TcpOverIpv6) {
  const Bytes good = ipv6_frame(6, tcp_segment_with_checksum(6));
  Bytes bad = good;
  bad[14 + 40 + 4] ^= 0x80;  // sequence number bit flip
  EXPECT_EQ(decode(good, LinkType::kEthernet, kValidate).result, DecodeResult::kTcp);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, kValidate).out.reason, DecodeReason::kTcpBadChecksum);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, !kValidate).result, DecodeResult::kTcp);
}

TEST(DecoderChecksumTest, TcpOddLengthSegment) {
  Bytes segment = cat({test::tcp(0x18), {'o', 'd', 'd'}});
  test::fill_checksum(segment, 6, 4);
  EXPECT_EQ(decode(ipv4_frame(6, segment), LinkType::kEthernet, kValidate).result, DecodeResult::kTcp);
}

TEST(DecoderChecksumTest, UdpOverIpv4IncludingAbsentChecksum) {
  Bytes segment = cat({test::udp(13), {'h', 'e', 'l', 'l', 'o'}});
  const Bytes absent = ipv4_frame(17, segment);  // checksum 0: not computed by the sender
  test::fill_checksum(segment, 17, 4);
  const Bytes good = ipv4_frame(17, segment);
  Bytes bad = good;
  bad.back() ^= 0x01;
  EXPECT_EQ(decode(absent, LinkType::kEthernet, kValidate).result, DecodeResult::kUdp);
  EXPECT_EQ(decode(good, LinkType::kEthernet, kValidate).result, DecodeResult::kUdp);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, kValidate).out.reason, DecodeReason::kUdpBadChecksum);
  EXPECT_EQ(decode(bad, LinkType::kEthernet, !kValidate).result, DecodeResult::kUdp);
}

TEST(DecoderChecksumTest, UdpOverIpv6ZeroChecksumIsBad) {
  Bytes segment = cat({test::udp(12), {1, 2, 3, 4}});
  const Bytes zero = ipv6_frame(17, segment);
  test::fill_checksum(segment, 17, 6);
  const Bytes good = ipv6_frame(17, segment);
  EXPECT_EQ(decode(good, LinkType::kEthernet, kValidate).result, DecodeResult::kUdp);
  EXPECT_EQ(decode(zero, LinkType::kEthernet, kValidate).out.reason, DecodeReason::kUdpBadChecksum);
  EXPECT_EQ(decode(zero, LinkType::kEthernet, !kValidate).result, DecodeResult::kUdp);
}

TEST(DecoderChecksumTest, SnaplenCutSegmentIsNotChecked) {
  const Bytes full = ipv4_frame(6, cat({test::tcp(0x18), Bytes(100, 0x33)}));  // checksum 0
  const Bytes captured(full.begin(), full.begin() + 80);
  const auto d = decode(captured, LinkType::kEthernet, kValidate, static_cast<std::uint32_t>(full.size()));
  EXPECT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.payload_wire_length, 100u);
}

TEST(DecoderChecksumTest, ReferenceChecksumMatchesRfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
  EXPECT_EQ(test::ref_checksum({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}), 0x220d);
}

}  // namespace
}  // namespace dicomsentry
