// PDU header (PS3.8 §9.3.1), classify(), and the fixed-size PDUs: A-ASSOCIATE-RJ,
// A-RELEASE-RQ/RP, A-ABORT, with one test per rejection reason and the standard texts.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dicom/pdu.hpp"
#include "pdu_test_bytes.hpp"

namespace dicomsentry::dicom {
namespace {

using namespace testing;

TEST(PduHeader, ReadsTypeReservedAndBigEndianLength) {
  const Bytes b = hex("04 00 00 01 02 03  ff");
  const PduHeader h = parse_pdu_header(view(b));
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.type, 0x04);
  EXPECT_EQ(h.reserved, 0x00);
  EXPECT_EQ(h.length, 0x00010203u);
  EXPECT_EQ(h.total_length(), 0x00010203u + 6);
  EXPECT_EQ(h.pdu_type(), PduType::kPDataTf);
}

TEST(PduHeader, FewerThanSixBytesIsIncomplete) {
  const Bytes b = hex("01 00 00 00 00");
  for (std::size_t n = 0; n <= b.size(); ++n) {
    const PduHeader h = parse_pdu_header(view(b).first(n));
    EXPECT_FALSE(h.complete) << n;
    EXPECT_EQ(classify(h), HeaderVerdict::kIncomplete) << n;
  }
}

TEST(PduHeader, ClassifyValidForEveryTypeAtItsMinimum) {
  EXPECT_EQ(classify(parse_pdu_header(view(hex("01 00 00 00 00 44")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("02 00 00 00 00 44")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("03 00 00 00 00 04")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("04 00 00 00 00 06")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("05 00 00 00 00 04")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("06 00 00 00 00 04")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("07 00 00 00 00 04")))), HeaderVerdict::kValid);
}

// §9.3 spelled out type by type, as the oracle of the table classify() uses.
HeaderVerdict reference_verdict(std::uint8_t type, std::uint8_t reserved, std::uint32_t len) {
  std::uint32_t absurd = kMaxControlPduLength;
  bool valid_length = false;
  switch (type) {
    case 0x01:
    case 0x02:
      valid_length = len >= kAssociateFixedLength;
      break;
    case 0x03:
    case 0x05:
    case 0x06:
    case 0x07:
      valid_length = len == kShortPduLength;
      break;
    case 0x04:
      absurd = kMaxPdataPduLength;
      valid_length = len >= kMinPdataLength;
      break;
    default:
      return HeaderVerdict::kUnknownType;
  }
  if (len > absurd) return HeaderVerdict::kLengthAbsurd;
  if (!valid_length) return HeaderVerdict::kLengthInvalid;
  return reserved != 0 ? HeaderVerdict::kReservedSet : HeaderVerdict::kValid;
}

TEST(PduHeader, ClassifyAgreesWithTheStandardForEveryTypeAtEveryBoundary) {
  std::vector<std::uint32_t> lengths;
  for (std::uint32_t edge : {0u, kShortPduLength, kMinPdataLength, kAssociateFixedLength,
                             kMaxControlPduLength, kMaxPdataPduLength, 0xffff'ffffu}) {
    for (std::uint32_t delta : {0u, 1u, 2u}) {
      lengths.push_back(edge - delta);
      lengths.push_back(edge + delta);
    }
  }
  std::size_t checked = 0;
  for (unsigned type = 0; type < 256; ++type) {
    for (std::uint8_t reserved : {0, 1, 0xff}) {
      for (std::uint32_t len : lengths) {
        PduHeader h;
        h.complete = true;
        h.type = static_cast<std::uint8_t>(type);
        h.reserved = reserved;
        h.length = len;
        ASSERT_EQ(classify(h), reference_verdict(h.type, reserved, len))
            << type << ' ' << int(reserved) << ' ' << len;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 256u * 3 * 42);
}

TEST(PduHeader, ClassifyUnknownType) {
  EXPECT_EQ(classify(parse_pdu_header(view(hex("00 00 00 00 00 04")))),
            HeaderVerdict::kUnknownType);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("08 00 00 00 00 04")))),
            HeaderVerdict::kUnknownType);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("16 03 01 00 00 04")))),
            HeaderVerdict::kUnknownType);
}

TEST(PduHeader, ClassifyAbsurdLengths) {
  // Control PDUs: one byte over the cap; P-DATA: one byte over 2^31.
  EXPECT_EQ(classify(parse_pdu_header(view(hex("01 00 00 04 00 01")))),
            HeaderVerdict::kLengthAbsurd);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("01 00 00 04 00 00")))), HeaderVerdict::kValid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("07 00 ff ff ff ff")))),
            HeaderVerdict::kLengthAbsurd);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("04 00 80 00 00 01")))),
            HeaderVerdict::kLengthAbsurd);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("04 00 80 00 00 00")))), HeaderVerdict::kValid);
}

TEST(PduHeader, ClassifyInvalidLengths) {
  EXPECT_EQ(classify(parse_pdu_header(view(hex("01 00 00 00 00 43")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("02 00 00 00 00 00")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("03 00 00 00 00 05")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("04 00 00 00 00 05")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("05 00 00 00 00 03")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("06 00 00 00 00 08")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_EQ(classify(parse_pdu_header(view(hex("07 00 00 00 00 00")))),
            HeaderVerdict::kLengthInvalid);
}

TEST(PduHeader, ClassifyReservedSetOnlyWhenNothingWorse) {
  EXPECT_EQ(classify(parse_pdu_header(view(hex("05 01 00 00 00 04")))),
            HeaderVerdict::kReservedSet);
  EXPECT_TRUE(is_usable(HeaderVerdict::kReservedSet));
  EXPECT_EQ(classify(parse_pdu_header(view(hex("05 01 00 00 00 05")))),
            HeaderVerdict::kLengthInvalid);
  EXPECT_FALSE(is_usable(HeaderVerdict::kLengthInvalid));
}

TEST(PduHeader, TypeAndStatusNames) {
  EXPECT_EQ(pdu_type_name(1), "A-ASSOCIATE-RQ");
  EXPECT_EQ(pdu_type_name(2), "A-ASSOCIATE-AC");
  EXPECT_EQ(pdu_type_name(3), "A-ASSOCIATE-RJ");
  EXPECT_EQ(pdu_type_name(4), "P-DATA-TF");
  EXPECT_EQ(pdu_type_name(5), "A-RELEASE-RQ");
  EXPECT_EQ(pdu_type_name(6), "A-RELEASE-RP");
  EXPECT_EQ(pdu_type_name(7), "A-ABORT");
  EXPECT_EQ(pdu_type_name(0), "unknown");
  EXPECT_EQ(pdu_type_name(200), "unknown");
  EXPECT_EQ(parse_status_name(ParseStatus::kNeedMore), "need_more");
  EXPECT_EQ(parse_status_name(ParseStatus::kMalformed), "malformed");
}

// ---- A-ASSOCIATE-RJ ----

TEST(AssociateRj, ParsesResultSourceReason) {
  // permanent, service-user, called-AE-title-not-recognized (DCMTK storescp's answer).
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 00 00 00 04  00 01 01 07")));
  ASSERT_EQ(rj.parse.status, ParseStatus::kOk);
  EXPECT_TRUE(rj.parse.anomalies.empty());
  EXPECT_EQ(rj.result, 1);
  EXPECT_EQ(rj.source, 1);
  EXPECT_EQ(rj.reason, 7);
  EXPECT_EQ(reject_result_text(rj.result), "rejected-permanent");
  EXPECT_EQ(reject_source_text(rj.source), "DICOM UL service-user");
  EXPECT_EQ(reject_reason_text(rj.source, rj.reason), "called-AE-title-not-recognized");
}

TEST(AssociateRj, StandardTexts) {
  EXPECT_EQ(reject_result_text(2), "rejected-transient");
  EXPECT_EQ(reject_result_text(0), "reserved");
  EXPECT_EQ(reject_source_text(2), "DICOM UL service-provider (ACSE related function)");
  EXPECT_EQ(reject_source_text(3), "DICOM UL service-provider (Presentation related function)");
  EXPECT_EQ(reject_reason_text(1, 1), "no-reason-given");
  EXPECT_EQ(reject_reason_text(1, 2), "application-context-name-not-supported");
  EXPECT_EQ(reject_reason_text(1, 3), "calling-AE-title-not-recognized");
  EXPECT_EQ(reject_reason_text(1, 4), "reserved");
  EXPECT_EQ(reject_reason_text(2, 1), "no-reason-given");
  EXPECT_EQ(reject_reason_text(2, 2), "protocol-version-not-supported");
  EXPECT_EQ(reject_reason_text(3, 1), "temporary-congestion");
  EXPECT_EQ(reject_reason_text(3, 2), "local-limit-exceeded");
  EXPECT_EQ(reject_reason_text(3, 0), "reserved");
}

TEST(AssociateRj, BadResult) {
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 00 00 00 04  00 03 01 01")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kOk);
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kRejectBadResult);
  EXPECT_EQ(rj.parse.anomalies[0].offset, 7u);
}

TEST(AssociateRj, BadSource) {
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 00 00 00 04  00 02 04 01")));
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kRejectBadSource);
  EXPECT_EQ(rj.parse.anomalies[0].offset, 8u);
}

TEST(AssociateRj, BadReasonForItsSource) {
  // 3 is defined for source 1 but not for source 2.
  EXPECT_TRUE(
      parse_associate_rj(view(hex("03 00 00 00 00 04  00 01 01 03"))).parse.anomalies.empty());
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 00 00 00 04  00 01 02 03")));
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kRejectBadReason);
  EXPECT_EQ(rj.parse.anomalies[0].offset, 9u);
}

// ---- the envelope: one test per header rejection, shown on A-ASSOCIATE-RJ ----

TEST(PduEnvelope, UnknownTypeIsMalformed) {
  const AssociateRj rj = parse_associate_rj(view(hex("09 00 00 00 00 04  00 01 01 01")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kMalformed);
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kPduUnknownType);
  EXPECT_EQ(rj.parse.anomalies[0].offset, 0u);
}

TEST(PduEnvelope, OtherKnownTypeIsWrongType) {
  const AssociateRj rj = parse_associate_rj(view(hex("07 00 00 00 00 04  00 00 02 00")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kWrongType);
  EXPECT_TRUE(rj.parse.anomalies.empty());
}

TEST(PduEnvelope, AbsurdLengthIsMalformed) {
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 7f 00 00 00  00 01 01 01")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kMalformed);
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kPduLengthAbsurd);
  EXPECT_EQ(rj.parse.anomalies[0].offset, 2u);
}

TEST(PduEnvelope, InvalidLengthIsMalformed) {
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 00 00 00 05  00 01 01 01 00")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kMalformed);
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kPduLengthInvalid);
}

TEST(PduEnvelope, ReservedSetIsFlaggedAndParsed) {
  const AssociateRj rj = parse_associate_rj(view(hex("03 ff 00 00 00 04  00 02 02 02")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kOk);
  ASSERT_EQ(rj.parse.anomalies.size(), 1u);
  EXPECT_EQ(rj.parse.anomalies[0].reason, DicomAnomaly::kPduReservedSet);
  EXPECT_EQ(rj.parse.anomalies[0].offset, 1u);
  EXPECT_EQ(rj.result, 2);
  EXPECT_EQ(rj.reason, 2);
}

TEST(PduEnvelope, ShortBodyNeedsMoreAndSaysHowMuch) {
  const Bytes b = hex("03 00 00 00 00 04  00 01 01 01");
  for (std::size_t n = 0; n < b.size(); ++n) {
    const AssociateRj rj = parse_associate_rj(view(b).first(n));
    EXPECT_EQ(rj.parse.status, ParseStatus::kNeedMore) << n;
    EXPECT_EQ(rj.parse.needed, n < 6 ? 6u : 10u) << n;
  }
  EXPECT_EQ(parse_associate_rj(view(b)).parse.status, ParseStatus::kOk);
}

TEST(PduEnvelope, BytesAfterThePduAreNotPartOfIt) {
  const AssociateRj rj = parse_associate_rj(view(hex("03 00 00 00 00 04  00 01 03 02  07 00")));
  EXPECT_EQ(rj.parse.status, ParseStatus::kOk);
  EXPECT_EQ(rj.source, 3);
  EXPECT_EQ(rj.reason, 2);
}

// ---- A-RELEASE-RQ/RP ----

TEST(Release, RequestAndResponse) {
  const ReleasePdu rq = parse_release(view(hex("05 00 00 00 00 04  00 00 00 00")));
  EXPECT_EQ(rq.parse.status, ParseStatus::kOk);
  EXPECT_TRUE(rq.is_request);
  EXPECT_TRUE(rq.parse.anomalies.empty());
  const ReleasePdu rp = parse_release(view(hex("06 00 00 00 00 04  00 00 00 00")));
  EXPECT_EQ(rp.parse.status, ParseStatus::kOk);
  EXPECT_FALSE(rp.is_request);
}

TEST(Release, ReservedBodyBytesAreNotTested) {
  const ReleasePdu rq = parse_release(view(hex("05 00 00 00 00 04  de ad be ef")));
  EXPECT_EQ(rq.parse.status, ParseStatus::kOk);
  EXPECT_TRUE(rq.parse.anomalies.empty());
}

TEST(Release, OtherTypesAreWrongType) {
  EXPECT_EQ(parse_release(view(hex("07 00 00 00 00 04  00 00 00 00"))).parse.status,
            ParseStatus::kWrongType);
}

// ---- A-ABORT ----

TEST(Abort, ServiceProviderWithReason) {
  const AbortPdu a = parse_abort(view(hex("07 00 00 00 00 04  00 00 02 06")));
  ASSERT_EQ(a.parse.status, ParseStatus::kOk);
  EXPECT_TRUE(a.parse.anomalies.empty());
  EXPECT_EQ(a.source, 2);
  EXPECT_EQ(a.reason, 6);
  EXPECT_EQ(abort_source_text(a.source), "DICOM UL service-provider (initiated abort)");
  EXPECT_EQ(abort_reason_text(a.reason), "invalid-PDU-parameter value");
}

TEST(Abort, ServiceUserReasonIsNotSignificant) {
  const AbortPdu a = parse_abort(view(hex("07 00 00 00 00 04  00 00 00 09")));
  EXPECT_TRUE(a.parse.anomalies.empty());
  EXPECT_EQ(abort_source_text(0), "DICOM UL service-user (initiated abort)");
}

TEST(Abort, StandardTexts) {
  EXPECT_EQ(abort_reason_text(0), "reason-not-specified");
  EXPECT_EQ(abort_reason_text(1), "unrecognized-PDU");
  EXPECT_EQ(abort_reason_text(2), "unexpected-PDU");
  EXPECT_EQ(abort_reason_text(3), "reserved");
  EXPECT_EQ(abort_reason_text(4), "unrecognized-PDU parameter");
  EXPECT_EQ(abort_reason_text(5), "unexpected-PDU parameter");
  EXPECT_EQ(abort_source_text(1), "reserved");
}

TEST(Abort, BadSource) {
  const AbortPdu a = parse_abort(view(hex("07 00 00 00 00 04  00 00 01 00")));
  ASSERT_EQ(a.parse.anomalies.size(), 1u);
  EXPECT_EQ(a.parse.anomalies[0].reason, DicomAnomaly::kAbortBadSource);
  EXPECT_EQ(a.parse.anomalies[0].offset, 8u);
}

TEST(Abort, BadReason) {
  for (const char* literal : {"07 00 00 00 00 04  00 00 02 07", "07 00 00 00 00 04  00 00 02 03"}) {
    const AbortPdu a = parse_abort(view(hex(literal)));
    ASSERT_EQ(a.parse.anomalies.size(), 1u) << literal;
    EXPECT_EQ(a.parse.anomalies[0].reason, DicomAnomaly::kAbortBadReason) << literal;
  }
}

// ---- the anomaly table ----

TEST(DicomAnomalyTable, EveryReasonHasAUniqueDottedNameAndAMessage) {
  for (std::size_t i = 0; i < kDicomAnomalyCount; ++i) {
    const auto a = static_cast<DicomAnomaly>(i);
    const std::string_view name = dicom_anomaly_name(a);
    EXPECT_NE(name, "unknown") << i;
    EXPECT_NE(name.find('.'), std::string_view::npos) << name;
    EXPECT_GT(dicom_anomaly_message(a).size(), 10u) << name;
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_NE(name, dicom_anomaly_name(static_cast<DicomAnomaly>(j))) << i << " " << j;
    }
  }
  EXPECT_EQ(dicom_anomaly_name(DicomAnomaly::kCount), "unknown");
  EXPECT_EQ(dicom_anomaly_name(DicomAnomaly::kPduUnknownType), "pdu.unknown_type");
  EXPECT_EQ(dicom_anomaly_name(DicomAnomaly::kPdvReservedBits), "pdv.reserved_bits");
}

TEST(DicomAnomalyTable, ListKeepsSixteenAndCountsTheRest) {
  AnomalyList list;
  for (std::size_t i = 0; i < 20; ++i) list.add(DicomAnomaly::kUidInvalid, i);
  EXPECT_EQ(list.size(), AnomalyList::kCapacity);
  EXPECT_EQ(list.dropped(), 4u);
  EXPECT_EQ(list[15].offset, 15u);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.dropped(), 0u);
}

}  // namespace
}  // namespace dicomsentry::dicom
