// The stream inspectors' memory: the payload inspector opens Hyperscan streams only for flows
// a pkt_data rule's header can match, reports them as streams open x hs_stream_size, and
// closes them when the flow ends.
#include <hs/hs.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "detect/engine_tables.hpp"
#include "detect/payload_inspector.hpp"
#include "detect/rule_engine.hpp"
#include "rules/rule_parser.hpp"

namespace dicomsentry::detect {
namespace {

Flow tcp_flow(std::uint64_t id, std::uint16_t server_port) {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_ip.bytes = {10, 20, 0, 5};
  flow.key.hi_ip.bytes = {10, 30, 0, 7};
  flow.key.lo_port = server_port;
  flow.key.hi_port = 50000;
  flow.client_is_lo = 0;
  flow.flow_id = id;
  flow.tcp_state = TcpState::kEstablished;
  return flow;
}

class Discard final : public StreamConsumer, public FlowEndHandler, public HitSink {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override {}
  void on_end(const StreamContext&) override {}
  void on_flow_end(Flow&) override { ++flow_ends; }
  void on_hit(const RuleHit&) override { ++hits; }
  int flow_ends = 0;
  int hits = 0;
};

std::unique_ptr<RuleEngine> engine_of(const std::vector<std::string>& lines) {
  const rules::Vars vars = rules::default_vars("[104, 11112]", "[2762]");
  rules::RuleSet set;
  for (const std::string& line : lines) {
    rules::ParseResult r = rules::parse_rule(line, vars);
    EXPECT_TRUE(r.ok()) << line << ": " << r.error;
    if (r.ok()) set.rules.push_back(*r.rule);
  }
  EngineBuildResult built = RuleEngine::build(set);
  EXPECT_TRUE(built.errors.empty());
  return std::move(built.engine);
}

TEST(InspectorMemory, PayloadStreamsOnlyForMatchableFlowsAndClosedAtFlowEnd) {
  const auto engine = engine_of({R"(alert tcp any any -> any 11112 (content:"ABC"; sid:1;))"});
  const BufferTable* table = engine->impl().table(Scope::kPayload, rules::Buffer::kPayload);
  ASSERT_NE(table, nullptr);
  std::size_t stream_size = 0;
  ASSERT_EQ(hs_stream_size(table->hs.db, &stream_size), HS_SUCCESS);
  ASSERT_GT(stream_size, 0u);

  RuleMatcher matcher(*engine);
  Discard next;
  PayloadInspector inspector(*engine, matcher, next, next, &next);
  Flow other = tcp_flow(1, 104);     // no payload rule can match it
  Flow scanned = tcp_flow(2, 11112);
  const std::string bytes = "xxABCxx";
  const ByteView view(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  inspector.on_data(StreamContext{other, Direction::kToServer, 1000, 0}, view);
  EXPECT_EQ(inspector.counters().streams_open, 0u);
  EXPECT_EQ(inspector.stream_bytes(), 0u);
  inspector.on_data(StreamContext{scanned, Direction::kToServer, 2000, 0}, view);
  inspector.on_data(StreamContext{scanned, Direction::kToClient, 3000, 0}, view);
  EXPECT_EQ(inspector.counters().streams_open, 2u);
  EXPECT_EQ(inspector.stream_bytes(), 2 * stream_size);
  EXPECT_EQ(inspector.counters().flows_scanned, 1u);
  EXPECT_EQ(inspector.counters().flows_skipped, 1u);
  EXPECT_EQ(next.hits, 1);  // to_server only: the rule's header names the server port

  inspector.on_flow_end(other);
  inspector.on_flow_end(scanned);
  EXPECT_EQ(inspector.counters().streams_open, 0u);
  EXPECT_EQ(inspector.stream_bytes(), 0u);
  EXPECT_EQ(next.flow_ends, 2);
}

}  // namespace
}  // namespace dicomsentry::detect
