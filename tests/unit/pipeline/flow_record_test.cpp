// Flow records of what is not a plain TCP conversation.
// ICMP and ICMPv6 flows: the first message of each side is kept and written as Suricata writes
// ICMP flows (icmp_type, icmp_code, response_icmp_type, response_icmp_code), and the Community
// ID hashes the client's type and code as the spec says (vectors from the spec's reference
// implementation, as in community_id_test.cpp).
// IP fragments: a later fragment (no TCP header) is counted in its first fragment's flow, and
// one whose first was never seen in no flow at all.
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
#include "synthetic_traffic.hpp"
#include "output/community_id.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_writer.hpp"
#include "pipeline/pipeline.hpp"
#include "null_consumer.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr TimestampNs kSecond = 1'000'000'000;

using test::NullConsumer;

std::vector<std::byte> bytes(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (const unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

class FlowRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "flow_record_test.XXXXXX").string();
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
    synth::Frame frame;
    synth::build_frame(spec, frame.bytes);
    ts_ += kSecond;
    frame.ts = ts_;
    feed(frame);
  }

  void feed(const synth::Frame& frame) {
    PacketView packet;
    packet.timestamp_ns = frame.ts;
    packet.bytes = ByteView(frame.bytes.data(), frame.bytes.size());
    packet.original_length = static_cast<std::uint32_t>(frame.bytes.size());
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

TEST_F(FlowRecordTest, IcmpEchoRequestAndReplyMakeOneFlowWithBothMessages) {
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

TEST_F(FlowRecordTest, IcmpOneWayMessageHasNoResponseAndKeepsItsCode) {
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

TEST_F(FlowRecordTest, IcmpIcmpv6EchoUsesItsOwnTypes) {
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
TEST_F(FlowRecordTest, IcmpOnlyAFirstFragmentCarriesTheHeader) {
  send(4, synth::ipv4_address(10, 0, 1, 1), synth::ipv4_address(10, 0, 1, 2),
       bytes({5, 1, 2, 3, 4, 5, 6, 7}), /*fragment_offset=*/185);
  send(4, synth::ipv4_address(10, 0, 2, 1), synth::ipv4_address(10, 0, 2, 2),
       bytes({8, 0, 0, 0, 0, 1, 0, 1, 0xaa, 0xbb}), 0, /*more_fragments=*/true);
  const auto flows = flows_by_source();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_FALSE(flows.at("10.0.1.1").contains("icmp_type"));
  EXPECT_EQ(flows.at("10.0.2.1")["icmp_type"], 8);
}

// A client sends 4,000 bytes to port 104 in three segments; the first is fragmented in two.
// Another flow's segment arrives as its second fragment only (its first was lost).
TEST_F(FlowRecordTest, LaterFragmentsCountInTheirFirstFragmentsFlow) {
  synth::FlowSpec spec;
  spec.messages = {{synth::Direction::kClientToServer, std::vector<std::byte>(4000, std::byte{0x42})}};
  spec.ack_every = 0;
  const synth::SyntheticFlow flow = synth::make_flow(spec);
  synth::FlowSpec other_spec = spec;
  other_spec.client_port = 50000;
  other_spec.start_time += 1'000'000;
  const synth::SyntheticFlow other = synth::make_flow(other_spec);

  std::vector<synth::Frame> frames;
  std::size_t client_frames = 0;
  bool split = false;
  for (std::size_t i = 0; i < flow.frames.size(); ++i) {
    const bool to_server = flow.info[i].direction == synth::Direction::kClientToServer;
    client_frames += to_server ? 1 : 0;
    if (!split && to_server && flow.info[i].kind == synth::SegmentKind::kData) {
      split = true;
      for (const synth::Frame& f : synth::fragment_ipv4(flow.frames[i], 600, 0x1234)) frames.push_back(f);
      continue;
    }
    frames.push_back(flow.frames[i]);
  }
  ASSERT_TRUE(split);
  for (std::size_t i = 0; i < other.frames.size(); ++i) {
    if (other.info[i].kind == synth::SegmentKind::kData) {
      // Another datagram (its own identification) between the same addresses.
      const std::vector<synth::Frame> pieces = synth::fragment_ipv4(other.frames[i], 600, 0x1235);
      ASSERT_EQ(pieces.size(), 2u);
      frames.push_back(pieces[1]);  // the first fragment was lost
      break;
    }
  }
  std::stable_sort(frames.begin(), frames.end(),
                   [](const synth::Frame& a, const synth::Frame& b) { return a.ts < b.ts; });
  for (const synth::Frame& f : frames) feed(f);

  EXPECT_EQ(pipeline_.decode_counters().fragments_attributed, 1u);
  EXPECT_EQ(pipeline_.decode_counters().fragments_unattributed, 1u);
  const auto flows = flows_by_source();
  ASSERT_EQ(flows.size(), 1u);  // the orphan made no flow of its own
  const json& f = flows.at("10.0.0.1");
  EXPECT_EQ(f["src_port"], 49152);
  EXPECT_EQ(f["dest_port"], 104);
  EXPECT_EQ(f["flow"]["pkts_toserver"], client_frames + 1);
  // The fragmented segment's bytes never reached the stream: one gap of one segment.
  EXPECT_EQ(f["reassembly"]["toserver"]["gaps"], 1);
  EXPECT_EQ(f["reassembly"]["toserver"]["gap_bytes"], spec.mss);
  EXPECT_EQ(f["reassembly"]["toserver"]["bytes"], 4000 - spec.mss);
}

}  // namespace
}  // namespace dicomsentry
