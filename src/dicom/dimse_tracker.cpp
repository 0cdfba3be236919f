#include "dicom/dimse_tracker.hpp"

#include <algorithm>

#include "dicom/dimse_names.hpp"
#include "dicom/pdu_data.hpp"

namespace dicomsentry::dicom {

namespace {

constexpr std::string_view kImplicitLittle = "1.2.840.10008.1.2";
constexpr std::string_view kExplicitLittle = "1.2.840.10008.1.2.1";
constexpr std::string_view kExplicitBig = "1.2.840.10008.1.2.2";

bool is_vr(std::byte a, std::byte b) {
  const auto x = static_cast<unsigned char>(a);
  const auto y = static_cast<unsigned char>(b);
  return x >= 'A' && x <= 'Z' && y >= 'A' && y <= 'Z';
}

std::size_t head_limit_for(CommandField request) {
  switch (command_kind(request)) {
    case CommandKind::kCStore: return kStoreHeadBytes;
    case CommandKind::kCFind:
    case CommandKind::kCGet:
    case CommandKind::kCMove: return kMaxIdentifierBytes;
    default: return 0;
  }
}

void assign(std::string& out, std::string_view value) { out.assign(value.data(), value.size()); }

}  // namespace

std::string_view infer_transfer_syntax(ByteView head) {
  if (head.size() < 8) return {};
  // Data sets start with a low group (0002 never appears in DIMSE; 0008 usually does).
  const std::uint16_t group_le = load_le16(head.data());
  const std::uint16_t group_be = load_be16(head.data());
  if (is_vr(head[4], head[5])) {
    return (group_le > 0x00ff && group_be <= 0x00ff) ? kExplicitBig : kExplicitLittle;
  }
  return kImplicitLittle;
}

void DimseTracker::start(Flow* flow, AssociationRecord* association, EventSink* events,
                         ObjectSink* objects, AnomalyReporter* reporter, TransactionPool* pool,
                         bool midstream) {
  flow_ = flow;
  association_ = association;
  events_ = events;
  objects_ = objects;
  reporter_ = reporter;
  midstream_ = midstream;
  contexts_known_ = false;
  context_index_.fill(kNoContext);
  context_usable_.reset();
  context_flagged_.reset();
  for (Message& m : messages_) {
    std::vector<std::byte> command = std::move(m.command);
    std::vector<std::byte> head = std::move(m.head);
    command.clear();
    head.clear();
    m = Message();
    m.command = std::move(command);
    m.head = std::move(head);
    m.synced = !midstream;
  }
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    Pending* p = pending_[i];
    if (p == nullptr) continue;
    if (p->used && p->object != nullptr && objects_ != nullptr) objects_->finish(p->object, false, p->record);
    release_slot(i);
  }
  // A pooled session may move to another worker's pool only with its slots empty (they are).
  if (pool == nullptr) {
    if (!own_pool_) own_pool_ = std::make_unique<TransactionPool>();
    pool = own_pool_.get();
  }
  pool_ = pool;
  order_ = 0;
}

void DimseTracker::index_contexts() {
  context_index_.fill(kNoContext);
  const auto& contexts = association_->contexts;
  // Contexts past index 254 (only a hostile AC names that many) stay unindexed: unknown.
  for (std::size_t i = 0; i < contexts.size() && i < kNoContext; ++i) {
    context_index_[contexts[i].id] = static_cast<std::uint8_t>(i);
    context_usable_[contexts[i].id] = contexts[i].answered && contexts[i].result == 0;
  }
  contexts_known_ = true;
}

void DimseTracker::check_context(const StreamContext& at, std::uint8_t context_id) {
  // What was sent is parsed either way: whether it was allowed is the anomaly.
  if (!contexts_known_ || context_usable_[context_id] || context_flagged_[context_id]) return;
  context_flagged_[context_id] = true;
  reporter_->anomaly(at, context_index_[context_id] == kNoContext ? EngineAnomaly::kUnknownContext
                                                       : EngineAnomaly::kContextNotAccepted,
                     at.offset);
}

void DimseTracker::fill_context(TransactionRecord& record, std::uint8_t context_id) const {
  record.presentation_context_id = context_id;
  const std::uint8_t i = context_index_[context_id];
  if (i == kNoContext) return;
  const ContextSummary& c = association_->contexts[static_cast<std::size_t>(i)];
  record.abstract_syntax = c.abstract_syntax;
  record.transfer_syntax = c.accepted_transfer_syntax;
}

void DimseTracker::on_pdv_begin(const StreamContext& at, std::uint8_t context_id,
                                std::uint8_t control, std::uint32_t fragment_length) {
  Message& m = messages_[static_cast<std::size_t>(at.direction)];
  m.pdv_length = fragment_length;
  m.pdv_is_command = (control & kPdvCommandBit) != 0;
  m.pdv_is_last = (control & kPdvLastBit) != 0;
  m.pdv_ignored = false;
  if (!m.in_command && !m.in_data_set) check_context(at, context_id);  // once per message part
  if (m.pdv_is_command) {
    if (m.expect_data_set) {
      // The command announced a data set that never came.
      if (m.synced) reporter_->anomaly(at, EngineAnomaly::kMissingDataSet, at.offset);
      end_data_set(at, m, true);
    } else if (m.in_data_set) {
      reporter_->anomaly(at, EngineAnomaly::kInterleavedMessage, at.offset);
      end_data_set(at, m, true);
    }
    if (m.in_command && m.command_context != context_id) {
      reporter_->anomaly(at, EngineAnomaly::kInterleavedMessage, at.offset);
      m.in_command = false;
    }
    if (!m.in_command) {
      m.in_command = true;
      m.command_overflow = false;
      m.command_context = context_id;
      m.command.clear();
    }
    return;
  }
  // A data set fragment.
  if (m.in_command) {
    reporter_->anomaly(at, EngineAnomaly::kInterleavedMessage, at.offset);
    m.in_command = false;
  }
  if (m.expect_data_set) {
    m.expect_data_set = false;
    m.in_data_set = true;
    if (context_id != m.data_set_context) {
      reporter_->anomaly(at, EngineAnomaly::kInterleavedMessage, at.offset);
    }
  }
  if (!m.in_data_set) {
    // Mid-stream or after a loss, the rest of a data set whose command was not seen.
    if (m.synced) reporter_->anomaly(at, EngineAnomaly::kUnexpectedDataSet, at.offset);
    m.pdv_ignored = true;
  }
}

void DimseTracker::take_pdv_data(const StreamContext& at, Message& m, ByteView fragment) {
  if (m.pdv_ignored) return;
  if (m.pdv_is_command) {
    if (!m.in_command || m.command_overflow) return;
    if (m.command.size() + fragment.size() > kMaxCommandSetBytes) {
      m.command_overflow = true;
      reporter_->anomaly(at, EngineAnomaly::kCommandTooLarge, at.offset);
      return;
    }
    if (m.command.empty() && m.pdv_is_last && fragment.size() == m.pdv_length) {
      // The whole command set in one view (the usual case): parsed where it lies, not copied.
      // on_pdv_end follows at once at the offset past it, which is where this reports from.
      m.in_command = false;
      const StreamContext end{at.flow, at.direction, at.ts, at.offset + fragment.size()};
      process_command(end, m, fragment);
      return;
    }
    m.command.insert(m.command.end(), fragment.begin(), fragment.end());
    return;
  }
  if (!m.in_data_set) return;
  m.data_set_bytes += fragment.size();
  if (m.head.size() < m.head_limit) {
    const std::size_t take = std::min(fragment.size(), m.head_limit - m.head.size());
    m.head.insert(m.head.end(), fragment.begin(), fragment.begin() + static_cast<std::ptrdiff_t>(take));
  }
  // Without an object sink no data set has a handle: the pending record is not touched.
  if (objects_ != nullptr && m.data_set_pending >= 0) {
    const Pending* p = pending_[static_cast<std::size_t>(m.data_set_pending)];
    if (p != nullptr && p->object != nullptr) objects_->write(p->object, fragment);
  }
}

void DimseTracker::on_pdv_end(const StreamContext& at) {
  Message& m = messages_[static_cast<std::size_t>(at.direction)];
  if (m.pdv_ignored || !m.pdv_is_last) return;
  if (m.pdv_is_command) {
    if (!m.in_command) return;
    m.in_command = false;
    if (m.command_overflow) return;
    process_command(at, m, m.command);
    return;
  }
  if (m.in_data_set) end_data_set(at, m, false);
}

void DimseTracker::on_lost(const StreamContext& at) {
  Message& m = messages_[static_cast<std::size_t>(at.direction)];
  m.in_command = false;
  if (m.expect_data_set || m.in_data_set) end_data_set(at, m, true);
  m.synced = false;
}

void DimseTracker::process_command(const StreamContext& at, Message& m, ByteView command) {
  const DimseCommand cmd = parse_command_set(command);
  const bool known = cmd.has_field(DimseCommand::kHasCommandField) &&
                     cmd.command != CommandField::kUnknown;
  if (!m.synced && (!known || cmd.stopped)) return;  // the tail of a command cut by a loss
  m.synced = true;
  for (std::size_t i = 0; i < cmd.anomaly_count; ++i) {
    const std::string_view name = dimse_anomaly_name(cmd.anomalies[i].kind);
    reporter_->anomaly(at, "dicom.dimse", name, "command set does not follow PS3.7",
                       at.offset);
  }
  if (!known) {
    reporter_->anomaly(at, EngineAnomaly::kMalformedCommand, at.offset);
    if (cmd.has_data_set()) {
      m.expect_data_set = true;  // skip the data set that follows
      m.data_set_pending = -1;
      m.data_set_context = m.command_context;
      m.head_limit = 0;
      m.data_set_bytes = 0;
      m.data_set_gap = false;
      m.head.clear();
    }
    return;
  }
  if (is_request(cmd.command)) {
    on_request(at, m, cmd);
  } else {
    on_response(at, m, cmd);
  }
}

std::int32_t DimseTracker::find_pending(Direction direction, std::uint16_t message_id) const {
  const std::uint32_t key = pending_key(direction, message_id);
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_keys_[i] == key) return static_cast<std::int32_t>(i);
  }
  return -1;
}

std::int32_t DimseTracker::allocate_pending(const StreamContext& at) {
  std::size_t slot = pending_.size();
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_keys_[i] == 0) {
      slot = i;
      break;
    }
  }
  if (slot == pending_.size()) {
    if (pending_.size() < kMaxOutstanding) {
      pending_.push_back(nullptr);
    } else {
      // Full: the oldest request is reported unanswered to make room.
      slot = 0;
      for (std::size_t i = 1; i < pending_.size(); ++i) {
        if (pending_[i]->order < pending_[slot]->order) slot = i;
      }
      reporter_->anomaly(at, EngineAnomaly::kTooManyOutstanding, at.offset);
      for (Message& m : messages_) {
        if (m.data_set_pending == static_cast<std::int32_t>(slot)) m.data_set_pending = -1;
      }
      emit(slot);
    }
  }
  if (pending_[slot] == nullptr) pending_[slot] = pool_->take();
  return static_cast<std::int32_t>(slot);
}

void DimseTracker::release_slot(std::size_t index) {
  Pending* p = pending_[index];
  p->used = false;
  p->object = nullptr;
  pool_->give(p);
  pending_[index] = nullptr;
  pending_keys_[index] = 0;
}

void DimseTracker::on_request(const StreamContext& at, Message& m, const DimseCommand& cmd) {
  association_->requests[static_cast<std::size_t>(command_kind(cmd.command))]++;
  if (cmd.command == CommandField::kCCancelRq) {
    // C-CANCEL names the request it cancels; it has no response of its own.
    m.expect_data_set = false;
    return;
  }
  const std::int32_t existing = find_pending(at.direction, cmd.message_id);
  if (existing >= 0) {
    reporter_->anomaly(at, EngineAnomaly::kDuplicateMessageId, at.offset);
    emit(static_cast<std::size_t>(existing));
  }
  const std::int32_t index = allocate_pending(at);
  Pending& p = *pending_[static_cast<std::size_t>(index)];
  p.used = true;
  p.direction = at.direction;
  p.message_id = cmd.message_id;
  pending_keys_[static_cast<std::size_t>(index)] = pending_key(at.direction, cmd.message_id);
  p.order = order_++;
  p.object = nullptr;
  TransactionRecord& r = p.record;
  r.clear();
  r.flow = flow_;
  r.association = association_;
  r.request_direction = at.direction;
  r.request_ts = at.ts;
  r.command = cmd.command;
  r.command_field_raw = cmd.command_field_raw;
  r.message_id = cmd.message_id;
  fill_context(r, m.command_context);
  const bool requested = cmd.has_field(DimseCommand::kHasRequestedSopClassUid);
  assign(r.sop_class_uid, requested ? cmd.requested_sop_class_uid : cmd.affected_sop_class_uid);
  assign(r.sop_instance_uid, cmd.has_field(DimseCommand::kHasRequestedSopInstanceUid)
                                 ? cmd.requested_sop_instance_uid
                                 : cmd.affected_sop_instance_uid);
  r.has_priority = cmd.has_field(DimseCommand::kHasPriority);
  r.priority = cmd.priority;
  assign(r.move_destination, cmd.move_destination);
  assign(r.move_originator_ae, cmd.move_originator_ae_title);
  r.has_move_originator_message_id = cmd.has_field(DimseCommand::kHasMoveOriginatorMessageId);
  r.move_originator_message_id = cmd.move_originator_message_id;
  if (cmd.has_data_set()) {
    m.expect_data_set = true;
    m.data_set_is_request = true;
    m.data_set_final_response = false;
    m.data_set_context = m.command_context;
    m.data_set_pending = index;
    m.data_set_bytes = 0;
    m.data_set_gap = false;
    m.head_limit = head_limit_for(cmd.command);
    m.head.clear();
    if (objects_ != nullptr && command_kind(cmd.command) == CommandKind::kCStore) {
      p.object = objects_->begin(r);
    }
  }
}

void DimseTracker::on_response(const StreamContext& at, Message& m, const DimseCommand& cmd) {
  const Direction request_direction = opposite(at.direction);
  std::int32_t index = find_pending(request_direction, cmd.message_id_being_responded_to);
  if (index < 0) {
    if (!midstream_) reporter_->anomaly(at, EngineAnomaly::kResponseWithoutRequest, at.offset);
    index = allocate_pending(at);
    Pending& p = *pending_[static_cast<std::size_t>(index)];
    p.used = true;
    p.direction = request_direction;
    p.message_id = cmd.message_id_being_responded_to;
    pending_keys_[static_cast<std::size_t>(index)] =
        pending_key(request_direction, cmd.message_id_being_responded_to);
    p.order = order_++;
    p.object = nullptr;
    TransactionRecord& r = p.record;
    r.clear();
    r.flow = flow_;
    r.association = association_;
    r.request_direction = request_direction;
    r.request_seen = false;
    r.command = static_cast<CommandField>(cmd.command_field_raw & 0x7fffu);
    r.command_field_raw = static_cast<std::uint16_t>(cmd.command_field_raw & 0x7fffu);
    r.message_id = cmd.message_id_being_responded_to;
    fill_context(r, m.command_context);
  }
  Pending& p = *pending_[static_cast<std::size_t>(index)];
  TransactionRecord& r = p.record;
  if (r.sop_class_uid.empty()) {
    assign(r.sop_class_uid, cmd.affected_sop_class_uid);
  }
  if (r.sop_instance_uid.empty()) assign(r.sop_instance_uid, cmd.affected_sop_instance_uid);
  if (cmd.has_field(DimseCommand::kHasRemainingSubOperations) ||
      cmd.has_field(DimseCommand::kHasCompletedSubOperations) ||
      cmd.has_field(DimseCommand::kHasFailedSubOperations) ||
      cmd.has_field(DimseCommand::kHasWarningSubOperations)) {
    r.has_sub_operations = true;
    r.remaining = cmd.remaining_sub_operations;
    r.completed = cmd.completed_sub_operations;
    r.failed = cmd.failed_sub_operations;
    r.warning = cmd.warning_sub_operations;
  }
  const bool pending = status_category(cmd.status) == StatusCategory::kPending;
  if (pending) {
    ++r.pending_responses;
  } else {
    r.has_response = true;
    r.response_ts = at.ts;
    r.status = cmd.status;
    assign(r.error_comment, cmd.error_comment);
  }
  if (cmd.has_data_set()) {
    m.expect_data_set = true;
    m.data_set_is_request = false;
    m.data_set_final_response = !pending;
    m.data_set_context = m.command_context;
    m.data_set_pending = index;
    m.data_set_bytes = 0;
    m.data_set_gap = false;
    m.head_limit = 0;
    m.head.clear();
  } else if (!pending) {
    emit(static_cast<std::size_t>(index));
  }
}

void DimseTracker::end_data_set(const StreamContext&, Message& m, bool gap) {
  const bool was_announced_only = m.expect_data_set && !m.in_data_set;
  m.expect_data_set = false;
  m.in_data_set = false;
  if (m.data_set_pending < 0) return;
  const auto index = static_cast<std::size_t>(m.data_set_pending);
  m.data_set_pending = -1;
  Pending& p = *pending_[index];
  TransactionRecord& r = p.record;
  gap = gap || m.data_set_gap;
  if (m.data_set_is_request) {
    r.request_data_set_bytes = m.data_set_bytes;
    r.request_data_set_gap = gap || was_announced_only;
    if (!m.head.empty()) {
      // Handed over, not copied: the record's old buffer becomes the next head's.
      std::string_view syntax = r.transfer_syntax;
      if (syntax.empty()) syntax = infer_transfer_syntax(m.head);
      r.request_data_set_syntax.assign(syntax.data(), syntax.size());
      r.request_data_set_whole = !gap && m.head.size() == m.data_set_bytes;
      std::swap(r.request_data_set_head, m.head);
      m.head.clear();
    }
    if (p.object != nullptr) {
      r.exported = objects_->finish(p.object, !gap && !was_announced_only, r);
      p.object = nullptr;
    }
    return;
  }
  r.response_data_set_bytes += m.data_set_bytes;
  if (m.data_set_final_response) emit(index);
}

void DimseTracker::emit(std::size_t index) {
  if (pending_[index] == nullptr) return;
  Pending& p = *pending_[index];
  if (!p.used) return;
  if (p.object != nullptr) {
    p.record.exported = objects_->finish(p.object, false, p.record);
    p.object = nullptr;
  }
  for (Message& m : messages_) {
    if (m.data_set_pending == static_cast<std::int32_t>(index)) m.data_set_pending = -1;
  }
  association_->transactions++;
  events_->on_transaction(p.record);
  release_slot(index);
}

void DimseTracker::finish(TimestampNs ts) {
  for (Message& m : messages_) {
    if (m.expect_data_set || m.in_data_set) {
      const StreamContext at{*flow_, Direction::kToServer, ts, 0};
      end_data_set(at, m, true);
    }
    m.in_command = false;
  }
  // Oldest first, so the order of events follows the order of requests.
  for (;;) {
    std::int32_t oldest = -1;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (pending_[i] != nullptr && pending_[i]->used &&
          (oldest < 0 || pending_[i]->order < pending_[static_cast<std::size_t>(oldest)]->order)) {
        oldest = static_cast<std::int32_t>(i);
      }
    }
    if (oldest < 0) break;
    emit(static_cast<std::size_t>(oldest));
  }
}

}  // namespace dicomsentry::dicom
