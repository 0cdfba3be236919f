// The kernel's own ICMP, ICMPv6 and IP fragments on loopback (pcaps/icmp_fragments.pcap, made
// by pcaps/make_icmp_capture.sh) against tshark's reading of the same frames
// (pcaps/expected/icmp_fragments.json): every flow's Community ID is the one tshark's Community
// ID post-dissector gives its frames, ICMP flows carry each side's first type and code, and a
// UDP datagram split into three fragments is one flow of three packets with its ports.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

struct SensorRun {
  std::vector<json> flows;
  json decoder;
};

SensorRun run_sensor(const std::string& capture) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("ds_icmp_capture_{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string command = fmt::format("timeout 60 {} -r {} -l {} >/dev/null 2>&1",
                                          DICOMSENTRY_BINARY, capture, dir.string());
  SensorRun run;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream eve(dir / "eve.json");
  for (std::string line; std::getline(eve, line);) {
    json e = json::parse(line);
    if (e["event_type"] == "flow") run.flows.push_back(e);
    if (e["event_type"] == "stats") run.decoder = e["stats"]["decoder"];
  }
  fs::remove_all(dir);
  return run;
}

std::string source_of(const json& frame) {
  return frame.contains("ip_src") ? frame["ip_src"].get<std::string>() : frame["ipv6_src"].get<std::string>();
}
std::string destination_of(const json& frame) {
  return frame.contains("ip_dst") ? frame["ip_dst"].get<std::string>() : frame["ipv6_dst"].get<std::string>();
}
bool is_icmp(const json& frame) { return frame.contains("icmp_type") || frame.contains("icmpv6_type"); }
int icmp_type(const json& frame) { return frame.value("icmp_type", frame.value("icmpv6_type", -1)); }
int icmp_code(const json& frame) { return frame.value("icmp_code", frame.value("icmpv6_code", -1)); }

TEST(IcmpCapture, FlowsMatchTsharkFrameByFrame) {
  std::ifstream oracle_file(kPcaps + "/expected/icmp_fragments.json");
  ASSERT_TRUE(oracle_file) << "missing oracle";
  const json frames = json::parse(oracle_file)["frames"];
  ASSERT_EQ(frames.size(), 14u);
  const SensorRun run = run_sensor(kPcaps + "/icmp_fragments.pcap");

  // ICMP: one flow per address pair, its client the sender of the pair's first frame.
  std::map<std::pair<std::string, std::string>, std::vector<json>> icmp_pairs;
  // UDP: one flow per datagram's endpoints; its frames are the datagram's fragments.
  std::map<std::string, std::vector<json>> udp_by_source;
  std::size_t later_fragments = 0;
  for (const json& f : frames) {
    later_fragments += f.value("fragment_offset", 0) > 0 ? 1 : 0;
    if (is_icmp(f)) {
      const std::string from = source_of(f);
      const std::string to = destination_of(f);
      icmp_pairs[{std::min(from, to), std::max(from, to)}].push_back(f);
    } else {
      udp_by_source[source_of(f)].push_back(f);
    }
  }
  ASSERT_EQ(icmp_pairs.size(), 4u);
  ASSERT_EQ(udp_by_source.size(), 2u);
  EXPECT_EQ(later_fragments, 2u);
  EXPECT_EQ(run.flows.size(), icmp_pairs.size() + udp_by_source.size());
  EXPECT_EQ(run.decoder["fragments_attributed"], later_fragments);
  EXPECT_EQ(run.decoder["fragments_unattributed"], 0);

  for (const auto& [pair, pair_frames] : icmp_pairs) {
    SCOPED_TRACE(pair.first + " " + pair.second);
    const json& first = pair_frames.front();
    const json* flow = nullptr;
    for (const json& e : run.flows) {
      if (e["src_ip"] == source_of(first) && e["dest_ip"] == destination_of(first) &&
          e["proto"] != "UDP") {
        flow = &e;
      }
    }
    ASSERT_NE(flow, nullptr);
    EXPECT_FALSE(flow->contains("src_port"));
    // tshark gives every frame of an exchange the same ID (request and reply types are
    // counterparts); the flow has that one.
    for (const json& f : pair_frames) EXPECT_EQ((*flow)["community_id"], f["community_id"]);
    EXPECT_EQ((*flow)["icmp_type"], icmp_type(first));
    EXPECT_EQ((*flow)["icmp_code"], icmp_code(first));
    const json* reply = nullptr;
    for (const json& f : pair_frames) {
      if (reply == nullptr && source_of(f) != source_of(first)) reply = &f;
    }
    if (reply != nullptr) {
      EXPECT_EQ((*flow)["response_icmp_type"], icmp_type(*reply));
      EXPECT_EQ((*flow)["response_icmp_code"], icmp_code(*reply));
    } else {
      EXPECT_FALSE(flow->contains("response_icmp_type"));
    }
    EXPECT_EQ((*flow)["flow"]["pkts_toserver"].get<std::size_t>() +
                  (*flow)["flow"]["pkts_toclient"].get<std::size_t>(),
              pair_frames.size());
  }

  for (const auto& [source, datagram] : udp_by_source) {
    SCOPED_TRACE(source);
    // tshark names the ports (and hashes them) on the frame that completes the datagram.
    const json* with_ports = nullptr;
    for (const json& f : datagram) {
      if (f.contains("udp_srcport")) with_ports = &f;
    }
    ASSERT_NE(with_ports, nullptr);
    const json* flow = nullptr;
    for (const json& e : run.flows) {
      if (e["src_ip"] == source && e["proto"] == "UDP") flow = &e;
    }
    ASSERT_NE(flow, nullptr);
    EXPECT_EQ((*flow)["src_port"], (*with_ports)["udp_srcport"]);
    EXPECT_EQ((*flow)["dest_port"], (*with_ports)["udp_dstport"]);
    EXPECT_EQ((*flow)["community_id"], (*with_ports)["community_id"]);
    EXPECT_EQ((*flow)["flow"]["pkts_toserver"], datagram.size());
  }
}

}  // namespace
