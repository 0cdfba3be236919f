// A whole DICOM association as its two peers send it, and the TCP flow that carries it.
#include "dicom_conversation.hpp"

#include <utility>

namespace dicomsentry::synth {
namespace {

constexpr int kClient = static_cast<int>(Direction::kClientToServer);
constexpr int kServer = static_cast<int>(Direction::kServerToClient);

std::uint32_t announced(const UserInfoSpec& u) {
  return u.present && u.max_length ? *u.max_length : 0;
}

}  // namespace

DicomConversation::DicomConversation(const AssociateRqSpec& rq, const AssociateAcSpec& ac,
                                     PdvSizing sizing)
    : sizing_(sizing) {
  send_raw(Direction::kClientToServer, associate_rq(rq));
  send_raw(Direction::kServerToClient, associate_ac(ac));
  max_pdu_[kClient] = announced(ac.user_info);  // the client sends what the server receives
  max_pdu_[kServer] = announced(rq.user_info);
}

DicomConversation& DicomConversation::request(const DimseMessage& message) {
  return send(Direction::kClientToServer, message);
}
DicomConversation& DicomConversation::respond(const DimseMessage& message) {
  return send(Direction::kServerToClient, message);
}
DicomConversation& DicomConversation::send(Direction from, const DimseMessage& message) {
  return send_raw(from, pack_pdata(message, max_pdu(from), sizing_));
}
DicomConversation& DicomConversation::send_raw(Direction from, Bytes bytes) {
  messages_.push_back(AppMessage{from, std::move(bytes)});
  return *this;
}
DicomConversation& DicomConversation::release() {
  send_raw(Direction::kClientToServer, release_rq());
  return send_raw(Direction::kServerToClient, release_rp());
}
DicomConversation& DicomConversation::abort(Direction from, std::uint8_t source,
                                            std::uint8_t reason) {
  return send_raw(from, abort_pdu(source, reason));
}
DicomConversation& DicomConversation::reject(const AssociateRqSpec& rq, std::uint8_t result,
                                             std::uint8_t source, std::uint8_t reason) {
  send_raw(Direction::kClientToServer, associate_rq(rq));
  return send_raw(Direction::kServerToClient, associate_rj(result, source, reason));
}

DicomConversation& DicomConversation::echo(std::uint8_t context_id, std::uint16_t message_id) {
  request(dimse(context_id, c_echo_rq(message_id)));
  return respond(dimse(context_id, c_echo_rsp(message_id)));
}

DicomConversation& DicomConversation::store(std::uint8_t context_id, std::uint16_t message_id,
                                            const ImageSpec& image, std::uint16_t status) {
  request(dimse(context_id, c_store_rq(image.sop_class_uid, image.sop_instance_uid, message_id),
                image_data_set(image)));
  return respond(dimse(
      context_id, c_store_rsp(image.sop_class_uid, image.sop_instance_uid, message_id, status)));
}

DicomConversation& DicomConversation::find(std::uint8_t context_id, std::uint16_t message_id,
                                           std::string_view sop_class, const QuerySpec& query,
                                           std::span<const QuerySpec> matches,
                                           std::uint16_t final_status) {
  request(dimse(context_id, c_find_rq(sop_class, message_id), identifier(query)));
  for (const QuerySpec& match : matches) {
    respond(
        dimse(context_id, c_find_rsp(sop_class, message_id, status::kPending), identifier(match)));
  }
  return respond(dimse(context_id, c_find_rsp(sop_class, message_id, final_status)));
}

Bytes DicomConversation::stream(Direction from) const {
  Bytes out;
  for (const AppMessage& m : messages_) {
    if (m.direction == from) append_bytes(out, m.bytes);
  }
  return out;
}

FlowSpec DicomConversation::flow_spec(FlowSpec base, bool coalesce) const {
  base.messages.clear();
  for (const AppMessage& m : messages_) {
    if (coalesce && !base.messages.empty() && base.messages.back().direction == m.direction) {
      append_bytes(base.messages.back().bytes, m.bytes);
    } else {
      base.messages.push_back(m);
    }
  }
  return base;
}

}  // namespace dicomsentry::synth
