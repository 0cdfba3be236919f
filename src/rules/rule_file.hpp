// Loads rules files: comments, blank lines, backslash continuations; each bad rule is reported
// as "file:line: reason" and skipped, the good ones kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/dataset_file.hpp"
#include "rules/rule.hpp"
#include "rules/rule_parser.hpp"

namespace dicomsentry::rules {

// Refuses to read more than this from one rules file (a ruleset of 10,000 rules is ~3 MB).
inline constexpr std::size_t kMaxRuleFileBytes = 64u << 20;

// Everything loaded so far, over one or more files; sids are unique across all of them.
struct RuleSet {
  std::vector<Rule> rules;
  std::vector<std::string> errors;  // "file:line: reason", in the order found
  std::size_t loaded = 0;
  std::size_t failed = 0;  // bad rules (an unreadable file counts in `errors` only)
  std::unordered_map<std::uint32_t, std::string> sid_origin;  // sid -> "file:line"
  // Dataset name -> its file, loaded once for the whole set (failures too, so a missing file
  // is reported for each rule naming it without being read again). Every DatasetMatch of
  // `rules` points at the values held here.
  std::map<std::string, LoadedDataset, std::less<>> datasets;
};

// Parses rules text as if it were the file `name` and adds to `set`. Relative dataset files
// are read from `base_dir`, or from the directory part of `name` when `base_dir` is empty.
void load_rule_text(std::string_view text, std::string_view name, const Vars& vars, RuleSet& set,
                    std::string_view base_dir = {});

// Reads `path` and loads it; false (with "path: reason" in errors) when it cannot be read.
bool load_rule_file(const std::string& path, const Vars& vars, RuleSet& set);

}  // namespace dicomsentry::rules
