// Where the decoder finds the link-layer addresses: views into the frame, never copies.
#include <gtest/gtest.h>

#include <string>

#include "decode_frames.hpp"

namespace dicomsentry {
namespace {

using test::Bytes;
using test::cat;
using test::decode;

Bytes ipv4_tcp_packet() { return cat({test::ipv4(6, 23), test::tcp(0x18), {'a', 'b', 'c'}}); }

// The six bytes at `mac` as "aa:bb:...", or "null".
std::string mac_text(const std::byte* mac) {
  if (mac == nullptr) return "null";
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) {
    const auto b = std::to_integer<unsigned>(mac[i]);
    if (i != 0) out += ':';
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

// test::ethernet() has destination 00:11:22:33:44:55 and source 66:77:88:99:aa:bb.
TEST(DecoderMacTest, EthernetPointsAtBothAddressesInTheFrame) {
  const Bytes frame = cat({test::ethernet(0x0800), ipv4_tcp_packet()});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(mac_text(d.out.dst_mac), "00:11:22:33:44:55");
  EXPECT_EQ(mac_text(d.out.src_mac), "66:77:88:99:aa:bb");
  // Views, not copies: the pointers are into the frame's own bytes.
  EXPECT_EQ(d.out.dst_mac, reinterpret_cast<const std::byte*>(frame.data()));
  EXPECT_EQ(d.out.src_mac, reinterpret_cast<const std::byte*>(frame.data() + 6));
}

TEST(DecoderMacTest, Dot1qFrameKeepsTheOuterHeadersAddresses) {
  const Bytes frame = cat({test::ethernet(0x8100), test::vlan_tag(100, 0x0800), ipv4_tcp_packet()});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.vlan_ids[0], 100);
  EXPECT_EQ(mac_text(d.out.dst_mac), "00:11:22:33:44:55");
  EXPECT_EQ(mac_text(d.out.src_mac), "66:77:88:99:aa:bb");
}

TEST(DecoderMacTest, QinQFrameKeepsTheOuterHeadersAddresses) {
  const Bytes frame = cat({test::ethernet(0x88a8), test::vlan_tag(200, 0x8100),
                           test::vlan_tag(300, 0x0800), ipv4_tcp_packet()});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.vlan_count, 2);
  EXPECT_EQ(mac_text(d.out.dst_mac), "00:11:22:33:44:55");
  EXPECT_EQ(mac_text(d.out.src_mac), "66:77:88:99:aa:bb");
}

TEST(DecoderMacTest, NonIpEthernetFrameStillHasAddresses) {
  const Bytes frame = cat({test::ethernet(0x0806), Bytes(28, 0)});
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kNotIp);
  EXPECT_EQ(mac_text(d.out.src_mac), "66:77:88:99:aa:bb");
}

TEST(DecoderMacTest, TruncatedEthernetHasNoAddresses) {
  const Bytes frame = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};
  const auto d = decode(frame);
  ASSERT_EQ(d.result, DecodeResult::kMalformed);
  EXPECT_EQ(d.out.src_mac, nullptr);
  EXPECT_EQ(d.out.dst_mac, nullptr);
}

TEST(DecoderMacTest, RawIpAndBsdLoopbackHaveNoAddresses) {
  const Bytes raw = ipv4_tcp_packet();
  const auto r = decode(raw, LinkType::kRaw);
  ASSERT_EQ(r.result, DecodeResult::kTcp);
  EXPECT_EQ(r.out.src_mac, nullptr);
  EXPECT_EQ(r.out.dst_mac, nullptr);
  const Bytes null_frame = cat({{0x02, 0x00, 0x00, 0x00}, ipv4_tcp_packet()});
  const auto n = decode(null_frame, LinkType::kNull);
  ASSERT_EQ(n.result, DecodeResult::kTcp);
  EXPECT_EQ(n.out.src_mac, nullptr);
  EXPECT_EQ(n.out.dst_mac, nullptr);
}

TEST(DecoderMacTest, LinuxSllHasTheSendersAddressOnly) {
  // Packet type 0, ARPHRD_ETHER, address length 6, 02:03:04:05:06:07 (+2 pad), IPv4.
  const Bytes sll = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x03,
                     0x04, 0x05, 0x06, 0x07, 0x00, 0x00, 0x08, 0x00};
  const Bytes frame = cat({sll, ipv4_tcp_packet()});
  const auto d = decode(frame, LinkType::kLinuxSll);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(mac_text(d.out.src_mac), "02:03:04:05:06:07");
  EXPECT_EQ(d.out.dst_mac, nullptr);
}

TEST(DecoderMacTest, LinuxSllWithoutASixByteMacHasNone) {
  // ARPHRD_IPGRE (778) with a 4-byte address: not a MAC.
  const Bytes sll = {0x00, 0x00, 0x03, 0x0a, 0x00, 0x04, 0x0a, 0x00,
                     0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00};
  const Bytes frame = cat({sll, ipv4_tcp_packet()});
  const auto d = decode(frame, LinkType::kLinuxSll);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(d.out.src_mac, nullptr);
  EXPECT_EQ(d.out.dst_mac, nullptr);
}

TEST(DecoderMacTest, LinuxSll2HasTheSendersAddressOnly) {
  // Protocol 0x0800, reserved, ifindex 2, ARPHRD_ETHER, packet type 4, length 6, address.
  const Bytes sll2 = {0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
                      0x04, 0x06, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x00, 0x00};
  const Bytes frame = cat({sll2, ipv4_tcp_packet()});
  const auto d = decode(frame, LinkType::kLinuxSll2);
  ASSERT_EQ(d.result, DecodeResult::kTcp);
  EXPECT_EQ(mac_text(d.out.src_mac), "02:03:04:05:06:08");
  EXPECT_EQ(d.out.dst_mac, nullptr);
}

TEST(DecoderMacTest, AddressesOfAnEarlierPacketDoNotLeakIntoTheNext) {
  const Bytes eth = cat({test::ethernet(0x0800), ipv4_tcp_packet()});
  const Bytes raw = ipv4_tcp_packet();
  PacketView packet;
  packet.bytes = as_byte_view(eth.data(), eth.size());
  packet.original_length = static_cast<std::uint32_t>(eth.size());
  packet.link_type = LinkType::kEthernet;
  DecodedPacket out;
  DecodeCounters counters;
  ASSERT_EQ(decode_packet(packet, DecodeOptions{}, out, counters), DecodeResult::kTcp);
  ASSERT_NE(out.src_mac, nullptr);
  packet.bytes = as_byte_view(raw.data(), raw.size());
  packet.original_length = static_cast<std::uint32_t>(raw.size());
  packet.link_type = LinkType::kRaw;
  ASSERT_EQ(decode_packet(packet, DecodeOptions{}, out, counters), DecodeResult::kTcp);
  EXPECT_EQ(out.src_mac, nullptr);
  EXPECT_EQ(out.dst_mac, nullptr);
}

}  // namespace
}  // namespace dicomsentry
