// Raw stream scanning for pkt_data rules (see the header).
#include "detect/payload_inspector.hpp"

#include "detect/engine_tables.hpp"
#include "detect/rule_conditions.hpp"
#include "detect/rule_matcher_state.hpp"

namespace dicomsentry::detect {

PayloadInspector::PayloadInspector(const RuleEngine& engine, RuleMatcher& matcher, HitSink& hits,
                                   StreamConsumer& next, FlowEndHandler* next_flow_end)
    : engine_(engine), matcher_(matcher), hits_(hits), next_(next), next_flow_end_(next_flow_end) {
  if (const BufferTable* t = engine_.impl().table(Scope::kPayload, rules::Buffer::kPayload))
    db_ = t->hs.db;
  std::size_t size = 0;
  if (db_ != nullptr && hs_stream_size(db_, &size) == HS_SUCCESS) stream_size_ = size;
  flows_.reserve(1024);
}

PayloadInspector::~PayloadInspector() {
  for (auto& [id, scan] : flows_) close(scan);
}

void PayloadInspector::close(FlowScan& scan) {
  for (Side& side : scan.side) {
    if (side.stream == nullptr) continue;
    hs_close_stream(side.stream, nullptr, nullptr, nullptr);
    side.stream = nullptr;
    --counters_.streams_open;
  }
}

PayloadInspector::FlowScan* PayloadInspector::scan_of(Flow& flow) {
  if (auto it = flows_.find(flow.flow_id); it != flows_.end()) return &it->second;
  if (skipped_.contains(flow.flow_id)) return nullptr;
  // Decided once per flow: can any payload rule's header match it, either way round?
  const RuleEngine::Impl& impl = engine_.impl();
  bool active = false;
  for (const std::uint32_t r : impl.scope(Scope::kPayload).rules) {
    const rules::Rule& rule = impl.rules[r];
    if (header_matches(rule, flow, Direction::kToServer) ||
        header_matches(rule, flow, Direction::kToClient)) {
      active = true;
      break;
    }
  }
  if (!active || db_ == nullptr) {
    skipped_.insert(flow.flow_id);
    ++counters_.flows_skipped;
    return nullptr;
  }
  ++counters_.flows_scanned;
  FlowScan& scan = flows_[flow.flow_id];
  for (Side& side : scan.side) {
    if (hs_open_stream(db_, 0, &side.stream) != HS_SUCCESS) {
      side.stream = nullptr;
      ++counters_.stream_failures;
    } else {
      ++counters_.streams_open;
    }
  }
  return &scan;
}

int PayloadInspector::on_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                               void* context) {
  const auto& m = *static_cast<const MatchContext*>(context);
  m.self->matched(m, id);
  return 0;
}

void PayloadInspector::matched(const MatchContext& m, std::uint32_t expression) {
  const RuleEngine::Impl& impl = engine_.impl();
  Side& side = m.scan->side[static_cast<std::size_t>(m.at->direction)];
  side.positives.push_back(expression);
  const std::uint32_t g = impl.expressions[expression].group;
  std::uint32_t count = 0;
  for (const std::uint32_t id : side.positives) count += impl.expressions[id].group == g;
  if (count != impl.groups[g].positives) return;
  const std::uint32_t r = impl.groups[g].rule;
  const rules::Rule& rule = impl.rules[r];
  const Flow& flow = m.at->flow;
  const Direction direction = m.at->direction;
  if (rule.flow) {
    if (rule.flow->to_server && direction != Direction::kToServer) return;
    if (rule.flow->to_client && direction != Direction::kToClient) return;
    if (!flow_state_matches(*rule.flow, flow)) return;
  }
  if (!protocol_matches(rule, flow.app_proto)) return;
  if (rule.app_layer && !app_layer_matches(*rule.app_layer, flow.app_proto)) return;
  if (!header_matches(rule, flow, direction)) return;
  RuleHit hit;
  hit.rule_index = r;
  hit.flow = &flow;
  hit.ts = m.at->ts;
  hit.direction = direction;
  hits_.on_hit(hit);
}

Consumed PayloadInspector::on_data(const StreamContext& context, ByteView data) {
  FlowScan* scan_ptr = scan_of(context.flow);
  if (scan_ptr != nullptr) {
    FlowScan& scan = *scan_ptr;
    Side& side = scan.side[static_cast<std::size_t>(context.direction)];
    // Bytes the consumer did not take come again with more behind them: scan only the new.
    const std::uint64_t end = context.offset + data.size();
    if (side.stream != nullptr && end > side.scanned_to) {
      const std::uint64_t skip = side.scanned_to > context.offset ? side.scanned_to - context.offset : 0;
      const MatchContext m{this, &scan, &context};
      hs_scan_stream(side.stream, reinterpret_cast<const char*>(data.data() + skip),
                     static_cast<unsigned>(data.size() - skip), 0, matcher_.state().scratch,
                     &on_match, const_cast<MatchContext*>(&m));
      counters_.bytes += data.size() - skip;
      side.scanned_to = end;
    }
  }
  return next_.on_data(context, data);
}

void PayloadInspector::on_gap(const StreamContext& context, std::uint64_t bytes) {
  // A pattern cannot span lost bytes; later bytes are still scanned in the same stream.
  auto it = flows_.find(context.flow.flow_id);
  if (it != flows_.end()) {
    Side& side = it->second.side[static_cast<std::size_t>(context.direction)];
    side.scanned_to = std::max(side.scanned_to, context.offset + bytes);
  }
  next_.on_gap(context, bytes);
}

void PayloadInspector::on_end(const StreamContext& context) { next_.on_end(context); }

void PayloadInspector::on_flow_end(Flow& flow) {
  auto it = flows_.find(flow.flow_id);
  if (it != flows_.end()) {
    close(it->second);
    flows_.erase(it);
  } else {
    skipped_.erase(flow.flow_id);
  }
  if (next_flow_end_ != nullptr) next_flow_end_->on_flow_end(flow);
}

}  // namespace dicomsentry::detect
