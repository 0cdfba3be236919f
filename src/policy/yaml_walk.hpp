// A bounded walk over a yaml-cpp tree that fails with the place of the offending node: the
// shape checks (mapping, list, scalar, boolean) the config loader builds on.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace dicomsentry::policy {

// Thrown by the walk and the loader, caught by load_config only: a config error at start-up.
struct ConfigFailure {
  YAML::Mark mark;
  std::string reason;
};
[[noreturn]] void fail(const YAML::Mark& mark, std::string reason);

// One key or list item with the place it came from.
struct YamlItem {
  std::string text;
  YAML::Mark mark;
};

std::string_view trim(std::string_view s);           // spaces and tabs, both ends
std::string_view node_kind(const YAML::Node& node);  // "a list", "a mapping", ...

// Every node the walk touches is counted: YAML aliases let a small text name one subtree many
// times, and a walk expands each use, so the count (not the text size) bounds the work.
class YamlWalk {
 public:
  void visit(const YAML::Mark& mark);

  // The pairs of a mapping in file order; keys not in `allowed` (when it is not empty) and
  // repeated keys are errors. `what` names the mapping in messages ("'vars'", "zone 'pacs'").
  std::vector<std::pair<YamlItem, YAML::Node>> mapping(const YAML::Node& node,
                                                       std::string_view what,
                                                       std::span<const std::string_view> allowed);
  // A non-empty list of scalars: a YAML sequence, Suricata's "[a, b]" string, or one scalar.
  std::vector<YamlItem> items(const YAML::Node& node, std::string_view what);
  std::string scalar(const YAML::Node& node, std::string_view what);
  bool boolean(const YAML::Node& node, std::string_view key);  // YAML 1.1 words: true, yes, on...

 private:
  std::size_t visited_ = 0;
};

}  // namespace dicomsentry::policy
