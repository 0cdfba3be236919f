// A matcher's working state: Hyperscan scratch and the stamps that mark, per event and per
// buffer value, which expressions and groups matched. Stamps are counters, so nothing is
// cleared between events and an event costs only what it touches.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/engine_tables.hpp"
#include "detect/rule_engine.hpp"

namespace dicomsentry::detect {

struct RuleMatcher::State {
  explicit State(const RuleEngine::Impl& impl);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  void begin_event();
  void scan_value(const BufferTable& table, std::string_view value);
  void satisfy(std::uint32_t group);
  bool datasets_hold(std::uint32_t group, std::string_view value) const;
  bool groups_hold(std::uint32_t rule) const;
  void add_unpatterned(Scope scope, const dicom::TransactionRecord* transaction);

  void scan_association_buffers(Scope scope, const dicom::AssociationRecord& association);
  void scan_transaction_buffers(Scope scope, const dicom::TransactionRecord& transaction);
  std::string_view query_text(const dicom::TransactionRecord& transaction);

  bool common_hold(const rules::Rule& rule, const Flow& flow, Direction& orientation) const;
  bool association_values_hold(const rules::Rule& rule, const dicom::AssociationRecord* a) const;
  bool transaction_values_hold(const rules::Rule& rule, const dicom::TransactionRecord& t) const;
  bool tls_values_hold(const rules::Rule& rule, const dicom::TlsRecord& record) const;

  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* context);

  const RuleEngine::Impl& impl;
  hs_scratch_t* scratch = nullptr;
  bool scratch_failed = false;
  std::uint32_t event = 0;     // stamps group_satisfied and rule_stamp
  std::uint32_t instance = 0;  // stamps the per-value marks
  std::vector<std::uint32_t> group_satisfied;
  std::vector<std::uint32_t> group_count_stamp;
  std::vector<std::uint16_t> group_count;  // positives matched in the current value
  std::vector<std::uint32_t> group_negative_stamp;
  std::vector<std::uint32_t> expression_stamp;
  std::vector<std::uint32_t> rule_stamp;
  std::vector<std::uint32_t> touched;     // groups with a positive match in the current value
  std::vector<std::uint32_t> candidates;  // rules of the current event
  std::string query;                      // dicom.query text of the current transaction
};

}  // namespace dicomsentry::detect
