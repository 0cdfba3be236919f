// One test per DecodeReason: each asserts that exactly that counter moved, and nothing else.
#include <gtest/gtest.h>

#include "decode_frames.hpp"

namespace dicomsentry {
namespace {

using test::Bytes;
using test::cat;
using test::decode;

constexpr std::size_t index_of(DecodeReason reason) { return static_cast<std::size_t>(reason); }

void expect_only_reason(const test::Decoded& d, DecodeReason reason) {
  EXPECT_EQ(d.result, DecodeResult::kMalformed);
  EXPECT_EQ(d.out.result, DecodeResult::kMalformed);
  EXPECT_EQ(d.out.reason, reason) << decode_reason_name(d.out.reason);
  for (std::size_t i = 0; i < kDecodeReasonCount; ++i) {
    EXPECT_EQ(d.counters.by_reason[i], i == index_of(reason) ? 1u : 0u)
        << decode_reason_name(static_cast<DecodeReason>(i));
  }
  EXPECT_EQ(test::sum_of(d.counters.anomalies), 0u);
  EXPECT_EQ(d.counters.packets, 1u);
  EXPECT_EQ(d.counters.malformed, 1u);
  EXPECT_EQ(d.counters.tcp + d.counters.udp + d.counters.other_ip + d.counters.not_ip, 0u);
}

// For the reasons that flag a packet that is still decoded.
void expect_only_anomaly(const test::Decoded& d, DecodeReason reason, DecodeResult result) {
  EXPECT_EQ(d.result, result);
  EXPECT_EQ(d.out.reason, DecodeReason::kCount);
  for (std::size_t i = 0; i < kDecodeReasonCount; ++i) {
    EXPECT_EQ(d.counters.anomalies[i], i == index_of(reason) ? 1u : 0u)
        << decode_reason_name(static_cast<DecodeReason>(i));
  }
  EXPECT_EQ(test::sum_of(d.counters.by_reason), 0u);
  EXPECT_EQ(d.counters.malformed, 0u);
}

Bytes eth_ipv4(std::uint8_t proto, const Bytes& payload) {
  return cat({test::ethernet(0x0800), test::ipv4(proto, payload.size()), payload});
}
Bytes eth_ipv6(std::uint8_t next, const Bytes& payload) {
  return cat({test::ethernet(0x86dd), test::ipv6(next, payload.size()), payload});
}

TEST(DecoderReasonTest, LinkUnsupported) {
  const Bytes frame(64, 0);
  expect_only_reason(decode(frame, static_cast<LinkType>(105)), DecodeReason::kLinkUnsupported);
}

TEST(DecoderReasonTest, EthernetTruncated) {
  const Bytes frame = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08};
  expect_only_reason(decode(frame), DecodeReason::kEthernetTruncated);
}

TEST(DecoderReasonTest, VlanTruncated) {
  const Bytes frame = cat({test::ethernet(0x8100), {0x00, 0x64}});
  expect_only_reason(decode(frame), DecodeReason::kVlanTruncated);
}

TEST(DecoderReasonTest, VlanTooMany) {
  Bytes frame = test::ethernet(0x8100);
  for (std::size_t i = 0; i <= kMaxVlanDepth; ++i) {
    frame = cat({frame, test::vlan_tag(1, i == kMaxVlanDepth ? 0x0800 : 0x8100)});
  }
  frame = cat({frame, test::ipv4(6, 20), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kVlanTooMany);
}

TEST(DecoderReasonTest, NullTruncated) {
  const Bytes frame = {0x02, 0x00, 0x00};
  expect_only_reason(decode(frame, LinkType::kNull), DecodeReason::kNullTruncated);
  expect_only_reason(decode(frame, LinkType::kLoop), DecodeReason::kNullTruncated);
}

TEST(DecoderReasonTest, NullUnknownFamily) {
  const Bytes frame = cat({{0x07, 0x00, 0x00, 0x00}, test::ipv4(6, 20), test::tcp(0x10)});
  expect_only_reason(decode(frame, LinkType::kNull), DecodeReason::kNullUnknownFamily);
}

TEST(DecoderReasonTest, SllTruncated) {
  const Bytes frame(15, 0);
  expect_only_reason(decode(frame, LinkType::kLinuxSll), DecodeReason::kSllTruncated);
}

TEST(DecoderReasonTest, Sll2Truncated) {
  const Bytes frame(19, 0);
  expect_only_reason(decode(frame, LinkType::kLinuxSll2), DecodeReason::kSll2Truncated);
}

TEST(DecoderReasonTest, IpUnknownVersion) {
  Bytes packet = cat({test::ipv4(6, 20), test::tcp(0x10)});
  packet[0] = 0x55;
  expect_only_reason(decode(packet, LinkType::kRaw), DecodeReason::kIpUnknownVersion);
  expect_only_reason(decode(Bytes{}, LinkType::kRaw), DecodeReason::kIpUnknownVersion);
}

TEST(DecoderReasonTest, Ipv4Truncated) {
  const Bytes header = test::ipv4(6, 0);
  const Bytes frame = cat({test::ethernet(0x0800), Bytes(header.begin(), header.begin() + 19)});
  expect_only_reason(decode(frame), DecodeReason::kIpv4Truncated);
}

TEST(DecoderReasonTest, Ipv4TruncatedInsideOptions) {
  const Bytes header = test::ipv4(6, 0, {1, 1, 1, 0});
  const Bytes frame = cat({test::ethernet(0x0800), Bytes(header.begin(), header.begin() + 22)});
  expect_only_reason(decode(frame), DecodeReason::kIpv4Truncated);
}

TEST(DecoderReasonTest, Ipv4BadVersion) {
  Bytes frame = eth_ipv4(6, test::tcp(0x10));
  frame[14] = 0x65;
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadVersion);
}

TEST(DecoderReasonTest, Ipv4BadHeaderLength) {
  Bytes frame = eth_ipv4(6, test::tcp(0x10));
  frame[14] = 0x44;
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadHeaderLength);
}

TEST(DecoderReasonTest, Ipv4TotalLengthBelowHeaderLength) {
  Bytes frame = eth_ipv4(6, test::tcp(0x10));
  test::put16(frame, 16, 19);
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadTotalLength);
}

TEST(DecoderReasonTest, Ipv4TotalLengthBeyondUncutFrame) {
  Bytes frame = eth_ipv4(6, test::tcp(0x10));
  test::put16(frame, 16, 41);  // one byte more than the frame holds, and it was not cut
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadTotalLength);
}

TEST(DecoderReasonTest, Ipv4OptionLengthTooShort) {
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 20, {0x07, 0x01, 0x00, 0x00}), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadOption);
}

TEST(DecoderReasonTest, Ipv4OptionRunsPastHeader) {
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 20, {0x01, 0x44, 0x08, 0x05}), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadOption);
}

TEST(DecoderReasonTest, Ipv4RecordRouteWithoutPointer) {
  // Length 2 passes the generic walk but record route needs its pointer byte (RFC 791).
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 20, {0x07, 0x02, 0x00, 0x00}), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadOption);
}

TEST(DecoderReasonTest, Ipv4RouterAlertWithWrongLength) {
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(6, 20, {0x94, 0x03, 0x00, 0x00}), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kIpv4BadOption);
}

TEST(DecoderReasonTest, Ipv4BadChecksum) {
  Bytes frame = eth_ipv4(6, test::tcp(0x10));
  frame[14 + 8] = 63;  // TTL changed without updating the checksum
  expect_only_reason(decode(frame, LinkType::kEthernet, true), DecodeReason::kIpv4BadChecksum);
}

TEST(DecoderReasonTest, Ipv4FragmentIsAnAnomaly) {
  const Bytes frame = cat({test::ethernet(0x0800), test::ipv4(17, 8, {}, 0x0010), Bytes(8, 0)});
  expect_only_anomaly(decode(frame), DecodeReason::kIpv4Fragment, DecodeResult::kOtherIp);
}

TEST(DecoderReasonTest, Ipv6Truncated) {
  const Bytes header = test::ipv6(6, 20);
  const Bytes frame = cat({test::ethernet(0x86dd), Bytes(header.begin(), header.begin() + 39)});
  expect_only_reason(decode(frame), DecodeReason::kIpv6Truncated);
}

TEST(DecoderReasonTest, Ipv6BadVersion) {
  Bytes frame = eth_ipv6(6, test::tcp(0x10));
  frame[14] = 0x40;
  expect_only_reason(decode(frame), DecodeReason::kIpv6BadVersion);
}

TEST(DecoderReasonTest, Ipv6JumboPayloadLength) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(6, 0), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kIpv6BadPayloadLength);
}

TEST(DecoderReasonTest, Ipv6PayloadLengthBeyondUncutFrame) {
  const Bytes frame = cat({test::ethernet(0x86dd), test::ipv6(6, 21), test::tcp(0x10)});
  expect_only_reason(decode(frame), DecodeReason::kIpv6BadPayloadLength);
}

TEST(DecoderReasonTest, Ipv6HopByHopNotFirst) {
  const Bytes frame = eth_ipv6(60, cat({test::ipv6_ext(0, 8), test::ipv6_ext(6, 8), test::tcp(0x10)}));
  expect_only_reason(decode(frame), DecodeReason::kIpv6BadExtensionHeader);
}

TEST(DecoderReasonTest, Ipv6ExtensionHeaderLongerThanPayload) {
  Bytes ext = test::ipv6_ext(6, 8);
  ext[1] = 3;  // claims 32 bytes; the payload length says 28
  const Bytes frame = eth_ipv6(60, cat({ext, test::tcp(0x10)}));
  expect_only_reason(decode(frame), DecodeReason::kIpv6BadExtensionHeader);
}

TEST(DecoderReasonTest, Ipv6TooManyExtensionHeaders) {
  Bytes chain;
  for (std::size_t i = 0; i <= kMaxIpv6ExtensionHeaders; ++i) {
    chain = cat({chain, test::ipv6_ext(i == kMaxIpv6ExtensionHeaders ? 6 : 60, 8)});
  }
  const Bytes frame = eth_ipv6(60, cat({chain, test::tcp(0x10)}));
  expect_only_reason(decode(frame), DecodeReason::kIpv6TooManyExtensionHeaders);
}

TEST(DecoderReasonTest, Ipv6FragmentIsAnAnomaly) {
  const Bytes frame = eth_ipv6(44, cat({test::ipv6_fragment(6, 100, true), Bytes(16, 0)}));
  expect_only_anomaly(decode(frame), DecodeReason::kIpv6Fragment, DecodeResult::kOtherIp);
}

TEST(DecoderReasonTest, TcpTruncated) {
  const Bytes segment = test::tcp(0x10);
  const Bytes frame = eth_ipv4(6, Bytes(segment.begin(), segment.begin() + 19));
  expect_only_reason(decode(frame), DecodeReason::kTcpTruncated);
}

TEST(DecoderReasonTest, TcpOffsetBelowFive) {
  Bytes segment = test::tcp(0x10);
  segment[12] = 0x40;
  expect_only_reason(decode(eth_ipv4(6, segment)), DecodeReason::kTcpBadOffset);
}

TEST(DecoderReasonTest, TcpOffsetBeyondSegment) {
  Bytes segment = cat({test::tcp(0x10), Bytes(8, 0)});
  segment[12] = 0x80;  // 32-byte header in a 28-byte segment
  expect_only_reason(decode(eth_ipv4(6, segment)), DecodeReason::kTcpBadOffset);
}

TEST(DecoderReasonTest, TcpBadOptionIsAnAnomaly) {
  const Bytes segment = test::tcp(0x02, {0x02, 0x00, 0x00, 0x00});  // MSS with length 0
  expect_only_anomaly(decode(eth_ipv4(6, segment)), DecodeReason::kTcpBadOption, DecodeResult::kTcp);
}

TEST(DecoderReasonTest, TcpBadChecksum) {
  const Bytes frame = eth_ipv6(6, test::tcp(0x10));  // checksum field 0, which is wrong here
  expect_only_reason(decode(frame, LinkType::kEthernet, true), DecodeReason::kTcpBadChecksum);
}

TEST(DecoderReasonTest, UdpTruncated) {
  const Bytes frame = eth_ipv4(17, {0x14, 0xe9, 0x00, 0x35, 0x00, 0x08});
  expect_only_reason(decode(frame), DecodeReason::kUdpTruncated);
}

TEST(DecoderReasonTest, UdpLengthBelowHeader) {
  expect_only_reason(decode(eth_ipv4(17, test::udp(7))), DecodeReason::kUdpBadLength);
}

TEST(DecoderReasonTest, UdpLengthBeyondIpPayload) {
  expect_only_reason(decode(eth_ipv4(17, cat({test::udp(12), {1, 2, 3}}))), DecodeReason::kUdpBadLength);
}

TEST(DecoderReasonTest, UdpBadChecksum) {
  Bytes segment = cat({test::udp(10), {0x12, 0x34}});
  segment[6] = 0x12;  // a non-zero, wrong checksum
  expect_only_reason(decode(eth_ipv4(17, segment), LinkType::kEthernet, true), DecodeReason::kUdpBadChecksum);
}

TEST(DecoderCountersTest, OutcomesAddUpAndMerge) {
  const std::vector<std::pair<Bytes, LinkType>> frames = {
      {eth_ipv4(6, test::tcp(0x10)), LinkType::kEthernet},
      {eth_ipv6(17, test::udp(8)), LinkType::kEthernet},
      {eth_ipv4(1, Bytes(8, 0)), LinkType::kEthernet},
      {cat({test::ethernet(0x0806), Bytes(28, 0)}), LinkType::kEthernet},
      {Bytes(5, 0), LinkType::kEthernet},
      {Bytes(5, 0), LinkType::kLinuxSll},
  };
  DecodeCounters total;
  for (const auto& [frame, link] : frames) total += decode(frame, link).counters;
  EXPECT_EQ(total.packets, 6u);
  EXPECT_EQ(total.tcp, 1u);
  EXPECT_EQ(total.udp, 1u);
  EXPECT_EQ(total.other_ip, 1u);
  EXPECT_EQ(total.icmp, 1u);
  EXPECT_EQ(total.not_ip, 1u);
  EXPECT_EQ(total.malformed, 2u);
  EXPECT_EQ(total.by_reason[index_of(DecodeReason::kEthernetTruncated)], 1u);
  EXPECT_EQ(total.by_reason[index_of(DecodeReason::kSllTruncated)], 1u);
  EXPECT_EQ(total.ethernet, 4u);
  EXPECT_EQ(total.ipv4, 2u);
  EXPECT_EQ(total.ipv6, 1u);
  EXPECT_EQ(total.bytes, 54u + 62u + 42u + 42u + 5u + 5u);
}

TEST(DecoderCountersTest, ReusedOutputIsResetBetweenPackets) {
  const Bytes tagged_tcp = cat({test::ethernet(0x8100), test::vlan_tag(9, 0x0800), test::ipv4(6, 21), test::tcp(0x18), {'z'}});
  const Bytes arp = cat({test::ethernet(0x0806), Bytes(28, 0)});
  DecodedPacket out;
  DecodeCounters counters;
  PacketView packet;
  packet.bytes = as_byte_view(tagged_tcp.data(), tagged_tcp.size());
  packet.original_length = static_cast<std::uint32_t>(tagged_tcp.size());
  ASSERT_EQ(decode_packet(packet, DecodeOptions{}, out, counters), DecodeResult::kTcp);
  packet.bytes = as_byte_view(arp.data(), arp.size());
  packet.original_length = static_cast<std::uint32_t>(arp.size());
  ASSERT_EQ(decode_packet(packet, DecodeOptions{}, out, counters), DecodeResult::kNotIp);
  EXPECT_EQ(out.result, DecodeResult::kNotIp);
  EXPECT_EQ(out.vlan_count, 0);
  EXPECT_EQ(out.vlan_ids[0], 0);
  EXPECT_EQ(out.ip_version, 0);
  EXPECT_EQ(out.src_port, 0);
  EXPECT_EQ(out.payload.size(), 0u);
  EXPECT_EQ(out.payload_wire_length, 0u);
  EXPECT_EQ(counters.packets, 2u);
}

}  // namespace
}  // namespace dicomsentry
