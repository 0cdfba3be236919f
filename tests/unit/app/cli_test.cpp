// The dicomsentry program end to end: EVE records, exit status, error lines, filters.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "applayer/app_layer.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

Result run(const std::string& arguments) {
  Result result;
  const std::string command = fmt::format("{} --no-summary {} 2>&1", DICOMSENTRY_BINARY, arguments);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

std::vector<nlohmann::json> read_eve(const fs::path& path) {
  std::vector<nlohmann::json> events;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) events.push_back(nlohmann::json::parse(line));
  return events;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("dicomsentry_cli_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CliTest, EchoscuCaptureGivesOneFlowRecordAndStats) {
  const Result r = run(fmt::format("-r {}/echoscu.pcap -l {}", kPcaps, (dir_ / "logs").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto events = read_eve(dir_ / "logs" / "eve.json");
  // The C-ECHO when its response is seen, the association at A-RELEASE-RP, then the flow.
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["event_type"], "dicom");
  EXPECT_EQ(events[0]["dicom"]["command"], "C-ECHO");
  EXPECT_EQ(events[0]["dicom"]["status"], 0);
  EXPECT_EQ(events[0]["dicom"]["status_category"], "success");
  EXPECT_EQ(events[1]["event_type"], "dicom_association");
  EXPECT_EQ(events[1]["dicom_association"]["state"], "released");
  EXPECT_EQ(events[1]["dicom_association"]["called_ae"], "STORESCP");  // echoscu -aec STORESCP (make_captures.sh)
  EXPECT_EQ(events[1]["dicom_association"]["calling_ae"], "ECHOSCU");
  // The oracle: what tshark recorded for this capture when it was made.
  std::ifstream expected_in(kPcaps + "/expected/echoscu.json");
  const auto expected = nlohmann::json::parse(expected_in)["conversations"][0];
  const auto& flow = events[2];
  EXPECT_EQ(flow["app_proto"], "dicom");
  EXPECT_EQ(flow["event_type"], "flow");
  EXPECT_EQ(flow["src_ip"], expected["client"]["ip"]);
  EXPECT_EQ(flow["src_port"], expected["client"]["port"]);
  EXPECT_EQ(flow["dest_ip"], expected["server"]["ip"]);
  EXPECT_EQ(flow["dest_port"], 104);
  EXPECT_EQ(flow["proto"], "TCP");
  EXPECT_FALSE(flow.contains("vlan"));
  EXPECT_EQ(flow["flow"]["pkts_toserver"], expected["toserver"]["frames"]);
  EXPECT_EQ(flow["flow"]["pkts_toclient"], expected["toclient"]["frames"]);
  EXPECT_EQ(flow["flow"]["bytes_toserver"], expected["toserver"]["frame_bytes"]);
  EXPECT_EQ(flow["flow"]["bytes_toclient"], expected["toclient"]["frame_bytes"]);
  EXPECT_EQ(flow["flow"]["state"], "closed");
  EXPECT_EQ(flow["flow"]["reason"], "shutdown");
  EXPECT_EQ(flow["tcp"]["state"], "closed");
  EXPECT_EQ(flow["tcp"]["tcp_flags_ts"], "1b");
  EXPECT_EQ(flow["reassembly"]["toserver"]["bytes"], expected["toserver"]["stream_bytes"]);
  EXPECT_EQ(flow["reassembly"]["toclient"]["bytes"], expected["toclient"]["stream_bytes"]);
  EXPECT_EQ(flow["reassembly"]["toserver"]["gaps"], 0);
  EXPECT_EQ(flow["community_id"].get<std::string>().rfind("1:", 0), 0u);
  EXPECT_EQ(flow["flow_id"].get<std::uint64_t>() >> 51, 0u);
  // Suricata's timestamp shape: microseconds and a +0000 offset.
  EXPECT_EQ(flow["timestamp"].get<std::string>().size(), 31u);
  const auto& stats = events[3];
  EXPECT_EQ(stats["event_type"], "stats");
  EXPECT_EQ(stats["stats"]["app_layer"]["flow"]["dicom"], 1);
  EXPECT_EQ(stats["stats"]["app_layer"]["transactions"], 1);
  EXPECT_EQ(stats["stats"]["decoder"]["pkts"], 20);
  EXPECT_EQ(stats["stats"]["decoder"]["tcp"], 20);
  EXPECT_EQ(stats["stats"]["decoder"]["invalid"], 0);
  EXPECT_EQ(stats["stats"]["flow"]["created"], 1);
  EXPECT_EQ(stats["stats"]["tcp"]["bytes_delivered"],
            expected["toserver"]["stream_bytes"].get<int>() + expected["toclient"]["stream_bytes"].get<int>());
  // One session, returned at A-RELEASE-RP: nothing in use at the end, one charge at most.
  const auto& app = stats["stats"]["app_layer"];
  EXPECT_EQ(app["sessions_in_use"], 0);
  EXPECT_EQ(app["sessions_free"], 1);
  EXPECT_EQ(app["memuse"], 0);
  EXPECT_EQ(app["memuse_high_water"], dicomsentry::AppLayer::session_charge());
  EXPECT_EQ(app["memcap"], dicomsentry::AppLayerConfig{}.memcap_bytes);
  EXPECT_EQ(app["memcap_refused"], 0);
}

TEST_F(CliTest, BpfFilterSelectsFlows) {
  const Result r =
      run(fmt::format("-r {}/storescu_multi.pcap -f 'tcp port 11112' --eve {}", kPcaps, (dir_ / "e.json").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto events = read_eve(dir_ / "e.json");
  int flows = 0;
  for (const auto& e : events) {
    if (e["event_type"] == "flow") {
      ++flows;
      EXPECT_EQ(e["dest_port"], 11112);
    }
  }
  EXPECT_EQ(flows, 2);
  EXPECT_GT(events.back()["stats"]["capture"]["filtered_out"].get<int>(), 0);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("--no-such-option").status, 2);
  const Result bad_filter = run(fmt::format("-r {}/echoscu.pcap -f 'tcp port' --eve {}", kPcaps,
                                            (dir_ / "e.json").string()));
  EXPECT_EQ(bad_filter.status, 2);
  EXPECT_NE(bad_filter.output.find("bad BPF filter"), std::string::npos) << bad_filter.output;
}

TEST_F(CliTest, NonCaptureFileExitsOneWithOneLineError) {
  const fs::path junk = dir_ / "junk.pcap";
  std::ofstream(junk) << "GET / HTTP/1.1\r\n\r\n";
  const Result r = run(fmt::format("-r {} --eve {}", junk.string(), (dir_ / "e.json").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, fmt::format("dicomsentry: {}: offset 0: not a pcap or pcapng file: magic 0x47455420\n",
                                  junk.string()));
}

TEST_F(CliTest, TruncatedCaptureStillReportsWhatWasRead) {
  const fs::path cut = dir_ / "cut.pcap";
  fs::copy_file(kPcaps + "/echoscu.pcap", cut);
  fs::resize_file(cut, fs::file_size(cut) - 10);  // the last record loses its tail
  const Result r = run(fmt::format("-r {} --eve {}", cut.string(), (dir_ / "e.json").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find(cut.string() + ": offset "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;
  const auto events = read_eve(dir_ / "e.json");
  // The last frame (the final ACK) is lost: the echo and the release were still seen.
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1]["dicom_association"]["state"], "released");
  EXPECT_EQ(events[2]["flow"]["pkts_toserver"].get<int>() + events[2]["flow"]["pkts_toclient"].get<int>(), 19);
  EXPECT_EQ(events[3]["stats"]["decoder"]["pkts"], 19);
  EXPECT_EQ(events[3]["stats"]["capture"]["inputs_failed"], 1);
}

TEST_F(CliTest, SeveralFilesAndStdout) {
  const Result r = run(fmt::format("-r {0}/echoscu.pcap -r {0}/storescu_small.pcap --eve -", kPcaps));
  ASSERT_EQ(r.status, 0) << r.output;
  int flows = 0;
  std::size_t start = 0;
  while (start < r.output.size()) {
    const std::size_t end = r.output.find('\n', start);
    const auto event = nlohmann::json::parse(r.output.substr(start, end - start));
    if (event["event_type"] == "flow") ++flows;
    start = end + 1;
  }
  EXPECT_EQ(flows, 2);
}

}  // namespace
