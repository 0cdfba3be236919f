#include "dicom/dicom_events.hpp"

namespace dicomsentry::dicom {

std::string_view association_state_name(AssociationState state) {
  switch (state) {
    case AssociationState::kRequested: return "requested";
    case AssociationState::kEstablished: return "established";
    case AssociationState::kReleasing: return "releasing";
    case AssociationState::kReleased: return "released";
    case AssociationState::kRejected: return "rejected";
    case AssociationState::kAborted: return "aborted";
    case AssociationState::kIncomplete: return "incomplete";
    case AssociationState::kMidstream: return "midstream";
  }
  return "unknown";
}

CommandKind command_kind(CommandField command) {
  switch (static_cast<std::uint16_t>(command) & 0x7fffu) {
    case 0x0001: return CommandKind::kCStore;
    case 0x0010: return CommandKind::kCGet;
    case 0x0020: return CommandKind::kCFind;
    case 0x0021: return CommandKind::kCMove;
    case 0x0030: return CommandKind::kCEcho;
    case 0x0FFF: return CommandKind::kCCancel;
    case 0x0100: return CommandKind::kNEventReport;
    case 0x0110: return CommandKind::kNGet;
    case 0x0120: return CommandKind::kNSet;
    case 0x0130: return CommandKind::kNAction;
    case 0x0140: return CommandKind::kNCreate;
    case 0x0150: return CommandKind::kNDelete;
    default: return CommandKind::kUnknown;
  }
}

std::string_view command_kind_name(CommandKind kind) {
  static constexpr std::string_view kNames[kCommandKinds] = {
      "C-STORE", "C-GET", "C-FIND", "C-MOVE", "C-ECHO", "C-CANCEL", "N-EVENT-REPORT",
      "N-GET", "N-SET", "N-ACTION", "N-CREATE", "N-DELETE", "UNKNOWN"};
  const auto i = static_cast<std::size_t>(kind);
  return i < kCommandKinds ? kNames[i] : "UNKNOWN";
}

void AssociationRecord::clear() {
  // Keep the vectors' and strings' buffers: records are reused for the flow's next association.
  std::vector<ContextSummary> kept_contexts = std::move(contexts);
  std::vector<RoleSummary> kept_roles = std::move(roles);
  std::string buffers[6] = {std::move(calling_ae), std::move(called_ae), std::move(responding_ae),
                            std::move(application_context), std::move(user_identity_username),
                            std::string()};
  *this = AssociationRecord();
  kept_contexts.clear();
  kept_roles.clear();
  contexts = std::move(kept_contexts);
  roles = std::move(kept_roles);
  for (auto& b : buffers) b.clear();
  calling_ae = std::move(buffers[0]);
  called_ae = std::move(buffers[1]);
  responding_ae = std::move(buffers[2]);
  application_context = std::move(buffers[3]);
  user_identity_username = std::move(buffers[4]);
}

void TransactionRecord::clear() {
  flow = nullptr;
  association = nullptr;
  request_direction = Direction::kToServer;
  request_ts = response_ts = 0;
  command = CommandField::kUnknown;
  command_field_raw = 0;
  message_id = 0;
  presentation_context_id = 0;
  abstract_syntax.clear();
  transfer_syntax.clear();
  sop_class_uid.clear();
  sop_instance_uid.clear();
  has_priority = false;
  priority = 0;
  move_destination.clear();
  move_originator_ae.clear();
  has_move_originator_message_id = false;
  move_originator_message_id = 0;
  has_response = false;
  request_seen = true;
  status = 0;
  error_comment.clear();
  pending_responses = 0;
  has_sub_operations = false;
  remaining = completed = failed = warning = 0;
  request_data_set_bytes = response_data_set_bytes = 0;
  request_data_set_gap = false;
  request_data_set.clear();
  request_data_set_head.clear();
  request_data_set_syntax.clear();
  request_data_set_whole = false;
  summarized_ = false;
  exported = false;
}

const DataSetSummary& TransactionRecord::data_set() const {
  if (!summarized_ && !request_data_set_head.empty()) {
    const bool want_keys = command_kind(command) != CommandKind::kCStore;
    summarize_data_set(request_data_set_head, request_data_set_syntax, request_data_set_whole,
                       want_keys, const_cast<DataSetSummary&>(request_data_set));
  }
  summarized_ = true;
  return request_data_set;
}

void TlsRecord::clear() {
  flow = nullptr;
  ts = 0;
  has_client_hello = false;
  client_legacy_version = client_highest_version = 0;
  client_versions.clear();
  cipher_suites_offered = weak_suites_offered = 0;
  sni.clear();
  alpn.clear();
  has_server_hello = false;
  version = cipher_suite = cipher_weakness = 0;
}

}  // namespace dicomsentry::dicom
