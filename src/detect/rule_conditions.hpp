// The conditions of a rule that are not patterns, as pure checks: header addresses and ports,
// protocol, app-layer-protocol, flow options, and the DICOM/TLS value keywords.
#pragma once

#include <cstdint>

#include "dicom/dicom_events.hpp"
#include "flow/flow.hpp"
#include "rules/rule.hpp"

namespace dicomsentry::detect {

bool address_matches(const rules::AddressList& list, const IpAddress& address,
                     std::uint8_t ip_version);
bool port_matches(const rules::PortList& list, std::uint16_t port);

// The rule's header against the flow seen in `orientation`: kToServer puts the client on the
// rule's source side. `<>` also tries the other way round.
bool header_matches(const rules::Rule& rule, const Flow& flow, Direction orientation);

// `dicom` needs a flow the app layer identified as DICOM, `tls` one identified as TLS.
bool protocol_matches(const rules::Rule& rule, AppProto proto);
bool app_layer_matches(const rules::AppLayerCondition& condition, AppProto proto);

// flow:established / not_established against the flow's TCP state.
bool flow_state_matches(const rules::FlowOptions& flow_options, const Flow& flow);

// The value a keyword is compared with; kUnknown holds none (the condition then fails, and a
// negated one holds).
bool value_holds(const rules::ValueCondition& condition, std::uint32_t value);

// dicom.command on a transaction: the request's command, and its response's when one came.
bool command_holds(const rules::ValueCondition& condition, const dicom::TransactionRecord& t);
// dicom.status on a transaction: its final status, or pending when pending responses came.
bool status_holds(const rules::ValueCondition& condition, const dicom::TransactionRecord& t);

}  // namespace dicomsentry::detect
