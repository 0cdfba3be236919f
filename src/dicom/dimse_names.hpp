// Names for DIMSE commands, status codes (PS3.7 Annex C, PS3.4) and command-set anomalies.
#pragma once

#include <cstdint>
#include <string_view>

#include "dicom/dimse_command.hpp"

namespace dicomsentry::dicom {

// "C-STORE-RQ"; "UNKNOWN" for kUnknown.
std::string_view command_name(CommandField command);
// "C-STORE": the service, without -RQ/-RSP; "UNKNOWN" for kUnknown.
std::string_view command_base_name(CommandField command);
// A known request (bit 15 clear); false for responses and kUnknown.
bool is_request(CommandField command);
bool is_response(CommandField command);

// PS3.7 Annex C status classes.
enum class StatusCategory : std::uint8_t {
  kSuccess,
  kWarning,
  kFailure,
  kCancel,
  kPending,
  kUnknown
};
StatusCategory status_category(std::uint16_t status);
// "success", "warning", "failure", "cancel", "pending", "unknown".
std::string_view status_category_name(StatusCategory category);

// The meaning of a status, using the service's own wording (PS3.4 C-STORE, C-FIND, C-MOVE,
// C-GET tables) when `command` names one, PS3.7 Annex C otherwise. A code with no specific
// meaning gets its class's text, e.g. "Failure" or "Warning"; never empty.
std::string_view status_text(std::uint16_t status, CommandField command = CommandField::kUnknown);

// "dimse.missing_message_id" etc.
std::string_view dimse_anomaly_name(DimseAnomaly anomaly);

}  // namespace dicomsentry::dicom
