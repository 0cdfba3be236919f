// Checks an association or a non-DICOM flow against the segmentation policy: allowed, or
// which entry it broke and why.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/zones.hpp"

namespace dicomsentry::policy {

struct Endpoint {
  IpAddress ip;
  std::uint8_t ip_version = 4;
  std::span<const std::uint16_t> vlan_ids;  // outermost first
};

// What the DICOM engine saw of one association. Source is the requestor (the TCP client).
struct AssociationFacts {
  Endpoint client;
  Endpoint server;
  std::uint16_t server_port = 0;
  std::string_view calling_ae;  // trimmed
  std::string_view called_ae;
  bool tls = false;                          // carried inside TLS
  std::uint8_t user_identity_type = 0;       // 0 none, else PS3.7 D.3.3.7 type
  std::span<const std::string> sop_classes;  // SOP classes used (or accepted contexts)
};

enum class FlowKind : std::uint8_t {
  kDicomTls,  // TLS on a DICOM TLS port: the association inside is not visible
  kOther,     // anything that is not DICOM
};

struct FlowFacts {
  Endpoint client;
  Endpoint server;
  std::uint16_t server_port = 0;
  FlowKind kind = FlowKind::kOther;
};

// Why traffic was refused; kAllowed when it was not. Names (for EVE) in policy_reason_name.
enum class PolicyReason : std::uint8_t {
  kAllowed,
  kNoEntry,         // the zone pair is under the policy and no entry covers it
  kPort,            // the server port is not in the entry's `ports`
  kNotDicom,        // a non-DICOM flow; the entry allows DICOM only
  kPlaintext,       // `require_tls` and the association was not inside TLS
  kCallingAe,       // calling AE title not in `calling_ae`
  kCalledAe,        // called AE title not in `called_ae`
  kNoUserIdentity,  // `require_user_identity` and no user identity was negotiated
  kSopClass,        // a SOP class outside `sop_classes`
  kCount
};
std::string_view policy_reason_name(PolicyReason reason);  // "allowed", "no_entry", ...

struct PolicyVerdict {
  ZoneId client_zone = kNoZone;
  ZoneId server_zone = kNoZone;
  bool checked = false;  // the zone pair is under the policy (see PolicyChecker)
  bool allowed = true;
  PolicyReason reason = PolicyReason::kAllowed;
  // The entry that allowed the traffic, or the one it broke; null when unchecked or kNoEntry.
  const PolicyEntry* entry = nullptr;
  std::string text;  // why it was refused; empty when allowed
};

// Semantics (the policy is a list of allowed flows; everything else between governed zones
// is denied):
// * Each endpoint gets a zone from ZoneClassifier (kNoZone, "unzoned", when none claims it).
// * A zone is governed when a policy entry names it as `from` or `to` (`unzoned` counts when
//   named; `any` does not govern anything by itself).
// * Traffic inside one zone is not a segmentation question: it is checked only when an entry
//   names that zone as both `from` and `to`.
// * Traffic between two zones neither of which is governed is not checked (no policy).
// * Otherwise the entries covering the pair (`from` is the client's zone or `any`, `to` the
//   server's zone or `any`) are tried in file order; the first whose conditions all hold
//   allows the traffic. None covers it: "no policy entry allows <from> -> <to>". All fail:
//   the violation names the first covering entry and its first failed condition, checked in
//   the order port, non-DICOM, TLS, calling AE, called AE, user identity, SOP classes.
// * A TLS flow on a DICOM TLS port meets `require_tls`; its AE titles, user identity and SOP
//   classes are encrypted, so those conditions are not held against it.
class PolicyChecker {
 public:
  explicit PolicyChecker(const Config& config);  // keeps a reference: the config outlives it

  PolicyVerdict check_association(const AssociationFacts& facts) const;
  PolicyVerdict check_flow(const FlowFacts& facts) const;

  // Whether the pair is under the policy, and whether some entry covers it.
  bool checked_pair(ZoneId client_zone, ZoneId server_zone) const;
  bool covered_pair(ZoneId client_zone, ZoneId server_zone) const;

  const ZoneClassifier& classifier() const { return classifier_; }
  const Config& config() const { return config_; }

 private:
  struct Traffic;  // what the checks need from either kind of facts
  PolicyVerdict check(const Traffic& traffic) const;
  bool governed(ZoneId zone) const;

  const Config& config_;
  ZoneClassifier classifier_;
  std::vector<bool> governed_;  // by ZoneId; the last slot is kNoZone
};

}  // namespace dicomsentry::policy
