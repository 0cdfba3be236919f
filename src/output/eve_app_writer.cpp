// EVE `dicom_association`, `dicom`, `anomaly` and `tls` records. Field names follow Suricata
// where it has them (`app_proto`, `anomaly.type`/`event`/`layer`, `tls.sni`/`version`); the
// README's EVE section documents every field.
#include "output/eve_app_writer.hpp"

#include "dicom/dimse_names.hpp"
#include "dicom/pdu.hpp"
#include "dicom/pdu_associate.hpp"
#include "output/eve_flow_header.hpp"
#include "tls/cipher_suites.hpp"

namespace dicomsentry {

namespace {

using dicom::AssociationState;

constexpr std::int64_t kNsPerUs = 1'000;

// Whole microseconds (EVE timestamps carry no more) as a decimal number of `unit_us`: the
// division of two exact integers gives the double nearest the decimal, which prints short.
double elapsed(TimestampNs from, TimestampNs to, double unit_us) {
  return static_cast<double>((to - from) / kNsPerUs) / unit_us;
}

std::string_view direction_name(Direction d) {
  return d == Direction::kToServer ? "to_server" : "to_client";
}

// PS3.7 D.3.3.7 user identity types, as stable identifiers (ul_items has the prose).
std::string_view user_identity_type_name(std::uint8_t type) {
  switch (type) {
    case 0:
      return "none";
    case 1:
      return "username";
    case 2:
      return "username_passcode";
    case 3:
      return "kerberos";
    case 4:
      return "saml";
    case 5:
      return "jwt";
    default:
      return "unknown";
  }
}

// PS3.7 C.4.1.1.3 (0000,0700) Priority.
std::string_view priority_name(std::uint16_t priority) {
  switch (priority) {
    case 0x0000:
      return "medium";
    case 0x0001:
      return "high";
    case 0x0002:
      return "low";
    default:
      return "unknown";
  }
}

// A UID and, when DCMTK knows it, its name under `name_key`.
void write_uid(JsonWriter& json, JsonKey key, JsonKey name_key,
               std::string_view uid) {
  json.key_value(key, uid);
  const std::string_view name = dicom::uid_name(uid);
  // DCMTK's built-in UID names are identifiers (tested in eve_plain_names_test).
  if (!name.empty()) json.key_plain_value(name_key, name);
}

void write_if_not_empty(JsonWriter& json, JsonKey key, std::string_view value) {
  if (!value.empty()) json.key_value(key, value);
}

void write_peer(JsonWriter& json, JsonKey key, const dicom::PeerSummary& peer) {
  json.key(key);
  json.begin_object();
  write_if_not_empty(json, "implementation_class_uid", peer.implementation_class_uid);
  write_if_not_empty(json, "implementation_version_name", peer.implementation_version_name);
  if (peer.has_max_pdu_length) json.key_value("max_pdu_length", peer.max_pdu_length);
  if (peer.has_async_window) {
    json.key("async_window");
    json.begin_object();
    json.key_value("invoked", peer.max_operations_invoked);
    json.key_value("performed", peer.max_operations_performed);
    json.end_object();
  }
  json.key_value("bytes", peer.bytes);
  json.key_value("pdus", peer.pdus);
  json.key("pdus_by_type");
  json.begin_object();
  for (std::size_t type = 0; type < peer.pdus_by_type.size(); ++type) {
    if (peer.pdus_by_type[type] == 0) continue;
    // pdu_type_name(0) is "unknown": slot 0 counts PDUs of types outside 1..7.
    json.dynamic_key_value(dicom::pdu_type_name(static_cast<std::uint8_t>(type)), peer.pdus_by_type[type]);
  }
  json.end_object();
  json.end_object();
}

void write_context(JsonWriter& json, const dicom::ContextSummary& pc) {
  json.begin_object();
  json.key_value("id", pc.id);
  write_uid(json, "abstract_syntax", "abstract_syntax_name", pc.abstract_syntax);
  json.key("proposed_transfer_syntaxes");
  json.begin_array();
  for (const std::string& ts : pc.proposed_transfer_syntaxes) {
    json.begin_object();
    write_uid(json, "uid", "name", ts);
    json.end_object();
  }
  json.end_array();
  if (pc.answered) {
    json.key_value("result", pc.result);
    json.key_plain_value("result_text", dicom::context_result_text(pc.result));
    if (pc.result == 0 && !pc.accepted_transfer_syntax.empty()) {
      write_uid(json, "accepted_transfer_syntax", "accepted_transfer_syntax_name",
                pc.accepted_transfer_syntax);
    }
  }
  json.end_object();
}

std::string_view side_name(bool requestor) {
  return requestor ? "requestor" : "acceptor";
}

}  // namespace

EveAppWriter::EveAppWriter(EveSink& sink, bool log_phi, std::uint16_t community_id_seed)
    : sink_(sink), log_phi_(log_phi), seed_(community_id_seed) {}

void EveAppWriter::begin(JsonWriter& json, const Flow* flow, TimestampNs ts,
                         std::string_view event_type, std::string_view app_proto,
                         bool src_is_client) {
  begin_eve_record(json, timestamps_, ts, event_type);
  if (flow != nullptr)
    write_flow_identity(json, *flow, seed_, app_proto, src_is_client);
}

void EveAppWriter::finish(JsonWriter& json) {
  json.end_object();
  sink_.write_line(json.view());
}

void EveAppWriter::on_association(const dicom::AssociationRecord& r) {
  buffer_.clear();
  JsonWriter json(buffer_);
  begin(json, r.flow, r.end_ts != 0 ? r.end_ts : r.start_ts, "dicom_association", "dicom", true);
  json.key("dicom_association");
  json.begin_object();
  write_association_body(json, r);
  json.end_object();
  finish(json);
  ++counters_.associations;
}

void EveAppWriter::write_association_body(JsonWriter& json, const dicom::AssociationRecord& r) {
  json.key_value("calling_ae", r.calling_ae);
  json.key_value("called_ae", r.called_ae);
  write_if_not_empty(json, "responding_ae", r.responding_ae);
  json.key_plain_value("state", dicom::association_state_name(r.state));
  json.key_value("midstream", r.midstream);
  json.key_value("port_configured", r.port_configured);
  json.key_plain_value("start", timestamps_.format(r.start_ts));
  json.key_plain_value("end", timestamps_.format(r.end_ts));
  json.key_value("duration", r.end_ts >= r.start_ts ? elapsed(r.start_ts, r.end_ts, 1e6) : 0.0);
  write_if_not_empty(json, "application_context", r.application_context);

  json.key("presentation_contexts");
  json.begin_array();
  for (const dicom::ContextSummary& pc : r.contexts) write_context(json, pc);
  json.end_array();
  json.key_value("presentation_contexts_proposed", r.contexts_proposed);

  write_peer(json, "requestor", r.requestor);
  write_peer(json, "acceptor", r.acceptor);

  json.key("role_selections");
  json.begin_array();
  for (const dicom::RoleSummary& role : r.roles) {
    json.begin_object();
    write_uid(json, "sop_class_uid", "sop_class_name", role.sop_class_uid);
    json.key_value("scu_role", role.scu_role);
    json.key_value("scp_role", role.scp_role);
    json.key_value("from", side_name(!role.from_acceptor));
    json.end_object();
  }
  json.end_array();
  json.key_value("extended_negotiations", r.extended_negotiations);

  // Credentials never reach the record; the username is PHI-like (it names a person).
  json.key("user_identity");
  json.begin_object();
  json.key_value("type", user_identity_type_name(r.user_identity_type));
  if (r.user_identity_type > 5) json.key_value("type_code", r.user_identity_type);
  json.key_value("positive_response_requested", r.user_identity_response_requested);
  json.key_value("confirmed", r.user_identity_confirmed);
  if (r.user_identity_type == 1 || r.user_identity_type == 2) {
    json.key_value("username_present", !r.user_identity_username.empty());
    if (log_phi_) {
      json.key_value("username", r.user_identity_username);
    } else if (!r.user_identity_username.empty()) {
      ++counters_.phi_values_withheld;
    }
  }
  if (r.user_identity_type != 0) {
    json.key_value("passcode_present", r.user_identity_secondary_length != 0);
  }
  json.end_object();

  if (r.state == AssociationState::kRejected) {
    json.key("reject");
    json.begin_object();
    json.key_value("result", r.reject_result);
    json.key_value("result_text", dicom::reject_result_text(r.reject_result));
    json.key_value("source", r.reject_source);
    json.key_value("source_text", dicom::reject_source_text(r.reject_source));
    json.key_value("reason", r.reject_reason);
    json.key_value("reason_text", dicom::reject_reason_text(r.reject_source, r.reject_reason));
    json.end_object();
  }
  if (r.state == AssociationState::kAborted) {
    json.key("abort");
    json.begin_object();
    json.key_value("source", r.abort_source);
    json.key_value("source_text", dicom::abort_source_text(r.abort_source));
    json.key_value("reason", r.abort_reason);
    json.key_value("reason_text", dicom::abort_reason_text(r.abort_reason));
    json.key_value("by", side_name(r.abort_from_requestor));
    json.end_object();
  }
  if (r.state == AssociationState::kReleasing || r.state == AssociationState::kReleased) {
    json.key("release");
    json.begin_object();
    json.key_value("by", side_name(r.release_from_requestor));
    json.end_object();
  }

  json.key("commands");
  json.begin_object();
  for (std::size_t i = 0; i < r.requests.size(); ++i) {
    if (r.requests[i] == 0) continue;
    json.dynamic_key_value(dicom::command_kind_name(static_cast<dicom::CommandKind>(i)), r.requests[i]);
  }
  json.end_object();
  json.key_value("transactions", r.transactions);
  json.key_value("anomalies", r.anomalies);
  json.key_value("gap_bytes", r.gap_bytes);
}

void EveAppWriter::on_transaction(const dicom::TransactionRecord& r) {
  buffer_.clear();
  JsonWriter json(buffer_);
  const TimestampNs ts = r.response_ts != 0 ? r.response_ts : r.request_ts;
  begin(json, r.flow, ts, "dicom", "dicom", true);
  json.key("dicom");
  json.begin_object();
  json.key_plain_value("command", dicom::command_base_name(r.command));
  if (r.command == dicom::CommandField::kUnknown) {
    json.key_value("command_field", r.command_field_raw);
  }
  json.key_plain_value("request_direction", direction_name(r.request_direction));
  if (!r.request_seen) json.key_value("request_seen", false);
  json.key_value("message_id", r.message_id);
  json.key_value("presentation_context_id", r.presentation_context_id);
  if (!r.sop_class_uid.empty()) write_uid(json, "sop_class_uid", "sop_class_name", r.sop_class_uid);
  write_if_not_empty(json, "sop_instance_uid", r.sop_instance_uid);
  if (!r.abstract_syntax.empty() && r.abstract_syntax != r.sop_class_uid) {
    write_uid(json, "abstract_syntax", "abstract_syntax_name", r.abstract_syntax);
  }
  if (!r.transfer_syntax.empty()) {
    write_uid(json, "transfer_syntax", "transfer_syntax_name", r.transfer_syntax);
  }
  if (r.has_priority) json.key_plain_value("priority", priority_name(r.priority));
  write_if_not_empty(json, "move_destination", r.move_destination);
  if (!r.move_originator_ae.empty() || r.has_move_originator_message_id) {
    json.key("move_originator");
    json.begin_object();
    write_if_not_empty(json, "ae_title", r.move_originator_ae);
    if (r.has_move_originator_message_id) {
      json.key_value("message_id", r.move_originator_message_id);
    }
    json.end_object();
  }

  json.key_value("has_response", r.has_response);
  if (r.has_response) {
    json.key_value("status", r.status);
    json.key_plain_value("status_category",
                         dicom::status_category_name(dicom::status_category(r.status)));
    json.key_plain_value("status_text", dicom::status_text(r.status, r.command));
  }
  json.key_value("pending_responses", r.pending_responses);
  if (r.has_sub_operations) {
    json.key("sub_operations");
    json.begin_object();
    json.key_value("remaining", r.remaining);
    json.key_value("completed", r.completed);
    json.key_value("failed", r.failed);
    json.key_value("warning", r.warning);
    json.end_object();
  }
  write_if_not_empty(json, "error_comment", r.error_comment);

  const bool has_request_ts = r.request_seen && r.request_ts != 0;
  if (has_request_ts) json.key_plain_value("request_ts", timestamps_.format(r.request_ts));
  if (r.response_ts != 0) json.key_plain_value("response_ts", timestamps_.format(r.response_ts));
  if (has_request_ts && r.response_ts >= r.request_ts && r.response_ts != 0) {
    json.key_value("latency_ms", elapsed(r.request_ts, r.response_ts, 1e3));
  }

  json.key_value("request_data_set_bytes", r.request_data_set_bytes);
  json.key_value("response_data_set_bytes", r.response_data_set_bytes);
  json.key_value("data_set_gap", r.request_data_set_gap);
  const dicom::DataSetSummary& data_set = r.data_set();
  if (data_set.parsed) {
    write_data_set(json, data_set);
  } else {
    write_if_not_empty(json, "data_set_error", data_set.error);
  }
  json.key_value("exported", r.exported);
  if (r.association != nullptr) {
    json.key("association");
    json.begin_object();
    json.key_value("calling_ae", r.association->calling_ae);
    json.key_value("called_ae", r.association->called_ae);
    json.end_object();
  }
  json.end_object();
  finish(json);
  ++counters_.transactions;
}

void EveAppWriter::write_data_set(JsonWriter& json, const dicom::DataSetSummary& ds) {
  json.key("data_set");
  json.begin_object();
  write_if_not_empty(json, "modality", ds.modality);
  if (!ds.sop_class_uid.empty())
    write_uid(json, "sop_class_uid", "sop_class_name", ds.sop_class_uid);
  write_if_not_empty(json, "sop_instance_uid", ds.sop_instance_uid);
  write_if_not_empty(json, "query_level", ds.query_level);
  json.key_value("truncated", ds.truncated);
  if (!ds.keys.empty()) {
    json.key("keys");
    json.begin_array();
    for (const dicom::QueryKey& key : ds.keys) {
      json.begin_object();
      // The tag's hex text, DCMTK's two-letter VR name and our match name are plain ASCII:
      // copied without the escaping scan (a data set has a dozen keys, each of five fields).
      json.key_plain_value("tag", dicom::tag_text(key.tag).view());
      write_if_not_empty(json, "keyword", key.keyword);
      json.key_plain_value("vr", key.vr);
      json.key_plain_value("match", dicom::key_match_name(key.match));
      if (key.phi) json.key_value("phi", true);
      if (!key.phi || log_phi_) {
        json.key_value("value", key.value);
      } else if (!key.value.empty()) {
        ++counters_.phi_values_withheld;
      }
      json.end_object();
    }
    json.end_array();
  }
  json.end_object();
}

void EveAppWriter::on_anomaly(const dicom::AnomalyRecord& r) {
  buffer_.clear();
  JsonWriter json(buffer_);
  // Source is the sender of the offending bytes, so a rule on src_ip names the culprit.
  begin(json, r.flow, r.ts, "anomaly", r.flow != nullptr ? flow_app_proto(*r.flow) : "",
        r.direction == Direction::kToServer);
  json.key("anomaly");
  json.begin_object();
  json.key_value("type", "applayer");
  json.key_value("layer", r.layer);
  json.key_value("event", r.name);
  json.key_value("message", r.message);
  json.key_value("stream_offset", r.stream_offset);
  json.key_value("direction", direction_name(r.direction));
  json.end_object();
  finish(json);
  ++counters_.anomalies;
}

void EveAppWriter::on_tls(const dicom::TlsRecord& r) {
  buffer_.clear();
  JsonWriter json(buffer_);
  begin(json, r.flow, r.ts, "tls", "tls", true);
  json.key("tls");
  json.begin_object();
  // Suricata's word for a handshake whose ServerHello was not seen.
  json.key_value("version", r.has_server_hello ? tls::tls_version_name(r.version) : "UNDETERMINED");
  write_if_not_empty(json, "sni", r.sni);
  if (!r.alpn.empty()) {
    json.key("alpn");
    json.begin_array();
    for (const std::string& protocol : r.alpn) json.value(protocol);
    json.end_array();
  }
  if (r.has_server_hello) {
    json.key("cipher_suite");
    json.begin_object();
    json.key_value("id", r.cipher_suite);
    write_if_not_empty(json, "name", tls::cipher_suite_name(r.cipher_suite));
    json.end_object();
    json.key_value("weak", (r.cipher_weakness & tls::weakness::kWeakMask) != 0);
    json.key("weaknesses");
    json.begin_array();
    for (unsigned bit = 0; bit < 16; ++bit) {
      const auto flag = static_cast<std::uint16_t>(1u << bit);
      if (r.cipher_weakness & flag) json.value(tls::weakness_name(flag));
    }
    json.end_array();
    json.key_value("version_obsolete", tls::is_obsolete_version(r.version));
  }
  if (r.has_client_hello) {
    json.key("client");
    json.begin_object();
    json.key_value("legacy_version", tls::tls_version_name(r.client_legacy_version));
    json.key_value("highest_version", tls::tls_version_name(r.client_highest_version));
    json.key("versions");
    json.begin_array();
    for (std::uint16_t v : r.client_versions) json.value(tls::tls_version_name(v));
    json.end_array();
    json.key_value("cipher_suites_offered", r.cipher_suites_offered);
    json.key_value("weak_suites_offered", r.weak_suites_offered);
    json.end_object();
  }
  json.end_object();
  finish(json);
  ++counters_.tls;
}

}  // namespace dicomsentry
