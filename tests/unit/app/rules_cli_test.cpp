// Rules end to end with the Hyperscan engine: dicomsentry -S on real DCMTK captures. Checks
// the exact alerts and their fields, their place before the record they were raised on,
// threshold and pass suppression, stats.detect, and engine build errors in --test-rules.
#include <algorithm>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
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
  std::string output;  // stdout and stderr
  std::vector<json> events;
};

class RulesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "dicomsentry_rules_cli.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string rules(const std::string& text) {
    const fs::path path = dir_ / "test.rules";
    std::ofstream(path) << text;
    return path.string();
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

  fs::path dir_;
};

const char* const kEchoRules =
    R"(alert dicom any any -> any any (msg:"Verification from ECHOSCU"; dicom.calling_ae; content:"ECHOSCU"; classtype:attempted-recon; metadata:hygiene monitoring, hygiene hardening; reference:url,example.org/echo; sid:1000001; rev:2;)
alert dicom any any -> any any (msg:"C-ECHO"; dicom.command:C-ECHO-RQ; priority:1; sid:1000002;)
alert dicom any any -> any any (msg:"released, once"; dicom.assoc_state:released; threshold:type limit, track by_rule, count 1, seconds 3600; sid:1000003;)
alert dicom any any -> any any (msg:"refused by Hyperscan"; dicom.calling_ae; pcre:"/(a)\1/"; sid:1000004;)
)";

TEST_F(RulesCli, AlertsOnRealCapturesWithTheirContext) {
  const CliRun r = run(fmt::format("-S {0} -r {1}/echoscu.pcap -r {1}/user_identity.pcap",
                                   rules(kEchoRules), kPcaps));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output,
            "dicomsentry: sid 1000004: Hyperscan refused a pattern: Back-references are "
            "unsupported.\n"
            "dicomsentry: 3 rules loaded, 1 failed\n");

  std::vector<json> alerts;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const json& e = r.events[i];
    if (e["event_type"] != "alert") continue;
    alerts.push_back(e);
    // The record the alert was raised on follows (after any other alerts on it).
    std::size_t next = i + 1;
    while (next < r.events.size() && r.events[next]["event_type"] == "alert") ++next;
    ASSERT_LT(next, r.events.size());
    EXPECT_EQ(r.events[next]["flow_id"], e["flow_id"]);
    EXPECT_EQ(r.events[next]["event_type"], e.contains("dicom") && e["dicom"].contains("command")
                                                ? "dicom"
                                                : "dicom_association");
  }
  ASSERT_EQ(alerts.size(), 3u);
  // The C-ECHO transaction of echoscu.pcap.
  EXPECT_EQ(alerts[0]["src_port"], 37590);
  EXPECT_EQ(alerts[0]["dest_port"], 104);
  EXPECT_EQ(alerts[0]["alert"], json::parse(R"({"action":"allowed","gid":1,
      "signature_id":1000002,"rev":0,"signature":"C-ECHO","category":"","severity":1})"));
  EXPECT_EQ(alerts[0]["dicom"], json::parse(R"({"calling_ae":"ECHOSCU","called_ae":"STORESCP",
      "command":"C-ECHO","message_id":1,"sop_class_uid":"1.2.840.10008.1.1",
      "sop_class_name":"VerificationSOPClass","status":0})"));
  // Its association: the AE title rule, and the first released association of the run.
  EXPECT_EQ(alerts[1]["alert"], json::parse(R"({"action":"allowed","gid":1,
      "signature_id":1000001,"rev":2,"signature":"Verification from ECHOSCU",
      "category":"Attempted Information Leak","severity":2,
      "metadata":{"hygiene":["monitoring","hardening"]},
      "references":[{"type":"url","value":"example.org/echo"}]})"));
  EXPECT_EQ(alerts[1]["dicom"], json::parse(R"({"calling_ae":"ECHOSCU","called_ae":"STORESCP"})"));
  EXPECT_EQ(alerts[2]["alert"]["signature_id"], 1000003);
  EXPECT_EQ(alerts[2]["src_port"], 37590);

  // user_identity.pcap's two released associations hit sid 1000003 again: limit 1 holds them.
  EXPECT_EQ(r.events.back()["stats"]["detect"],
            json::parse(R"({"rules_loaded":3,"rules_failed":1,"hits":5,"alerts":3,
                            "suppressed_threshold":2,"suppressed_pass":0,
                            "hs_streams_open":0,"hs_stream_memuse":0})"));
}

TEST_F(RulesCli, PassRuleSilencesItsFlow) {
  const std::string path = rules(
      R"(pass dicom any any -> any any (msg:"trusted SCU"; dicom.calling_ae; content:"USER_SCU"; sid:10;)
alert dicom any any -> any any (msg:"association released"; dicom.assoc_state:released; sid:11;)
alert tcp any any -> any 11112 (msg:"flow to 11112"; sid:12;)
alert dicom any any -> any any (msg:"store"; dicom.command:C-STORE-RQ; sid:13;)
)");
  const CliRun r = run(fmt::format("-S {} -r {}/user_identity.pcap", path, kPcaps));
  ASSERT_EQ(r.status, 0) << r.output;
  std::vector<std::tuple<int, int>> alerts;  // (client port, sid)
  for (const json& e : r.events) {
    if (e["event_type"] == "alert") alerts.emplace_back(e["src_port"], e["alert"]["signature_id"]);
  }
  // Flows may be on different workers, whose lines interleave in any order: by flow, in the
  // order each flow raised them.
  std::stable_sort(alerts.begin(), alerts.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  // USER_SCU (56538): its C-STORE alerted before the association revealed the pass rule; the
  // association's own alert and the flow's are suppressed. The other flows alert as usual.
  using A = std::tuple<int, int>;
  EXPECT_EQ(alerts,
            (std::vector<A>{A{56538, 13}, A{56544, 13}, A{56544, 11}, A{56544, 12}, A{56548, 12}}));
  EXPECT_EQ(r.events.back()["stats"]["detect"],
            json::parse(R"({"rules_loaded":4,"rules_failed":0,"hits":8,"alerts":5,
                            "suppressed_threshold":0,"suppressed_pass":2,
                            "hs_streams_open":0,"hs_stream_memuse":0})"));
}

TEST_F(RulesCli, TestRulesReportsEngineErrors) {
  const CliRun r = run(fmt::format("--test-rules -S {}", rules(kEchoRules)));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output,
            "dicomsentry: sid 1000004: Hyperscan refused a pattern: Back-references are "
            "unsupported.\n"
            "3 rules loaded, 1 failed\n");
}

}  // namespace
