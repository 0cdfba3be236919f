// Flow table identity: one flow per conversation, client/server roles, VLAN and IP version in
// the key, deterministic flow ids, and the size budget of a flow record.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include <set>

#include "flow/flow_table.hpp"
#include "flow_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace flow_test;

// The record size is a budget: 4 flows per 1 KiB and a cache-friendly layout.
static_assert(sizeof(Flow) <= 248, "Flow grew past its 248-byte budget");

TEST(FlowRecord, SizeIsAtMost248Bytes) {
  EXPECT_LE(sizeof(Flow), 248u);
  EXPECT_EQ(FlowTable::bytes_per_flow(), sizeof(Flow) + sizeof(std::uint32_t));
}

class FlowTableTest : public ::testing::Test {
 protected:
  RecordingEndHandler handler_;
  FlowTable table_{FlowConfig{}, handler_};
  const IpAddress a_ = ipv4(10, 0, 0, 1);  // the key's lo address
  const IpAddress b_ = ipv4(10, 0, 0, 2);
};

TEST_F(FlowTableTest, BothDirectionsMapToOneFlow) {
  const auto syn = look(table_, tcp_packet(a_, 40000, b_, 104, tcp_flag::kSyn), 1 * kSecond);
  const auto syn_ack =
      look(table_, tcp_packet(b_, 104, a_, 40000, tcp_flag::kSyn | tcp_flag::kAck), 2 * kSecond);
  EXPECT_TRUE(syn.created);
  EXPECT_FALSE(syn_ack.created);
  EXPECT_EQ(syn.flow, syn_ack.flow);
  EXPECT_EQ(syn.direction, Direction::kToServer);
  EXPECT_EQ(syn_ack.direction, Direction::kToClient);
  EXPECT_EQ(syn.flow->first_ts, 1 * kSecond);
  EXPECT_EQ(syn.flow->last_ts, 2 * kSecond);
  EXPECT_EQ(table_.counters().created, 1u);
  EXPECT_EQ(table_.counters().active, 1u);
}

TEST_F(FlowTableTest, SynSenderIsClientEvenFromTheHighAddress) {
  const auto syn = look(table_, tcp_packet(b_, 50000, a_, 40000, tcp_flag::kSyn), kSecond);
  EXPECT_EQ(syn.direction, Direction::kToServer);
  EXPECT_EQ(syn.flow->client_is_lo, 0);
  EXPECT_EQ(syn.flow->midstream, 0);
  const auto reply = look(table_, tcp_packet(a_, 40000, b_, 50000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(reply.direction, Direction::kToClient);
}

TEST_F(FlowTableTest, SynAckSeenFirstMakesItsSenderTheServer) {
  const auto syn_ack =
      look(table_, tcp_packet(a_, 40000, b_, 50000, tcp_flag::kSyn | tcp_flag::kAck), kSecond);
  EXPECT_EQ(syn_ack.direction, Direction::kToClient);
  EXPECT_EQ(syn_ack.flow->client_is_lo, 0);  // b_ (hi) is the client
  EXPECT_EQ(syn_ack.flow->midstream, 0);
  const auto ack = look(table_, tcp_packet(b_, 50000, a_, 40000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(ack.direction, Direction::kToServer);
}

TEST_F(FlowTableTest, DicomPort104MidstreamMakesThatSideTheServer) {
  // Data from the server side first: port 104 decides, not who spoke first.
  const auto data = look(table_, tcp_packet(a_, 104, b_, 50000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(data.direction, Direction::kToClient);
  EXPECT_EQ(data.flow->client_is_lo, 0);
  EXPECT_EQ(data.flow->midstream, 1);
}

TEST_F(FlowTableTest, DicomPort11112MidstreamMakesThatSideTheServer) {
  const auto data = look(table_, tcp_packet(b_, 40000, a_, 11112, tcp_flag::kAck), kSecond);
  EXPECT_EQ(data.direction, Direction::kToServer);
  EXPECT_EQ(data.flow->client_is_lo, 0);  // the client b_ is the hi address
  EXPECT_EQ(data.flow->midstream, 1);
  const auto back = look(table_, tcp_packet(a_, 11112, b_, 40000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(back.direction, Direction::kToClient);
}

TEST_F(FlowTableTest, ConfiguredServerPortsReplaceTheDefaults) {
  FlowConfig config;
  config.server_ports = {4242};
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  const auto data = look(table, tcp_packet(a_, 4242, b_, 50000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(data.direction, Direction::kToClient);
  // 11112 is no longer a server port: both ports are >= 1024, so the first sender is client.
  const auto other = look(table, tcp_packet(a_, 11112, b_, 50001, tcp_flag::kAck), kSecond);
  EXPECT_EQ(other.direction, Direction::kToServer);
}

TEST_F(FlowTableTest, PrivilegedPortMidstreamIsTheServer) {
  const auto from_server = look(table_, tcp_packet(a_, 80, b_, 50000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(from_server.direction, Direction::kToClient);
  const auto to_server = look(table_, tcp_packet(a_, 50001, b_, 443, tcp_flag::kAck), kSecond);
  EXPECT_EQ(to_server.direction, Direction::kToServer);
  EXPECT_EQ(to_server.flow->client_is_lo, 1);
}

TEST_F(FlowTableTest, NoHintMakesTheFirstSenderTheClient) {
  const auto high_ports = look(table_, tcp_packet(b_, 50000, a_, 40000, tcp_flag::kAck), kSecond);
  EXPECT_EQ(high_ports.direction, Direction::kToServer);
  EXPECT_EQ(high_ports.flow->client_is_lo, 0);
  EXPECT_EQ(high_ports.flow->midstream, 1);
  // Two privileged ports give no hint either.
  const auto low_ports = look(table_, tcp_packet(b_, 80, a_, 443, tcp_flag::kAck), kSecond);
  EXPECT_EQ(low_ports.direction, Direction::kToServer);
  EXPECT_EQ(low_ports.flow->client_is_lo, 0);
}

TEST_F(FlowTableTest, UdpIsNeverMidstream) {
  const auto udp = look(table_, udp_packet(b_, 5353, a_, 104), kSecond);
  EXPECT_EQ(udp.direction, Direction::kToServer);
  EXPECT_EQ(udp.flow->midstream, 0);
  EXPECT_EQ(udp.flow->key.ip_proto, 17);
}

TEST_F(FlowTableTest, VlanStacksMakeDifferentFlows) {
  const std::initializer_list<std::uint16_t> stacks[] = {{}, {10}, {20}, {10, 20}, {20, 10}};
  std::set<Flow*> flows;
  for (const auto& vlans : stacks) {
    const auto found = look(table_, tcp_packet(a_, 40000, b_, 104, tcp_flag::kSyn, vlans), kSecond);
    EXPECT_TRUE(found.created);
    flows.insert(found.flow);
  }
  EXPECT_EQ(flows.size(), 5u);
  EXPECT_EQ(table_.counters().created, 5u);
  // The reply on [10,20] finds the [10,20] flow, not [10] or [20].
  const auto reply =
      look(table_, tcp_packet(b_, 104, a_, 40000, tcp_flag::kAck, {10, 20}), kSecond);
  EXPECT_FALSE(reply.created);
  EXPECT_EQ(reply.flow->key.vlan_count, 2);
  EXPECT_EQ(reply.flow->key.vlan_ids[0], 10);
  EXPECT_EQ(reply.flow->key.vlan_ids[1], 20);
}

TEST_F(FlowTableTest, StaleVlanSlotsBeyondTheCountAreIgnored) {
  DecodedPacket first = tcp_packet(a_, 40000, b_, 104, tcp_flag::kSyn, {10});
  DecodedPacket second = tcp_packet(b_, 104, a_, 40000, tcp_flag::kAck, {10});
  second.vlan_ids[1] = 999;  // left over from a previous decode into the same struct
  second.vlan_ids[2] = 7;
  const auto one = look(table_, first, kSecond);
  const auto two = look(table_, second, kSecond);
  EXPECT_FALSE(two.created);
  EXPECT_EQ(one.flow, two.flow);
}

TEST_F(FlowTableTest, Ipv4AndIpv6WithTheSameLeadingBytesAreDifferentFlows) {
  // IPv4 10.0.0.1 and IPv6 0a00:0001:: hold identical 16 address bytes; the version differs.
  const auto v4 = look(table_, tcp_packet(a_, 40000, b_, 104, tcp_flag::kSyn), kSecond);
  const auto v6 = look(table_, tcp_packet(a_, 40000, b_, 104, tcp_flag::kSyn, {}, 6), kSecond);
  EXPECT_TRUE(v4.created);
  EXPECT_TRUE(v6.created);
  EXPECT_NE(v4.flow, v6.flow);
  EXPECT_EQ(v4.flow->key.ip_version, 4);
  EXPECT_EQ(v6.flow->key.ip_version, 6);
  const auto v6_reply =
      look(table_, tcp_packet(b_, 104, a_, 40000, tcp_flag::kAck, {}, 6), kSecond);
  EXPECT_EQ(v6_reply.flow, v6.flow);
  EXPECT_EQ(v6_reply.direction, Direction::kToClient);
}

TEST_F(FlowTableTest, Ipv6FlowsAreKeyedByTheFullAddress) {
  const auto one = look(table_, tcp_packet(ipv6(1), 40000, ipv6(2), 104, tcp_flag::kSyn, {}, 6), 1);
  const auto two = look(table_, tcp_packet(ipv6(1), 40000, ipv6(3), 104, tcp_flag::kSyn, {}, 6), 1);
  EXPECT_NE(one.flow, two.flow);
  const auto back =
      look(table_, tcp_packet(ipv6(3), 104, ipv6(1), 40000, tcp_flag::kAck, {}, 6), 2);
  EXPECT_EQ(back.flow, two.flow);
  EXPECT_EQ(back.direction, Direction::kToClient);
}

TEST(FlowId, DeterministicForTheSameKeyAndFirstTimestamp) {
  const DecodedPacket syn =
      tcp_packet(ipv4(192, 168, 1, 5), 40000, ipv4(192, 168, 1, 9), 104, tcp_flag::kSyn);
  RecordingEndHandler h1, h2, h3;
  FlowTable t1(FlowConfig{}, h1), t2(FlowConfig{}, h2), t3(FlowConfig{}, h3);
  const std::uint64_t id1 = look(t1, syn, 1'700'000'000 * kSecond).flow->flow_id;
  const std::uint64_t id2 = look(t2, syn, 1'700'000'000 * kSecond).flow->flow_id;
  const std::uint64_t id3 = look(t3, syn, 1'700'000'000 * kSecond + 1).flow->flow_id;
  EXPECT_EQ(id1, id2);
  EXPECT_NE(id1, id3);
  EXPECT_NE(id1, 0u);
  EXPECT_LT(id1, std::uint64_t{1} << 51);
}

TEST(FlowId, AlwaysBelow2Pow51AndNonZero) {
  RecordingEndHandler handler;
  FlowTable table(FlowConfig{}, handler);
  std::set<std::uint64_t> ids;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const DecodedPacket p =
        tcp_packet(ipv4(10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
                   static_cast<std::uint16_t>(1024 + i), ipv4(10, 2, 0, 1), 104, tcp_flag::kSyn);
    const std::uint64_t id = look(table, p, static_cast<TimestampNs>(i) * 977).flow->flow_id;
    EXPECT_LT(id, std::uint64_t{1} << 51);
    EXPECT_NE(id, 0u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 5000u);  // no collisions among 5000 ids of 51 bits
}

TEST(FlowKey, ReverseDirectionGivesTheSameKeyAndOppositeFromLo) {
  const DecodedPacket ab = tcp_packet(ipv4(10, 0, 0, 1), 5, ipv4(10, 0, 0, 2), 104, 0);
  const DecodedPacket ba = tcp_packet(ipv4(10, 0, 0, 2), 104, ipv4(10, 0, 0, 1), 5, 0);
  const KeyedPacket k1 = make_flow_key(ab);
  const KeyedPacket k2 = make_flow_key(ba);
  EXPECT_TRUE(k1.key == k2.key);
  EXPECT_EQ(hash_flow_key(k1.key), hash_flow_key(k2.key));
  EXPECT_TRUE(k1.from_lo);
  EXPECT_FALSE(k2.from_lo);
  EXPECT_EQ(k1.key.lo_port, 5);
  EXPECT_EQ(k1.key.hi_port, 104);
}

TEST(FlowKey, SameAddressOrdersByPort) {
  const IpAddress host = ipv4(127, 0, 0, 1);
  const KeyedPacket k1 = make_flow_key(tcp_packet(host, 6000, host, 5000, 0));
  const KeyedPacket k2 = make_flow_key(tcp_packet(host, 5000, host, 6000, 0));
  EXPECT_TRUE(k1.key == k2.key);
  EXPECT_FALSE(k1.from_lo);
  EXPECT_TRUE(k2.from_lo);
  EXPECT_EQ(k1.key.lo_port, 5000);
}

// The lower endpoint is the one whose address bytes memcmp orders first (addresses are
// compared as words now): random pairs that differ in any byte, IPv6-wide, and keys equal
// exactly when every byte is.
TEST(FlowKey, LowerEndpointIsTheBytewiseSmallerAddress) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20'000; ++i) {
    IpAddress a;
    IpAddress b;
    for (auto& byte : a.bytes) byte = static_cast<std::uint8_t>(rng());
    b = a;
    const auto at = static_cast<std::size_t>(rng() % 16);  // differ from byte `at` on
    for (std::size_t k = at; k < 16; ++k) b.bytes[k] = static_cast<std::uint8_t>(rng());
    DecodedPacket p = tcp_packet(a, 1000, b, 104, 0);
    p.ip_version = 6;
    const KeyedPacket k = make_flow_key(p);
    const int order = std::memcmp(a.bytes.data(), b.bytes.data(), 16);
    const bool a_is_lo = order < 0 || (order == 0 && 1000 <= 104);
    ASSERT_EQ(k.from_lo, a_is_lo) << i;
    ASSERT_TRUE(k.key.lo_ip == (a_is_lo ? a : b)) << i;
    FlowKey other = k.key;
    EXPECT_TRUE(other == k.key);
    reinterpret_cast<std::uint8_t*>(&other)[rng() % sizeof(FlowKey)] ^= 1;
    EXPECT_FALSE(other == k.key);
  }
}

}  // namespace
}  // namespace dicomsentry
