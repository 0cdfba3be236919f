// Rules file loading: logical lines (joined continuations), comments, per-line errors,
// duplicate sids.
#include "rules/rule_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "rules/rule_text.hpp"

namespace dicomsentry::rules {
namespace {

// Points each dataset of `rule` at its set, loading a name's file the first time it is seen.
// A name keeps the file it was first loaded from; another file under that name is an error.
bool attach_datasets(Rule& rule, std::string_view base_dir, RuleSet& set, std::string& error) {
  for (DatasetMatch& d : rule.datasets) {
    const std::string path = resolve_dataset_path(d.file, base_dir);
    auto it = set.datasets.find(d.name);
    if (it == set.datasets.end()) {
      it = set.datasets.emplace(d.name, load_dataset_file(path)).first;
    } else if (it->second.path != path) {
      error =
          fmt::format("dataset \"{}\" is loaded from {}, not {}", d.name, it->second.path, path);
      return false;
    }
    if (!it->second.values) {
      error = it->second.error;
      return false;
    }
    d.values = it->second.values;
  }
  return true;
}

void add_rule(std::string_view logical, std::string_view name, std::string_view base_dir,
              std::size_t line_no, const Vars& vars, RuleSet& set) {
  const std::string_view trimmed = text::trim(logical);
  if (trimmed.empty() || trimmed.front() == '#') return;
  ParseResult result = parse_rule(trimmed, vars);
  std::string where = fmt::format("{}:{}", name, line_no);
  if (!result.ok()) {
    set.errors.push_back(fmt::format("{}: {}", where, result.error));
    ++set.failed;
    return;
  }
  const std::uint32_t sid = result.rule->sid;
  if (auto it = set.sid_origin.find(sid); it != set.sid_origin.end()) {
    set.errors.push_back(fmt::format("{}: duplicate sid {} (first at {})", where, sid, it->second));
    ++set.failed;
    return;
  }
  if (std::string error; !attach_datasets(*result.rule, base_dir, set, error)) {
    set.errors.push_back(fmt::format("{}: {}", where, error));
    ++set.failed;
    return;
  }
  set.sid_origin.emplace(sid, std::move(where));
  set.rules.push_back(std::move(*result.rule));
  ++set.loaded;
}

}  // namespace

void load_rule_text(std::string_view text, std::string_view name, const Vars& vars, RuleSet& set,
                    std::string_view base_dir) {
  const std::string name_dir = base_dir.empty()
                                   ? std::filesystem::path{std::string(name)}.parent_path().string()
                                   : std::string(base_dir);
  std::string logical;         // the rule being assembled from continued lines
  std::size_t first_line = 0;  // where it started, for messages
  bool continuing = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!continuing) {
      logical.clear();
      first_line = line_no;
    }
    // A trailing backslash joins the next line (Suricata's continuation); the joined rule is
    // capped just past kMaxRuleLength so the parser reports it as too long.
    continuing = !line.empty() && line.back() == '\\';
    if (continuing) line.remove_suffix(1);
    if (logical.size() <= kMaxRuleLength) {
      logical.append(line.substr(0, kMaxRuleLength + 1 - logical.size()));
    }
    if (!continuing) add_rule(logical, name, name_dir, first_line, vars, set);
  }
  if (continuing)
    add_rule(logical, name, name_dir, first_line, vars, set);  // file ends after a '\'
}

bool load_rule_file(const std::string& path, const Vars& vars, RuleSet& set) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    set.errors.push_back(fmt::format("{}: is a directory", path));
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    set.errors.push_back(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    return false;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || !in) {
    set.errors.push_back(fmt::format("{}: cannot read", path));
    return false;
  }
  if (static_cast<std::uint64_t>(size) > kMaxRuleFileBytes) {
    set.errors.push_back(fmt::format("{}: larger than {} bytes", path, kMaxRuleFileBytes));
    return false;
  }
  std::string content(static_cast<std::size_t>(size), '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (static_cast<std::size_t>(in.gcount()) != content.size()) {
    set.errors.push_back(fmt::format("{}: cannot read", path));
    return false;
  }
  load_rule_text(content, path, vars, set);
  return true;
}

}  // namespace dicomsentry::rules
