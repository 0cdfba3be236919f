// Scans raw TCP streams with the pkt_data rules before handing the bytes on: one Hyperscan
// stream per direction of each flow a payload rule's header can match, so a pattern split
// across segments is found without copying. A rule alerts once per stream, the moment its
// last expression matches. Sits in front of the app layer (as consumer and flow-end handler).
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
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

 private:
  struct Side {
    hs_stream_t* stream = nullptr;
    std::uint64_t scanned_to = 0;  // stream offset up to which bytes went through Hyperscan
    std::vector<std::uint32_t> positives;
  };
  struct FlowScan {
    bool active = false;
    Side side[2];
  };
  struct MatchContext {
    PayloadInspector* self;
    FlowScan* scan;
    const StreamContext* at;
  };
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* context);
  FlowScan& scan_of(Flow& flow);
  void matched(const MatchContext& m, std::uint32_t expression);

  const RuleEngine& engine_;
  RuleMatcher& matcher_;
  HitSink& hits_;
  StreamConsumer& next_;
  FlowEndHandler* next_flow_end_;
  const hs_database_t* db_ = nullptr;
  std::unordered_map<std::uint64_t, FlowScan> flows_;  // by flow_id
  PayloadInspectorCounters counters_;
};

}  // namespace dicomsentry::detect
