// DIMSE command sets (PS3.7 §9.3, §10.3, Annex E) in implicit VR little endian with an exact
// group length, and hand-encoded data sets (PS3.5 §7.1): C-STORE object heads with pixel data,
// query identifiers. No DCMTK: the tests of the parsers must not lean on a second parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "byte_append.hpp"
#include "dicom_builder.hpp"

namespace dicomsentry::synth {

// ---- command sets ---------------------------------------------------------------------------

namespace command {  // Command Field values (PS3.7 E.1); responses have bit 15 set
inline constexpr std::uint16_t kCStoreRq = 0x0001;
inline constexpr std::uint16_t kCGetRq = 0x0010;
inline constexpr std::uint16_t kCFindRq = 0x0020;
inline constexpr std::uint16_t kCMoveRq = 0x0021;
inline constexpr std::uint16_t kCEchoRq = 0x0030;
inline constexpr std::uint16_t kNEventReportRq = 0x0100;
inline constexpr std::uint16_t kNGetRq = 0x0110;
inline constexpr std::uint16_t kNSetRq = 0x0120;
inline constexpr std::uint16_t kNActionRq = 0x0130;
inline constexpr std::uint16_t kNCreateRq = 0x0140;
inline constexpr std::uint16_t kNDeleteRq = 0x0150;
inline constexpr std::uint16_t kCCancelRq = 0x0FFF;
inline constexpr std::uint16_t kResponseBit = 0x8000;
}  // namespace command

// Command Data Set Type (0000,0800): DCMTK sends 0x0001 when a data set follows, PS3.7 only
// requires a value other than 0x0101.
inline constexpr std::uint16_t kDataSetPresent = 0x0001;
inline constexpr std::uint16_t kDataSetAbsent = 0x0101;

namespace status {  // PS3.7 Annex C
inline constexpr std::uint16_t kSuccess = 0x0000;
inline constexpr std::uint16_t kPending = 0xFF00;
inline constexpr std::uint16_t kPendingWarning = 0xFF01;  // optional keys not supported
inline constexpr std::uint16_t kCancel = 0xFE00;
inline constexpr std::uint16_t kOutOfResources = 0xA700;
inline constexpr std::uint16_t kSubOperationsWarning = 0xB000;
}  // namespace status

// Every command element; absent optionals and empty strings are not written. Elements go out
// in ascending tag order after (0000,0000), whose value is the exact length of the rest. UIDs
// are padded to even length with NUL, AE titles and the error comment with a space.
struct CommandSpec {
  std::uint16_t command_field = 0;                             // (0000,0100)
  std::string affected_sop_class_uid;                          // (0000,0002)
  std::string requested_sop_class_uid;                         // (0000,0003)
  std::optional<std::uint16_t> message_id;                     // (0000,0110)
  std::optional<std::uint16_t> message_id_being_responded_to;  // (0000,0120)
  std::string move_destination;                                // (0000,0600)
  std::optional<std::uint16_t> priority;                    // (0000,0700): 0 medium, 1 high, 2 low
  std::uint16_t data_set_type = kDataSetAbsent;             // (0000,0800), always written
  std::optional<std::uint16_t> status;                      // (0000,0900)
  std::vector<std::uint32_t> offending_elements;            // (0000,0901) AT
  std::string error_comment;                                // (0000,0902)
  std::optional<std::uint16_t> error_id;                    // (0000,0903)
  std::string affected_sop_instance_uid;                    // (0000,1000)
  std::string requested_sop_instance_uid;                   // (0000,1001)
  std::optional<std::uint16_t> event_type_id;               // (0000,1002)
  std::vector<std::uint32_t> attribute_identifiers;         // (0000,1005) AT
  std::optional<std::uint16_t> action_type_id;              // (0000,1008)
  std::optional<std::uint16_t> remaining_sub_operations;    // (0000,1020)
  std::optional<std::uint16_t> completed_sub_operations;    // (0000,1021)
  std::optional<std::uint16_t> failed_sub_operations;       // (0000,1022)
  std::optional<std::uint16_t> warning_sub_operations;      // (0000,1023)
  std::string move_originator_ae_title;                     // (0000,1030)
  std::optional<std::uint16_t> move_originator_message_id;  // (0000,1031)
};

Bytes command_set(const CommandSpec& spec);

// A message on presentation context `context_id`: command_set(command) and the data set.
DimseMessage dimse(std::uint8_t context_id, const CommandSpec& command, Bytes data_set = {});

struct SubOperations {  // C-MOVE / C-GET response counters (PS3.4 C.4.2.1.6)
  std::uint16_t remaining = 0;
  std::uint16_t completed = 0;
  std::uint16_t failed = 0;
  std::uint16_t warning = 0;
};

// Specs shaped like DCMTK's (the elements DCMTK 3.6.7 writes, in its captures). Vary the
// returned spec for anomalies, then call command_set().
CommandSpec c_echo_rq(std::uint16_t message_id);
CommandSpec c_echo_rsp(std::uint16_t responded_to, std::uint16_t status = status::kSuccess);
CommandSpec c_store_rq(std::string_view sop_class, std::string_view sop_instance,
                       std::uint16_t message_id, std::uint16_t priority = 0);
CommandSpec c_store_rsp(std::string_view sop_class, std::string_view sop_instance,
                        std::uint16_t responded_to, std::uint16_t status = status::kSuccess);
CommandSpec c_find_rq(std::string_view sop_class, std::uint16_t message_id,
                      std::uint16_t priority = 0);
// Pending responses (0xFF00/0xFF01) carry an identifier, others none.
CommandSpec c_find_rsp(std::string_view sop_class, std::uint16_t responded_to,
                       std::uint16_t status);
CommandSpec c_move_rq(std::string_view sop_class, std::uint16_t message_id,
                      std::string_view move_destination, std::uint16_t priority = 0);
// Counters are written for pending responses and for final ones (PS3.4 C.4.2.1.6).
CommandSpec c_move_rsp(std::string_view sop_class, std::uint16_t responded_to, std::uint16_t status,
                       const SubOperations& counts);
CommandSpec c_get_rq(std::string_view sop_class, std::uint16_t message_id,
                     std::uint16_t priority = 0);
CommandSpec c_get_rsp(std::string_view sop_class, std::uint16_t responded_to, std::uint16_t status,
                      const SubOperations& counts);
CommandSpec c_cancel_rq(std::uint16_t responded_to);
// N-ACTION-RQ (storage commitment asks with action type 1 and a data set) and N-EVENT-REPORT-RQ;
// other N-* commands are a CommandSpec with the PS3.7 §10.3 elements.
CommandSpec n_action_rq(std::string_view sop_class, std::string_view sop_instance,
                        std::uint16_t message_id, std::uint16_t action_type_id);
CommandSpec n_event_report_rq(std::string_view sop_class, std::string_view sop_instance,
                              std::uint16_t message_id, std::uint16_t event_type_id);

// ---- data sets ------------------------------------------------------------------------------

enum class VrEncoding : std::uint8_t { kImplicitLittle, kExplicitLittle };

// One element: `value` holds the raw value bytes (text as is; binary through us_value()).
// Text is padded to even length (UI with NUL, others with a space), OB/OW/UN with NUL.
struct DataElement {
  std::uint32_t tag = 0;  // (group << 16) | element
  std::string vr;         // two letters
  std::string value;
};
std::string us_value(std::uint16_t v);  // two little-endian bytes

// The elements in ascending tag order (a stable sort of a copy), each encoded with `encoding`.
Bytes encode_data_set(std::span<const DataElement> elements, VrEncoding encoding);

// A C-STORE object: its head in explicit VR little endian (patient, study, series, instance,
// image pixel module) ending with the header of Pixel Data (7FE0,0010), then the pixel bytes.
struct ImageSpec {
  std::string sop_class_uid{uids::kCtImageStorage};
  std::string sop_instance_uid = "1.2.826.0.1.3680043.9.7433.1.1";
  std::string study_instance_uid = "1.2.826.0.1.3680043.9.7433.2.1";
  std::string series_instance_uid = "1.2.826.0.1.3680043.9.7433.3.1";
  std::string modality = "CT";
  std::string patient_name = "DOE^JANE";
  std::string patient_id = "PID00001";
  std::string study_date = "20240115";
  std::uint16_t rows = 512;
  std::uint16_t columns = 512;
  std::uint16_t bits_allocated = 16;
  std::optional<std::uint32_t> pixel_bytes;  // default rows * columns * bits_allocated / 8
  bool pixel_data_ob = false;                // OB instead of OW
  // The value length of Pixel Data: pixel_bytes (or its default) rounded up to even.
  std::uint32_t pixel_length() const;
};
Bytes image_head(const ImageSpec& spec);
// image_head() followed by pixel_length() bytes of fill_pixels().
Bytes image_data_set(const ImageSpec& spec);
// Pixel bytes [offset, offset + out.size()): 16-bit little-endian samples, sample k = 7k mod
// 2048, so the bytes can be produced piece by piece for multi-megabyte objects.
void fill_pixels(std::uint64_t offset, std::span<std::byte> out);

// A C-FIND/C-MOVE/C-GET identifier: (0008,0052) Query/Retrieve Level, then the keys.
struct QuerySpec {
  std::string level = "STUDY";  // PATIENT, STUDY, SERIES, IMAGE
  std::vector<DataElement> keys;
  VrEncoding encoding = VrEncoding::kExplicitLittle;
};
Bytes identifier(const QuerySpec& spec);

}  // namespace dicomsentry::synth
