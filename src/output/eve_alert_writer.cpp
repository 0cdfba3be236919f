// EVE `alert` and `policy_summary` records. Field names follow Suricata's alert record where it
// has them; the README's "Rules and policy" section shows both.
#include "output/eve_alert_writer.hpp"

#include "dicom/dataset_summary.hpp"
#include "dicom/dimse_names.hpp"
#include "output/eve_flow_header.hpp"
#include "tls/cipher_suites.hpp"

namespace dicomsentry {

namespace {

std::string_view metadata_key(std::string_view entry) {
  return entry.substr(0, entry.find(' '));
}

std::string_view metadata_value(std::string_view entry) {
  const std::size_t space = entry.find(' ');
  if (space == std::string_view::npos) return {};
  entry.remove_prefix(space + 1);
  while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
  return entry;
}

}  // namespace

EveAlertWriter::EveAlertWriter(EveSink& sink, bool log_phi, std::uint16_t community_id_seed)
    : sink_(sink), log_phi_(log_phi), seed_(community_id_seed) {}

// Suricata groups the values of one key: {"policy":["a","b"],"created_at":["2026_01_01"]}.
// Entries are few, so the grouping is a quadratic scan instead of a map (no allocation).
void EveAlertWriter::write_metadata(JsonWriter& json, std::span<const std::string> metadata) {
  json.key("metadata");
  json.begin_object();
  for (std::size_t i = 0; i < metadata.size(); ++i) {
    const std::string_view key = metadata_key(metadata[i]);
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = metadata_key(metadata[j]) == key;
    if (seen) continue;
    json.dynamic_key(key);
    json.begin_array();
    for (std::size_t j = i; j < metadata.size(); ++j) {
      if (metadata_key(metadata[j]) != key) continue;
      const std::string_view value = metadata_value(metadata[j]);
      if (!value.empty()) json.value(value);
    }
    json.end_array();
  }
  json.end_object();
}

void EveAlertWriter::write_dicom(JsonWriter& json, const detect::AlertRecord& a) {
  const dicom::AssociationRecord* assoc = a.association;
  const dicom::TransactionRecord* t = a.transaction;
  if (assoc == nullptr && t != nullptr) assoc = t->association;
  if (assoc == nullptr && t == nullptr) return;
  json.key("dicom");
  json.begin_object();
  if (assoc != nullptr) {
    json.key_value("calling_ae", assoc->calling_ae);
    json.key_value("called_ae", assoc->called_ae);
    if (log_phi_ && !assoc->user_identity_username.empty() &&
        (assoc->user_identity_type == 1 || assoc->user_identity_type == 2)) {
      json.key_value("username", assoc->user_identity_username);
    }
  }
  if (t != nullptr) {
    json.key_plain_value("command", dicom::command_base_name(t->command));
    json.key_value("message_id", t->message_id);
    if (!t->sop_class_uid.empty()) {
      json.key_value("sop_class_uid", t->sop_class_uid);
      const std::string_view name = dicom::uid_name(t->sop_class_uid);
      if (!name.empty()) json.key_plain_value("sop_class_name", name);
    }
    if (!t->move_destination.empty()) json.key_value("move_destination", t->move_destination);
    if (t->has_response) json.key_value("status", t->status);
  }
  json.end_object();
}

void EveAlertWriter::on_alert(const detect::AlertRecord& a) {
  buffer_.clear();
  JsonWriter json(buffer_);
  begin_eve_record(json, timestamps_, a.ts, "alert");
  if (a.flow != nullptr) {
    write_flow_identity(json, *a.flow, seed_, flow_app_proto(*a.flow),
                        a.direction == Direction::kToServer);
  }
  json.key("alert");
  json.begin_object();
  // IDS only: nothing is blocked, so every alert is "allowed", as Suricata writes it.
  json.key_value("action", "allowed");
  json.key_value("gid", a.gid);
  json.key_value("signature_id", a.signature_id);
  json.key_value("rev", a.rev);
  json.key_value("signature", a.signature);
  json.key_value("category", a.category);
  json.key_value("severity", a.severity);
  if (!a.metadata.empty()) write_metadata(json, a.metadata);
  if (!a.references.empty()) {
    json.key("references");
    json.begin_array();
    for (const rules::Reference& r : a.references) {
      json.begin_object();
      json.key_value("type", r.type);
      json.key_value("value", r.value);
      json.end_object();
    }
    json.end_array();
  }
  json.end_object();

  write_dicom(json, a);
  if (a.tls != nullptr) {
    json.key("tls");
    json.begin_object();
    json.key_value("version", a.tls->has_server_hello ? tls::tls_version_name(a.tls->version)
                                                      : std::string_view("UNDETERMINED"));
    if (!a.tls->sni.empty()) json.key_value("sni", a.tls->sni);
    if (a.tls->has_server_hello) {
      const std::string_view name = tls::cipher_suite_name(a.tls->cipher_suite);
      if (name.empty()) {
        json.key_value("cipher", a.tls->cipher_suite);
      } else {
        json.key_value("cipher", name);
      }
    }
    json.end_object();
  }
  if (a.policy != nullptr) {
    json.key("policy");
    json.begin_object();
    json.key_value("reason", a.policy->reason);
    if (!a.policy->entry.empty()) json.key_value("entry", a.policy->entry);
    json.key_value("client_zone", a.policy->client_zone);
    json.key_value("server_zone", a.policy->server_zone);
    json.key_value("text", a.policy->text);
    json.end_object();
  }
  json.end_object();
  sink_.write_line(json.view());
  ++written_;
}

void write_policy_summary(EveSink& sink, TimestampNs ts,
                          std::span<const detect::ZonePairSummary> pairs) {
  fmt::memory_buffer buffer;
  EveTimestampFormatter timestamps;
  JsonWriter json(buffer);
  begin_eve_record(json, timestamps, ts, "policy_summary");
  json.key("policy_summary");
  json.begin_object();
  json.key("pairs");
  json.begin_array();
  for (const detect::ZonePairSummary& p : pairs) {
    json.begin_object();
    json.key_value("client_zone", p.client_zone);
    json.key_value("server_zone", p.server_zone);
    json.key_value("flows", p.flows);
    json.key_value("associations", p.associations);
    json.key_value("violations", p.violations);
    json.key_value("governed", p.governed);
    json.key_value("allowed", p.allowed);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  json.end_object();
  sink.write_line(json.view());
}

}  // namespace dicomsentry
