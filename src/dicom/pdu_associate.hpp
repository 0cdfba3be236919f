// A-ASSOCIATE-RQ and A-ASSOCIATE-AC (PS3.8 §9.3.2, §9.3.3) parsed from one whole PDU, and
// the strict A-ASSOCIATE-RQ detector for DICOM on ports nobody configured.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dicom/pdu.hpp"
#include "dicom/pdu_bounded_list.hpp"
#include "dicom/ul_items.hpp"

namespace dicomsentry::dicom {

// §9.3.2.2: context ids are odd numbers 1..255, so at most 128 contexts.
inline constexpr std::size_t kMaxPresentationContexts = 128;
// Transfer syntaxes kept over all proposed contexts of one RQ (four per context on average);
// more are counted in `transfer_syntaxes_seen` and flagged once.
inline constexpr std::size_t kMaxProposedTransferSyntaxes = 512;
// §9.3.2: protocol version is a bit field; bit 0 is version 1, the only one defined.
inline constexpr std::uint16_t kProtocolVersion1 = 0x0001;
// PS3.7 Annex A.2.1: the DICOM application context name.
inline constexpr std::string_view kDicomApplicationContext = "1.2.840.10008.3.1.1.1";

// §9.3.2.2 presentation context item of an RQ (0x20).
struct PresentationContextRq {
  std::uint8_t id = 0;
  std::string_view abstract_syntax;  // the first abstract syntax sub-item
  std::uint8_t abstract_syntax_count = 0;
  std::uint16_t transfer_syntax_first = 0;   // index into AssociatePdu::transfer_syntaxes
  std::uint16_t transfer_syntax_count = 0;   // kept
  std::uint16_t transfer_syntaxes_seen = 0;  // sent
};

// §9.3.3.2 presentation context item of an AC (0x21).
struct PresentationContextAc {
  std::uint8_t id = 0;
  std::uint8_t result = 0;  // 0..4, see context_result_text
  std::string_view transfer_syntax;
  std::uint8_t transfer_syntax_count = 0;
};
// "acceptance", "user-rejection", ... (§9.3.3.2, Table 9-18); "reserved" for other values.
std::string_view context_result_text(std::uint8_t result);

// Both PDUs share one layout; `parse.header.type` tells which one this is. Every text is a
// view into the parsed PDU (nothing is copied or allocated): valid while those bytes are.
// About 22 KB: keep one per worker and reuse it.
struct AssociatePdu {
  PduParse parse;
  bool is_request = false;
  std::uint16_t protocol_version = 0;
  AeTitle called_ae;  // in an AC these echo the RQ and are not tested (§9.3.3)
  AeTitle calling_ae;
  std::string_view application_context;
  std::uint8_t application_context_count = 0;
  BoundedList<PresentationContextRq, kMaxPresentationContexts> rq_contexts;  // RQ only
  BoundedList<PresentationContextAc, kMaxPresentationContexts> ac_contexts;  // AC only
  BoundedList<std::string_view, kMaxProposedTransferSyntaxes> transfer_syntaxes;
  std::uint16_t presentation_contexts_seen = 0;  // sent, including those beyond the cap
  UserInformation user_info;

  std::span<const std::string_view> transfer_syntaxes_of(const PresentationContextRq& pc) const {
    return transfer_syntaxes.view(pc.transfer_syntax_first, pc.transfer_syntax_count);
  }
  void clear();
};

// Parse one whole PDU (header included). `out` is cleared first; its texts view `pdu`. kOk
// may come with anomalies; kMalformed means a length overran its container (items before it
// are kept) or the header was unusable; kNeedMore gives the PDU's total length in
// `out.parse.needed`.
ParseStatus parse_associate_rq(ByteView pdu, AssociatePdu& out);
ParseStatus parse_associate_ac(ByteView pdu, AssociatePdu& out);

// True only if the first bytes of a stream can only be an A-ASSOCIATE-RQ: type 1, reserved 0,
// length 68..kMaxControlPduLength, version exactly 1, both AE titles printable and not blank,
// and, when the bytes reach that far, a first item 0x10 naming the DICOM application context.
// Needs at least 42 bytes (header, version, reserved, both AE titles).
bool looks_like_associate_rq(ByteView first_bytes);
inline constexpr std::size_t kDetectMinBytes = kPduHeaderLength + 4 + 2 * kAeTitleFieldLength;

}  // namespace dicomsentry::dicom
