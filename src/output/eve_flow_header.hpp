// The fields every flow-related EVE record starts with, shared by the flow and the
// application-layer writers so that both name the same endpoints the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "flow/flow.hpp"
#include "output/community_id.hpp"
#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"

namespace dicomsentry {

// Opens the record: `{"timestamp":...,"event_type":...`. `event_type` is copied unescaped
// (JsonWriter::key_plain_value): a name of the program's own, never text from the wire.
void begin_eve_record(JsonWriter& json, EveTimestampFormatter& timestamps, TimestampNs ts,
                      std::string_view event_type);

// The flow's Community ID (client first; the same for both directions). Recent flows' IDs are
// kept per thread, so calling it for every event of a flow costs one SHA-1 per flow.
CommunityId flow_community_id(const Flow& flow, std::uint16_t seed);

// flow_id, src_ip, src_port, dest_ip, dest_port, proto, vlan (when tagged), community_id
// (when computable) and app_proto (when not empty; a protocol name, copied unescaped like every
// field of the header). `src_is_client`: the client is the source,
// as in `flow` and the application events; false puts the server first (an `anomaly` in bytes
// the server sent).
void write_flow_header(JsonWriter& json, const Flow& flow, const CommunityId& community_id,
                       std::string_view app_proto, bool src_is_client = true);

// The same header, with the flow's Community ID for `seed`, copied from a per-thread cache of
// the last flows' headers when this flow's was written before: every event of a flow (the
// association, each transaction, each alert, the flow record) starts with the same members,
// and formatting addresses and hashing the Community ID each time was a tenth of an event's
// cost. The whole key, the client side, the seed and app_proto are compared; ICMP flows,
// whose header follows the messages seen, are always formatted.
void write_flow_identity(JsonWriter& json, const Flow& flow, std::uint16_t seed,
                         std::string_view app_proto, bool src_is_client = true);

// The flow's app_proto as Suricata writes it: empty (omitted) while no protocol was found.
inline std::string_view flow_app_proto(const Flow& flow) {
  return flow.app_proto == AppProto::kUnknown ? std::string_view() : app_proto_name(flow.app_proto);
}

}  // namespace dicomsentry
