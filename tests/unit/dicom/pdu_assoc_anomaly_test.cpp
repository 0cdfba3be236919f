// One test per A-ASSOCIATE anomaly reason: the exact reason, where, and that parsing goes on
// (or stops) as the contract says.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dicom/pdu_associate.hpp"
#include "pdu_test_bytes.hpp"

namespace dicomsentry::dicom {
namespace {

using namespace testing;

struct Parsed {
  std::unique_ptr<Bytes> bytes;  // what the result's texts view (moving Parsed keeps them)
  std::unique_ptr<AssociatePdu> pdu = std::make_unique<AssociatePdu>();
  ParseStatus status = ParseStatus::kOk;
  const AnomalyList& anomalies() const { return pdu->parse.anomalies; }
};

Parsed rq(const Bytes& b) {
  Parsed p;
  p.bytes = std::make_unique<Bytes>(b);
  p.status = parse_associate_rq(view(*p.bytes), *p.pdu);
  return p;
}
Parsed ac(const Bytes& b) {
  Parsed p;
  p.bytes = std::make_unique<Bytes>(b);
  p.status = parse_associate_ac(view(*p.bytes), *p.pdu);
  return p;
}

// Expects exactly one anomaly, `reason`, at `offset`, with status kOk.
void expect_only(const Parsed& p, DicomAnomaly reason, std::size_t offset) {
  EXPECT_EQ(p.status, ParseStatus::kOk);
  ASSERT_EQ(p.anomalies().size(), 1u) << dicom_anomaly_name(p.anomalies()[0].reason);
  EXPECT_EQ(p.anomalies()[0].reason, reason) << dicom_anomaly_name(p.anomalies()[0].reason);
  EXPECT_EQ(p.anomalies()[0].offset, offset);
}

const Bytes kApp = uid_item(0x10, kAppContext);                // 25 bytes, at 74
const Bytes kEcho = pctx_rq(1, kVerification, {kImplicitLe});  // 50 bytes, at 99
constexpr std::size_t kAfterEcho = 149;

Bytes ui_with(const Bytes& sub_items) {
  return item(0x50, sub_items);
}
const Bytes kMaxLen = hex("51 00 00 04  00 00 40 00");
const Bytes kImpl = uid_item(0x52, kDcmtkImplementation);

TEST(AssocAnomaly, ItemLengthOverrunStopsTheWalk) {
  Bytes b = echoscu_rq();
  b[149 + 3] = std::byte{0x3b};  // user information claims one byte more than the PDU holds
  const Parsed p = rq(b);
  EXPECT_EQ(p.status, ParseStatus::kMalformed);
  ASSERT_EQ(p.anomalies().size(), 1u);
  EXPECT_EQ(p.anomalies()[0].reason, DicomAnomaly::kItemLengthOverrun);
  EXPECT_EQ(p.anomalies()[0].offset, 149u);
  EXPECT_EQ(p.pdu->rq_contexts.size(), 1u);  // what came before is kept
  EXPECT_FALSE(p.pdu->user_info.has_max_length);
}

TEST(AssocAnomaly, SubItemOverrunInsideAnIntactItemKeepsTheNextItems) {
  // The transfer syntax sub-item claims 0x12 bytes; its context holds 0x11.
  Bytes b = echoscu_rq();
  b[99 + 4 + 4 + 21 + 3] = std::byte{0x12};
  const Parsed p = rq(b);
  EXPECT_EQ(p.status, ParseStatus::kMalformed);
  ASSERT_EQ(p.anomalies().size(), 1u);
  EXPECT_EQ(p.anomalies()[0].reason, DicomAnomaly::kItemLengthOverrun);
  EXPECT_EQ(p.anomalies()[0].offset, 128u);
  EXPECT_EQ(p.pdu->user_info.max_length, 16384u);
}

TEST(AssocAnomaly, ItemLengthMismatch) {
  // An asynchronous operations window of 2 bytes instead of 4: skipped, the rest is parsed.
  const Parsed p = rq(rq_with_user_sub_item(hex("53 00 00 02  00 01")));
  expect_only(p, DicomAnomaly::kItemLengthMismatch, kAfterEcho + 4 + 8 + 31);
  EXPECT_FALSE(p.pdu->user_info.has_async_window);
  EXPECT_EQ(p.pdu->user_info.max_length, 16384u);
}

TEST(AssocAnomaly, ItemUnknownTypeIsSkipped) {
  const Parsed p = rq(associate_rq({kApp, item(0x60, hex("01 02 03")), kEcho, dcmtk_user_info()}));
  expect_only(p, DicomAnomaly::kItemUnknownType, 99);
  EXPECT_EQ(p.pdu->rq_contexts.size(), 1u);
  EXPECT_EQ(p.pdu->user_info.max_length, 16384u);
}

TEST(AssocAnomaly, UnknownUserInfoSubItemIsCountedAndSkipped) {
  const Parsed p = rq(rq_with_user_sub_item(item(0x5f, hex("00"))));
  expect_only(p, DicomAnomaly::kItemUnknownType, kAfterEcho + 4 + 8 + 31);
  EXPECT_EQ(p.pdu->user_info.unknown_sub_items, 1);
}

TEST(AssocAnomaly, ItemDuplicate) {
  const Parsed p = rq(associate_rq({kApp, uid_item(0x10, "1.2.3"), kEcho, dcmtk_user_info()}));
  expect_only(p, DicomAnomaly::kItemDuplicate, 99);
  EXPECT_EQ(p.pdu->application_context, kAppContext);
  EXPECT_EQ(p.pdu->application_context_count, 2);
}

TEST(AssocAnomaly, BadProtocolVersion) {
  Bytes b = echoscu_rq();
  b[7] = std::byte{0x02};
  const Parsed p = rq(b);
  expect_only(p, DicomAnomaly::kAssocBadProtocolVersion, 6);
  EXPECT_EQ(p.pdu->protocol_version, 2);
}

TEST(AssocAnomaly, NoApplicationContext) {
  expect_only(rq(associate_rq({kEcho, dcmtk_user_info()})),
              DicomAnomaly::kAssocNoApplicationContext, 6 + 68 + 50 + 62);
}

TEST(AssocAnomaly, NoPresentationContext) {
  expect_only(rq(associate_rq({kApp, dcmtk_user_info()})),
              DicomAnomaly::kAssocNoPresentationContext, 6 + 68 + 25 + 62);
}

TEST(AssocAnomaly, NoUserInformation) {
  expect_only(rq(associate_rq({kApp, kEcho})), DicomAnomaly::kAssocNoUserInformation, 149);
}

TEST(AssocAnomaly, TooManyPresentationContexts) {
  Bytes body = cat({assoc_fixed("PACS", "CT"), kApp});
  for (int id = 1; id <= 255; id += 2)
    body = cat({body, pctx_rq(static_cast<std::uint8_t>(id), kCtImage, {kImplicitLe})});
  body = cat({body, pctx_rq(1, kCtImage, {kImplicitLe}), dcmtk_user_info()});
  const Parsed p = rq(pdu(0x01, body));
  EXPECT_EQ(p.status, ParseStatus::kOk);
  ASSERT_EQ(p.anomalies().size(), 2u);
  EXPECT_EQ(p.anomalies()[0].reason, DicomAnomaly::kPctxDuplicateId);
  EXPECT_EQ(p.anomalies()[1].reason, DicomAnomaly::kAssocTooManyPresentationContexts);
  EXPECT_EQ(p.pdu->rq_contexts.size(), kMaxPresentationContexts);
  EXPECT_EQ(p.pdu->presentation_contexts_seen, 129);
  EXPECT_EQ(p.pdu->rq_contexts[127].id, 255);
}

TEST(AssocAnomaly, PctxBadId) {
  const Parsed p =
      rq(associate_rq({kApp, pctx_rq(2, kVerification, {kImplicitLe}), dcmtk_user_info()}));
  expect_only(p, DicomAnomaly::kPctxBadId, 99);
  EXPECT_EQ(p.pdu->rq_contexts[0].id, 2);
}

TEST(AssocAnomaly, PctxDuplicateId) {
  expect_only(rq(associate_rq({kApp, kEcho, kEcho, dcmtk_user_info()})),
              DicomAnomaly::kPctxDuplicateId, kAfterEcho);
}

TEST(AssocAnomaly, PctxNoAbstractSyntax) {
  const Bytes pc = item(0x20, cat({hex("01 00 00 00"), uid_item(0x40, kImplicitLe)}));
  expect_only(rq(associate_rq({kApp, pc, dcmtk_user_info()})), DicomAnomaly::kPctxNoAbstractSyntax,
              99);
}

TEST(AssocAnomaly, PctxSeveralAbstractSyntaxes) {
  const Bytes pc = item(0x20, cat({hex("01 00 00 00"), uid_item(0x30, kVerification),
                                   uid_item(0x30, kCtImage), uid_item(0x40, kImplicitLe)}));
  const Parsed p = rq(associate_rq({kApp, pc, dcmtk_user_info()}));
  expect_only(p, DicomAnomaly::kPctxSeveralAbstractSyntaxes, 99);
  EXPECT_EQ(p.pdu->rq_contexts[0].abstract_syntax, kVerification);
  EXPECT_EQ(p.pdu->rq_contexts[0].abstract_syntax_count, 2);
}

TEST(AssocAnomaly, PctxNoTransferSyntaxInRequest) {
  const Bytes pc = item(0x20, cat({hex("01 00 00 00"), uid_item(0x30, kVerification)}));
  expect_only(rq(associate_rq({kApp, pc, dcmtk_user_info()})), DicomAnomaly::kPctxNoTransferSyntax,
              99);
}

Bytes ac_with(const Bytes& context) {
  return pdu(0x02, cat({assoc_fixed("STORESCP", "STORESCU"), kApp, context, dcmtk_user_info()}));
}

TEST(AssocAnomaly, PctxNoTransferSyntaxInAcceptance) {
  expect_only(ac(ac_with(item(0x21, hex("01 00 00 00")))), DicomAnomaly::kPctxNoTransferSyntax, 99);
}

TEST(AssocAnomaly, PctxSeveralTransferSyntaxes) {
  const Parsed p = ac(ac_with(item(
      0x21, cat({hex("01 00 00 00"), uid_item(0x40, kExplicitLe), uid_item(0x40, kImplicitLe)}))));
  expect_only(p, DicomAnomaly::kPctxSeveralTransferSyntaxes, 99);
  EXPECT_EQ(p.pdu->ac_contexts[0].transfer_syntax, kExplicitLe);
}

TEST(AssocAnomaly, PctxTooManyTransferSyntaxes) {
  Bytes body = cat({assoc_fixed("PACS", "CT"), kApp});
  for (int id = 1; id <= 255; id += 2) {
    body = cat({body, pctx_rq(static_cast<std::uint8_t>(id), kCtImage,
                              {kExplicitLe, kImplicitLe, "1.2.840.10008.1.2.2",
                               "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.70"})});
  }
  const Parsed p = rq(pdu(0x01, cat({body, dcmtk_user_info()})));
  EXPECT_EQ(p.status, ParseStatus::kOk);
  ASSERT_EQ(p.anomalies().size(), 1u);
  EXPECT_EQ(p.anomalies()[0].reason, DicomAnomaly::kPctxTooManyTransferSyntaxes);
  EXPECT_EQ(p.pdu->transfer_syntaxes.size(), kMaxProposedTransferSyntaxes);
  // 512 = 102 full contexts and 2 of the 103rd.
  EXPECT_EQ(p.pdu->rq_contexts[101].transfer_syntax_count, 5);
  EXPECT_EQ(p.pdu->rq_contexts[102].transfer_syntax_count, 2);
  EXPECT_EQ(p.pdu->rq_contexts[102].transfer_syntaxes_seen, 5);
  EXPECT_EQ(p.pdu->rq_contexts[127].transfer_syntax_count, 0);
  EXPECT_EQ(p.pdu->transfer_syntaxes_of(p.pdu->rq_contexts[102])[1], kImplicitLe);
}

TEST(AssocAnomaly, PctxBadResult) {
  const Parsed p = ac(ac_with(item(0x21, cat({hex("01 00 05 00"), uid_item(0x40, kImplicitLe)}))));
  expect_only(p, DicomAnomaly::kPctxBadResult, 99);
  EXPECT_EQ(p.pdu->ac_contexts[0].result, 5);
}

TEST(AssocAnomaly, AeNonPrintable) {
  Bytes b = echoscu_rq();
  b[26 + 7] = std::byte{0x00};  // ECHOSCU followed by a NUL instead of a space
  const Parsed p = rq(b);
  expect_only(p, DicomAnomaly::kAeNonPrintable, 26);
  EXPECT_TRUE(p.pdu->calling_ae.non_printable);
  EXPECT_EQ(p.pdu->calling_ae.raw.size(), 16u);
  EXPECT_EQ(p.pdu->calling_ae.raw[7], '\0');
}

TEST(AssocAnomaly, AeEmpty) {
  const Parsed p = rq(associate_rq({kApp, kEcho, dcmtk_user_info()}, "", "ECHOSCU"));
  expect_only(p, DicomAnomaly::kAeEmpty, 10);
  EXPECT_EQ(p.pdu->called_ae.trimmed, "");
}

TEST(AssocAnomaly, AcceptanceAeFieldsAreNotTested) {
  const Parsed p =
      ac(pdu(0x02, cat({assoc_fixed("", "X\x01"), kApp,
                        item(0x21, cat({hex("01 00 00 00"), uid_item(0x40, kImplicitLe)})),
                        dcmtk_user_info()})));
  EXPECT_EQ(p.status, ParseStatus::kOk);
  EXPECT_TRUE(p.anomalies().empty());
  EXPECT_TRUE(p.pdu->calling_ae.non_printable);
}

TEST(AssocAnomaly, UidInvalid) {
  const Parsed p =
      rq(associate_rq({kApp, pctx_rq(1, "1.2.840.10008.1.01", {kImplicitLe}), dcmtk_user_info()}));
  expect_only(p, DicomAnomaly::kUidInvalid, 99 + 8 + 4);
  EXPECT_EQ(p.pdu->rq_contexts[0].abstract_syntax, "1.2.840.10008.1.01");
}

TEST(UidCheck, Rules) {
  EXPECT_TRUE(is_valid_uid("1.2.840.10008.1.2"));
  EXPECT_TRUE(is_valid_uid("0"));
  EXPECT_TRUE(is_valid_uid("1.0.3"));
  EXPECT_TRUE(is_valid_uid(std::string(64, '1')));
  EXPECT_FALSE(is_valid_uid(std::string(65, '1')));
  EXPECT_FALSE(is_valid_uid(""));
  EXPECT_FALSE(is_valid_uid("1..2"));
  EXPECT_FALSE(is_valid_uid(".1.2"));
  EXPECT_FALSE(is_valid_uid("1.2."));
  EXPECT_FALSE(is_valid_uid("1.02"));
  EXPECT_FALSE(is_valid_uid("1.2a"));
  EXPECT_FALSE(is_valid_uid("1.2 "));
  const Bytes padded = cat({text("1.2"), hex("00 00")});
  EXPECT_EQ(uid_chars(view(padded)), "1.2");
}

// PS3.5 §9.1 spelled out the slow way, character by character, as the check's oracle.
bool reference_uid_check(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = uid.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? uid.size() : dot;
    const std::string_view part = uid.substr(start, end - start);
    if (part.empty()) return false;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    if (part.size() > 1 && part[0] == '0') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Every string of up to 66 characters drawn from the characters that matter (digits, zero,
// dot, a letter, a space, NUL, a byte above 0x7F), at every length: 200,000 random ones plus
// each rule at each position of a 64-character UID.
TEST(UidCheck, AgreesWithTheReferenceOnRandomStrings) {
  constexpr char kAlphabet[] = {'0', '1', '9', '.', '.', '5', 'a', ' ', '\0', '\x80', '/', ':'};
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t valid = 0;
  for (int i = 0; i < 200'000; ++i) {
    const std::size_t length = next() % 67;
    std::string uid(length, '1');
    // Mostly digits, so that long valid UIDs come up as often as broken ones.
    for (char& c : uid) c = next() % 3 == 0 ? kAlphabet[next() % sizeof(kAlphabet)] : '1';
    const bool expected = reference_uid_check(uid);
    valid += expected ? 1 : 0;
    ASSERT_EQ(is_valid_uid(uid), expected) << '"' << uid << '"';
  }
  EXPECT_GT(valid, 1'000u);  // the sample holds valid UIDs of many lengths, not only broken ones
  for (std::size_t at = 0; at < 64; ++at) {
    for (char c : kAlphabet) {
      std::string uid(64, '7');
      uid[at] = c;
      ASSERT_EQ(is_valid_uid(uid), reference_uid_check(uid)) << at << ' ' << int(c);
      if (at + 1 < 64) {
        uid[at + 1] = '0';
        ASSERT_EQ(is_valid_uid(uid), reference_uid_check(uid)) << at << ' ' << int(c);
      }
    }
  }
}

// Every 16-byte AE title field drawn from spaces, letters, NUL, DEL, a control byte and a
// byte above 0x7F: raw, trimmed and non_printable as the spelled-out rules give them.
TEST(AeTitleCheck, AgreesWithTheReferenceOnRandomFields) {
  constexpr char kAlphabet[] = {' ', ' ', ' ', 'A', 'z', '_', '\0', '\x7f', '\x1f', '\x80'};
  std::uint64_t state = 0x2545f4914f6cdd1dull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t blank = 0, clean = 0;
  for (int i = 0; i < 100'000; ++i) {
    std::string field(kAeTitleFieldLength, ' ');
    for (char& c : field) c = next() % 2 == 0 ? kAlphabet[next() % sizeof(kAlphabet)] : ' ';
    AeTitle ae;
    take_ae_title({reinterpret_cast<const std::byte*>(field.data()), field.size()}, ae);
    bool non_printable = false;
    for (char c : field) non_printable |= c < 0x20 || c > 0x7e;
    const std::size_t first = field.find_first_not_of(' ');
    const std::size_t last = field.find_last_not_of(' ');
    const std::string trimmed =
        first == std::string::npos ? "" : field.substr(first, last - first + 1);
    ASSERT_EQ(ae.raw, field);
    ASSERT_EQ(ae.trimmed, trimmed) << '"' << field << '"';
    ASSERT_EQ(ae.non_printable, non_printable) << '"' << field << '"';
    blank += trimmed.empty() ? 1 : 0;
    clean += non_printable ? 0 : 1;
  }
  EXPECT_GT(blank, 10u);    // all-space fields came up
  EXPECT_GT(clean, 1'000u);  // and printable ones
}

TEST(AssocAnomaly, UserInfoNoMaxLength) {
  expect_only(rq(associate_rq({kApp, kEcho, ui_with(kImpl)})), DicomAnomaly::kUserInfoNoMaxLength,
              kAfterEcho + 4 + 31);
}

TEST(AssocAnomaly, UserInfoNoImplementationUid) {
  expect_only(rq(associate_rq({kApp, kEcho, ui_with(kMaxLen)})),
              DicomAnomaly::kUserInfoNoImplementationUid, kAfterEcho + 4 + 8);
}

TEST(AssocAnomaly, UserInfoBadVersionName) {
  const Parsed p = rq(rq_with_user_sub_item(item(0x55, text("SEVENTEEN_CHARS_X"))));
  expect_only(p, DicomAnomaly::kUserInfoBadVersionName, kAfterEcho + 4 + 8 + 31);
  EXPECT_EQ(p.pdu->user_info.implementation_version_name, "SEVENTEEN_CHARS_X");
}

TEST(AssocAnomaly, RoleBadValue) {
  const Parsed p =
      rq(rq_with_user_sub_item(cat({hex("54 00 00 1d  00 19"), text(kCtImage), hex("01 02")})));
  expect_only(p, DicomAnomaly::kRoleBadValue, kAfterEcho + 4 + 8 + 31);
  EXPECT_EQ(p.pdu->user_info.roles[0].scp_role, 2);
}

TEST(AssocAnomaly, UserIdentityBadType) {
  const Parsed p =
      rq(rq_with_user_sub_item(cat({hex("58 00 00 0a  06 00 00 04"), text("USER"), hex("00 00")})));
  expect_only(p, DicomAnomaly::kUserIdentityBadType, kAfterEcho + 4 + 8 + 31);
  EXPECT_EQ(p.pdu->user_info.user_identity_rq.username, "");  // unknown type: not kept
  EXPECT_EQ(user_identity_type_text(6), "unknown");
}

TEST(AssocAnomaly, UserIdentityEmptyPrimary) {
  expect_only(rq(rq_with_user_sub_item(hex("58 00 00 06  01 00 00 00 00 00"))),
              DicomAnomaly::kUserIdentityEmptyPrimary, kAfterEcho + 4 + 8 + 31);
}

TEST(AssocAnomaly, UserIdentityBadSecondary) {
  // A passcode with type 1, and type 2 without one.
  expect_only(rq(rq_with_user_sub_item(
                  cat({hex("58 00 00 0c  01 00 00 04"), text("USER"), hex("00 02 70 77")}))),
              DicomAnomaly::kUserIdentityBadSecondary, kAfterEcho + 4 + 8 + 31);
  expect_only(
      rq(rq_with_user_sub_item(cat({hex("58 00 00 0a  02 00 00 04"), text("USER"), hex("00 00")}))),
      DicomAnomaly::kUserIdentityBadSecondary, kAfterEcho + 4 + 8 + 31);
}

TEST(AssocAnomaly, UserIdentityFieldsMustFillTheSubItem) {
  // Primary length 5 with only 4 bytes before the secondary length field.
  expect_only(
      rq(rq_with_user_sub_item(cat({hex("58 00 00 0a  01 00 00 05"), text("USER"), hex("00 00")}))),
      DicomAnomaly::kItemLengthMismatch, kAfterEcho + 4 + 8 + 31);
}

TEST(AssocAnomaly, UserIdentityAcInARequestIsUnexpected) {
  expect_only(rq(rq_with_user_sub_item(hex("59 00 00 02  00 00"))), DicomAnomaly::kItemUnknownType,
              kAfterEcho + 4 + 8 + 31);
}

TEST(AssocAnomaly, HostileUserInfoCostsCountersNotMemory) {
  Bytes subs = cat({kMaxLen, kImpl});
  for (int i = 0; i < 300; ++i) subs = cat({subs, item(0x5f, {})});
  const Parsed p = rq(associate_rq({kApp, kEcho, ui_with(subs)}));
  EXPECT_EQ(p.status, ParseStatus::kOk);
  EXPECT_EQ(p.anomalies().size(), AnomalyList::kCapacity);
  EXPECT_EQ(p.anomalies().dropped(), 300u - AnomalyList::kCapacity);
  EXPECT_EQ(p.pdu->user_info.unknown_sub_items, 300);
}

}  // namespace
}  // namespace dicomsentry::dicom
