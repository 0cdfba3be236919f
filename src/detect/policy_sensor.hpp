// The segmentation policy applied to traffic: every association as it is reported, and every
// flow that is not DICOM when it ends; each violation becomes a gid 2 alert.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "detect/alert_record.hpp"
#include "policy/policy_check.hpp"
#include "policy/zone_matrix.hpp"

namespace dicomsentry::detect {

inline constexpr std::size_t kPolicyReasons =
    static_cast<std::size_t>(policy::PolicyReason::kCount);

// The signature_id of a policy alert: 1 + the PolicyReason's index, so no_entry is 2, port 3,
// not_dicom 4, plaintext 5, calling_ae 6, called_ae 7, no_user_identity 8, sop_class 9
// (1, "allowed", is never raised). Stable: rules and dashboards may refer to them.
std::uint32_t policy_signature_id(policy::PolicyReason reason);
// "dicomsentry policy: DICOM association in plaintext where the policy requires TLS", ...:
// one fixed signature per reason; the alert's policy.text says what exactly happened.
std::string_view policy_signature(policy::PolicyReason reason);
// 2 for plaintext and no_user_identity (the traffic is allowed between those zones, only not
// as securely as required); 1 for the rest (traffic the policy does not allow at all).
std::uint8_t policy_severity(policy::PolicyReason reason);
inline constexpr std::string_view kPolicyCategory = "Segmentation policy violation";

struct PolicySensorCounters {
  std::uint64_t evaluated = 0;          // associations and flows given to the checker
  std::uint64_t checked = 0;            // ... whose zone pair is under the policy
  std::uint64_t allowed = 0;            // checked and allowed
  std::uint64_t violations = 0;         // checked and refused: one alert each
  std::uint64_t skipped_midstream = 0;  // associations without their A-ASSOCIATE: not judged
  std::array<std::uint64_t, kPolicyReasons> by_reason{};  // violations; [kAllowed] stays 0
};

// One row of the end-of-run zone matrix.
struct ZonePairSummary {
  std::string_view client_zone;
  std::string_view server_zone;
  std::uint64_t flows = 0;         // non-DICOM flows (TLS on DICOM-TLS ports included)
  std::uint64_t associations = 0;  // DICOM associations
  std::uint64_t violations = 0;
  bool governed = false;  // the pair is under the policy
  bool allowed = false;   // not governed, or some entry covers the pair
};

// What is judged, and how:
// * An association (plaintext DICOM: tls=false) with its calling and called AE titles, user
//   identity type, the abstract syntaxes of its accepted contexts as SOP classes (none when no
//   A-ASSOCIATE-AC was seen), and the flow's endpoints with its VLAN IDs. An association
//   picked up mid-stream has no A-ASSOCIATE to judge and is only counted (skipped_midstream).
// * At flow end, a flow that is not DICOM: TLS on a DICOM-TLS port as kDicomTls, anything else
//   (another protocol, `failed` on a DICOM port, a handshake that never completed, UDP) as
//   kOther. DICOM flows are judged through their associations instead.
// Every judged association and flow is counted in the zone matrix, policy or not.
class PolicySensor {
 public:
  // `checker` (and its config) and `alerts` must outlive the sensor. `tls_ports`: the DICOM-TLS
  // ports, on which a TLS flow is DICOM over TLS.
  PolicySensor(const policy::PolicyChecker& checker, AlertSink& alerts,
               const std::vector<std::uint16_t>& tls_ports);

  void on_association(const dicom::AssociationRecord& record);
  void on_flow_end(const Flow& flow);

  // Adds another worker's sensor (same checker config) to this one: counters and matrix.
  void merge(const PolicySensor& other);

  const PolicySensorCounters& counters() const { return counters_; }
  const policy::ZoneMatrix& matrix() const { return matrix_; }
  // Every zone pair seen, in the matrix's order (by zone id, unzoned last).
  std::vector<ZonePairSummary> summary() const;

 private:
  void judge(const policy::PolicyVerdict& verdict, const Flow& flow, TimestampNs ts,
             bool association, const dicom::AssociationRecord* record);

  struct KindCounts {
    std::uint64_t flows = 0;
    std::uint64_t associations = 0;
  };

  const policy::PolicyChecker& checker_;
  AlertSink& alerts_;
  std::bitset<65536> tls_ports_;
  std::vector<std::string> sop_classes_;  // reused: strings keep their capacity
  policy::ZoneMatrix matrix_;
  std::map<std::uint32_t, KindCounts> kinds_;  // key: client zone << 16 | server zone
  PolicySensorCounters counters_;
};

}  // namespace dicomsentry::detect
