// Turns a rule's content and pcre items into Hyperscan expressions, one group per buffer.
// A rule matches a buffer when every positive expression of its group matches one value of
// that buffer and no negative one does. Relative contents (distance/within) and relative pcre
// (`R`) are folded into the expression of the item before them, so one Hyperscan expression
// finds the whole chain - in block mode and across stream writes alike, with no copy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/rule.hpp"

namespace dicomsentry::detect {

struct Expression {
  std::string regex;       // Hyperscan syntax; literal bytes are \xHH escaped
  unsigned flags = 0;      // HS_FLAG_*
  bool negated = false;
};

struct BufferGroup {
  rules::Buffer buffer = rules::Buffer::kPayload;
  std::vector<Expression> expressions;  // positives and negatives, in rule order
};

struct RuleExpressions {
  std::vector<BufferGroup> groups;  // one per buffer the rule uses, in first-use order
  std::string error;                // set when the rule cannot be expressed; groups then empty
};

// Pure: the rule's match items -> groups. Refuses what a single expression cannot say
// faithfully (a negative distance; depth/offset on a relative content) with a reason.
RuleExpressions build_rule_expressions(const rules::Rule& rule);

// "\x41\x42" for "AB": every byte escaped, so any content is a valid literal regex.
std::string escape_literal(std::string_view bytes);

}  // namespace dicomsentry::detect
