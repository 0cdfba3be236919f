// Placeholder until the Hyperscan engine lands: builds, keeps the rules, matches nothing.
#include "detect/rule_engine.hpp"

namespace dicomsentry::detect {

struct RuleEngine::Impl {
  std::vector<rules::Rule> rules;
};
struct RuleMatcher::State {};

RuleEngine::RuleEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleEngine::~RuleEngine() = default;

EngineBuildResult RuleEngine::build(const rules::RuleSet& set) {
  auto impl = std::make_unique<Impl>();
  impl->rules = set.rules;
  EngineBuildResult result;
  result.engine.reset(new RuleEngine(std::move(impl)));
  return result;
}

const std::vector<rules::Rule>& RuleEngine::rules() const { return impl_->rules; }
bool RuleEngine::has_payload_rules() const { return false; }
bool RuleEngine::has_dataset_rules() const { return false; }

RuleMatcher::RuleMatcher(const RuleEngine& engine) : engine_(engine), state_(std::make_unique<State>()) {}
RuleMatcher::~RuleMatcher() = default;
void RuleMatcher::match_association(const dicom::AssociationRecord&, HitSink&) {}
void RuleMatcher::match_transaction(const dicom::TransactionRecord&, HitSink&) {}
void RuleMatcher::match_tls(const dicom::TlsRecord&, HitSink&) {}
void RuleMatcher::match_flow(const Flow&, TimestampNs, HitSink&) {}

}  // namespace dicomsentry::detect
