// P-DATA-TF (PS3.8 §9.3.5, Annex E): PDV items of a contiguous PDU body, and the framing
// check used to confirm a PDU boundary when a stream is picked up in the middle.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dicom/dicom_anomaly.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom {

// §9.3.5.1: item length (4, big endian) counts the context id (1), the message control
// header (1) and the fragment.
inline constexpr std::size_t kPdvLengthField = 4;
inline constexpr std::uint32_t kMinPdvItemLength = 2;
inline constexpr std::size_t kPdvHeaderLength = kPdvLengthField + kMinPdvItemLength;
// Annex E.2: message control header bit 0 = command (1) or data set (0) fragment, bit 1 = last
// fragment; bits 2-7 are 0.
inline constexpr std::uint8_t kPdvCommandBit = 0x01;
inline constexpr std::uint8_t kPdvLastBit = 0x02;
inline constexpr std::uint8_t kPdvReservedBits = 0xfc;

struct Pdv {
  std::uint8_t context_id = 0;
  std::uint8_t control = 0;
  ByteView fragment;       // a view into the PDU body: never copied
  std::size_t offset = 0;  // of the item's length field in the PDU body
  bool is_command() const { return (control & kPdvCommandBit) != 0; }
  bool is_last() const { return (control & kPdvLastBit) != 0; }
};

// Iterates the PDV items of one P-DATA-TF body (the bytes after the 6-byte PDU header).
// Bad context ids and reserved control bits are flagged but the PDV is still returned; a
// length below 2 or past the body ends the walk with kMalformed.
class PdvIterator {
 public:
  enum class Step : std::uint8_t { kPdv, kEnd, kMalformed };

  // Offsets in `anomalies` count from the body's first byte plus `base_offset` (pass
  // kPduHeaderLength to count from the PDU header as the other parsers do).
  explicit PdvIterator(ByteView pdu_body, AnomalyList* anomalies = nullptr,
                       std::size_t base_offset = 0)
      : body_(pdu_body), cursor_(pdu_body), anomalies_(anomalies), base_(base_offset) {}

  Step next(Pdv& out);
  // After kMalformed: why (pdv.length_below_2 or pdv.length_overrun).
  DicomAnomaly error() const { return error_; }

 private:
  void flag(DicomAnomaly reason, std::size_t at) {
    if (anomalies_ != nullptr) anomalies_->add(reason, base_ + at);
  }

  ByteView body_;
  ByteCursor cursor_;
  AnomalyList* anomalies_;
  std::size_t base_;
  DicomAnomaly error_ = DicomAnomaly::kCount;
  bool done_ = false;
};

struct PdataFraming {
  bool ok = false;
  std::uint32_t pdv_count = 0;
  DicomAnomaly reason = DicomAnomaly::kCount;  // when !ok
  std::size_t offset = 0;                      // in the body, of the offending item
};

// True framing: item lengths, each >= 2, tile the body exactly, and there is at least one.
// Reads only the 4-byte length fields: costs one load per PDV however large the fragments.
PdataFraming validate_pdata_framing(ByteView pdu_body);

}  // namespace dicomsentry::dicom
