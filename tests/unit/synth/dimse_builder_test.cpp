// DIMSE builders: command sets equal DCMTK's bytes and parse back through parse_command_set with
// every field exact; data sets have the PS3.5 encoding byte for byte.
#include "dimse_builder.hpp"

#include <list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../dicom/pdu_test_bytes.hpp"
#include "dicom/dimse_command.hpp"

namespace dicomsentry::synth {
namespace {

using dicom::CommandField;
using dicom::DimseCommand;
using dicom::testing::hex;

// A DimseCommand holds views into the bytes it was parsed from: keep them for the test.
DimseCommand parse(const CommandSpec& spec) {
  static std::list<Bytes> kept;
  kept.push_back(command_set(spec));
  const DimseCommand c = dicom::parse_command_set(kept.back());
  EXPECT_EQ(c.anomaly_count, 0) << (c.anomaly_count ? static_cast<int>(c.anomalies[0].kind) : -1);
  EXPECT_FALSE(c.stopped);
  EXPECT_EQ(c.group_length, kept.back().size() - 12);
  return c;
}

TEST(CommandSetBuilder, CStoreRqEqualsStorescusBytes) {
  // storescu (DCMTK 3.6.7) → Orthanc, pcaps/orthanc_find_move_get.pcap, message 4.
  const Bytes dcmtk = hex(
      "00000000 04000000 82000000"
      "00000200 1e000000 312e322e3834302e31303030382e352e312e342e312e312e3438312e3500"
      "00000001 02000000 0100  00001001 02000000 0400  00000007 02000000 0000"
      "00000008 02000000 0100"
      "00000010 2c000000 "
      "322e32352e323135313637393435333839373239393433343934353731303933383234323538353430333435");
  EXPECT_EQ(command_set(c_store_rq("1.2.840.10008.5.1.4.1.1.481.5",
                                   "2.25.215167945389729943494571093824258540345", 4)),
            dcmtk);
}

TEST(CommandSetBuilder, CStoreRspEqualsOrthancsBytes) {
  const Bytes dcmtk = hex(
      "00000000 04000000 7e000000"
      "00000200 1a000000 312e322e3834302e31303030382e352e312e342e312e312e3400"
      "00000001 02000000 0180  00002001 02000000 0100  00000008 02000000 0101"
      "00000009 02000000 0000"
      "00000010 2c000000 "
      "322e32352e323338353935353938373933393034363933303437393534333433323031323731343137303935");
  EXPECT_EQ(command_set(c_store_rsp(uids::kMrImageStorage,
                                    "2.25.238595598793904693047954343201271417095", 1)),
            dcmtk);
}

TEST(CommandSetBuilder, CFindHasOrthancsGroupLengths) {
  // Orthanc's findscu exchange: both the request and a pending response have group length 76.
  const DimseCommand rq = parse(c_find_rq(uids::kPatientRootFind, 1));
  EXPECT_EQ(rq.group_length, 76u);
  EXPECT_EQ(rq.command, CommandField::kCFindRq);
  EXPECT_EQ(rq.affected_sop_class_uid, uids::kPatientRootFind);
  EXPECT_EQ(rq.message_id, 1);
  EXPECT_EQ(rq.priority, 0);
  EXPECT_EQ(rq.data_set_type, kDataSetPresent);
  const DimseCommand pending = parse(c_find_rsp(uids::kPatientRootFind, 1, status::kPending));
  EXPECT_EQ(pending.group_length, 76u);
  EXPECT_EQ(pending.command, CommandField::kCFindRsp);
  EXPECT_EQ(pending.message_id_being_responded_to, 1);
  EXPECT_EQ(pending.status, 0xFF00);
  EXPECT_TRUE(pending.has_data_set());
  const DimseCommand final = parse(c_find_rsp(uids::kPatientRootFind, 1, status::kSuccess));
  EXPECT_EQ(final.status, 0);
  EXPECT_FALSE(final.has_data_set());
  EXPECT_EQ(final.data_set_type, kDataSetAbsent);
}

TEST(CommandSetBuilder, EchoParsesBack) {
  const DimseCommand rq = parse(c_echo_rq(9));
  EXPECT_EQ(rq.command, CommandField::kCEchoRq);
  EXPECT_EQ(rq.affected_sop_class_uid, uids::kVerification);
  EXPECT_EQ(rq.message_id, 9);
  EXPECT_FALSE(rq.has_data_set());
  EXPECT_EQ(rq.group_length, 56u);  // (0002) 8+18, (0100) (0110) (0800) 10 each
  const DimseCommand rsp = parse(c_echo_rsp(9, 0x0122));
  EXPECT_EQ(rsp.command, CommandField::kCEchoRsp);
  EXPECT_EQ(rsp.message_id_being_responded_to, 9);
  EXPECT_EQ(rsp.status, 0x0122);
}

TEST(CommandSetBuilder, MoveAndGetWithSubOperations) {
  const DimseCommand rq = parse(c_move_rq(uids::kStudyRootMove, 3, "ARCHIVE", 2));
  EXPECT_EQ(rq.command, CommandField::kCMoveRq);
  EXPECT_EQ(rq.move_destination, "ARCHIVE");  // sent as "ARCHIVE " (even length)
  EXPECT_EQ(rq.priority, 2);
  EXPECT_TRUE(rq.has_data_set());

  const DimseCommand pending =
      parse(c_move_rsp(uids::kStudyRootMove, 3, status::kPending, {5, 2, 1, 0}));
  EXPECT_EQ(pending.command, CommandField::kCMoveRsp);
  EXPECT_TRUE(pending.has_field(DimseCommand::kHasRemainingSubOperations));
  EXPECT_EQ(pending.remaining_sub_operations, 5);
  EXPECT_EQ(pending.completed_sub_operations, 2);
  EXPECT_EQ(pending.failed_sub_operations, 1);
  EXPECT_EQ(pending.warning_sub_operations, 0);
  EXPECT_FALSE(pending.has_data_set());

  const DimseCommand done =
      parse(c_get_rsp(uids::kStudyRootGet, 4, status::kSubOperationsWarning, {0, 7, 1, 2}));
  EXPECT_EQ(done.command, CommandField::kCGetRsp);
  EXPECT_FALSE(done.has_field(DimseCommand::kHasRemainingSubOperations));
  EXPECT_EQ(done.completed_sub_operations, 7);
  EXPECT_EQ(done.warning_sub_operations, 2);
  EXPECT_EQ(done.status, 0xB000);

  const DimseCommand get = parse(c_get_rq(uids::kStudyRootGet, 4));
  EXPECT_EQ(get.command, CommandField::kCGetRq);
  EXPECT_TRUE(get.has_data_set());
  const DimseCommand cancel = parse(c_cancel_rq(4));
  EXPECT_EQ(cancel.command, CommandField::kCCancelRq);
  EXPECT_EQ(cancel.message_id_being_responded_to, 4);
}

TEST(CommandSetBuilder, FailureResponseFieldsAndNServices) {
  CommandSpec failure = c_store_rsp(uids::kCtImageStorage, "1.2.3.4", 12, status::kOutOfResources);
  failure.error_comment = "disk full";
  failure.offending_elements = {0x00100010, 0x7FE00010};
  failure.error_id = 0x0101;
  const DimseCommand f = parse(failure);
  EXPECT_EQ(f.error_comment, "disk full");  // padded to "disk full " on the wire
  ASSERT_EQ(f.offending_element.size(), 2u);
  EXPECT_EQ(f.offending_element.at(0), 0x00100010u);
  EXPECT_EQ(f.offending_element.at(1), 0x7FE00010u);
  EXPECT_EQ(f.error_id, 0x0101);
  EXPECT_EQ(f.status, 0xA700);

  const DimseCommand action =
      parse(n_action_rq(uids::kStorageCommitment, "1.2.840.10008.1.20.1.1", 21, 1));
  EXPECT_EQ(action.command, CommandField::kNActionRq);
  EXPECT_EQ(action.requested_sop_class_uid, uids::kStorageCommitment);
  EXPECT_EQ(action.requested_sop_instance_uid, "1.2.840.10008.1.20.1.1");
  EXPECT_EQ(action.action_type_id, 1);
  const DimseCommand report =
      parse(n_event_report_rq(uids::kStorageCommitment, "1.2.840.10008.1.20.1.1", 22, 2));
  EXPECT_EQ(report.command, CommandField::kNEventReportRq);
  EXPECT_EQ(report.affected_sop_instance_uid, "1.2.840.10008.1.20.1.1");
  EXPECT_EQ(report.event_type_id, 2);

  CommandSpec store = c_store_rq(uids::kCtImageStorage, "1.2.3", 30);
  store.move_originator_ae_title = "MOVESCU";
  store.move_originator_message_id = 3;
  const DimseCommand sub = parse(store);
  EXPECT_EQ(sub.move_originator_ae_title, "MOVESCU");
  EXPECT_EQ(sub.move_originator_message_id, 3);
}

// An explicit VR little endian element as written: tag, VR, length, value.
struct Element {
  std::uint32_t tag = 0;
  std::string vr;
  std::uint32_t length = 0;
  Bytes value;
};

// An independent walk of explicit VR little endian: short VRs have a 2-byte length, the long
// ones 2 reserved bytes and a 4-byte length. Stops at a value that runs past the bytes.
std::vector<Element> walk_explicit(const Bytes& b) {
  std::vector<Element> out;
  std::size_t at = 0;
  while (at + 8 <= b.size()) {
    Element e;
    e.tag = (std::uint32_t{load_le16(&b[at])} << 16) | load_le16(&b[at + 2]);
    e.vr = {static_cast<char>(b[at + 4]), static_cast<char>(b[at + 5])};
    const bool long_vr = e.vr == "OB" || e.vr == "OW" || e.vr == "SQ" || e.vr == "UN";
    e.length = long_vr ? load_le32(&b[at + 8]) : load_le16(&b[at + 6]);
    at += long_vr ? 12 : 8;
    const std::size_t n = std::min<std::size_t>(e.length, b.size() - at);
    e.value.assign(b.begin() + static_cast<std::ptrdiff_t>(at),
                   b.begin() + static_cast<std::ptrdiff_t>(at + n));
    out.push_back(e);
    at += n;
  }
  return out;
}

std::string text(const Bytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(DataSetBuilder, ImageHeadIsExplicitLittleEndianInTagOrder) {
  ImageSpec image;
  image.rows = 256;
  image.columns = 128;
  const Bytes head = image_head(image);
  const std::vector<Element> e = walk_explicit(head);
  ASSERT_EQ(e.size(), 19u);
  for (std::size_t i = 1; i < e.size(); ++i) EXPECT_LT(e[i - 1].tag, e[i].tag);
  for (const Element& x : e) EXPECT_EQ(x.length % 2, 0u) << std::hex << x.tag;
  EXPECT_EQ(e[0].tag, 0x00080005u);
  EXPECT_EQ(text(e[0].value), "ISO_IR 100");
  EXPECT_EQ(e[1].tag, 0x00080016u);
  EXPECT_EQ(e[1].vr, "UI");
  EXPECT_EQ(text(e[1].value), std::string("1.2.840.10008.5.1.4.1.1.2\0", 26));
  EXPECT_EQ(text(e[2].value), "1.2.826.0.1.3680043.9.7433.1.1");
  EXPECT_EQ(text(e[4].value), "CT");
  EXPECT_EQ(e[5].vr, "PN");
  EXPECT_EQ(text(e[5].value), "DOE^JANE");
  EXPECT_EQ(e[9].tag, 0x00200013u);
  EXPECT_EQ(text(e[9].value), "1 ");  // IS padded with a space
  EXPECT_EQ(e[12].tag, 0x00280010u);
  EXPECT_EQ(e[12].value, hex("00 01"));  // rows 256
  EXPECT_EQ(e[13].value, hex("80 00"));  // columns 128
  EXPECT_EQ(e[18].tag, 0x7FE00010u);
  EXPECT_EQ(e[18].vr, "OW");
  EXPECT_EQ(e[18].length, 256u * 128 * 2);
  EXPECT_TRUE(e[18].value.empty());  // the head ends with the pixel data header
  EXPECT_EQ(image.pixel_length(), 65536u);

  const Bytes whole = image_data_set(image);
  ASSERT_EQ(whole.size(), head.size() + 65536);
  EXPECT_TRUE(std::equal(head.begin(), head.end(), whole.begin()));
  // Sample k = 7k mod 2048, little endian.
  EXPECT_EQ(Bytes(whole.begin() + static_cast<std::ptrdiff_t>(head.size()),
                  whole.begin() + static_cast<std::ptrdiff_t>(head.size()) + 6),
            hex("00 00 07 00 0e 00"));
  const auto pixels = whole.begin() + static_cast<std::ptrdiff_t>(head.size());
  // Samples 292 and 293: 2044, then 2051 mod 2048 = 3.
  EXPECT_EQ(Bytes(pixels + 2 * 292, pixels + 2 * 292 + 4), hex("fc 07 03 00"));
  for (std::size_t from : {1u, 4095u, 4096u, 8190u, 30000u}) {
    Bytes piece(5000);
    fill_pixels(from, piece);  // pieces across the period give the same bytes
    EXPECT_TRUE(std::equal(piece.begin(), piece.end(), pixels + static_cast<std::ptrdiff_t>(from)))
        << from;
  }
}

TEST(DataSetBuilder, OddPixelCountIsPaddedAndObIsAvailable) {
  ImageSpec image;
  image.pixel_bytes = 1001;
  image.pixel_data_ob = true;
  EXPECT_EQ(image.pixel_length(), 1002u);
  const std::vector<Element> e = walk_explicit(image_head(image));
  EXPECT_EQ(e.back().vr, "OB");
  EXPECT_EQ(e.back().length, 1002u);
  EXPECT_EQ(image_data_set(image).size(), image_head(image).size() + 1002);
}

TEST(DataSetBuilder, IdentifierInBothEncodings) {
  QuerySpec q;
  q.keys = {{0x00100010, "PN", "DOE*"}, {0x0020000D, "UI", ""}, {0x00080020, "DA", ""}};
  EXPECT_EQ(identifier(q), hex("08002000 4441 0000"
                               "08005200 4353 0600 535455445920"
                               "10001000 504e 0400 444f452a"
                               "20000d00 5549 0000"));
  q.encoding = VrEncoding::kImplicitLittle;
  q.level = "PATIENT";
  EXPECT_EQ(identifier(q), hex("08002000 00000000"
                               "08005200 08000000 50415449454e5420"
                               "10001000 04000000 444f452a"
                               "20000d00 00000000"));
}

TEST(DataSetBuilder, SequencesAndUidsTakeTheirPadding) {
  const std::vector<DataElement> elements = {{0x00081150, "UI", "1.2.3"}, {0x00081199, "SQ", ""}};
  EXPECT_EQ(encode_data_set(elements, VrEncoding::kExplicitLittle),
            hex("08005011 5549 0600 312e322e3300"
                "08009911 5351 0000 00000000"));
}

}  // namespace
}  // namespace dicomsentry::synth
