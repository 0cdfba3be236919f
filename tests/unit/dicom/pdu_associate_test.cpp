// A-ASSOCIATE-RQ/AC (PS3.8 §9.3.2-9.3.3): every item and user information sub-item from inline
// bytes, truncation at every byte, and the strict A-ASSOCIATE-RQ detector.
#include <gtest/gtest.h>

#include <memory>

#include "dicom/pdu_associate.hpp"
#include "pdu_test_bytes.hpp"

namespace dicomsentry::dicom {
namespace {

using namespace testing;

// A result with the bytes its texts view (results are ~30 KB: kept off the test's stack).
struct OwnedPdu : AssociatePdu {
  Bytes bytes;
};
std::unique_ptr<OwnedPdu> parse_rq(const Bytes& b) {
  auto out = std::make_unique<OwnedPdu>();
  out->bytes = b;
  parse_associate_rq(view(out->bytes), *out);
  return out;
}
std::unique_ptr<OwnedPdu> parse_ac(const Bytes& b) {
  auto out = std::make_unique<OwnedPdu>();
  out->bytes = b;
  parse_associate_ac(view(out->bytes), *out);
  return out;
}

TEST(AssociateRq, EchoscuRequestEveryField) {
  const auto rq = parse_rq(echoscu_rq());
  ASSERT_EQ(rq->parse.status, ParseStatus::kOk);
  EXPECT_TRUE(rq->parse.anomalies.empty());
  EXPECT_TRUE(rq->is_request);
  EXPECT_EQ(rq->parse.header.length, 205u);
  EXPECT_EQ(rq->protocol_version, 1);
  EXPECT_EQ(rq->called_ae.raw, "STORESCP        ");
  EXPECT_EQ(rq->called_ae.trimmed, "STORESCP");
  EXPECT_FALSE(rq->called_ae.non_printable);
  EXPECT_EQ(rq->calling_ae.trimmed, "ECHOSCU");
  EXPECT_EQ(rq->application_context, kAppContext);
  EXPECT_EQ(rq->application_context_count, 1);
  ASSERT_EQ(rq->rq_contexts.size(), 1u);
  EXPECT_EQ(rq->presentation_contexts_seen, 1);
  const PresentationContextRq& pc = rq->rq_contexts[0];
  EXPECT_EQ(pc.id, 1);
  EXPECT_EQ(pc.abstract_syntax, kVerification);
  EXPECT_EQ(pc.abstract_syntax_count, 1);
  ASSERT_EQ(rq->transfer_syntaxes_of(pc).size(), 1u);
  EXPECT_EQ(rq->transfer_syntaxes_of(pc)[0], kImplicitLe);
  EXPECT_TRUE(rq->ac_contexts.empty());
  const UserInformation& ui = rq->user_info;
  EXPECT_TRUE(ui.present);
  EXPECT_TRUE(ui.has_max_length);
  EXPECT_EQ(ui.max_length, 16384u);
  EXPECT_EQ(ui.implementation_class_uid, kDcmtkImplementation);
  EXPECT_EQ(ui.implementation_version_name, "OFFIS_DCMTK_367");
  EXPECT_FALSE(ui.has_async_window);
  EXPECT_FALSE(ui.has_user_identity_rq);
  EXPECT_TRUE(ui.roles.empty());
  EXPECT_EQ(ui.unknown_sub_items, 0);
}

TEST(AssociateRq, SeveralContextsShareTheTransferSyntaxPool) {
  const auto rq = parse_rq(
      associate_rq({uid_item(0x10, kAppContext), pctx_rq(1, kCtImage, {kExplicitLe, kImplicitLe}),
                    pctx_rq(3, kVerification, {kImplicitLe}), dcmtk_user_info()}));
  ASSERT_EQ(rq->parse.status, ParseStatus::kOk);
  EXPECT_TRUE(rq->parse.anomalies.empty());
  ASSERT_EQ(rq->rq_contexts.size(), 2u);
  EXPECT_EQ(rq->transfer_syntaxes.size(), 3u);
  const auto first = rq->transfer_syntaxes_of(rq->rq_contexts[0]);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], kExplicitLe);
  EXPECT_EQ(first[1], kImplicitLe);
  EXPECT_EQ(rq->rq_contexts[1].id, 3);
  EXPECT_EQ(rq->rq_contexts[1].abstract_syntax, kVerification);
  ASSERT_EQ(rq->transfer_syntaxes_of(rq->rq_contexts[1]).size(), 1u);
  EXPECT_EQ(rq->transfer_syntaxes_of(rq->rq_contexts[1])[0], kImplicitLe);
}

TEST(AssociateRq, ReusedResultForgetsThePreviousParse) {
  AssociatePdu out;
  parse_associate_rq(view(associate_rq({uid_item(0x10, kAppContext),
                                        pctx_rq(1, kCtImage, {kExplicitLe, kImplicitLe}),
                                        pctx_rq(3, kCtImage, {kExplicitLe}), dcmtk_user_info()},
                                       "ARCHIVE", "MODALITY")),
                     out);
  ASSERT_EQ(out.rq_contexts.size(), 2u);
  const Bytes echo = echoscu_rq();
  ASSERT_EQ(parse_associate_rq(view(echo), out), ParseStatus::kOk);
  EXPECT_EQ(out.rq_contexts.size(), 1u);
  EXPECT_EQ(out.transfer_syntaxes.size(), 1u);
  EXPECT_EQ(out.called_ae.trimmed, "STORESCP");
  EXPECT_EQ(out.rq_contexts[0].abstract_syntax, kVerification);
}

TEST(AssociateRq, TrailingNulPadOfUidsIsDropped) {
  Bytes padded = text(kAppContext);
  padded.push_back(std::byte{0});
  const auto rq = parse_rq(associate_rq(
      {item(0x10, padded), pctx_rq(1, kVerification, {kImplicitLe}), dcmtk_user_info()}));
  EXPECT_EQ(rq->application_context, kAppContext);
  EXPECT_TRUE(rq->parse.anomalies.empty());
}

TEST(AssociateRq, AeTitleWithLeadingSpacesKeepsRawAndTrimmed) {
  const auto rq = parse_rq(associate_rq(
      {uid_item(0x10, kAppContext), pctx_rq(1, kVerification, {kImplicitLe}), dcmtk_user_info()},
      "  PACS 1", "CT"));
  EXPECT_EQ(rq->called_ae.raw, "  PACS 1        ");
  EXPECT_EQ(rq->called_ae.trimmed, "PACS 1");
  EXPECT_EQ(rq->calling_ae.trimmed, "CT");
}

// ---- user information sub-items, each from its own literal ----

TEST(UserInfoItems, AsynchronousOperationsWindow) {
  const auto rq = parse_rq(rq_with_user_sub_item(hex("53 00 00 04  00 05 00 01")));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  EXPECT_TRUE(rq->user_info.has_async_window);
  EXPECT_EQ(rq->user_info.max_operations_invoked, 5);
  EXPECT_EQ(rq->user_info.max_operations_performed, 1);
}

TEST(UserInfoItems, RoleSelection) {
  const auto rq = parse_rq(
      rq_with_user_sub_item(cat({hex("54 00 00 1d  00 19"), text(kCtImage), hex("01 00")})));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  ASSERT_EQ(rq->user_info.roles.size(), 1u);
  EXPECT_EQ(rq->user_info.roles[0].sop_class_uid, kCtImage);
  EXPECT_EQ(rq->user_info.roles[0].scu_role, 1);
  EXPECT_EQ(rq->user_info.roles[0].scp_role, 0);
}

TEST(UserInfoItems, ImplementationVersionName) {
  const auto rq = parse_rq(rq_with_user_sub_item(cat({hex("55 00 00 0b"), text("GODICOM_1_1")})));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  EXPECT_TRUE(rq->user_info.has_implementation_version_name);
  EXPECT_EQ(rq->user_info.implementation_version_name, "GODICOM_1_1");
}

TEST(UserInfoItems, SopClassExtendedNegotiation) {
  const auto rq = parse_rq(
      rq_with_user_sub_item(cat({hex("56 00 00 1e  00 19"), text(kCtImage), hex("01 00 01")})));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  ASSERT_EQ(rq->user_info.extended.size(), 1u);
  const ExtendedNegotiation& e = rq->user_info.extended[0];
  EXPECT_EQ(e.sop_class_uid, kCtImage);
  EXPECT_EQ(e.info_length, 3);
  EXPECT_EQ(e.info[0], 1);
  EXPECT_EQ(e.info[1], 0);
  EXPECT_EQ(e.info[2], 1);
  EXPECT_EQ(e.info[3], 0);
}

TEST(UserInfoItems, SopClassCommonExtendedNegotiation) {
  const auto rq = parse_rq(rq_with_user_sub_item(cat({
      hex("57 00 00 4d"),  // sub-item version 0
      hex("00 19"),
      text(kCtImage),
      hex("00 11"),
      text("1.2.840.10008.4.2"),  // storage service class
      hex("00 1d  00 1b"),
      text("1.2.840.10008.5.1.4.1.1.2.1"),
  })));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  ASSERT_EQ(rq->user_info.common_extended.size(), 1u);
  const CommonExtendedNegotiation& e = rq->user_info.common_extended[0];
  EXPECT_EQ(e.sop_class_uid, kCtImage);
  EXPECT_EQ(e.service_class_uid, "1.2.840.10008.4.2");
  EXPECT_EQ(e.related_count, 1);
}

TEST(UserInfoItems, UserIdentityUsername) {
  const auto rq = parse_rq(
      rq_with_user_sub_item(cat({hex("58 00 00 0a  01 01 00 04"), text("USER"), hex("00 00")})));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  ASSERT_TRUE(rq->user_info.has_user_identity_rq);
  const UserIdentityRq& id = rq->user_info.user_identity_rq;
  EXPECT_EQ(id.type, 1);
  EXPECT_TRUE(id.positive_response_requested);
  EXPECT_EQ(id.username, "USER");
  EXPECT_EQ(id.primary_length, 4);
  EXPECT_EQ(id.secondary_length, 0);
  EXPECT_EQ(user_identity_type_text(id.type), "username");
}

TEST(UserInfoItems, UserIdentityPasscodeIsNotKept) {
  const auto rq = parse_rq(rq_with_user_sub_item(
      cat({hex("58 00 00 10  02 00 00 04"), text("USER"), hex("00 06"), text("secret")})));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  const UserIdentityRq& id = rq->user_info.user_identity_rq;
  EXPECT_EQ(id.type, 2);
  EXPECT_FALSE(id.positive_response_requested);
  EXPECT_EQ(id.username, "USER");
  EXPECT_EQ(id.secondary_length, 6);
  EXPECT_EQ(user_identity_type_text(2), "username and passcode");
  // No string of the result holds the passcode.
  const AssociatePdu& r = *rq;
  for (const std::string_view* s : {&id.username, &r.user_info.implementation_class_uid,
                                    &r.user_info.implementation_version_name}) {
    EXPECT_EQ(s->find("secret"), std::string_view::npos);
  }
}

TEST(UserInfoItems, UserIdentityTokenIsNotKept) {
  const auto rq = parse_rq(
      rq_with_user_sub_item(cat({hex("58 00 00 0d  05 00 00 07"), text("eyJhbGc"), hex("00 00")})));
  EXPECT_TRUE(rq->parse.anomalies.empty());
  const UserIdentityRq& id = rq->user_info.user_identity_rq;
  EXPECT_EQ(id.type, 5);
  EXPECT_EQ(id.username, "");
  EXPECT_EQ(id.primary_length, 7);
  EXPECT_EQ(user_identity_type_text(3), "Kerberos service ticket");
  EXPECT_EQ(user_identity_type_text(4), "SAML assertion");
  EXPECT_EQ(user_identity_type_text(5), "JSON Web Token");
}

// ---- A-ASSOCIATE-AC ----

Bytes storescp_ac(const Bytes& context_items, const Bytes& user_info = dcmtk_user_info()) {
  return pdu(0x02, cat({assoc_fixed("STORESCP", "STORESCU"), uid_item(0x10, kAppContext),
                        context_items, user_info}));
}

TEST(AssociateAc, EveryField) {
  const Bytes ac = cat({
      hex("02 00 00 00 00 ba  00 01 00 00"),
      text("STORESCP        "),
      text("STORESCU        "),
      Bytes(32),
      hex("10 00 00 15"),
      text("1.2.840.10008.3.1.1.1"),
      hex("21 00 00 1b  01 00 00 00"),  // context 1, acceptance
      hex("40 00 00 13"),
      text("1.2.840.10008.1.2.1"),
      hex("50 00 00 3a  51 00 00 04  00 00 40 00  52 00 00 1b"),
      text(kDcmtkImplementation),
      hex("55 00 00 0f"),
      text("OFFIS_DCMTK_367"),
  });
  const auto out = parse_ac(ac);
  ASSERT_EQ(out->parse.status, ParseStatus::kOk);
  EXPECT_TRUE(out->parse.anomalies.empty());
  EXPECT_FALSE(out->is_request);
  EXPECT_EQ(out->called_ae.trimmed, "STORESCP");
  EXPECT_EQ(out->calling_ae.trimmed, "STORESCU");
  ASSERT_EQ(out->ac_contexts.size(), 1u);
  EXPECT_TRUE(out->rq_contexts.empty());
  EXPECT_EQ(out->ac_contexts[0].id, 1);
  EXPECT_EQ(out->ac_contexts[0].result, 0);
  EXPECT_EQ(out->ac_contexts[0].transfer_syntax, kExplicitLe);
  EXPECT_EQ(context_result_text(out->ac_contexts[0].result), "acceptance");
  EXPECT_EQ(out->user_info.max_length, 16384u);
}

TEST(AssociateAc, RejectedContextNeedsNoTransferSyntax) {
  const auto out = parse_ac(storescp_ac(item(0x21, hex("03 00 03 00"))));
  EXPECT_EQ(out->parse.status, ParseStatus::kOk);
  EXPECT_TRUE(out->parse.anomalies.empty());
  EXPECT_EQ(out->ac_contexts[0].result, 3);
  EXPECT_EQ(context_result_text(3), "abstract-syntax-not-supported (provider rejection)");
  EXPECT_EQ(context_result_text(1), "user-rejection");
  EXPECT_EQ(context_result_text(2), "no-reason (provider rejection)");
  EXPECT_EQ(context_result_text(4), "transfer-syntaxes-not-supported (provider rejection)");
  EXPECT_EQ(context_result_text(5), "reserved");
}

TEST(AssociateAc, UserIdentityServerResponseLengthOnly) {
  const auto out = parse_ac(storescp_ac(
      item(0x21, cat({hex("01 00 00 00"), uid_item(0x40, kImplicitLe)})),
      item(0x50, cat({hex("51 00 00 04  00 00 40 00"), uid_item(0x52, kDcmtkImplementation),
                      hex("59 00 00 06  00 04 de ad be ef")}))));
  EXPECT_TRUE(out->parse.anomalies.empty());
  EXPECT_TRUE(out->user_info.has_user_identity_ac);
  EXPECT_EQ(out->user_info.server_response_length, 4);
}

TEST(AssociateAc, RequestIsWrongType) {
  AssociatePdu out;
  EXPECT_EQ(parse_associate_ac(view(echoscu_rq()), out), ParseStatus::kWrongType);
}

// ---- truncation ----

TEST(AssociateTruncation, EveryPrefixNeedsMoreWithTheTotal) {
  const Bytes rq = echoscu_rq();
  AssociatePdu out;
  for (std::size_t n = 0; n < rq.size(); ++n) {
    EXPECT_EQ(parse_associate_rq(view(rq).first(n), out), ParseStatus::kNeedMore) << n;
    EXPECT_EQ(out.parse.needed, n < 6 ? 6u : rq.size()) << n;
  }
  EXPECT_EQ(parse_associate_rq(view(rq), out), ParseStatus::kOk);
}

// The header is rewritten to claim exactly the bytes kept: a cut on an item boundary is a
// complete (if incomplete-looking) PDU; any other cut overruns an item's container.
TEST(AssociateTruncation, CutWithMatchingHeaderIsMalformedExceptAtItemBoundaries) {
  const Bytes rq = echoscu_rq();
  AssociatePdu out;
  for (std::size_t n = kPduHeaderLength; n <= rq.size(); ++n) {
    Bytes cut(rq.begin(), rq.begin() + static_cast<std::ptrdiff_t>(n));
    const Bytes length = be32(n - kPduHeaderLength);
    std::copy(length.begin(), length.end(), cut.begin() + 2);
    const ParseStatus status = parse_associate_rq(view(cut), out);
    const AnomalyList& a = out.parse.anomalies;
    if (n < kPduHeaderLength + kAssociateFixedLength) {
      EXPECT_EQ(status, ParseStatus::kMalformed) << n;
      ASSERT_EQ(a.size(), 1u) << n;
      EXPECT_EQ(a[0].reason, DicomAnomaly::kPduLengthInvalid) << n;
    } else if (n == 74 || n == 99 || n == 149) {
      EXPECT_EQ(status, ParseStatus::kOk) << n;
      EXPECT_EQ(a.has(DicomAnomaly::kAssocNoApplicationContext), n == 74) << n;
      EXPECT_EQ(a.has(DicomAnomaly::kAssocNoPresentationContext), n <= 99) << n;
      EXPECT_TRUE(a.has(DicomAnomaly::kAssocNoUserInformation)) << n;
      EXPECT_EQ(a.size(), n == 74 ? 3u : n == 99 ? 2u : 1u) << n;
    } else if (n == rq.size()) {
      EXPECT_EQ(status, ParseStatus::kOk);
      EXPECT_TRUE(a.empty());
    } else {
      EXPECT_EQ(status, ParseStatus::kMalformed) << n;
      EXPECT_TRUE(a.has(DicomAnomaly::kItemLengthOverrun)) << n;
    }
  }
}

// ---- detection ----

TEST(LooksLikeAssociateRq, EveryPrefixFrom42BytesOfARealRequest) {
  const Bytes rq = echoscu_rq();
  for (std::size_t n = 0; n <= rq.size(); ++n) {
    EXPECT_EQ(looks_like_associate_rq(view(rq).first(n)), n >= kDetectMinBytes) << n;
  }
  EXPECT_EQ(kDetectMinBytes, 42u);
}

TEST(LooksLikeAssociateRq, RejectsEachSingleDeviation) {
  struct Case {
    std::size_t offset;
    std::uint8_t value;
    const char* what;
  };
  const Case cases[] = {
      {0, 0x02, "type"},           {1, 0x01, "reserved"},
      {5, 0x43, "length 67"},      {2, 0x04, "length over the cap"},
      {7, 0x02, "version 2"},      {6, 0x01, "version 0x0101"},
      {12, 0x07, "called AE BEL"}, {26, 0x80, "calling AE high byte"},
      {74, 0x20, "first item"},    {75, 0x01, "item reserved"},
      {77, 0x20, "item length"},   {94, '2', "another application context"},
  };
  for (const Case& c : cases) {
    Bytes b = echoscu_rq();
    b[c.offset] = static_cast<std::byte>(c.value);
    EXPECT_FALSE(looks_like_associate_rq(view(b))) << c.what;
  }
}

TEST(LooksLikeAssociateRq, BlankAeTitleIsNotARequest) {
  const Bytes b = associate_rq({uid_item(0x10, kAppContext)}, "", "ECHOSCU");
  EXPECT_FALSE(looks_like_associate_rq(view(b)));
}

TEST(LooksLikeAssociateRq, OtherProtocolsAreNot) {
  // A TLS ClientHello and an HTTP request.
  Bytes tls = hex("16 03 01 02 00 01 00 01 fc 03 03");
  tls.resize(80);
  EXPECT_FALSE(looks_like_associate_rq(view(tls)));
  Bytes http = text("GET / HTTP/1.1\r\nHost: pacs.example\r\nUser-Agent: x\r\n\r\n");
  http.resize(80, std::byte{' '});
  EXPECT_FALSE(looks_like_associate_rq(view(http)));
}

}  // namespace
}  // namespace dicomsentry::dicom
