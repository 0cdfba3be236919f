#include "dicom/engine_anomaly.hpp"

#include <array>
#include <cstddef>

namespace dicomsentry::dicom {

namespace {

struct Entry {
  std::string_view name;
  std::string_view message;
};

constexpr std::array<Entry, static_cast<std::size_t>(EngineAnomaly::kCount)> kTable = {{
    {"ul.unexpected_pdu", "PDU not allowed in this association state or from this side"},
    {"ul.pdata_before_acceptance", "P-DATA-TF sent before the association was accepted"},
    {"ul.pdu_after_end", "PDU after the association was released, rejected or aborted"},
    {"ul.pdu_exceeds_max_length", "P-DATA-TF longer than the receiver's maximum PDU length"},
    {"ul.control_pdu_too_large", "association PDU too large to inspect; skipped"},
    {"ul.bad_pdu_header", "unknown PDU type or impossible PDU length; framing lost"},
    {"ul.lost_sync", "bytes missing from the stream; looking for the next PDU boundary"},
    {"ul.resynchronized", "PDU framing found again"},
    {"ul.gave_up", "no PDU boundary found; parsing of this direction stopped"},
    {"ul.pdv_overrun", "PDV items do not fit their P-DATA-TF PDU"},
    {"dimse.unknown_context", "PDV for a presentation context that was never proposed"},
    {"dimse.context_not_accepted", "PDV for a presentation context that was not accepted"},
    {"dimse.interleaved_message", "fragments of two messages interleaved"},
    {"dimse.command_too_large", "command set larger than any real one"},
    {"dimse.malformed_command", "command set could not be parsed"},
    {"dimse.unexpected_data_set", "data set fragments without a command announcing them"},
    {"dimse.missing_data_set", "announced data set never sent before the next command"},
    {"dimse.response_without_request", "response to a request that was never seen"},
    {"dimse.duplicate_message_id", "request reuses the message id of an outstanding request"},
    {"dimse.too_many_outstanding", "more outstanding requests than tracked; oldest reported unanswered"},
    {"app.not_dicom", "traffic on a DICOM port is not DICOM"},
    {"tls.unparsed_hello", "TLS hello could not be parsed"},
}};

}  // namespace

std::string_view engine_anomaly_name(EngineAnomaly anomaly) {
  const auto i = static_cast<std::size_t>(anomaly);
  return i < kTable.size() ? kTable[i].name : "unknown";
}

std::string_view engine_anomaly_message(EngineAnomaly anomaly) {
  const auto i = static_cast<std::size_t>(anomaly);
  return i < kTable.size() ? kTable[i].message : "unknown anomaly";
}

}  // namespace dicomsentry::dicom
