// libFuzzer target: any bytes as a DICOM PDU of every type, plus the PDV iterator, the
// P-DATA framing check and the A-ASSOCIATE-RQ detector. Checks the parsers' own promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dicom/pdu.hpp"
#include "dicom/pdu_associate.hpp"
#include "dicom/pdu_data.hpp"

using namespace dicomsentry;
using namespace dicomsentry::dicom;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// kNeedMore must name more bytes than were given; kOk must fit in what was given.
void check_envelope(const PduParse& p, std::size_t size) {
  if (p.status == ParseStatus::kNeedMore) check(p.needed > size);
  if (p.status == ParseStatus::kOk) check(p.header.total_length() <= size);
  check(p.anomalies.size() <= AnomalyList::kCapacity);
  for (const AnomalyHit& a : p.anomalies) check(a.reason < DicomAnomaly::kCount);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static AssociatePdu assoc;  // ~40 KB: reused, as a worker would
  const ByteView bytes(reinterpret_cast<const std::byte*>(data), size);

  const PduHeader h = parse_pdu_header(bytes);
  (void)classify(h);
  // The first byte picks the type for the rest, so every parser sees every shape of body.
  ByteView pdu = bytes;
  std::byte forced[kPduHeaderLength + 1024];
  if (size >= kPduHeaderLength && size <= kPduHeaderLength + 1024) {
    // Also try the bytes as the body of a PDU whose header claims exactly that body.
    forced[0] = std::byte{static_cast<std::uint8_t>(1 + data[0] % 7)};
    forced[1] = std::byte{0};
    const std::size_t body = size - kPduHeaderLength;
    for (int i = 0; i < 4; ++i)
      forced[2 + i] = std::byte(static_cast<std::uint8_t>(body >> (24 - 8 * i)));
    for (std::size_t i = kPduHeaderLength; i < size; ++i) forced[i] = bytes[i];
    pdu = ByteView(forced, size);
  }
  for (ByteView input : {bytes, pdu}) {
    parse_associate_rq(input, assoc);
    check_envelope(assoc.parse, input.size());
    check(assoc.rq_contexts.size() <= kMaxPresentationContexts);
    for (const auto& pc : assoc.rq_contexts) {
      check(std::size_t{pc.transfer_syntax_first} + pc.transfer_syntax_count <=
            assoc.transfer_syntaxes.size());
      (void)assoc.transfer_syntaxes_of(pc);
    }
    parse_associate_ac(input, assoc);
    check_envelope(assoc.parse, input.size());
    check_envelope(parse_associate_rj(input).parse, input.size());
    check_envelope(parse_release(input).parse, input.size());
    check_envelope(parse_abort(input).parse, input.size());
    (void)looks_like_associate_rq(input);
  }

  // The bytes after a 6-byte header as a P-DATA-TF body: the iterator and the framing check
  // must agree on whether the items tile the body.
  const ByteView body = size >= kPduHeaderLength ? bytes.subspan(kPduHeaderLength) : bytes;
  const PdataFraming framing = validate_pdata_framing(body);
  AnomalyList anomalies;
  PdvIterator it(body, &anomalies, kPduHeaderLength);
  Pdv pdv;
  std::uint32_t count = 0;
  std::size_t covered = 0;
  PdvIterator::Step step;
  while ((step = it.next(pdv)) == PdvIterator::Step::kPdv) {
    ++count;
    check(pdv.fragment.data() >= body.data() &&
          pdv.fragment.data() + pdv.fragment.size() <= body.data() + body.size());
    covered += kPdvHeaderLength + pdv.fragment.size();
  }
  if (!body.empty()) {
    check(framing.ok == (step == PdvIterator::Step::kEnd));
    if (framing.ok) {
      check(framing.pdv_count == count);
      check(covered == body.size());
    }
  }
  return 0;
}
