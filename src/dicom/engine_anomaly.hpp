// What the protocol engine finds wrong in a stream beyond single-PDU parsing: state machine
// violations, framing it could not follow, DIMSE messages that do not fit their association.
#pragma once

#include <cstdint>
#include <string_view>

namespace dicomsentry::dicom {

// Names ("area.reason") and messages live in one table in engine_anomaly.cpp, in this order.
enum class EngineAnomaly : std::uint8_t {
  kUnexpectedPdu,          // a PDU the association's state or the sender's role does not allow
  kPdataBeforeAcceptance,  // P-DATA-TF before A-ASSOCIATE-AC
  kPduAfterEnd,            // anything after release, reject or abort
  kPduExceedsMaxLength,    // P-DATA-TF longer than the receiver's negotiated maximum
  kControlPduTooLarge,     // an association PDU too large to be buffered (skipped)
  kBadPduHeader,           // unknown type or impossible length: framing lost
  kLostSync,               // framing lost after a gap; hunting for the next PDU boundary
  kResynchronized,         // framing found again after hunting
  kGaveUp,                 // no PDU boundary within the hunting budget: parsing stopped
  kPdvOverrun,             // PDV items do not tile their P-DATA-TF PDU
  kUnknownContext,         // a PDV for a context that was not proposed
  kContextNotAccepted,     // a PDV for a context the acceptor rejected
  kInterleavedMessage,     // a PDV of another context or kind inside an unfinished message
  kCommandTooLarge,        // a command set over the size any real one has
  kMalformedCommand,       // the command set could not be parsed
  kUnexpectedDataSet,      // data set fragments when the command announced none
  kMissingDataSet,         // a new command while the announced data set never came
  kResponseWithoutRequest, // no outstanding request with that message id
  kDuplicateMessageId,     // a request reusing the id of an outstanding one
  kTooManyOutstanding,     // more outstanding requests than the engine tracks
  kNotDicom,               // the first bytes on a DICOM port are not DICOM
  kTlsUnparsed,            // a TLS hello could not be parsed
  kCount
};

std::string_view engine_anomaly_name(EngineAnomaly anomaly);
std::string_view engine_anomaly_message(EngineAnomaly anomaly);

}  // namespace dicomsentry::dicom
