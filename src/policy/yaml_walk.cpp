// The bounded, located YAML walk: shape checks with the node's mark in every error.
#include "policy/yaml_walk.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "policy/config.hpp"

namespace dicomsentry::policy {

void fail(const YAML::Mark& mark, std::string reason) {
  throw ConfigFailure{mark, std::move(reason)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "nothing";
}

void YamlWalk::visit(const YAML::Mark& mark) {
  if (++visited_ > kMaxNodesVisited) {
    fail(mark,
         fmt::format("the config expands to more than {} nodes (aliases?)", kMaxNodesVisited));
  }
}

std::vector<std::pair<YamlItem, YAML::Node>> YamlWalk::mapping(
    const YAML::Node& node, std::string_view what, std::span<const std::string_view> allowed) {
  visit(node.Mark());
  if (!node.IsMap())
    fail(node.Mark(), fmt::format("{} must be a mapping, not {}", what, node_kind(node)));
  std::vector<std::pair<YamlItem, YAML::Node>> out;
  std::unordered_map<std::string, int> first_line;  // a set, so that a large mapping stays linear
  for (auto it = node.begin(); it != node.end(); ++it) {
    visit(it->first.Mark());
    if (!it->first.IsScalar())
      fail(it->first.Mark(), fmt::format("a key of {} must be a scalar", what));
    YamlItem key{it->first.Scalar(), it->first.Mark()};
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key.text) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
      fail(key.mark,
           fmt::format("unknown key '{}' in {} (expected one of: {})", key.text, what, list));
    }
    const auto [seen, inserted] = first_line.emplace(key.text, key.mark.line + 1);
    if (!inserted) {
      fail(key.mark, fmt::format("duplicate key '{}' in {} (first at line {})", key.text, what,
                                 seen->second));
    }
    if (out.size() >= kMaxListItems)
      fail(key.mark, fmt::format("more than {} keys in {}", kMaxListItems, what));
    out.emplace_back(std::move(key), it->second);
  }
  return out;
}

std::vector<YamlItem> YamlWalk::items(const YAML::Node& node, std::string_view what) {
  visit(node.Mark());
  std::vector<YamlItem> out;
  if (node.IsSequence()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      visit(it->Mark());
      if (!it->IsScalar()) {
        fail(it->Mark(),
             fmt::format("an item of {} must be a scalar, not {}", what, node_kind(*it)));
      }
      if (out.size() >= kMaxListItems)
        fail(it->Mark(), fmt::format("more than {} items in {}", kMaxListItems, what));
      out.push_back({it->Scalar(), it->Mark()});
    }
  } else if (node.IsScalar()) {
    // Suricata's form "[a, b, c]" as one string, or a single item.
    std::string_view text = trim(node.Scalar());
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
      text = text.substr(1, text.size() - 2);
      std::size_t start = 0;
      while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view piece = trim(text.substr(start, comma - start));
        if (piece.empty()) fail(node.Mark(), fmt::format("{} has an empty item", what));
        if (out.size() >= kMaxListItems)
          fail(node.Mark(), fmt::format("more than {} items in {}", kMaxListItems, what));
        out.push_back({std::string(piece), node.Mark()});
        start = comma + 1;
      }
    } else {
      out.push_back({std::string(text), node.Mark()});
    }
  } else {
    fail(node.Mark(), fmt::format("{} must be a list, not {}", what, node_kind(node)));
  }
  if (out.empty()) fail(node.Mark(), fmt::format("{} is an empty list", what));
  for (const YamlItem& item : out) {
    if (trim(item.text).empty()) fail(item.mark, fmt::format("{} has an empty item", what));
  }
  return out;
}

std::string YamlWalk::scalar(const YAML::Node& node, std::string_view what) {
  visit(node.Mark());
  if (!node.IsScalar())
    fail(node.Mark(), fmt::format("{} must be a scalar, not {}", what, node_kind(node)));
  return node.Scalar();
}

bool YamlWalk::boolean(const YAML::Node& node, std::string_view key) {
  visit(node.Mark());
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    fail(node.Mark(), fmt::format("'{}' must be true or false", key));
  }
  return value;
}

}  // namespace dicomsentry::policy
