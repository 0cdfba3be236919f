// DICOM and TLS keywords that carry their own value: enumerations (user identity type,
// association state, command, query level), reject reasons, status and TLS version comparisons.
#include <fmt/format.h>

#include <span>
#include <vector>

#include "dicom/dicom_events.hpp"
#include "dicom/dimse_command.hpp"
#include "dicom/dimse_names.hpp"
#include "rules/rule_options.hpp"
#include "rules/rule_text.hpp"

namespace dicomsentry::rules::detail {
namespace {

struct NamedCode {
  std::string_view name;
  std::uint16_t code;
};

using dicom::AssociationState;
using dicom::CommandField;
constexpr auto code = [](auto e) { return static_cast<std::uint16_t>(e); };

constexpr NamedCode kUserIdentity[] = {
    {"none", code(UserIdentityCode::kNone)},
    {"username", code(UserIdentityCode::kUsername)},
    {"username_passcode", code(UserIdentityCode::kUsernamePasscode)},
    {"kerberos", code(UserIdentityCode::kKerberos)},
    {"saml", code(UserIdentityCode::kSaml)},
    {"jwt", code(UserIdentityCode::kJwt)},
};

// The names the EVE dicom_association record uses; "accepted" is the word for it.
constexpr NamedCode kAssocState[] = {
    {"requested", code(AssociationState::kRequested)},
    {"established", code(AssociationState::kEstablished)},
    {"accepted", code(AssociationState::kEstablished)},
    {"releasing", code(AssociationState::kReleasing)},
    {"released", code(AssociationState::kReleased)},
    {"rejected", code(AssociationState::kRejected)},
    {"aborted", code(AssociationState::kAborted)},
    {"incomplete", code(AssociationState::kIncomplete)},
    {"midstream", code(AssociationState::kMidstream)},
};

constexpr NamedCode kQueryLevel[] = {
    {"patient", code(QueryLevelCode::kPatient)},
    {"study", code(QueryLevelCode::kStudy)},
    {"series", code(QueryLevelCode::kSeries)},
    {"image", code(QueryLevelCode::kImage)},
};

// Every PS3.7 command field value; names come from the dicom stage's table.
constexpr CommandField kCommands[] = {
    CommandField::kCStoreRq,   CommandField::kCStoreRsp,      CommandField::kCGetRq,
    CommandField::kCGetRsp,    CommandField::kCFindRq,        CommandField::kCFindRsp,
    CommandField::kCMoveRq,    CommandField::kCMoveRsp,       CommandField::kCEchoRq,
    CommandField::kCEchoRsp,   CommandField::kNEventReportRq, CommandField::kNEventReportRsp,
    CommandField::kNGetRq,     CommandField::kNGetRsp,        CommandField::kNSetRq,
    CommandField::kNSetRsp,    CommandField::kNActionRq,      CommandField::kNActionRsp,
    CommandField::kNCreateRq,  CommandField::kNCreateRsp,     CommandField::kNDeleteRq,
    CommandField::kNDeleteRsp, CommandField::kCCancelRq,
};

struct NamedCategory {
  std::string_view name;
  dicom::StatusCategory category;
};
constexpr NamedCategory kStatusCategories[] = {
    {"success", dicom::StatusCategory::kSuccess}, {"warning", dicom::StatusCategory::kWarning},
    {"failure", dicom::StatusCategory::kFailure}, {"cancel", dicom::StatusCategory::kCancel},
    {"pending", dicom::StatusCategory::kPending},
};

bool take_negation(std::string_view& value) {
  if (!value.empty() && value.front() == '!' && (value.size() < 2 || value[1] != '=')) {
    value = text::trim(value.substr(1));
    return true;
  }
  return false;
}

bool add_named(RuleBuilder& b, std::string_view keyword, std::string_view item,
               std::span<const NamedCode> table, std::vector<std::uint16_t>& out) {
  for (const NamedCode& n : table) {
    if (text::iequals(n.name, item)) {
      out.push_back(n.code);
      return true;
    }
  }
  return b.fail(fmt::format("unknown {} value \"{}\"", keyword, item));
}

bool add_command(RuleBuilder& b, std::string_view item, std::vector<std::uint16_t>& out) {
  bool found = false;
  for (CommandField c : kCommands) {
    // "C-MOVE" names the service: both its request and its response.
    if (text::iequals(dicom::command_name(c), item) ||
        text::iequals(dicom::command_base_name(c), item)) {
      out.push_back(code(c));
      found = true;
    }
  }
  return found || b.fail(fmt::format("unknown dicom.command value \"{}\"", item));
}

// A TLS version by name ("1.2", "ssl3") or number ("0x0303").
std::optional<std::uint32_t> tls_version_operand(std::string_view s) {
  if (s == "1.0") return 0x0301;
  if (s == "1.1") return 0x0302;
  if (s == "1.2") return 0x0303;
  if (s == "1.3") return 0x0304;
  if (text::iequals(s, "ssl3") || text::iequals(s, "sslv3")) return 0x0300;
  auto n = text::parse_unsigned(s, 0xFFFF);
  if (n) return static_cast<std::uint32_t>(*n);
  return std::nullopt;
}

std::optional<std::uint32_t> count_operand(std::string_view s) {
  auto n = text::parse_unsigned(s, 0x3FFFF);  // four 16-bit counters summed
  if (n) return static_cast<std::uint32_t>(*n);
  return std::nullopt;
}

std::optional<std::uint32_t> status_operand(std::string_view s) {
  auto n = text::parse_unsigned(s, 0xFFFF);
  if (n) return static_cast<std::uint32_t>(*n);
  return std::nullopt;
}

// `N`, `=N`, `!=N`, `!N`, `<N`, `<=N`, `>N`, `>=N`, `A-B`.
template <typename Operand>
bool parse_numeric(RuleBuilder& b, std::string_view keyword, std::string_view value,
                   Operand operand, NumericCondition& out) {
  struct Prefix {
    std::string_view text;
    CompareOp op;
  };
  constexpr Prefix kPrefixes[] = {
      {"<=", CompareOp::kLe}, {">=", CompareOp::kGe}, {"!=", CompareOp::kNe}, {"<", CompareOp::kLt},
      {">", CompareOp::kGt},  {"=", CompareOp::kEq},  {"!", CompareOp::kNe}};
  const std::string_view original = value;
  out.op = CompareOp::kEq;
  for (const Prefix& p : kPrefixes) {
    if (value.starts_with(p.text)) {
      out.op = p.op;
      value = text::trim(value.substr(p.text.size()));
      break;
    }
  }
  const std::size_t dash = value.find('-');
  if (out.op == CompareOp::kEq && dash != std::string_view::npos && dash > 0) {
    auto lo = operand(text::trim(value.substr(0, dash)));
    auto hi = operand(text::trim(value.substr(dash + 1)));
    if (!lo || !hi || *lo > *hi) return b.fail(fmt::format("bad {} \"{}\"", keyword, original));
    out = NumericCondition{CompareOp::kRange, *lo, *hi};
    return true;
  }
  auto v = operand(value);
  if (!v) return b.fail(fmt::format("bad {} \"{}\"", keyword, original));
  out.lo = *v;
  out.hi = *v;
  return true;
}

}  // namespace

bool on_value_keyword(RuleBuilder& b, ValueKeyword keyword, std::string_view name,
                      std::string_view value) {
  const KeywordFamily family =
      keyword == ValueKeyword::kTlsVersion ? KeywordFamily::kTls : KeywordFamily::kDicom;
  if (!b.require_family(family, name)) return false;
  ValueCondition c;
  c.keyword = keyword;

  if (keyword == ValueKeyword::kDicomSubOperations || keyword == ValueKeyword::kDicomContexts ||
      keyword == ValueKeyword::kDicomRequests) {
    NumericCondition n;
    if (!parse_numeric(b, name, value, count_operand, n)) return false;
    c.number = n;
    b.rule.conditions.push_back(std::move(c));
    return true;
  }
  if (keyword == ValueKeyword::kDicomStatus || keyword == ValueKeyword::kTlsVersion) {
    if (keyword == ValueKeyword::kDicomStatus) {
      std::string_view v = value;
      const bool negated = take_negation(v);
      for (const NamedCategory& named : kStatusCategories) {
        if (text::iequals(named.name, v)) {
          c.negated = negated;
          c.category = static_cast<std::uint8_t>(named.category);
          b.rule.conditions.push_back(std::move(c));
          return true;
        }
      }
    }
    NumericCondition n;
    const bool ok = keyword == ValueKeyword::kDicomStatus
                        ? parse_numeric(b, name, value, status_operand, n)
                        : parse_numeric(b, name, value, tls_version_operand, n);
    if (!ok) return false;
    c.number = n;
    b.rule.conditions.push_back(std::move(c));
    return true;
  }

  c.negated = take_negation(value);
  std::vector<std::string_view> items;
  if (!text::split_top_level(value, items))
    return b.fail(fmt::format("bad {} \"{}\"", name, value));
  for (std::string_view item : items) {
    if (item.empty()) return b.fail(fmt::format("empty value in {}", name));
    bool ok = true;
    switch (keyword) {
      case ValueKeyword::kDicomUserIdentity:
        ok = add_named(b, name, item, kUserIdentity, c.values);
        break;
      case ValueKeyword::kDicomAssocState:
        ok = add_named(b, name, item, kAssocState, c.values);
        break;
      case ValueKeyword::kDicomQueryLevel:
        ok = add_named(b, name, item, kQueryLevel, c.values);
        break;
      case ValueKeyword::kDicomCommand:
        ok = add_command(b, item, c.values);
        break;
      case ValueKeyword::kDicomRejectReason: {
        auto n = text::parse_unsigned(item, 7);
        if (!n || *n == 0) return b.fail(fmt::format("bad dicom.reject_reason \"{}\"", item));
        c.values.push_back(static_cast<std::uint16_t>(*n));
        break;
      }
      case ValueKeyword::kDicomStatus:
      case ValueKeyword::kTlsVersion:
      case ValueKeyword::kDicomSubOperations:
      case ValueKeyword::kDicomContexts:
      case ValueKeyword::kDicomRequests:
        break;  // handled above
    }
    if (!ok) return false;
  }
  b.rule.conditions.push_back(std::move(c));
  return true;
}

}  // namespace dicomsentry::rules::detail
