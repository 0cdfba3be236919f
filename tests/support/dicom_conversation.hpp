// A whole DICOM association as its two peers send it (PS3.8 §7, §9.3): A-ASSOCIATE, DIMSE
// exchanges packed under the negotiated maximum PDU lengths, release or abort. The result
// feeds a protocol engine directly (stream()) or becomes a TCP flow for a pcap (flow_spec()).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dicom_builder.hpp"
#include "dimse_builder.hpp"
#include "synthetic_traffic.hpp"

namespace dicomsentry::synth {

class DicomConversation {
 public:
  // Nothing sent yet; both directions packed under kDcmtkMaxPdu until an A-ASSOCIATE says
  // otherwise. For mid-stream pickups and hand-made sequences (send_raw).
  DicomConversation() = default;
  // The client sends `rq`, the server `ac`. Afterwards the client packs its messages under the
  // AC's max length and the server under the RQ's (PS3.8 D.1: each side announces what it
  // receives); an absent max length sub-item, or 0, means unlimited.
  DicomConversation(const AssociateRqSpec& rq, const AssociateAcSpec& ac,
                    PdvSizing sizing = PdvSizing::kDcmtk);

  // Client → server and server → client DIMSE messages (P-DATA-TF PDUs, see append_pdata).
  // Each call is one AppMessage; calls in any order model asynchronous operations.
  DicomConversation& request(const DimseMessage& message);
  DicomConversation& respond(const DimseMessage& message);
  DicomConversation& send(Direction from, const DimseMessage& message);
  DicomConversation& send_raw(Direction from, Bytes bytes);
  DicomConversation& release();  // A-RELEASE-RQ from the client, A-RELEASE-RP from the server
  DicomConversation& abort(Direction from, std::uint8_t source, std::uint8_t reason);
  // A-ASSOCIATE-RQ answered by an A-ASSOCIATE-RJ (on a default-constructed conversation).
  DicomConversation& reject(const AssociateRqSpec& rq, std::uint8_t result, std::uint8_t source,
                            std::uint8_t reason);

  // Whole exchanges, responses right after their request:
  // C-ECHO-RQ and a success C-ECHO-RSP.
  DicomConversation& echo(std::uint8_t context_id, std::uint16_t message_id);
  // C-STORE-RQ with image_data_set(image), and the C-STORE-RSP with `status`.
  DicomConversation& store(std::uint8_t context_id, std::uint16_t message_id,
                           const ImageSpec& image, std::uint16_t status = status::kSuccess);
  // C-FIND-RQ with identifier(query), one pending C-FIND-RSP per match with identifier(match),
  // and a final response with `final_status` (no identifier).
  DicomConversation& find(std::uint8_t context_id, std::uint16_t message_id,
                          std::string_view sop_class, const QuerySpec& query,
                          std::span<const QuerySpec> matches,
                          std::uint16_t final_status = status::kSuccess);

  const std::vector<AppMessage>& messages() const { return messages_; }
  // Everything one side sent, in order: what a reassembler delivers for that direction.
  Bytes stream(Direction from) const;
  // The maximum PDU length the sender `from` packs under (0 = unlimited).
  std::uint32_t max_pdu(Direction from) const { return max_pdu_[static_cast<int>(from)]; }

  // `base` (addresses, ports, MSS, impairments...) carrying this conversation. With
  // `coalesce`, consecutive messages of one direction become one AppMessage, so make_flow
  // cuts its mss-sized segments across PDU and message boundaries as a busy sender's TCP does.
  FlowSpec flow_spec(FlowSpec base, bool coalesce = true) const;

 private:
  std::vector<AppMessage> messages_;
  std::array<std::uint32_t, 2> max_pdu_{kDcmtkMaxPdu, kDcmtkMaxPdu};  // by sender
  PdvSizing sizing_ = PdvSizing::kDcmtk;
};

}  // namespace dicomsentry::synth
