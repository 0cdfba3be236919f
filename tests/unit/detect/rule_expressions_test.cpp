// Content chains and pcre items become the exact Hyperscan expressions the engine compiles.
#include <gtest/gtest.h>

#include <hs/hs.h>

#include "detect/rule_expressions.hpp"
#include "rules/rule_parser.hpp"

namespace dicomsentry::detect {
namespace {

rules::Rule rule_with(std::string_view options) {
  const std::string line = "alert tcp any any -> any any (" + std::string(options) + " sid:1;)";
  rules::ParseResult r = rules::parse_rule(line, rules::default_vars("[104]", "[2762]"));
  EXPECT_TRUE(r.ok()) << r.error;
  return r.ok() ? *r.rule : rules::Rule{};
}

std::vector<std::string> regexes(std::string_view options) {
  std::vector<std::string> out;
  for (const auto& g : build_rule_expressions(rule_with(options)).groups)
    for (const auto& e : g.expressions) out.push_back((e.negated ? "!" : "") + e.regex);
  return out;
}

TEST(RuleExpressions, LiteralBytesAreEscaped) {
  EXPECT_EQ(escape_literal("A.b|"), "\\x41\\x2e\\x62\\x7c");
  EXPECT_EQ(regexes("content:\"AB\";"), std::vector<std::string>{"\\x41\\x42"});
  EXPECT_EQ(regexes("content:\"AB\"; nocase;"), std::vector<std::string>{"(?i:\\x41\\x42)"});
}

TEST(RuleExpressions, OffsetAndDepthAnchorAtTheBufferStart) {
  // A 2-byte content starting at 2..4: offset 2, last start 2 + depth 4 - length 2.
  EXPECT_EQ(regexes("content:\"AB\"; offset:2; depth:4;"),
            std::vector<std::string>{"^(?s:.{2,4})\\x41\\x42"});
  EXPECT_EQ(regexes("content:\"AB\"; depth:2;"), std::vector<std::string>{"^\\x41\\x42"});
  EXPECT_EQ(regexes("content:\"AB\"; offset:3;"), std::vector<std::string>{"^(?s:.{3,})\\x41\\x42"});
}

TEST(RuleExpressions, RelativeContentsJoinOneChain) {
  EXPECT_EQ(regexes("content:\"A\"; content:\"BC\"; distance:1; within:4;"),
            std::vector<std::string>{"\\x41(?s:.{1,3})\\x42\\x43"});
  EXPECT_EQ(regexes("content:\"A\"; content:\"B\"; distance:0;"),
            std::vector<std::string>{"\\x41(?s:.*)\\x42"});
  // Independent contents stay independent expressions, all required.
  EXPECT_EQ(regexes("content:\"A\"; content:\"B\";"),
            (std::vector<std::string>{"\\x41", "\\x42"}));
}

TEST(RuleExpressions, NegatedRelativeContentIsTheChainFollowedByIt) {
  EXPECT_EQ(regexes("content:\"A\"; content:!\"B\"; distance:0; within:1; content:\"C\"; distance:0;"),
            (std::vector<std::string>{"!\\x41\\x42", "\\x41(?s:.*)\\x43"}));
}

TEST(RuleExpressions, PcreStandaloneAndRelative) {
  EXPECT_EQ(regexes("pcre:\"/^ECHO(SCU|SCP)$/i\";"), std::vector<std::string>{"^ECHO(SCU|SCP)$"});
  const auto groups = build_rule_expressions(rule_with("pcre:\"/x/is\";")).groups;
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].expressions[0].flags & (HS_FLAG_CASELESS | HS_FLAG_DOTALL),
            static_cast<unsigned>(HS_FLAG_CASELESS | HS_FLAG_DOTALL));
  EXPECT_EQ(regexes("content:\"MZ\"; pcre:\"/PE\\x00\\x00/R\";"),
            std::vector<std::string>{"\\x4d\\x5a(?s:.*)(?:PE\\x00\\x00)"});
  EXPECT_EQ(regexes("content:\"MZ\"; pcre:\"/^PE/Ri\";"),
            std::vector<std::string>{"\\x4d\\x5a(?i:PE)"});
}

TEST(RuleExpressions, EachBufferIsItsOwnGroup) {
  const auto r = build_rule_expressions(
      rule_with("dicom.calling_ae; content:\"ECHO\"; dicom.called_ae; content:\"ANY\"; "
                "dicom.calling_ae; content:\"SCU\"; distance:0;"));
  ASSERT_TRUE(r.error.empty());
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].buffer, rules::Buffer::kDicomCallingAe);
  ASSERT_EQ(r.groups[0].expressions.size(), 1u);
  EXPECT_EQ(r.groups[0].expressions[0].regex, "\\x45\\x43\\x48\\x4f(?s:.*)\\x53\\x43\\x55");
  EXPECT_EQ(r.groups[1].buffer, rules::Buffer::kDicomCalledAe);
}

TEST(RuleExpressions, NegativeDistanceIsRefused) {
  const auto r = build_rule_expressions(rule_with("content:\"AB\"; content:\"C\"; distance:-1;"));
  EXPECT_EQ(r.error, "a negative distance cannot be expressed for Hyperscan");
  EXPECT_TRUE(r.groups.empty());
}

}  // namespace
}  // namespace dicomsentry::detect
