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

namespace {

void clear_peer(PeerSummary& p) {
  p.implementation_class_uid.clear();
  p.implementation_version_name.clear();
  p.has_max_pdu_length = false;
  p.max_pdu_length = 0;
  p.has_async_window = false;
  p.max_operations_invoked = p.max_operations_performed = 0;
  p.bytes = 0;
  p.pdus = 0;
  p.pdus_by_type.fill(0);
}

}  // namespace

// Field by field, so the strings and vectors keep their buffers for the flow's next
// association (assigning a fresh record would free them all, and costs more than this).
ContextList& ContextList::operator=(std::initializer_list<ContextSummary> items) {
  items_.assign(items);
  size_ = items_.size();
  return *this;
}

ContextList& ContextList::operator=(const ContextList& other) {
  if (this != &other) {
    clear();
    for (const ContextSummary& c : other) push_back(c);
  }
  return *this;
}

ContextList::ContextList(ContextList&& other) noexcept
    : items_(std::move(other.items_)), size_(other.size_) {
  other.items_.clear();
  other.size_ = 0;
}

ContextList& ContextList::operator=(ContextList&& other) noexcept {
  if (this != &other) {
    items_ = std::move(other.items_);
    size_ = other.size_;
    other.items_.clear();
    other.size_ = 0;
  }
  return *this;
}

ContextSummary& ContextList::next() {
  if (size_ == items_.size()) items_.emplace_back();
  ContextSummary& c = items_[size_++];
  c.id = 0;
  c.abstract_syntax.clear();
  c.answered = false;
  c.result = 0;
  c.accepted_transfer_syntax.clear();
  return c;
}

ContextSummary& ContextList::emplace_back() {
  ContextSummary& c = next();
  c.proposed_transfer_syntaxes.clear();
  return c;
}

void AssociationRecord::clear() {
  flow = nullptr;
  start_ts = end_ts = 0;
  state = AssociationState::kRequested;
  midstream = false;
  port_configured = true;
  calling_ae.clear();
  called_ae.clear();
  responding_ae.clear();
  application_context.clear();
  contexts.clear();
  contexts_proposed = 0;
  clear_peer(requestor);
  clear_peer(acceptor);
  roles.clear();
  extended_negotiations = 0;
  user_identity_type = 0;
  user_identity_response_requested = false;
  user_identity_confirmed = false;
  user_identity_username.clear();
  user_identity_secondary_length = 0;
  reject_result = reject_source = reject_reason = 0;
  abort_source = abort_reason = 0;
  abort_from_requestor = false;
  release_from_requestor = true;
  requests.fill(0);
  transactions = 0;
  anomalies = 0;
  gap_bytes = 0;
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
