// The DICOM Upper Layer anomaly vocabulary (one table of names and messages) and a bounded list.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dicomsentry::dicom {

// Everything the PS3.8 PDU parsers can find wrong. Names (`area.reason`) and messages live in
// one table in dicom_anomaly.cpp, in this order; kCount is not a reason.
enum class DicomAnomaly : std::uint8_t {
  // PDU header (§9.3.1)
  kPduUnknownType,
  kPduReservedSet,
  kPduLengthAbsurd,
  kPduLengthInvalid,
  // items and sub-items (§9.3.2-9.3.3, PS3.7 Annex D)
  kItemLengthOverrun,
  kItemLengthMismatch,
  kItemUnknownType,
  kItemDuplicate,
  // A-ASSOCIATE-RQ/AC
  kAssocBadProtocolVersion,
  kAssocNoApplicationContext,
  kAssocNoPresentationContext,
  kAssocTooManyPresentationContexts,
  kAssocNoUserInformation,
  kPctxBadId,
  kPctxDuplicateId,
  kPctxNoAbstractSyntax,
  kPctxSeveralAbstractSyntaxes,
  kPctxNoTransferSyntax,
  kPctxSeveralTransferSyntaxes,
  kPctxTooManyTransferSyntaxes,
  kPctxBadResult,
  kAeNonPrintable,
  kAeEmpty,
  kUidInvalid,
  kUserInfoNoMaxLength,
  kUserInfoNoImplementationUid,
  kUserInfoBadVersionName,
  kRoleBadValue,
  kUserIdentityBadType,
  kUserIdentityEmptyPrimary,
  kUserIdentityBadSecondary,
  // A-ASSOCIATE-RJ (§9.3.4), A-ABORT (§9.3.8)
  kRejectBadResult,
  kRejectBadSource,
  kRejectBadReason,
  kAbortBadSource,
  kAbortBadReason,
  // P-DATA-TF (§9.3.5, Annex E)
  kPdvLengthBelow2,
  kPdvLengthOverrun,
  kPdvBadContextId,
  kPdvReservedBits,
  kCount
};

inline constexpr std::size_t kDicomAnomalyCount = static_cast<std::size_t>(DicomAnomaly::kCount);

// "pdu.unknown_type", ...; "unknown" for kCount or out-of-range values.
std::string_view dicom_anomaly_name(DicomAnomaly anomaly);
// One sentence for an analyst.
std::string_view dicom_anomaly_message(DicomAnomaly anomaly);

// One finding: what and where (byte offset from the first byte of the PDU header).
struct AnomalyHit {
  DicomAnomaly reason = DicomAnomaly::kCount;
  std::uint32_t offset = 0;
};

// The anomalies of one parse. Fixed capacity: a hostile PDU with thousands of bad items costs
// a counter, not memory; `dropped` says how many did not fit.
class AnomalyList {
 public:
  static constexpr std::size_t kCapacity = 16;

  void add(DicomAnomaly reason, std::size_t offset) {
    if (size_ == kCapacity) {
      ++dropped_;
      return;
    }
    hits_[size_++] = {reason, static_cast<std::uint32_t>(offset)};
  }
  void clear() {
    size_ = 0;
    dropped_ = 0;
  }
  bool has(DicomAnomaly reason) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (hits_[i].reason == reason) return true;
    }
    return false;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint32_t dropped() const { return dropped_; }
  const AnomalyHit& operator[](std::size_t i) const { return hits_[i]; }
  const AnomalyHit* begin() const { return hits_.data(); }
  const AnomalyHit* end() const { return hits_.data() + size_; }

 private:
  std::array<AnomalyHit, kCapacity> hits_{};
  std::uint8_t size_ = 0;
  std::uint32_t dropped_ = 0;
};

}  // namespace dicomsentry::dicom
