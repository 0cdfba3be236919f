// Scans raw TCP streams with the pkt_data rules before handing the bytes on: one Hyperscan
// stream per direction of each flow a payload rule's header can match, so a pattern split
// across segments is found without copying. A rule alerts once per stream, the moment its
// last expression matches. Sits in front of the app layer (as consumer and flow-end handler).
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "detect/rule_engine.hpp"
#include "flow/flow_table.hpp"
#include "reassembly/stream_consumer.hpp"

namespace dicomsentry::detect {

struct PayloadInspectorCounters {
  std::uint64_t flows_scanned = 0;  // flows some payload rule's header matched
  std::uint64_t flows_skipped = 0;  // flows no payload rule can match: never scanned
  std::uint64_t bytes = 0;
  std::uint64_t stream_failures = 0;
  std::uint64_t streams_open = 0;   // gauge: Hyperscan streams held (two per scanned flow)
};

class PayloadInspector final : public StreamConsumer, public FlowEndHandler {
 public:
  // The engine must have payload rules; `next` gets every call after this one.
  PayloadInspector(const RuleEngine& engine, RuleMatcher& matcher, HitSink& hits,
                   StreamConsumer& next, FlowEndHandler* next_flow_end);
  ~PayloadInspector() override;
  PayloadInspector(const PayloadInspector&) = delete;
  PayloadInspector& operator=(const PayloadInspector&) = delete;

  Consumed on_data(const StreamContext& context, ByteView data) override;
  void on_gap(const StreamContext& context, std::uint64_t bytes) override;
  void on_end(const StreamContext& context) override;
  void on_flow_end(Flow& flow) override;

  const PayloadInspectorCounters& counters() const { return counters_; }
  // Bytes of Hyperscan stream state held now: streams open x hs_stream_size.
  std::uint64_t stream_bytes() const { return counters_.streams_open * stream_size_; }

 private:
  struct Side {
    hs_stream_t* stream = nullptr;
    std::uint64_t scanned_to = 0;  // stream offset up to which bytes went through Hyperscan
    std::vector<std::uint32_t> positives;
  };
  struct FlowScan {
    Side side[2];
  };
  struct MatchContext {
    PayloadInspector* self;
    FlowScan* scan;
    const StreamContext* at;
  };
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* context);
  // nullptr for a flow no payload rule can match (decided once, remembered in the map).
  FlowScan* scan_of(Flow& flow);
  void close(FlowScan& scan);
  void matched(const MatchContext& m, std::uint32_t expression);

  const RuleEngine& engine_;
  RuleMatcher& matcher_;
  HitSink& hits_;
  StreamConsumer& next_;
  FlowEndHandler* next_flow_end_;
  const hs_database_t* db_ = nullptr;
  std::uint64_t stream_size_ = 0;  // hs_stream_size of db_
  std::unordered_map<std::uint64_t, FlowScan> flows_;  // scanned flows, by flow_id
  // Flows no payload rule can match, by flow_id: the decision needs the flow's addresses and
  // ports and the flow record has no spare field to remember it in, so only the id is kept
  // here (a set node, not a FlowScan) instead of re-deciding on every delivery.
  std::unordered_set<std::uint64_t> skipped_;
  PayloadInspectorCounters counters_;
};

}  // namespace dicomsentry::detect
