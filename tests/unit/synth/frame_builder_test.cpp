// Frame builder: exact bytes (cross-checked once with tshark) and independently verified checksums.
#include "frame_builder.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace dicomsentry::synth {
namespace {

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(std::byte{static_cast<std::uint8_t>(v)});
  return out;
}

// Independent of the builder: the textbook RFC 1071 loop, 16 bits at a time, end-around carry.
std::uint16_t naive_sum(const std::vector<std::uint8_t>& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint32_t hi = data[i];
    const std::uint32_t lo = i + 1 < data.size() ? data[i + 1] : 0;
    sum += hi << 8 | lo;
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return static_cast<std::uint16_t>(sum);
}

std::vector<std::uint8_t> slice(const std::vector<std::byte>& f, std::size_t from, std::size_t n) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = from; i < from + n; ++i) out.push_back(std::to_integer<std::uint8_t>(f[i]));
  return out;
}

// A header whose checksum is right sums (with the checksum field) to 0xffff.
bool transport_checksum_ok(const std::vector<std::byte>& f, std::size_t ip_at, bool v6,
                           std::size_t transport_at, std::uint8_t proto) {
  std::vector<std::uint8_t> pseudo;
  const std::size_t address = v6 ? 16 : 4;
  const std::size_t src_at = ip_at + (v6 ? 8 : 12);
  for (const auto b : slice(f, src_at, 2 * address)) pseudo.push_back(b);
  const std::size_t length = f.size() - transport_at;
  for (const auto b : {0, 0, static_cast<int>(length >> 8), static_cast<int>(length & 0xff), 0, 0,
                       0, static_cast<int>(proto)}) {
    pseudo.push_back(static_cast<std::uint8_t>(b));
  }
  for (const auto b : slice(f, transport_at, length)) pseudo.push_back(b);
  return naive_sum(pseudo) == 0xffff;
}

FrameSpec small_ipv4_spec(const std::vector<std::byte>& payload) {
  FrameSpec s;
  s.src_ip = ipv4_address(10, 0, 0, 1);
  s.dst_ip = ipv4_address(10, 0, 0, 2);
  s.ipv4_id = 0x1234;
  s.src_port = 49152;
  s.dst_port = 104;
  s.tcp.seq = 0xfffffff0;
  s.tcp.ack = 0x10;
  s.tcp.flags = tcp_flag::kPsh | tcp_flag::kAck;
  s.tcp.window = 502;
  s.tcp.options.has_timestamps = true;
  s.tcp.options.ts_value = 0x01020304;
  s.tcp.options.ts_echo = 0x0a0b0c0d;
  s.payload = payload;
  return s;
}

TEST(FrameBuilderTest, SmallIpv4TcpFrameMatchesTsharkCheckedBytes) {
  const auto payload = to_bytes("hello");
  std::vector<std::byte> frame;
  build_frame(small_ipv4_spec(payload), frame);
  // tshark: IPv4 header checksum 0x1489 [correct], TCP checksum 0x425e [correct],
  // options NOP NOP Timestamps TSval 16909060 TSecr 168496141, Len: 5.
  EXPECT_EQ(frame, bytes_of({
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,  // eth
      0x45, 0x00, 0x00, 0x39, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x14, 0x89,              // ipv4
      0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
      0xc0, 0x00, 0x00, 0x68, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10,              // tcp
      0x80, 0x18, 0x01, 0xf6, 0x42, 0x5e, 0x00, 0x00,
      0x01, 0x01, 0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d,              // options
      0x68, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(payload_offset(small_ipv4_spec(payload)), 66u);
}

TEST(FrameBuilderTest, SmallIpv6SynWithVlanAndHopByHopMatchesTsharkCheckedBytes) {
  const VlanTag tag{42};
  const Ipv6Extension hop_by_hop{kIpv6HopByHop, 8, 0};
  FrameSpec s;
  s.vlans = std::span<const VlanTag>(&tag, 1);
  s.ipv6_extensions = std::span<const Ipv6Extension>(&hop_by_hop, 1);
  s.ip_version = 6;
  s.src_ip = ipv6_address({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
  s.dst_ip = ipv6_address({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
  s.src_port = 49153;
  s.dst_port = 11112;
  s.tcp.seq = 0xfffffc00;
  s.tcp.flags = tcp_flag::kSyn;
  s.tcp.window = 64240;
  s.tcp.options.mss = 1440;
  s.tcp.options.sack_permitted = true;
  s.tcp.options.window_scale = 7;
  s.tcp.options.has_timestamps = true;
  s.tcp.options.ts_value = 0x11223344;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  // tshark: VLAN 42, hop-by-hop with PadN(4) then TCP, checksum 0xc5dd [correct], options
  // MSS 1440, SACK permitted, Timestamps, NOP, Window scale 7.
  EXPECT_EQ(frame, bytes_of({
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // macs
      0x81, 0x00, 0x00, 0x2a, 0x86, 0xdd,                                      // vlan 42
      0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x40,                          // ipv6
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
      0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,                          // hop-by-hop
      0xc0, 0x01, 0x2b, 0x68, 0xff, 0xff, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x00,  // tcp
      0xa0, 0x02, 0xfa, 0xf0, 0xc5, 0xdd, 0x00, 0x00,
      0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,  // options
      0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07}));
  EXPECT_TRUE(transport_checksum_ok(frame, 18, true, 66, 6));
}

TEST(FrameBuilderTest, PaddedQinQUdpFrameMatchesTsharkCheckedBytes) {
  const VlanTag tags[] = {{200, kTpidDot1ad, 0}, {300, kTpidDot1q, 5}};
  const auto payload = to_bytes("abc");
  FrameSpec s;
  s.transport = IpProto::kUdp;
  s.vlans = tags;
  s.src_ip = ipv4_address(192, 168, 1, 1);
  s.dst_ip = ipv4_address(192, 168, 1, 2);
  s.src_port = 40000;
  s.dst_port = 9999;
  s.payload = payload;
  s.pad_to_ethernet_minimum = true;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  // tshark: 802.1ad 200, 802.1Q PRI 5 ID 300, IPv4 checksum 0xb77a and UDP 0xf4d1 [correct],
  // 7 bytes of Ethernet padding.
  EXPECT_EQ(frame, bytes_of({
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0xa1, 0x2c, 0x08, 0x00,
      0x45, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb7, 0x7a,
      0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02,
      0x9c, 0x40, 0x27, 0x0f, 0x00, 0x0b, 0xf4, 0xd1, 0x61, 0x62, 0x63,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST(FrameBuilderTest, ChecksumsVerifyWithAnIndependentRoutineForOddAndEvenPayloads) {
  std::vector<std::byte> frame;
  for (std::size_t length = 0; length < 70; ++length) {
    std::vector<std::byte> payload(length);
    for (std::size_t i = 0; i < length; ++i) payload[i] = std::byte{static_cast<std::uint8_t>(i * 37 + 11)};
    FrameSpec s = small_ipv4_spec(payload);
    build_frame(s, frame);
    EXPECT_EQ(naive_sum(slice(frame, 14, 20)), 0xffff) << length;
    EXPECT_TRUE(transport_checksum_ok(frame, 14, false, 34, 6)) << length;

    s.transport = IpProto::kUdp;
    build_frame(s, frame);
    EXPECT_TRUE(transport_checksum_ok(frame, 14, false, 34, 17)) << length;

    s.ip_version = 6;
    s.src_ip = ipv6_address({0xfe80, 0, 0, 0, 0, 0, 0, 0xffff});
    s.dst_ip = ipv6_address({0xfe80, 0, 0, 0, 0, 0, 0xffff, 0xffff});
    build_frame(s, frame);
    EXPECT_TRUE(transport_checksum_ok(frame, 14, true, 54, 17)) << length;
    s.transport = IpProto::kTcp;
    build_frame(s, frame);
    EXPECT_TRUE(transport_checksum_ok(frame, 14, true, 54, 6)) << length;
  }
}

TEST(FrameBuilderTest, CorruptFlagsBreakExactlyTheChosenChecksum) {
  const auto payload = to_bytes("hello");
  FrameSpec s = small_ipv4_spec(payload);
  s.corrupt_ip_checksum = true;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  EXPECT_NE(naive_sum(slice(frame, 14, 20)), 0xffff);
  EXPECT_TRUE(transport_checksum_ok(frame, 14, false, 34, 6));
  s.corrupt_ip_checksum = false;
  s.corrupt_transport_checksum = true;
  build_frame(s, frame);
  EXPECT_EQ(naive_sum(slice(frame, 14, 20)), 0xffff);
  EXPECT_FALSE(transport_checksum_ok(frame, 14, false, 34, 6));
}

TEST(FrameBuilderTest, Ipv6ExtensionChainLinksEveryNextHeader) {
  const Ipv6Extension chain[] = {{kIpv6HopByHop, 8, 0},
                                 {kIpv6Routing, 24, 0},
                                 {kIpv6Fragment, 8, 0xdeadbeef},
                                 {kIpv6DestinationOptions, 16, 0}};
  FrameSpec s;
  s.ip_version = 6;
  s.ipv6_extensions = chain;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  ASSERT_EQ(frame.size(), 14u + 40 + 8 + 24 + 8 + 16 + 20);
  const auto at = [&](std::size_t i) { return std::to_integer<int>(frame[i]); };
  EXPECT_EQ(at(14 + 4) << 8 | at(14 + 5), 8 + 24 + 8 + 16 + 20);  // payload length
  EXPECT_EQ(at(14 + 6), kIpv6HopByHop);
  EXPECT_EQ(at(54), kIpv6Routing);
  EXPECT_EQ(at(55), 0);                 // 8 bytes
  EXPECT_EQ(at(62), kIpv6Fragment);
  EXPECT_EQ(at(63), 2);                 // 24 bytes
  EXPECT_EQ(at(65), 0);                 // segments left 0
  EXPECT_EQ(at(86), kIpv6DestinationOptions);
  EXPECT_EQ(load_be32(frame.data() + 90), 0xdeadbeefu);
  EXPECT_EQ(at(94), 6);                 // TCP
  EXPECT_EQ(at(95), 1);                 // 16 bytes
  EXPECT_EQ(at(96), 1);                 // PadN ...
  EXPECT_EQ(at(97), 12);                // ... over the remaining 12 bytes
  EXPECT_TRUE(transport_checksum_ok(frame, 14, true, 110, 6));
}

TEST(FrameBuilderTest, Ipv4OptionsAndExtraTcpOptionsArePaddedWithEol) {
  const auto ip_options = bytes_of({0x94, 0x04, 0x00});      // router alert, missing one byte
  const auto tcp_options = bytes_of({0x05, 0x0a, 0, 0, 0});  // a cut SACK block
  FrameSpec s;
  s.ipv4_options = ip_options;
  s.tcp_extra_options = tcp_options;
  s.tcp.options.mss = 536;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  EXPECT_EQ(std::to_integer<int>(frame[14]), 0x46);  // IHL 6
  EXPECT_EQ(slice(frame, 34, 4), (std::vector<std::uint8_t>{0x94, 0x04, 0x00, 0x00}));
  EXPECT_EQ(naive_sum(slice(frame, 14, 24)), 0xffff);
  EXPECT_EQ(std::to_integer<int>(frame[38 + 12]), 0x80);  // data offset 8: 20 + 4 + 8
  EXPECT_EQ(slice(frame, 58, 12),
            (std::vector<std::uint8_t>{0x02, 0x04, 0x02, 0x18, 0x05, 0x0a, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(payload_offset(s), frame.size());
}

TEST(FrameBuilderTest, ReusesTheCallersBufferWithoutShrinkingIt) {
  std::vector<std::byte> frame;
  frame.reserve(4096);
  const auto* data = frame.data();
  const std::vector<std::byte> payload(1448, std::byte{0x42});
  FrameSpec s;
  s.payload = payload;
  build_frame(s, frame);
  EXPECT_EQ(frame.size(), 14u + 20 + 20 + 1448);
  s.payload = {};
  build_frame(s, frame);
  EXPECT_EQ(frame.size(), 54u);
  EXPECT_EQ(frame.data(), data);
}

TEST(FrameBuilderTest, OutOfRangeExtensionLengthsAreRoundedNotTrusted) {
  const Ipv6Extension odd[] = {{kIpv6DestinationOptions, 3, 0}, {kIpv6HopByHop, 13, 0}};
  FrameSpec s;
  s.ip_version = 6;
  s.ipv6_extensions = odd;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  EXPECT_EQ(frame.size(), 14u + 40 + 8 + 16 + 20);
}

}  // namespace
}  // namespace dicomsentry::synth
