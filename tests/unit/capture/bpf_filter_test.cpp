// Offline BPF: matches per link type, compile failures reported, uncompilable link types.
#include <gtest/gtest.h>

#include <vector>

#include "capture/bpf_filter.hpp"

namespace dicomsentry {
namespace {

// IPv4 192.168.0.1 -> 192.168.0.2, TCP 49152 -> `port`, SYN, no payload: 40 bytes.
std::vector<std::byte> ipv4_tcp(std::uint16_t port) {
  // clang-format off
  std::vector<std::uint8_t> b = {
      0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
      0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,                          // IPv4
      0xc0, 0x00, static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port),
      0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff,
      0x00, 0x00, 0x00, 0x00};                                                 // TCP
  // clang-format on
  std::vector<std::byte> out;
  for (auto v : b) out.push_back(std::byte{v});
  return out;
}

std::vector<std::byte> ethernet(const std::vector<std::byte>& ip) {
  std::vector<std::uint8_t> h = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00};
  std::vector<std::byte> out;
  for (auto v : h) out.push_back(std::byte{v});
  out.insert(out.end(), ip.begin(), ip.end());
  return out;
}

PacketView view(const std::vector<std::byte>& bytes, LinkType link) {
  PacketView p;
  p.bytes = bytes;
  p.original_length = static_cast<std::uint32_t>(bytes.size());
  p.link_type = link;
  return p;
}

TEST(BpfFilter, MatchesOnEthernet) {
  std::string error;
  auto filter = BpfFilter::create("tcp dst port 104", error);
  ASSERT_TRUE(filter) << error;
  const auto dicom = ethernet(ipv4_tcp(104));
  const auto web = ethernet(ipv4_tcp(80));
  EXPECT_TRUE(filter->matches(view(dicom, LinkType::kEthernet)));
  EXPECT_FALSE(filter->matches(view(web, LinkType::kEthernet)));
  EXPECT_EQ(filter->uncompilable_packets(), 0u);
}

TEST(BpfFilter, CompilesSeparatelyForRawIp) {
  std::string error;
  auto filter = BpfFilter::create("tcp dst port 104", error);
  ASSERT_TRUE(filter) << error;
  const auto raw = ipv4_tcp(104);
  const auto eth = ethernet(ipv4_tcp(104));
  EXPECT_TRUE(filter->matches(view(raw, LinkType::kRaw)));
  EXPECT_TRUE(filter->matches(view(eth, LinkType::kEthernet)));
  // The Ethernet program on raw bytes would look for the port 14 bytes too far.
  const auto raw_other = ipv4_tcp(4242);
  EXPECT_FALSE(filter->matches(view(raw_other, LinkType::kRaw)));
}

TEST(BpfFilter, BadExpressionIsReported) {
  std::string error;
  EXPECT_FALSE(BpfFilter::create("tcp port", error));
  EXPECT_EQ(error, "bad filter 'tcp port': can't parse filter expression: syntax error");
}

TEST(BpfFilter, LinkTypeTheExpressionCannotApplyToNeverMatches) {
  std::string error;
  auto filter = BpfFilter::create("ether host 00:11:22:33:44:55", error);
  ASSERT_TRUE(filter) << error;
  const auto raw = ipv4_tcp(104);
  EXPECT_FALSE(filter->matches(view(raw, LinkType::kRaw)));
  EXPECT_FALSE(filter->matches(view(raw, LinkType::kRaw)));
  EXPECT_EQ(filter->uncompilable_packets(), 2u);
  EXPECT_EQ(filter->last_compile_error(),
            "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre "
            "Channel");
  const auto eth = ethernet(raw);
  EXPECT_TRUE(filter->matches(view(eth, LinkType::kEthernet)));
}

TEST(BpfFilter, TruncatedPacketDoesNotMatchPastCapturedBytes) {
  std::string error;
  auto filter = BpfFilter::create("tcp dst port 104", error);
  ASSERT_TRUE(filter) << error;
  auto eth = ethernet(ipv4_tcp(104));
  eth.resize(14 + 20 + 2);  // cut before the destination port
  PacketView p = view(eth, LinkType::kEthernet);
  p.original_length = 54;
  EXPECT_FALSE(filter->matches(p));
}

}  // namespace
}  // namespace dicomsentry
