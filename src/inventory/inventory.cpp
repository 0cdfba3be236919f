// Inventory: folds finished records and DICOM flow ends into per-device facts.
#include "inventory/inventory.hpp"

#include <fmt/format.h>

#include <array>
#include <iterator>
#include <span>

#include "tls/cipher_suites.hpp"

namespace dicomsentry::inventory {

namespace {

struct FlowRoles {
  DeviceAddress client;
  DeviceAddress server;
  std::uint16_t server_port = 0;
};

// The key stores endpoints in canonical order; the flow says which one is the client.
FlowRoles roles_of(const Flow& flow) {
  const FlowKey& key = flow.key;
  FlowRoles roles;
  roles.client.ip_version = roles.server.ip_version = key.ip_version;
  const bool lo_client = flow.client_is_lo;
  roles.client.ip = lo_client ? key.lo_ip : key.hi_ip;
  roles.server.ip = lo_client ? key.hi_ip : key.lo_ip;
  roles.server_port = lo_client ? key.hi_port : key.lo_port;
  return roles;
}

// The EVE `dicom_association.user_identity.type` identifiers, so the two outputs agree.
std::string_view identity_type_id(std::uint8_t type) {
  static constexpr std::string_view kNames[] = {"none",     "username", "username_passcode",
                                                "kerberos", "saml",     "jwt"};
  return type < std::size(kNames) ? kNames[type] : std::string_view("unknown");
}

}  // namespace

Inventory::Inventory(const policy::Config* zones, InventoryLimits limits)
    : zones_(zones), limits_(limits) {
  if (zones_ != nullptr) classifier_ = policy::ZoneClassifier(zones_->zones);
}

void Inventory::merge(const Inventory& other) {
  counters_.devices_dropped += other.counters_.devices_dropped;
  counters_.entries_dropped += other.counters_.entries_dropped;
  counters_.flows_dropped += other.counters_.flows_dropped;
  const std::size_t limit = limits_.max_set_entries;
  for (const auto& [address, theirs] : other.devices_) {
    auto found = devices_.find(address);
    if (found == devices_.end()) {
      if (devices_.size() >= limits_.max_devices) {
        ++counters_.devices_dropped;
        continue;
      }
      devices_.emplace(address, theirs);
      continue;
    }
    Device& mine = found->second;
    if (mine.zone == policy::kNoZone) mine.zone = theirs.zone;
    if (theirs.first_seen != 0 && (mine.first_seen == 0 || theirs.first_seen < mine.first_seen)) {
      mine.first_seen = theirs.first_seen;
    }
    if (theirs.last_seen > mine.last_seen) mine.last_seen = theirs.last_seen;
    const std::uint64_t dropped_before = mine.entries_dropped;
    mine.vlans.merge(theirs.vlans, limit, mine.entries_dropped);
    mine.ae_titles_scu.merge(theirs.ae_titles_scu, limit, mine.entries_dropped);
    mine.ae_titles_scp.merge(theirs.ae_titles_scp, limit, mine.entries_dropped);
    mine.implementation_class_uids.merge(theirs.implementation_class_uids, limit, mine.entries_dropped);
    mine.implementation_version_names.merge(theirs.implementation_version_names, limit,
                                            mine.entries_dropped);
    mine.sop_classes.merge(theirs.sop_classes, limit, mine.entries_dropped);
    mine.dicom_server_ports.merge(theirs.dicom_server_ports, limit, mine.entries_dropped);
    mine.tls_versions.merge(theirs.tls_versions, limit, mine.entries_dropped);
    mine.tls_ciphers.merge(theirs.tls_ciphers, limit, mine.entries_dropped);
    mine.user_identity_types.merge(theirs.user_identity_types, limit, mine.entries_dropped);
    mine.peers.merge(theirs.peers, limit, mine.entries_dropped);
    mine.macs.merge(theirs.macs, limit, mine.entries_dropped);
    counters_.entries_dropped += mine.entries_dropped - dropped_before;
    mine.entries_dropped += theirs.entries_dropped;
  }
  for (const policy::ObservedFlow& flow : other.flows_) {
    if (flows_.contains(flow)) continue;
    if (flows_.size() >= limits_.max_flows) {
      ++counters_.flows_dropped;
      continue;
    }
    flows_.insert(flow);
  }
}

std::string_view Inventory::zone_name(policy::ZoneId zone) const {
  return zones_ != nullptr ? zones_->zone_name(zone) : std::string_view();
}

Device* Inventory::device(const DeviceAddress& address, const Flow& flow) {
  auto found = devices_.find(address);
  if (found == devices_.end()) {
    if (devices_.size() >= limits_.max_devices) {
      ++counters_.devices_dropped;
      return nullptr;
    }
    found = devices_.emplace(address, Device{}).first;
    Device& d = found->second;
    d.address = address;
    // The zone of the device's first flow: an address belongs to one zone; a VLAN only
    // decides for addresses no zone network claims (see ZoneClassifier).
    if (zones_ != nullptr) {
      d.zone = classifier_.zone_of(address.ip, address.ip_version,
                                   std::span(flow.key.vlan_ids.data(), flow.key.vlan_count));
    }
  }
  return &found->second;
}

Inventory::Endpoints Inventory::endpoints(const Flow& flow, TimestampNs first, TimestampNs last) {
  const FlowRoles roles = roles_of(flow);
  Endpoints ends;
  ends.client = device(roles.client, flow);
  ends.server = device(roles.server, flow);
  ends.server_port = roles.server_port;
  for (Device* d : {ends.client, ends.server}) {
    if (d == nullptr) continue;
    for (const TimestampNs ts : {first, last}) {
      if (ts == 0) continue;  // a time the record does not have
      if (d->first_seen == 0 || ts < d->first_seen) d->first_seen = ts;
      if (ts > d->last_seen) d->last_seen = ts;
    }
    for (std::uint8_t i = 0; i < flow.key.vlan_count; ++i) add(*d, d->vlans, flow.key.vlan_ids[i]);
  }
  if (ends.client != nullptr) add(*ends.client, ends.client->peers, roles.server);
  if (ends.server != nullptr) add(*ends.server, ends.server->peers, roles.client);
  return ends;
}

void Inventory::observe(const policy::ObservedFlowView& flow) {
  if (flows_.contains(flow)) return;
  if (flows_.size() >= limits_.max_flows) {
    ++counters_.flows_dropped;
    return;
  }
  flows_.insert(policy::ObservedFlow{flow.ip_version, *flow.client, *flow.server, flow.server_port,
                                     flow.tls, std::string(flow.calling_ae),
                                     std::string(flow.called_ae)});
}

void Inventory::on_association(const dicom::AssociationRecord& record) {
  if (record.flow == nullptr) return;
  Endpoints ends = endpoints(*record.flow, record.start_ts, record.end_ts);
  if (!record.midstream) {  // mid-stream: no AE titles seen, and the policy does not judge it
    const FlowRoles roles = roles_of(*record.flow);
    observe(policy::ObservedFlowView{roles.client.ip_version, &roles.client.ip, &roles.server.ip,
                                     roles.server_port, false, record.calling_ae,
                                     record.called_ae});
  }
  if (Device* client = ends.client) {
    add_text(*client, client->ae_titles_scu, record.calling_ae);
    add_text(*client, client->implementation_class_uids, record.requestor.implementation_class_uid);
    add_text(*client, client->implementation_version_names,
             record.requestor.implementation_version_name);
    if (record.user_identity_type != 0) {
      add_text(*client, client->user_identity_types, identity_type_id(record.user_identity_type));
    }
  }
  if (Device* server = ends.server) {
    add(*server, server->dicom_server_ports, ends.server_port);
    // Accepted: the A-ASSOCIATE-AC echoed the called AE title.
    if (!record.responding_ae.empty()) add_text(*server, server->ae_titles_scp, record.called_ae);
    add_text(*server, server->implementation_class_uids, record.acceptor.implementation_class_uid);
    add_text(*server, server->implementation_version_names,
             record.acceptor.implementation_version_name);
  }
  for (const dicom::ContextSummary& context : record.contexts) {
    if (!context.answered || context.result != 0) continue;
    for (Device* d : {ends.client, ends.server}) {
      if (d != nullptr) add_text(*d, d->sop_classes, context.abstract_syntax);
    }
  }
}

void Inventory::on_transaction(const dicom::TransactionRecord& record) {
  if (record.flow == nullptr) return;
  Endpoints ends = endpoints(*record.flow, record.request_ts, record.response_ts);
  for (Device* d : {ends.client, ends.server}) {
    if (d != nullptr) add_text(*d, d->sop_classes, record.sop_class_uid);
  }
}

void Inventory::on_tls(const dicom::TlsRecord& record) {
  if (record.flow == nullptr) return;
  Endpoints ends = endpoints(*record.flow, record.ts, record.ts);
  if (ends.server != nullptr) add(*ends.server, ends.server->dicom_server_ports, ends.server_port);
  if (!record.has_server_hello) return;
  std::string_view cipher = tls::cipher_suite_name(record.cipher_suite);
  std::array<char, 8> unknown{};  // "0x" and four hex digits, for a suite not in our table
  if (cipher.empty()) {
    const auto end =
        fmt::format_to_n(unknown.data(), unknown.size(), "0x{:04x}", record.cipher_suite);
    cipher = std::string_view(unknown.data(), end.size);
  }
  for (Device* d : {ends.client, ends.server}) {
    if (d == nullptr) continue;
    add_text(*d, d->tls_versions, tls::tls_version_name(record.version));
    add(*d, d->tls_ciphers, cipher);
  }
}

void Inventory::add_macs(Device& device, const MacBook& book) {
  for (const MacAddress& mac : book.find(device.address.ip_version, device.address.ip)) {
    std::array<char, 17> text;
    add(device, device.macs, std::string_view(text.data(), format_mac(mac, text)));
  }
}

void Inventory::on_flow_end(const Flow& flow, const MacBook* macs) {
  if (flow.app_proto != AppProto::kDicom && flow.app_proto != AppProto::kTls) return;
  Endpoints ends = endpoints(flow, flow.first_ts, flow.last_ts);
  if (ends.server != nullptr) add(*ends.server, ends.server->dicom_server_ports, ends.server_port);
  if (macs != nullptr) {
    for (Device* d : {ends.client, ends.server}) {
      if (d != nullptr) add_macs(*d, *macs);
    }
  }
  if (flow.app_proto == AppProto::kTls) {
    const FlowRoles roles = roles_of(flow);
    observe(policy::ObservedFlowView{roles.client.ip_version, &roles.client.ip, &roles.server.ip,
                                     roles.server_port, true, {}, {}});
  }
}

}  // namespace dicomsentry::inventory
