// Upper Layer PDU builders: every PDU parses back through src/dicom with exactly the values
// put in, the echoscu request equals DCMTK's bytes, P-DATA fragments like DCMTK's.
#include "dicom_builder.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../dicom/pdu_test_bytes.hpp"
#include "dicom/pdu.hpp"
#include "dicom/pdu_associate.hpp"
#include "dicom/pdu_data.hpp"

namespace dicomsentry::synth {
namespace {

using dicom::ParseStatus;

std::vector<std::string> transfer_syntaxes(const dicom::AssociatePdu& a,
                                           const dicom::PresentationContextRq& pc) {
  const auto span = a.transfer_syntaxes_of(pc);
  return {span.begin(), span.end()};
}

AssociateRqSpec full_rq() {
  AssociateRqSpec rq;
  rq.called_ae = "PACS_ARCHIVE";
  rq.calling_ae = "CT_SCANNER_01";
  rq.contexts = {
      {1,
       std::string(uids::kCtImageStorage),
       {std::string(uids::kExplicitLittleEndian), std::string(uids::kImplicitLittleEndian)}},
      {3,
       std::string(uids::kMrImageStorage),
       {std::string(uids::kJpegLossless), std::string(uids::kExplicitLittleEndian),
        std::string(uids::kImplicitLittleEndian)}},
      {5, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}},
  };
  rq.user_info.max_length = 65536;
  rq.user_info.async_window = AsyncWindowSpec{3, 2};
  rq.user_info.roles = {{std::string(uids::kCtImageStorage), 1, 1},
                        {std::string(uids::kMrImageStorage), 0, 1}};
  rq.user_info.implementation_version_name = "DICOMSENTRY_01";
  rq.user_info.user_identity = UserIdentitySpec{2, true, "alice", "secret"};
  return rq;
}

TEST(AssociateRqBuilder, EchoscuRequestEqualsDcmtksBytes) {
  AssociateRqSpec rq;
  rq.called_ae = "STORESCP";
  rq.calling_ae = "ECHOSCU";
  rq.contexts = {{1, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}}};
  Bytes built = associate_rq(rq);
  const Bytes dcmtk = dicom::testing::echoscu_rq();
  ASSERT_EQ(built.size(), dcmtk.size());
  // DCMTK puts 0xff in the reserved byte after the context id's reserved byte (offset 105);
  // the builder sends 0 as §9.3.2.2 says. Every other byte is the same.
  EXPECT_EQ(built[105], std::byte{0});
  built[105] = std::byte{0xff};
  EXPECT_EQ(built, dcmtk);
}

TEST(AssociateRqBuilder, EveryFieldParsesBack) {
  const Bytes bytes = associate_rq(full_rq());
  auto a = std::make_unique<dicom::AssociatePdu>();
  ASSERT_EQ(dicom::parse_associate_rq(dicom::testing::view(bytes), *a), ParseStatus::kOk);
  EXPECT_TRUE(a->parse.anomalies.empty());
  EXPECT_EQ(a->parse.header.length, bytes.size() - 6);
  EXPECT_EQ(a->protocol_version, 1);
  EXPECT_EQ(a->called_ae.raw, "PACS_ARCHIVE    ");
  EXPECT_EQ(a->calling_ae.trimmed, "CT_SCANNER_01");
  EXPECT_EQ(a->application_context, uids::kApplicationContext);
  ASSERT_EQ(a->rq_contexts.size(), 3u);
  EXPECT_EQ(a->rq_contexts[0].id, 1);
  EXPECT_EQ(a->rq_contexts[0].abstract_syntax, uids::kCtImageStorage);
  EXPECT_EQ(transfer_syntaxes(*a, a->rq_contexts[0]),
            (std::vector<std::string>{"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}));
  EXPECT_EQ(a->rq_contexts[1].id, 3);
  EXPECT_EQ(transfer_syntaxes(*a, a->rq_contexts[1]),
            (std::vector<std::string>{"1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.1",
                                      "1.2.840.10008.1.2"}));
  EXPECT_EQ(a->rq_contexts[2].id, 5);
  EXPECT_EQ(a->rq_contexts[2].abstract_syntax, uids::kVerification);
  const dicom::UserInformation& u = a->user_info;
  EXPECT_TRUE(u.present);
  EXPECT_EQ(u.max_length, 65536u);
  EXPECT_EQ(u.implementation_class_uid, uids::kDcmtkImplementationClass);
  EXPECT_TRUE(u.has_async_window);
  EXPECT_EQ(u.max_operations_invoked, 3);
  EXPECT_EQ(u.max_operations_performed, 2);
  ASSERT_EQ(u.roles.size(), 2u);
  EXPECT_EQ(u.roles[0].sop_class_uid, uids::kCtImageStorage);
  EXPECT_EQ(u.roles[0].scu_role, 1);
  EXPECT_EQ(u.roles[0].scp_role, 1);
  EXPECT_EQ(u.roles[1].sop_class_uid, uids::kMrImageStorage);
  EXPECT_EQ(u.roles[1].scu_role, 0);
  EXPECT_EQ(u.roles[1].scp_role, 1);
  EXPECT_EQ(u.implementation_version_name, "DICOMSENTRY_01");
  ASSERT_TRUE(u.has_user_identity_rq);
  EXPECT_EQ(u.user_identity_rq.type, 2);
  EXPECT_TRUE(u.user_identity_rq.positive_response_requested);
  EXPECT_EQ(u.user_identity_rq.username, "alice");
  EXPECT_EQ(u.user_identity_rq.primary_length, 5);
  EXPECT_EQ(u.user_identity_rq.secondary_length, 6);
  EXPECT_EQ(u.unknown_sub_items, 0);
}

TEST(AssociateRqBuilder, AeTitlesAreCutAt16AndOptionalSubItemsLeftOut) {
  AssociateRqSpec rq;
  rq.called_ae = "ABCDEFGHIJKLMNOPQRST";
  rq.contexts = {{1, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}}};
  rq.user_info.max_length.reset();
  rq.user_info.implementation_version_name.clear();
  const Bytes bytes = associate_rq(rq);
  // 6 header + 68 fixed + 25 application context + 50 context + 35 user information.
  EXPECT_EQ(bytes.size(), 184u);
  auto a = std::make_unique<dicom::AssociatePdu>();
  ASSERT_EQ(dicom::parse_associate_rq(dicom::testing::view(bytes), *a), ParseStatus::kOk);
  EXPECT_EQ(a->called_ae.raw, "ABCDEFGHIJKLMNOP");
  EXPECT_FALSE(a->user_info.has_max_length);
  EXPECT_FALSE(a->user_info.has_implementation_version_name);
  ASSERT_EQ(a->parse.anomalies.size(), 1u);  // PS3.7 D.1 makes the max length mandatory
  EXPECT_EQ(a->parse.anomalies[0].reason, dicom::DicomAnomaly::kUserInfoNoMaxLength);
}

TEST(AssociateRqBuilder, WithoutUserInformationIsFlagged) {
  AssociateRqSpec rq = full_rq();
  rq.user_info.present = false;
  auto a = std::make_unique<dicom::AssociatePdu>();
  ASSERT_EQ(dicom::parse_associate_rq(dicom::testing::view(associate_rq(rq)), *a),
            ParseStatus::kOk);
  EXPECT_FALSE(a->user_info.present);
  ASSERT_EQ(a->parse.anomalies.size(), 1u);
  EXPECT_EQ(a->parse.anomalies[0].reason, dicom::DicomAnomaly::kAssocNoUserInformation);
}

TEST(AssociateAcBuilder, EveryFieldParsesBack) {
  AssociateAcSpec ac = accept_all(full_rq(), 131072);
  ac.contexts[1].result = 4;  // transfer syntaxes not supported
  ac.user_info.async_window = AsyncWindowSpec{1, 1};
  ac.user_info.roles = {{std::string(uids::kCtImageStorage), 0, 1}};
  ac.user_info.user_identity = UserIdentitySpec{};  // an RQ-only sub-item: not written in an AC
  ac.user_info.user_identity_response = "server-token";
  const Bytes bytes = associate_ac(ac);
  auto a = std::make_unique<dicom::AssociatePdu>();
  ASSERT_EQ(dicom::parse_associate_ac(dicom::testing::view(bytes), *a), ParseStatus::kOk);
  EXPECT_TRUE(a->parse.anomalies.empty());
  EXPECT_EQ(a->called_ae.trimmed, "PACS_ARCHIVE");
  EXPECT_EQ(a->calling_ae.trimmed, "CT_SCANNER_01");
  ASSERT_EQ(a->ac_contexts.size(), 3u);
  EXPECT_EQ(a->ac_contexts[0].id, 1);
  EXPECT_EQ(a->ac_contexts[0].result, 0);
  EXPECT_EQ(a->ac_contexts[0].transfer_syntax, uids::kExplicitLittleEndian);
  EXPECT_EQ(a->ac_contexts[1].id, 3);
  EXPECT_EQ(a->ac_contexts[1].result, 4);
  EXPECT_EQ(a->ac_contexts[1].transfer_syntax, uids::kJpegLossless);
  EXPECT_EQ(a->ac_contexts[2].id, 5);
  EXPECT_EQ(a->ac_contexts[2].transfer_syntax, uids::kImplicitLittleEndian);
  EXPECT_EQ(a->user_info.max_length, 131072u);
  EXPECT_EQ(a->user_info.max_operations_invoked, 1);
  ASSERT_EQ(a->user_info.roles.size(), 1u);
  EXPECT_EQ(a->user_info.roles[0].scp_role, 1);
  EXPECT_FALSE(a->user_info.has_user_identity_rq);
  EXPECT_TRUE(a->user_info.has_user_identity_ac);
  EXPECT_EQ(a->user_info.server_response_length, 12);
}

TEST(FixedPduBuilders, RejectReleaseAbortAreExactAndParseBack) {
  const Bytes rj = associate_rj(1, 1, 7);
  EXPECT_EQ(rj, dicom::testing::hex("03 00 00 00 00 04 00 01 01 07"));
  const dicom::AssociateRj parsed_rj = dicom::parse_associate_rj(dicom::testing::view(rj));
  EXPECT_EQ(parsed_rj.parse.status, ParseStatus::kOk);
  EXPECT_TRUE(parsed_rj.parse.anomalies.empty());
  EXPECT_EQ(parsed_rj.result, 1);
  EXPECT_EQ(parsed_rj.source, 1);
  EXPECT_EQ(parsed_rj.reason, 7);

  EXPECT_EQ(release_rq(), dicom::testing::hex("05 00 00 00 00 04 00 00 00 00"));
  EXPECT_EQ(release_rp(), dicom::testing::hex("06 00 00 00 00 04 00 00 00 00"));
  EXPECT_TRUE(dicom::parse_release(dicom::testing::view(release_rq())).is_request);
  const dicom::ReleasePdu rp = dicom::parse_release(dicom::testing::view(release_rp()));
  EXPECT_EQ(rp.parse.status, ParseStatus::kOk);
  EXPECT_FALSE(rp.is_request);

  const Bytes abort = abort_pdu(2, 6);
  EXPECT_EQ(abort, dicom::testing::hex("07 00 00 00 00 04 00 00 02 06"));
  const dicom::AbortPdu parsed_abort = dicom::parse_abort(dicom::testing::view(abort));
  EXPECT_EQ(parsed_abort.parse.status, ParseStatus::kOk);
  EXPECT_TRUE(parsed_abort.parse.anomalies.empty());
  EXPECT_EQ(parsed_abort.source, 2);
  EXPECT_EQ(parsed_abort.reason, 6);
}

TEST(PdataBuilder, FragmentLengthFollowsTheMaximum) {
  EXPECT_EQ(max_fragment_length(16384), 16372u);  // DCMTK: "Max Send PDV: 16372"
  EXPECT_EQ(max_fragment_length(65536), 65524u);
  EXPECT_EQ(max_fragment_length(16384, PdvSizing::kStandardMaximum), 16378u);
  EXPECT_EQ(max_fragment_length(0), kUnlimitedFragment);
  EXPECT_EQ(max_fragment_length(13), 2u);
  EXPECT_EQ(max_fragment_length(7, PdvSizing::kStandardMaximum), 2u);
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return b;
}

struct PduView {
  std::uint32_t length = 0;
  std::uint8_t context_id = 0;
  std::uint8_t control = 0;
  Bytes fragment;
};

// Each PDU through validate_pdata_framing and PdvIterator: exactly one clean PDV each.
std::vector<PduView> parse_each(const std::vector<Bytes>& pdus) {
  std::vector<PduView> out;
  for (const Bytes& pdu : pdus) {
    const dicom::PduHeader header = dicom::parse_pdu_header(dicom::testing::view(pdu));
    EXPECT_EQ(dicom::classify(header), dicom::HeaderVerdict::kValid);
    EXPECT_EQ(header.type, 0x04);
    EXPECT_EQ(header.total_length(), pdu.size());
    const ByteView body = dicom::testing::view(pdu).subspan(6);
    const dicom::PdataFraming framing = dicom::validate_pdata_framing(body);
    EXPECT_TRUE(framing.ok);
    EXPECT_EQ(framing.pdv_count, 1u);
    dicom::AnomalyList anomalies;
    dicom::PdvIterator it(body, &anomalies);
    dicom::Pdv pdv;
    EXPECT_EQ(it.next(pdv), dicom::PdvIterator::Step::kPdv);
    EXPECT_TRUE(anomalies.empty());
    out.push_back({header.length, pdv.context_id, pdv.control,
                   Bytes(pdv.fragment.begin(), pdv.fragment.end())});
  }
  return out;
}

TEST(PdataBuilder, FragmentsOneMessageLikeDcmtk) {
  const DimseMessage message{7, pattern(142, 1), pattern(40000, 2)};
  const std::vector<Bytes> pdus = pdata_pdus(message, 16384);
  const std::vector<PduView> v = parse_each(pdus);
  ASSERT_EQ(v.size(), 4u);
  // 40000 = 16372 + 16372 + 7256: the PDU length field is the fragment + 6.
  const std::array<std::uint32_t, 4> lengths = {148, 16378, 16378, 7262};
  const std::array<std::uint8_t, 4> controls = {0x03, 0x00, 0x00, 0x02};
  Bytes data;
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i].length, lengths[i]) << i;
    EXPECT_EQ(v[i].control, controls[i]) << i;
    EXPECT_EQ(v[i].context_id, 7) << i;
    if (i > 0) data.insert(data.end(), v[i].fragment.begin(), v[i].fragment.end());
  }
  EXPECT_EQ(v[0].fragment, message.command);
  EXPECT_EQ(data, message.data_set);
  Bytes joined;
  for (const Bytes& pdu : pdus) joined.insert(joined.end(), pdu.begin(), pdu.end());
  EXPECT_EQ(pack_pdata(message, 16384), joined);
}

TEST(PdataBuilder, StandardMaximumFillsThePduLengthExactly) {
  const DimseMessage message{1, pattern(20000, 3), pattern(16378, 4)};
  const std::vector<PduView> v =
      parse_each(pdata_pdus(message, 16384, PdvSizing::kStandardMaximum));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].length, 16384u);  // a command longer than a fragment is fragmented too
  EXPECT_EQ(v[0].control, 0x01);
  EXPECT_EQ(v[1].length, 20000u - 16378u + 6u);
  EXPECT_EQ(v[1].control, 0x03);
  EXPECT_EQ(v[2].length, 16384u);
  EXPECT_EQ(v[2].control, 0x02);
}

TEST(PdataBuilder, UnlimitedAndCommandOnlyMessages) {
  const std::vector<PduView> unlimited =
      parse_each(pdata_pdus(DimseMessage{3, pattern(100, 5), pattern(300000, 6)}, 0));
  ASSERT_EQ(unlimited.size(), 2u);
  EXPECT_EQ(unlimited[1].length, 300006u);
  EXPECT_EQ(unlimited[1].control, 0x02);
  const std::vector<PduView> echo =
      parse_each(pdata_pdus(DimseMessage{3, pattern(68, 7), {}}, 16384));
  ASSERT_EQ(echo.size(), 1u);
  EXPECT_EQ(echo[0].length, 74u);
  EXPECT_EQ(echo[0].control, 0x03);
}

TEST(PdataBuilder, SeveralPdvsInOnePdu) {
  const std::array<PdvSpec, 3> pdvs = {PdvSpec{1, 0x01, pattern(10, 1)},
                                       PdvSpec{1, 0x03, pattern(4, 2)},
                                       PdvSpec{1, 0x02, pattern(0, 3)}};
  const Bytes pdu = pdata_pdu(pdvs);
  EXPECT_EQ(pdu.size(), 6u + 3 * 6 + 10 + 4);
  const dicom::PdataFraming framing =
      dicom::validate_pdata_framing(dicom::testing::view(pdu).subspan(6));
  EXPECT_TRUE(framing.ok);
  EXPECT_EQ(framing.pdv_count, 3u);
}

TEST(PdataLayout, PiecewiseWritesEqualThePackedStream) {
  const Bytes data = pattern(100001, 9);
  const Bytes packed = pack_pdata(DimseMessage{5, pattern(2, 0), data}, 16384);
  const Bytes data_pdus(packed.begin() + 8 + 6, packed.end());  // after the 2-byte command PDU
  const PdataLayout layout{5, false, data.size(), max_fragment_length(16384)};
  EXPECT_EQ(layout.pdu_count(), 7u);
  ASSERT_EQ(layout.stream_length(), data_pdus.size());
  Bytes pieces(data_pdus.size());
  const auto from_data = [&data](std::uint64_t at, std::span<std::byte> to) {
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), to.size(), to.begin());
  };
  std::size_t at = 0;
  for (std::size_t step = 1; at < pieces.size(); step = step % 1500 + 7) {
    const std::size_t n = std::min(step, pieces.size() - at);
    layout.write(at, std::span<std::byte>(pieces).subspan(at, n), from_data);
    at += n;
  }
  EXPECT_EQ(pieces, data_pdus);
}

}  // namespace
}  // namespace dicomsentry::synth
