// Tables of DIMSE command names, status meanings and anomaly names.
#include "dicom/dimse_names.hpp"

#include <array>

namespace dicomsentry::dicom {
namespace {

struct CommandName {
  CommandField command;
  std::string_view name;
  std::string_view base;
};

constexpr CommandName kCommands[] = {
    {CommandField::kCStoreRq, "C-STORE-RQ", "C-STORE"},
    {CommandField::kCStoreRsp, "C-STORE-RSP", "C-STORE"},
    {CommandField::kCGetRq, "C-GET-RQ", "C-GET"},
    {CommandField::kCGetRsp, "C-GET-RSP", "C-GET"},
    {CommandField::kCFindRq, "C-FIND-RQ", "C-FIND"},
    {CommandField::kCFindRsp, "C-FIND-RSP", "C-FIND"},
    {CommandField::kCMoveRq, "C-MOVE-RQ", "C-MOVE"},
    {CommandField::kCMoveRsp, "C-MOVE-RSP", "C-MOVE"},
    {CommandField::kCEchoRq, "C-ECHO-RQ", "C-ECHO"},
    {CommandField::kCEchoRsp, "C-ECHO-RSP", "C-ECHO"},
    {CommandField::kNEventReportRq, "N-EVENT-REPORT-RQ", "N-EVENT-REPORT"},
    {CommandField::kNEventReportRsp, "N-EVENT-REPORT-RSP", "N-EVENT-REPORT"},
    {CommandField::kNGetRq, "N-GET-RQ", "N-GET"},
    {CommandField::kNGetRsp, "N-GET-RSP", "N-GET"},
    {CommandField::kNSetRq, "N-SET-RQ", "N-SET"},
    {CommandField::kNSetRsp, "N-SET-RSP", "N-SET"},
    {CommandField::kNActionRq, "N-ACTION-RQ", "N-ACTION"},
    {CommandField::kNActionRsp, "N-ACTION-RSP", "N-ACTION"},
    {CommandField::kNCreateRq, "N-CREATE-RQ", "N-CREATE"},
    {CommandField::kNCreateRsp, "N-CREATE-RSP", "N-CREATE"},
    {CommandField::kNDeleteRq, "N-DELETE-RQ", "N-DELETE"},
    {CommandField::kNDeleteRsp, "N-DELETE-RSP", "N-DELETE"},
    {CommandField::kCCancelRq, "C-CANCEL-RQ", "C-CANCEL"},
};

const CommandName* find_command(CommandField command) {
  for (const CommandName& c : kCommands) {
    if (c.command == command) return &c;
  }
  return nullptr;
}

// A status code, or a range of them, and its meaning.
struct StatusName {
  std::uint16_t first;
  std::uint16_t last;
  std::string_view text;
};

// PS3.4 §B.2.3 (Storage).
constexpr StatusName kStoreStatus[] = {
    {0xA700, 0xA7FF, "Refused: Out of resources"},
    {0xA900, 0xA9FF, "Error: Data Set does not match SOP Class"},
    {0xC000, 0xCFFF, "Error: Cannot understand"},
    {0xB000, 0xB000, "Warning: Coercion of Data Elements"},
    {0xB006, 0xB006, "Warning: Elements Discarded"},
    {0xB007, 0xB007, "Warning: Data Set does not match SOP Class"},
};
// PS3.4 §C.4.1.1.4 (C-FIND).
constexpr StatusName kFindStatus[] = {
    {0xA700, 0xA700, "Refused: Out of resources"},
    {0xA900, 0xA900, "Failed: Identifier does not match SOP Class"},
    {0xC000, 0xCFFF, "Failed: Unable to process"},
    {0xFE00, 0xFE00, "Cancel: Matching terminated due to Cancel request"},
    {0xFF00, 0xFF00, "Pending: Matches are continuing"},
    {0xFF01, 0xFF01, "Pending: Matches are continuing, one or more Optional Keys not supported"},
};
// PS3.4 §C.4.2.1.5 (C-MOVE); C-GET (§C.4.3.1.4) is the same without A801.
constexpr StatusName kMoveGetStatus[] = {
    {0xA701, 0xA701, "Refused: Out of resources - Unable to calculate number of matches"},
    {0xA702, 0xA702, "Refused: Out of resources - Unable to perform sub-operations"},
    {0xA801, 0xA801, "Refused: Move destination unknown"},
    {0xA900, 0xA900, "Error: Identifier does not match SOP Class"},
    {0xC000, 0xCFFF, "Failed: Unable to process"},
    {0xFE00, 0xFE00, "Cancel: Sub-operations terminated due to Cancel indication"},
    {0xB000, 0xB000, "Warning: Sub-operations complete, one or more failures"},
    {0xFF00, 0xFF00, "Pending: Sub-operations are continuing"},
};
// PS3.7 Annex C general statuses, then the common service ranges for an unknown service.
constexpr StatusName kGeneralStatus[] = {
    {0x0000, 0x0000, "Success"},
    {0x0001, 0x0001, "Warning: Requested optional Attributes are not supported"},
    {0x0105, 0x0105, "No such attribute"},
    {0x0106, 0x0106, "Invalid attribute value"},
    {0x0107, 0x0107, "Warning: Attribute list error"},
    {0x0110, 0x0110, "Processing failure"},
    {0x0111, 0x0111, "Duplicate SOP Instance"},
    {0x0112, 0x0112, "No such SOP Instance"},
    {0x0113, 0x0113, "No such event type"},
    {0x0114, 0x0114, "No such argument"},
    {0x0115, 0x0115, "Invalid argument value"},
    {0x0116, 0x0116, "Warning: Attribute Value Out of Range"},
    {0x0117, 0x0117, "Invalid object instance"},
    {0x0118, 0x0118, "No such SOP Class"},
    {0x0119, 0x0119, "Class-Instance conflict"},
    {0x0120, 0x0120, "Missing attribute"},
    {0x0121, 0x0121, "Missing attribute value"},
    {0x0122, 0x0122, "SOP Class not supported"},
    {0x0123, 0x0123, "No such action"},
    {0x0124, 0x0124, "Not authorized"},
    {0x0210, 0x0210, "Duplicate invocation"},
    {0x0211, 0x0211, "Unrecognized operation"},
    {0x0212, 0x0212, "Mistyped argument"},
    {0x0213, 0x0213, "Resource limitation"},
    {0xA700, 0xA700, "Refused: Out of resources"},
    {0xA701, 0xA701, "Refused: Out of resources - Unable to calculate number of matches"},
    {0xA702, 0xA702, "Refused: Out of resources - Unable to perform sub-operations"},
    {0xA801, 0xA801, "Refused: Move destination unknown"},
    {0xA900, 0xA900, "Error: Data Set does not match SOP Class"},
    {0xB000, 0xB000, "Warning: Coercion of Data Elements"},
    {0xB006, 0xB006, "Warning: Elements Discarded"},
    {0xB007, 0xB007, "Warning: Data Set does not match SOP Class"},
    {0xC000, 0xC000, "Error: Cannot understand"},
    {0xFE00, 0xFE00, "Cancel"},
    {0xFF00, 0xFF00, "Pending"},
    {0xFF01, 0xFF01, "Pending: one or more Optional Keys not supported"},
};

template <std::size_t N>
const StatusName* find_status(const StatusName (&table)[N], std::uint16_t status) {
  for (const StatusName& s : table) {
    if (status >= s.first && status <= s.last) return &s;
  }
  return nullptr;
}

constexpr std::array<std::string_view, static_cast<std::size_t>(DimseAnomaly::kCount)>
    kAnomalyNames = {
        "dimse.empty",
        "dimse.truncated_header",
        "dimse.group_length_missing",
        "dimse.group_length_mismatch",
        "dimse.not_command_group",
        "dimse.length_overrun",
        "dimse.undefined_length",
        "dimse.odd_length",
        "dimse.bad_value_length",
        "dimse.value_too_long",
        "dimse.out_of_order",
        "dimse.duplicate_tag",
        "dimse.unknown_command_field",
        "dimse.missing_command_field",
        "dimse.missing_message_id",
        "dimse.missing_message_id_being_responded_to",
        "dimse.missing_data_set_type",
        "dimse.missing_status",
        "dimse.missing_priority",
        "dimse.missing_affected_sop_class_uid",
        "dimse.missing_affected_sop_instance_uid",
        "dimse.missing_requested_sop_class_uid",
        "dimse.missing_requested_sop_instance_uid",
        "dimse.missing_move_destination",
        "dimse.missing_event_type_id",
        "dimse.missing_action_type_id",
};

}  // namespace

std::string_view command_name(CommandField command) {
  const CommandName* c = find_command(command);
  return c ? c->name : "UNKNOWN";
}

std::string_view command_base_name(CommandField command) {
  const CommandName* c = find_command(command);
  return c ? c->base : "UNKNOWN";
}

bool is_request(CommandField command) {
  return command != CommandField::kUnknown && (static_cast<std::uint16_t>(command) & 0x8000) == 0;
}

bool is_response(CommandField command) {
  return command != CommandField::kUnknown && (static_cast<std::uint16_t>(command) & 0x8000) != 0;
}

StatusCategory status_category(std::uint16_t status) {
  if (status == 0x0000) return StatusCategory::kSuccess;
  if (status == 0x0001 || status == 0x0107 || status == 0x0116 ||
      (status >= 0xB000 && status <= 0xBFFF)) {
    return StatusCategory::kWarning;
  }
  if ((status >= 0xA000 && status <= 0xAFFF) || (status >= 0xC000 && status <= 0xCFFF) ||
      (status >= 0x0100 && status <= 0x02FF)) {
    return StatusCategory::kFailure;
  }
  if (status == 0xFE00) return StatusCategory::kCancel;
  if (status == 0xFF00 || status == 0xFF01) return StatusCategory::kPending;
  return StatusCategory::kUnknown;
}

std::string_view status_category_name(StatusCategory category) {
  switch (category) {
    case StatusCategory::kSuccess:
      return "success";
    case StatusCategory::kWarning:
      return "warning";
    case StatusCategory::kFailure:
      return "failure";
    case StatusCategory::kCancel:
      return "cancel";
    case StatusCategory::kPending:
      return "pending";
    case StatusCategory::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view status_text(std::uint16_t status, CommandField command) {
  const std::string_view base = command_base_name(command);
  const StatusName* s = nullptr;
  if (base == "C-STORE") s = find_status(kStoreStatus, status);
  if (base == "C-FIND") s = find_status(kFindStatus, status);
  if ((base == "C-MOVE" || base == "C-GET") && !(base == "C-GET" && status == 0xA801)) {
    s = find_status(kMoveGetStatus, status);
  }
  if (s == nullptr) s = find_status(kGeneralStatus, status);
  if (s != nullptr) return s->text;
  switch (status_category(status)) {
    case StatusCategory::kSuccess:
      return "Success";
    case StatusCategory::kWarning:
      return "Warning";
    case StatusCategory::kFailure:
      return "Failure";
    case StatusCategory::kCancel:
      return "Cancel";
    case StatusCategory::kPending:
      return "Pending";
    case StatusCategory::kUnknown:
      break;
  }
  return "Unknown status";
}

std::string_view dimse_anomaly_name(DimseAnomaly anomaly) {
  const auto i = static_cast<std::size_t>(anomaly);
  return i < kAnomalyNames.size() ? kAnomalyNames[i] : "dimse.unknown";
}

}  // namespace dicomsentry::dicom
