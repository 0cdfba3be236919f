// Meta options (msg, sid, rev, classtype, priority, reference, metadata), flow,
// app-layer-protocol, threshold and detection_filter.
#include <fmt/format.h>

#include <vector>

#include "rules/rule_options.hpp"
#include "rules/rule_text.hpp"

namespace dicomsentry::rules::detail {
namespace {

using text::trim;

std::string_view family_name(KeywordFamily f) {
  switch (f) {
    case KeywordFamily::kDicom:
      return "dicom";
    case KeywordFamily::kTls:
      return "tls";
    case KeywordFamily::kAny:
      break;
  }
  return "tcp";
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

struct NamedUniqueOn {
  std::string_view name;
  UniqueOn field;
};
constexpr NamedUniqueOn kUniqueOn[] = {
    {"src_ip", UniqueOn::kSrcIp},
    {"dst_ip", UniqueOn::kDstIp},
    {"dst_port", UniqueOn::kDstPort},
    {"dicom.called_ae", UniqueOn::kCalledAe},
    {"dicom.calling_ae", UniqueOn::kCallingAe},
};

// `unique_on <field>`. A dicom.* field needs the association, so it ties the rule to DICOM as
// any dicom.* keyword does. A field that is the tracked address itself has one value per
// tracked key and could never reach a count above one: refused rather than silently dead.
bool parse_unique_on(RuleBuilder& b, std::string_view keyword, std::string_view arg,
                     Threshold& out) {
  for (const NamedUniqueOn& n : kUniqueOn) {
    if (n.name != arg) continue;
    if (n.field == UniqueOn::kCalledAe || n.field == UniqueOn::kCallingAe) {
      if (!b.require_family(KeywordFamily::kDicom, fmt::format("unique_on {}", arg))) return false;
    }
    out.unique_on = n.field;
    return true;
  }
  return b.fail(fmt::format("unknown {} unique_on field \"{}\"", keyword, arg));
}

bool unique_on_is_tracked(const Threshold& t) {
  const bool src = t.track == Track::kBySrc || t.track == Track::kByBoth;
  const bool dst = t.track == Track::kByDst || t.track == Track::kByBoth;
  return (src && t.unique_on == UniqueOn::kSrcIp) || (dst && t.unique_on == UniqueOn::kDstIp);
}

// `key value, key value, ...` of threshold and detection_filter; each key at most once.
bool parse_threshold(RuleBuilder& b, std::string_view keyword, std::string_view value,
                     bool with_type, Threshold& out) {
  std::vector<std::string_view> parts;
  if (!text::split_top_level(value, parts)) {
    return b.fail(fmt::format("bad {} \"{}\"", keyword, value));
  }
  bool type = false, track = false, count = false, seconds = false, unique_on = false;
  for (std::string_view part : parts) {
    const std::size_t space = part.find_first_of(" \t");
    const std::string_view key = part.substr(0, space);
    const std::string_view arg =
        space == std::string_view::npos ? std::string_view{} : trim(part.substr(space));
    bool* seen = key == "type" && with_type ? &type
                 : key == "track"           ? &track
                 : key == "count"           ? &count
                 : key == "seconds"         ? &seconds
                 : key == "unique_on"       ? &unique_on
                                            : nullptr;
    if (seen == nullptr) return b.fail(fmt::format("unknown {} option \"{}\"", keyword, key));
    if (*seen) return b.fail(fmt::format("{} {} given twice", keyword, key));
    *seen = true;
    if (key == "type") {
      if (arg == "limit")
        out.type = ThresholdType::kLimit;
      else if (arg == "threshold")
        out.type = ThresholdType::kThreshold;
      else if (arg == "both")
        out.type = ThresholdType::kBoth;
      else
        return b.fail(fmt::format("bad {} type \"{}\"", keyword, arg));
    } else if (key == "track") {
      if (arg == "by_src")
        out.track = Track::kBySrc;
      else if (arg == "by_dst")
        out.track = Track::kByDst;
      else if (arg == "by_rule")
        out.track = Track::kByRule;
      else if (arg == "by_both")
        out.track = Track::kByBoth;
      else
        return b.fail(fmt::format("bad {} track \"{}\"", keyword, arg));
    } else if (key == "unique_on") {
      if (!parse_unique_on(b, keyword, arg, out)) return false;
    } else {
      auto n = text::parse_unsigned(arg, UINT32_MAX);
      if (!n || *n == 0 || arg.find('x') != std::string_view::npos) {
        return b.fail(fmt::format("bad {} {} \"{}\"", keyword, key, arg));
      }
      (key == "count" ? out.count : out.seconds) = static_cast<std::uint32_t>(*n);
    }
  }
  if ((with_type && !type) || !track || !count || !seconds) {
    return b.fail(with_type ? "threshold needs type, track, count and seconds"
                            : "detection_filter needs track, count and seconds");
  }
  if (unique_on_is_tracked(out)) {
    return b.fail(fmt::format("{} unique_on {} is the tracked address (one value per key)", keyword,
                              out.unique_on == UniqueOn::kSrcIp ? "src_ip" : "dst_ip"));
  }
  return true;
}

}  // namespace

bool RuleBuilder::require_family(KeywordFamily needed, std::string_view keyword) {
  const KeywordFamily of_protocol = rule.protocol == Protocol::kDicom ? KeywordFamily::kDicom
                                    : rule.protocol == Protocol::kTls ? KeywordFamily::kTls
                                                                      : KeywordFamily::kAny;
  if (of_protocol != KeywordFamily::kAny && of_protocol != needed) {
    return fail(fmt::format("{} does not apply to protocol {}", keyword, family_name(of_protocol)));
  }
  if (family != KeywordFamily::kAny && family != needed) {
    return fail(
        fmt::format("{} cannot be combined with {} keywords", keyword, family_name(family)));
  }
  family = needed;
  rule.bound_protocol = needed == KeywordFamily::kDicom ? Protocol::kDicom : Protocol::kTls;
  return true;
}

bool unquote(std::string_view value, std::string_view keyword, std::string& out, RuleBuilder& b) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
    return b.fail(fmt::format("{} needs a quoted string", keyword));
  }
  value = value.substr(1, value.size() - 2);
  out.clear();
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\') {
      if (i + 1 == value.size())
        return b.fail(fmt::format("{} ends with a lone backslash", keyword));
      c = value[++i];
      if (c != '"' && c != '\\' && c != ';' && c != ':') {
        return b.fail(fmt::format("bad escape \"\\{}\" in {}", c, keyword));
      }
    } else if (c == '"') {
      return b.fail(fmt::format("unescaped quote in {}", keyword));
    }
    out.push_back(c);
  }
  return true;
}

bool on_msg(RuleBuilder& b, std::string_view value) {
  if (b.msg_seen) return b.fail("msg given twice");
  b.msg_seen = true;
  return unquote(value, "msg", b.rule.msg, b);
}

bool on_sid(RuleBuilder& b, std::string_view value) {
  if (b.sid_seen) return b.fail("sid given twice");
  auto n = text::parse_unsigned(value, UINT32_MAX);
  if (!n || *n == 0 || value.find('x') != std::string_view::npos) {
    return b.fail(fmt::format("bad sid \"{}\"", value));
  }
  b.sid_seen = true;
  b.rule.sid = static_cast<std::uint32_t>(*n);
  return true;
}

bool on_rev(RuleBuilder& b, std::string_view value) {
  if (b.rev_seen) return b.fail("rev given twice");
  auto n = text::parse_unsigned(value, UINT32_MAX);
  if (!n || value.find('x') != std::string_view::npos) {
    return b.fail(fmt::format("bad rev \"{}\"", value));
  }
  b.rev_seen = true;
  b.rule.rev = static_cast<std::uint32_t>(*n);
  return true;
}

bool on_classtype(RuleBuilder& b, std::string_view value) {
  if (!b.rule.classtype.empty()) return b.fail("classtype given twice");
  if (!is_identifier(value)) return b.fail(fmt::format("bad classtype \"{}\"", value));
  b.rule.classtype = std::string(value);
  return true;
}

bool on_priority(RuleBuilder& b, std::string_view value) {
  if (b.rule.priority) return b.fail("priority given twice");
  auto n = text::parse_unsigned(value, 255);
  if (!n || *n == 0) return b.fail(fmt::format("bad priority \"{}\"", value));
  b.rule.priority = static_cast<std::uint8_t>(*n);
  return true;
}

bool on_reference(RuleBuilder& b, std::string_view value) {
  const std::size_t comma = value.find(',');
  if (comma == std::string_view::npos) return b.fail("reference needs \"type,value\"");
  const std::string_view type = trim(value.substr(0, comma));
  const std::string_view ref = trim(value.substr(comma + 1));
  if (!is_identifier(type) || ref.empty()) return b.fail("reference needs \"type,value\"");
  b.rule.references.push_back(Reference{std::string(type), std::string(ref)});
  return true;
}

bool on_metadata(RuleBuilder& b, std::string_view value) {
  std::vector<std::string_view> parts;
  if (!text::split_top_level(value, parts)) return b.fail("bad metadata");
  for (std::string_view part : parts) {
    if (part.empty()) return b.fail("empty metadata entry");
    b.rule.metadata.emplace_back(part);
  }
  return true;
}

bool on_flow(RuleBuilder& b, std::string_view value) {
  if (b.rule.flow) return b.fail("flow given twice");
  std::vector<std::string_view> parts;
  if (!text::split_top_level(value, parts)) return b.fail("bad flow");
  FlowOptions flow;
  for (std::string_view part : parts) {
    if (part == "to_server" || part == "from_client")
      flow.to_server = true;
    else if (part == "to_client" || part == "from_server")
      flow.to_client = true;
    else if (part == "established")
      flow.established = true;
    else if (part == "not_established")
      flow.not_established = true;
    else if (part == "stateless")
      flow.stateless = true;
    else if (part == "only_stream")
      flow.only_stream = true;
    else if (part == "no_stream")
      flow.no_stream = true;
    else
      return b.fail(fmt::format("unknown flow option \"{}\"", part));
  }
  if (flow.to_server && flow.to_client)
    return b.fail("flow cannot be both to_server and to_client");
  if (flow.established && flow.not_established) {
    return b.fail("flow cannot be both established and not_established");
  }
  if (flow.only_stream && flow.no_stream)
    return b.fail("flow cannot be both only_stream and no_stream");
  b.rule.flow = flow;
  return true;
}

bool on_app_layer_protocol(RuleBuilder& b, std::string_view value) {
  if (b.rule.app_layer) return b.fail("app-layer-protocol given twice");
  AppLayerCondition c;
  if (!value.empty() && value.front() == '!') {
    c.negated = true;
    value = trim(value.substr(1));
  }
  if (value != "dicom" && value != "tls" && value != "failed" && value != "unknown") {
    return b.fail(fmt::format("unknown app-layer protocol \"{}\"", value));
  }
  c.protocol = std::string(value);
  b.rule.app_layer = c;
  return true;
}

// An anomaly name as the engines report it (`layer.reason`, lowercase, digits, `_`), or a
// prefix of one ending in `*`.
bool on_app_layer_event(RuleBuilder& b, std::string_view value) {
  if (b.rule.app_layer_event) return b.fail("app-layer-event given twice");
  std::string_view name = value;
  if (name.ends_with('*')) name.remove_suffix(1);
  bool ok = !name.empty() && name.front() != '.';
  for (const char c : name) {
    ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  }
  if (!ok) return b.fail(fmt::format("bad app-layer-event \"{}\"", value));
  b.rule.app_layer_event = std::string(value);
  return true;
}

bool on_threshold(RuleBuilder& b, std::string_view value) {
  if (b.rule.threshold) return b.fail("threshold given twice");
  if (b.rule.detection_filter) return b.fail("threshold and detection_filter cannot be combined");
  Threshold t;
  if (!parse_threshold(b, "threshold", value, true, t)) return false;
  b.rule.threshold = t;
  return true;
}

bool on_detection_filter(RuleBuilder& b, std::string_view value) {
  if (b.rule.detection_filter) return b.fail("detection_filter given twice");
  if (b.rule.threshold) return b.fail("threshold and detection_filter cannot be combined");
  Threshold t;
  if (!parse_threshold(b, "detection_filter", value, false, t)) return false;
  b.rule.detection_filter = t;
  return true;
}

}  // namespace dicomsentry::rules::detail
