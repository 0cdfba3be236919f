// The end-of-run summary on stderr, checked against a capture's independent oracle (tshark's
// frames and frame bytes, the instances stored, the A-RELEASE-RP seen), and --no-summary.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "output/human_units.hpp"

namespace {

const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

struct Result {
  int status = -1;
  std::string err;  // stderr only; the EVE log goes to /dev/null
};

Result run(const std::string& arguments) {
  Result result;
  const std::string command =
      fmt::format("timeout 60 {} --eve /dev/null {} 2>&1", DICOMSENTRY_BINARY, arguments);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.err.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The summary without its two wall-clock lines (duration, throughput), which vary per run.
std::string without_wall_clock(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start + 1);
    if (line.rfind("  duration ", 0) != 0 && line.rfind("  throughput ", 0) != 0) out += line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

TEST(SummaryCli, ThreeStoreAssociationsAgainstTheirOracle) {
  std::ifstream in(kPcaps + "/expected/storescu_multi.json");
  const nlohmann::json oracle = nlohmann::json::parse(in);
  std::uint64_t frame_bytes = 0, stores = 0, released = 0;
  for (const nlohmann::json& c : oracle["conversations"]) {
    frame_bytes += c["frame_bytes"].get<std::uint64_t>();
    stores += c["dicom"]["instances"].size();
    released += c["toclient"]["dicom_pdus"]["by_type"].value("0x06", 0);
  }
  const auto conversations = oracle["conversations"].size();
  ASSERT_EQ(conversations, 3u);  // what the lines below are written for

  const Result r = run(fmt::format("-r {}/storescu_multi.pcap", kPcaps));
  ASSERT_EQ(r.status, 0) << r.err;
  // All endpoints are 127.0.0.1: one talker, in every flow.
  EXPECT_EQ(without_wall_clock(r.err),
            fmt::format("dicomsentry: summary\n"
                        "  packets       {}\n"
                        "  bytes         {}\n"
                        "  drops         none\n"
                        "  flows         {}\n"
                        "  associations  {}: released {}\n"
                        "  transactions  {}: C-STORE {}\n"
                        "  top talkers (bytes sent and received; 1 address)\n"
                        "    127.0.0.1  {:>10}  100.0%\n",
                        oracle["file"]["frames"].get<std::uint64_t>(),
                        dicomsentry::format_bytes(frame_bytes), conversations, released,
                        released, stores, stores, dicomsentry::format_bytes(frame_bytes)));
}

TEST(SummaryCli, NoSummaryLeavesStderrEmpty) {
  const Result r = run(fmt::format("--no-summary -r {}/storescu_multi.pcap", kPcaps));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
}

}  // namespace
