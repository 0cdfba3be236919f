// Policy decisions: classify both ends, find the entries covering the zone pair, try each.
#include "policy/policy_check.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace dicomsentry::policy {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(PolicyReason::kCount)>
    kReasonNames = {"allowed",   "no_entry",         "port",
                    "not_dicom", "plaintext",        "calling_ae",
                    "called_ae", "no_user_identity", "sop_class"};

bool covers(ZoneId entry_zone, ZoneId zone) {
  return entry_zone == kAnyZone || entry_zone == zone;
}

}  // namespace

std::string_view policy_reason_name(PolicyReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  return i < kReasonNames.size() ? kReasonNames[i] : "unknown";
}

struct PolicyChecker::Traffic {
  ZoneId client_zone = kNoZone;
  ZoneId server_zone = kNoZone;
  std::uint16_t server_port = 0;
  bool dicom = false;  // an association (kind otherwise)
  FlowKind kind = FlowKind::kOther;
  const AssociationFacts* association = nullptr;
};

PolicyChecker::PolicyChecker(const Config& config)
    : config_(config), classifier_(config.zones), governed_(config.zones.size() + 1, false) {
  auto mark = [&](ZoneId zone) {
    if (zone == kAnyZone) return;
    governed_[zone == kNoZone ? config_.zones.size() : zone] = true;
  };
  for (const PolicyEntry& entry : config_.policy) {
    mark(entry.from);
    mark(entry.to);
  }
}

bool PolicyChecker::governed(ZoneId zone) const {
  const std::size_t i = zone < config_.zones.size() ? zone : config_.zones.size();
  return governed_[i];
}

bool PolicyChecker::checked_pair(ZoneId client_zone, ZoneId server_zone) const {
  if (client_zone == server_zone) {
    return std::any_of(config_.policy.begin(), config_.policy.end(), [&](const PolicyEntry& e) {
      return e.from == client_zone && e.to == client_zone;
    });
  }
  return governed(client_zone) || governed(server_zone);
}

bool PolicyChecker::covered_pair(ZoneId client_zone, ZoneId server_zone) const {
  return std::any_of(config_.policy.begin(), config_.policy.end(), [&](const PolicyEntry& e) {
    return covers(e.from, client_zone) && covers(e.to, server_zone);
  });
}

namespace {

// The first condition of `entry` that the traffic fails, with its text; kAllowed if none.
PolicyReason first_failure(const PolicyEntry& entry, std::uint16_t server_port, bool dicom,
                           FlowKind kind, const AssociationFacts* a, std::string* text) {
  if (!entry.ports.empty() && !port_in(server_port, entry.ports)) {
    *text = fmt::format("server port {} is not among the ports of policy entry '{}'", server_port,
                        entry.name);
    return PolicyReason::kPort;
  }
  if (!dicom) {
    if (kind == FlowKind::kDicomTls) return PolicyReason::kAllowed;  // the rest is encrypted
    if (entry.allow_non_dicom) return PolicyReason::kAllowed;
    *text =
        fmt::format("policy entry '{}' allows only DICOM and this flow is not DICOM", entry.name);
    return PolicyReason::kNotDicom;
  }
  if (entry.require_tls && !a->tls) {
    *text = fmt::format("policy entry '{}' requires TLS and the association was in plaintext",
                        entry.name);
    return PolicyReason::kPlaintext;
  }
  if (!entry.calling_ae.empty() && std::find(entry.calling_ae.begin(), entry.calling_ae.end(),
                                             a->calling_ae) == entry.calling_ae.end()) {
    *text = fmt::format("calling AE title '{}' is not allowed by policy entry '{}'", a->calling_ae,
                        entry.name);
    return PolicyReason::kCallingAe;
  }
  if (!entry.called_ae.empty() && std::find(entry.called_ae.begin(), entry.called_ae.end(),
                                            a->called_ae) == entry.called_ae.end()) {
    *text = fmt::format("called AE title '{}' is not allowed by policy entry '{}'", a->called_ae,
                        entry.name);
    return PolicyReason::kCalledAe;
  }
  if (entry.require_user_identity && a->user_identity_type == 0) {
    *text = fmt::format(
        "policy entry '{}' requires user identity negotiation and the association "
        "had none",
        entry.name);
    return PolicyReason::kNoUserIdentity;
  }
  if (!entry.any_sop_class) {
    for (const std::string& uid : a->sop_classes) {
      const bool ok = std::any_of(entry.sop_classes.begin(), entry.sop_classes.end(),
                                  [&](const UidPattern& p) { return uid_matches(p, uid); });
      if (!ok) {
        *text = fmt::format("SOP class {} is not allowed by policy entry '{}'", uid, entry.name);
        return PolicyReason::kSopClass;
      }
    }
  }
  return PolicyReason::kAllowed;
}

}  // namespace

PolicyVerdict PolicyChecker::check(const Traffic& t) const {
  PolicyVerdict verdict;
  verdict.client_zone = t.client_zone;
  verdict.server_zone = t.server_zone;
  if (!checked_pair(t.client_zone, t.server_zone)) return verdict;
  verdict.checked = true;
  const PolicyEntry* first_covering = nullptr;
  PolicyReason first_reason = PolicyReason::kAllowed;
  std::string first_text;
  for (const PolicyEntry& entry : config_.policy) {  // bounded by kMaxPolicyEntries
    if (!covers(entry.from, t.client_zone) || !covers(entry.to, t.server_zone)) continue;
    std::string text;
    const PolicyReason reason =
        first_failure(entry, t.server_port, t.dicom, t.kind, t.association, &text);
    if (reason == PolicyReason::kAllowed) {
      verdict.entry = &entry;
      return verdict;
    }
    if (first_covering == nullptr) {
      first_covering = &entry;
      first_reason = reason;
      first_text = std::move(text);
    }
  }
  verdict.allowed = false;
  if (first_covering == nullptr) {
    verdict.reason = PolicyReason::kNoEntry;
    verdict.text = fmt::format("no policy entry allows {} -> {}", config_.zone_name(t.client_zone),
                               config_.zone_name(t.server_zone));
  } else {
    verdict.reason = first_reason;
    verdict.entry = first_covering;
    verdict.text = std::move(first_text);
  }
  return verdict;
}

PolicyVerdict PolicyChecker::check_association(const AssociationFacts& facts) const {
  Traffic t;
  t.client_zone =
      classifier_.zone_of(facts.client.ip, facts.client.ip_version, facts.client.vlan_ids);
  t.server_zone =
      classifier_.zone_of(facts.server.ip, facts.server.ip_version, facts.server.vlan_ids);
  t.server_port = facts.server_port;
  t.dicom = true;
  t.association = &facts;
  return check(t);
}

PolicyVerdict PolicyChecker::check_flow(const FlowFacts& facts) const {
  Traffic t;
  t.client_zone =
      classifier_.zone_of(facts.client.ip, facts.client.ip_version, facts.client.vlan_ids);
  t.server_zone =
      classifier_.zone_of(facts.server.ip, facts.server.ip_version, facts.server.vlan_ids);
  t.server_port = facts.server_port;
  t.kind = facts.kind;
  return check(t);
}

}  // namespace dicomsentry::policy
