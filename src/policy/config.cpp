// Loads the policy config: yaml-cpp parses the text; this file checks every key and value,
// expands `$GROUP` references (rejecting cycles) and builds the resolved tables.
#include "policy/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <map>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "policy/yaml_walk.hpp"

namespace dicomsentry::policy {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    const bool inner = i > 0 && (digit || c == '-' || c == '.');
    if (!alpha && !inner) return false;
  }
  return true;
}

class Loader {
 public:
  Config run(const YAML::Node& root);

 private:
  struct RawGroup {
    std::string name;
    YAML::Node value;
    YAML::Mark mark;
    bool address = true;
    int state = 0;          // 0 not resolved, 1 being resolved (on the reference chain), 2 resolved
    std::size_t index = 0;  // into config_.address_groups or config_.port_groups
  };

  void load_vars(const YAML::Node& node);
  RawGroup* find_group(std::string_view name);
  RawGroup& group_reference(const YamlItem& item, bool address);
  void resolve(RawGroup& group);
  void add_cidrs(const YAML::Node& node, std::string_view what, std::vector<Cidr>* out);
  void add_ports(const YAML::Node& node, std::string_view what, std::vector<PortRange>* out);
  void load_zones(const YAML::Node& node);
  void load_policy(const YAML::Node& node);
  ZoneId zone_ref(const YAML::Node& node, std::string_view key);
  void load_outputs(const YAML::Node& node);

  Config config_;
  std::vector<RawGroup> groups_;
  std::vector<std::string> chain_;  // group names being resolved, for the cycle message
  std::map<std::tuple<std::uint8_t, std::uint8_t, std::array<std::uint8_t, 16>>, ZoneId> cidr_zone_;
  std::map<std::uint16_t, ZoneId> vlan_zone_;
  YamlWalk walk_;
};

Loader::RawGroup* Loader::find_group(std::string_view name) {
  for (RawGroup& g : groups_) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

void Loader::load_vars(const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {"address-groups", "port-groups"};
  for (const auto& [key, value] : walk_.mapping(node, "'vars'", kKeys)) {
    const bool address = key.text == "address-groups";
    for (const auto& [name, list] : walk_.mapping(value, fmt::format("'{}'", key.text), {})) {
      if (!valid_name(name.text)) {
        fail(name.mark, fmt::format("'{}' is not a valid group name (letters, digits, '_', '-', "
                                    "'.', starting with a letter or '_', at most {})",
                                    name.text, kMaxNameLength));
      }
      if (const RawGroup* other = find_group(name.text)) {
        fail(name.mark, fmt::format("group '{}' is defined twice (first at line {})", name.text,
                                    other->mark.line + 1));
      }
      if (groups_.size() >= kMaxGroups)
        fail(name.mark, fmt::format("more than {} groups", kMaxGroups));
      groups_.push_back(RawGroup{name.text, list, name.mark, address});
    }
  }
}

Loader::RawGroup& Loader::group_reference(const YamlItem& item, bool address) {
  const std::string_view name = std::string_view(item.text).substr(1);
  RawGroup* group = find_group(name);
  const std::string_view kind = address ? "address" : "port";
  if (group == nullptr) fail(item.mark, fmt::format("undefined {} group ${}", kind, name));
  if (group->address != address) {
    fail(item.mark,
         fmt::format("${} is {} group, not {} group", name,
                     group->address ? "an address" : "a port", address ? "an address" : "a port"));
  }
  if (group->state == 1) {
    std::string path;
    const auto start = std::find(chain_.begin(), chain_.end(), group->name);
    for (auto it = start; it != chain_.end(); ++it) path += fmt::format("${} -> ", *it);
    fail(item.mark,
         fmt::format("group ${} refers to itself: {}${}", group->name, path, group->name));
  }
  resolve(*group);
  return *group;
}

void Loader::resolve(RawGroup& group) {
  if (group.state != 0) return;  // resolved; a group on the chain is caught by group_reference
  group.state = 1;
  chain_.push_back(group.name);
  const std::string what = fmt::format("group '{}'", group.name);
  if (group.address) {
    std::vector<Cidr> cidrs;
    add_cidrs(group.value, what, &cidrs);
    group.index = config_.address_groups.size();
    config_.address_groups.push_back(AddressGroup{group.name, std::move(cidrs)});
  } else {
    std::vector<PortRange> ranges;
    add_ports(group.value, what, &ranges);
    group.index = config_.port_groups.size();
    config_.port_groups.push_back(PortGroup{group.name, std::move(ranges)});
  }
  chain_.pop_back();
  group.state = 2;
}

void Loader::add_cidrs(const YAML::Node& node, std::string_view what, std::vector<Cidr>* out) {
  for (const YamlItem& item : walk_.items(node, what)) {
    const std::string_view text = trim(item.text);
    if (text.front() == '!')
      fail(item.mark, fmt::format("'{}': negation is not supported in {}", text, what));
    if (text.front() == '$') {
      const RawGroup& group = group_reference(item, true);
      const std::vector<Cidr>& cidrs = config_.address_groups[group.index].cidrs;
      if (out->size() + cidrs.size() > kMaxListItems)
        fail(item.mark,
             fmt::format("more than {} items in {} (groups expanded)", kMaxListItems, what));
      out->insert(out->end(), cidrs.begin(), cidrs.end());
      continue;
    }
    const CidrParse parsed = parse_cidr(text);
    if (parsed.error != CidrError::kNone) {
      fail(item.mark, fmt::format("'{}' in {}: {}", text, what, cidr_error_text(parsed.error)));
    }
    if (out->size() >= kMaxListItems)
      fail(item.mark,
           fmt::format("more than {} items in {} (groups expanded)", kMaxListItems, what));
    out->push_back(parsed.cidr);
  }
}

bool parse_port(std::string_view text, std::uint16_t* port) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value > 65535) return false;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

void Loader::add_ports(const YAML::Node& node, std::string_view what, std::vector<PortRange>* out) {
  for (const YamlItem& item : walk_.items(node, what)) {
    const std::string_view text = trim(item.text);
    if (text.front() == '!')
      fail(item.mark, fmt::format("'{}': negation is not supported in {}", text, what));
    if (text.front() == '$') {
      const RawGroup& group = group_reference(item, false);
      const std::vector<PortRange>& ranges = config_.port_groups[group.index].ranges;
      if (out->size() + ranges.size() > kMaxListItems)
        fail(item.mark,
             fmt::format("more than {} items in {} (groups expanded)", kMaxListItems, what));
      out->insert(out->end(), ranges.begin(), ranges.end());
      continue;
    }
    // "104", "1000:2000", or Suricata's open range "1024:".
    PortRange range;
    const std::size_t colon = text.find(':');
    bool ok = parse_port(text.substr(0, colon), &range.first);
    range.last = range.first;
    if (ok && colon != std::string_view::npos) {
      const std::string_view last = text.substr(colon + 1);
      range.last = 65535;
      ok = last.empty() || parse_port(last, &range.last);
    }
    if (!ok)
      fail(item.mark,
           fmt::format("'{}' in {} is not a port (0-65535) or range (first:last)", text, what));
    if (range.last < range.first)
      fail(item.mark, fmt::format("'{}' in {}: the range ends before it starts", text, what));
    if (out->size() >= kMaxListItems)
      fail(item.mark,
           fmt::format("more than {} items in {} (groups expanded)", kMaxListItems, what));
    out->push_back(range);
  }
}

void Loader::load_zones(const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {"networks", "vlans", "description"};
  for (const auto& [name, body] : walk_.mapping(node, "'zones'", {})) {
    if (!valid_name(name.text)) {
      fail(name.mark, fmt::format("'{}' is not a valid zone name (letters, digits, '_', '-', '.', "
                                  "starting with a letter or '_', at most {})",
                                  name.text, kMaxNameLength));
    }
    if (name.text == "any" || name.text == kUnzonedName) {
      fail(name.mark, fmt::format("'{}' is reserved and cannot name a zone", name.text));
    }
    if (config_.zones.size() >= kMaxZones)
      fail(name.mark, fmt::format("more than {} zones", kMaxZones));
    Zone zone;
    zone.name = name.text;
    const std::string what = fmt::format("zone '{}'", name.text);
    for (const auto& [key, value] : walk_.mapping(body, what, kKeys)) {
      if (key.text == "networks") {
        add_cidrs(value, fmt::format("the networks of {}", what), &zone.cidrs);
      } else if (key.text == "vlans") {
        for (const YamlItem& item : walk_.items(value, fmt::format("the vlans of {}", what))) {
          std::uint16_t id = 0;
          if (!parse_port(trim(item.text), &id) || id == 0 || id > kMaxVlanId) {
            fail(item.mark,
                 fmt::format("'{}' in {} is not a VLAN ID (1-{})", item.text, what, kMaxVlanId));
          }
          zone.vlans.push_back(id);
        }
      } else {
        walk_.scalar(value, "'description'");
      }
    }
    if (zone.cidrs.empty() && zone.vlans.empty()) {
      fail(name.mark, fmt::format("{} has neither networks nor vlans", what));
    }
    // A network or VLAN in two zones would make the classification depend on file order.
    const auto id = static_cast<ZoneId>(config_.zones.size());
    for (const Cidr& cidr : zone.cidrs) {
      const auto key = std::make_tuple(cidr.ip_version, cidr.prefix_length, cidr.address.bytes);
      const auto [owner, inserted] = cidr_zone_.emplace(key, id);
      if (!inserted && owner->second != id) {
        fail(name.mark, fmt::format("{} is in both zone '{}' and {}", format_cidr(cidr),
                                    config_.zones[owner->second].name, what));
      }
    }
    for (std::uint16_t vlan : zone.vlans) {
      const auto [owner, inserted] = vlan_zone_.emplace(vlan, id);
      if (!inserted && owner->second != id) {
        fail(name.mark, fmt::format("VLAN {} is in both zone '{}' and {}", vlan,
                                    config_.zones[owner->second].name, what));
      }
    }
    config_.zones.push_back(std::move(zone));
  }
}

ZoneId Loader::zone_ref(const YAML::Node& node, std::string_view key) {
  const std::string name = walk_.scalar(node, fmt::format("'{}'", key));
  if (name == "any") return kAnyZone;
  if (name == kUnzonedName) return kNoZone;
  const ZoneId id = config_.find_zone(name);
  if (id == kNoZone) {
    std::string known;
    for (const Zone& z : config_.zones) known += fmt::format(", {}", z.name);
    fail(node.Mark(),
         fmt::format("'{}': unknown zone '{}' (known: any, {}{})", key, name, kUnzonedName, known));
  }
  return id;
}

std::vector<std::string> ae_titles(const std::vector<YamlItem>& list, std::string_view key) {
  std::vector<std::string> out;
  for (const YamlItem& item : list) {
    // PS3.5 6.2: leading and trailing spaces of an AE title are not significant.
    const std::string_view title = trim(item.text);
    if (title.empty() || title.size() > kMaxAeTitleLength) {
      fail(item.mark, fmt::format("'{}' in '{}' is not an AE title (1-{} characters)", item.text,
                                  key, kMaxAeTitleLength));
    }
    for (char c : title) {
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
          static_cast<unsigned char>(c) > 0x7e) {
        fail(item.mark,
             fmt::format("'{}' in '{}' is not an AE title (printable ASCII, no backslash)",
                         item.text, key));
      }
    }
    out.emplace_back(title);
  }
  return out;
}

void Loader::load_policy(const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {"name",
                                               "from",
                                               "to",
                                               "calling_ae",
                                               "called_ae",
                                               "require_tls",
                                               "require_user_identity",
                                               "allow_non_dicom",
                                               "sop_classes",
                                               "ports",
                                               "description"};
  walk_.visit(node.Mark());
  if (!node.IsSequence())
    fail(node.Mark(), fmt::format("'policy' must be a list of entries, not {}", node_kind(node)));
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node body = *it;
    if (config_.policy.size() >= kMaxPolicyEntries)
      fail(body.Mark(), fmt::format("more than {} policy entries", kMaxPolicyEntries));
    PolicyEntry entry;
    entry.line = static_cast<std::size_t>(body.Mark().line + 1);
    const auto pairs = walk_.mapping(body, "a policy entry", kKeys);
    bool has_from = false, has_to = false, has_name = false;
    for (const auto& [key, value] : pairs) {
      if (key.text == "name") {
        entry.name = walk_.scalar(value, "'name'");
        has_name = true;
        if (!valid_name(entry.name)) {
          fail(value.Mark(), fmt::format("'{}' is not a valid entry name (letters, digits, '_', "
                                         "'-', '.', starting with a letter or '_', at most {})",
                                         entry.name, kMaxNameLength));
        }
        for (const PolicyEntry& other : config_.policy) {
          if (other.name == entry.name) {
            fail(value.Mark(), fmt::format("policy entry '{}' is defined twice (first at line {})",
                                           entry.name, other.line));
          }
        }
      } else if (key.text == "from") {
        entry.from = zone_ref(value, "from");
        has_from = true;
      } else if (key.text == "to") {
        entry.to = zone_ref(value, "to");
        has_to = true;
      } else if (key.text == "calling_ae") {
        entry.calling_ae = ae_titles(walk_.items(value, "'calling_ae'"), "calling_ae");
      } else if (key.text == "called_ae") {
        entry.called_ae = ae_titles(walk_.items(value, "'called_ae'"), "called_ae");
      } else if (key.text == "require_tls") {
        entry.require_tls = walk_.boolean(value, key.text);
      } else if (key.text == "require_user_identity") {
        entry.require_user_identity = walk_.boolean(value, key.text);
      } else if (key.text == "allow_non_dicom") {
        entry.allow_non_dicom = walk_.boolean(value, key.text);
      } else if (key.text == "ports") {
        add_ports(value, "'ports'", &entry.ports);
      } else if (key.text == "sop_classes") {
        entry.any_sop_class = false;
        std::vector<UidPattern> literal;
        for (const YamlItem& item : walk_.items(value, "'sop_classes'")) {
          const std::string_view text = trim(item.text);
          if (const SopGroup* group = find_sop_group(text)) {
            entry.sop_groups.emplace_back(text);
            entry.sop_classes.insert(entry.sop_classes.end(), group->patterns.begin(),
                                     group->patterns.end());
            continue;
          }
          UidPattern pattern;
          if (!parse_uid_pattern(text, &pattern)) {
            std::string names;
            for (const SopGroup& g : sop_groups())
              names += fmt::format("{}{}", names.empty() ? "" : ", ", g.name);
            fail(item.mark, fmt::format("'{}' is neither a SOP class group ({}) nor a UID "
                                        "(digits and dots, '.*' for a prefix)",
                                        text, names));
          }
          literal.push_back(std::move(pattern));
        }
        entry.sop_classes.insert(entry.sop_classes.end(), literal.begin(), literal.end());
      } else {
        walk_.scalar(value, "'description'");
      }
    }
    if (!has_name) fail(body.Mark(), "a policy entry has no 'name'");
    if (!has_from)
      fail(body.Mark(), fmt::format("policy entry '{}' has no 'from' zone", entry.name));
    if (!has_to) fail(body.Mark(), fmt::format("policy entry '{}' has no 'to' zone", entry.name));
    config_.policy.push_back(std::move(entry));
  }
}

// Names to numbers, RFC 5424 6.2.1.
constexpr std::string_view kFacilities[] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp", "ntp",    "audit",  "alert",  "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
constexpr std::string_view kSeverities[] = {"emerg",   "alert",  "crit", "err",
                                            "warning", "notice", "info", "debug"};

template <std::size_t N>
std::string joined(const std::string_view (&names)[N]) {
  std::string list;
  for (std::string_view n : names) list += fmt::format("{}{}", list.empty() ? "" : ", ", n);
  return list;
}

template <std::size_t N>
int index_of(const std::string_view (&names)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void Loader::load_outputs(const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {"type",     "path",     "address", "protocol",
                                               "facility", "severity", "types",   "description"};
  static constexpr std::string_view kTypes[] = {"eve-file", "unix-stream", "unix-dgram",
                                                "syslog"};
  walk_.visit(node.Mark());
  if (!node.IsSequence())
    fail(node.Mark(), fmt::format("'outputs' must be a list of outputs, not {}", node_kind(node)));
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node body = *it;
    if (config_.outputs.size() >= kMaxOutputs)
      fail(body.Mark(), fmt::format("more than {} outputs", kMaxOutputs));
    OutputConfig output;
    output.line = static_cast<std::size_t>(body.Mark().line + 1);
    const auto pairs = walk_.mapping(body, "an output", kKeys);
    auto find = [&](std::string_view key) -> const std::pair<YamlItem, YAML::Node>* {
      for (const auto& pair : pairs) {
        if (pair.first.text == key) return &pair;
      }
      return nullptr;
    };
    const auto* type = find("type");
    if (type == nullptr) fail(body.Mark(), "an output has no 'type'");
    const std::string type_name = walk_.scalar(type->second, "'type'");
    const int type_index = index_of(kTypes, type_name);
    if (type_index < 0) {
      fail(type->second.Mark(), fmt::format("'{}' is not an output type ({})", type_name,
                                            joined(kTypes)));
    }
    output.type = static_cast<OutputType>(type_index);
    const bool syslog = output.type == OutputType::kSyslog;
    for (const auto& [key, value] : pairs) {
      const bool syslog_key =
          key.text == "address" || key.text == "protocol" || key.text == "facility" ||
          key.text == "severity";
      if (syslog_key && !syslog) {
        fail(key.mark, fmt::format("'{}' applies to syslog outputs only, not {}", key.text,
                                   type_name));
      }
      if (key.text == "path" && syslog)
        fail(key.mark, "'path' does not apply to a syslog output (it has an 'address')");
      if (key.text == "path") {
        output.path = walk_.scalar(value, "'path'");
        if (output.path.empty()) fail(value.Mark(), "'path' is empty");
        if (output.type != OutputType::kEveFile && output.path.size() > kMaxUnixSocketPath) {
          fail(value.Mark(), fmt::format("a Unix socket path may have at most {} bytes, this "
                                         "one has {}",
                                         kMaxUnixSocketPath, output.path.size()));
        }
      } else if (key.text == "address") {
        const std::string text = walk_.scalar(value, "'address'");
        if (!parse_ip_port(trim(text), 514, &output.address, &output.port)) {
          fail(value.Mark(), fmt::format("'{}' is not an IP address with an optional port "
                                         "(192.0.2.1, 192.0.2.1:514, [2001:db8::1]:514)",
                                         text));
        }
      } else if (key.text == "protocol") {
        const std::string text = walk_.scalar(value, "'protocol'");
        if (text != "udp" && text != "tcp")
          fail(value.Mark(), fmt::format("'{}' is not a syslog protocol (udp, tcp)", text));
        output.tcp = text == "tcp";
      } else if (key.text == "facility") {
        const std::string text = walk_.scalar(value, "'facility'");
        output.facility = index_of(kFacilities, text);
        if (output.facility < 0) {
          fail(value.Mark(), fmt::format("'{}' is not a syslog facility ({})", text,
                                         joined(kFacilities)));
        }
      } else if (key.text == "severity") {
        const std::string text = walk_.scalar(value, "'severity'");
        output.severity = index_of(kSeverities, text);
        if (output.severity < 0) {
          fail(value.Mark(), fmt::format("'{}' is not a syslog severity ({})", text,
                                         joined(kSeverities)));
        }
      } else if (key.text == "types") {
        for (const YamlItem& item : walk_.items(value, "'types'")) {
          const std::string_view name = trim(item.text);
          if (index_of(kEveEventTypes, name) < 0) {
            fail(item.mark, fmt::format("'{}' in 'types' is not an event type ({})", name,
                                        joined(kEveEventTypes)));
          }
          if (std::find(output.types.begin(), output.types.end(), name) == output.types.end())
            output.types.emplace_back(name);
        }
      } else if (key.text == "description") {
        walk_.scalar(value, "'description'");
      }
    }
    if (syslog && output.address.empty())
      fail(body.Mark(), "a syslog output has no 'address'");
    if (!syslog && output.path.empty())
      fail(body.Mark(), fmt::format("a {} output has no 'path'", type_name));
    config_.outputs.push_back(std::move(output));
  }
}

Config Loader::run(const YAML::Node& root) {
  if (root.IsNull()) return config_;  // an empty file: nothing zoned, nothing checked
  static constexpr std::string_view kKeys[] = {"vars",      "zones",  "policy", "dicom_ports",
                                               "tls_ports", "outputs"};
  const auto top = walk_.mapping(root, "the config", kKeys);
  auto section = [&](std::string_view name) -> const YAML::Node* {
    for (const auto& [key, value] : top) {
      if (key.text == name) return &value;
    }
    return nullptr;
  };
  // Order matters: groups before anything that refers to them, zones before the policy.
  if (const YAML::Node* vars = section("vars")) load_vars(*vars);
  for (RawGroup& group : groups_) resolve(group);  // unused groups are checked too
  if (const YAML::Node* ports = section("dicom_ports"))
    add_ports(*ports, "'dicom_ports'", &config_.dicom_ports);
  if (const YAML::Node* ports = section("tls_ports"))
    add_ports(*ports, "'tls_ports'", &config_.tls_ports);
  if (const YAML::Node* zones = section("zones")) load_zones(*zones);
  if (const YAML::Node* policy = section("policy")) load_policy(*policy);
  if (const YAML::Node* outputs = section("outputs")) load_outputs(*outputs);
  return std::move(config_);
}

}  // namespace

bool port_in(std::uint16_t port, const std::vector<PortRange>& ranges) {
  for (const PortRange& r : ranges) {
    if (port >= r.first && port <= r.last) return true;
  }
  return false;
}

std::string_view output_type_name(OutputType type) {
  switch (type) {
    case OutputType::kEveFile:
      return "eve-file";
    case OutputType::kUnixStream:
      return "unix-stream";
    case OutputType::kUnixDgram:
      return "unix-dgram";
    case OutputType::kSyslog:
      return "syslog";
  }
  return "?";
}

bool parse_ip_port(std::string_view text, std::uint16_t default_port, std::string* ip,
                   std::uint16_t* port) {
  std::string_view host = text;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (const std::size_t colon = text.find(':');
             colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    host = text.substr(0, colon);  // one colon: IPv4 and port; more: a bare IPv6 address
    port_text = text.substr(colon + 1);
    has_port = true;
  }
  std::uint16_t value = default_port;
  if (has_port && (!parse_port(port_text, &value) || value == 0)) return false;
  const std::string host_text(host);
  std::array<unsigned char, 16> bytes{};
  const bool v4 = inet_pton(AF_INET, host_text.c_str(), bytes.data()) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, host_text.c_str(), bytes.data()) == 1;
  if (!v4 && !v6) return false;
  if (v4 && !text.empty() && text.front() == '[') return false;  // brackets are for IPv6
  *ip = host_text;
  *port = value;
  return true;
}

std::string_view Config::zone_name(ZoneId id) const {
  if (id == kAnyZone) return "any";
  if (id >= zones.size()) return kUnzonedName;
  return zones[id].name;
}

ZoneId Config::find_zone(std::string_view name) const {
  for (std::size_t i = 0; i < zones.size(); ++i) {
    if (zones[i].name == name) return static_cast<ZoneId>(i);
  }
  return kNoZone;
}

std::string ConfigError::text() const {
  if (line == 0) return fmt::format("{}: {}", file, reason);
  return fmt::format("{}:{}:{}: {}", file, line, column, reason);
}

LoadResult load_config(std::string_view yaml_text, std::string_view file_name) {
  LoadResult result;
  result.error.file = std::string(file_name);
  if (yaml_text.size() > kMaxConfigBytes) {
    result.error.reason = fmt::format("larger than {} bytes", kMaxConfigBytes);
    return result;
  }
  auto locate = [&](const YAML::Mark& mark, std::string reason) {
    if (!mark.is_null()) {
      result.error.line = static_cast<std::size_t>(mark.line) + 1;
      result.error.column = static_cast<std::size_t>(mark.column) + 1;
    }
    result.error.reason = std::move(reason);
  };
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    result.config = Loader().run(root);
    result.ok = true;
  } catch (const ConfigFailure& failure) {
    locate(failure.mark, failure.reason);
  } catch (const YAML::Exception& e) {
    locate(e.mark, fmt::format("YAML syntax: {}", e.msg));
  }
  return result;
}

LoadResult load_config_file(const std::string& path) {
  LoadResult result;
  result.error.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.error.reason = "cannot open the file";
    return result;
  }
  std::string text;
  std::array<char, 65536> chunk{};
  while (in && text.size() <= kMaxConfigBytes) {
    in.read(chunk.data(), chunk.size());
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    result.error.reason = "cannot read the file";
    return result;
  }
  return load_config(text, path);  // a file over the cap is reported there
}

}  // namespace dicomsentry::policy
