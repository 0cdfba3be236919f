// DIMSE command-set anomalies: one test per DimseAnomaly, each asserting the only one named.
#include <string>

#include <gtest/gtest.h>

#include "dicom/dimse_command.hpp"
#include "dicom/dimse_names.hpp"
#include "dimse_test_util.hpp"

namespace dicomsentry::dicom {
namespace {

using test::c_store_rq;
using test::CommandBuilder;

using test::parse;

// The only anomaly is `kind`, at `tag`.
void expect_only(const DimseCommand& c, DimseAnomaly kind, std::uint32_t tag) {
  ASSERT_EQ(c.anomaly_count, 1) << dimse_anomaly_name(c.anomalies[0].kind);
  EXPECT_EQ(c.anomalies[0].kind, kind) << dimse_anomaly_name(c.anomalies[0].kind);
  EXPECT_EQ(c.anomalies[0].tag, tag);
}

TEST(DimseAnomalies, Empty) {
  const DimseCommand c = parse_command_set({});
  expect_only(c, DimseAnomaly::kEmpty, 0);
  EXPECT_TRUE(c.stopped);
}

TEST(DimseAnomalies, TruncatedHeader) {
  auto bytes = c_store_rq().build();
  bytes.resize(bytes.size() + 3);  // three stray bytes after the last element
  const DimseCommand c = parse(bytes);
  ASSERT_GE(c.anomaly_count, 1);
  EXPECT_EQ(c.anomalies[0].kind, DimseAnomaly::kGroupLengthMismatch);
  EXPECT_TRUE(c.has_anomaly(DimseAnomaly::kTruncatedHeader));
  EXPECT_EQ(c.anomaly_count, 2);
  EXPECT_EQ(c.anomalies[1].offset, bytes.size() - 3);
  EXPECT_EQ(c.affected_sop_instance_uid, "1.2.3.4.5.6.7");
}

TEST(DimseAnomalies, GroupLengthMissing) {
  const DimseCommand c = parse(c_store_rq().build_bare());
  expect_only(c, DimseAnomaly::kGroupLengthMissing, 0x00000002);
  EXPECT_EQ(c.command, CommandField::kCStoreRq);
}

TEST(DimseAnomalies, GroupLengthMismatch) {
  const auto good = c_store_rq().build();
  const DimseCommand c = parse(c_store_rq().build_with_group_length(good.size() - 12 + 2));
  expect_only(c, DimseAnomaly::kGroupLengthMismatch, 0);
  EXPECT_EQ(c.group_length, good.size() - 10);
  EXPECT_EQ(c.message_id, 7);
}

TEST(DimseAnomalies, NotCommandGroup) {
  const DimseCommand c = parse(c_store_rq().raw(0x0008, 0x0016, {'1', 0}).build());
  expect_only(c, DimseAnomaly::kNotCommandGroup, 0x00080016);
}

TEST(DimseAnomalies, LengthOverrun) {
  auto b = c_store_rq();
  b.header(0, 0x1030, 100).raw(0, 0, {});  // claims 100 bytes, 8 follow
  const DimseCommand c = parse(b.build());
  expect_only(c, DimseAnomaly::kLengthOverrun, 0x00001030);
  EXPECT_TRUE(c.stopped);
  EXPECT_EQ(c.command, CommandField::kCStoreRq);
}

TEST(DimseAnomalies, UndefinedLength) {
  auto b = c_store_rq();
  b.header(0, 0x1030, 0xFFFFFFFF);
  const DimseCommand c = parse(b.build());
  expect_only(c, DimseAnomaly::kUndefinedLength, 0x00001030);
  EXPECT_TRUE(c.stopped);
}

TEST(DimseAnomalies, OddLength) {
  const DimseCommand c = parse(c_store_rq().raw(0, 0x1030, {'A', 'B', 'C'}).build());
  expect_only(c, DimseAnomaly::kOddLength, 0x00001030);
  EXPECT_EQ(c.move_originator_ae_title, "ABC");
}

TEST(DimseAnomalies, BadValueLengthUs) {
  CommandBuilder b;
  b.ui(0x0002, test::kCtImageStorage)
      .us(0x0100, 0x0001)
      .raw(0, 0x0110, {7, 0, 0, 0})
      .us(0x0700, 0)
      .us(0x0800, 0)
      .ui(0x1000, test::kInstance);
  const DimseCommand c = parse(b.build());
  ASSERT_EQ(c.anomaly_count, 2);
  EXPECT_EQ(c.anomalies[0].kind, DimseAnomaly::kBadValueLength);
  EXPECT_EQ(c.anomalies[0].tag, 0x0110u);
  EXPECT_EQ(c.anomalies[1].kind, DimseAnomaly::kMissingMessageId);  // the bad value is not kept
}

TEST(DimseAnomalies, BadValueLengthGroupLength) {
  CommandBuilder b;
  b.ui(0x0002, test::kVerification).us(0x0100, 0x0030).us(0x0110, 1).us(0x0800, 0x0101);
  auto bytes = b.build_bare();
  const std::vector<std::byte> head = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                       std::byte{2}, std::byte{0}, std::byte{0}, std::byte{0},
                                       std::byte{0}, std::byte{0}};
  bytes.insert(bytes.begin(), head.begin(), head.end());
  const DimseCommand c = parse(bytes);
  expect_only(c, DimseAnomaly::kBadValueLength, 0);
  EXPECT_FALSE(c.has_field(DimseCommand::kHasGroupLength));
}

TEST(DimseAnomalies, BadValueLengthTagList) {
  const DimseCommand c = parse(c_store_rq().raw(0, 0x1005, {0x10, 0, 0x10, 0, 0, 0}).build());
  expect_only(c, DimseAnomaly::kBadValueLength, 0x1005);
}

TEST(DimseAnomalies, ValueTooLongUid) {
  CommandBuilder b;
  const std::string long_uid(66, '1');
  b.ui(0x0002, long_uid).us(0x0100, 0x0030).us(0x0110, 1).us(0x0800, 0x0101);
  const DimseCommand c = parse(b.build());
  expect_only(c, DimseAnomaly::kValueTooLong, 0x0002);
  EXPECT_EQ(c.affected_sop_class_uid.size(), 66u);
}

TEST(DimseAnomalies, ValueTooLongAe) {
  const DimseCommand c = parse(c_store_rq().ae(0x1030, "ABCDEFGHIJKLMNOPQR").build());
  expect_only(c, DimseAnomaly::kValueTooLong, 0x1030);
}

TEST(DimseAnomalies, OutOfOrder) {
  CommandBuilder b;
  b.ui(0x0002, test::kCtImageStorage)
      .us(0x0110, 7)
      .us(0x0100, 0x0001)
      .us(0x0700, 0)
      .us(0x0800, 0)
      .ui(0x1000, test::kInstance);
  const DimseCommand c = parse(b.build());
  expect_only(c, DimseAnomaly::kOutOfOrder, 0x0100);
  EXPECT_EQ(c.command, CommandField::kCStoreRq);  // still read
}

TEST(DimseAnomalies, DuplicateTagAdjacent) {
  CommandBuilder b;
  b.ui(0x0002, test::kCtImageStorage)
      .us(0x0100, 0x0001)
      .us(0x0110, 7)
      .us(0x0110, 8)
      .us(0x0700, 0)
      .us(0x0800, 0)
      .ui(0x1000, test::kInstance);
  const DimseCommand c = parse(b.build());
  expect_only(c, DimseAnomaly::kDuplicateTag, 0x0110);
  EXPECT_EQ(c.message_id, 7);  // the first value stands
}

TEST(DimseAnomalies, DuplicateTagOutOfOrder) {
  const DimseCommand c = parse(c_store_rq().us(0x0110, 9).build());
  ASSERT_EQ(c.anomaly_count, 2);
  EXPECT_EQ(c.anomalies[0].kind, DimseAnomaly::kOutOfOrder);
  EXPECT_EQ(c.anomalies[1].kind, DimseAnomaly::kDuplicateTag);
  EXPECT_EQ(c.message_id, 7);
}

TEST(DimseAnomalies, UnknownCommandField) {
  CommandBuilder b;
  b.us(0x0100, 0x0002).us(0x0110, 1).us(0x0800, 0x0101);
  const DimseCommand c = parse(b.build());
  expect_only(c, DimseAnomaly::kUnknownCommandField, 0x0100);
  EXPECT_EQ(c.command, CommandField::kUnknown);
  EXPECT_EQ(c.command_field_raw, 0x0002);
}

TEST(DimseAnomalies, CancelHasNoResponse) {
  CommandBuilder b;
  b.us(0x0100, 0x8FFF).us(0x0120, 1).us(0x0800, 0x0101);
  expect_only(parse(b.build()), DimseAnomaly::kUnknownCommandField, 0x0100);
}

TEST(DimseAnomalies, MissingCommandField) {
  CommandBuilder b;
  b.us(0x0110, 1).us(0x0800, 0x0101);
  expect_only(parse(b.build()), DimseAnomaly::kMissingCommandField, 0x0100);
}

TEST(DimseAnomalies, MissingMessageId) {
  CommandBuilder b;
  b.ui(0x0002, test::kVerification).us(0x0100, 0x0030).us(0x0800, 0x0101);
  expect_only(parse(b.build()), DimseAnomaly::kMissingMessageId, 0x0110);
}

TEST(DimseAnomalies, MissingMessageIdBeingRespondedTo) {
  CommandBuilder b;
  b.us(0x0100, 0x8030).us(0x0800, 0x0101).us(0x0900, 0);
  expect_only(parse(b.build()), DimseAnomaly::kMissingMessageIdBeingRespondedTo, 0x0120);
}

TEST(DimseAnomalies, MissingDataSetType) {
  CommandBuilder b;
  b.ui(0x0002, test::kVerification).us(0x0100, 0x0030).us(0x0110, 1);
  expect_only(parse(b.build()), DimseAnomaly::kMissingDataSetType, 0x0800);
}

TEST(DimseAnomalies, MissingStatus) {
  CommandBuilder b;
  b.us(0x0100, 0x8030).us(0x0120, 1).us(0x0800, 0x0101);
  expect_only(parse(b.build()), DimseAnomaly::kMissingStatus, 0x0900);
}

TEST(DimseAnomalies, MissingPriority) {
  CommandBuilder b;
  b.ui(0x0002, test::kStudyRootFind).us(0x0100, 0x0020).us(0x0110, 1).us(0x0800, 0);
  expect_only(parse(b.build()), DimseAnomaly::kMissingPriority, 0x0700);
}

TEST(DimseAnomalies, MissingAffectedSopClassUid) {
  CommandBuilder b;
  b.us(0x0100, 0x0030).us(0x0110, 1).us(0x0800, 0x0101);
  expect_only(parse(b.build()), DimseAnomaly::kMissingAffectedSopClassUid, 0x0002);
}

TEST(DimseAnomalies, MissingAffectedSopInstanceUid) {
  CommandBuilder b;
  b.ui(0x0002, test::kCtImageStorage).us(0x0100, 0x0001).us(0x0110, 7).us(0x0700, 0).us(0x0800, 0);
  expect_only(parse(b.build()), DimseAnomaly::kMissingAffectedSopInstanceUid, 0x1000);
}

TEST(DimseAnomalies, MissingRequestedSopClassUid) {
  CommandBuilder b;
  b.us(0x0100, 0x0150).us(0x0110, 1).us(0x0800, 0x0101).ui(0x1001, test::kInstance);
  expect_only(parse(b.build()), DimseAnomaly::kMissingRequestedSopClassUid, 0x0003);
}

TEST(DimseAnomalies, MissingRequestedSopInstanceUid) {
  CommandBuilder b;
  b.ui(0x0003, "1.2.840.10008.5.1.1.1").us(0x0100, 0x0150).us(0x0110, 1).us(0x0800, 0x0101);
  expect_only(parse(b.build()), DimseAnomaly::kMissingRequestedSopInstanceUid, 0x1001);
}

TEST(DimseAnomalies, MissingMoveDestination) {
  CommandBuilder b;
  b.ui(0x0002, test::kStudyRootMove).us(0x0100, 0x0021).us(0x0110, 3).us(0x0700, 0).us(0x0800, 0);
  expect_only(parse(b.build()), DimseAnomaly::kMissingMoveDestination, 0x0600);
}

TEST(DimseAnomalies, MissingEventTypeId) {
  CommandBuilder b;
  b.ui(0x0002, "1.2.840.10008.1.20.1")
      .us(0x0100, 0x0100)
      .us(0x0110, 4)
      .us(0x0800, 0x0101)
      .ui(0x1000, test::kInstance);
  expect_only(parse(b.build()), DimseAnomaly::kMissingEventTypeId, 0x1002);
}

TEST(DimseAnomalies, MissingActionTypeId) {
  CommandBuilder b;
  b.ui(0x0003, "1.2.840.10008.1.20.1")
      .us(0x0100, 0x0130)
      .us(0x0110, 5)
      .us(0x0800, 0x0101)
      .ui(0x1001, test::kInstance);
  expect_only(parse(b.build()), DimseAnomaly::kMissingActionTypeId, 0x1008);
}

TEST(DimseAnomalies, ListKeepsTheFirstEightAndCountsTheRest) {
  CommandBuilder b;
  for (std::uint16_t e = 0x2000; e < 0x200B; ++e) b.raw(0x0008, e, {0, 0});  // 11 foreign elements
  const DimseCommand c = parse(b.build());
  EXPECT_EQ(c.anomaly_count, DimseCommand::kMaxAnomalies);
  EXPECT_EQ(c.anomalies[7].tag, 0x00082007u);
  // 3 more foreign elements, then the command field is missing.
  EXPECT_EQ(c.anomalies_dropped, 4);
}

TEST(DimseAnomalies, EveryAnomalyHasADistinctName) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(DimseAnomaly::kCount); ++i) {
    const std::string_view name = dimse_anomaly_name(static_cast<DimseAnomaly>(i));
    EXPECT_EQ(name.substr(0, 6), "dimse.");
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_NE(name, dimse_anomaly_name(static_cast<DimseAnomaly>(j)));
    }
  }
  EXPECT_EQ(dimse_anomaly_name(DimseAnomaly::kMissingMessageId), "dimse.missing_message_id");
  EXPECT_EQ(dimse_anomaly_name(DimseAnomaly::kCount), "dimse.unknown");
}

}  // namespace
}  // namespace dicomsentry::dicom
