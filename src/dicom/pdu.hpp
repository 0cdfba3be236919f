// DICOM Upper Layer PDU header (PS3.8 §9.3.1) and the fixed-size PDUs: A-ASSOCIATE-RJ,
// A-RELEASE-RQ/RP, A-ABORT (§9.3.4, §9.3.6-9.3.8). Pure functions over byte views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "dicom/dicom_anomaly.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom {

// §9.3.1: type (1), reserved (1), length (4, big endian) of what follows the header.
inline constexpr std::size_t kPduHeaderLength = 6;
// §9.3.2/9.3.3: version (2), reserved (2), called and calling AE (16 each), reserved (32).
inline constexpr std::uint32_t kAssociateFixedLength = 68;
// §9.3.4, §9.3.6-9.3.8: A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT bodies are 4 bytes.
inline constexpr std::uint32_t kShortPduLength = 4;
// §9.3.5: a P-DATA-TF holds at least one PDV item: length (4), context id (1), control (1).
inline constexpr std::uint32_t kMinPdataLength = 6;
// Association-control PDUs are buffered whole. The largest real A-ASSOCIATE-RQ we know
// (123 contexts) is 16.5 KB; 128 contexts with many transfer syntaxes each stay well under
// this, so anything larger is an attack or garbage, not DICOM.
inline constexpr std::uint32_t kMaxControlPduLength = 256 * 1024;
// P-DATA-TF PDUs are streamed and the negotiated maximum may be 0 (unlimited, §D.1), but a
// length with the top bit set is not a PDU anyone sends.
inline constexpr std::uint32_t kMaxPdataPduLength = 0x8000'0000u;

enum class PduType : std::uint8_t {
  kAssociateRq = 0x01,
  kAssociateAc = 0x02,
  kAssociateRj = 0x03,
  kPDataTf = 0x04,
  kReleaseRq = 0x05,
  kReleaseRp = 0x06,
  kAbort = 0x07,
};

// "A-ASSOCIATE-RQ", ...; "unknown" for other values.
std::string_view pdu_type_name(std::uint8_t type);

struct PduHeader {
  bool complete = false;      // false: fewer than kPduHeaderLength bytes were given
  std::uint8_t type = 0;      // raw; see classify() before trusting it
  std::uint8_t reserved = 0;  // sent as 0, not tested by receivers (§9.3.1)
  std::uint32_t length = 0;   // bytes after the header
  PduType pdu_type() const { return static_cast<PduType>(type); }
  std::size_t total_length() const { return kPduHeaderLength + length; }
};

// Reads the first 6 bytes (more are ignored); complete == false when fewer were given.
PduHeader parse_pdu_header(ByteView six_bytes);

// What a header says about the stream. Only kValid and kReservedSet let a splitter go on;
// kReservedSet is reported only when nothing worse is wrong.
enum class HeaderVerdict : std::uint8_t {
  kValid,
  kIncomplete,     // fewer than 6 bytes
  kUnknownType,    // not 1..7
  kLengthAbsurd,   // > kMaxControlPduLength (types 1-3, 5-7) or > kMaxPdataPduLength (type 4)
  kLengthInvalid,  // below the minimum of its type, or other than 4 for types 3, 5, 6, 7
  kReservedSet,    // otherwise valid, reserved byte not zero
};
HeaderVerdict classify(const PduHeader& header);
inline bool is_usable(HeaderVerdict v) {
  return v == HeaderVerdict::kValid || v == HeaderVerdict::kReservedSet;
}

// The outcome of parsing one PDU. kNeedMore: the bytes given end before the PDU does
// (`needed` says how many the whole PDU takes); kMalformed: an anomaly in the list says why
// the parse stopped; kWrongType: a valid header of another PDU type.
enum class ParseStatus : std::uint8_t { kOk, kNeedMore, kMalformed, kWrongType };
std::string_view parse_status_name(ParseStatus status);

// Fields every PDU parse returns.
struct PduParse {
  ParseStatus status = ParseStatus::kOk;
  std::size_t needed = 0;  // with kNeedMore: bytes the PDU needs from its first header byte
  PduHeader header;
  AnomalyList anomalies;
};

// Checks the header of `pdu` (header + body) for one of `expected` types and cuts out the
// body. Returns false with `out` filled (kNeedMore, kMalformed, kWrongType) when the body
// cannot be parsed; bytes after the PDU's length are not part of it and are ignored.
bool open_pdu(ByteView pdu, std::initializer_list<PduType> expected, PduParse& out, ByteView& body);

// §9.3.4 A-ASSOCIATE-RJ.
struct AssociateRj {
  PduParse parse;
  std::uint8_t result = 0;  // 1 permanent, 2 transient
  std::uint8_t source = 0;  // 1 service-user, 2 provider (ACSE), 3 provider (presentation)
  std::uint8_t reason = 0;  // meaning depends on source
};
AssociateRj parse_associate_rj(ByteView pdu);
std::string_view reject_result_text(std::uint8_t result);
std::string_view reject_source_text(std::uint8_t source);
std::string_view reject_reason_text(std::uint8_t source, std::uint8_t reason);

// §9.3.6/9.3.7 A-RELEASE-RQ and A-RELEASE-RP: four reserved bytes.
struct ReleasePdu {
  PduParse parse;
  bool is_request = false;
};
ReleasePdu parse_release(ByteView pdu);

// §9.3.8 A-ABORT.
struct AbortPdu {
  PduParse parse;
  std::uint8_t source = 0;  // 0 service-user, 2 service-provider
  std::uint8_t reason = 0;  // significant only when source == 2
};
AbortPdu parse_abort(ByteView pdu);
std::string_view abort_source_text(std::uint8_t source);
std::string_view abort_reason_text(std::uint8_t reason);

}  // namespace dicomsentry::dicom
