// Stress: 200k random flows inserted, revisited, expired and ended, with exact counters and
// every surviving flow found again by its key from either direction.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <unordered_set>

#include "flow/flow_table.hpp"
#include "flow_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace flow_test;

constexpr std::uint32_t kFlows = 200'000;
constexpr TimestampNs kStep = 1'000'000;  // flow i is created at i ms
constexpr std::uint32_t kRevisitEvery = 7;

class CountingEndHandler : public FlowEndHandler {
 public:
  void on_flow_end(Flow& flow) override {
    ++ends;
    if (flow.end_reason == FlowEndReason::kTimeout) ++timeouts;
  }
  std::uint64_t ends = 0;
  std::uint64_t timeouts = 0;
};

// Random endpoints on random VLANs over both IP versions; index i is folded into the
// destination address so every tuple is distinct.
std::vector<DecodedPacket> random_packets(std::uint32_t count) {
  std::mt19937_64 rng(20240601);
  std::vector<DecodedPacket> packets;
  packets.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t r = rng();
    IpAddress src, dst;
    const std::uint8_t version = (r & 1) ? 6 : 4;
    const std::size_t len = version == 4 ? 4 : 16;
    for (std::size_t b = 0; b < len; ++b) src.bytes[b] = static_cast<std::uint8_t>(rng());
    for (std::size_t b = 0; b + 4 < len; ++b) dst.bytes[b] = static_cast<std::uint8_t>(rng());
    for (std::size_t b = 0; b < 4; ++b)
      dst.bytes[len - 4 + b] = static_cast<std::uint8_t>(i >> (8 * (3 - b)));
    DecodedPacket p = tcp_packet(src, static_cast<std::uint16_t>(r >> 8), dst,
                                 static_cast<std::uint16_t>(r >> 24), tcp_flag::kSyn);
    p.ip_version = version;
    const auto vlans = static_cast<std::uint8_t>((r >> 41) % 3);
    for (std::uint8_t v = 0; v < vlans; ++v) {
      p.vlan_ids[p.vlan_count++] = static_cast<std::uint16_t>((r >> (44 + 8 * v)) & 0xfff);
    }
    packets.push_back(p);
  }
  return packets;
}

DecodedPacket reversed(const DecodedPacket& p) {
  DecodedPacket r = p;
  std::swap(r.src_ip, r.dst_ip);
  std::swap(r.src_port, r.dst_port);
  r.tcp.flags = tcp_flag::kAck;
  return r;
}

TEST(FlowStress, TwoHundredThousandRandomFlows) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<DecodedPacket> packets = random_packets(kFlows);

  FlowConfig config;
  config.memcap_bytes = std::uint64_t{1 << 18} * FlowTable::bytes_per_flow();  // no eviction
  config.timeout_s = {60, 60, 60};
  CountingEndHandler handler;
  FlowTable table(config, handler);
  std::vector<std::uint64_t> ids(kFlows);
  std::unordered_set<std::uint64_t> distinct;
  for (std::uint32_t i = 0; i < kFlows; ++i) {
    const auto found = look(table, packets[i], i * kStep);
    ASSERT_TRUE(found.created) << i;
    ASSERT_EQ(found.direction, Direction::kToServer) << i;
    ids[i] = found.flow->flow_id;
    distinct.insert(ids[i]);
  }
  EXPECT_EQ(table.counters().created, kFlows);
  EXPECT_EQ(table.counters().active, kFlows);
  EXPECT_EQ(distinct.size(), kFlows);

  // Revisit every 7th flow from the other side at 200 s: same record, reverse direction.
  const TimestampNs revisit_ts = kFlows * kStep;
  for (std::uint32_t i = 0; i < kFlows; i += kRevisitEvery) {
    const auto found = look(table, reversed(packets[i]), revisit_ts);
    ASSERT_FALSE(found.created) << i;
    ASSERT_EQ(found.flow->flow_id, ids[i]) << i;
    ASSERT_EQ(found.direction, Direction::kToClient) << i;
  }

  // At 160 s, flows idle since 100 s or earlier expire: i <= 100000 not revisited.
  const TimestampNs now = 160 * kSecond;
  table.expire(now);
  std::uint64_t expected_expired = 0;
  for (std::uint32_t i = 0; i <= 100'000; ++i) expected_expired += (i % kRevisitEvery) != 0;
  EXPECT_EQ(expected_expired, 85'715u);
  EXPECT_EQ(table.counters().ended_timeout, expected_expired);
  EXPECT_EQ(handler.timeouts, expected_expired);
  EXPECT_EQ(table.counters().active, kFlows - expected_expired);

  // Every survivor is found as itself; every expired flow comes back as a new one.
  std::uint64_t recreated = 0;
  for (std::uint32_t i = 0; i < kFlows; ++i) {
    const bool survived = i > 100'000 || i % kRevisitEvery == 0;
    const auto found = look(table, packets[i], now);
    ASSERT_EQ(found.created, !survived) << i;
    if (survived) {
      ASSERT_EQ(found.flow->flow_id, ids[i]) << i;
    } else {
      ++recreated;
    }
  }
  EXPECT_EQ(recreated, expected_expired);
  EXPECT_EQ(table.counters().created, kFlows + expected_expired);
  EXPECT_EQ(table.counters().active, kFlows);
  EXPECT_EQ(table.counters().active_high_water, kFlows);
  EXPECT_EQ(table.counters().ended_evicted, 0u);

  table.end_all(FlowEndReason::kShutdown);
  EXPECT_EQ(table.counters().ended_shutdown, kFlows);
  EXPECT_EQ(handler.ends, kFlows + expected_expired);
  EXPECT_EQ(table.counters().active, 0u);

  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(30));
}

TEST(FlowStress, EvictionKeepsTheTableAtCapacity) {
  const std::vector<DecodedPacket> packets = random_packets(50'000);
  FlowConfig config;
  config.memcap_bytes = 4096 * FlowTable::bytes_per_flow();
  CountingEndHandler handler;
  FlowTable table(config, handler);
  ASSERT_EQ(table.capacity(), 4096u);
  for (std::uint32_t i = 0; i < packets.size(); ++i) look(table, packets[i], i * kStep);
  EXPECT_EQ(table.counters().created, 50'000u);
  EXPECT_EQ(table.counters().ended_evicted, 50'000u - 4096u);
  EXPECT_EQ(table.counters().active, 4096u);
  EXPECT_EQ(handler.ends, 50'000u - 4096u);
  // The survivors are exactly the newest 4096 flows.
  for (std::uint32_t i = 50'000 - 4096; i < 50'000; ++i) {
    ASSERT_FALSE(look(table, reversed(packets[i]), 50'000 * kStep).created) << i;
  }
}

}  // namespace
}  // namespace dicomsentry
