// Helpers for the flow tests: decoded packets built field by field and a recording end handler.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "decode/decoded_packet.hpp"
#include "flow/flow_table.hpp"

namespace dicomsentry::flow_test {

inline constexpr TimestampNs kSecond = 1'000'000'000;

inline IpAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

// 2001:db8::<last> — an IPv6 address differing from others in its last byte.
inline IpAddress ipv6(std::uint8_t last) {
  IpAddress ip;
  ip.bytes[0] = 0x20;
  ip.bytes[1] = 0x01;
  ip.bytes[2] = 0x0d;
  ip.bytes[3] = 0xb8;
  ip.bytes[15] = last;
  return ip;
}

inline DecodedPacket tcp_packet(const IpAddress& src, std::uint16_t src_port, const IpAddress& dst,
                                std::uint16_t dst_port, std::uint8_t flags,
                                std::initializer_list<std::uint16_t> vlans = {},
                                std::uint8_t ip_version = 4) {
  DecodedPacket p;
  p.result = DecodeResult::kTcp;
  p.ip_version = ip_version;
  p.ip_proto = static_cast<std::uint8_t>(IpProto::kTcp);
  p.src_ip = src;
  p.dst_ip = dst;
  p.src_port = src_port;
  p.dst_port = dst_port;
  p.tcp.flags = flags;
  for (std::uint16_t id : vlans) p.vlan_ids[p.vlan_count++] = id;
  p.vlan_depth = p.vlan_count;
  return p;
}

inline DecodedPacket udp_packet(const IpAddress& src, std::uint16_t src_port, const IpAddress& dst,
                                std::uint16_t dst_port) {
  DecodedPacket p = tcp_packet(src, src_port, dst, dst_port, 0);
  p.result = DecodeResult::kUdp;
  p.ip_proto = static_cast<std::uint8_t>(IpProto::kUdp);
  return p;
}

struct EndRecord {
  std::uint64_t flow_id;
  FlowEndReason reason;
  FlowKey key;
  TimestampNs last_ts;
};

class RecordingEndHandler : public FlowEndHandler {
 public:
  void on_flow_end(Flow& flow) override {
    ends.push_back({flow.flow_id, flow.end_reason, flow.key, flow.last_ts});
  }
  std::vector<EndRecord> ends;
};

// Looks a packet up the way the pipeline does.
inline FlowTable::Lookup look(FlowTable& table, const DecodedPacket& packet, TimestampNs ts) {
  return table.lookup(make_flow_key(packet), packet, ts);
}

}  // namespace dicomsentry::flow_test
