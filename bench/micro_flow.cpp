// Flow table: ns per lookup that hits an existing flow and per lookup that creates one, over
// 100k flows (larger than the caches, as on a busy link).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <vector>

#include "flow/flow_table.hpp"

namespace dicomsentry {
namespace {

constexpr std::uint32_t kFlowCount = 100'000;

class NoopEndHandler : public FlowEndHandler {
 public:
  void on_flow_end(Flow&) override {}
};

struct Keyed {
  DecodedPacket packet;
  KeyedPacket keyed;
};

// Client i: 10.<i>:<port> -> 10.200.0.1:104, TCP SYN, keys computed once.
std::vector<Keyed> make_flows(std::uint32_t count) {
  std::vector<Keyed> flows(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    DecodedPacket& p = flows[i].packet;
    p.result = DecodeResult::kTcp;
    p.ip_version = 4;
    p.ip_proto = static_cast<std::uint8_t>(IpProto::kTcp);
    p.src_ip.bytes = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                      static_cast<std::uint8_t>(i)};
    p.dst_ip.bytes = {10, 200, 0, 1};
    p.src_port = static_cast<std::uint16_t>(32768 + i % 28000);
    p.dst_port = 104;
    p.tcp.flags = tcp_flag::kSyn;
    flows[i].keyed = make_flow_key(p);
  }
  return flows;
}

FlowConfig config_for(std::uint32_t flows) {
  FlowConfig config;
  config.memcap_bytes = std::uint64_t{flows} * 2 * FlowTable::bytes_per_flow();
  return config;
}

// Every lookup finds its flow; flows are visited in a shuffled order, as packets of many
// concurrent connections interleave.
void BM_FlowLookupHit(benchmark::State& state) {
  const std::vector<Keyed> flows = make_flows(kFlowCount);
  NoopEndHandler handler;
  FlowTable table(config_for(kFlowCount), handler);
  for (const Keyed& f : flows) table.lookup(f.keyed, f.packet, 1);
  std::vector<std::uint32_t> order(kFlowCount);
  for (std::uint32_t i = 0; i < kFlowCount; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  TimestampNs ts = 2;
  std::size_t next = 0;
  for (auto _ : state) {
    const Keyed& f = flows[order[next]];
    next = next + 1 == order.size() ? 0 : next + 1;
    benchmark::DoNotOptimize(table.lookup(f.keyed, f.packet, ++ts).flow);
  }
  if (table.counters().created != kFlowCount) state.SkipWithError("a lookup missed its flow");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowLookupHit);

// Each lookup creates a flow: 100k inserts into an emptied table per round. Records come
// from the free list after the first round, as in steady state.
void BM_FlowLookupInsert(benchmark::State& state) {
  const std::vector<Keyed> flows = make_flows(kFlowCount);
  NoopEndHandler handler;
  FlowTable table(config_for(kFlowCount), handler);
  std::size_t next = 0;
  TimestampNs ts = 1;
  for (auto _ : state) {
    if (next == flows.size()) {
      state.PauseTiming();
      table.end_all(FlowEndReason::kShutdown);
      next = 0;
      state.ResumeTiming();
    }
    const Keyed& f = flows[next++];
    benchmark::DoNotOptimize(table.lookup(f.keyed, f.packet, ++ts).flow);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowLookupInsert);

// Keying a decoded packet and hashing the key, the part of every lookup before the table.
void BM_FlowKeyAndHash(benchmark::State& state) {
  const std::vector<Keyed> flows = make_flows(1024);
  std::size_t next = 0;
  for (auto _ : state) {
    const KeyedPacket keyed = make_flow_key(flows[next].packet);
    benchmark::DoNotOptimize(hash_flow_key(keyed.key));
    next = (next + 1) & 1023;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowKeyAndHash);

}  // namespace
}  // namespace dicomsentry
