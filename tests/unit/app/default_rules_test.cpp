// The default ruleset (rules/dicomsentry.rules) on real captures: nmap's dicom-brute and
// dicom-ping, DCMTK tools, Orthanc, dcmqrscp and OpenSSL on loopback (pcaps/README.md says how
// each was made). Every default rule fires exactly as often as the table in pcaps/README.md
// says and nowhere else - each capture is the positive test of some rules and the negative
// test of all others. Where the peers' own logs (pcaps/expected/*.json, "summary") state the
// facts a rule rests on, the expected count is also derived from them, so the table cannot
// drift from the traffic.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Counts = std::map<int, int>;  // sid -> alerts

const std::string kPcaps = DICOMSENTRY_PCAP_DIR;
const std::string kRules = std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.rules";

Counts alerts_on(const std::string& capture) {
  const fs::path eve = fs::temp_directory_path() / fmt::format("ds_default_rules_{}.json", ::getpid());
  fs::remove(eve);
  const std::string command = fmt::format("timeout 60 {} -r {}/{} -S {} --eve {} 2>/dev/null",
                                          DICOMSENTRY_BINARY, kPcaps, capture, kRules, eve.string());
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  Counts counts;
  std::ifstream in(eve);
  for (std::string line; std::getline(in, line);) {
    const json e = json::parse(line);
    if (e["event_type"] == "alert") ++counts[e["alert"]["signature_id"].get<int>()];
  }
  fs::remove(eve);
  return counts;
}

json summary_of(const std::string& capture) {
  std::ifstream in(kPcaps + "/expected/" + capture.substr(0, capture.size() - 5) + ".json");
  return json::parse(in)["summary"];
}

// What the peers' logs say about a capture, counted the way each rule counts.
struct Facts {
  int no_user_identity = 0, username_only = 0, passcode = 0;
  int rejected_new_called_ae = 0;  // rejections (reason 3/7) for a called AE not refused before
  int scanner_aes = 0, nmap_identity = 0, any_scp_accepted = 0;
  std::set<std::string> echo_destinations;
  int move_a801 = 0, raw_on_dicom_port = 0;
  int probes = 0;  // accepted, then gone without a DIMSE request
  int tls_below_12 = 0, tls_weak_cipher = 0;
};

Facts facts_of(const json& summary) {
  Facts f;
  std::set<std::string> refused;
  const std::regex weak("RC4|3DES|_NULL_|_anon_|EXPORT");
  for (const json& c : summary) {
    const std::string kind = c["kind"];
    if (kind == "tls") {
      const std::string protocol = c["protocol"];
      f.tls_below_12 += protocol == "TLSv1" || protocol == "TLSv1.1";
      f.tls_weak_cipher += std::regex_search(c["cipher_iana"].get<std::string>(), weak);
      continue;
    }
    if (kind == "raw") {
      f.raw_on_dicom_port += 1;
      continue;
    }
    if (!c.contains("calling_ae")) continue;  // a bare TCP connect
    // DICOM inside TLS (port 2762): the peers logged it, the wire shows only the handshake.
    if (c["server"].get<std::string>().ends_with(":2762")) continue;
    const std::string calling = c["calling_ae"], called = c["called_ae"], outcome = c["outcome"];
    const json& identity = c["user_identity_type"];
    f.no_user_identity += identity.is_null();
    f.username_only += !identity.is_null() && identity.get<int>() == 1;
    f.passcode += !identity.is_null() && identity.get<int>() == 2;
    if (outcome == "rejected") {
      const int reason = c["reject_reason"];
      if ((reason == 3 || reason == 7) && refused.insert(called).second) ++f.rejected_new_called_ae;
    }
    f.scanner_aes += calling == "ECHOSCU" && called == "ANY-SCP";
    f.nmap_identity += c["implementation_version_name"] == "OFFIS_DCMTK_362";
    f.any_scp_accepted += called == "ANY-SCP" && outcome != "rejected";
    f.probes += outcome != "rejected" && (!c.contains("commands") || c["commands"].empty());
    if (c.contains("commands")) {
      for (const json& command : c["commands"])
        if (command == "C-ECHO-RQ") f.echo_destinations.insert(c["server"].get<std::string>().substr(0, c["server"].get<std::string>().find(':')));
      for (const json& status : c["statuses"]) f.move_a801 += status.get<int>() == 0xA801;
    }
  }
  return f;
}

// detection_filter count 5 with unique_on: alerts from the 6th distinct value on.
int beyond_five(std::size_t distinct) { return distinct > 5 ? static_cast<int>(distinct) - 5 : 0; }

class DefaultRules : public ::testing::Test {
 protected:
  void check(const std::string& capture, const Counts& expected) {
    SCOPED_TRACE(capture);
    const Counts seen = alerts_on(capture);
    EXPECT_EQ(seen, expected);
    // Cross-checks against the peers' logs for the rules whose facts they state.
    const Facts f = facts_of(summary_of(capture));
    auto count = [&](int sid) { auto it = seen.find(sid); return it == seen.end() ? 0 : it->second; };
    EXPECT_EQ(count(2100001), f.no_user_identity);
    EXPECT_EQ(count(2100002), f.username_only);
    EXPECT_EQ(count(2100003), f.passcode);
    EXPECT_EQ(count(2100004), f.tls_below_12);
    EXPECT_EQ(count(2100005), f.tls_weak_cipher);
    EXPECT_EQ(count(2100006), beyond_five(static_cast<std::size_t>(f.rejected_new_called_ae)));
    EXPECT_EQ(count(2100007), f.scanner_aes);
    EXPECT_EQ(count(2100008), f.nmap_identity);
    EXPECT_EQ(count(2100009), f.any_scp_accepted);
    EXPECT_EQ(count(2100010), beyond_five(f.echo_destinations.size()));
    EXPECT_EQ(count(2100013), f.move_a801);
    EXPECT_EQ(count(2100016), f.raw_on_dicom_port);
    EXPECT_EQ(count(2100024), f.probes);
  }
};

TEST_F(DefaultRules, BruteForceByNmapAndEchoscu) {
  check("brute_force.pcap",
        {{2100001, 19}, {2100006, 13}, {2100007, 1}, {2100008, 13}, {2100017, 19}, {2100024, 1}});
}

TEST_F(DefaultRules, EchoSweepAndNmapPing) {
  check("echo_sweep.pcap",
        {{2100001, 11}, {2100007, 3}, {2100008, 3}, {2100009, 3}, {2100010, 3}, {2100017, 11},
         {2100024, 3}});
}

TEST_F(DefaultRules, WildcardFindAgainstOrthanc) {
  check("find_wildcard.pcap", {{2100001, 2}, {2100011, 1}, {2100017, 2}});
}

TEST_F(DefaultRules, MoveToUnknownDestination) {
  check("move_unknown.pcap", {{2100001, 3}, {2100012, 1}, {2100013, 1}, {2100017, 3}, {2100018, 1}});
}

TEST_F(DefaultRules, PasscodeInPlaintext) {
  check("passcode_plain.pcap", {{2100002, 1}, {2100003, 1}, {2100017, 2}});
}

TEST_F(DefaultRules, PasscodeInsideTls13IsQuiet) { check("passcode_tls.pcap", {}); }

TEST_F(DefaultRules, LegacyTlsAndWeakSuites) {
  check("tls_legacy.pcap", {{2100004, 1}, {2100005, 2}});
}

TEST_F(DefaultRules, ExecutableHeadersInStoredObjects) {
  check("exe_in_dataset.pcap", {{2100001, 3}, {2100014, 1}, {2100015, 1}, {2100017, 3}, {2100022, 1}});
}

TEST_F(DefaultRules, GarbageOnDicomPorts) { check("garbage_104.pcap", {{2100016, 2}}); }

// The captures of the DICOM engine's tests: ordinary DCMTK and Orthanc traffic. Only the
// hygiene rules fire (no user identity, DCMTK 3.6.7's known CVEs, Orthanc's port 4242 not
// being a configured DICOM port), and on the TLS capture nothing.
TEST_F(DefaultRules, OrdinaryTraffic) {
  EXPECT_EQ(alerts_on("echoscu.pcap"), (Counts{{2100001, 1}, {2100017, 1}}));
  EXPECT_EQ(alerts_on("tls.pcap"), Counts{});
  EXPECT_EQ(alerts_on("reject_called_ae.pcap"), (Counts{{2100001, 1}, {2100017, 1}, {2100018, 1}}));
}

}  // namespace
