// Command names, request/response, status classes and texts (PS3.7 §E.1, Annex C; PS3.4).
#include <gtest/gtest.h>

#include "dicom/dimse_names.hpp"

namespace dicomsentry::dicom {
namespace {

TEST(DimseNames, EveryCommandRoundTrips) {
  struct Case {
    std::uint16_t raw;
    std::string_view name;
    std::string_view base;
  };
  const Case cases[] = {
      {0x0001, "C-STORE-RQ", "C-STORE"},
      {0x8001, "C-STORE-RSP", "C-STORE"},
      {0x0010, "C-GET-RQ", "C-GET"},
      {0x8010, "C-GET-RSP", "C-GET"},
      {0x0020, "C-FIND-RQ", "C-FIND"},
      {0x8020, "C-FIND-RSP", "C-FIND"},
      {0x0021, "C-MOVE-RQ", "C-MOVE"},
      {0x8021, "C-MOVE-RSP", "C-MOVE"},
      {0x0030, "C-ECHO-RQ", "C-ECHO"},
      {0x8030, "C-ECHO-RSP", "C-ECHO"},
      {0x0100, "N-EVENT-REPORT-RQ", "N-EVENT-REPORT"},
      {0x8100, "N-EVENT-REPORT-RSP", "N-EVENT-REPORT"},
      {0x0110, "N-GET-RQ", "N-GET"},
      {0x8110, "N-GET-RSP", "N-GET"},
      {0x0120, "N-SET-RQ", "N-SET"},
      {0x8120, "N-SET-RSP", "N-SET"},
      {0x0130, "N-ACTION-RQ", "N-ACTION"},
      {0x8130, "N-ACTION-RSP", "N-ACTION"},
      {0x0140, "N-CREATE-RQ", "N-CREATE"},
      {0x8140, "N-CREATE-RSP", "N-CREATE"},
      {0x0150, "N-DELETE-RQ", "N-DELETE"},
      {0x8150, "N-DELETE-RSP", "N-DELETE"},
      {0x0FFF, "C-CANCEL-RQ", "C-CANCEL"},
  };
  for (const Case& c : cases) {
    const CommandField f = to_command_field(c.raw);
    EXPECT_EQ(static_cast<std::uint16_t>(f), c.raw);
    EXPECT_EQ(command_name(f), c.name);
    EXPECT_EQ(command_base_name(f), c.base);
    EXPECT_EQ(is_request(f), (c.raw & 0x8000) == 0) << c.name;
    EXPECT_EQ(is_response(f), (c.raw & 0x8000) != 0) << c.name;
  }
}

TEST(DimseNames, UnknownCommands) {
  for (std::uint16_t raw : {0x0000, 0x0002, 0x0031, 0x0160, 0x8FFF, 0x8000, 0xFFFF}) {
    EXPECT_EQ(to_command_field(raw), CommandField::kUnknown) << raw;
  }
  EXPECT_EQ(command_name(CommandField::kUnknown), "UNKNOWN");
  EXPECT_EQ(command_base_name(CommandField::kUnknown), "UNKNOWN");
  EXPECT_FALSE(is_request(CommandField::kUnknown));
  EXPECT_FALSE(is_response(CommandField::kUnknown));
}

TEST(DimseStatus, Categories) {
  using S = StatusCategory;
  const std::pair<std::uint16_t, S> cases[] = {
      {0x0000, S::kSuccess}, {0x0001, S::kWarning}, {0x0107, S::kWarning}, {0x0116, S::kWarning},
      {0xB000, S::kWarning}, {0xB007, S::kWarning}, {0xBFFF, S::kWarning}, {0xA000, S::kFailure},
      {0xA700, S::kFailure}, {0xA801, S::kFailure}, {0xAFFF, S::kFailure}, {0xC000, S::kFailure},
      {0xCFFF, S::kFailure}, {0x0100, S::kFailure}, {0x0110, S::kFailure}, {0x0122, S::kFailure},
      {0x0213, S::kFailure}, {0x02FF, S::kFailure}, {0xFE00, S::kCancel},  {0xFF00, S::kPending},
      {0xFF01, S::kPending}, {0x0002, S::kUnknown}, {0x0300, S::kUnknown}, {0xD000, S::kUnknown},
      {0xFF02, S::kUnknown}, {0x9FFF, S::kUnknown},
  };
  for (const auto& [status, category] : cases) {
    EXPECT_EQ(status_category(status), category) << std::hex << status;
  }
  EXPECT_EQ(status_category_name(S::kSuccess), "success");
  EXPECT_EQ(status_category_name(S::kWarning), "warning");
  EXPECT_EQ(status_category_name(S::kFailure), "failure");
  EXPECT_EQ(status_category_name(S::kCancel), "cancel");
  EXPECT_EQ(status_category_name(S::kPending), "pending");
  EXPECT_EQ(status_category_name(S::kUnknown), "unknown");
}

TEST(DimseStatus, GeneralTexts) {
  EXPECT_EQ(status_text(0x0000), "Success");
  EXPECT_EQ(status_text(0xA700), "Refused: Out of resources");
  EXPECT_EQ(status_text(0xA801), "Refused: Move destination unknown");
  EXPECT_EQ(status_text(0xA900), "Error: Data Set does not match SOP Class");
  EXPECT_EQ(status_text(0xC000), "Error: Cannot understand");
  EXPECT_EQ(status_text(0x0122), "SOP Class not supported");
  EXPECT_EQ(status_text(0x0124), "Not authorized");
  EXPECT_EQ(status_text(0x0110), "Processing failure");
  EXPECT_EQ(status_text(0x0111), "Duplicate SOP Instance");
  EXPECT_EQ(status_text(0x0112), "No such SOP Instance");
  EXPECT_EQ(status_text(0x0213), "Resource limitation");
  EXPECT_EQ(status_text(0xFE00), "Cancel");
  EXPECT_EQ(status_text(0xFF00), "Pending");
  EXPECT_EQ(status_text(0xFF01), "Pending: one or more Optional Keys not supported");
  EXPECT_EQ(status_text(0xB000), "Warning: Coercion of Data Elements");
  EXPECT_EQ(status_text(0xB006), "Warning: Elements Discarded");
  EXPECT_EQ(status_text(0xB007), "Warning: Data Set does not match SOP Class");
  EXPECT_EQ(status_text(0x0107), "Warning: Attribute list error");
}

TEST(DimseStatus, ServiceSpecificTexts) {
  EXPECT_EQ(status_text(0xA7FF, CommandField::kCStoreRsp), "Refused: Out of resources");
  EXPECT_EQ(status_text(0xA9FF, CommandField::kCStoreRsp),
            "Error: Data Set does not match SOP Class");
  EXPECT_EQ(status_text(0xC123, CommandField::kCStoreRsp), "Error: Cannot understand");
  EXPECT_EQ(status_text(0xA900, CommandField::kCFindRsp),
            "Failed: Identifier does not match SOP Class");
  EXPECT_EQ(status_text(0xC001, CommandField::kCFindRsp), "Failed: Unable to process");
  EXPECT_EQ(status_text(0xFF00, CommandField::kCFindRsp), "Pending: Matches are continuing");
  EXPECT_EQ(status_text(0xFE00, CommandField::kCFindRsp),
            "Cancel: Matching terminated due to Cancel request");
  EXPECT_EQ(status_text(0xA801, CommandField::kCMoveRsp), "Refused: Move destination unknown");
  EXPECT_EQ(status_text(0xA702, CommandField::kCMoveRsp),
            "Refused: Out of resources - Unable to perform sub-operations");
  EXPECT_EQ(status_text(0xB000, CommandField::kCMoveRsp),
            "Warning: Sub-operations complete, one or more failures");
  EXPECT_EQ(status_text(0xB000, CommandField::kCGetRsp),
            "Warning: Sub-operations complete, one or more failures");
  EXPECT_EQ(status_text(0xFF00, CommandField::kCGetRq), "Pending: Sub-operations are continuing");
  // General statuses still apply under a service.
  EXPECT_EQ(status_text(0x0122, CommandField::kCStoreRsp), "SOP Class not supported");
  EXPECT_EQ(status_text(0x0000, CommandField::kCFindRsp), "Success");
}

TEST(DimseStatus, FallbackToTheClass) {
  EXPECT_EQ(status_text(0xA123), "Failure");
  EXPECT_EQ(status_text(0xB123), "Warning");
  EXPECT_EQ(status_text(0x0199), "Failure");
  EXPECT_EQ(status_text(0xC123), "Failure");  // only C-STORE names the whole range
  EXPECT_EQ(status_text(0x1234), "Unknown status");
}

}  // namespace
}  // namespace dicomsentry::dicom
