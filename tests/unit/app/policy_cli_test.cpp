// The segmentation policy end to end: dicomsentry -c CONFIG on real DCMTK captures, with one
// zone pair that requires TLS on two ports. Checks the exact policy alerts, their place before
// the association record, the policy_summary record, stats.policy and the stderr matrix.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

// Every capture is loopback traffic: one zone, and an entry naming it on both sides puts its
// internal traffic under the policy.
const char* const kConfig = R"(
zones:
  imaging: {networks: [127.0.0.0/8]}
policy:
  - name: imaging-tls-only
    from: imaging
    to: imaging
    require_tls: true
    ports: [11112, 2762]
)";

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr
  std::vector<json> events;
};

class PolicyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "dicomsentry_policy_cli.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    std::ofstream(dir_ / "policy.yaml") << kConfig;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  CliRun run(const std::string& args) {
    CliRun r;
    const fs::path eve = dir_ / "eve.json";
    fs::remove(eve);
    const std::string command =
        fmt::format("timeout 60 {} --no-summary --eve {} {} 2>&1", DICOMSENTRY_BINARY,
                    eve.string(), args);
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
    const int raw = pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(eve);
    for (std::string line; std::getline(in, line);) r.events.push_back(json::parse(line));
    return r;
  }
  std::string config() const { return (dir_ / "policy.yaml").string(); }

  fs::path dir_;
};

TEST_F(PolicyCli, PlaintextAndPortViolationsOnRealCaptures) {
  const CliRun r =
      run(fmt::format("-c {0} -r {1}/user_identity.pcap -r {1}/echoscu.pcap "
                      "-r {1}/tls.pcap",
                      config(), kPcaps));
  ASSERT_EQ(r.status, 0) << r.output;

  // (client port, signature_id, calling AE, reason) of every alert, in log order.
  std::vector<std::tuple<int, int, std::string, std::string>> alerts;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const json& e = r.events[i];
    if (e["event_type"] != "alert") continue;
    alerts.emplace_back(e["src_port"], e["alert"]["signature_id"], e["dicom"]["calling_ae"],
                        e["policy"]["reason"]);
    EXPECT_EQ(e["alert"]["gid"], 2);
    EXPECT_EQ(e["alert"]["action"], "allowed");
    EXPECT_EQ(e["alert"]["category"], "Segmentation policy violation");
    EXPECT_EQ(e["policy"]["entry"], "imaging-tls-only");
    EXPECT_EQ(e["policy"]["client_zone"], "imaging");
    EXPECT_EQ(e["policy"]["server_zone"], "imaging");
    EXPECT_EQ(e["app_proto"], "dicom");
    // Alerts come right before the association record they were raised on.
    ASSERT_LT(i + 1, r.events.size());
    EXPECT_EQ(r.events[i + 1]["event_type"], "dicom_association");
    EXPECT_EQ(r.events[i + 1]["flow_id"], e["flow_id"]);
  }
  using A = std::tuple<int, int, std::string, std::string>;
  EXPECT_EQ(
      alerts,
      (std::vector<A>{A{56538, 5, "USER_SCU", "plaintext"}, A{56544, 5, "USER_PW_SCU", "plaintext"},
                      A{37590, 3, "ECHOSCU", "port"}, A{56548, 5, "USER_RSP_SCU", "plaintext"}}));
  for (const json& e : r.events) {
    if (e["event_type"] != "alert") continue;
    if (e["policy"]["reason"] == "port") {
      EXPECT_EQ(e["alert"]["severity"], 1);
      EXPECT_EQ(e["policy"]["text"],
                "server port 104 is not among the ports of policy entry 'imaging-tls-only'");
    } else {
      EXPECT_EQ(e["alert"]["severity"], 2);
      EXPECT_EQ(e["alert"]["signature"],
                "dicomsentry policy: DICOM association in plaintext where the policy requires TLS");
    }
  }

  // The summary comes last but one, before stats.
  ASSERT_GE(r.events.size(), 2u);
  const json& summary = r.events[r.events.size() - 2];
  EXPECT_EQ(summary["event_type"], "policy_summary");
  EXPECT_EQ(summary["policy_summary"], json::parse(R"({"pairs":[{"client_zone":"imaging",
      "server_zone":"imaging","flows":1,"associations":4,"violations":4,"governed":true,
      "allowed":true}]})"));
  const json& stats = r.events.back();
  EXPECT_EQ(stats["event_type"], "stats");
  EXPECT_EQ(stats["stats"]["policy"], json::parse(R"({"evaluated":5,"checked":5,"allowed":1,
      "violations":4,"skipped_midstream":0,"by_reason":{"no_entry":0,"port":1,"not_dicom":0,
      "plaintext":3,"calling_ae":0,"called_ae":0,"no_user_identity":0,"sop_class":0}})"));
  EXPECT_FALSE(stats["stats"].contains("detect"));  // no -S

  // The zone matrix on stderr is part of the summary now (turned off here).
  EXPECT_EQ(r.output, "");
}

TEST_F(PolicyCli, WithoutConfigThereIsNoPolicy) {
  const CliRun r = run(fmt::format("-r {}/user_identity.pcap", kPcaps));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "");
  for (const json& e : r.events) {
    EXPECT_NE(e["event_type"], "alert");
    EXPECT_NE(e["event_type"], "policy_summary");
  }
  EXPECT_FALSE(r.events.back()["stats"].contains("policy"));
}

TEST_F(PolicyCli, RulesAreEvaluatedAndCounted) {
  std::ofstream(dir_ / "a.rules") << "alert tcp any any -> any any (msg:\"x\"; sid:1;)\n"
                                     "alert tcp any any -> any 70000 (sid:2;)\n";
  const CliRun r =
      run(fmt::format("-S {} -r {}/echoscu.pcap", (dir_ / "a.rules").string(), kPcaps));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("dicomsentry: 1 rules loaded, 1 failed\n"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("not evaluated"), std::string::npos);
  const json& detect = r.events.back()["stats"]["detect"];
  EXPECT_EQ(detect["rules_loaded"], 1);
  EXPECT_EQ(detect["rules_failed"], 1);
  EXPECT_EQ(detect["suppressed_threshold"], 0);
  EXPECT_EQ(detect["suppressed_pass"], 0);
  EXPECT_EQ(detect["hits"], detect["alerts"]);
}

TEST_F(PolicyCli, ConfigVariablesFeedTheRules) {
  std::ofstream(dir_ / "vars.yaml") << "vars:\n  address-groups:\n    LAB_NET: [10.9.0.0/16]\n"
                                       "  port-groups:\n    LAB_PORTS: [4242, \"5000:5010\"]\n";
  std::ofstream(dir_ / "a.rules")
      << "alert tcp $LAB_NET any -> any $LAB_PORTS (msg:\"lab\"; sid:1;)\n";
  const CliRun r = run(fmt::format("-c {} --test-rules -S {}", (dir_ / "vars.yaml").string(),
                                   (dir_ / "a.rules").string()));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "1 rules loaded, 0 failed\n");
  // Without the config the variables are unknown.
  const CliRun bare = run(fmt::format("--test-rules -S {}", (dir_ / "a.rules").string()));
  EXPECT_EQ(bare.status, 1) << bare.output;
}

TEST_F(PolicyCli, ConfigPortsReplaceTheDefaultsUnlessGiven) {
  // echoscu.pcap is DICOM on 104: with 104 no longer a DICOM port and the A-ASSOCIATE-RQ
  // heuristic off, it is not inspected; --dicom-ports puts it back.
  std::ofstream(dir_ / "ports.yaml") << "dicom_ports: [11112]\n";
  const std::string ports = (dir_ / "ports.yaml").string();
  auto associations = [](const CliRun& r) {
    return r.events.back()["stats"]["app_layer"]["associations"].get<int>();
  };
  const CliRun moved =
      run(fmt::format("-c {} --no-port-heuristic -r {}/echoscu.pcap", ports, kPcaps));
  ASSERT_EQ(moved.status, 0) << moved.output;
  EXPECT_EQ(associations(moved), 0);
  const CliRun given = run(
      fmt::format("-c {} --dicom-ports 104 --no-port-heuristic -r {}/echoscu.pcap", ports, kPcaps));
  ASSERT_EQ(given.status, 0) << given.output;
  EXPECT_EQ(associations(given), 1);
}

TEST_F(PolicyCli, BadConfigStopsTheRun) {
  std::ofstream(dir_ / "bad.yaml") << "zones:\n  pacs: {networks: [10.0.0.1/8]}\n";
  const CliRun r =
      run(fmt::format("-c {} -r {}/echoscu.pcap", (dir_ / "bad.yaml").string(), kPcaps));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output.rfind(fmt::format("dicomsentry: {}:2:", (dir_ / "bad.yaml").string()), 0), 0u)
      << r.output;
  EXPECT_TRUE(r.events.empty());
}

TEST_F(PolicyCli, CountIsALongOptionOnly) {
  const CliRun r = run(fmt::format("--count 5 -r {}/echoscu.pcap", kPcaps));
  EXPECT_EQ(r.status, 0) << r.output;
}

}  // namespace
