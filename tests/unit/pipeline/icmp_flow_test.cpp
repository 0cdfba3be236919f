// ICMP and ICMPv6 flows: the first message of each side is kept and written as Suricata writes
// ICMP flows (icmp_type, icmp_code, response_icmp_type, response_icmp_code), and the Community
// ID hashes the client's type and code as the spec says (vectors from the spec's reference
// implementation, as in community_id_test.cpp).
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include "frame_builder.hpp"
#include "output/community_id.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_writer.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr TimestampNs kSecond = 1'000'000'000;

class NullConsumer final : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override {}
  void on_end(const StreamContext&) override {}
};

std::vector<std::byte> bytes(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (const unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

class IcmpFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "icmp_flow_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    ASSERT_TRUE(sink_.open((dir_ / "eve.json").string()));
  }
  void TearDown() override {
    sink_.close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // One ICMP message from `src` to `dst` through the pipeline, a second after the last.
  void send(std::uint8_t version, const IpAddress& src, const IpAddress& dst,
            const std::vector<std::byte>& message, std::uint16_t fragment_offset = 0,
            bool more_fragments = false) {
    synth::FrameSpec spec;
    spec.ip_version = version;
    spec.src_ip = src;
    spec.dst_ip = dst;
    spec.transport = version == 4 ? IpProto::kIcmp : IpProto::kIcmpV6;
    spec.payload = ByteView(message.data(), message.size());
    spec.ipv4_dont_fragment = fragment_offset == 0 && !more_fragments;
    spec.ipv4_fragment_offset = fragment_offset;
    spec.ipv4_more_fragments = more_fragments;
    std::vector<std::byte> frame;
    synth::build_frame(spec, frame);
    PacketView packet;
    ts_ += kSecond;
    packet.timestamp_ns = ts_;
    packet.bytes = ByteView(frame.data(), frame.size());
    packet.original_length = static_cast<std::uint32_t>(frame.size());
    packet.link_type = LinkType::kEthernet;
    pipeline_.process(packet);
  }

  // Every flow record, by source address, once the run ended.
  std::map<std::string, json> flows_by_source() {
    pipeline_.finish();
    sink_.flush();
    std::ifstream in(dir_ / "eve.json");
    std::map<std::string, json> out;
    for (std::string line; std::getline(in, line);) {
      json e = json::parse(line);
      if (e["event_type"] == "flow") out[e["src_ip"].get<std::string>()] = e;
    }
    return out;
  }

  fs::path dir_;
  EveSink sink_;
  NullConsumer consumer_;
  EveWriter writer_{sink_};
  Pipeline pipeline_{PipelineConfig{}, consumer_, &writer_};
  TimestampNs ts_ = 1'700'000'000 * kSecond;
};

TEST_F(IcmpFlowTest, EchoRequestAndReplyMakeOneFlowWithBothMessages) {
  const IpAddress host = synth::ipv4_address(192, 168, 0, 89);
  const IpAddress router = synth::ipv4_address(192, 168, 0, 1);
  send(4, host, router, bytes({8, 0, 0, 0, 0x12, 0x34, 0, 1}));
  send(4, router, host, bytes({0, 0, 0, 0, 0x12, 0x34, 0, 1}));
  send(4, host, router, bytes({8, 0, 0, 0, 0x12, 0x34, 0, 2}));
  const auto flows = flows_by_source();
  ASSERT_EQ(flows.size(), 1u);
  const json& f = flows.at("192.168.0.89");
  EXPECT_EQ(f["dest_ip"], "192.168.0.1");
  EXPECT_EQ(f["proto"], "ICMP");
  EXPECT_FALSE(f.contains("src_port"));
  EXPECT_EQ(f["icmp_type"], 8);
  EXPECT_EQ(f["icmp_code"], 0);
  EXPECT_EQ(f["response_icmp_type"], 0);
  EXPECT_EQ(f["response_icmp_code"], 0);
  EXPECT_EQ(f["community_id"], "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  EXPECT_EQ(f["flow"]["pkts_toserver"], 2);
  EXPECT_EQ(f["flow"]["pkts_toclient"], 1);
}

TEST_F(IcmpFlowTest, OneWayMessageHasNoResponseAndKeepsItsCode) {
  send(4, synth::ipv4_address(10, 0, 0, 1), synth::ipv4_address(10, 0, 0, 2),
       bytes({11, 0, 0, 0, 0, 0, 0, 0}));
  const auto flows = flows_by_source();
  ASSERT_EQ(flows.size(), 1u);
  const json& f = flows.at("10.0.0.1");
  EXPECT_EQ(f["icmp_type"], 11);
  EXPECT_EQ(f["icmp_code"], 0);
  EXPECT_FALSE(f.contains("response_icmp_type"));
  EXPECT_EQ(f["community_id"], "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
}

TEST_F(IcmpFlowTest, Icmpv6EchoUsesItsOwnTypes) {
  const IpAddress a = synth::ipv6_address({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
  const IpAddress b = synth::ipv6_address({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
  send(6, a, b, bytes({128, 0, 0, 0, 0, 7, 0, 1}));
  send(6, b, a, bytes({129, 0, 0, 0, 0, 7, 0, 1}));
  const auto flows = flows_by_source();
  ASSERT_EQ(flows.size(), 1u);
  const json& f = flows.at("2001:db8::1");
  EXPECT_EQ(f["proto"], "IPv6-ICMP");
  EXPECT_EQ(f["icmp_type"], 128);
  EXPECT_EQ(f["response_icmp_type"], 129);
  // The request and the reply hash alike (echo types are counterparts).
  EXPECT_EQ(f["community_id"], community_id_v1(6, a, b, 58, 128, 0).view());
  EXPECT_EQ(f["community_id"], community_id_v1(6, b, a, 58, 129, 0).view());
}

// A fragment at a non-zero offset carries no ICMP header: its bytes are not a type and code.
// The first fragment does carry it.
TEST_F(IcmpFlowTest, OnlyAFirstFragmentCarriesTheHeader) {
  send(4, synth::ipv4_address(10, 0, 1, 1), synth::ipv4_address(10, 0, 1, 2),
       bytes({5, 1, 2, 3, 4, 5, 6, 7}), /*fragment_offset=*/185);
  send(4, synth::ipv4_address(10, 0, 2, 1), synth::ipv4_address(10, 0, 2, 2),
       bytes({8, 0, 0, 0, 0, 1, 0, 1, 0xaa, 0xbb}), 0, /*more_fragments=*/true);
  const auto flows = flows_by_source();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_FALSE(flows.at("10.0.1.1").contains("icmp_type"));
  EXPECT_EQ(flows.at("10.0.2.1")["icmp_type"], 8);
}

}  // namespace
}  // namespace dicomsentry
