// Names and messages of the DICOM Upper Layer anomalies, in DicomAnomaly order.
#include "dicom/dicom_anomaly.hpp"

namespace dicomsentry::dicom {

namespace {

struct Entry {
  std::string_view name;
  std::string_view message;
};

constexpr std::array<Entry, kDicomAnomalyCount> kTable = {{
    {"pdu.unknown_type", "PDU type is not one of 1..7 (PS3.8 9.3.1)"},
    {"pdu.reserved_set", "reserved byte of the PDU header is not zero"},
    {"pdu.length_absurd", "PDU length beyond any plausible value for its type"},
    {"pdu.length_invalid", "PDU length below the minimum or other than the fixed size of its type"},
    {"item.length_overrun", "item or sub-item length runs past its container"},
    {"item.length_mismatch", "item length disagrees with its fixed size or its inner fields"},
    {"item.unknown_type", "unknown or unexpected item type (skipped)"},
    {"item.duplicate", "an item allowed once appears again (later copies ignored)"},
    {"assoc.bad_protocol_version", "protocol version does not have bit 0 (version 1) set"},
    {"assoc.no_application_context", "no application context item"},
    {"assoc.no_presentation_context", "no presentation context item"},
    {"assoc.too_many_presentation_contexts", "more than 128 presentation contexts"},
    {"assoc.no_user_information", "no user information item (max length is mandatory)"},
    {"pctx.bad_id", "presentation context id is not odd in 1..255"},
    {"pctx.duplicate_id", "presentation context id used twice in one PDU"},
    {"pctx.no_abstract_syntax", "proposed presentation context without abstract syntax"},
    {"pctx.several_abstract_syntaxes",
     "proposed presentation context with several abstract syntaxes"},
    {"pctx.no_transfer_syntax", "presentation context without transfer syntax"},
    {"pctx.several_transfer_syntaxes",
     "accepted presentation context with several transfer syntaxes"},
    {"pctx.too_many_transfer_syntaxes", "more proposed transfer syntaxes than the parser keeps"},
    {"pctx.bad_result", "presentation context result/reason is not 0..4"},
    {"ae.non_printable", "AE title holds a byte outside printable ASCII"},
    {"ae.empty", "AE title is all spaces"},
    {"uid.invalid",
     "UID is empty, longer than 64, or not dot-separated digits without leading zeros"},
    {"user_info.no_max_length", "user information without maximum length sub-item"},
    {"user_info.no_implementation_uid", "user information without implementation class UID"},
    {"user_info.bad_version_name",
     "implementation version name is empty, over 16 bytes or non-printable"},
    {"role.bad_value", "SCU/SCP role value is neither 0 nor 1"},
    {"user_identity.bad_type", "user identity type is not 1..5"},
    {"user_identity.empty_primary", "user identity primary field is empty"},
    {"user_identity.bad_secondary",
     "user identity secondary field present for a type other than 2, or missing for type 2"},
    {"reject.bad_result", "A-ASSOCIATE-RJ result is neither 1 nor 2"},
    {"reject.bad_source", "A-ASSOCIATE-RJ source is not 1..3"},
    {"reject.bad_reason", "A-ASSOCIATE-RJ reason is not defined for its source"},
    {"abort.bad_source", "A-ABORT source is neither 0 nor 2"},
    {"abort.bad_reason", "A-ABORT reason from the provider is not 0..6, or is the reserved 3"},
    {"pdv.length_below_2", "PDV item length below 2 (context id and control header)"},
    {"pdv.length_overrun", "PDV item length runs past the P-DATA-TF PDU"},
    {"pdv.bad_context_id", "PDV presentation context id is not odd in 1..255"},
    {"pdv.reserved_bits", "PDV message control header has bits 2-7 set"},
}};

const Entry* entry(DicomAnomaly anomaly) {
  const auto index = static_cast<std::size_t>(anomaly);
  return index < kTable.size() ? &kTable[index] : nullptr;
}

}  // namespace

std::string_view dicom_anomaly_name(DicomAnomaly anomaly) {
  const Entry* e = entry(anomaly);
  return e ? e->name : std::string_view("unknown");
}

std::string_view dicom_anomaly_message(DicomAnomaly anomaly) {
  const Entry* e = entry(anomaly);
  return e ? e->message : std::string_view("unknown anomaly");
}

}  // namespace dicomsentry::dicom
