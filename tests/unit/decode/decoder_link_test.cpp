// Decoder tests for every link type and for VLAN / QinQ stacks.
#include <gtest/gtest.h>

#include "decode_frames.hpp"
#include "frame_builder.hpp"

namespace dicomsentry {
namespace {

using test::Bytes;
using test::cat;
using test::decode;

// A Linux SYN 10.1.2.3:51000 -> 10.1.2.4:104 (checksums verified with tshark).
const Bytes kEthernetSyn = {
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x3c, 0xbe, 0xef, 0x40, 0x00, 0x40, 0x06, 0x63, 0xc4, 0x0a, 0x01, 0x02, 0x03, 0x0a, 0x01,
    0x02, 0x04, 0xc7, 0x38, 0x00, 0x68, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0x46, 0xbe, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01,
    0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

constexpr auto& v4 = synth::ipv4_address;

// The builder's IPv4 TCP packet (10.0.0.1:40000 -> 10.0.0.2:104) with a 3-byte payload.
Bytes ipv4_tcp_packet() { return cat({test::ipv4(6, 23), test::tcp(0x18), {'a', 'b', 'c'}}); }
Bytes ipv6_udp_packet() { return cat({test::ipv6(17, 10), test::udp(10), {'h', 'i'}}); }

void expect_ipv4_tcp_abc(const test::Decoded& d) {
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.ip_version, 4);
  EXPECT_EQ(d.out.src_ip, v4(10, 0, 0, 1));
  EXPECT_EQ(d.out.dst_ip, v4(10, 0, 0, 2));
  EXPECT_EQ(d.out.src_port, 40000);
  EXPECT_EQ(d.out.dst_port, 104);
  ASSERT_EQ(d.out.payload.size(), 3u);
  EXPECT_EQ(std::to_integer<char>(d.out.payload[0]), 'a');
  EXPECT_EQ(std::to_integer<char>(d.out.payload[2]), 'c');
  EXPECT_EQ(d.counters.tcp, 1u);
  EXPECT_EQ(d.counters.malformed, 0u);
}

void expect_ipv6_udp_hi(const test::Decoded& d) {
  ASSERT_EQ(d.result, DecodeResult::kUdp);
  EXPECT_EQ(d.out.ip_version, 6);
  EXPECT_EQ(d.out.ip_proto, 17);
  EXPECT_EQ(d.out.src_ip.bytes[0], 0x20);
  EXPECT_EQ(d.out.src_ip.bytes[15], 1);
  EXPECT_EQ(d.out.dst_ip.bytes[15], 2);
  EXPECT_EQ(d.out.src_port, 5353);
  EXPECT_EQ(d.out.dst_port, 53);
  EXPECT_EQ(d.out.payload.size(), 2u);
  EXPECT_EQ(d.counters.udp, 1u);
}

TEST(DecoderLinkTest, EthernetIpv4TcpSynLiteralDecodesEveryField) {
  const auto d = decode(kEthernetSyn, LinkType::kEthernet, /*validate_checksums=*/true);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.reason, DecodeReason::kCount);
  EXPECT_EQ(d.out.vlan_count, 0);
  EXPECT_EQ(d.out.ip_version, 4);
  EXPECT_EQ(d.out.ip_proto, 6);
  EXPECT_EQ(d.out.ttl, 64);
  EXPECT_FALSE(d.out.is_fragment);
  EXPECT_EQ(d.out.src_ip, v4(10, 1, 2, 3));
  EXPECT_EQ(d.out.dst_ip, v4(10, 1, 2, 4));
  EXPECT_EQ(d.out.src_port, 51000);
  EXPECT_EQ(d.out.dst_port, 104);
  EXPECT_EQ(d.out.tcp.seq, 0x11223344u);
  EXPECT_EQ(d.out.tcp.ack, 0u);
  EXPECT_EQ(d.out.tcp.flags, tcp_flag::kSyn);
  EXPECT_EQ(d.out.tcp.window, 64240);
  EXPECT_EQ(d.out.tcp.options.mss, 1460);
  EXPECT_TRUE(d.out.tcp.options.sack_permitted);
  EXPECT_TRUE(d.out.tcp.options.has_timestamps);
  EXPECT_EQ(d.out.tcp.options.ts_value, 123456u);
  EXPECT_EQ(d.out.tcp.options.ts_echo, 0u);
  EXPECT_EQ(d.out.tcp.options.window_scale, 7);
  EXPECT_FALSE(d.out.tcp.options.malformed);
  EXPECT_EQ(d.out.ip_packet.data(), as_byte_view(kEthernetSyn.data(), 1).data() + 14);
  EXPECT_EQ(d.out.ip_packet.size(), 60u);
  EXPECT_EQ(d.out.payload.size(), 0u);
  EXPECT_EQ(d.out.payload_wire_length, 0u);
  EXPECT_EQ(d.counters.packets, 1u);
  EXPECT_EQ(d.counters.bytes, 74u);
  EXPECT_EQ(d.counters.ethernet, 1u);
  EXPECT_EQ(d.counters.ipv4, 1u);
  EXPECT_EQ(d.counters.tcp, 1u);
  EXPECT_EQ(d.counters.snaplen_cut, 0u);
}

TEST(DecoderLinkTest, Ethernet8023LlcFrameIsNotIp) {
  // 802.3 length 0x0026 followed by an STP LLC header (DSAP 0x42, SSAP 0x42, UI).
  const Bytes frame = cat({test::ethernet(0x0026), {0x42, 0x42, 0x03, 0, 0, 0, 0}});
  const auto d = decode(frame);
  EXPECT_EQ(d.result, DecodeResult::kNotIp);
  EXPECT_EQ(d.counters.not_ip, 1u);
  EXPECT_EQ(d.counters.ethernet, 1u);
  EXPECT_EQ(d.out.ip_version, 0);
}

TEST(DecoderLinkTest, ArpIsNotIp) {
  const Bytes frame = cat({test::ethernet(0x0806), Bytes(28, 0)});
  EXPECT_EQ(decode(frame).result, DecodeResult::kNotIp);
}

TEST(DecoderLinkTest, Dot1qTagKeepsVlanId) {
  // TCI 0x2064: priority 1, VLAN 100.
  const Bytes frame = cat({test::ethernet(0x8100), test::vlan_tag(0x2064, 0x0800), ipv4_tcp_packet()});
  const auto d = decode(frame);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.out.vlan_count, 1);
  EXPECT_EQ(d.out.vlan_depth, 1);
  EXPECT_EQ(d.out.vlan_ids[0], 100);
  EXPECT_EQ(d.out.vlan_ids[1], 0);
  EXPECT_EQ(d.counters.vlan_tagged, 1u);
}

TEST(DecoderLinkTest, QinQ88a8KeepsIdsOutermostFirst) {
  const Bytes frame = cat({test::ethernet(0x88a8), test::vlan_tag(200, 0x8100),
                           test::vlan_tag(300, 0x0800), ipv4_tcp_packet()});
  const auto d = decode(frame);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.out.vlan_count, 2);
  EXPECT_EQ(d.out.vlan_ids[0], 200);
  EXPECT_EQ(d.out.vlan_ids[1], 300);
}

TEST(DecoderLinkTest, QinQ9100ThenDot1q) {
  const Bytes frame = cat({test::ethernet(0x9100), test::vlan_tag(0xf00a, 0x8100),
                           test::vlan_tag(11, 0x86dd), ipv6_udp_packet()});
  const auto d = decode(frame);
  expect_ipv6_udp_hi(d);
  EXPECT_EQ(d.out.vlan_count, 2);
  EXPECT_EQ(d.out.vlan_ids[0], 10);  // priority bits masked off
  EXPECT_EQ(d.out.vlan_ids[1], 11);
}

TEST(DecoderLinkTest, DeepStackKeepsOutermostThreeAndCountsDepth) {
  Bytes frame = test::ethernet(0x88a8);
  for (std::uint16_t id = 1; id <= 5; ++id) {
    frame = cat({frame, test::vlan_tag(id, id == 5 ? 0x0800 : 0x8100)});
  }
  frame = cat({frame, ipv4_tcp_packet()});
  const auto d = decode(frame);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.out.vlan_depth, 5);
  EXPECT_EQ(d.out.vlan_count, kMaxVlans);
  EXPECT_EQ(d.out.vlan_ids[0], 1);
  EXPECT_EQ(d.out.vlan_ids[1], 2);
  EXPECT_EQ(d.out.vlan_ids[2], 3);
}

TEST(DecoderLinkTest, StackOfExactlyMaxDepthIsDecoded) {
  Bytes frame = test::ethernet(0x8100);
  for (std::size_t i = 0; i < kMaxVlanDepth; ++i) {
    frame = cat({frame, test::vlan_tag(7, i + 1 == kMaxVlanDepth ? 0x0800 : 0x8100)});
  }
  frame = cat({frame, ipv4_tcp_packet()});
  const auto d = decode(frame);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.out.vlan_depth, kMaxVlanDepth);
}

TEST(DecoderLinkTest, VlanCarryingArpIsNotIp) {
  const Bytes frame = cat({test::ethernet(0x8100), test::vlan_tag(5, 0x0806), Bytes(28, 0)});
  const auto d = decode(frame);
  EXPECT_EQ(d.result, DecodeResult::kNotIp);
  EXPECT_EQ(d.out.vlan_ids[0], 5);
}

TEST(DecoderLinkTest, LinuxSllV1) {
  // Packet type 0 (to us), ARPHRD_ETHER, address length 6, address, protocol 0x0800.
  const Bytes sll = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x03,
                     0x04, 0x05, 0x06, 0x07, 0x00, 0x00, 0x08, 0x00};
  const Bytes frame = cat({sll, ipv4_tcp_packet()});
  const auto d = decode(frame, LinkType::kLinuxSll);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.counters.linux_sll, 1u);
  EXPECT_EQ(d.counters.ethernet, 0u);
}

TEST(DecoderLinkTest, LinuxSllV1WithReinsertedVlanTag) {
  const Bytes sll = {0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x03,
                     0x04, 0x05, 0x06, 0x07, 0x00, 0x00, 0x81, 0x00};
  const Bytes frame = cat({sll, test::vlan_tag(42, 0x0800), ipv4_tcp_packet()});
  const auto d = decode(frame, LinkType::kLinuxSll);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.out.vlan_ids[0], 42);
}

TEST(DecoderLinkTest, LinuxSllV2) {
  // Protocol 0x86dd, reserved, interface index 2, ARPHRD_ETHER, packet type 4, address.
  const Bytes sll2 = {0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
                      0x04, 0x06, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x00};
  const Bytes frame = cat({sll2, ipv6_udp_packet()});
  const auto d = decode(frame, LinkType::kLinuxSll2);
  expect_ipv6_udp_hi(d);
  EXPECT_EQ(d.counters.linux_sll, 1u);
}

TEST(DecoderLinkTest, NullLoopbackIpv4InEitherByteOrder) {
  const Bytes little = cat({{0x02, 0x00, 0x00, 0x00}, ipv4_tcp_packet()});
  const Bytes big = cat({{0x00, 0x00, 0x00, 0x02}, ipv4_tcp_packet()});
  expect_ipv4_tcp_abc(decode(little, LinkType::kNull));
  const auto d = decode(big, LinkType::kNull);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.counters.loopback, 1u);
}

TEST(DecoderLinkTest, NullLoopbackIpv6ForEachOsFamily) {
  for (std::uint8_t family : {24, 28, 30}) {
    const Bytes little = cat({{family, 0x00, 0x00, 0x00}, ipv6_udp_packet()});
    const Bytes big = cat({{0x00, 0x00, 0x00, family}, ipv6_udp_packet()});
    SCOPED_TRACE(static_cast<int>(family));
    expect_ipv6_udp_hi(decode(little, LinkType::kNull));
    expect_ipv6_udp_hi(decode(big, LinkType::kNull));
  }
}

TEST(DecoderLinkTest, LoopIsNetworkOrderOnly) {
  const Bytes v4_frame = cat({{0x00, 0x00, 0x00, 0x02}, ipv4_tcp_packet()});
  const Bytes v6_frame = cat({{0x00, 0x00, 0x00, 0x18}, ipv6_udp_packet()});
  expect_ipv4_tcp_abc(decode(v4_frame, LinkType::kLoop));
  expect_ipv6_udp_hi(decode(v6_frame, LinkType::kLoop));
  const Bytes little = cat({{0x02, 0x00, 0x00, 0x00}, ipv4_tcp_packet()});
  const auto d = decode(little, LinkType::kLoop);
  EXPECT_EQ(d.result, DecodeResult::kMalformed);
  EXPECT_EQ(d.out.reason, DecodeReason::kNullUnknownFamily);
}

TEST(DecoderLinkTest, RawIpPicksVersionFromFirstNibble) {
  const Bytes v4_packet = ipv4_tcp_packet();
  const Bytes v6_packet = ipv6_udp_packet();
  const auto d = decode(v4_packet, LinkType::kRaw);
  expect_ipv4_tcp_abc(d);
  EXPECT_EQ(d.counters.raw_ip, 1u);
  expect_ipv6_udp_hi(decode(v6_packet, LinkType::kRaw));
}

TEST(DecoderLinkTest, LinktypeIpv4AndIpv6) {
  const Bytes v4_packet = ipv4_tcp_packet();
  const Bytes v6_packet = ipv6_udp_packet();
  expect_ipv4_tcp_abc(decode(v4_packet, LinkType::kIpv4));
  expect_ipv6_udp_hi(decode(v6_packet, LinkType::kIpv6));
  // The link type fixes the version: an IPv6 packet on LINKTYPE_IPV4 is malformed.
  EXPECT_EQ(decode(v6_packet, LinkType::kIpv4).out.reason, DecodeReason::kIpv4BadVersion);
  EXPECT_EQ(decode(v4_packet, LinkType::kIpv6).out.reason, DecodeReason::kIpv6BadVersion);
}

}  // namespace
}  // namespace dicomsentry
