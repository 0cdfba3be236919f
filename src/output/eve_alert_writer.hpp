// EVE `alert` records (Suricata's layout, plus the DICOM, TLS and policy context) and the
// end-of-run `policy_summary` record.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include <fmt/format.h>

#include "detect/alert_record.hpp"
#include "detect/policy_sensor.hpp"
#include "output/community_id.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"

namespace dicomsentry {

// One per worker. Buffer, timestamp formatter and Community ID cache are reused, so once the
// buffer has grown to the largest alert, writing one allocates nothing.
//
// Record layout: timestamp, event_type "alert", the flow header oriented by the alert's
// direction (src is the client for kToServer, the server for kToClient), then
//   alert: {action "allowed", gid, signature_id, rev, signature, category, severity,
//           metadata {key: [values]} (each rule metadata entry split at its first space;
//           an entry without a space is a key with an empty list), references [{type, value}]}
//   dicom: {calling_ae, called_ae, command, message_id, sop_class_uid, sop_class_name,
//           move_destination, status} when raised on a transaction or an association (the
//           transaction's fields only for a transaction; username only with --log-phi)
//   tls:   {version, sni, cipher} when raised on a TLS handshake
//   policy: {reason, entry, client_zone, server_zone, text} for gid 2
// Query values and credentials are never written in alerts.
class EveAlertWriter final : public detect::AlertSink {
 public:
  explicit EveAlertWriter(EveSink& sink, bool log_phi = false, std::uint16_t community_id_seed = 0);

  void on_alert(const detect::AlertRecord& alert) override;

  std::uint64_t alerts_written() const { return written_; }

 private:
  void write_metadata(JsonWriter& json, std::span<const std::string> metadata);
  void write_dicom(JsonWriter& json, const detect::AlertRecord& alert);

  EveSink& sink_;
  bool log_phi_;
  std::uint16_t seed_;
  fmt::memory_buffer buffer_;
  EveTimestampFormatter timestamps_;
  std::uint64_t written_ = 0;
};

// `{"timestamp":...,"event_type":"policy_summary","policy_summary":{"pairs":[{"client_zone",
// "server_zone","flows","associations","violations","governed","allowed"}...]}}`, once at the
// end of a run with a policy.
void write_policy_summary(EveSink& sink, TimestampNs ts,
                          std::span<const detect::ZonePairSummary> pairs);

}  // namespace dicomsentry
