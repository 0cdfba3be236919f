// An alert: a rule that matched, or a segmentation policy entry that traffic broke. Filled by
// the rule engine or the policy sensor, written by output/ as an EVE `alert` record.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dicom/dicom_events.hpp"
#include "flow/flow.hpp"
#include "rules/rule.hpp"

namespace dicomsentry::detect {

// Suricata's generator ids: 1 for rules from files; dicomsentry's own policy alerts use 2,
// its baseline (asset change) alerts 3.
inline constexpr std::uint32_t kRuleGid = 1;
inline constexpr std::uint32_t kPolicyGid = 2;
inline constexpr std::uint32_t kBaselineGid = 3;

// What a policy alert adds: which entry of which config was broken, and why.
struct PolicyAlertContext {
  std::string_view reason;       // policy::policy_reason_name, e.g. "plaintext"
  std::string_view entry;        // the broken entry's name; empty for "no entry allows"
  std::string_view client_zone;  // zone names, "unzoned" when none claims the address
  std::string_view server_zone;
  std::string_view text;         // one sentence for an analyst
};

struct AlertRecord {
  const Flow* flow = nullptr;
  TimestampNs ts = 0;
  // The direction of the traffic that triggered the alert: src_ip/src_port in EVE are the
  // client's for kToServer, the server's for kToClient (Suricata writes the packet's tuple).
  Direction direction = Direction::kToServer;
  rules::Action action = rules::Action::kAlert;
  std::uint32_t gid = kRuleGid;
  std::uint32_t signature_id = 0;
  std::uint32_t rev = 0;
  std::string_view signature;  // the rule's msg
  std::string_view category;   // the classtype's description ("Potential Corporate Privacy Violation")
  std::uint8_t severity = 3;   // priority: the rule's, else its classtype's, else 3
  std::span<const std::string> metadata;            // as written in the rule
  std::span<const rules::Reference> references;
  // The DICOM or TLS facts the alert was raised on; null when it was not raised on one.
  // An alert on a transaction also has its association (for the AE titles).
  const dicom::AssociationRecord* association = nullptr;
  const dicom::TransactionRecord* transaction = nullptr;
  const dicom::TlsRecord* tls = nullptr;
  const PolicyAlertContext* policy = nullptr;  // gid 2 only
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void on_alert(const AlertRecord& alert) = 0;
};

}  // namespace dicomsentry::detect
