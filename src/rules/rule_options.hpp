// Internal to the rule parser: the state carried across one rule's options and the handlers
// each keyword family provides (meta/flow/threshold, content/pcre, DICOM/TLS value keywords).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/rule.hpp"

namespace dicomsentry::rules::detail {

// Which application protocol a keyword ties the rule to.
enum class KeywordFamily : std::uint8_t { kAny, kDicom, kTls };

struct RuleBuilder {
  explicit RuleBuilder(Rule& r) : rule(r) {}
  Rule& rule;
  std::string error;
  Buffer buffer = Buffer::kPayload;  // where the next content/pcre looks
  bool buffer_unused = false;        // a sticky buffer was named and no match followed yet
  KeywordFamily family = KeywordFamily::kAny;
  bool msg_seen = false;
  bool sid_seen = false;
  bool rev_seen = false;

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }
  // Refuses a keyword of one protocol family on a rule of another; `keyword` names it.
  bool require_family(KeywordFamily needed, std::string_view keyword);
};

// Unquotes a "..." option value, decoding \" \\ \; and \: (msg, reference-free text).
bool unquote(std::string_view value, std::string_view keyword, std::string& out, RuleBuilder& b);

// Meta and flow keywords (rule_options.cpp).
bool on_msg(RuleBuilder& b, std::string_view value);
bool on_sid(RuleBuilder& b, std::string_view value);
bool on_rev(RuleBuilder& b, std::string_view value);
bool on_classtype(RuleBuilder& b, std::string_view value);
bool on_priority(RuleBuilder& b, std::string_view value);
bool on_reference(RuleBuilder& b, std::string_view value);
bool on_metadata(RuleBuilder& b, std::string_view value);
bool on_flow(RuleBuilder& b, std::string_view value);
bool on_app_layer_protocol(RuleBuilder& b, std::string_view value);
bool on_app_layer_event(RuleBuilder& b, std::string_view value);
bool on_threshold(RuleBuilder& b, std::string_view value);
bool on_detection_filter(RuleBuilder& b, std::string_view value);

// Payload matching (rule_matches.cpp).
bool on_content(RuleBuilder& b, std::string_view value);
bool on_pcre(RuleBuilder& b, std::string_view value);
bool on_nocase(RuleBuilder& b);
bool on_fast_pattern(RuleBuilder& b);
bool on_offset(RuleBuilder& b, std::string_view value);
bool on_depth(RuleBuilder& b, std::string_view value);
bool on_distance(RuleBuilder& b, std::string_view value);
bool on_within(RuleBuilder& b, std::string_view value);
bool on_sticky_buffer(RuleBuilder& b, Buffer buffer, std::string_view keyword);
bool finish_matches(RuleBuilder& b);

// Set membership of the selected sticky buffer (rule_dataset.cpp).
bool on_dataset(RuleBuilder& b, std::string_view value);

// DICOM and TLS value keywords (rule_keywords.cpp).
bool on_value_keyword(RuleBuilder& b, ValueKeyword keyword, std::string_view name,
                      std::string_view value);

}  // namespace dicomsentry::rules::detail
