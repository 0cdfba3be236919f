// One worker's matching: Hyperscan scans of each buffer value mark the groups they satisfy,
// those select candidate rules, and only candidates (plus the scope's unpatterned rules) have
// their other conditions verified.
#include "detect/rule_matcher_state.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "detect/rule_conditions.hpp"
#include "tls/cipher_suites.hpp"

namespace dicomsentry::detect {
namespace {

using rules::Buffer;
using rules::ValueKeyword;

std::optional<std::uint32_t> query_level_code(std::string_view level) {
  if (level == "PATIENT") return static_cast<std::uint32_t>(rules::QueryLevelCode::kPatient);
  if (level == "STUDY") return static_cast<std::uint32_t>(rules::QueryLevelCode::kStudy);
  if (level == "SERIES") return static_cast<std::uint32_t>(rules::QueryLevelCode::kSeries);
  if (level == "IMAGE") return static_cast<std::uint32_t>(rules::QueryLevelCode::kImage);
  return std::nullopt;
}

bool carries_identifier(const dicom::TransactionRecord& t) {
  const auto kind = dicom::command_kind(t.command);
  return (kind == dicom::CommandKind::kCFind || kind == dicom::CommandKind::kCMove ||
          kind == dicom::CommandKind::kCGet) &&
         !t.request_data_set_head.empty();
}

}  // namespace

RuleMatcher::RuleMatcher(const RuleEngine& engine)
    : state_(std::make_unique<State>(engine.impl())) {}
RuleMatcher::~RuleMatcher() = default;

RuleMatcher::State::State(const RuleEngine::Impl& engine_impl) : impl(engine_impl) {
  for (const ScopeTable& scope : impl.scopes)
    for (const BufferTable& table : scope.buffers)
      if (table.hs.db != nullptr) {
        if (hs_alloc_scratch(table.hs.db, &scratch) != HS_SUCCESS) scratch_failed = true;
      }
  group_satisfied.assign(impl.groups.size(), 0);
  group_count_stamp.assign(impl.groups.size(), 0);
  group_count.assign(impl.groups.size(), 0);
  group_negative_stamp.assign(impl.groups.size(), 0);
  expression_stamp.assign(impl.expressions.size(), 0);
  rule_stamp.assign(impl.rules.size(), 0);
  touched.reserve(64);
  candidates.reserve(64);
}

RuleMatcher::State::~State() { hs_free_scratch(scratch); }

void RuleMatcher::State::begin_event() {
  ++event;
  candidates.clear();
}

int RuleMatcher::State::on_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                                 void* context) {
  auto& s = *static_cast<State*>(context);
  const ExpressionInfo& e = s.impl.expressions[id];
  if (e.negated) {
    s.group_negative_stamp[e.group] = s.instance;
    return 0;
  }
  if (s.expression_stamp[id] == s.instance) return 0;
  s.expression_stamp[id] = s.instance;
  if (s.group_count_stamp[e.group] != s.instance) {
    s.group_count_stamp[e.group] = s.instance;
    s.group_count[e.group] = 0;
    s.touched.push_back(e.group);
  }
  ++s.group_count[e.group];
  return 0;
}

void RuleMatcher::State::satisfy(std::uint32_t group) {
  group_satisfied[group] = event;
  const std::uint32_t rule = impl.groups[group].rule;
  if (rule_stamp[rule] == event) return;
  rule_stamp[rule] = event;
  candidates.push_back(rule);
}

// `dataset:isset` / `isnotset` of the group's rule on the group's buffer, for one value.
bool RuleMatcher::State::datasets_hold(std::uint32_t group, std::string_view value) const {
  const GroupInfo& g = impl.groups[group];
  if (g.datasets == 0) return true;
  for (const rules::DatasetMatch& d : impl.rules[g.rule].datasets) {
    if (d.buffer != g.buffer) continue;
    const bool found = std::binary_search(d.values->begin(), d.values->end(), value);
    if (found == d.negated) return false;
  }
  return true;
}

void RuleMatcher::State::scan_value(const BufferTable& table, std::string_view value) {
  ++instance;
  touched.clear();
  if (table.hs.db != nullptr && scratch != nullptr) {
    hs_scan(table.hs.db, value.data(), static_cast<unsigned>(value.size()), 0, scratch,
            &State::on_match, this);
  }
  for (const std::uint32_t g : touched) {
    if (group_count[g] == impl.groups[g].positives && group_negative_stamp[g] != instance &&
        datasets_hold(g, value))
      satisfy(g);
  }
  for (const std::uint32_t g : table.unpatterned_groups) {
    if (group_negative_stamp[g] != instance && datasets_hold(g, value)) satisfy(g);
  }
}

bool RuleMatcher::State::groups_hold(std::uint32_t rule) const {
  for (const std::uint32_t g : impl.compiled[rule].groups) {
    if (is_stream_buffer(impl.groups[g].buffer)) continue;  // checked by the stream's owner
    if (group_satisfied[g] != event) return false;
  }
  return true;
}

// ---- buffer values of each event --------------------------------------------------------

void RuleMatcher::State::scan_association_buffers(Scope scope, const dicom::AssociationRecord& a) {
  for (const BufferTable& table : impl.scope(scope).buffers) {
    auto scan = [&](std::string_view v) {
      if (!v.empty()) scan_value(table, v);
    };
    switch (table.buffer) {
      case Buffer::kDicomCallingAe: scan(a.calling_ae); break;
      case Buffer::kDicomCalledAe: scan(a.called_ae); break;
      case Buffer::kDicomAbstractSyntax:
        for (const auto& c : a.contexts) scan(c.abstract_syntax);
        break;
      case Buffer::kDicomTransferSyntax:
        for (const auto& c : a.contexts) {
          for (const auto& ts : c.proposed_transfer_syntaxes) scan(ts);
          scan(c.accepted_transfer_syntax);
        }
        break;
      case Buffer::kDicomImplClassUid:
        scan(a.requestor.implementation_class_uid);
        scan(a.acceptor.implementation_class_uid);
        break;
      case Buffer::kDicomImplVersion:
        scan(a.requestor.implementation_version_name);
        scan(a.acceptor.implementation_version_name);
        break;
      default: break;
    }
  }
}

void RuleMatcher::State::scan_transaction_buffers(Scope scope, const dicom::TransactionRecord& t) {
  for (const BufferTable& table : impl.scope(scope).buffers) {
    switch (table.buffer) {
      case Buffer::kDicomSopClass:
        if (!t.sop_class_uid.empty()) scan_value(table, t.sop_class_uid);
        break;
      case Buffer::kDicomMoveDestination:
        if (!t.move_destination.empty()) scan_value(table, t.move_destination);
        break;
      case Buffer::kDicomQuery:
        if (carries_identifier(t)) scan_value(table, query_text(t));
        break;
      default: break;
    }
  }
}

// `Keyword=value` lines, one per identifier key; unknown keys as (gggg,eeee). PHI values are
// included: matching must see them even when the log does not.
std::string_view RuleMatcher::State::query_text(const dicom::TransactionRecord& t) {
  query.clear();
  for (const dicom::QueryKey& key : t.data_set().keys) {
    if (key.keyword.empty()) {
      query += dicom::tag_text(key.tag).view();
    } else {
      query += key.keyword;
    }
    query += '=';
    query += key.value;
    query += '\n';
  }
  return query;
}

// ---- conditions -------------------------------------------------------------------------

bool RuleMatcher::State::common_hold(const rules::Rule& rule, const Flow& flow,
                                     Direction& orientation) const {
  orientation = rule.flow && rule.flow->to_client ? Direction::kToClient : Direction::kToServer;
  if (!protocol_matches(rule, flow.app_proto)) return false;
  if (rule.app_layer && !app_layer_matches(*rule.app_layer, flow.app_proto)) return false;
  if (rule.flow && !flow_state_matches(*rule.flow, flow)) return false;
  return header_matches(rule, flow, orientation);
}

bool RuleMatcher::State::association_values_hold(const rules::Rule& rule,
                                                 const dicom::AssociationRecord* a) const {
  for (const rules::ValueCondition& c : rule.conditions) {
    switch (c.keyword) {
      case ValueKeyword::kDicomUserIdentity:
        if (a == nullptr || !value_holds(c, a->user_identity_type)) return false;
        break;
      case ValueKeyword::kDicomAssocState:
        if (a == nullptr || !value_holds(c, static_cast<std::uint32_t>(a->state))) return false;
        break;
      case ValueKeyword::kDicomContexts:
        if (a == nullptr || !value_holds(c, a->contexts_proposed)) return false;
        break;
      case ValueKeyword::kDicomRequests: {
        if (a == nullptr) return false;
        std::uint32_t requests = 0;
        for (const std::uint32_t n : a->requests) requests += n;
        if (!value_holds(c, requests)) return false;
        break;
      }
      case ValueKeyword::kDicomRejectReason:
        if (a == nullptr || a->state != dicom::AssociationState::kRejected) {
          if (!c.negated) return false;
        } else if (!value_holds(c, a->reject_reason)) {
          return false;
        }
        break;
      default: break;
    }
  }
  return true;
}

bool RuleMatcher::State::transaction_values_hold(const rules::Rule& rule,
                                                 const dicom::TransactionRecord& t) const {
  for (const rules::ValueCondition& c : rule.conditions) {
    switch (c.keyword) {
      case ValueKeyword::kDicomCommand:
        if (!command_holds(c, t)) return false;
        break;
      case ValueKeyword::kDicomStatus:
        if (!status_holds(c, t)) return false;
        break;
      case ValueKeyword::kDicomSubOperations: {
        // The counters of the last response seen (the final one when it came).
        if (!t.has_sub_operations) {
          if (!c.negated) return false;
          break;
        }
        const std::uint32_t total = std::uint32_t{t.remaining} + t.completed + t.failed + t.warning;
        if (!value_holds(c, total)) return false;
        break;
      }
      case ValueKeyword::kDicomQueryLevel: {
        const auto level = carries_identifier(t) ? query_level_code(t.data_set().query_level)
                                                 : std::nullopt;
        if (!level) {
          if (!c.negated) return false;
        } else if (!value_holds(c, *level)) {
          return false;
        }
        break;
      }
      default: break;
    }
  }
  return true;
}

bool RuleMatcher::State::tls_values_hold(const rules::Rule& rule, const dicom::TlsRecord& r) const {
  for (const rules::ValueCondition& c : rule.conditions) {
    if (c.keyword != ValueKeyword::kTlsVersion) continue;
    const std::uint16_t version = r.has_server_hello ? r.version : r.client_highest_version;
    if (version == 0 ? !c.negated : !value_holds(c, version)) return false;
  }
  return true;
}

void RuleMatcher::State::add_unpatterned(Scope scope, const dicom::TransactionRecord* t) {
  const ScopeTable& table = impl.scope(scope);
  auto add = [&](std::uint32_t rule) {
    if (rule_stamp[rule] == event) return;
    rule_stamp[rule] = event;
    candidates.push_back(rule);
  };
  for (const std::uint32_t r : table.unpatterned) add(r);
  if (t != nullptr) {
    for (const std::uint32_t r :
         table.unpatterned_by_command[static_cast<std::size_t>(dicom::command_kind(t->command))])
      add(r);
  }
}

// ---- events -----------------------------------------------------------------------------

void RuleMatcher::match_association(const dicom::AssociationRecord& a, HitSink& hits) {
  State& s = *state_;
  const ScopeTable& table = s.impl.scope(Scope::kAssociation);
  if (table.rules.empty() || a.flow == nullptr) return;
  s.begin_event();
  s.scan_association_buffers(Scope::kAssociation, a);
  s.add_unpatterned(Scope::kAssociation, nullptr);
  for (const std::uint32_t r : s.candidates) {
    const rules::Rule& rule = s.impl.rules[r];
    Direction orientation;
    if (!s.groups_hold(r) || !s.common_hold(rule, *a.flow, orientation) ||
        !s.association_values_hold(rule, &a))
      continue;
    RuleHit hit;
    hit.rule_index = r;
    hit.flow = a.flow;
    hit.ts = a.end_ts;
    hit.direction = orientation;
    hit.association = &a;
    hits.on_hit(hit);
  }
}

void RuleMatcher::match_transaction(const dicom::TransactionRecord& t, HitSink& hits) {
  State& s = *state_;
  const ScopeTable& table = s.impl.scope(Scope::kTransaction);
  if (table.rules.empty() || t.flow == nullptr) return;
  s.begin_event();
  if (t.association != nullptr) s.scan_association_buffers(Scope::kTransaction, *t.association);
  s.scan_transaction_buffers(Scope::kTransaction, t);
  s.add_unpatterned(Scope::kTransaction, &t);
  for (const std::uint32_t r : s.candidates) {
    const rules::Rule& rule = s.impl.rules[r];
    Direction orientation;
    if (!s.groups_hold(r) || !s.common_hold(rule, *t.flow, orientation) ||
        !s.transaction_values_hold(rule, t) || !s.association_values_hold(rule, t.association))
      continue;
    RuleHit hit;
    hit.rule_index = r;
    hit.flow = t.flow;
    hit.ts = t.response_ts != 0 ? t.response_ts : t.request_ts;
    hit.direction = orientation;
    hit.association = t.association;
    hit.transaction = &t;
    hits.on_hit(hit);
  }
}

void RuleMatcher::match_tls(const dicom::TlsRecord& record, HitSink& hits) {
  State& s = *state_;
  const ScopeTable& table = s.impl.scope(Scope::kTls);
  if (table.rules.empty() || record.flow == nullptr) return;
  s.begin_event();
  for (const BufferTable& buffer : table.buffers) {
    if (buffer.buffer == Buffer::kTlsSni && !record.sni.empty()) s.scan_value(buffer, record.sni);
    if (buffer.buffer == Buffer::kTlsCipher && record.has_server_hello)
      s.scan_value(buffer, tls::cipher_suite_name(record.cipher_suite));
  }
  s.add_unpatterned(Scope::kTls, nullptr);
  for (const std::uint32_t r : s.candidates) {
    const rules::Rule& rule = s.impl.rules[r];
    Direction orientation;
    if (!s.groups_hold(r) || !s.common_hold(rule, *record.flow, orientation) ||
        !s.tls_values_hold(rule, record))
      continue;
    RuleHit hit;
    hit.rule_index = r;
    hit.flow = record.flow;
    hit.ts = record.ts;
    hit.direction = orientation;
    hit.tls = &record;
    hits.on_hit(hit);
  }
}

void RuleMatcher::match_flow(const Flow& flow, TimestampNs ts, HitSink& hits) {
  State& s = *state_;
  for (const std::uint32_t r : s.impl.scope(Scope::kFlow).rules) {
    const rules::Rule& rule = s.impl.rules[r];
    Direction orientation;
    if (!s.common_hold(rule, flow, orientation)) continue;
    if (flow.packets[static_cast<std::size_t>(orientation)] == 0 && rule.flow &&
        (rule.flow->to_server || rule.flow->to_client))
      continue;
    RuleHit hit;
    hit.rule_index = r;
    hit.flow = &flow;
    hit.ts = ts;
    hit.direction = orientation;
    hits.on_hit(hit);
  }
}

void RuleMatcher::match_anomaly(const dicom::AnomalyRecord& record, HitSink& hits) {
  State& s = *state_;
  if (record.flow == nullptr) return;
  for (const std::uint32_t r : s.impl.scope(Scope::kAnomaly).rules) {
    const rules::Rule& rule = s.impl.rules[r];
    std::string_view wanted = *rule.app_layer_event;
    const bool prefix = wanted.ends_with('*');
    if (prefix) wanted.remove_suffix(1);
    if (prefix ? !record.name.starts_with(wanted) : record.name != wanted) continue;
    // The anomaly has a direction of its own: the side whose bytes were wrong.
    const Flow& flow = *record.flow;
    if (rule.flow) {
      if (rule.flow->to_server && record.direction != Direction::kToServer) continue;
      if (rule.flow->to_client && record.direction != Direction::kToClient) continue;
      if (!flow_state_matches(*rule.flow, flow)) continue;
    }
    if (!protocol_matches(rule, flow.app_proto)) continue;
    if (rule.app_layer && !app_layer_matches(*rule.app_layer, flow.app_proto)) continue;
    if (!header_matches(rule, flow, record.direction)) continue;
    RuleHit hit;
    hit.rule_index = r;
    hit.flow = &flow;
    hit.ts = record.ts;
    hit.direction = record.direction;
    hits.on_hit(hit);
  }
}

// A C-STORE data set's stream matches, handed over when the data set ended: the dataset
// scope's rules whose dicom.dataset group the stream satisfied (or that have no pattern there)
// are verified against the request as it stands.
void RuleMatcher::match_dataset(const dicom::TransactionRecord& t,
                                std::span<const std::uint32_t> satisfied_groups, HitSink& hits) {
  State& s = *state_;
  const ScopeTable& table = s.impl.scope(Scope::kDataset);
  if (table.rules.empty() || t.flow == nullptr) return;
  s.begin_event();
  for (const std::uint32_t g : satisfied_groups) s.satisfy(g);
  if (t.association != nullptr) s.scan_association_buffers(Scope::kDataset, *t.association);
  s.scan_transaction_buffers(Scope::kDataset, t);
  for (const std::uint32_t r : s.candidates) {
    const rules::Rule& rule = s.impl.rules[r];
    bool stream_ok = false;
    for (const std::uint32_t g : s.impl.compiled[r].groups)
      if (s.impl.groups[g].buffer == Buffer::kDicomDataset) stream_ok = s.group_satisfied[g] == s.event;
    Direction orientation;
    if (!stream_ok || !s.groups_hold(r) || !s.common_hold(rule, *t.flow, orientation) ||
        !s.transaction_values_hold(rule, t) || !s.association_values_hold(rule, t.association))
      continue;
    RuleHit hit;
    hit.rule_index = r;
    hit.flow = t.flow;
    hit.ts = t.request_ts;
    hit.direction = orientation;
    hit.association = t.association;
    hit.transaction = &t;
    hits.on_hit(hit);
  }
}

}  // namespace dicomsentry::detect
