// PDV item iteration and the P-DATA-TF framing check (PS3.8 §9.3.5.1, Annex E).
#include "dicom/pdu_data.hpp"

namespace dicomsentry::dicom {

PdvIterator::Step PdvIterator::next(Pdv& out) {
  if (done_) return error_ == DicomAnomaly::kCount ? Step::kEnd : Step::kMalformed;
  if (cursor_.empty()) {
    done_ = true;
    return Step::kEnd;
  }
  const std::size_t at = cursor_.offset();
  std::uint32_t length = 0;
  if (!cursor_.read_be32(length) || length > cursor_.remaining()) {
    error_ = DicomAnomaly::kPdvLengthOverrun;
  } else if (length < kMinPdvItemLength) {
    error_ = DicomAnomaly::kPdvLengthBelow2;
  }
  if (error_ != DicomAnomaly::kCount) {
    flag(error_, at);
    done_ = true;
    return Step::kMalformed;
  }
  ByteView item;
  cursor_.read_view(length, item);  // fits: checked above
  out.offset = at;
  out.context_id = load_u8(item.data());
  out.control = load_u8(item.data() + 1);
  out.fragment = item.subspan(kMinPdvItemLength);
  // §9.3.5.1: context ids are odd 1..255; Annex E.2: bits 2-7 of the control header are 0.
  if (out.context_id % 2 == 0) flag(DicomAnomaly::kPdvBadContextId, at);
  if ((out.control & kPdvReservedBits) != 0) flag(DicomAnomaly::kPdvReservedBits, at);
  return Step::kPdv;
}

PdataFraming validate_pdata_framing(ByteView pdu_body) {
  PdataFraming f;
  if (pdu_body.empty()) {
    f.reason = DicomAnomaly::kPduLengthInvalid;
    return f;
  }
  ByteCursor c(pdu_body);
  while (!c.empty()) {
    f.offset = c.offset();
    std::uint32_t length = 0;
    if (!c.read_be32(length) || length > c.remaining()) {
      f.reason = DicomAnomaly::kPdvLengthOverrun;
      return f;
    }
    if (length < kMinPdvItemLength) {
      f.reason = DicomAnomaly::kPdvLengthBelow2;
      return f;
    }
    c.skip(length);
    ++f.pdv_count;
  }
  f.ok = true;
  f.offset = 0;
  return f;
}

}  // namespace dicomsentry::dicom
