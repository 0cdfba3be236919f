// libFuzzer target for the rule language: one rule line, then the same bytes as a rules file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/rule_file.hpp"
#include "rules/rule_parser.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const dicomsentry::rules::Vars& fuzz_vars() {
  static const dicomsentry::rules::Vars vars = [] {
    auto v = dicomsentry::rules::default_vars("[104,11112]", "2762");
    v["SELF"] = "[$SELF,1.2.3.4]";  // a cycle must end at the nesting bound
    v["WIDE"] = "[$HOME_NET,$HOME_NET,$HOME_NET,$HOME_NET]";
    return v;
  }();
  return vars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsentry::rules;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const ParseResult result = parse_rule(text, fuzz_vars());
  check(result.ok() == result.error.empty());
  if (result.ok()) {
    const Rule& rule = *result.rule;
    check(rule.sid != 0);
    for (const MatchItem& m : rule.matches) {
      if (m.kind == MatchKind::kContent) {
        check(!m.content.bytes.empty());
        check(!(m.content.depth && m.content.within));
        if (m.content.depth) check(*m.content.depth >= m.content.bytes.size());
      } else {
        check(!m.pcre.pattern.empty());
      }
      check(buffer_name(m.buffer) != "unknown");
    }
    check(rule.src.entries.size() <= kMaxListEntries + 2);
  } else {
    check(result.error.find('\n') == std::string::npos || text.find('\n') != std::string::npos);
  }

  RuleSet set;
  load_rule_text(text, "fuzz.rules", fuzz_vars(), set);
  check(set.rules.size() == set.loaded);
  check(set.errors.size() == set.failed);
  check(set.sid_origin.size() == set.loaded);
  return 0;
}
