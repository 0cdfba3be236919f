// Builds the engine: each rule gets a scope and its buffer groups; each (scope, buffer) pair
// gets one Hyperscan database holding every expression of every rule that uses it.
#include "detect/rule_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "detect/engine_tables.hpp"
#include "detect/rule_expressions.hpp"

namespace dicomsentry::detect {
namespace {

using rules::Buffer;
using rules::ValueKeyword;

bool is_tls_buffer(Buffer b) { return b == Buffer::kTlsSni || b == Buffer::kTlsCipher; }
bool is_transaction_buffer(Buffer b) {
  return b == Buffer::kDicomSopClass || b == Buffer::kDicomMoveDestination ||
         b == Buffer::kDicomQuery;
}
bool is_transaction_keyword(ValueKeyword k) {
  return k == ValueKeyword::kDicomCommand || k == ValueKeyword::kDicomStatus ||
         k == ValueKeyword::kDicomQueryLevel || k == ValueKeyword::kDicomSubOperations;
}

// Why a (scope, buffer) database refused to compile, and which rule's expression it was.
struct CompileFailure {
  std::optional<std::uint32_t> rule;  // none: Hyperscan failed as a whole
  std::string reason;
};

struct Staged {
  std::unique_ptr<RuleEngine::Impl> impl;
  std::vector<std::string> regexes;  // by expression id
  std::vector<unsigned> flags;
};

std::optional<CompileFailure> compile_table(RuleEngine::Impl& impl, Scope scope, BufferTable& table,
                                            const std::vector<std::string>& regexes,
                                            const std::vector<unsigned>& flags,
                                            const std::vector<unsigned>& ids) {
  std::vector<const char*> expressions;
  expressions.reserve(regexes.size());
  for (const std::string& r : regexes) expressions.push_back(r.c_str());
  const unsigned mode =
      (scope == Scope::kDataset || scope == Scope::kPayload) && is_stream_buffer(table.buffer)
          ? HS_MODE_STREAM
          : HS_MODE_BLOCK;
  hs_compile_error_t* error = nullptr;
  const hs_error_t rc = hs_compile_ext_multi(expressions.data(), flags.data(), ids.data(), nullptr,
                                             static_cast<unsigned>(expressions.size()), mode,
                                             nullptr, &table.hs.db, &error);
  if (rc == HS_SUCCESS) return std::nullopt;
  CompileFailure failure;
  failure.reason = error != nullptr && error->message != nullptr ? error->message : "compile failed";
  if (error != nullptr && error->expression >= 0) {
    const unsigned id = ids[static_cast<std::size_t>(error->expression)];
    failure.rule = impl.groups[impl.expressions[id].group].rule;
  }
  hs_free_compile_error(error);
  return failure;
}

void index_unpatterned(RuleEngine::Impl& impl, std::uint32_t index) {
  const CompiledRule& c = impl.compiled[index];
  ScopeTable& table = impl.scopes[static_cast<std::size_t>(c.scope)];
  if (c.scope == Scope::kTransaction) {
    for (const rules::ValueCondition& cond : impl.rules[index].conditions) {
      if (cond.keyword != ValueKeyword::kDicomCommand || cond.negated) continue;
      for (const std::uint16_t value : cond.values) {
        auto& list = table.unpatterned_by_command[static_cast<std::size_t>(
            dicom::command_kind(static_cast<dicom::CommandField>(value)))];
        if (std::find(list.begin(), list.end(), index) == list.end()) list.push_back(index);
      }
      return;
    }
  }
  table.unpatterned.push_back(index);
}

// One attempt over `rules`: a rule that cannot be expressed is dropped with its reason in
// `errors`; a Hyperscan compile failure is returned so the caller can drop that rule and retry.
Staged stage(std::vector<rules::Rule> rules, std::vector<std::string>& errors) {
  Staged staged;
  auto impl = std::make_unique<RuleEngine::Impl>();
  for (rules::Rule& rule : rules) {
    std::string error;
    const Scope scope = scope_of(rule, error);
    RuleExpressions expressions;
    if (error.empty()) expressions = build_rule_expressions(rule);
    if (error.empty()) error = expressions.error;
    if (error.empty() && scope == Scope::kPayload) {
      for (const BufferGroup& group : expressions.groups)
        for (const Expression& e : group.expressions)
          if (e.negated) error = "a negated content or pcre on pkt_data is not supported (streams are matched as they arrive)";
    }
    if (!error.empty()) {
      errors.push_back(fmt::format("sid {}: {}", rule.sid, error));
      continue;
    }
    for (const rules::DatasetMatch& d : rule.datasets) {
      if (!d.values) error = "dataset " + d.name + " was not loaded";
    }
    if (!error.empty()) {
      errors.push_back(fmt::format("sid {}: {}", rule.sid, error));
      continue;
    }
    // A buffer with only `dataset` conditions still needs a group to carry them.
    for (const rules::DatasetMatch& d : rule.datasets) {
      bool has_group = false;
      for (const BufferGroup& g : expressions.groups) has_group |= g.buffer == d.buffer;
      if (!has_group) expressions.groups.push_back(BufferGroup{d.buffer, {}});
    }
    const auto index = static_cast<std::uint32_t>(impl->rules.size());
    CompiledRule compiled;
    compiled.scope = scope;
    for (const BufferGroup& group : expressions.groups) {
      GroupInfo info;
      info.rule = index;
      info.buffer = group.buffer;
      for (const rules::DatasetMatch& d : rule.datasets) info.datasets += d.buffer == group.buffer;
      const auto group_id = static_cast<std::uint32_t>(impl->groups.size());
      for (const Expression& e : group.expressions) {
        (e.negated ? info.negatives : info.positives)++;
        impl->expressions.push_back({group_id, e.negated});
        staged.regexes.push_back(e.regex);
        staged.flags.push_back(e.flags);
      }
      compiled.has_positive |= info.positives > 0;
      compiled.groups.push_back(group_id);
      impl->groups.push_back(info);
    }
    impl->rules.push_back(std::move(rule));
    impl->compiled.push_back(std::move(compiled));
    impl->scopes[static_cast<std::size_t>(scope)].rules.push_back(index);
    if (!impl->compiled.back().has_positive) index_unpatterned(*impl, index);
  }
  staged.impl = std::move(impl);
  return staged;
}

}  // namespace

bool is_stream_buffer(Buffer buffer) {
  return buffer == Buffer::kPayload || buffer == Buffer::kDicomDataset;
}

Scope scope_of(const rules::Rule& rule, std::string& error) {
  bool tls = false, dataset = false, payload = false, transaction = false, dicom = false;
  bool other_buffer = false;
  for (const rules::MatchItem& item : rule.matches) {
    const Buffer b = item.buffer;
    if (b == Buffer::kPayload) {
      payload = true;
      continue;
    }
    other_buffer = true;
    if (is_tls_buffer(b)) tls = true;
    else if (b == Buffer::kDicomDataset) dataset = true;
    else if (is_transaction_buffer(b)) transaction = true;
    else dicom = true;
  }
  for (const rules::DatasetMatch& d : rule.datasets) {
    other_buffer = true;
    if (is_tls_buffer(d.buffer)) tls = true;
    else if (is_transaction_buffer(d.buffer)) transaction = true;
    else dicom = true;
  }
  for (const rules::ValueCondition& c : rule.conditions) {
    other_buffer = true;
    if (c.keyword == ValueKeyword::kTlsVersion) tls = true;
    else if (is_transaction_keyword(c.keyword)) transaction = true;
    else dicom = true;
  }
  if (rule.app_layer_event) {
    if (payload || other_buffer) {
      error = "app-layer-event cannot be combined with content, pcre or DICOM/TLS keywords";
      return Scope::kFlow;
    }
    return Scope::kAnomaly;
  }
  if (payload && other_buffer) {
    error = "pkt_data cannot be combined with DICOM or TLS keywords in one rule";
    return Scope::kFlow;
  }
  if (payload) return Scope::kPayload;
  if (tls) return Scope::kTls;
  if (dataset) return Scope::kDataset;
  if (transaction) return Scope::kTransaction;
  if (dicom) return Scope::kAssociation;
  return Scope::kFlow;
}

RuleEngine::RuleEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleEngine::~RuleEngine() = default;

EngineBuildResult RuleEngine::build(const rules::RuleSet& set) {
  EngineBuildResult result;
  std::vector<rules::Rule> rules = set.rules;
  // Each failed attempt drops one rule, so this ends after at most rules.size() + 1 rounds.
  for (std::size_t round = 0; round <= set.rules.size(); ++round) {
    std::vector<std::string> errors;
    Staged staged = stage(rules, errors);
    Impl& impl = *staged.impl;
    const std::vector<std::string>& regexes = staged.regexes;
    const std::vector<unsigned>& flags = staged.flags;
    std::optional<CompileFailure> failure;
    for (std::size_t s = 0; s < kScopes && !failure; ++s) {
      ScopeTable& scope = impl.scopes[s];
      for (std::size_t b = 0; b < kBuffers && !failure; ++b) {
        std::vector<std::string> scope_regexes;
        std::vector<unsigned> scope_flags, ids;
        BufferTable table;
        table.buffer = static_cast<Buffer>(b);
        bool used = false;
        for (const std::uint32_t r : scope.rules)
          for (const std::uint32_t g : impl.compiled[r].groups) {
            if (impl.groups[g].buffer != table.buffer) continue;
            used = true;
            if (impl.groups[g].positives == 0) table.unpatterned_groups.push_back(g);
          }
        if (!used) continue;
        for (std::size_t id = 0; id < impl.expressions.size(); ++id) {
          const GroupInfo& g = impl.groups[impl.expressions[id].group];
          if (g.buffer != table.buffer || impl.compiled[g.rule].scope != static_cast<Scope>(s))
            continue;
          scope_regexes.push_back(regexes[id]);
          scope_flags.push_back(flags[id]);
          ids.push_back(static_cast<unsigned>(id));
        }
        if (!ids.empty())
          failure = compile_table(impl, static_cast<Scope>(s), table, scope_regexes, scope_flags, ids);
        scope.buffers.push_back(std::move(table));
      }
    }
    if (!failure) {
      result.errors.insert(result.errors.end(), errors.begin(), errors.end());
      result.engine.reset(new RuleEngine(std::move(staged.impl)));
      return result;
    }
    if (!failure->rule) {
      result.errors.push_back("Hyperscan: " + failure->reason);
      return result;
    }
    const std::uint32_t sid = impl.rules[*failure->rule].sid;
    result.errors.push_back(fmt::format("sid {}: Hyperscan refused a pattern: {}", sid, failure->reason));
    rules.erase(std::remove_if(rules.begin(), rules.end(),
                               [sid](const rules::Rule& r) { return r.sid == sid; }),
                rules.end());
  }
  result.errors.push_back("Hyperscan: too many failed compiles");
  return result;
}

const std::vector<rules::Rule>& RuleEngine::rules() const { return impl_->rules; }
bool RuleEngine::has_payload_rules() const { return !impl_->scope(Scope::kPayload).rules.empty(); }
bool RuleEngine::has_dataset_rules() const { return !impl_->scope(Scope::kDataset).rules.empty(); }

}  // namespace dicomsentry::detect
