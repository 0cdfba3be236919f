// Community ID v1 against the spec's published baselines (baseline/baseline_*.json) and an
// independent hashlib implementation (community_id_vectors.py in this folder).
#include "output/community_id.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace dicomsentry {
namespace {

// Counts OpenSSL's heap allocations and frees; installed before main, while OpenSSL has
// allocated nothing yet.
std::atomic<long> g_openssl_allocs{0};
std::atomic<long> g_openssl_frees{0};
void* counting_malloc(std::size_t n, const char*, int) {
  g_openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  if (p == nullptr) g_openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) {
  if (p != nullptr) g_openssl_frees.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
const bool g_hooked =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

struct Endpoint {
  std::uint8_t version;
  IpAddress ip;
};

Endpoint ip(const char* text) {
  Endpoint e{4, {}};
  if (inet_pton(AF_INET, text, e.ip.bytes.data()) == 1) return e;
  e.version = 6;
  EXPECT_EQ(inet_pton(AF_INET6, text, e.ip.bytes.data()), 1) << text;
  return e;
}

std::string cid(std::uint8_t proto, const char* src, const char* dst, std::uint16_t sport,
                std::uint16_t dport, std::uint16_t seed = 0) {
  const Endpoint s = ip(src);
  const Endpoint d = ip(dst);
  EXPECT_EQ(s.version, d.version);
  return std::string(community_id_v1(s.version, s.ip, d.ip, proto, sport, dport, seed).view());
}

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIcmp6 = 58;
constexpr std::uint8_t kSctp = 132;
constexpr std::uint8_t kRsvp = 46;

TEST(CommunityId, TcpIpv4Seed0) {
  EXPECT_EQ(cid(kTcp, "128.232.110.120", "66.35.250.204", 34855, 80),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

TEST(CommunityId, TcpIpv4ReverseDirectionGivesSameId) {
  EXPECT_EQ(cid(kTcp, "66.35.250.204", "128.232.110.120", 80, 34855),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

TEST(CommunityId, TcpIpv4Seed1BothDirections) {
  EXPECT_EQ(cid(kTcp, "128.232.110.120", "66.35.250.204", 34855, 80, 1),
            "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
  EXPECT_EQ(cid(kTcp, "66.35.250.204", "128.232.110.120", 80, 34855, 1),
            "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
}

TEST(CommunityId, UdpIpv4BothDirectionsAndSeed) {
  EXPECT_EQ(cid(kUdp, "192.168.1.52", "8.8.8.8", 54585, 53), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
  EXPECT_EQ(cid(kUdp, "8.8.8.8", "192.168.1.52", 53, 54585), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
  EXPECT_EQ(cid(kUdp, "192.168.1.52", "8.8.8.8", 54585, 53, 1), "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=");
}

TEST(CommunityId, TcpIpv6BothDirectionsAndSeed) {
  const char* a = "2001:470:e5bf:dead:4957:2174:e82c:4887";
  const char* b = "2607:f8b0:400c:c03::1a";
  EXPECT_EQ(cid(kTcp, a, b, 63943, 25), "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
  EXPECT_EQ(cid(kTcp, b, a, 25, 63943), "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
  EXPECT_EQ(cid(kTcp, a, b, 63943, 25, 1), "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
}

TEST(CommunityId, SctpEqualPorts) {
  EXPECT_EQ(cid(kSctp, "192.168.170.8", "192.168.170.56", 7, 7), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
  EXPECT_EQ(cid(kSctp, "192.168.170.56", "192.168.170.8", 7, 7), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
}

TEST(CommunityId, EqualAddressesOrderedByPort) {
  // Values from the independent implementation; both directions must agree.
  EXPECT_EQ(cid(kTcp, "10.0.0.1", "10.0.0.1", 1234, 104), "1:oybJGlfUtMIMnaMBiyK5s+5VJhs=");
  EXPECT_EQ(cid(kTcp, "10.0.0.1", "10.0.0.1", 104, 1234), "1:oybJGlfUtMIMnaMBiyK5s+5VJhs=");
  EXPECT_EQ(cid(kTcp, "10.0.0.1", "10.0.0.1", 1234, 104, 1), "1:qRtvJFF8WiCXHaPfYqR7f+A+TQ4=");
}

TEST(CommunityId, IcmpEchoRequestAndReplyShareId) {
  EXPECT_EQ(cid(kIcmp, "192.168.0.89", "192.168.0.1", 8, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  EXPECT_EQ(cid(kIcmp, "192.168.0.1", "192.168.0.89", 0, 8), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  EXPECT_EQ(cid(kIcmp, "192.168.0.89", "192.168.0.1", 8, 0, 1), "1:03g6IloqVBdcZlPyX8r0hgoE7kA=");
}

TEST(CommunityId, IcmpOneWayTypeKeepsCode) {
  EXPECT_EQ(cid(kIcmp, "10.0.0.1", "10.0.0.2", 11, 0), "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
}

TEST(CommunityId, Icmpv6NeighbourDiscovery) {
  const char* a = "fe80::200:86ff:fe05:80da";
  const char* b = "fe80::260:97ff:fe07:69ea";
  EXPECT_EQ(cid(kIcmp6, a, b, 135, 136), "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
  EXPECT_EQ(cid(kIcmp6, b, a, 136, 135), "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
  EXPECT_EQ(cid(kIcmp6, b, a, 135, 136), "1:zavyT/cezQr1fmImYCwYnMXbgck=");
  EXPECT_EQ(cid(kIcmp6, a, b, 135, 136, 1), "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=");
}

TEST(CommunityId, Icmpv6OneWay) {
  EXPECT_EQ(cid(kIcmp6, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0),
            "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=");
}

TEST(CommunityId, PortlessProtocolIgnoresPorts) {
  EXPECT_EQ(cid(kRsvp, "10.1.12.1", "10.1.12.2", 0, 0), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
  EXPECT_EQ(cid(kRsvp, "10.1.12.2", "10.1.12.1", 999, 1), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
  EXPECT_EQ(cid(kRsvp, "10.1.12.1", "10.1.12.2", 0, 0, 1), "1:rYir8gphR31noO9iDRQmF/BteEI=");
}

// Random tuples whose IDs Wireshark's communityid post-dissector (tshark 4.0) computed from a
// generated capture; they agree with community_id_vectors.py as well.
TEST(CommunityId, AgreesWithTsharkOnRandomTuples) {
  EXPECT_EQ(cid(kUdp, "82.230.180.56", "82.230.180.56", 19772, 51750),
            "1:snEzi2Iea16uRiQ9h/4GsJEIxjY=");
  EXPECT_EQ(cid(kUdp, "82.230.180.56", "82.230.180.56", 51750, 19772),
            "1:snEzi2Iea16uRiQ9h/4GsJEIxjY=");
  EXPECT_EQ(cid(kTcp, "d23f:824:128b:2f33:c5c:7fd0:a6a3:a450",
                "9531:985d:5d9d:c9f8:1818:e811:892f:902b", 7602, 28140),
            "1:AuhaWKO5wHWQpFcQ6KP93DxEZPU=");
  EXPECT_EQ(cid(kTcp, "9.153.80.216", "22.0.163.90", 56838, 54810, 1),
            "1:Xwox2Fa/0EjnOEPY8Q/1ENetQ3A=");
  EXPECT_EQ(cid(kUdp, "8d11:6ece:1738:f7d9:3d9c:1724:11e2:b8f",
                "90c1:92cf:d3ac:94af:f21:ddb6:6cad:4a26", 16226, 29260, 1),
            "1:8SDHkSP6n320f/aPQVw2zO2glfA=");
}

TEST(CommunityId, UnknownIpVersionGivesEmpty) {
  const IpAddress a;
  const CommunityId id = community_id_v1(5, a, a, kTcp, 1, 2);
  EXPECT_TRUE(id.empty());
  EXPECT_EQ(id.view(), "");
}

TEST(CommunityId, Ipv4IgnoresBytesBeyondTheFirstFour) {
  Endpoint s = ip("128.232.110.120");
  Endpoint d = ip("66.35.250.204");
  s.ip.bytes[10] = 0xff;  // garbage past the IPv4 address must not change the hash
  EXPECT_EQ(community_id_v1(4, s.ip, d.ip, kTcp, 34855, 80).view(), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

// OpenSSL 3.0 allocates its SHA-1 state once per EVP_DigestInit; we allow that one allocation
// and nothing more, and everything allocated must be freed again (no growth per call).
TEST(CommunityId, AtMostOneOpensslAllocationPerCallAndNoneRetained) {
  if (!g_hooked) GTEST_SKIP() << "OpenSSL allocated before the hook could be installed";
  const Endpoint s = ip("128.232.110.120");
  const Endpoint d = ip("66.35.250.204");
  community_id_v1(4, s.ip, d.ip, kTcp, 34855, 80);  // first call sets up the per-thread context
  const long allocs_before = g_openssl_allocs.load();
  const long live_before = allocs_before - g_openssl_frees.load();
  constexpr int kCalls = 1000;
  for (int i = 0; i < kCalls; ++i) {
    community_id_v1(4, s.ip, d.ip, kTcp, static_cast<std::uint16_t>(i), 80);
  }
  EXPECT_LE(g_openssl_allocs.load() - allocs_before, kCalls);
  EXPECT_EQ(g_openssl_allocs.load() - g_openssl_frees.load(), live_before);
}

}  // namespace
}  // namespace dicomsentry
