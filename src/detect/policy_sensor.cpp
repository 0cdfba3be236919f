// PolicySensor: association and flow facts for the PolicyChecker, verdicts into the zone
// matrix, violations into gid 2 alerts.
#include "detect/policy_sensor.hpp"

#include "dicomsentry/counters.hpp"

namespace dicomsentry::detect {
namespace {

using policy::PolicyReason;

constexpr std::array<std::string_view, kPolicyReasons> kSignatures = {
    "dicomsentry policy: allowed",
    "dicomsentry policy: traffic between zones that no policy entry allows",
    "dicomsentry policy: server port not allowed by the policy entry",
    "dicomsentry policy: non-DICOM traffic where the policy allows only DICOM",
    "dicomsentry policy: DICOM association in plaintext where the policy requires TLS",
    "dicomsentry policy: calling AE title not allowed by the policy entry",
    "dicomsentry policy: called AE title not allowed by the policy entry",
    "dicomsentry policy: association without user identity where the policy requires it",
    "dicomsentry policy: SOP class not allowed by the policy entry",
};

policy::Endpoint endpoint(const Flow& flow, bool client) {
  const bool lo = client == static_cast<bool>(flow.client_is_lo);
  policy::Endpoint e;
  e.ip = lo ? flow.key.lo_ip : flow.key.hi_ip;
  e.ip_version = flow.key.ip_version;
  e.vlan_ids = std::span<const std::uint16_t>(flow.key.vlan_ids.data(), flow.key.vlan_count);
  return e;
}

std::uint16_t server_port(const Flow& flow) {
  return flow.client_is_lo ? flow.key.hi_port : flow.key.lo_port;
}

}  // namespace

std::uint32_t policy_signature_id(PolicyReason reason) {
  return 1 + static_cast<std::uint32_t>(reason);
}

std::string_view policy_signature(PolicyReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  return i < kSignatures.size() ? kSignatures[i] : "dicomsentry policy: violation";
}

std::uint8_t policy_severity(PolicyReason reason) {
  return reason == PolicyReason::kPlaintext || reason == PolicyReason::kNoUserIdentity ? 2 : 1;
}

PolicySensor::PolicySensor(const policy::PolicyChecker& checker, AlertSink& alerts,
                           const std::vector<std::uint16_t>& tls_ports)
    : checker_(checker), alerts_(alerts) {
  for (std::uint16_t port : tls_ports) tls_ports_.set(port);
}

void PolicySensor::on_association(const dicom::AssociationRecord& record) {
  if (record.flow == nullptr) return;
  if (record.midstream) {
    ++counters_.skipped_midstream;
    return;
  }
  const Flow& flow = *record.flow;
  std::size_t n = 0;
  for (const dicom::ContextSummary& pc : record.contexts) {
    if (!pc.answered || pc.result != 0) continue;
    if (n == sop_classes_.size()) sop_classes_.emplace_back();
    sop_classes_[n++].assign(pc.abstract_syntax);
  }
  policy::AssociationFacts facts;
  facts.client = endpoint(flow, true);
  facts.server = endpoint(flow, false);
  facts.server_port = server_port(flow);
  facts.calling_ae = record.calling_ae;
  facts.called_ae = record.called_ae;
  facts.tls = false;  // associations are only visible in plaintext: TLS is not decrypted
  facts.user_identity_type = record.user_identity_type;
  facts.sop_classes = std::span<const std::string>(sop_classes_.data(), n);
  const TimestampNs ts = record.end_ts != 0 ? record.end_ts : record.start_ts;
  judge(checker_.check_association(facts), flow, ts, true, &record);
}

void PolicySensor::on_flow_end(const Flow& flow) {
  if (flow.app_proto == AppProto::kDicom) return;  // judged by its associations
  policy::FlowFacts facts;
  facts.client = endpoint(flow, true);
  facts.server = endpoint(flow, false);
  facts.server_port = server_port(flow);
  facts.kind = flow.app_proto == AppProto::kTls && tls_ports_.test(facts.server_port)
                   ? policy::FlowKind::kDicomTls
                   : policy::FlowKind::kOther;
  judge(checker_.check_flow(facts), flow, flow.last_ts, false, nullptr);
}

void PolicySensor::judge(const policy::PolicyVerdict& verdict, const Flow& flow, TimestampNs ts,
                         bool association, const dicom::AssociationRecord* record) {
  ++counters_.evaluated;
  matrix_.record(verdict);
  KindCounts& kind = kinds_[(std::uint32_t{verdict.client_zone} << 16) | verdict.server_zone];
  ++(association ? kind.associations : kind.flows);
  if (!verdict.checked) return;
  ++counters_.checked;
  if (verdict.allowed) {
    ++counters_.allowed;
    return;
  }
  ++counters_.violations;
  ++counters_.by_reason[static_cast<std::size_t>(verdict.reason)];

  const policy::Config& config = checker_.config();
  PolicyAlertContext context;
  context.reason = policy::policy_reason_name(verdict.reason);
  if (verdict.entry != nullptr) context.entry = verdict.entry->name;
  context.client_zone = config.zone_name(verdict.client_zone);
  context.server_zone = config.zone_name(verdict.server_zone);
  context.text = verdict.text;

  AlertRecord alert;
  alert.flow = &flow;
  alert.ts = ts;
  alert.direction = Direction::kToServer;  // the client opened what the policy refuses
  alert.gid = kPolicyGid;
  alert.signature_id = policy_signature_id(verdict.reason);
  alert.rev = 1;
  alert.signature = policy_signature(verdict.reason);
  alert.category = kPolicyCategory;
  alert.severity = policy_severity(verdict.reason);
  alert.association = record;
  alert.policy = &context;
  alerts_.on_alert(alert);
}

void PolicySensor::merge(const PolicySensor& other) {
  add_counters(counters_, other.counters_);
  matrix_.merge(other.matrix_);
  for (const auto& [key, counts] : other.kinds_) {
    KindCounts& into = kinds_[key];
    into.flows += counts.flows;
    into.associations += counts.associations;
  }
}

std::vector<ZonePairSummary> PolicySensor::summary() const {
  std::vector<ZonePairSummary> rows;
  const policy::Config& config = checker_.config();
  for (const policy::ZoneMatrix::Cell& cell : matrix_.cells(checker_)) {
    ZonePairSummary row;
    row.client_zone = config.zone_name(cell.from);
    row.server_zone = config.zone_name(cell.to);
    if (const auto it = kinds_.find((std::uint32_t{cell.from} << 16) | cell.to);
        it != kinds_.end()) {
      row.flows = it->second.flows;
      row.associations = it->second.associations;
    }
    row.violations = cell.violations;
    row.governed = cell.checked;
    row.allowed = cell.allowed;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace dicomsentry::detect
