// P-DATA-TF (PS3.8 §9.3.5, Annex E): the PDV iterator and the framing check, from inline bytes.
#include <gtest/gtest.h>

#include "dicom/pdu.hpp"
#include "dicom/pdu_data.hpp"
#include "pdu_test_bytes.hpp"

namespace dicomsentry::dicom {
namespace {

using namespace testing;

// Two PDVs on context 1: a last command fragment (4 bytes) and a data fragment (3 bytes, odd:
// PS3.8 does not require even fragments), then a last data fragment (1 byte).
const Bytes kBody =
    hex("00 00 00 06  01 03  aa bb cc dd"
        "00 00 00 05  01 00  11 22 33"
        "00 00 00 03  01 02  44");

TEST(PdvIterator, WalksEveryItemWithFlagsAndFragments) {
  AnomalyList anomalies;
  PdvIterator it(view(kBody), &anomalies);
  Pdv pdv;
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_EQ(pdv.context_id, 1);
  EXPECT_TRUE(pdv.is_command());
  EXPECT_TRUE(pdv.is_last());
  EXPECT_EQ(pdv.offset, 0u);
  ASSERT_EQ(pdv.fragment.size(), 4u);
  EXPECT_EQ(pdv.fragment.data(), kBody.data() + 6);  // a view, not a copy
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_FALSE(pdv.is_command());
  EXPECT_FALSE(pdv.is_last());
  EXPECT_EQ(pdv.offset, 10u);
  EXPECT_EQ(pdv.fragment.size(), 3u);
  EXPECT_EQ(pdv.fragment[2], std::byte{0x33});
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_FALSE(pdv.is_command());
  EXPECT_TRUE(pdv.is_last());
  EXPECT_EQ(pdv.fragment.size(), 1u);
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kEnd);
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kEnd);
  EXPECT_TRUE(anomalies.empty());
}

TEST(PdvIterator, EmptyFragmentIsAllowed) {
  const Bytes b = hex("00 00 00 02  01 02");
  PdvIterator it(view(b));
  Pdv pdv;
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_TRUE(pdv.fragment.empty());
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kEnd);
}

TEST(PdvIterator, LengthBelow2) {
  AnomalyList anomalies;
  const Bytes b = hex("00 00 00 02  01 02  00 00 00 01  01");
  PdvIterator it(view(b), &anomalies, kPduHeaderLength);
  Pdv pdv;
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kMalformed);
  EXPECT_EQ(it.error(), DicomAnomaly::kPdvLengthBelow2);
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kMalformed);  // stays stopped
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].reason, DicomAnomaly::kPdvLengthBelow2);
  EXPECT_EQ(anomalies[0].offset, 6u + 6u);
}

TEST(PdvIterator, LengthOverrun) {
  AnomalyList anomalies;
  const Bytes b = hex("00 00 00 05  01 02  aa bb");
  PdvIterator it(view(b), &anomalies);
  Pdv pdv;
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kMalformed);
  EXPECT_EQ(it.error(), DicomAnomaly::kPdvLengthOverrun);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].offset, 0u);
}

TEST(PdvIterator, TruncatedLengthFieldIsAnOverrun) {
  const Bytes b = hex("00 00 00 02  01 02  00 00");
  PdvIterator it(view(b));
  Pdv pdv;
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_EQ(it.next(pdv), PdvIterator::Step::kMalformed);
  EXPECT_EQ(it.error(), DicomAnomaly::kPdvLengthOverrun);
}

TEST(PdvIterator, BadContextIdIsFlaggedAndReturned) {
  AnomalyList anomalies;
  const Bytes b = hex("00 00 00 03  00 02  ff");
  PdvIterator it(view(b), &anomalies);
  Pdv pdv;
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_EQ(pdv.context_id, 0);
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].reason, DicomAnomaly::kPdvBadContextId);
}

TEST(PdvIterator, ReservedControlBitsAreFlaggedAndReturned) {
  AnomalyList anomalies;
  const Bytes b = hex("00 00 00 03  01 07  ff");
  PdvIterator it(view(b), &anomalies);
  Pdv pdv;
  ASSERT_EQ(it.next(pdv), PdvIterator::Step::kPdv);
  EXPECT_TRUE(pdv.is_command());
  EXPECT_TRUE(pdv.is_last());
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].reason, DicomAnomaly::kPdvReservedBits);
}

TEST(PdataFraming, ExactTiling) {
  const PdataFraming f = validate_pdata_framing(view(kBody));
  EXPECT_TRUE(f.ok);
  EXPECT_EQ(f.pdv_count, 3u);
}

TEST(PdataFraming, EmptyBodyIsInvalid) {
  const PdataFraming f = validate_pdata_framing({});
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.reason, DicomAnomaly::kPduLengthInvalid);
}

TEST(PdataFraming, EveryShorterBodyFails) {
  // Cutting the body anywhere but after a whole item breaks the tiling.
  for (std::size_t n = 1; n < kBody.size(); ++n) {
    const PdataFraming f = validate_pdata_framing(view(kBody).first(n));
    EXPECT_EQ(f.ok, n == 10 || n == 19) << n;
    if (!f.ok) {
      EXPECT_EQ(f.reason, DicomAnomaly::kPdvLengthOverrun) << n;
      EXPECT_EQ(f.offset, n < 10 ? 0u : n < 19 ? 10u : 19u) << n;
    }
  }
}

TEST(PdataFraming, LengthBelow2) {
  const PdataFraming f = validate_pdata_framing(view(hex("00 00 00 02  01 02  00 00 00 00")));
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.reason, DicomAnomaly::kPdvLengthBelow2);
  EXPECT_EQ(f.offset, 6u);
  EXPECT_EQ(f.pdv_count, 1u);
}

TEST(PdataFraming, ItemsMustNotRunPastTheBody) {
  // 0x0c claims 12 bytes; 10 follow. Mid-stream pickup at a wrong offset looks like this.
  const PdataFraming f =
      validate_pdata_framing(view(hex("00 00 00 0c  01 00 00 00 00 00 00 00 00 00")));
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.reason, DicomAnomaly::kPdvLengthOverrun);
  EXPECT_EQ(f.offset, 0u);
}

}  // namespace
}  // namespace dicomsentry::dicom
