// The EVE flow header's endpoint text (format_ip, by hand: no sprintf): every octet width,
// both ends of the range and IPv6 are checked against the exact text; format_ip's own test
// compares it with inet_ntop over every group pattern.
#include "output/eve_flow_header.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <string>

#include "frame_builder.hpp"

namespace dicomsentry {
namespace {

std::string header_of(const Flow& flow) {
  fmt::memory_buffer out;
  JsonWriter json(out);
  json.begin_object();
  write_flow_header(json, flow, CommunityId{}, "");
  json.end_object();
  return std::string(json.view());
}

Flow ipv4_flow(const IpAddress& client, const IpAddress& server) {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_ip = server;
  flow.key.lo_port = 104;
  flow.key.hi_ip = client;
  flow.key.hi_port = 40000;
  flow.client_is_lo = 0;
  flow.flow_id = 7;
  return flow;
}

TEST(EveFlowHeader, Ipv4OctetsOfEveryWidth) {
  const Flow flow = ipv4_flow(synth::ipv4_address(0, 9, 10, 99), synth::ipv4_address(100, 199, 200, 255));
  EXPECT_EQ(header_of(flow),
            R"({"flow_id":7,"src_ip":"0.9.10.99","src_port":40000,"dest_ip":"100.199.200.255",)"
            R"("dest_port":104,"proto":"TCP"})");
}

TEST(EveFlowHeader, Ipv4RangeEnds) {
  const Flow flow = ipv4_flow(synth::ipv4_address(0, 0, 0, 0), synth::ipv4_address(255, 255, 255, 255));
  const std::string text = header_of(flow);
  EXPECT_NE(text.find(R"("src_ip":"0.0.0.0")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("dest_ip":"255.255.255.255")"), std::string::npos) << text;
}

// Every address a /8 sweep of octet values produces equals inet_ntop's text.
TEST(EveFlowHeader, Ipv4EqualsInetNtopForEveryOctetValue) {
  for (unsigned v = 0; v < 256; ++v) {
    const auto o = static_cast<std::uint8_t>(v);
    const IpAddress client = synth::ipv4_address(o, static_cast<std::uint8_t>(255 - v), o, 1);
    char expected[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, client.bytes.data(), expected, sizeof expected), nullptr);
    const std::string text = header_of(ipv4_flow(client, synth::ipv4_address(10, 0, 0, 1)));
    EXPECT_NE(text.find(std::string(R"("src_ip":")") + expected + '"'), std::string::npos) << text;
  }
}

TEST(EveFlowHeader, Ipv6UsesTheCompressedForm) {
  Flow flow;
  flow.key.ip_version = 6;
  flow.key.ip_proto = 6;
  flow.key.lo_ip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  flow.key.hi_ip.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  flow.key.lo_port = 104;
  flow.key.hi_port = 40000;
  flow.client_is_lo = 0;
  const std::string text = header_of(flow);
  EXPECT_NE(text.find(R"("src_ip":"::1")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("dest_ip":"2001:db8::1")"), std::string::npos) << text;
}

// The per-thread cache must never hand one flow's ID to another: same slot (flow_id modulo the
// cache size), same flow_id with another key, another seed, the client on the other side.
TEST(EveFlowHeader, CommunityIdCacheKeepsFlowsApart) {
  Flow a = ipv4_flow(synth::ipv4_address(10, 0, 0, 1), synth::ipv4_address(10, 0, 0, 2));
  Flow b = ipv4_flow(synth::ipv4_address(10, 0, 0, 3), synth::ipv4_address(10, 0, 0, 2));
  a.flow_id = 5;
  b.flow_id = 5 + 64 * 3;
  const auto direct = [](const Flow& f, std::uint16_t seed) {
    const FlowKey& k = f.key;
    return std::string(community_id_v1(4, k.hi_ip, k.lo_ip, k.ip_proto, k.hi_port, k.lo_port, seed).view());
  };
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(flow_community_id(a, 0).view(), direct(a, 0));
    EXPECT_EQ(flow_community_id(b, 0).view(), direct(b, 0));
    EXPECT_EQ(flow_community_id(a, 7).view(), direct(a, 7));
  }
  EXPECT_NE(direct(a, 0), direct(b, 0));
  EXPECT_NE(direct(a, 0), direct(a, 7));
  Flow same_id_other_key = b;
  same_id_other_key.flow_id = a.flow_id;
  EXPECT_EQ(flow_community_id(a, 0).view(), direct(a, 0));
  EXPECT_EQ(flow_community_id(same_id_other_key, 0).view(), direct(b, 0));
  // The same key seen from the other side: the client's endpoint comes first.
  Flow flipped = a;
  flipped.client_is_lo = 1;
  const FlowKey& k = a.key;
  EXPECT_EQ(flow_community_id(flipped, 0).view(),
            std::string(community_id_v1(4, k.lo_ip, k.hi_ip, 6, k.lo_port, k.hi_port, 0).view()));
  EXPECT_EQ(flow_community_id(a, 0).view(), direct(a, 0));
}

// write_flow_identity copies a flow's header from its per-thread cache: whatever was written
// before, every call must give exactly what write_flow_header gives for the same arguments.
// Covered: a repeat (the copy), the other direction, another app_proto, another seed, the
// client on the other side, another key under the same flow_id, flows sharing a slot, a
// VLAN-tagged IPv6 flow, and ICMP (never cached: its header follows the messages seen).
TEST(EveFlowHeader, CachedIdentityEqualsTheFormattedHeader) {
  const auto record = [](auto&& write) {
    fmt::memory_buffer out;
    JsonWriter json(out);
    json.begin_object();
    json.key_value("event_type", "x");
    write(json);
    json.key_value("after", 1);
    json.end_object();
    return std::string(json.view());
  };
  const auto cached = [&](const Flow& f, std::uint16_t seed, std::string_view proto, bool src_client) {
    return record([&](JsonWriter& json) { write_flow_identity(json, f, seed, proto, src_client); });
  };
  const auto formatted = [&](const Flow& f, std::uint16_t seed, std::string_view proto, bool src_client) {
    return record([&](JsonWriter& json) {
      write_flow_header(json, f, flow_community_id(f, seed), proto, src_client);
    });
  };
  Flow a = ipv4_flow(synth::ipv4_address(10, 0, 0, 1), synth::ipv4_address(10, 0, 0, 2));
  a.flow_id = 1'000'003;
  Flow other_key = ipv4_flow(synth::ipv4_address(10, 0, 0, 9), synth::ipv4_address(10, 0, 0, 2));
  other_key.flow_id = a.flow_id;
  Flow same_slot = ipv4_flow(synth::ipv4_address(10, 0, 0, 5), synth::ipv4_address(10, 0, 0, 6));
  same_slot.flow_id = a.flow_id + 512 * 7;
  Flow flipped = a;
  flipped.client_is_lo = 1;
  Flow tagged;
  tagged.key.ip_version = 6;
  tagged.key.ip_proto = 6;
  tagged.key.lo_ip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  tagged.key.hi_ip.bytes = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 9};
  tagged.key.lo_port = 11112;
  tagged.key.hi_port = 50000;
  tagged.key.vlan_count = 2;
  tagged.key.vlan_ids[0] = 100;
  tagged.key.vlan_ids[1] = 20;
  tagged.flow_id = 77;
  tagged.client_is_lo = 0;  // the client is the hi (link-local) endpoint
  Flow icmp = a;
  icmp.key.ip_proto = 1;
  icmp.key.lo_port = icmp.key.hi_port = 0;
  icmp.stream[0].flags = StreamState::kIcmpSeen;
  icmp.stream[0].icmp_type = 8;
  for (int round = 0; round < 3; ++round) {
    for (const Flow* f : {&a, &other_key, &same_slot, &flipped, &tagged, &icmp}) {
      for (const std::string_view proto : {"dicom", "", "failed"}) {
        for (const bool src_client : {true, false}) {
          for (const std::uint16_t seed : {0, 9}) {
            EXPECT_EQ(cached(*f, seed, proto, src_client), formatted(*f, seed, proto, src_client))
                << "flow " << f->flow_id << " proto '" << proto << "' src_client " << src_client;
          }
        }
      }
    }
    // ICMP: the reply's message, seen later, joins the header at once.
    icmp.stream[1].flags = StreamState::kIcmpSeen;
    icmp.stream[1].icmp_type = 0;
  }
  const std::string text = cached(tagged, 0, "dicom", true);
  EXPECT_NE(text.find(R"("vlan":[100,20])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("src_ip":"fe80::1234:0:0:9","src_port":50000)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("app_proto":"dicom","after":1})"), std::string::npos) << text;
  EXPECT_NE(formatted(a, 0, "dicom", true), formatted(other_key, 0, "dicom", true));
  EXPECT_NE(formatted(a, 0, "dicom", true), formatted(a, 0, "dicom", false));
}

}  // namespace
}  // namespace dicomsentry
