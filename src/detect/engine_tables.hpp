// The compiled form of a RuleSet, shared read-only by every matcher: which event each rule is
// evaluated on (its scope), its buffer groups, and the Hyperscan databases per scope.
#pragma once

#include <hs/hs.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detect/rule_engine.hpp"
#include "dicom/dicom_events.hpp"
#include "rules/rule.hpp"

namespace dicomsentry::detect {

// The event a rule is evaluated on, decided by the keywords and buffers it uses.
enum class Scope : std::uint8_t {
  kFlow,         // header, flow, app-layer-protocol only: at flow end
  kAssociation,  // AE titles, contexts, implementation, user identity, state, reject reason
  kTransaction,  // command, SOP class, status, move destination, query, query level
  kTls,          // tls.*
  kDataset,      // dicom.dataset: a C-STORE data set, streamed
  kPayload,      // pkt_data: a raw TCP stream, streamed
  kAnomaly,      // app-layer-event: each anomaly the engines report
  kCount
};
inline constexpr std::size_t kScopes = static_cast<std::size_t>(Scope::kCount);
inline constexpr std::size_t kBuffers = static_cast<std::size_t>(rules::Buffer::kTlsCipher) + 1;

Scope scope_of(const rules::Rule& rule, std::string& error);
bool is_stream_buffer(rules::Buffer buffer);

struct GroupInfo {
  std::uint32_t rule = 0;  // index into rules
  rules::Buffer buffer = rules::Buffer::kPayload;
  std::uint16_t positives = 0;
  std::uint16_t negatives = 0;
  std::uint16_t datasets = 0;  // `dataset` conditions of the rule on this buffer
};

struct ExpressionInfo {
  std::uint32_t group = 0;
  bool negated = false;
};

struct HsDatabase {
  hs_database_t* db = nullptr;
  HsDatabase() = default;
  HsDatabase(const HsDatabase&) = delete;
  HsDatabase& operator=(const HsDatabase&) = delete;
  HsDatabase(HsDatabase&& other) noexcept : db(other.db) { other.db = nullptr; }
  ~HsDatabase() { hs_free_database(db); }
};

// One buffer of one scope: its database (block mode for fields, stream mode for dicom.dataset
// and pkt_data) and the groups that have no positive expression (only negatives or `dataset`
// conditions), which any value may satisfy and so must be checked on every value.
struct BufferTable {
  rules::Buffer buffer = rules::Buffer::kPayload;
  HsDatabase hs;
  std::vector<std::uint32_t> unpatterned_groups;
};

struct ScopeTable {
  std::vector<std::uint32_t> rules;        // every rule of the scope
  std::vector<BufferTable> buffers;        // the buffers the scope's rules use
  // Rules with no positive expression anywhere: no Hyperscan hit can select them, so they are
  // candidates on every event of the scope - indexed by request command where they name one.
  std::vector<std::uint32_t> unpatterned;
  std::array<std::vector<std::uint32_t>, dicom::kCommandKinds> unpatterned_by_command;
};

struct CompiledRule {
  Scope scope = Scope::kFlow;
  std::vector<std::uint32_t> groups;  // ids into groups
  bool has_positive = false;
};

struct RuleEngine::Impl {
  std::vector<rules::Rule> rules;
  std::vector<CompiledRule> compiled;  // parallel to rules
  std::vector<GroupInfo> groups;
  std::vector<ExpressionInfo> expressions;  // Hyperscan id = index
  std::array<ScopeTable, kScopes> scopes;

  const ScopeTable& scope(Scope s) const { return scopes[static_cast<std::size_t>(s)]; }
  const BufferTable* table(Scope s, rules::Buffer b) const {
    for (const BufferTable& t : scope(s).buffers)
      if (t.buffer == b) return &t;
    return nullptr;
  }
};

}  // namespace dicomsentry::detect
