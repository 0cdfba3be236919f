// --baseline and --suggest-policy through the CLI, on real captures: the inventory of one run
// is the baseline of the next, and the policy suggested from a capture allows that capture and
// refuses other traffic.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

struct CliRun {
  int status = -1;
  std::string err;
  std::vector<json> events;
};

class BaselineCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("ds_baseline_cli_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  CliRun run(const std::string& arguments) {
    const fs::path eve = dir_ / "eve.json";
    fs::remove(eve);
    const std::string command = fmt::format("timeout 60 {} --no-summary --eve {} {} 2>{}",
                                            DICOMSENTRY_BINARY, eve.string(), arguments,
                                            (dir_ / "stderr.txt").string());
    CliRun r;
    const int status = std::system(command.c_str());
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(dir_ / "stderr.txt");
    r.err.assign(std::istreambuf_iterator<char>(err), {});
    std::ifstream in(eve);
    for (std::string line; std::getline(in, line);) r.events.push_back(json::parse(line));
    return r;
  }
  fs::path dir_;
};

std::multiset<std::string> baseline_alerts(const CliRun& r) {
  std::multiset<std::string> out;
  for (const json& e : r.events) {
    if (e["event_type"] == "alert" && e["alert"]["gid"] == 3) {
      out.insert(fmt::format("{} {}", e["alert"]["signature_id"].get<int>(),
                             e["alert"]["signature"].get<std::string>()));
    }
  }
  return out;
}

// echo_sweep against the inventory of storescu_small: the eight sweep targets 127.0.0.2-.9 are
// new devices; SWEEPER and ECHOSCU new SCU titles of 127.0.0.1; nmap's DCMTK 3.6.2 identity a
// new implementation. Nothing else is new (storescu_small is DCMTK 3.6.7 on 127.0.0.1 too).
TEST_F(BaselineCli, NewDevicesTitlesAndImplementationsAlertOnceEach) {
  const CliRun first = run(fmt::format("-r {}/storescu_small.pcap -l {}", kPcaps, dir_.string()));
  ASSERT_EQ(first.status, 0) << first.err;
  const fs::path baseline = dir_ / "baseline.json";
  fs::rename(dir_ / "inventory.json", baseline);
  // The same capture against its own inventory: nothing is new.
  const CliRun same =
      run(fmt::format("-r {}/storescu_small.pcap --baseline {}", kPcaps, baseline.string()));
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_TRUE(baseline_alerts(same).empty());

  std::multiset<std::string> expected;
  for (int host = 2; host <= 9; ++host) {
    expected.insert(fmt::format("1 dicomsentry baseline: new device 127.0.0.{}", host));
  }
  expected.insert("2 dicomsentry baseline: new AE title SWEEPER as SCU of 127.0.0.1");
  expected.insert("2 dicomsentry baseline: new AE title ECHOSCU as SCU of 127.0.0.1");
  for (const char* workers : {"1", "2"}) {
    const CliRun sweep = run(fmt::format("--workers {} -r {}/echo_sweep.pcap --baseline {}",
                                         workers, kPcaps, baseline.string()));
    ASSERT_EQ(sweep.status, 0) << sweep.err;
    const std::multiset<std::string> got = baseline_alerts(sweep);
    ASSERT_EQ(got.size(), 11u) << workers;
    std::multiset<std::string> devices_and_titles;
    int implementations = 0;
    for (const std::string& a : got) {
      if (a.rfind("3 ", 0) == 0) {
        ++implementations;
        EXPECT_NE(a.find("OFFIS_DCMTK_362"), std::string::npos) << a;
      } else {
        devices_and_titles.insert(a);
      }
    }
    EXPECT_EQ(implementations, 1);
    EXPECT_EQ(devices_and_titles, expected) << workers << " workers";
  }
}

TEST_F(BaselineCli, ABadBaselineStopsTheRunWithOneLine) {
  const fs::path bad = dir_ / "bad.json";
  std::ofstream(bad) << "{\"devices\": 7}";
  const CliRun r = run(fmt::format("-r {}/echoscu.pcap --baseline {}", kPcaps, bad.string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;
  EXPECT_TRUE(r.events.empty());
}

// The policy suggested from storescu_multi loads with -c, allows every association of that
// capture and refuses those of echo_sweep (other AE titles and hosts).
TEST_F(BaselineCli, SuggestedPolicyAllowsWhatItWasMadeFrom) {
  const fs::path suggested = dir_ / "suggested.yaml";
  const CliRun made = run(fmt::format("-r {}/storescu_multi.pcap --suggest-policy {}", kPcaps,
                                      suggested.string()));
  ASSERT_EQ(made.status, 0) << made.err;
  ASSERT_TRUE(fs::exists(suggested));
  const CliRun again =
      run(fmt::format("-r {}/storescu_multi.pcap -c {}", kPcaps, suggested.string()));
  ASSERT_EQ(again.status, 0) << again.err;
  const json& policy = again.events.back()["stats"]["policy"];
  EXPECT_EQ(policy["evaluated"], 3);
  EXPECT_EQ(policy["checked"], 3);
  EXPECT_EQ(policy["violations"], 0);
  const CliRun other = run(fmt::format("-r {}/echo_sweep.pcap -c {}", kPcaps, suggested.string()));
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_EQ(other.events.back()["stats"]["policy"]["violations"], 14);
}

}  // namespace
