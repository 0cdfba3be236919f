// AlertBuilder: pass marks, thresholds, and the AlertRecord of each hit that alerts.
#include "detect/alert_builder.hpp"

#include "detect/classification.hpp"

namespace dicomsentry::detect {

HitAddresses hit_addresses(const Flow& flow, Direction direction) {
  const IpAddress& client = flow.client_is_lo ? flow.key.lo_ip : flow.key.hi_ip;
  const IpAddress& server = flow.client_is_lo ? flow.key.hi_ip : flow.key.lo_ip;
  HitAddresses a;
  a.ip_version = flow.key.ip_version;
  a.src = direction == Direction::kToServer ? client : server;
  a.dst = direction == Direction::kToServer ? server : client;
  return a;
}

AlertBuilder::AlertBuilder(const std::vector<rules::Rule>& rules, AlertSink& alerts,
                           const AlertBuilderConfig& config)
    : rules_(rules), alerts_(alerts), config_(config), thresholds_(config.threshold_keys) {
  pending_.reserve(64);
}

void AlertBuilder::on_hit(const RuleHit& hit) {
  ++counters_.hits;
  if (hit.rule_index >= rules_.size()) return;
  if (in_event_) {
    pending_.push_back(hit);
  } else if (rules_[hit.rule_index].action == rules::Action::kPass) {
    mark_pass(hit);
  } else {
    decide(hit, false);
  }
}

void AlertBuilder::mark_pass(const RuleHit& hit) {
  ++counters_.pass_matches;
  if (hit.flow == nullptr) return;
  if (passed_flows_.size() < config_.max_pass_flows) {
    passed_flows_.insert(hit.flow->flow_id);
  } else if (!passed_flows_.contains(hit.flow->flow_id)) {
    ++counters_.pass_flows_untracked;
  }
}

void AlertBuilder::flush() {
  in_event_ = false;
  bool event_passed = false;
  for (const RuleHit& hit : pending_) {
    if (rules_[hit.rule_index].action != rules::Action::kPass) continue;
    mark_pass(hit);
    event_passed = true;
  }
  for (const RuleHit& hit : pending_) {
    if (rules_[hit.rule_index].action == rules::Action::kPass) continue;
    decide(hit, event_passed);
  }
  pending_.clear();
}

void AlertBuilder::on_flow_end(const Flow& flow) {
  if (!passed_flows_.empty()) passed_flows_.erase(flow.flow_id);
}

bool AlertBuilder::passes_thresholds(const rules::Rule& rule, const RuleHit& hit) {
  if (!rule.threshold && !rule.detection_filter) return true;
  HitAddresses addresses;
  if (hit.flow != nullptr) addresses = hit_addresses(*hit.flow, hit.direction);
  std::unique_lock<std::mutex> shared_lock;
  ThresholdTracker* tracker = &thresholds_;
  if (config_.shared_thresholds != nullptr) {
    shared_lock = std::unique_lock<std::mutex>(config_.shared_thresholds->mutex);
    tracker = &config_.shared_thresholds->tracker;
  }
  // detection_filter first: a rule with both alerts at the threshold's pace once the filter's
  // count is passed.
  if (rule.detection_filter &&
      !tracker->allow(hit.rule_index, ThresholdKind::kDetectionFilter, *rule.detection_filter,
                         addresses, hit.ts,
                         distinct_value(rule.detection_filter->unique_on, hit))) {
    return false;
  }
  if (rule.threshold &&
      !tracker->allow(hit.rule_index, ThresholdKind::kThreshold, *rule.threshold, addresses,
                         hit.ts, distinct_value(rule.threshold->unique_on, hit))) {
    return false;
  }
  return true;
}

void AlertBuilder::decide(const RuleHit& hit, bool event_passed) {
  const rules::Rule& rule = rules_[hit.rule_index];
  if (event_passed || (hit.flow != nullptr && passed_flows_.contains(hit.flow->flow_id))) {
    ++counters_.suppressed_pass;
    return;
  }
  if (!passes_thresholds(rule, hit)) {
    ++counters_.suppressed_threshold;
    return;
  }
  const AlertClass cls = classify(rule.classtype, rule.priority);
  AlertRecord alert;
  alert.flow = hit.flow;
  alert.ts = hit.ts;
  alert.direction = hit.direction;
  alert.action = rule.action;
  alert.gid = kRuleGid;
  alert.signature_id = rule.sid;
  alert.rev = rule.rev;
  alert.signature = rule.msg;
  alert.category = cls.category;
  alert.severity = cls.severity;
  alert.metadata = rule.metadata;
  alert.references = rule.references;
  alert.transaction = hit.transaction;
  alert.association = hit.association != nullptr   ? hit.association
                      : hit.transaction != nullptr ? hit.transaction->association
                                                   : nullptr;
  alert.tls = hit.tls;
  ++counters_.alerts;
  alerts_.on_alert(alert);
}

std::optional<std::uint64_t> distinct_value(rules::UniqueOn field, const RuleHit& hit) {
  // FNV-1a, 64-bit: the tracker keeps hashes, never the values themselves.
  auto hash = [](const void* data, std::size_t size, std::uint64_t tag) {
    std::uint64_t h = 0xcbf29ce484222325ull ^ tag;
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      h ^= p[i];
      h *= 0x100000001b3ull;
    }
    return h;
  };
  if (field == rules::UniqueOn::kNone) return std::nullopt;
  const dicom::AssociationRecord* association = hit.association != nullptr ? hit.association
                                                : hit.transaction != nullptr
                                                    ? hit.transaction->association
                                                    : nullptr;
  const auto tag = static_cast<std::uint64_t>(field);
  switch (field) {
    case rules::UniqueOn::kSrcIp:
    case rules::UniqueOn::kDstIp: {
      if (hit.flow == nullptr) return std::nullopt;
      const HitAddresses a = hit_addresses(*hit.flow, hit.direction);
      const IpAddress& ip = field == rules::UniqueOn::kSrcIp ? a.src : a.dst;
      return hash(ip.bytes.data(), ip.bytes.size(), tag);
    }
    case rules::UniqueOn::kDstPort: {
      if (hit.flow == nullptr) return std::nullopt;
      const Flow& f = *hit.flow;
      const bool to_lo =
          (hit.direction == Direction::kToServer) != static_cast<bool>(f.client_is_lo);
      const std::uint16_t port = to_lo ? f.key.lo_port : f.key.hi_port;
      return hash(&port, sizeof port, tag);
    }
    case rules::UniqueOn::kCalledAe:
    case rules::UniqueOn::kCallingAe: {
      if (association == nullptr) return std::nullopt;
      const std::string& ae =
          field == rules::UniqueOn::kCalledAe ? association->called_ae : association->calling_ae;
      return hash(ae.data(), ae.size(), tag);
    }
    case rules::UniqueOn::kNone:
      break;
  }
  return std::nullopt;
}

}  // namespace dicomsentry::detect
