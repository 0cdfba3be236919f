// The names the EVE writers copy without escaping (JsonWriter::key_plain_value): every value
// each naming function can return is plain printable ASCII without quote or backslash, over
// its whole input range, and UID names come only from DCMTK's table of identifiers.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "dicom/dataset_summary.hpp"  // uid_name
#include "dicom/dicom_events.hpp"
#include "dicom/dimse_names.hpp"
#include "dicom/pdu_associate.hpp"
#include "flow/flow.hpp"
#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"

namespace dicomsentry {
namespace {

TEST(EvePlainNames, EveryCommandAndStatusTextIsPlain) {
  std::uint64_t named_commands = 0;
  for (std::uint32_t raw = 0; raw <= 0xFFFF; ++raw) {
    const auto command = static_cast<dicom::CommandField>(raw);
    const std::string_view name = dicom::command_base_name(command);
    ASSERT_TRUE(JsonWriter::is_plain(name)) << raw;
    if (dicom::to_command_field(static_cast<std::uint16_t>(raw)) == command &&
        command != dicom::CommandField::kUnknown) {
      ++named_commands;
    }
  }
  EXPECT_EQ(named_commands, 23u);  // 5 C- and 6 N- services, request and response, C-CANCEL
  for (const auto command : {dicom::CommandField::kUnknown, dicom::CommandField::kCStoreRsp,
                             dicom::CommandField::kCFindRsp, dicom::CommandField::kCMoveRsp,
                             dicom::CommandField::kCGetRsp, dicom::CommandField::kCEchoRsp,
                             dicom::CommandField::kNActionRsp, dicom::CommandField::kNCreateRsp}) {
    for (std::uint32_t status = 0; status <= 0xFFFF; ++status) {
      const auto s = static_cast<std::uint16_t>(status);
      ASSERT_TRUE(JsonWriter::is_plain(dicom::status_text(s, command))) << status;
      ASSERT_TRUE(JsonWriter::is_plain(dicom::status_category_name(dicom::status_category(s))));
    }
  }
}

TEST(EvePlainNames, AssociationFlowAndContextNamesArePlain) {
  for (unsigned v = 0; v < 256; ++v) {
    const auto byte = static_cast<std::uint8_t>(v);
    EXPECT_TRUE(JsonWriter::is_plain(dicom::context_result_text(byte))) << v;
    EXPECT_TRUE(JsonWriter::is_plain(dicom::association_state_name(static_cast<dicom::AssociationState>(byte)))) << v;
    EXPECT_TRUE(JsonWriter::is_plain(tcp_state_name(static_cast<TcpState>(byte)))) << v;
    EXPECT_TRUE(JsonWriter::is_plain(flow_end_reason_name(static_cast<FlowEndReason>(byte)))) << v;
  }
  EXPECT_EQ(dicom::context_result_text(0), "acceptance");
}

TEST(EvePlainNames, UidNamesArePlainAndKnown) {
  EXPECT_EQ(dicom::uid_name("1.2.840.10008.5.1.4.1.1.2"), "CTImageStorage");
  EXPECT_EQ(dicom::uid_name("1.2.840.10008.1.2.1"), "LittleEndianExplicit");
  EXPECT_EQ(dicom::uid_name("1.2.3.4"), "");
  // Every UID of the form DICOM root + a few components that DCMTK names: all plain.
  int named = 0;
  for (const char* root : {"1.2.840.10008.1.2.", "1.2.840.10008.5.1.4.1.1.", "1.2.840.10008.5.1.4.1.2.",
                           "1.2.840.10008.5.1.4.31", "1.2.840.10008.3.1.2.", "1.2.840.10008.5.1.1."}) {
    for (int a = 0; a < 100; ++a) {
      for (int b = -1; b < 10; ++b) {
        std::string uid = std::string(root) + std::to_string(a);
        if (b >= 0) uid += "." + std::to_string(b);
        const std::string_view name = dicom::uid_name(uid);
        ASSERT_TRUE(JsonWriter::is_plain(name)) << uid;
        named += name.empty() ? 0 : 1;
      }
    }
  }
  EXPECT_GT(named, 100);
}

TEST(EvePlainNames, TimestampsArePlain) {
  EveTimestampFormatter formatter;
  for (std::int64_t ts = -86'400'000'000'000LL; ts < 4'102'444'800'000'000'000LL;
       ts += 7'777'777'777'777'777LL) {
    ASSERT_TRUE(JsonWriter::is_plain(formatter.format(ts))) << ts;
  }
}

}  // namespace
}  // namespace dicomsentry
