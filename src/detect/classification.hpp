// Classtypes: Suricata's standard classification.config built in, plus dicomsentry's own, and
// the severity rule of an alert (the rule's priority, else its classtype's, else 3).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dicomsentry::detect {

struct Classification {
  std::string_view name;         // "policy-violation"
  std::string_view description;  // "Potential Corporate Privacy Violation": EVE alert.category
  std::uint8_t priority = 3;     // 1 most severe
};

// The built-in classtype of that name; nullopt for a name not in the table.
std::optional<Classification> find_classification(std::string_view name);

// Severity when neither the rule nor a known classtype gives one (Suricata's default).
inline constexpr std::uint8_t kDefaultSeverity = 3;

// What an alert of a rule reports as category and severity. An unknown classtype is its own
// category with priority 3; no classtype at all is an empty category.
struct AlertClass {
  std::string_view category;
  std::uint8_t severity = kDefaultSeverity;
};
AlertClass classify(std::string_view classtype, std::optional<std::uint8_t> rule_priority);

// Every built-in classtype, in table order (for documentation and tests).
std::size_t classification_count();
const Classification& classification_at(std::size_t index);

}  // namespace dicomsentry::detect
