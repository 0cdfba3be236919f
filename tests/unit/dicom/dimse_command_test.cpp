// DIMSE command-set parsing: every field, each command's required elements, peek and plausibility.
#include <gtest/gtest.h>

#include "dicom/dimse_command.hpp"
#include "dicom/dimse_names.hpp"
#include "dimse_test_util.hpp"

namespace dicomsentry::dicom {
namespace {

using test::c_store_rq;
using test::CommandBuilder;

using test::parse;

TEST(DimseCommand, CStoreRequestFields) {
  const auto bytes = c_store_rq().ae(0x1030, "MOVER").us(0x1031, 99).build();
  const DimseCommand c = parse(bytes);
  EXPECT_EQ(c.anomaly_count, 0);
  EXPECT_FALSE(c.stopped);
  EXPECT_EQ(c.group_length, bytes.size() - 12);
  EXPECT_EQ(c.command, CommandField::kCStoreRq);
  EXPECT_EQ(c.command_field_raw, 0x0001);
  EXPECT_EQ(c.affected_sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");  // NUL pad trimmed
  EXPECT_EQ(c.affected_sop_instance_uid, "1.2.3.4.5.6.7");
  EXPECT_EQ(c.message_id, 7);
  EXPECT_EQ(c.priority, 0);
  EXPECT_EQ(c.data_set_type, 0);
  EXPECT_TRUE(c.has_data_set());
  EXPECT_EQ(c.move_originator_ae_title, "MOVER");  // space pad trimmed
  EXPECT_EQ(c.move_originator_message_id, 99);
  EXPECT_TRUE(c.has_field(DimseCommand::kHasMoveOriginatorAeTitle));
  EXPECT_FALSE(c.has_field(DimseCommand::kHasStatus));
  EXPECT_FALSE(c.has_field(DimseCommand::kHasRequestedSopClassUid));
}

TEST(DimseCommand, CStoreResponseWithWarningAndOffendingElements) {
  CommandBuilder b;
  b.ui(0x0002, test::kCtImageStorage)
      .us(0x0100, 0x8001)
      .us(0x0120, 7)
      .us(0x0800, 0x0101)
      .us(0x0900, 0xB000)
      .tags(0x0901, {0x00100010, 0x00100020})
      .text(0x0902, "coerced  ", ' ')
      .ui(0x1000, test::kInstance);
  const DimseCommand c = parse(b.build());
  EXPECT_EQ(c.anomaly_count, 0);
  EXPECT_EQ(c.command, CommandField::kCStoreRsp);
  EXPECT_EQ(c.message_id_being_responded_to, 7);
  EXPECT_FALSE(c.has_data_set());
  EXPECT_EQ(c.status, 0xB000);
  ASSERT_EQ(c.offending_element.size(), 2u);
  EXPECT_EQ(c.offending_element.at(0), 0x00100010u);
  EXPECT_EQ(c.offending_element.at(1), 0x00100020u);
  EXPECT_EQ(c.error_comment, "coerced");
}

TEST(DimseCommand, CMoveRequestAndResponse) {
  CommandBuilder rq;
  rq.ui(0x0002, test::kStudyRootMove)
      .us(0x0100, 0x0021)
      .us(0x0110, 3)
      .ae(0x0600, " ARCHIVE  ")
      .us(0x0700, 1)
      .us(0x0800, 0x0000);
  const DimseCommand r = parse(rq.build());
  EXPECT_EQ(r.anomaly_count, 0);
  EXPECT_EQ(r.command, CommandField::kCMoveRq);
  EXPECT_EQ(r.move_destination, "ARCHIVE");
  EXPECT_EQ(r.priority, 1);

  CommandBuilder rsp;
  rsp.ui(0x0002, test::kStudyRootMove)
      .us(0x0100, 0x8021)
      .us(0x0120, 3)
      .us(0x0800, 0x0101)
      .us(0x0900, 0xFF00)
      .us(0x1020, 10)
      .us(0x1021, 5)
      .us(0x1022, 2)
      .us(0x1023, 1);
  const DimseCommand s = parse(rsp.build());
  EXPECT_EQ(s.anomaly_count, 0);
  EXPECT_EQ(s.status, 0xFF00);
  EXPECT_EQ(s.remaining_sub_operations, 10);
  EXPECT_EQ(s.completed_sub_operations, 5);
  EXPECT_EQ(s.failed_sub_operations, 2);
  EXPECT_EQ(s.warning_sub_operations, 1);
}

TEST(DimseCommand, NormalisedServiceFields) {
  CommandBuilder event;
  event.ui(0x0002, "1.2.840.10008.1.20.1")
      .us(0x0100, 0x0100)
      .us(0x0110, 4)
      .us(0x0800, 0)
      .ui(0x1000, "1.2.840.10008.1.20.1.1")
      .us(0x1002, 2);
  const DimseCommand e = parse(event.build());
  EXPECT_EQ(e.anomaly_count, 0);
  EXPECT_EQ(e.command, CommandField::kNEventReportRq);
  EXPECT_EQ(e.event_type_id, 2);

  CommandBuilder action;
  action.ui(0x0003, "1.2.840.10008.1.20.1")
      .us(0x0100, 0x0130)
      .us(0x0110, 5)
      .us(0x0800, 0)
      .ui(0x1001, "1.2.840.10008.1.20.1.1")
      .us(0x1008, 1);
  const DimseCommand a = parse(action.build());
  EXPECT_EQ(a.anomaly_count, 0);
  EXPECT_EQ(a.requested_sop_class_uid, "1.2.840.10008.1.20.1");
  EXPECT_EQ(a.requested_sop_instance_uid, "1.2.840.10008.1.20.1.1");
  EXPECT_EQ(a.action_type_id, 1);

  CommandBuilder get;
  get.ui(0x0003, "1.2.840.10008.5.1.1.16")
      .us(0x0100, 0x0110)
      .us(0x0110, 6)
      .us(0x0800, 0x0101)
      .ui(0x1001, "1.2.840.10008.5.1.1.17")
      .tags(0x1005, {0x21100010});
  const DimseCommand g = parse(get.build());
  EXPECT_EQ(g.anomaly_count, 0);
  ASSERT_EQ(g.attribute_identifier_list.size(), 1u);
  EXPECT_EQ(g.attribute_identifier_list.at(0), 0x21100010u);

  CommandBuilder failure;
  failure.us(0x0100, 0x8120).us(0x0120, 6).us(0x0800, 0x0101).us(0x0900, 0x0106).us(0x0903, 77);
  const DimseCommand f = parse(failure.build());
  EXPECT_EQ(f.anomaly_count, 0);
  EXPECT_EQ(f.error_id, 77);
}

// Every command with exactly its mandatory elements parses clean; dropping any one of them is
// named (PS3.7 §9.3, §10.3).
TEST(DimseCommand, RequiredElementsPerCommand) {
  struct Case {
    std::uint16_t command;
    std::vector<std::uint16_t> required;
  };
  const std::vector<Case> cases = {
      {0x0001, {0x0002, 0x0110, 0x0700, 0x0800, 0x1000}},
      {0x0010, {0x0002, 0x0110, 0x0700, 0x0800}},
      {0x0020, {0x0002, 0x0110, 0x0700, 0x0800}},
      {0x0021, {0x0002, 0x0110, 0x0600, 0x0700, 0x0800}},
      {0x0030, {0x0002, 0x0110, 0x0800}},
      {0x0FFF, {0x0120, 0x0800}},
      {0x0100, {0x0002, 0x0110, 0x0800, 0x1000, 0x1002}},
      {0x0110, {0x0003, 0x0110, 0x0800, 0x1001}},
      {0x0120, {0x0003, 0x0110, 0x0800, 0x1001}},
      {0x0130, {0x0003, 0x0110, 0x0800, 0x1001, 0x1008}},
      {0x0140, {0x0002, 0x0110, 0x0800}},
      {0x0150, {0x0003, 0x0110, 0x0800, 0x1001}},
  };
  std::vector<Case> all = cases;
  for (std::uint16_t rsp :
       {0x8001, 0x8010, 0x8020, 0x8021, 0x8030, 0x8100, 0x8110, 0x8120, 0x8130, 0x8140, 0x8150}) {
    all.push_back({rsp, {0x0120, 0x0800, 0x0900}});
  }
  auto build = [](std::uint16_t command, const std::vector<std::uint16_t>& elements) {
    CommandBuilder b;
    bool command_done = false;
    for (std::uint16_t e : elements) {
      if (e > 0x0100 && !command_done) {
        b.us(0x0100, command);
        command_done = true;
      }
      if (e == 0x0002 || e == 0x0003 || e == 0x1000 || e == 0x1001)
        b.ui(e, test::kInstance);
      else if (e == 0x0600)
        b.ae(e, "DEST");
      else
        b.us(e, 1);
    }
    if (!command_done) b.us(0x0100, command);
    return b.build();
  };
  for (const Case& c : all) {
    SCOPED_TRACE(testing::Message() << "command 0x" << std::hex << c.command);
    const DimseCommand full = parse(build(c.command, c.required));
    EXPECT_EQ(full.anomaly_count, 0);
    EXPECT_EQ(static_cast<std::uint16_t>(full.command), c.command);
    for (std::size_t drop = 0; drop < c.required.size(); ++drop) {
      std::vector<std::uint16_t> fewer = c.required;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(drop));
      const DimseCommand partial = parse(build(c.command, fewer));
      ASSERT_EQ(partial.anomaly_count, 1) << "without element " << c.required[drop];
      EXPECT_EQ(partial.anomalies[0].tag, c.required[drop]);
      EXPECT_NE(dimse_anomaly_name(partial.anomalies[0].kind).find("dimse.missing_"),
                std::string_view::npos);
    }
  }
}

TEST(DimseCommand, RetiredAndUnknownCommandElementsAreSkipped) {
  CommandBuilder b;
  b.raw(0, 0x0001, {0x10, 0, 0, 0})
      .ui(0x0002, test::kVerification)
      .us(0x0100, 0x0030)
      .us(0x0110, 1)
      .us(0x0800, 0x0101)
      .raw(0, 0x4000, {'x', ' '})
      .raw(0, 0x5010, {'y', ' '});
  const DimseCommand c = parse(b.build());
  EXPECT_EQ(c.anomaly_count, 0);
  EXPECT_EQ(c.command, CommandField::kCEchoRq);
}

TEST(DimsePeek, FindsCommandAndMessageId) {
  const auto bytes = c_store_rq().build();
  const CommandPeek p = peek_command_field(bytes);
  EXPECT_TRUE(p.found);
  EXPECT_EQ(p.command, CommandField::kCStoreRq);
  ASSERT_TRUE(p.has_message_id);
  EXPECT_EQ(p.message_id, 7);
}

TEST(DimsePeek, ResponseUsesMessageIdBeingRespondedTo) {
  CommandBuilder b;
  b.us(0x0100, 0x8020).us(0x0120, 42).us(0x0800, 0x0101).us(0x0900, 0xFF00);
  const CommandPeek p = peek_command_field(b.build());
  EXPECT_EQ(p.command, CommandField::kCFindRsp);
  EXPECT_EQ(p.message_id, 42);
}

TEST(DimsePeek, CutBeforeMessageIdStillFindsCommand) {
  auto bytes = c_store_rq().build();
  // group length (12) + affected SOP class (8 + 26) + command field (10) + half a header
  bytes.resize(12 + 34 + 10 + 4);
  const CommandPeek p = peek_command_field(bytes);
  EXPECT_TRUE(p.found);
  EXPECT_EQ(p.command_field_raw, 0x0001);
  EXPECT_FALSE(p.has_message_id);
}

TEST(DimsePeek, NothingInDataSetBytes) {
  const std::vector<std::byte> data_set = {
      std::byte{0x08}, std::byte{0}, std::byte{0x16}, std::byte{0},   std::byte{2},
      std::byte{0},    std::byte{0}, std::byte{0},    std::byte{'1'}, std::byte{0}};
  const CommandPeek p = peek_command_field(data_set);
  EXPECT_FALSE(p.found);
  EXPECT_FALSE(p.has_message_id);
}

TEST(DimseLooksLike, WholeAndPrefix) {
  const auto bytes = c_store_rq().build();
  EXPECT_TRUE(looks_like_command_set(bytes));
  for (std::size_t cut = 12; cut < bytes.size(); ++cut) {
    EXPECT_TRUE(looks_like_command_set(ByteView(bytes).first(cut))) << cut;
  }
  EXPECT_FALSE(looks_like_command_set(ByteView(bytes).first(11)));
}

TEST(DimseLooksLike, Rejections) {
  const auto bytes = c_store_rq().build();
  EXPECT_FALSE(looks_like_command_set(c_store_rq().build_bare()));  // no group length
  auto longer = bytes;
  longer.push_back(std::byte{0});
  longer.push_back(std::byte{0});
  EXPECT_FALSE(looks_like_command_set(longer)) << "bytes past the end of the last element";
  EXPECT_FALSE(looks_like_command_set(c_store_rq().build_with_group_length(bytes.size() - 14)));
  EXPECT_FALSE(looks_like_command_set(c_store_rq().build_with_group_length(4)));  // < header
  EXPECT_FALSE(looks_like_command_set(c_store_rq().build_with_group_length(1 << 20)));
  CommandBuilder out_of_order;
  out_of_order.us(0x0110, 1).us(0x0100, 0x0030);
  EXPECT_FALSE(looks_like_command_set(out_of_order.build()));
  CommandBuilder foreign;
  foreign.us(0x0100, 0x0030).raw(0x0008, 0x0016, {0, 0});
  EXPECT_FALSE(looks_like_command_set(foreign.build()));
}

}  // namespace
}  // namespace dicomsentry::dicom
