// format_ip against inet_ntop: the EVE, inventory and policy outputs changed formatter, not text.
#include "decode/ip_text.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace dicomsentry {
namespace {

std::string inet_ntop_text(std::uint8_t version, const IpAddress& ip) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  const char* r = inet_ntop(version == 4 ? AF_INET : AF_INET6, ip.bytes.data(), text.data(),
                            text.size());
  return r == nullptr ? std::string("(inet_ntop failed)") : std::string(text.data());
}

IpAddress from_groups(const std::array<std::uint16_t, 8>& groups) {
  IpAddress ip;
  for (std::size_t i = 0; i < 8; ++i) {
    ip.bytes[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    ip.bytes[2 * i + 1] = static_cast<std::uint8_t>(groups[i]);
  }
  return ip;
}

TEST(IpText, KnownIpv4Addresses) {
  IpAddress ip;
  EXPECT_EQ(format_ip(4, ip).view(), "0.0.0.0");
  ip.bytes = {127, 0, 0, 1};
  EXPECT_EQ(format_ip(4, ip).view(), "127.0.0.1");
  ip.bytes = {255, 255, 255, 255};
  EXPECT_EQ(format_ip(4, ip).view(), "255.255.255.255");
  ip.bytes = {10, 99, 100, 9};
  EXPECT_EQ(format_ip(4, ip).view(), "10.99.100.9");
}

TEST(IpText, KnownIpv6Addresses) {
  EXPECT_EQ(format_ip(6, from_groups({0, 0, 0, 0, 0, 0, 0, 0})).view(), "::");
  EXPECT_EQ(format_ip(6, from_groups({0, 0, 0, 0, 0, 0, 0, 1})).view(), "::1");
  EXPECT_EQ(format_ip(6, from_groups({0, 0, 0, 0, 0, 0, 0, 2})).view(), "::2");
  EXPECT_EQ(format_ip(6, from_groups({0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001})).view(),
            "::ffff:10.0.0.1");
  EXPECT_EQ(format_ip(6, from_groups({0, 0, 0, 0, 0, 0, 0x0a00, 0x0001})).view(), "::10.0.0.1");
  EXPECT_EQ(format_ip(6, from_groups({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1})).view(), "2001:db8::1:0:0:1");
  EXPECT_EQ(format_ip(6, from_groups({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1})).view(), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(format_ip(6, from_groups({0xfe80, 0, 0, 0, 0x1ff, 0xfe23, 0x4567, 0x890a})).view(),
            "fe80::1ff:fe23:4567:890a");
  EXPECT_EQ(format_ip(6, from_groups({1, 0, 0, 0, 0, 0, 0, 0})).view(), "1::");
  EXPECT_EQ(format_ip(6, from_groups({0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff}))
                .view(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

// Every 8-group pattern of zero, one, 0xffff and a random group: all run layouts, the IPv4
// forms and their near misses; then random addresses.
TEST(IpText, MatchesInetNtopOnEveryGroupPattern) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<unsigned> any(0, 0xffff);
  int mismatches = 0;
  std::string first;
  for (unsigned pattern = 0; pattern < (1u << 16); ++pattern) {
    std::array<std::uint16_t, 8> groups{};
    for (std::size_t i = 0; i < 8; ++i) {
      switch ((pattern >> (2 * i)) & 3u) {
        case 0: groups[i] = 0; break;
        case 1: groups[i] = 1; break;
        case 2: groups[i] = 0xffff; break;
        default: groups[i] = static_cast<std::uint16_t>(any(rng)); break;
      }
    }
    const IpAddress ip = from_groups(groups);
    const std::string expected = inet_ntop_text(6, ip);
    if (format_ip(6, ip).view() != expected) {
      if (mismatches++ == 0) first = expected + " formatted as " + std::string(format_ip(6, ip).view());
    }
  }
  for (int n = 0; n < 100000; ++n) {
    IpAddress ip;
    for (auto& b : ip.bytes) b = static_cast<std::uint8_t>(any(rng));
    if (format_ip(6, ip).view() != inet_ntop_text(6, ip)) ++mismatches;
    if (format_ip(4, ip).view() != inet_ntop_text(4, ip)) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0) << "first: " << first;
}

}  // namespace
}  // namespace dicomsentry
