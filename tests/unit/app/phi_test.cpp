// Patient data in the EVE log, end to end on the Orthanc capture: query key values that
// identify a patient and user identity usernames appear only with --log-phi.
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
const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<nlohmann::json> eve_of(const std::string& capture, const std::string& extra,
                                   std::string& text) {
  const fs::path out = fs::temp_directory_path() /
                       fmt::format("dicomsentry_phi_{}_{}.json", ::getpid(), extra.empty() ? "off" : "on");
  const std::string command =
      fmt::format("{} -r {}/{} --eve {} {} 2>&1", DICOMSENTRY_BINARY, kPcaps, capture, out.string(), extra);
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  text = slurp(out);
  std::vector<nlohmann::json> events;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  fs::remove(out);
  return events;
}

// The C-FIND requests of the Orthanc capture query PatientName=* (wildcard only) and an empty
// PatientID (universal): both keys are PHI attributes.
std::vector<nlohmann::json> patient_keys(const std::vector<nlohmann::json>& events) {
  std::vector<nlohmann::json> keys;
  for (const auto& e : events) {
    if (e["event_type"] != "dicom" || e["dicom"]["command"] != "C-FIND") continue;
    for (const auto& k : e["dicom"]["data_set"]["keys"]) {
      if (k["keyword"] == "PatientName" || k["keyword"] == "PatientID") keys.push_back(k);
    }
  }
  return keys;
}

TEST(Phi, QueryKeyValuesOnlyWithLogPhi) {
  std::string off_text, on_text;
  const auto off = patient_keys(eve_of("orthanc_find_move_get.pcap", "", off_text));
  const auto on = patient_keys(eve_of("orthanc_find_move_get.pcap", "--log-phi", on_text));
  ASSERT_EQ(off.size(), 4u);  // two C-FINDs, each with PatientName and PatientID
  ASSERT_EQ(on.size(), 4u);
  for (const auto& k : off) {
    EXPECT_FALSE(k.contains("value")) << k.dump();
    EXPECT_EQ(k["phi"], true);
  }
  EXPECT_EQ(off[0]["match"], "wildcard_only");
  EXPECT_EQ(off[1]["match"], "universal");
  EXPECT_EQ(on[0]["value"], "*");
  EXPECT_EQ(on[1]["value"], "");
  // What was withheld is counted in stats.
  std::istringstream off_lines(off_text), on_lines(on_text);
  std::string line, last_off, last_on;
  while (std::getline(off_lines, line)) last_off = line;
  while (std::getline(on_lines, line)) last_on = line;
  // PatientName "*" in each C-FIND; empty values (PatientID, StudyDate) hide nothing.
  EXPECT_EQ(nlohmann::json::parse(last_off)["stats"]["app_layer"]["phi_values_withheld"], 2);
  EXPECT_EQ(nlohmann::json::parse(last_on)["stats"]["app_layer"]["phi_values_withheld"], 0);
}

TEST(Phi, UsernamesOnlyWithLogPhiAndPasscodesNever) {
  std::string off_text, on_text;
  const auto off = eve_of("user_identity.pcap", "", off_text);
  const auto on = eve_of("user_identity.pcap", "--log-phi", on_text);
  // The capture's users are alice, bob (passcode s3cret) and carol.
  for (const char* name : {"alice", "bob", "carol"}) {
    EXPECT_EQ(off_text.find(name), std::string::npos) << name;
    EXPECT_NE(on_text.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(off_text.find("s3cret"), std::string::npos);
  EXPECT_EQ(on_text.find("s3cret"), std::string::npos);
  int identities = 0;
  for (const auto& e : off) {
    if (e["event_type"] != "dicom_association") continue;
    const auto& id = e["dicom_association"]["user_identity"];
    if (id["type"] == "none") continue;
    ++identities;
    EXPECT_EQ(id["username_present"], true);
  }
  EXPECT_EQ(identities, 3);
}

}  // namespace
