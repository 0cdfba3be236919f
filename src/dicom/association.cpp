#include "dicom/association.hpp"

#include "dicom/pdu.hpp"
#include "dicom/pdu_data.hpp"

namespace dicomsentry::dicom {

namespace {

constexpr std::string_view kLayerUl = "dicom.ul";

void copy_peer(const UserInformation& info, PeerSummary& peer) {
  peer.implementation_class_uid = info.implementation_class_uid;
  peer.implementation_version_name = info.implementation_version_name;
  peer.has_max_pdu_length = info.has_max_length;
  peer.max_pdu_length = info.max_length;
  peer.has_async_window = info.has_async_window;
  peer.max_operations_invoked = info.max_operations_invoked;
  peer.max_operations_performed = info.max_operations_performed;
}

void copy_roles(const UserInformation& info, bool from_acceptor,
                std::vector<RoleSummary>& roles) {
  for (const RoleSelection& role : info.roles) {
    RoleSummary& r = roles.emplace_back();
    r.sop_class_uid = role.sop_class_uid;
    r.scu_role = role.scu_role;
    r.scp_role = role.scp_role;
    r.from_acceptor = from_acceptor;
  }
}

}  // namespace

Association::Association(AssociationShared& shared) : shared_(shared) {}

void Association::start(Flow& flow, TimestampNs ts, bool midstream, bool port_configured) {
  flow_ = &flow;
  record_.clear();
  record_.flow = &flow;
  record_.start_ts = ts;
  record_.end_ts = ts;
  last_ts_ = ts;
  record_.midstream = midstream;
  record_.port_configured = port_configured;
  record_.state = midstream ? AssociationState::kMidstream : AssociationState::kRequested;
  for (PduSplitter& s : splitters_) s.reset(midstream);
  counts_ = {};
  receiver_max_[0] = receiver_max_[1] = 0;
  dimse_.start(&flow, &record_, shared_.events, shared_.objects, this, shared_.transactions,
               midstream);
  reported_ = false;
  seen_rq_ = false;
  seen_ac_ = false;
  anomaly_events_ = 0;
}

// Released, rejected and aborted are set only by end(), which also sets reported_: the flag
// alone says it, and it sits with the per-PDU state rather than in the record.
bool Association::ended() const { return reported_; }

Consumed Association::on_data(const StreamContext& at, ByteView data) {
  last_ts_ = at.ts;
  return splitters_[static_cast<std::size_t>(at.direction)].on_data(at, data, *this);
}

void Association::on_gap(const StreamContext& at, std::uint64_t bytes) {
  record_.gap_bytes += bytes;
  splitters_[static_cast<std::size_t>(at.direction)].on_gap(at, *this);
}

void Association::finish(TimestampNs ts) {
  if (reported_) return;
  AssociationState state = record_.state;
  if (state != AssociationState::kReleased && state != AssociationState::kRejected &&
      state != AssociationState::kAborted && state != AssociationState::kMidstream) {
    state = AssociationState::kIncomplete;
  }
  end(ts > last_ts_ ? ts : last_ts_, state);
}

void Association::end(TimestampNs ts, AssociationState state) {
  record_.state = state;
  record_.end_ts = ts;
  for (std::size_t d = 0; d < 2; ++d) {
    PeerSummary& peer = d == 0 ? record_.requestor : record_.acceptor;
    peer.bytes = counts_[d].bytes;
    peer.pdus = counts_[d].pdus;
    peer.pdus_by_type = counts_[d].by_type;
  }
  dimse_.finish(ts);
  reported_ = true;
  shared_.events->on_association(record_);
}

void Association::anomaly(const StreamContext& at, std::string_view layer, std::string_view name,
                          std::string_view message, std::uint64_t offset) {
  ++record_.anomalies;
  if (anomaly_events_ >= shared_.max_anomaly_events) return;
  ++anomaly_events_;
  AnomalyRecord r;
  r.flow = &at.flow;
  r.ts = at.ts;
  r.direction = at.direction;
  r.layer = layer;
  r.name = name;
  r.message = message;
  r.stream_offset = offset;
  shared_.events->on_anomaly(r);
}

void Association::anomaly(const StreamContext& at, EngineAnomaly kind, std::uint64_t offset) {
  const std::string_view name = engine_anomaly_name(kind);
  const std::string_view layer = name.starts_with("dimse.") ? "dicom.dimse" : kLayerUl;
  anomaly(at, layer, name, engine_anomaly_message(kind), offset);
}

void Association::report_parse_anomalies(const StreamContext& at, const AnomalyList& anomalies) {
  for (const AnomalyHit& hit : anomalies) {
    anomaly(at, kLayerUl, dicom_anomaly_name(hit.reason), dicom_anomaly_message(hit.reason),
            at.offset + hit.offset);
  }
}

void Association::count_pdu(Direction from, std::uint8_t type, std::uint64_t bytes) {
  PduCounts& c = counts_[static_cast<std::size_t>(from)];
  c.bytes += bytes;
  ++c.pdus;
  ++c.by_type[type <= 7 ? type : 0];
}

void Association::on_control_pdu(const StreamContext& at, const PduHeader& header, ByteView pdu) {
  count_pdu(at.direction, header.type, pdu.size());
  if (ended()) {
    anomaly(at, EngineAnomaly::kPduAfterEnd, at.offset);
    return;
  }
  switch (header.pdu_type()) {
    case PduType::kAssociateRq: on_associate_rq(at, pdu); break;
    case PduType::kAssociateAc: on_associate_ac(at, pdu); break;
    case PduType::kAssociateRj: on_associate_rj(at, pdu); break;
    case PduType::kReleaseRq:
    case PduType::kReleaseRp: on_release(at, pdu); break;
    case PduType::kAbort: on_abort(at, pdu); break;
    case PduType::kPDataTf: break;  // streamed: never handed over whole
  }
}

void Association::on_associate_rq(const StreamContext& at, ByteView pdu) {
  if (at.direction != Direction::kToServer || seen_rq_ || seen_ac_) {
    anomaly(at, EngineAnomaly::kUnexpectedPdu, at.offset);
    return;
  }
  seen_rq_ = true;
  AssociatePdu& rq = *shared_.associate_scratch;
  parse_associate_rq(pdu, rq);
  report_parse_anomalies(at, rq.parse.anomalies);
  record_.midstream = false;
  record_.state = AssociationState::kRequested;
  record_.start_ts = at.ts;
  record_.calling_ae = rq.calling_ae.trimmed;
  record_.called_ae = rq.called_ae.trimmed;
  record_.application_context = rq.application_context;
  record_.contexts_proposed = rq.presentation_contexts_seen;
  record_.contexts.clear();
  for (const PresentationContextRq& pc : rq.rq_contexts) {
    ContextSummary& c = record_.contexts.next();
    c.id = pc.id;
    c.abstract_syntax = pc.abstract_syntax;
    // assign() copies into the strings already there, keeping their buffers.
    const std::span<const std::string_view> proposed = rq.transfer_syntaxes_of(pc);
    c.proposed_transfer_syntaxes.assign(proposed.begin(), proposed.end());
  }
  const UserInformation& info = rq.user_info;
  copy_peer(info, record_.requestor);
  // What the requestor receives bounds what the acceptor sends.
  receiver_max_[static_cast<std::size_t>(Direction::kToClient)] = info.has_max_length ? info.max_length : 0;
  copy_roles(info, false, record_.roles);
  record_.extended_negotiations += static_cast<std::uint16_t>(info.extended.size() + info.common_extended.size());
  if (info.has_user_identity_rq) {
    record_.user_identity_type = info.user_identity_rq.type;
    record_.user_identity_response_requested = info.user_identity_rq.positive_response_requested;
    record_.user_identity_username = info.user_identity_rq.username;
    record_.user_identity_secondary_length = info.user_identity_rq.secondary_length;
  }
}

void Association::on_associate_ac(const StreamContext& at, ByteView pdu) {
  if (at.direction != Direction::kToClient || seen_ac_ || (!seen_rq_ && !record_.midstream)) {
    anomaly(at, EngineAnomaly::kUnexpectedPdu, at.offset);
    return;
  }
  seen_ac_ = true;
  AssociatePdu& ac = *shared_.associate_scratch;
  parse_associate_ac(pdu, ac);
  report_parse_anomalies(at, ac.parse.anomalies);
  record_.state = AssociationState::kEstablished;
  record_.responding_ae = ac.called_ae.trimmed;
  if (!seen_rq_) {
    // Picked up between RQ and AC: the AC echoes both titles (not tested by the requestor).
    record_.calling_ae = ac.calling_ae.trimmed;
    record_.called_ae = ac.called_ae.trimmed;
    record_.application_context = ac.application_context;
  }
  for (const PresentationContextAc& pc : ac.ac_contexts) {
    ContextSummary* match = nullptr;
    for (ContextSummary& c : record_.contexts) {
      if (c.id == pc.id) {
        match = &c;
        break;
      }
    }
    if (match == nullptr) {
      match = &record_.contexts.emplace_back();
      match->id = pc.id;
    }
    match->answered = true;
    match->result = pc.result;
    if (pc.result == 0) match->accepted_transfer_syntax = pc.transfer_syntax;
  }
  const UserInformation& info = ac.user_info;
  copy_peer(info, record_.acceptor);
  receiver_max_[static_cast<std::size_t>(Direction::kToServer)] = info.has_max_length ? info.max_length : 0;
  copy_roles(info, true, record_.roles);
  record_.extended_negotiations += static_cast<std::uint16_t>(info.extended.size() + info.common_extended.size());
  record_.user_identity_confirmed = info.has_user_identity_ac;
  dimse_.index_contexts();
}

void Association::on_associate_rj(const StreamContext& at, ByteView pdu) {
  if (at.direction != Direction::kToClient || seen_ac_) {
    anomaly(at, EngineAnomaly::kUnexpectedPdu, at.offset);
    return;
  }
  const AssociateRj rj = parse_associate_rj(pdu);
  report_parse_anomalies(at, rj.parse.anomalies);
  record_.reject_result = rj.result;
  record_.reject_source = rj.source;
  record_.reject_reason = rj.reason;
  end(at.ts, AssociationState::kRejected);
}

void Association::on_release(const StreamContext& at, ByteView pdu) {
  const ReleasePdu release = parse_release(pdu);
  report_parse_anomalies(at, release.parse.anomalies);
  if (release.is_request) {
    if (record_.state == AssociationState::kReleasing) return;  // release collision (§7.2)
    record_.release_from_requestor = at.direction == Direction::kToServer;
    record_.state = AssociationState::kReleasing;
    return;
  }
  if (record_.state != AssociationState::kReleasing && record_.state != AssociationState::kMidstream) {
    anomaly(at, EngineAnomaly::kUnexpectedPdu, at.offset);
  }
  end(at.ts, AssociationState::kReleased);
}

void Association::on_abort(const StreamContext& at, ByteView pdu) {
  const AbortPdu abort = parse_abort(pdu);
  report_parse_anomalies(at, abort.parse.anomalies);
  record_.abort_source = abort.source;
  record_.abort_reason = abort.reason;
  record_.abort_from_requestor = at.direction == Direction::kToServer;
  end(at.ts, AssociationState::kAborted);
}

void Association::on_pdata(const StreamContext& at, const PduHeader& header) {
  count_pdu(at.direction, header.type, header.total_length());
  if (header.reserved != 0) {
    anomaly(at, kLayerUl, dicom_anomaly_name(DicomAnomaly::kPduReservedSet),
            dicom_anomaly_message(DicomAnomaly::kPduReservedSet), at.offset);
  }
  if (ended()) {
    anomaly(at, EngineAnomaly::kPduAfterEnd, at.offset);
    return;
  }
  if (!seen_ac_ && !record_.midstream) {
    anomaly(at, EngineAnomaly::kPdataBeforeAcceptance, at.offset);
  }
  // The receiver's maximum bounds what the sender may put in one P-DATA-TF (PS3.8 D.1).
  const std::uint32_t max = receiver_max_[static_cast<std::size_t>(at.direction)];
  if (max != 0 && header.length > max) anomaly(at, EngineAnomaly::kPduExceedsMaxLength, at.offset);
}

void Association::on_pdv_begin(const StreamContext& at, std::uint8_t context_id,
                               std::uint8_t control, std::uint32_t fragment_length) {
  if ((control & kPdvReservedBits) != 0) {
    anomaly(at, kLayerUl, dicom_anomaly_name(DicomAnomaly::kPdvReservedBits),
            dicom_anomaly_message(DicomAnomaly::kPdvReservedBits), at.offset);
  }
  dimse_.on_pdv_begin(at, context_id, control, fragment_length);
}

void Association::on_pdv_data(const StreamContext& at, ByteView fragment) {
  dimse_.on_pdv_data(at, fragment);
}

void Association::on_pdv_end(const StreamContext& at) { dimse_.on_pdv_end(at); }

void Association::on_lost(const StreamContext& at) { dimse_.on_lost(at); }

void Association::on_framing_anomaly(const StreamContext& at, EngineAnomaly kind,
                                     std::uint64_t offset) {
  // Finding the first boundary of a stream picked up mid-way is the plan, not an anomaly.
  if (kind == EngineAnomaly::kResynchronized &&
      splitters_[static_cast<std::size_t>(at.direction)].resyncs() == 1 && record_.midstream &&
      record_.gap_bytes == 0) {
    return;
  }
  anomaly(at, kind, offset);
}

}  // namespace dicomsentry::dicom
