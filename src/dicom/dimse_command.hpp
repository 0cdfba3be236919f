// DIMSE command sets (PS3.7 §6.3.1, §E): group 0000 elements, implicit VR little endian.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom {

// Command Field (0000,0100) values, PS3.7 §E.1. Responses are the request with bit 15 set.
enum class CommandField : std::uint16_t {
  kUnknown = 0x0000,  // absent or not a PS3.7 value (the raw value is kept beside it)
  kCStoreRq = 0x0001,
  kCStoreRsp = 0x8001,
  kCGetRq = 0x0010,
  kCGetRsp = 0x8010,
  kCFindRq = 0x0020,
  kCFindRsp = 0x8020,
  kCMoveRq = 0x0021,
  kCMoveRsp = 0x8021,
  kCEchoRq = 0x0030,
  kCEchoRsp = 0x8030,
  kNEventReportRq = 0x0100,
  kNEventReportRsp = 0x8100,
  kNGetRq = 0x0110,
  kNGetRsp = 0x8110,
  kNSetRq = 0x0120,
  kNSetRsp = 0x8120,
  kNActionRq = 0x0130,
  kNActionRsp = 0x8130,
  kNCreateRq = 0x0140,
  kNCreateRsp = 0x8140,
  kNDeleteRq = 0x0150,
  kNDeleteRsp = 0x8150,
  kCCancelRq = 0x0FFF,
};

// The PS3.7 value, or kUnknown for any other.
CommandField to_command_field(std::uint16_t raw);

// Command Data Set Type (0000,0800): this value says no data set follows; any other says one does.
inline constexpr std::uint16_t kNoDataSet = 0x0101;
// A UID is at most 64 characters (PS3.5 §9.1), an AE title at most 16 (PS3.5 §6.2).
inline constexpr std::size_t kMaxUidLength = 64;
inline constexpr std::size_t kMaxAeLength = 16;
// No standard command set comes near this; a larger group length is not a command set.
inline constexpr std::uint32_t kMaxCommandSetBytes = 64 * 1024;

// What can be wrong with a command set. Names in dimse_names.cpp, in this order.
enum class DimseAnomaly : std::uint8_t {
  kEmpty,                // zero bytes
  kTruncatedHeader,      // fewer than 8 bytes left for an element header
  kGroupLengthMissing,   // the first element is not (0000,0000)
  kGroupLengthMismatch,  // (0000,0000) differs from the bytes that follow it
  kNotCommandGroup,      // an element outside group 0000
  kLengthOverrun,        // a value runs past the end of the set
  kUndefinedLength,      // 0xFFFFFFFF: never allowed in a command set
  kOddLength,            // PS3.5 §7.1.1: value lengths are even
  kBadValueLength,       // US not 2, UL not 4, AT not a multiple of 4
  kValueTooLong,         // UI over 64 or AE over 16 characters
  kOutOfOrder,           // tags must ascend (PS3.5 §7.1)
  kDuplicateTag,
  kUnknownCommandField,
  kMissingCommandField,
  kMissingMessageId,
  kMissingMessageIdBeingRespondedTo,
  kMissingDataSetType,
  kMissingStatus,
  kMissingPriority,
  kMissingAffectedSopClassUid,
  kMissingAffectedSopInstanceUid,
  kMissingRequestedSopClassUid,
  kMissingRequestedSopInstanceUid,
  kMissingMoveDestination,
  kMissingEventTypeId,
  kMissingActionTypeId,
  kCount
};

struct DimseAnomalyEntry {
  DimseAnomaly kind = DimseAnomaly::kCount;
  std::uint32_t tag = 0;     // (group << 16) | element concerned; 0 when none
  std::uint32_t offset = 0;  // byte offset in the command set
};

// A list of tags (AT, VR of 0000,0901 and 0000,1005) kept as a view: 4 bytes per tag.
struct TagList {
  ByteView bytes;
  std::size_t size() const { return bytes.size() / 4; }
  // (group << 16) | element of tag i < size().
  std::uint32_t at(std::size_t i) const {
    return (std::uint32_t{load_le16(bytes.data() + 4 * i)} << 16) |
           load_le16(bytes.data() + 4 * i + 2);
  }
};

// Every field of a command set. Strings are views into the parsed bytes, trimmed; they are
// valid as long as those bytes are. `has` bits tell which elements were present.
struct DimseCommand {
  enum Field : std::uint32_t {
    kHasGroupLength = 1u << 0,
    kHasAffectedSopClassUid = 1u << 1,
    kHasRequestedSopClassUid = 1u << 2,
    kHasCommandField = 1u << 3,
    kHasMessageId = 1u << 4,
    kHasMessageIdBeingRespondedTo = 1u << 5,
    kHasMoveDestination = 1u << 6,
    kHasPriority = 1u << 7,
    kHasDataSetType = 1u << 8,
    kHasStatus = 1u << 9,
    kHasOffendingElement = 1u << 10,
    kHasErrorComment = 1u << 11,
    kHasErrorId = 1u << 12,
    kHasAffectedSopInstanceUid = 1u << 13,
    kHasRequestedSopInstanceUid = 1u << 14,
    kHasEventTypeId = 1u << 15,
    kHasAttributeIdentifierList = 1u << 16,
    kHasActionTypeId = 1u << 17,
    kHasRemainingSubOperations = 1u << 18,
    kHasCompletedSubOperations = 1u << 19,
    kHasFailedSubOperations = 1u << 20,
    kHasWarningSubOperations = 1u << 21,
    kHasMoveOriginatorAeTitle = 1u << 22,
    kHasMoveOriginatorMessageId = 1u << 23,
  };
  static constexpr std::size_t kMaxAnomalies = 8;

  std::uint32_t has = 0;
  bool has_field(Field f) const { return (has & f) != 0; }

  std::uint32_t group_length = 0;
  CommandField command = CommandField::kUnknown;
  std::uint16_t command_field_raw = 0;
  std::uint16_t message_id = 0;
  std::uint16_t message_id_being_responded_to = 0;
  std::uint16_t priority = 0;  // 0 medium, 1 high, 2 low
  std::uint16_t data_set_type = 0;
  std::uint16_t status = 0;
  std::uint16_t error_id = 0;
  std::uint16_t event_type_id = 0;
  std::uint16_t action_type_id = 0;
  std::uint16_t remaining_sub_operations = 0;
  std::uint16_t completed_sub_operations = 0;
  std::uint16_t failed_sub_operations = 0;
  std::uint16_t warning_sub_operations = 0;
  std::uint16_t move_originator_message_id = 0;
  std::string_view affected_sop_class_uid;
  std::string_view requested_sop_class_uid;
  std::string_view affected_sop_instance_uid;
  std::string_view requested_sop_instance_uid;
  std::string_view move_destination;
  std::string_view move_originator_ae_title;
  std::string_view error_comment;
  TagList offending_element;
  TagList attribute_identifier_list;

  // True when a data set follows this command (Command Data Set Type other than 0x0101).
  bool has_data_set() const { return has_field(kHasDataSetType) && data_set_type != kNoDataSet; }

  std::array<DimseAnomalyEntry, kMaxAnomalies> anomalies{};
  std::uint8_t anomaly_count = 0;
  std::uint16_t anomalies_dropped = 0;  // found after the list was full
  bool has_anomaly(DimseAnomaly kind) const;
  // Parsing stopped early (an overrun, an undefined length or a cut header): later elements,
  // and the required-field checks, were not seen.
  bool stopped = false;
};

// Parses one complete command set. Never fails outright: problems are anomalies in the result.
DimseCommand parse_command_set(ByteView bytes);

// The fast path for picking a stream up mid-way: only the command and the message id.
struct CommandPeek {
  bool found = false;  // Command Field present
  CommandField command = CommandField::kUnknown;
  std::uint16_t command_field_raw = 0;
  bool has_message_id = false;  // Message ID (requests) or Being Responded To (responses)
  std::uint16_t message_id = 0;
};
CommandPeek peek_command_field(ByteView bytes);

// A plausibility check for bytes that may begin a command set: (0000,0000) UL length 4, a
// group length within kMaxCommandSetBytes, and group-0000 elements in ascending order whose
// lengths stay inside it. When all of the set is present it must end exactly where it says;
// bytes past that end fail (a PDV never holds more than one command set).
bool looks_like_command_set(ByteView bytes);

}  // namespace dicomsentry::dicom
