// Helpers for the rule parser tests: parse with a fixed set of variables, expect a rule or an
// exact error.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "rules/rule_parser.hpp"

namespace dicomsentry::rules::testing {

inline const Vars& test_vars() {
  static const Vars vars = [] {
    Vars v;
    v["HOME_NET"] = "[10.0.0.0/8,192.168.0.0/16]";
    v["EXTERNAL_NET"] = "!$HOME_NET";
    v["PACS_NET"] = "10.20.0.0/24";
    v["DICOM_PORTS"] = "[104,11112]";
    v["LOOP_A"] = "$LOOP_B";
    v["LOOP_B"] = "$LOOP_A";
    v["ANY_NET"] = "any";
    return v;
  }();
  return vars;
}

// A rule with `options` inside "alert tcp any any -> any any (...)".
inline std::string tcp_rule(std::string_view options) {
  return "alert tcp any any -> any any (" + std::string(options) + ")";
}

inline Rule parse_ok(std::string_view line) {
  ParseResult r = parse_rule(line, test_vars());
  EXPECT_TRUE(r.ok()) << line << "\n  error: " << r.error;
  return r.ok() ? *r.rule : Rule{};
}

inline std::string parse_error(std::string_view line) {
  ParseResult r = parse_rule(line, test_vars());
  EXPECT_FALSE(r.ok()) << line;
  return r.error;
}

}  // namespace dicomsentry::rules::testing
