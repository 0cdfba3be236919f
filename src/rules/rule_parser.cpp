// One rule line: header fields, then the option list split on unquoted, unescaped ';' and
// dispatched by keyword. Errors name the first problem found; nothing throws out of here.
#include "rules/rule_parser.hpp"

#include <fmt/format.h>

#include <new>
#include <vector>

#include "rules/rule_options.hpp"
#include "rules/rule_text.hpp"

namespace dicomsentry::rules {
namespace {

using detail::RuleBuilder;
using text::trim;

enum class Arg : std::uint8_t { kNone, kRequired };

struct Keyword {
  std::string_view name;
  Arg arg;
  bool (*handler)(RuleBuilder&, std::string_view keyword, std::string_view value);
};

template <bool (*F)(RuleBuilder&, std::string_view)>
bool with_value(RuleBuilder& b, std::string_view, std::string_view value) {
  return F(b, value);
}
template <bool (*F)(RuleBuilder&)>
bool flag(RuleBuilder& b, std::string_view, std::string_view) {
  return F(b);
}
template <Buffer B>
bool sticky(RuleBuilder& b, std::string_view keyword, std::string_view) {
  return detail::on_sticky_buffer(b, B, keyword);
}
template <ValueKeyword K>
bool value_keyword(RuleBuilder& b, std::string_view keyword, std::string_view value) {
  return detail::on_value_keyword(b, K, keyword, value);
}

constexpr Keyword kKeywords[] = {
    {"msg", Arg::kRequired, with_value<detail::on_msg>},
    {"sid", Arg::kRequired, with_value<detail::on_sid>},
    {"rev", Arg::kRequired, with_value<detail::on_rev>},
    {"classtype", Arg::kRequired, with_value<detail::on_classtype>},
    {"priority", Arg::kRequired, with_value<detail::on_priority>},
    {"reference", Arg::kRequired, with_value<detail::on_reference>},
    {"metadata", Arg::kRequired, with_value<detail::on_metadata>},
    {"flow", Arg::kRequired, with_value<detail::on_flow>},
    {"app-layer-protocol", Arg::kRequired, with_value<detail::on_app_layer_protocol>},
    {"app-layer-event", Arg::kRequired, with_value<detail::on_app_layer_event>},
    {"threshold", Arg::kRequired, with_value<detail::on_threshold>},
    {"detection_filter", Arg::kRequired, with_value<detail::on_detection_filter>},
    {"content", Arg::kRequired, with_value<detail::on_content>},
    {"pcre", Arg::kRequired, with_value<detail::on_pcre>},
    {"nocase", Arg::kNone, flag<detail::on_nocase>},
    {"fast_pattern", Arg::kNone, flag<detail::on_fast_pattern>},
    {"offset", Arg::kRequired, with_value<detail::on_offset>},
    {"depth", Arg::kRequired, with_value<detail::on_depth>},
    {"distance", Arg::kRequired, with_value<detail::on_distance>},
    {"within", Arg::kRequired, with_value<detail::on_within>},
    {"pkt_data", Arg::kNone, sticky<Buffer::kPayload>},
    {"dicom.calling_ae", Arg::kNone, sticky<Buffer::kDicomCallingAe>},
    {"dicom.called_ae", Arg::kNone, sticky<Buffer::kDicomCalledAe>},
    {"dicom.abstract_syntax", Arg::kNone, sticky<Buffer::kDicomAbstractSyntax>},
    {"dicom.transfer_syntax", Arg::kNone, sticky<Buffer::kDicomTransferSyntax>},
    {"dicom.impl_class_uid", Arg::kNone, sticky<Buffer::kDicomImplClassUid>},
    {"dicom.impl_version", Arg::kNone, sticky<Buffer::kDicomImplVersion>},
    {"dicom.sop_class", Arg::kNone, sticky<Buffer::kDicomSopClass>},
    {"dicom.move_destination", Arg::kNone, sticky<Buffer::kDicomMoveDestination>},
    {"dicom.query", Arg::kNone, sticky<Buffer::kDicomQuery>},
    {"dicom.dataset", Arg::kNone, sticky<Buffer::kDicomDataset>},
    {"tls.sni", Arg::kNone, sticky<Buffer::kTlsSni>},
    {"tls.cipher", Arg::kNone, sticky<Buffer::kTlsCipher>},
    {"dataset", Arg::kRequired, with_value<detail::on_dataset>},
    {"dicom.user_identity", Arg::kRequired, value_keyword<ValueKeyword::kDicomUserIdentity>},
    {"dicom.assoc_state", Arg::kRequired, value_keyword<ValueKeyword::kDicomAssocState>},
    {"dicom.reject_reason", Arg::kRequired, value_keyword<ValueKeyword::kDicomRejectReason>},
    {"dicom.command", Arg::kRequired, value_keyword<ValueKeyword::kDicomCommand>},
    {"dicom.status", Arg::kRequired, value_keyword<ValueKeyword::kDicomStatus>},
    {"dicom.query_level", Arg::kRequired, value_keyword<ValueKeyword::kDicomQueryLevel>},
    {"tls.version", Arg::kRequired, value_keyword<ValueKeyword::kTlsVersion>},
    {"dicom.sub_operations", Arg::kRequired, value_keyword<ValueKeyword::kDicomSubOperations>},
    {"dicom.contexts", Arg::kRequired, value_keyword<ValueKeyword::kDicomContexts>},
    {"dicom.requests", Arg::kRequired, value_keyword<ValueKeyword::kDicomRequests>},
};

// Header fields split on whitespace; whitespace inside [...] stays in its field.
bool split_header(std::string_view header, std::vector<std::string_view>& fields) {
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && text::is_space(header[i])) ++i;
    if (i == header.size()) break;
    const std::size_t start = i;
    int depth = 0;
    while (i < header.size() && (depth > 0 || !text::is_space(header[i]))) {
      if (header[i] == '[') ++depth;
      if (header[i] == ']' && --depth < 0) return false;
      ++i;
    }
    if (depth != 0) return false;
    fields.push_back(header.substr(start, i - start));
  }
  return true;
}

bool parse_header(std::string_view header, const Vars& vars, Rule& rule, std::string& error) {
  std::vector<std::string_view> f;
  if (!split_header(header, f)) {
    error = "unbalanced brackets in the rule header";
    return false;
  }
  if (f.size() != 7) {
    error = fmt::format(
        "header needs 7 fields (action protocol source port direction destination port), got {}",
        f.size());
    return false;
  }
  if (f[0] == "alert")
    rule.action = Action::kAlert;
  else if (f[0] == "pass")
    rule.action = Action::kPass;
  else
    return error = fmt::format("unknown action \"{}\"", f[0]), false;
  if (f[1] == "tcp")
    rule.protocol = Protocol::kTcp;
  else if (f[1] == "dicom")
    rule.protocol = Protocol::kDicom;
  else if (f[1] == "tls")
    rule.protocol = Protocol::kTls;
  else
    return error = fmt::format("unknown protocol \"{}\"", f[1]), false;
  rule.bound_protocol = rule.protocol;
  if (f[4] == "->")
    rule.direction = Direction::kToDestination;
  else if (f[4] == "<>")
    rule.direction = Direction::kBoth;
  else
    return error = fmt::format("bad direction \"{}\"", f[4]), false;
  return parse_address_list(f[2], vars, rule.src, error) &&
         parse_port_list(f[3], vars, rule.src_ports, error) &&
         parse_address_list(f[5], vars, rule.dst, error) &&
         parse_port_list(f[6], vars, rule.dst_ports, error);
}

// Splits "a:1; b; c:\"x;y\";" into options at ';' outside quotes and not escaped.
bool split_options(std::string_view body, std::vector<std::string_view>& options,
                   std::string& error) {
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      ++i;  // the escaped character never ends a string or an option
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      options.push_back(trim(body.substr(start, i - start)));
      start = i + 1;
      if (options.size() > kMaxOptions) {
        error = fmt::format("more than {} options", kMaxOptions);
        return false;
      }
    }
  }
  if (quoted) {
    error = "unterminated quoted string";
    return false;
  }
  // Suricata wants a ';' after the last option; a missing one is forgiven.
  if (!trim(body.substr(std::min(start, body.size()))).empty()) {
    options.push_back(trim(body.substr(start)));
  }
  return true;
}

bool apply_option(RuleBuilder& b, std::string_view option) {
  if (option.empty()) return b.fail("empty option");
  const std::size_t colon = option.find(':');
  const std::string_view name = trim(option.substr(0, colon));
  const bool has_value = colon != std::string_view::npos;
  const std::string_view value = has_value ? trim(option.substr(colon + 1)) : std::string_view{};
  for (const Keyword& k : kKeywords) {
    if (k.name != name) continue;
    if (k.arg == Arg::kNone && has_value) return b.fail(fmt::format("{} takes no value", name));
    if (k.arg == Arg::kRequired && value.empty()) {
      return b.fail(fmt::format("{} needs a value", name));
    }
    return k.handler(b, name, value);
  }
  return b.fail(fmt::format("unknown keyword \"{}\"", name));
}

ParseResult parse(std::string_view line, const Vars& vars) {
  ParseResult result;
  line = trim(line);
  if (line.empty()) return result.error = "empty rule", result;
  if (line.size() > kMaxRuleLength) {
    result.error = fmt::format("rule longer than {} bytes", kMaxRuleLength);
    return result;
  }
  const std::size_t open = line.find('(');
  if (open == std::string_view::npos)
    return result.error = "missing \"(\" before the options", result;
  if (line.back() != ')') return result.error = "missing \")\" at the end of the rule", result;

  Rule rule;
  if (!parse_header(line.substr(0, open), vars, rule, result.error)) return result;
  std::vector<std::string_view> options;
  if (!split_options(line.substr(open + 1, line.size() - open - 2), options, result.error)) {
    return result;
  }
  RuleBuilder b(rule);
  for (std::string_view option : options) {
    if (!apply_option(b, option)) return result.error = std::move(b.error), result;
  }
  if (!detail::finish_matches(b)) return result.error = std::move(b.error), result;
  if (!b.sid_seen) return result.error = "sid missing", result;
  result.rule = std::move(rule);
  return result;
}

}  // namespace

ParseResult parse_rule(std::string_view line, const Vars& vars) {
  try {
    return parse(line, vars);
  } catch (const std::bad_alloc&) {
    ParseResult result;
    result.error = "out of memory";
    return result;
  }
}

std::string_view buffer_name(Buffer buffer) {
  switch (buffer) {
    case Buffer::kPayload:
      return "pkt_data";
    case Buffer::kDicomCallingAe:
      return "dicom.calling_ae";
    case Buffer::kDicomCalledAe:
      return "dicom.called_ae";
    case Buffer::kDicomAbstractSyntax:
      return "dicom.abstract_syntax";
    case Buffer::kDicomTransferSyntax:
      return "dicom.transfer_syntax";
    case Buffer::kDicomImplClassUid:
      return "dicom.impl_class_uid";
    case Buffer::kDicomImplVersion:
      return "dicom.impl_version";
    case Buffer::kDicomSopClass:
      return "dicom.sop_class";
    case Buffer::kDicomMoveDestination:
      return "dicom.move_destination";
    case Buffer::kDicomQuery:
      return "dicom.query";
    case Buffer::kDicomDataset:
      return "dicom.dataset";
    case Buffer::kTlsSni:
      return "tls.sni";
    case Buffer::kTlsCipher:
      return "tls.cipher";
  }
  return "unknown";
}

}  // namespace dicomsentry::rules
