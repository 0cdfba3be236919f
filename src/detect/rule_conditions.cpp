// Header, protocol, flow and value checks of a rule (see the header).
#include "detect/rule_conditions.hpp"

#include <algorithm>
#include <cstring>

#include "dicom/dimse_names.hpp"

namespace dicomsentry::detect {
namespace {

bool in_network(const rules::IpNetwork& network, const IpAddress& address,
                std::uint8_t ip_version) {
  if (network.v6 != (ip_version == 6)) return false;
  const unsigned prefix = network.prefix;
  const unsigned whole = prefix / 8;
  if (std::memcmp(network.bytes.data(), address.bytes.data(), whole) != 0) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (network.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

struct Endpoints {
  const IpAddress* src_ip;
  const IpAddress* dst_ip;
  std::uint16_t src_port;
  std::uint16_t dst_port;
};

Endpoints oriented(const Flow& flow, Direction orientation) {
  const bool client_lo = flow.client_is_lo;
  const bool src_is_lo = (orientation == Direction::kToServer) == client_lo;
  if (src_is_lo) return {&flow.key.lo_ip, &flow.key.hi_ip, flow.key.lo_port, flow.key.hi_port};
  return {&flow.key.hi_ip, &flow.key.lo_ip, flow.key.hi_port, flow.key.lo_port};
}

bool one_way(const rules::Rule& rule, const Flow& flow, Direction orientation) {
  const Endpoints e = oriented(flow, orientation);
  const std::uint8_t v = flow.key.ip_version;
  return port_matches(rule.dst_ports, e.dst_port) && port_matches(rule.src_ports, e.src_port) &&
         address_matches(rule.dst, *e.dst_ip, v) && address_matches(rule.src, *e.src_ip, v);
}

bool compare(const rules::NumericCondition& n, std::uint32_t value) {
  switch (n.op) {
    case rules::CompareOp::kEq: return value == n.lo;
    case rules::CompareOp::kNe: return value != n.lo;
    case rules::CompareOp::kLt: return value < n.lo;
    case rules::CompareOp::kLe: return value <= n.lo;
    case rules::CompareOp::kGt: return value > n.lo;
    case rules::CompareOp::kGe: return value >= n.lo;
    case rules::CompareOp::kRange: return value >= n.lo && value <= n.hi;
  }
  return false;
}

bool listed(const rules::ValueCondition& c, std::uint32_t value) {
  return std::find(c.values.begin(), c.values.end(), value) != c.values.end();
}

}  // namespace

bool address_matches(const rules::AddressList& list, const IpAddress& address,
                     std::uint8_t ip_version) {
  if (list.is_any()) return true;
  bool has_positive = false, in_positive = false;
  for (const rules::AddressEntry& entry : list.entries) {
    const bool inside = in_network(entry.network, address, ip_version);
    if (entry.negated) {
      if (inside) return false;
    } else {
      has_positive = true;
      in_positive |= inside;
    }
  }
  return !has_positive || in_positive;
}

bool port_matches(const rules::PortList& list, std::uint16_t port) {
  if (list.is_any()) return true;
  bool has_positive = false, in_positive = false;
  for (const rules::PortRange& range : list.ranges) {
    const bool inside = port >= range.lo && port <= range.hi;
    if (range.negated) {
      if (inside) return false;
    } else {
      has_positive = true;
      in_positive |= inside;
    }
  }
  return !has_positive || in_positive;
}

bool header_matches(const rules::Rule& rule, const Flow& flow, Direction orientation) {
  if (one_way(rule, flow, orientation)) return true;
  return rule.direction == rules::Direction::kBoth && one_way(rule, flow, opposite(orientation));
}

bool protocol_matches(const rules::Rule& rule, AppProto proto) {
  switch (rule.protocol) {
    case rules::Protocol::kTcp: return true;
    case rules::Protocol::kDicom: return proto == AppProto::kDicom;
    case rules::Protocol::kTls: return proto == AppProto::kTls;
  }
  return false;
}

bool app_layer_matches(const rules::AppLayerCondition& condition, AppProto proto) {
  const bool same = condition.protocol == app_proto_name(proto);
  return same != condition.negated;
}

bool flow_state_matches(const rules::FlowOptions& options, const Flow& flow) {
  const bool established = flow.tcp_state == TcpState::kEstablished ||
                           flow.tcp_state == TcpState::kClosing ||
                           flow.tcp_state == TcpState::kClosed;
  if (options.established && !established) return false;
  if (options.not_established && established) return false;
  return true;
}

bool value_holds(const rules::ValueCondition& c, std::uint32_t value) {
  bool holds = false;
  if (c.number) {
    holds = compare(*c.number, value);
  } else if (c.category) {
    holds = static_cast<std::uint8_t>(dicom::status_category(static_cast<std::uint16_t>(value))) ==
            *c.category;
  } else {
    holds = listed(c, value);
  }
  return holds != c.negated;
}

bool command_holds(const rules::ValueCondition& c, const dicom::TransactionRecord& t) {
  const auto request = static_cast<std::uint16_t>(t.command);
  bool holds = false;
  if (t.request_seen && t.command != dicom::CommandField::kUnknown) holds |= listed(c, request);
  if ((t.has_response || t.pending_responses > 0) && t.command != dicom::CommandField::kUnknown)
    holds |= listed(c, request | 0x8000u);
  return holds != c.negated;
}

bool status_holds(const rules::ValueCondition& c, const dicom::TransactionRecord& t) {
  bool holds = false;
  if (t.has_response) {
    holds = value_holds(c, t.status) != c.negated;  // un-negate: combine first, negate once
  }
  if (!holds && t.pending_responses > 0 && c.category &&
      *c.category == static_cast<std::uint8_t>(dicom::StatusCategory::kPending)) {
    holds = true;
  }
  if (!t.has_response && t.pending_responses == 0) return c.negated;  // no status at all
  return holds != c.negated;
}

}  // namespace dicomsentry::detect
