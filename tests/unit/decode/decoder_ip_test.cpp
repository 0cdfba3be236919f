// Decoder tests for IPv4 (options, lengths, padding, fragments) and IPv6 extension headers.
#include <gtest/gtest.h>

#include "decode_frames.hpp"

namespace dicomsentry {
namespace {

using test::Bytes;
using test::cat;
using test::decode;

constexpr std::size_t kEth = 14;

std::size_t fragment_anomalies(const DecodeCounters& c, DecodeReason reason) {
  return c.anomalies[static_cast<std::size_t>(reason)];
}

TEST(DecoderIpv4Test, OptionsAreWalkedAndSkipped) {
  // NOP, NOP, record route (length 7, pointer 4, one empty slot), EOL: 12 bytes of options.
  const Bytes options = {0x01, 0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00, 0x00, 0x00};
  Bytes segment = cat({test::tcp(0x10), {'x'}});
  test::fill_checksum(segment, 6, 4);
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 21, options), segment});
  const auto d = decode(frame, LinkType::kEthernet, /*validate_checksums=*/true);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.ip_packet.size(), 53u);
  EXPECT_EQ(d.out.dst_port, 104);
  ASSERT_EQ(d.out.payload.size(), 1u);
  EXPECT_EQ(std::to_integer<char>(d.out.payload[0]), 'x');
}

TEST(DecoderIpv4Test, RouterAlertOption) {
  const Bytes options = {0x94, 0x04, 0x00, 0x00};  // RFC 2113, as IGMP and RSVP use it
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(2, 8, options), Bytes(8, 0)});
  const auto d = decode(frame);
  EXPECT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_EQ(d.out.ip_proto, 2);
  EXPECT_EQ(d.out.payload.size(), 8u);
}

TEST(DecoderIpv4Test, EthernetPaddingIsRemoved) {
  // 14 + 20 + 8 + 4 = 46 bytes, padded to the 60-byte Ethernet minimum with 0xee.
  Bytes frame = cat({test::ethernet(0x0800), test::ipv4(17, 12), test::udp(12), {1, 2, 3, 4}});
  frame.resize(60, 0xee);
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kUdp);
  EXPECT_EQ(d.out.ip_packet.size(), 32u);
  ASSERT_EQ(d.out.payload.size(), 4u);
  EXPECT_EQ(std::to_integer<int>(d.out.payload[3]), 4);
  EXPECT_EQ(d.out.payload_wire_length, 4u);
}

TEST(DecoderIpv4Test, TcpPaddingIsRemoved) {
  Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 20), test::tcp(0x11)});
  frame.resize(60, 0);
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.payload.size(), 0u);
  EXPECT_EQ(d.out.tcp.flags, tcp_flag::kFin | tcp_flag::kAck);
}

TEST(DecoderIpv4Test, SnaplenCutPayloadIsClippedAndWireLengthKept) {
  const Bytes full = cat({test::ethernet(0x0800), test::ipv4(6, 1020), test::tcp(0x18), Bytes(1000, 0x41)});
  const Bytes captured(full.begin(), full.begin() + 200);
  const auto d = decode(captured, LinkType::kEthernet, /*validate_checksums=*/true,
                        static_cast<std::uint32_t>(full.size()));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.ip_packet.size(), 186u);
  EXPECT_EQ(d.out.payload.size(), 146u);
  EXPECT_EQ(d.out.payload_wire_length, 1000u);
  EXPECT_EQ(d.counters.snaplen_cut, 1u);
}

TEST(DecoderIpv4Test, CutClaimLargerThanWireLengthIsStillBad) {
  // The capture lost 10 bytes but the header claims 1000 more than were captured.
  const Bytes full = cat({test::ethernet(0x0800), test::ipv4(6, 1020), test::tcp(0x18), Bytes(1000, 0)});
  const Bytes captured(full.begin(), full.begin() + 200);
  const auto d = decode(captured, LinkType::kEthernet, false, 210);
  EXPECT_EQ(d.out.reason, DecodeReason::kIpv4BadTotalLength);
}

TEST(DecoderIpv4Test, FirstFragmentDecodesTcpAndIsFlagged) {
  // MF set, offset 0: the TCP header is here, the rest of the segment is not.
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 28, {}, 0x2000), test::tcp(0x18), Bytes(8, 0x42)});
  const auto d = decode(frame, LinkType::kEthernet, /*validate_checksums=*/true);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_TRUE(d.out.is_fragment);
  EXPECT_FALSE(d.out.later_fragment);
  EXPECT_EQ(d.out.fragment_id, 0x1234u);  // test::ipv4's identification
  EXPECT_EQ(d.out.dst_port, 104);
  EXPECT_EQ(d.out.payload.size(), 8u);
  EXPECT_EQ(fragment_anomalies(d.counters, DecodeReason::kIpv4Fragment), 1u);
  EXPECT_EQ(test::sum_of(d.counters.by_reason), 0u);
  EXPECT_EQ(d.counters.tcp, 1u);
}

TEST(DecoderIpv4Test, NonFirstFragmentIsOtherIpWithEndpoints) {
  // Offset 185 * 8 = 1480, last fragment.
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 16, {}, 185), Bytes(16, 0x43)});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_TRUE(d.out.is_fragment);
  EXPECT_TRUE(d.out.later_fragment);
  EXPECT_EQ(d.out.fragment_id, 0x1234u);
  EXPECT_EQ(d.out.ip_proto, 6);
  EXPECT_EQ(d.out.src_ip.bytes[3], 1);
  EXPECT_EQ(d.out.src_port, 0);
  EXPECT_EQ(d.out.payload.size(), 16u);
  EXPECT_EQ(fragment_anomalies(d.counters, DecodeReason::kIpv4Fragment), 1u);
  EXPECT_EQ(d.counters.other_ip, 1u);
  EXPECT_EQ(d.counters.malformed, 0u);
}

TEST(DecoderIpv4Test, DontFragmentIsNotAFragment) {
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 20, {}, 0x4000), test::tcp(0x10)});
  const auto d = decode(frame);
  EXPECT_FALSE(d.out.is_fragment);
  EXPECT_EQ(fragment_anomalies(d.counters, DecodeReason::kIpv4Fragment), 0u);
}

TEST(DecoderIpv4Test, IcmpIsOtherIpAndCounted) {
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(1, 8), {8, 0, 0xf7, 0xff, 0, 0, 0, 0}});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_EQ(d.out.ip_proto, 1);
  EXPECT_EQ(d.out.payload.size(), 8u);
  EXPECT_EQ(d.counters.icmp, 1u);
  EXPECT_EQ(d.counters.other_ip, 1u);
}

TEST(DecoderIpv6Test, ExtensionHeaderChainIsWalkedToTcp) {
  const Bytes chain = cat({test::ipv6_ext(60, 8),    // hop-by-hop -> destination options
                           test::ipv6_ext(43, 16),   // destination options -> routing
                           test::ipv6_ext(51, 24),   // routing -> AH
                           {6, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0, 0}});            // AH: (4 + 2) * 4 = 24 bytes -> TCP
  const Bytes tcp = cat({test::tcp(0x18), {'d', 'i', 'c', 'm'}});
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(0, chain.size() + tcp.size()), chain, tcp});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.ip_proto, 6);
  EXPECT_EQ(d.out.ttl, 64);
  EXPECT_EQ(d.out.ip_packet.size(), 40u + 72u + 24u);
  EXPECT_EQ(d.out.dst_port, 104);
  ASSERT_EQ(d.out.payload.size(), 4u);
  EXPECT_EQ(std::to_integer<char>(d.out.payload[0]), 'd');
  EXPECT_EQ(d.out.payload.data(), d.out.ip_packet.data() + 132);
  EXPECT_EQ(d.counters.ipv6, 1u);
}

TEST(DecoderIpv6Test, ChainOfMaxLengthIsDecoded) {
  Bytes chain;
  for (std::size_t i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    chain = cat({chain, test::ipv6_ext(i + 1 == kMaxIpv6ExtensionHeaders ? 17 : 60, 8)});
  }
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(60, chain.size() + 8), chain, test::udp(8)});
  const auto d = decode(frame);
  EXPECT_EQ(d.result, DecodeResult::kUdp);
}

TEST(DecoderIpv6Test, FirstFragmentDecodesUdp) {
  const Bytes udp = cat({test::udp(100), Bytes(16, 0x55)});  // UDP length covers all fragments
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(44, 8 + udp.size()),
                           test::ipv6_fragment(17, 0, true), udp});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kUdp);
  EXPECT_TRUE(d.out.is_fragment);
  EXPECT_FALSE(d.out.later_fragment);
  EXPECT_EQ(d.out.fragment_id, 0xdeadbeefu);  // test::ipv6_fragment's identification
  EXPECT_EQ(d.out.dst_port, 53);
  EXPECT_EQ(d.out.payload.size(), 16u);
  EXPECT_EQ(fragment_anomalies(d.counters, DecodeReason::kIpv6Fragment), 1u);
  EXPECT_EQ(test::sum_of(d.counters.by_reason), 0u);
}

TEST(DecoderIpv6Test, NonFirstFragmentIsOtherIp) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(44, 8 + 24),
                           test::ipv6_fragment(17, 3, false), Bytes(24, 0x66)});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_TRUE(d.out.is_fragment);
  EXPECT_TRUE(d.out.later_fragment);
  EXPECT_EQ(d.out.fragment_id, 0xdeadbeefu);
  EXPECT_EQ(d.out.ip_proto, 17);
  EXPECT_EQ(d.out.payload.size(), 24u);
  EXPECT_EQ(d.out.payload_wire_length, 24u);
  EXPECT_EQ(fragment_anomalies(d.counters, DecodeReason::kIpv6Fragment), 1u);
}

TEST(DecoderIpv6Test, AtomicFragmentIsAWholePacket) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(44, 8 + 8),
                           test::ipv6_fragment(17, 0, false), test::udp(8)});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kUdp);
  EXPECT_FALSE(d.out.is_fragment);
  EXPECT_EQ(fragment_anomalies(d.counters, DecodeReason::kIpv6Fragment), 0u);
}

TEST(DecoderIpv6Test, EspStopsTheWalk) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(50, 16), Bytes(16, 0x77)});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_EQ(d.out.ip_proto, 50);
  EXPECT_EQ(d.out.payload.size(), 16u);
}

TEST(DecoderIpv6Test, NoNextHeaderAfterDestinationOptions) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(60, 8), test::ipv6_ext(59, 8)});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_EQ(d.out.ip_proto, 59);
  EXPECT_EQ(d.out.payload.size(), 0u);
}

TEST(DecoderIpv6Test, Icmpv6IsOtherIpAndCounted) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(58, 8), {128, 0, 0, 0, 0, 1, 0, 1}});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kOtherIp);
  EXPECT_EQ(d.out.ip_proto, 58);
  EXPECT_EQ(d.counters.icmp, 1u);
}

TEST(DecoderIpv6Test, SnaplenCutInsidePayload) {
  const Bytes full = cat({test::ethernet(0x86dd), test::ipv6(6, 520), test::tcp(0x18), Bytes(500, 0)});
  const Bytes captured(full.begin(), full.begin() + 96);
  const auto d = decode(captured, LinkType::kEthernet, true, static_cast<std::uint32_t>(full.size()));
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.ip_packet.size(), 96u - kEth);
  EXPECT_EQ(d.out.payload.size(), 96u - kEth - 60u);
  EXPECT_EQ(d.out.payload_wire_length, 500u);
}

TEST(DecoderIpv6Test, SnaplenCutInsideExtensionHeaderIsTruncated) {
  const Bytes full = cat({test::ethernet(0x86dd), test::ipv6(60, 64 + 8), test::ipv6_ext(17, 64), test::udp(8)});
  const Bytes captured(full.begin(), full.begin() + kEth + 40 + 16);
  const auto d = decode(captured, LinkType::kEthernet, false, static_cast<std::uint32_t>(full.size()));
  EXPECT_EQ(d.out.reason, DecodeReason::kIpv6Truncated);
}

}  // namespace
}  // namespace dicomsentry
