// No heap allocation per packet in the flow table: lookups that hit never allocate, and new
// flows reuse recycled records once the table has grown. Counts the global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "flow/flow_table.hpp"
#include "flow_test_util.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace dicomsentry {
namespace {

using namespace flow_test;

class NoopEndHandler : public FlowEndHandler {
 public:
  void on_flow_end(Flow&) override { ++ends; }
  std::size_t ends = 0;
};

std::vector<DecodedPacket> syns(std::uint32_t count) {
  std::vector<DecodedPacket> packets;
  packets.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    packets.push_back(
        tcp_packet(ipv4(10, 3, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
                   50000, ipv4(10, 4, 0, 1), 104, tcp_flag::kSyn));
  }
  return packets;
}

TEST(FlowAllocation, LookupsThatHitNeverAllocate) {
  const std::vector<DecodedPacket> packets = syns(2000);
  NoopEndHandler handler;
  FlowTable table(FlowConfig{}, handler);
  for (const DecodedPacket& p : packets) look(table, p, 1);
  const std::size_t before = g_allocations.load();
  for (int round = 0; round < 3; ++round) {
    for (const DecodedPacket& p : packets) look(table, p, 2 + round);
  }
  const std::size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(table.counters().created, 2000u);
}

TEST(FlowAllocation, NewFlowsReuseRecordsAfterTheTableHasGrown) {
  const std::vector<DecodedPacket> packets = syns(4000);
  FlowConfig config;
  config.memcap_bytes = 1000 * FlowTable::bytes_per_flow();  // 1000 flows: evicts constantly
  NoopEndHandler handler;
  FlowTable table(config, handler);
  for (std::uint32_t i = 0; i < 1000; ++i) look(table, packets[i], i);
  const std::size_t before = g_allocations.load();
  for (std::uint32_t i = 1000; i < 4000; ++i) look(table, packets[i], i);
  const std::size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(table.counters().ended_evicted, 3000u);
  EXPECT_EQ(handler.ends, 3000u);
}

}  // namespace
}  // namespace dicomsentry
