// The rule engine: a RuleSet compiled into Hyperscan databases, one per buffer kind, plus
// indexes of the rules that have no pattern, by the event they refer to. Immutable once built
// and shared by every worker; each worker matches through its own RuleMatcher (scratch, marks).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dicom/dicom_events.hpp"
#include "flow/flow.hpp"
#include "rules/rule.hpp"
#include "rules/rule_file.hpp"

namespace dicomsentry::detect {

// A rule whose every condition held on one event, before threshold and detection_filter (those
// are the HitSink's). The record pointers say what the rule was evaluated on.
struct RuleHit {
  std::uint32_t rule_index = 0;  // into RuleEngine::rules()
  const Flow* flow = nullptr;
  TimestampNs ts = 0;
  Direction direction = Direction::kToServer;
  const dicom::AssociationRecord* association = nullptr;
  const dicom::TransactionRecord* transaction = nullptr;
  const dicom::TlsRecord* tls = nullptr;
};

class HitSink {
 public:
  virtual ~HitSink() = default;
  virtual void on_hit(const RuleHit& hit) = 0;
};

struct EngineBuildResult;

class RuleEngine {
 public:
  // Compiles every loaded rule of `set`. A rule Hyperscan refuses (a pcre it cannot compile)
  // is dropped and named in the result's errors as "sid N: reason"; the others stay.
  static EngineBuildResult build(const rules::RuleSet& set);

  ~RuleEngine();
  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  const std::vector<rules::Rule>& rules() const;
  bool has_payload_rules() const;  // pkt_data content/pcre: raw streams must be scanned
  bool has_dataset_rules() const;  // dicom.dataset: C-STORE data sets must be scanned

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit RuleEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct EngineBuildResult {
  std::unique_ptr<RuleEngine> engine;  // null only when Hyperscan itself failed
  std::vector<std::string> errors;     // rules dropped, one line each
};

// One worker's matcher. Each call evaluates the rules that refer to that kind of event and
// reports every rule that matched to `hits`.
class RuleMatcher {
 public:
  explicit RuleMatcher(const RuleEngine& engine);
  ~RuleMatcher();
  RuleMatcher(const RuleMatcher&) = delete;
  RuleMatcher& operator=(const RuleMatcher&) = delete;

  // Association-level keywords (AE titles, contexts, implementation, user identity, state,
  // reject reason), once per association when it is reported.
  void match_association(const dicom::AssociationRecord& record, HitSink& hits);
  // DIMSE keywords (command, SOP class, status, move destination, query, query level), once
  // per transaction; association keywords in the same rule look at record.association.
  void match_transaction(const dicom::TransactionRecord& record, HitSink& hits);
  void match_tls(const dicom::TlsRecord& record, HitSink& hits);
  // Rules with neither buffers nor DICOM/TLS keywords (header, flow, app-layer-protocol), once
  // per flow when it ends.
  void match_flow(const Flow& flow, TimestampNs ts, HitSink& hits);
  // app-layer-event rules, once per anomaly the app layer reports.
  void match_anomaly(const dicom::AnomalyRecord& record, HitSink& hits);
  // For DatasetInspector: a C-STORE data set ended; `satisfied_groups` are the dicom.dataset
  // groups its stream satisfied. The dataset scope's rules are verified against `request`.
  void match_dataset(const dicom::TransactionRecord& request,
                     std::span<const std::uint32_t> satisfied_groups, HitSink& hits);

  struct State;
  State& state() { return *state_; }  // for the stream inspectors of the same worker

 private:
  std::unique_ptr<State> state_;
};

}  // namespace dicomsentry::detect
