// PDU header checks and the fixed-size PDUs (A-ASSOCIATE-RJ, A-RELEASE-RQ/RP, A-ABORT).
#include "dicom/pdu.hpp"

#include <array>

namespace dicomsentry::dicom {

std::string_view pdu_type_name(std::uint8_t type) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "unknown",   "A-ASSOCIATE-RQ", "A-ASSOCIATE-AC", "A-ASSOCIATE-RJ",
      "P-DATA-TF", "A-RELEASE-RQ",   "A-RELEASE-RP",   "A-ABORT"};
  return type < kNames.size() ? kNames[type] : kNames[0];
}

PduHeader parse_pdu_header(ByteView six_bytes) {
  PduHeader h;
  if (six_bytes.size() < kPduHeaderLength) return h;
  h.complete = true;
  h.type = load_u8(six_bytes.data());
  h.reserved = load_u8(six_bytes.data() + 1);
  h.length = load_be32(six_bytes.data() + 2);
  return h;
}

namespace {

// The lengths each PDU type allows (§9.3): a table, because a switch over the type compiled
// to compares whose path changes with every PDU of an association (RQ, AC, P-DATA, release)
// and mispredicted about once per PDU.
struct LengthRule {
  bool known = false;
  std::uint32_t min = 0;     // below: invalid
  std::uint32_t max = 0;     // above (and not absurd): invalid
  std::uint32_t absurd = 0;  // above: absurd
};
constexpr LengthRule kAssociate{true, kAssociateFixedLength, kMaxControlPduLength,
                                kMaxControlPduLength};
constexpr LengthRule kShort{true, kShortPduLength, kShortPduLength, kMaxControlPduLength};
constexpr LengthRule kPdata{true, kMinPdataLength, kMaxPdataPduLength, kMaxPdataPduLength};
constexpr std::array<LengthRule, 8> kLengthRules = {
    LengthRule{}, kAssociate, kAssociate, kShort, kPdata, kShort, kShort, kShort};

}  // namespace

HeaderVerdict classify(const PduHeader& header) {
  if (!header.complete) return HeaderVerdict::kIncomplete;
  if (header.type >= kLengthRules.size()) return HeaderVerdict::kUnknownType;
  const LengthRule& rule = kLengthRules[header.type];
  if (!rule.known) return HeaderVerdict::kUnknownType;
  const std::uint32_t len = header.length;
  if (len > rule.absurd) return HeaderVerdict::kLengthAbsurd;
  if (len < rule.min || len > rule.max) return HeaderVerdict::kLengthInvalid;
  return header.reserved != 0 ? HeaderVerdict::kReservedSet : HeaderVerdict::kValid;
}

std::string_view parse_status_name(ParseStatus status) {
  switch (status) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kNeedMore:
      return "need_more";
    case ParseStatus::kMalformed:
      return "malformed";
    case ParseStatus::kWrongType:
      return "wrong_type";
  }
  return "unknown";
}

bool open_pdu(ByteView pdu, std::initializer_list<PduType> expected, PduParse& out,
              ByteView& body) {
  out.header = parse_pdu_header(pdu);
  const HeaderVerdict verdict = classify(out.header);
  switch (verdict) {
    case HeaderVerdict::kIncomplete:
      out.status = ParseStatus::kNeedMore;
      out.needed = kPduHeaderLength;
      return false;
    case HeaderVerdict::kUnknownType:
      out.status = ParseStatus::kMalformed;
      out.anomalies.add(DicomAnomaly::kPduUnknownType, 0);
      return false;
    default:
      break;
  }
  bool wanted = false;
  for (PduType t : expected) wanted = wanted || out.header.pdu_type() == t;
  if (!wanted) {
    out.status = ParseStatus::kWrongType;
    return false;
  }
  if (verdict == HeaderVerdict::kLengthAbsurd || verdict == HeaderVerdict::kLengthInvalid) {
    out.status = ParseStatus::kMalformed;
    out.anomalies.add(verdict == HeaderVerdict::kLengthAbsurd ? DicomAnomaly::kPduLengthAbsurd
                                                              : DicomAnomaly::kPduLengthInvalid,
                      2);
    return false;
  }
  if (verdict == HeaderVerdict::kReservedSet) out.anomalies.add(DicomAnomaly::kPduReservedSet, 1);
  if (pdu.size() < out.header.total_length()) {
    out.status = ParseStatus::kNeedMore;
    out.needed = out.header.total_length();
    return false;
  }
  out.status = ParseStatus::kOk;
  body = pdu.subspan(kPduHeaderLength, out.header.length);
  return true;
}

// ---- A-ASSOCIATE-RJ (§9.3.4) ----

AssociateRj parse_associate_rj(ByteView pdu) {
  AssociateRj rj;
  ByteView body;
  if (!open_pdu(pdu, {PduType::kAssociateRj}, rj.parse, body)) return rj;
  // body: reserved, result, source, reason/diag. (length == 4 was checked by classify)
  rj.result = load_u8(body.data() + 1);
  rj.source = load_u8(body.data() + 2);
  rj.reason = load_u8(body.data() + 3);
  if (rj.result != 1 && rj.result != 2) rj.parse.anomalies.add(DicomAnomaly::kRejectBadResult, 7);
  if (rj.source < 1 || rj.source > 3) {
    rj.parse.anomalies.add(DicomAnomaly::kRejectBadSource, 8);
  } else if (reject_reason_text(rj.source, rj.reason) == "reserved") {
    rj.parse.anomalies.add(DicomAnomaly::kRejectBadReason, 9);
  }
  return rj;
}

std::string_view reject_result_text(std::uint8_t result) {
  switch (result) {
    case 1:
      return "rejected-permanent";
    case 2:
      return "rejected-transient";
    default:
      return "reserved";
  }
}

std::string_view reject_source_text(std::uint8_t source) {
  switch (source) {
    case 1:
      return "DICOM UL service-user";
    case 2:
      return "DICOM UL service-provider (ACSE related function)";
    case 3:
      return "DICOM UL service-provider (Presentation related function)";
    default:
      return "reserved";
  }
}

std::string_view reject_reason_text(std::uint8_t source, std::uint8_t reason) {
  switch (source) {
    case 1:
      switch (reason) {
        case 1:
          return "no-reason-given";
        case 2:
          return "application-context-name-not-supported";
        case 3:
          return "calling-AE-title-not-recognized";
        case 7:
          return "called-AE-title-not-recognized";
        default:
          return "reserved";
      }
    case 2:
      switch (reason) {
        case 1:
          return "no-reason-given";
        case 2:
          return "protocol-version-not-supported";
        default:
          return "reserved";
      }
    case 3:
      switch (reason) {
        case 1:
          return "temporary-congestion";
        case 2:
          return "local-limit-exceeded";
        default:
          return "reserved";
      }
    default:
      return "reserved";
  }
}

// ---- A-RELEASE-RQ/RP (§9.3.6, §9.3.7): the 4 body bytes are reserved and not tested ----

ReleasePdu parse_release(ByteView pdu) {
  ReleasePdu r;
  ByteView body;
  if (!open_pdu(pdu, {PduType::kReleaseRq, PduType::kReleaseRp}, r.parse, body)) return r;
  r.is_request = r.parse.header.pdu_type() == PduType::kReleaseRq;
  return r;
}

// ---- A-ABORT (§9.3.8) ----

AbortPdu parse_abort(ByteView pdu) {
  AbortPdu a;
  ByteView body;
  if (!open_pdu(pdu, {PduType::kAbort}, a.parse, body)) return a;
  // body: reserved, reserved, source, reason/diag.
  a.source = load_u8(body.data() + 2);
  a.reason = load_u8(body.data() + 3);
  if (a.source != 0 && a.source != 2) {
    a.parse.anomalies.add(DicomAnomaly::kAbortBadSource, 8);
  } else if (a.source == 2 && (a.reason > 6 || a.reason == 3)) {
    a.parse.anomalies.add(DicomAnomaly::kAbortBadReason, 9);
  }
  return a;
}

std::string_view abort_source_text(std::uint8_t source) {
  switch (source) {
    case 0:
      return "DICOM UL service-user (initiated abort)";
    case 2:
      return "DICOM UL service-provider (initiated abort)";
    default:
      return "reserved";
  }
}

std::string_view abort_reason_text(std::uint8_t reason) {
  switch (reason) {
    case 0:
      return "reason-not-specified";
    case 1:
      return "unrecognized-PDU";
    case 2:
      return "unexpected-PDU";
    case 4:
      return "unrecognized-PDU parameter";
    case 5:
      return "unexpected-PDU parameter";
    case 6:
      return "invalid-PDU-parameter value";
    default:
      return "reserved";
  }
}

}  // namespace dicomsentry::dicom
