// --workers: N workers give the events and counts one gives, on every capture in pcaps/ and on
// a synthetic capture with impairments and flows that time out mid-capture. Lines may come in
// another order across workers, so events are compared as multisets. Two things are allowed to
// differ, and only these: the memory figures of `stats` (memuse, memcap and high-water marks,
// free sessions and Hyperscan streams kept for reuse: each worker has its own pools, and the
// sum of their high-water marks is not the peak), and
// for rules with `threshold`/`detection_filter`, WHICH hits alert when the counted hits come
// from flows on different workers (as in Suricata): their alert count per rule must still be equal.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dicom_conversation.hpp"
#include "synthetic_traffic.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kPcaps = DICOMSENTRY_PCAP_DIR;
const std::string kRules = kPcaps + "/../rules/dicomsentry.rules";
const std::string kConfig = kPcaps + "/../rules/dicomsentry.yaml";

// sids of the default rules whose alerts depend on hit order across flows.
std::set<int> threshold_sids() {
  std::set<int> sids;
  std::ifstream in(kRules);
  const std::regex sid(R"(\bsid:\s*(\d+))");
  std::string rule;
  for (std::string part; std::getline(in, part);) {
    // A rule may go on over several lines, each but the last ending in a backslash.
    const bool continued = !part.empty() && part.back() == '\\';
    rule.append(part, 0, continued ? part.size() - 1 : part.size());
    if (continued) continue;
    std::smatch m;
    if (!rule.empty() && rule[0] != '#' &&
        (rule.find("threshold:") != std::string::npos ||
         rule.find("detection_filter:") != std::string::npos) &&
        std::regex_search(rule, m, sid)) {
      sids.insert(std::stoi(m[1]));
    }
    rule.clear();
  }
  EXPECT_EQ(sids.size(), 4u);  // the rules file's four counting rules
  return sids;
}

struct RunOutput {
  int status = -1;
  std::multiset<std::string> events;      // canonical JSON of every other event
  std::map<int, int> threshold_alerts;    // sid -> count
  std::string inventory;                  // inventory.json as written
  std::size_t lines = 0;
};

RunOutput run_with_workers(const std::string& capture, unsigned workers,
                           const std::string& read_options = "") {
  static const std::set<int> kThresholdSids = threshold_sids();
  const fs::path dir = fs::temp_directory_path() /
                       fmt::format("ds_workers_{}_{}", ::getpid(), workers);
  fs::remove_all(dir);
  const std::string command =
      fmt::format("timeout 120 {} --workers {} {} -r {} -S {} -c {} -l {} 2>/dev/null",
                  DICOMSENTRY_BINARY, workers, read_options, capture, kRules, kConfig, dir.string());
  RunOutput out;
  out.status = std::system(command.c_str());
  std::ifstream eve(dir / "eve.json");
  for (std::string line; std::getline(eve, line);) {
    ++out.lines;
    json e = json::parse(line);
    if (e["event_type"] == "stats") {
      for (auto& [name, section] : e["stats"].items()) {
        if (!section.is_object()) continue;
        std::vector<std::string> memory_keys;
        for (const auto& [key, value] : section.items()) {
          // Per-worker tables: each worker's MAC book holds the addresses of its own flows.
          if (key.find("memuse") != std::string::npos || key.find("memcap") != std::string::npos ||
              key.find("high_water") != std::string::npos || key.starts_with("mac_book_") ||
              key == "sessions_free" || key == "hs_streams_open") {
            memory_keys.push_back(key);
          }
        }
        for (const std::string& key : memory_keys) section.erase(key);
      }
    }
    if (e["event_type"] == "alert") {
      const int sid = e["alert"]["signature_id"].get<int>();
      if (e["alert"]["gid"] == 1 && kThresholdSids.contains(sid)) {
        ++out.threshold_alerts[sid];
        continue;
      }
    }
    out.events.insert(e.dump());
  }
  std::ifstream inventory(dir / "inventory.json");
  out.inventory.assign(std::istreambuf_iterator<char>(inventory), {});
  fs::remove_all(dir);
  return out;
}

// One worker reading the mapped file against several workers reading it streamed: through
// the default buffers, and through 4 KiB ones (a window per few packets, so buffers are
// reused while the workers still hold packets from the windows before).
void expect_same_with_workers(const std::string& capture) {
  const RunOutput one = run_with_workers(capture, 1, "--mmap");
  ASSERT_GT(one.lines, 0u) << capture;
  for (const auto& [workers, read_options] :
       {std::pair<unsigned, std::string>{1, ""}, {2, ""}, {3, ""}, {2, "--file-window 4096"}}) {
    const RunOutput many = run_with_workers(capture, workers, read_options);
    SCOPED_TRACE(fmt::format("{} with {} workers {}", capture, workers, read_options));
    EXPECT_EQ(many.status, one.status);
    EXPECT_EQ(many.lines, one.lines);
    EXPECT_EQ(many.threshold_alerts, one.threshold_alerts);
    EXPECT_EQ(many.inventory, one.inventory);
    // Name the first few differing events rather than dumping both sets.
    std::vector<std::string> only_one, only_many;
    std::set_difference(one.events.begin(), one.events.end(), many.events.begin(),
                        many.events.end(), std::back_inserter(only_one));
    std::set_difference(many.events.begin(), many.events.end(), one.events.begin(),
                        one.events.end(), std::back_inserter(only_many));
    EXPECT_TRUE(only_one.empty() && only_many.empty())
        << only_one.size() << " events only with 1 worker, e.g. "
        << (only_one.empty() ? "" : only_one[0]) << "\n"
        << only_many.size() << " only with " << workers << ", e.g. "
        << (only_many.empty() ? "" : only_many[0]);
  }
}

TEST(Workers, EveryBundledCaptureGivesTheSameEvents) {
  std::vector<std::string> captures;
  for (const auto& entry : fs::directory_iterator(kPcaps)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".pcap" || ext == ".pcapng") captures.push_back(entry.path().string());
  }
  std::sort(captures.begin(), captures.end());
  ASSERT_GE(captures.size(), 20u);
  for (const std::string& capture : captures) expect_same_with_workers(capture);
}

// 96 associations from 24 clients to 3 servers, spread over 10 minutes of packet time, with
// loss, reordering, retransmissions and overlaps; a third never close, so they end by timeout
// in the middle of the capture (the workers must check timeouts where one pipeline does).
TEST(Workers, SyntheticImpairedTrafficWithTimeoutsGivesTheSameEvents) {
  using namespace dicomsentry;
  using namespace dicomsentry::synth;
  std::vector<SyntheticFlow> flows;
  for (int i = 0; i < 96; ++i) {
    AssociateRqSpec rq;
    rq.calling_ae = fmt::format("MOD{:02}", i % 24);
    rq.called_ae = fmt::format("PACS{}", i % 3);
    rq.contexts = {{1, std::string(uids::kCtImageStorage), {std::string(uids::kExplicitLittleEndian)}},
                   {3, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}}};
    DicomConversation c(rq, accept_all(rq));
    ImageSpec image;
    image.rows = 64;
    image.columns = 64 + i;
    image.sop_instance_uid = fmt::format("1.2.826.0.1.3680043.9.7433.1.{}", i + 1);
    c.echo(3, 1).store(1, 2, image);
    if (i % 3 != 0) c.release();
    FlowSpec spec;
    spec.client_ip = ipv4_address(10, 1, 0, static_cast<std::uint8_t>(1 + i % 24));
    spec.server_ip = ipv4_address(10, 2, 0, static_cast<std::uint8_t>(1 + i % 3));
    spec.client_port = static_cast<std::uint16_t>(40000 + i);
    spec.server_port = 104;
    spec.close = i % 3 == 0 ? CloseKind::kNone : CloseKind::kFin;
    spec.start_time += static_cast<TimestampNs>(i) * 6'500'000'000;  // 6.5 s apart
    spec.gap = 2'000'000;
    spec.seed = static_cast<std::uint64_t>(i) + 7;
    spec.reorder_probability = 0.05;
    spec.retransmit_probability = 0.05;
    spec.overlap_probability = 0.02;
    spec.loss_probability = i % 8 == 0 ? 0.02 : 0;
    flows.push_back(make_flow(c.flow_spec(spec)));
  }
  const fs::path path = fs::temp_directory_path() / fmt::format("ds_workers_synth_{}.pcap", ::getpid());
  std::string error;
  ASSERT_TRUE(write_pcap(path.string(), flows, &error)) << error;
  const RunOutput one = run_with_workers(path.string(), 1);
  // The capture does what it is meant to: flows end by timeout before the end.
  std::size_t timeouts = 0;
  for (const std::string& e : one.events) timeouts += e.find(R"("reason":"timeout")") != std::string::npos;
  EXPECT_GE(timeouts, 20u);
  expect_same_with_workers(path.string());
  fs::remove(path);
}

// MACs in the inventory do not depend on how flows are spread over workers: 12 clients with
// their own MACs (half on VLAN 20) reach two servers, each server directly with its own MAC
// and through a router (00:00:5e:00:01:01), so each server has two MACs from different flows.
TEST(Workers, DistinctMacsGiveTheSameInventory) {
  using namespace dicomsentry;
  using namespace dicomsentry::synth;
  std::vector<SyntheticFlow> flows;
  for (int i = 0; i < 12; ++i) {
    AssociateRqSpec rq;
    rq.calling_ae = fmt::format("MOD{:02}", i);
    rq.called_ae = "PACS";
    rq.contexts = {{1, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}}};
    DicomConversation c(rq, accept_all(rq));
    c.echo(1, 1).release();
    FlowSpec spec;
    const bool routed = i % 2 == 1;
    spec.client_ip = ipv4_address(10, routed ? 4 : 3, 0, static_cast<std::uint8_t>(1 + i));
    spec.server_ip = ipv4_address(10, 3, 0, static_cast<std::uint8_t>(200 + i % 4 / 2));
    spec.client_port = static_cast<std::uint16_t>(41000 + i);
    spec.client_mac = {0x02, 0x00, 0x00, 0x03, 0x00, static_cast<std::uint8_t>(1 + i)};
    spec.server_mac = routed ? MacAddress{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01}
                             : MacAddress{0x02, 0x00, 0x00, 0x03, 0x00,
                                          static_cast<std::uint8_t>(200 + i % 4 / 2)};
    if (routed) spec.vlans = {20};
    spec.start_time += static_cast<TimestampNs>(i) * 300'000'000;
    flows.push_back(make_flow(c.flow_spec(spec)));
  }
  const fs::path path = fs::temp_directory_path() / fmt::format("ds_workers_macs_{}.pcap", ::getpid());
  std::string error;
  ASSERT_TRUE(write_pcap(path.string(), flows, &error)) << error;
  const RunOutput one = run_with_workers(path.string(), 1);
  const json inventory = json::parse(one.inventory);
  std::map<std::string, std::vector<std::string>> macs;
  for (const json& d : inventory["devices"]) macs[d["ip"]] = d["macs"].get<std::vector<std::string>>();
  ASSERT_EQ(macs.size(), 14u);
  EXPECT_EQ(macs["10.3.0.1"], std::vector<std::string>{"02:00:00:03:00:01"});
  EXPECT_EQ(macs["10.4.0.12"], std::vector<std::string>{"02:00:00:03:00:0c"});
  EXPECT_EQ(macs["10.3.0.200"], (std::vector<std::string>{"00:00:5e:00:01:01", "02:00:00:03:00:c8"}));
  EXPECT_EQ(macs["10.3.0.201"], (std::vector<std::string>{"00:00:5e:00:01:01", "02:00:00:03:00:c9"}));
  expect_same_with_workers(path.string());
  fs::remove(path);
}

}  // namespace

// IP fragments: a later fragment carries no ports, so the ingest thread must send it where its
// first fragment went, and each worker count it in that flow. 24 associations, each with every
// third client data segment fragmented (its own IP identification); every fifth such segment
// lost its first fragment.
TEST(Workers, LaterFragmentsFollowTheirFirstFragment) {
  using namespace dicomsentry;
  using namespace dicomsentry::synth;
  std::vector<SyntheticFlow> flows;
  std::uint16_t id = 1;  // the next fragmented segment's IP identification
  std::size_t attributed = 0;
  std::size_t unattributed = 0;
  for (int i = 0; i < 24; ++i) {
    AssociateRqSpec rq;
    rq.calling_ae = fmt::format("MOD{:02}", i);
    rq.called_ae = "PACS";
    rq.contexts = {{1, std::string(uids::kCtImageStorage), {std::string(uids::kExplicitLittleEndian)}}};
    DicomConversation c(rq, accept_all(rq));
    ImageSpec image;
    image.rows = 32;
    image.columns = 96 + i;
    image.sop_instance_uid = fmt::format("1.2.826.0.1.3680043.9.7433.2.{}", i + 1);
    c.store(1, 1, image).release();
    FlowSpec spec;
    spec.client_ip = ipv4_address(10, 5, 0, static_cast<std::uint8_t>(1 + i % 6));
    spec.server_ip = ipv4_address(10, 6, 0, 1);
    spec.client_port = static_cast<std::uint16_t>(42000 + i);
    spec.start_time += static_cast<TimestampNs>(i) * 50'000'000;
    SyntheticFlow flow = make_flow(c.flow_spec(spec));
    SyntheticFlow split;
    int data_segments = 0;
    for (std::size_t f = 0; f < flow.frames.size(); ++f) {
      const bool client_data = flow.info[f].direction == Direction::kClientToServer &&
                               flow.info[f].kind == SegmentKind::kData;
      if (client_data && ++data_segments % 3 == 0) {
        std::vector<Frame> pieces = fragment_ipv4(flow.frames[f], 512, id++);
        ASSERT_EQ(pieces.size(), 2u);
        if (id % 5 == 0) {
          pieces.erase(pieces.begin());
          ++unattributed;
        } else {
          ++attributed;
        }
        for (Frame& piece : pieces) split.frames.push_back(std::move(piece));
        continue;
      }
      split.frames.push_back(flow.frames[f]);
    }
    flows.push_back(std::move(split));
  }
  ASSERT_GT(unattributed, 0u);
  const fs::path path = fs::temp_directory_path() / fmt::format("ds_workers_frag_{}.pcap", ::getpid());
  std::string error;
  ASSERT_TRUE(write_pcap(path.string(), flows, &error)) << error;
  const RunOutput one = run_with_workers(path.string(), 1);
  bool found = false;
  std::size_t port_zero_flows = 0;
  for (const std::string& line : one.events) {
    const json e = json::parse(line);
    if (e["event_type"] == "flow" && (!e.contains("src_port") || e["src_port"] == 0)) ++port_zero_flows;
    if (e["event_type"] != "stats") continue;
    found = true;
    EXPECT_EQ(e["stats"]["decoder"]["fragments_attributed"], attributed);
    EXPECT_EQ(e["stats"]["decoder"]["fragments_unattributed"], unattributed);
    EXPECT_EQ(e["stats"]["flow"]["created"], 24);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(port_zero_flows, 0u);
  expect_same_with_workers(path.string());
  fs::remove(path);
}
