// The common EVE record prefix: timestamp, event type, flow identity and endpoints.
#include "output/eve_flow_header.hpp"

#include <algorithm>
#include <array>
#include <iterator>

#include "decode/ip_text.hpp"

namespace dicomsentry {

namespace {

bool is_icmp(const FlowKey& key) {
  return key.ip_proto == static_cast<std::uint8_t>(IpProto::kIcmp) ||
         key.ip_proto == static_cast<std::uint8_t>(IpProto::kIcmpV6);
}

// The first ICMP message's type and code from one side, if one was seen (see track_icmp).
const StreamState* icmp_side(const Flow& flow, Direction side) {
  const StreamState& s = flow.stream[static_cast<std::size_t>(side)];
  return (s.flags & StreamState::kIcmpSeen) != 0 ? &s : nullptr;
}

std::string_view proto_name(std::uint8_t proto, fmt::memory_buffer& scratch) {
  switch (proto) {
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 1:
      return "ICMP";
    case 58:
      return "IPv6-ICMP";
    default:
      scratch.clear();
      fmt::format_to(std::back_inserter(scratch), "{}", proto);
      return {scratch.data(), scratch.size()};
  }
}

}  // namespace

void begin_eve_record(JsonWriter& json, EveTimestampFormatter& timestamps, TimestampNs ts,
                      std::string_view event_type) {
  json.begin_object();
  json.key_plain_value("timestamp", timestamps.format(ts));
  json.key_plain_value("event_type", event_type);
}

CommunityId flow_community_id(const Flow& flow, std::uint16_t seed) {
  // Every event of a flow carries its Community ID (each DICOM transaction, the association,
  // the flow record), and a SHA-1 through OpenSSL costs about 3,500 instructions: the last
  // flows' IDs are kept per thread (each worker writes its own flows' events), so it is
  // computed about once per flow. The whole key is compared: a slot is only a hint.
  struct Cached {
    FlowKey key;
    std::uint64_t flow_id = 0;
    std::uint16_t seed = 0;
    bool client_is_lo = false;
    std::uint32_t icmp = 0;  // ICMP flows: the message hashed (it is set by the first one)
    CommunityId id;
  };
  constexpr std::size_t kSlots = 64;
  thread_local std::array<Cached, kSlots> cache;
  const FlowKey& key = flow.key;
  bool client_lo = flow.client_is_lo;
  std::uint16_t client_port = client_lo ? key.lo_port : key.hi_port;
  std::uint16_t server_port = client_lo ? key.hi_port : key.lo_port;
  std::uint32_t icmp = 0;
  if (is_icmp(key)) {
    // The spec hashes ICMP type and code as the ports: those of the client's first message,
    // or (when only the other side's was captured) that message from its sender's side.
    const StreamState* client = icmp_side(flow, Direction::kToServer);
    const StreamState* server = icmp_side(flow, Direction::kToClient);
    if (client == nullptr && server != nullptr) client_lo = !client_lo;
    const StreamState* first = client != nullptr ? client : server;
    client_port = first != nullptr ? first->icmp_type : 0;
    server_port = first != nullptr ? first->icmp_code : 0;
    icmp = 0x10000u | (std::uint32_t{client_port} << 8) | server_port | (client == nullptr ? 0x20000u : 0);
  }
  Cached& slot = cache[flow.flow_id % kSlots];
  if (slot.flow_id == flow.flow_id && slot.seed == seed && slot.client_is_lo == client_lo &&
      slot.icmp == icmp && slot.key == key && !slot.id.empty()) {
    return slot.id;
  }
  const CommunityId id = community_id_v1(key.ip_version, client_lo ? key.lo_ip : key.hi_ip,
                                         client_lo ? key.hi_ip : key.lo_ip, key.ip_proto,
                                         client_port, server_port, seed);
  slot = Cached{key, flow.flow_id, seed, client_lo, icmp, id};
  return id;
}

void write_flow_header(JsonWriter& json, const Flow& flow, const CommunityId& community_id,
                       std::string_view app_proto, bool src_is_client) {
  const FlowKey& key = flow.key;
  const bool src_lo = static_cast<bool>(flow.client_is_lo) == src_is_client;
  const IpAddress& src = src_lo ? key.lo_ip : key.hi_ip;
  const IpAddress& dst = src_lo ? key.hi_ip : key.lo_ip;
  const std::uint16_t sport = src_lo ? key.lo_port : key.hi_port;
  const std::uint16_t dport = src_lo ? key.hi_port : key.lo_port;
  json.key_value("flow_id", flow.flow_id);
  json.key_plain_value("src_ip", format_ip(key.ip_version, src).view());
  const bool has_ports = key.ip_proto == 6 || key.ip_proto == 17;
  if (has_ports) json.key_value("src_port", sport);
  json.key_plain_value("dest_ip", format_ip(key.ip_version, dst).view());
  if (has_ports) json.key_value("dest_port", dport);
  fmt::memory_buffer scratch;  // inline storage: only an unnamed protocol number uses it
  json.key_plain_value("proto", proto_name(key.ip_proto, scratch));
  if (is_icmp(key)) {
    // As Suricata writes ICMP flows: the source's first message, then the other side's.
    const Direction src_side = src_is_client ? Direction::kToServer : Direction::kToClient;
    if (const StreamState* s = icmp_side(flow, src_side)) {
      json.key_value("icmp_type", s->icmp_type);
      json.key_value("icmp_code", s->icmp_code);
    }
    if (const StreamState* s = icmp_side(flow, opposite(src_side))) {
      json.key_value("response_icmp_type", s->icmp_type);
      json.key_value("response_icmp_code", s->icmp_code);
    }
  }
  if (key.vlan_count > 0) {
    json.key("vlan");
    json.begin_array();
    for (std::size_t i = 0; i < key.vlan_count && i < key.vlan_ids.size(); ++i) {
      json.value(key.vlan_ids[i]);
    }
    json.end_array();
  }
  if (!community_id.empty()) json.key_plain_value("community_id", community_id.view());
  if (!app_proto.empty()) json.key_plain_value("app_proto", app_proto);
}

void write_flow_identity(JsonWriter& json, const Flow& flow, std::uint16_t seed,
                         std::string_view app_proto, bool src_is_client) {
  if (is_icmp(flow.key)) {
    write_flow_header(json, flow, flow_community_id(flow, seed), app_proto, src_is_client);
    return;
  }
  // An IPv6 header with a QinQ stack is about 230 bytes; a longer one is not kept.
  constexpr std::size_t kMaxHeader = 320;
  struct Cached {
    FlowKey key;
    std::uint64_t flow_id = 0;
    std::uint16_t seed = 0;
    bool client_is_lo = false;
    bool src_is_client = false;
    std::uint8_t app_proto_size = 0;
    std::array<char, 16> app_proto{};
    std::uint16_t size = 0;  // 0: empty slot
    std::array<char, kMaxHeader> members{};
  };
  // Enough for the events of a few hundred flows in progress at once (a flow's association
  // and transaction events come while other flows' come too, its flow record at its end).
  constexpr std::size_t kSlots = 512;
  thread_local std::array<Cached, kSlots> cache;
  Cached& slot = cache[(flow.flow_id * 2 + (src_is_client ? 1 : 0)) % kSlots];
  const bool client_lo = flow.client_is_lo;
  if (slot.size != 0 && slot.flow_id == flow.flow_id && slot.src_is_client == src_is_client &&
      slot.client_is_lo == client_lo && slot.seed == seed &&
      std::string_view(slot.app_proto.data(), slot.app_proto_size) == app_proto &&
      slot.key == flow.key) {
    json.raw_members({slot.members.data(), slot.size});
    return;
  }
  const std::size_t before = json.view().size();
  write_flow_header(json, flow, flow_community_id(flow, seed), app_proto, src_is_client);
  std::string_view members = json.view().substr(before);
  if (!members.empty() && members.front() == ',') members.remove_prefix(1);
  if (members.empty() || members.size() > kMaxHeader || app_proto.size() > slot.app_proto.size()) {
    slot.size = 0;
    return;
  }
  slot.key = flow.key;
  slot.flow_id = flow.flow_id;
  slot.seed = seed;
  slot.client_is_lo = client_lo;
  slot.src_is_client = src_is_client;
  slot.app_proto_size = static_cast<std::uint8_t>(app_proto.size());
  std::copy(app_proto.begin(), app_proto.end(), slot.app_proto.begin());
  slot.size = static_cast<std::uint16_t>(members.size());
  std::copy(members.begin(), members.end(), slot.members.begin());
}

}  // namespace dicomsentry
