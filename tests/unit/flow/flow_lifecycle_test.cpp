// Flow table lifecycle: timeouts by class, eviction of the longest-idle flows under a memcap,
// port reuse, end_all, and one end notification per flow.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "flow/flow_table.hpp"
#include "flow/tcp_tracker.hpp"
#include "flow_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace flow_test;

// Flow n: 10.0.<n/256>.<n%256>:40000 -> 10.9.9.9:104, a distinct tuple per n.
DecodedPacket nth_syn(std::uint32_t n, std::uint8_t flags = tcp_flag::kSyn) {
  return tcp_packet(ipv4(10, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)),
                    40000, ipv4(10, 9, 9, 9), 104, flags);
}

std::vector<std::uint64_t> ended_ids(const RecordingEndHandler& handler) {
  std::vector<std::uint64_t> ids;
  for (const EndRecord& end : handler.ends) ids.push_back(end.flow_id);
  return ids;
}

TEST(FlowTimeouts, EachClassUsesItsOwnTimeout) {
  FlowConfig config;
  config.timeout_s = {60, 600, 10};  // new, established, closed
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  Flow* fresh = look(table, nth_syn(0), 0).flow;
  Flow* established = look(table, nth_syn(1), 0).flow;
  Flow* closed = look(table, nth_syn(2), 0).flow;
  Flow* later = look(table, nth_syn(3), 30 * kSecond).flow;
  table.set_timeout_class(*established, TimeoutClass::kEstablished);
  table.set_timeout_class(*closed, TimeoutClass::kClosed);
  const std::uint64_t fresh_id = fresh->flow_id, established_id = established->flow_id,
                      closed_id = closed->flow_id, later_id = later->flow_id;

  table.expire(10 * kSecond - 1);
  EXPECT_TRUE(handler.ends.empty());
  table.expire(10 * kSecond);  // idle for exactly the timeout: ends
  ASSERT_EQ(handler.ends.size(), 1u);
  EXPECT_EQ(handler.ends[0].flow_id, closed_id);
  EXPECT_EQ(handler.ends[0].reason, FlowEndReason::kTimeout);

  table.expire(60 * kSecond);
  ASSERT_EQ(handler.ends.size(), 2u);
  EXPECT_EQ(handler.ends[1].flow_id, fresh_id);
  table.expire(90 * kSecond - 1);
  EXPECT_EQ(handler.ends.size(), 2u);
  table.expire(90 * kSecond);
  ASSERT_EQ(handler.ends.size(), 3u);
  EXPECT_EQ(handler.ends[2].flow_id, later_id);
  table.expire(600 * kSecond - 1);
  EXPECT_EQ(handler.ends.size(), 3u);
  table.expire(600 * kSecond);
  ASSERT_EQ(handler.ends.size(), 4u);
  EXPECT_EQ(handler.ends[3].flow_id, established_id);
  for (const EndRecord& end : handler.ends) EXPECT_EQ(end.reason, FlowEndReason::kTimeout);

  EXPECT_EQ(table.counters().ended_timeout, 4u);
  EXPECT_EQ(table.counters().active, 0u);
  EXPECT_EQ(table.counters().active_high_water, 4u);
}

TEST(FlowTimeouts, ActivityPostponesExpiry) {
  FlowConfig config;
  config.timeout_s = {5, 5, 5};
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  look(table, nth_syn(0), 0);
  look(table, nth_syn(1), 0);
  look(table, nth_syn(0, tcp_flag::kAck), 4 * kSecond);  // flow 0 active again
  table.expire(5 * kSecond);
  ASSERT_EQ(handler.ends.size(), 1u);
  EXPECT_EQ(handler.ends[0].key.lo_ip, ipv4(10, 0, 0, 1));  // flow 1 went, flow 0 stayed
  table.expire(9 * kSecond - 1);
  EXPECT_EQ(handler.ends.size(), 1u);
  table.expire(9 * kSecond);
  EXPECT_EQ(handler.ends.size(), 2u);
  EXPECT_EQ(handler.ends[1].last_ts, 4 * kSecond);
}

// Flows move in their list at most once a second, so a flow touched again within its second
// stays ahead of flows created after it; expiry must still end exactly the idle ones.
TEST(FlowTimeouts, ExpiryIsExactForFlowsTouchedWithinTheirSecond) {
  FlowConfig config;
  config.timeout_s = {10, 10, 10};
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  constexpr TimestampNs kMs = 1'000'000;
  look(table, nth_syn(0), 100 * kMs);
  look(table, nth_syn(1), 500 * kMs);
  look(table, nth_syn(2), 600 * kMs);
  look(table, nth_syn(0, tcp_flag::kAck), 900 * kMs);  // same second: not moved
  table.expire(10 * kSecond + 500 * kMs);
  ASSERT_EQ(handler.ends.size(), 1u);
  EXPECT_EQ(handler.ends[0].last_ts, 500 * kMs);  // flow 1 only, stepping over flow 0
  table.expire(10 * kSecond + 899 * kMs);
  ASSERT_EQ(handler.ends.size(), 2u);
  EXPECT_EQ(handler.ends[1].last_ts, 600 * kMs);
  table.expire(10 * kSecond + 900 * kMs);
  ASSERT_EQ(handler.ends.size(), 3u);
  EXPECT_EQ(handler.ends[2].last_ts, 900 * kMs);
  EXPECT_EQ(table.counters().ended_timeout, 3u);
  EXPECT_EQ(table.counters().active, 0u);
}

TEST(FlowEviction, MemcapFor16FlowsEvictsTheFourLongestIdle) {
  FlowConfig config;
  config.memcap_bytes = 16 * FlowTable::bytes_per_flow();
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  ASSERT_EQ(table.capacity(), 16u);

  std::map<std::uint32_t, std::uint64_t> id_of;  // flow number -> flow_id
  for (std::uint32_t n = 0; n < 16; ++n) {
    Flow* flow = look(table, nth_syn(n), n * kSecond).flow;
    id_of[n] = flow->flow_id;
    // Spread flows over the class lists: the victim is the oldest across all of them.
    if (n % 3 == 1) table.set_timeout_class(*flow, TimeoutClass::kEstablished);
    if (n % 3 == 2) table.set_timeout_class(*flow, TimeoutClass::kClosed);
  }
  // Flows 0..3 become the most recently active, so 4..7 are now the longest idle.
  for (std::uint32_t n = 0; n < 4; ++n) {
    const auto again = look(table, nth_syn(n, tcp_flag::kAck), (16 + n) * kSecond);
    ASSERT_FALSE(again.created);
  }
  for (std::uint32_t n = 16; n < 20; ++n) {
    const auto found = look(table, nth_syn(n), (20 + n) * kSecond);
    ASSERT_TRUE(found.created);
    id_of[n] = found.flow->flow_id;
  }

  EXPECT_EQ(table.counters().ended_evicted, 4u);
  EXPECT_EQ(table.counters().created, 20u);
  EXPECT_EQ(table.counters().active, 16u);
  EXPECT_EQ(table.counters().active_high_water, 16u);
  EXPECT_EQ(ended_ids(handler),
            (std::vector<std::uint64_t>{id_of[4], id_of[5], id_of[6], id_of[7]}));
  for (const EndRecord& end : handler.ends) EXPECT_EQ(end.reason, FlowEndReason::kForced);

  std::set<std::uint64_t> active;
  table.for_each_active([&](Flow& flow) { active.insert(flow.flow_id); });
  std::set<std::uint64_t> expected;
  for (std::uint32_t n = 0; n < 20; ++n) {
    if (n < 4 || n >= 8) expected.insert(id_of[n]);
  }
  EXPECT_EQ(active, expected);
}

TEST(FlowEviction, RecordMemoryStaysWithinTheMemcap) {
  FlowConfig config;
  config.memcap_bytes = 16 * FlowTable::bytes_per_flow();
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  for (std::uint32_t n = 0; n < 20; ++n) look(table, nth_syn(n), n * kSecond);
  // 16 records and 16 buckets, not a whole 16384-record chunk.
  EXPECT_EQ(table.memuse(), 16 * sizeof(Flow) + 16 * sizeof(std::uint32_t));
  EXPECT_LE(table.memuse(), config.memcap_bytes);

  RecordingEndHandler big_handler;
  FlowTable big(FlowConfig{}, big_handler);  // 256 MiB: records come in chunks of 16384
  look(big, nth_syn(0), 0);
  EXPECT_EQ(big.memuse(), 16384 * sizeof(Flow) + 4096 * sizeof(std::uint32_t));
}

TEST(FlowEviction, TinyMemcapStillHolds16Flows) {
  FlowConfig config;
  config.memcap_bytes = 1;
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  EXPECT_EQ(table.capacity(), 16u);
}

// SYN, SYN/ACK, ACK, FIN, FIN/ACK through the tracker, as the pipeline drives it.
Flow* close_connection(FlowTable& table, TimestampNs ts) {
  const IpAddress client = ipv4(10, 0, 0, 7), server = ipv4(10, 0, 0, 1);
  struct Step {
    bool from_client;
    std::uint8_t flags;
  };
  const Step steps[] = {{true, tcp_flag::kSyn},
                        {false, tcp_flag::kSyn | tcp_flag::kAck},
                        {true, tcp_flag::kAck},
                        {true, tcp_flag::kFin | tcp_flag::kAck},
                        {false, tcp_flag::kFin | tcp_flag::kAck}};
  Flow* flow = nullptr;
  for (const Step& step : steps) {
    const DecodedPacket p = step.from_client ? tcp_packet(client, 40000, server, 104, step.flags)
                                             : tcp_packet(server, 104, client, 40000, step.flags);
    const auto found = look(table, p, ts);
    flow = found.flow;
    table.set_timeout_class(*flow, track_tcp(*flow, found.direction, step.flags, false));
  }
  return flow;
}

TEST(FlowPortReuse, NewSynOnAClosedFlowEndsItAndStartsANewOne) {
  RecordingEndHandler handler;
  FlowTable table(FlowConfig{}, handler);
  Flow* old_flow = close_connection(table, kSecond);
  ASSERT_EQ(old_flow->tcp_state, TcpState::kClosed);
  ASSERT_EQ(old_flow->timeout_class, TimeoutClass::kClosed);
  const std::uint64_t old_id = old_flow->flow_id;

  // A late ACK on the closed flow is still that flow.
  const auto late_ack =
      look(table, tcp_packet(ipv4(10, 0, 0, 7), 40000, ipv4(10, 0, 0, 1), 104, tcp_flag::kAck),
           2 * kSecond);
  EXPECT_FALSE(late_ack.created);
  EXPECT_EQ(late_ack.flow->flow_id, old_id);

  const auto reused =
      look(table, tcp_packet(ipv4(10, 0, 0, 7), 40000, ipv4(10, 0, 0, 1), 104, tcp_flag::kSyn),
           3 * kSecond);
  EXPECT_TRUE(reused.created);
  EXPECT_NE(reused.flow->flow_id, old_id);
  EXPECT_EQ(reused.flow->tcp_state, TcpState::kNone);
  EXPECT_EQ(reused.flow->first_ts, 3 * kSecond);
  EXPECT_EQ(reused.direction, Direction::kToServer);
  ASSERT_EQ(handler.ends.size(), 1u);
  EXPECT_EQ(handler.ends[0].flow_id, old_id);
  EXPECT_EQ(handler.ends[0].reason, FlowEndReason::kForced);
  EXPECT_EQ(table.counters().ended_reused, 1u);
  EXPECT_EQ(table.counters().created, 2u);
  EXPECT_EQ(table.counters().active, 1u);
}

TEST(FlowPortReuse, SynAckOnAClosedFlowDoesNotStartANewOne) {
  RecordingEndHandler handler;
  FlowTable table(FlowConfig{}, handler);
  const std::uint64_t old_id = close_connection(table, kSecond)->flow_id;
  const auto syn_ack = look(
      table,
      tcp_packet(ipv4(10, 0, 0, 1), 104, ipv4(10, 0, 0, 7), 40000, tcp_flag::kSyn | tcp_flag::kAck),
      2 * kSecond);
  EXPECT_FALSE(syn_ack.created);
  EXPECT_EQ(syn_ack.flow->flow_id, old_id);
  EXPECT_TRUE(handler.ends.empty());
  EXPECT_EQ(table.counters().ended_reused, 0u);
}

TEST(FlowPortReuse, SynOnAnOpenFlowIsARetransmissionNotReuse) {
  RecordingEndHandler handler;
  FlowTable table(FlowConfig{}, handler);
  const auto first = look(table, nth_syn(1), kSecond);
  const auto again = look(table, nth_syn(1), 2 * kSecond);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(first.flow, again.flow);
  EXPECT_EQ(table.counters().ended_reused, 0u);
}

TEST(FlowEndAll, EndsEveryFlowOnceWithTheGivenReason) {
  RecordingEndHandler handler;
  FlowTable table(FlowConfig{}, handler);
  for (std::uint32_t n = 0; n < 5; ++n) {
    Flow* flow = look(table, nth_syn(n), n).flow;
    if (n == 2) table.set_timeout_class(*flow, TimeoutClass::kEstablished);
    if (n == 4) table.set_timeout_class(*flow, TimeoutClass::kClosed);
  }
  table.end_all(FlowEndReason::kShutdown);
  ASSERT_EQ(handler.ends.size(), 5u);
  for (const EndRecord& end : handler.ends) EXPECT_EQ(end.reason, FlowEndReason::kShutdown);
  EXPECT_EQ(table.counters().ended_shutdown, 5u);
  EXPECT_EQ(table.counters().active, 0u);
  table.end_all(FlowEndReason::kShutdown);
  EXPECT_EQ(handler.ends.size(), 5u);
  int visited = 0;
  table.for_each_active([&](Flow&) { ++visited; });
  EXPECT_EQ(visited, 0);
}

TEST(FlowEndHandlerCalls, ExactlyOncePerFlowAcrossEveryWayOfEnding) {
  FlowConfig config;
  config.memcap_bytes = 16 * FlowTable::bytes_per_flow();
  config.timeout_s = {30, 30, 30};
  RecordingEndHandler handler;
  FlowTable table(config, handler);
  std::set<std::uint64_t> created;
  // 40 flows one second apart: 24 evictions while creating, then timeouts, reuse and end_all.
  for (std::uint32_t n = 0; n < 40; ++n) {
    const auto found = look(table, nth_syn(n), n * kSecond);
    ASSERT_TRUE(found.created);
    created.insert(found.flow->flow_id);
  }
  table.expire(60 * kSecond);  // flows 24..30 (last_ts <= 30 s) time out
  created.insert(close_connection(table, 61 * kSecond)->flow_id);
  const auto reused =
      look(table, tcp_packet(ipv4(10, 0, 0, 7), 40000, ipv4(10, 0, 0, 1), 104, tcp_flag::kSyn),
           62 * kSecond);
  created.insert(reused.flow->flow_id);
  table.end_all(FlowEndReason::kShutdown);

  const FlowTableCounters& c = table.counters();
  EXPECT_EQ(c.created, 42u);
  EXPECT_EQ(c.ended_evicted, 24u);
  EXPECT_EQ(c.ended_timeout, 7u);
  EXPECT_EQ(c.ended_reused, 1u);
  EXPECT_EQ(c.ended_shutdown, 10u);
  EXPECT_EQ(c.active, 0u);
  std::map<std::uint64_t, int> calls;
  for (const EndRecord& end : handler.ends) ++calls[end.flow_id];
  EXPECT_EQ(handler.ends.size(), 42u);
  EXPECT_EQ(calls.size(), 42u);
  for (const auto& [id, count] : calls) EXPECT_EQ(count, 1) << id;
  EXPECT_EQ(created.size(), 42u);
}

}  // namespace
}  // namespace dicomsentry
