// Parses one rule line of the Suricata-like language into a Rule, or says why it cannot.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rules/rule.hpp"

namespace dicomsentry::rules {

// Address and port variables by name without the '$' ("HOME_NET" -> "[10.0.0.0/8]").
// A value may refer to other variables; nesting is bounded by kMaxVarDepth.
using Vars = std::map<std::string, std::string, std::less<>>;

// Bounds on untrusted rule text (rules files may come from anywhere).
inline constexpr std::size_t kMaxRuleLength = 8192;
inline constexpr std::size_t kMaxOptions = 256;
inline constexpr std::size_t kMaxListEntries = 1024;  // per address or port list, vars expanded
inline constexpr int kMaxVarDepth = 8;
inline constexpr int kMaxListNesting = 8;

// A rule, or the reason it was refused (one line, no file or line number).
struct ParseResult {
  std::optional<Rule> rule;
  std::string error;
  bool ok() const { return rule.has_value(); }
};

// Pure; never throws (an allocation failure becomes an error result).
ParseResult parse_rule(std::string_view line, const Vars& vars);

// The header parts on their own, for the rule parser and for the policy config later.
// On failure they return false and set `error`.
bool parse_address_list(std::string_view text, const Vars& vars, AddressList& out,
                        std::string& error);
bool parse_port_list(std::string_view text, const Vars& vars, PortList& out, std::string& error);

// The variables a rule file can use before a config file supplies its own: HOME_NET (RFC 1918
// networks), EXTERNAL_NET (!$HOME_NET), PACS_NET and MODALITY_NET ($HOME_NET), DICOM_PORTS and
// DICOM_TLS_PORTS (from the given port lists).
Vars default_vars(std::string_view dicom_ports, std::string_view tls_ports);

}  // namespace dicomsentry::rules
