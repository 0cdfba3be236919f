// The baseline: inventory.json text into per-device facts (and every way a file can be bad),
// the checker's novelties on associations and flows built here, once each and bounded, and
// the sensor's gid 3 alerts.
#include "inventory/baseline.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "inventory/baseline_sensor.hpp"
#include "policy/cidr.hpp"

namespace dicomsentry::inventory {
namespace {

const char* const kBaselineJson = R"({"devices_total":2,"devices_dropped":0,"entries_dropped":0,
"devices":[
 {"ip":"10.0.0.1","vlans":[],"first_seen":"x","ae_titles_scu":["CT1"],"ae_titles_scp":[],
  "implementation_class_uids":["1.2.3.4"],"implementation_version_names":["CT_V1"],
  "sop_classes":[],"dicom_server_ports":[],"peers":["10.0.0.2"]},
 {"ip":"10.0.0.2","ae_titles_scu":[],"ae_titles_scp":["PACS"],
  "implementation_class_uids":["1.2.5"],"implementation_version_names":[]},
 {"ip":"2001:db8::7"}
]})";

DeviceAddress address(const char* text) {
  DeviceAddress a;
  a.ip = *policy::parse_ip(text, &a.ip_version);
  return a;
}

Flow flow_between(const char* client, const char* server, std::uint16_t port,
                  AppProto proto = AppProto::kDicom) {
  Flow flow;
  const DeviceAddress c = address(client), s = address(server);
  flow.key.ip_version = c.ip_version;
  flow.key.ip_proto = 6;
  flow.key.lo_ip = c.ip;
  flow.key.hi_ip = s.ip;
  flow.key.lo_port = 50000;
  flow.key.hi_port = port;
  flow.client_is_lo = 1;
  flow.app_proto = proto;
  flow.first_ts = 1'000'000'000;
  flow.last_ts = 2'000'000'000;
  return flow;
}

dicom::AssociationRecord association(const Flow& flow, const char* calling, const char* called,
                                     bool accepted = true) {
  dicom::AssociationRecord r;
  r.flow = &flow;
  r.start_ts = 1'500'000'000;
  r.calling_ae = calling;
  r.called_ae = called;
  if (accepted) r.responding_ae = called;
  r.requestor.implementation_class_uid = "1.2.3.4";
  r.requestor.implementation_version_name = "CT_V1";
  if (accepted) r.acceptor.implementation_class_uid = "1.2.5";
  return r;
}

// A novelty as text, so a whole list compares in one assertion.
std::vector<std::string> texts(std::span<const Novelty> novelties) {
  std::vector<std::string> out;
  for (const Novelty& n : novelties) {
    std::string text(novelty_kind_name(n.kind));
    text += n.device.ip_version == 4 ? " v4 " : " v6 ";
    text += std::to_string(n.device.ip.bytes[3]);
    if (n.kind == NoveltyKind::kAeTitle) text += " " + std::string(ae_role_name(n.role));
    if (!n.value.empty()) text += " " + std::string(n.value);
    if (!n.version.empty()) text += " " + std::string(n.version);
    out.push_back(text);
  }
  return out;
}

using Texts = std::vector<std::string>;

Baseline loaded() {
  BaselineLoad load = parse_baseline(kBaselineJson, "inventory.json");
  EXPECT_TRUE(load.ok) << load.error;
  return load.baseline;
}

TEST(BaselineParse, ReadsTheInventoryFormat) {
  const Baseline b = loaded();
  ASSERT_EQ(b.devices.size(), 3u);
  const BaselineDevice& ct = b.devices.at(address("10.0.0.1"));
  EXPECT_EQ(ct.ae_titles_scu, (SortedSet<std::string>{"CT1"}));
  EXPECT_TRUE(ct.ae_titles_scp.empty());
  EXPECT_EQ(ct.implementation_class_uids, (SortedSet<std::string>{"1.2.3.4"}));
  EXPECT_EQ(ct.implementation_version_names, (SortedSet<std::string>{"CT_V1"}));
  EXPECT_EQ(b.devices.at(address("10.0.0.2")).ae_titles_scp, (SortedSet<std::string>{"PACS"}));
  const BaselineDevice& v6 = b.devices.at(address("2001:db8::7"));  // sets absent: empty
  EXPECT_TRUE(v6.ae_titles_scu.empty() && v6.implementation_class_uids.empty());
}

TEST(BaselineParse, EachBadDocumentHasItsError) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"[]", "b.json: the document is array, not an inventory object"},
      {"{}", "b.json: no 'devices' list: not an inventory.json"},
      {R"({"devices":{}})", "b.json: no 'devices' list: not an inventory.json"},
      {R"({"devices":[{"ip":"10.0.0.1"}, 5]})", "b.json: device 2 is not an object"},
      {R"({"devices":[{"ae_titles_scu":[]}]})", "b.json: device 1 has no 'ip' string"},
      {R"({"devices":[{"ip":7}]})", "b.json: device 1 has no 'ip' string"},
      {R"({"devices":[{"ip":"10.0.0.300"}]})",
       "b.json: device 1: '10.0.0.300' is not an IP address"},
      {R"({"devices":[{"ip":"10.0.0.1","ae_titles_scp":"PACS"}]})",
       "b.json: device 10.0.0.1: 'ae_titles_scp' is not a list"},
      {R"({"devices":[{"ip":"10.0.0.1","implementation_class_uids":["1.2",3]}]})",
       "b.json: device 10.0.0.1: 'implementation_class_uids' holds number, not a string"},
  };
  for (const Case& c : cases) {
    const BaselineLoad load = parse_baseline(c.text, "b.json");
    EXPECT_FALSE(load.ok) << c.text;
    EXPECT_EQ(load.error, c.error) << c.text;
  }
}

TEST(BaselineParse, NotJsonNamesTheSpot) {
  const BaselineLoad load = parse_baseline(R"({"devices": [})", "b.json");
  ASSERT_FALSE(load.ok);
  EXPECT_EQ(load.error.rfind("b.json: not JSON: ", 0), 0u) << load.error;
  EXPECT_NE(load.error.find("line 1, column 14"), std::string::npos) << load.error;
  const BaselineLoad empty = parse_baseline("", "b.json");
  ASSERT_FALSE(empty.ok);
  EXPECT_EQ(empty.error.rfind("b.json: not JSON: ", 0), 0u) << empty.error;
}

TEST(BaselineParse, OversizedTextIsRefusedUnparsed) {
  const std::string big(kMaxBaselineBytes + 1, ' ');
  const BaselineLoad load = parse_baseline(big, "b.json");
  EXPECT_FALSE(load.ok);
  EXPECT_EQ(load.error, "b.json: larger than 67108864 bytes");
}

TEST(BaselineFile, MissingFileAndAGoodFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ds_baseline_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string missing = (dir / "none.json").string();
  const BaselineLoad none = load_baseline_file(missing);
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.error, missing + ": cannot open the file");
  const std::string good = (dir / "inventory.json").string();
  std::ofstream(good) << kBaselineJson;
  const BaselineLoad load = load_baseline_file(good);
  EXPECT_TRUE(load.ok) << load.error;
  EXPECT_EQ(load.baseline.devices.size(), 3u);
  const std::string bad = (dir / "bad.json").string();
  std::ofstream(bad) << "{\"devices\": 1}";
  EXPECT_EQ(load_baseline_file(bad).error, bad + ": no 'devices' list: not an inventory.json");
  std::filesystem::remove_all(dir);
}

TEST(BaselineChecker, KnownTrafficHasNoNovelty) {
  const Baseline b = loaded();
  BaselineChecker checker(b);
  const Flow flow = flow_between("10.0.0.1", "10.0.0.2", 104);
  EXPECT_TRUE(checker.check_association(association(flow, "CT1", "PACS")).empty());
  EXPECT_TRUE(checker.check_flow_end(flow).empty());
  EXPECT_EQ(checker.counters().novelties, 0u);
}

TEST(BaselineChecker, EachKindOfNoveltyOncePerRun) {
  const Baseline b = loaded();
  BaselineChecker checker(b);
  const Flow flow = flow_between("10.0.0.1", "10.0.0.2", 104);
  dicom::AssociationRecord r = association(flow, "CT2", "PACS2");
  r.requestor.implementation_version_name = "CT_V2";  // same class UID, new version
  r.acceptor.implementation_class_uid = "1.9";
  EXPECT_EQ(texts(checker.check_association(r)),
            (Texts{"ae_title v4 1 SCU CT2", "implementation v4 1 1.2.3.4 CT_V2",
                   "ae_title v4 2 SCP PACS2", "implementation v4 2 1.9"}));
  EXPECT_TRUE(checker.check_association(r).empty());  // once per run
  EXPECT_EQ(checker.counters().novelties, 4u);
  EXPECT_EQ(checker.counters().repeated, 4u);
  // The called title of a rejected association is not an SCP title (the inventory's rule).
  const dicom::AssociationRecord rejected = association(flow, "CT1", "OTHER", false);
  EXPECT_TRUE(checker.check_association(rejected).empty());
  // The known title as SCU is new as SCP: roles are separate.
  const Flow back = flow_between("10.0.0.2", "10.0.0.1", 104);
  dicom::AssociationRecord reverse = association(back, "PACS", "CT1");
  reverse.requestor.implementation_class_uid = "1.2.5";
  reverse.requestor.implementation_version_name.clear();
  reverse.acceptor.implementation_class_uid = "1.2.3.4";
  reverse.acceptor.implementation_version_name = "CT_V1";
  EXPECT_EQ(texts(checker.check_association(reverse)),
            (Texts{"ae_title v4 2 SCU PACS", "ae_title v4 1 SCP CT1"}));
}

TEST(BaselineChecker, NewDeviceCoversItsTitlesAndFlowsFindDevices) {
  const Baseline b = loaded();
  BaselineChecker checker(b);
  const Flow flow = flow_between("10.0.0.9", "10.0.0.2", 104);
  dicom::AssociationRecord r = association(flow, "MR1", "PACS");
  r.requestor.implementation_class_uid = "1.7";
  EXPECT_EQ(texts(checker.check_association(r)), (Texts{"device v4 9"}));
  r.calling_ae = "MR2";
  EXPECT_TRUE(checker.check_association(r).empty());
  // A DICOM-TLS flow: both ends' devices; an undetected flow: nothing.
  const Flow tls = flow_between("10.0.0.8", "10.0.0.2", 2762, AppProto::kTls);
  EXPECT_TRUE(
      checker.check_flow_end(flow_between("10.0.0.5", "10.0.0.6", 80, AppProto::kUnknown)).empty());
  EXPECT_EQ(texts(checker.check_flow_end(tls)), (Texts{"device v4 8"}));
  EXPECT_EQ(checker.counters().novelties, 2u);
}

TEST(BaselineChecker, MidstreamAssociationOnlyDevices) {
  const Baseline b = loaded();
  BaselineChecker checker(b);
  const Flow flow = flow_between("10.0.0.1", "10.0.0.3", 104);
  dicom::AssociationRecord r;
  r.flow = &flow;
  r.midstream = true;
  EXPECT_EQ(texts(checker.check_association(r)), (Texts{"device v4 3"}));
}

TEST(BaselineChecker, RemembersAtMostTheCapAndCountsTheRest) {
  const Baseline b = loaded();
  BaselineChecker checker(b, 2);
  const Flow flow = flow_between("10.0.0.1", "10.0.0.2", 104);
  const char* titles[] = {"A1", "A2", "A3", "A4"};
  Texts seen;
  for (int round = 0; round < 2; ++round) {
    for (const char* title : titles) {
      for (const std::string& t :
           texts(checker.check_association(association(flow, title, "PACS")))) {
        seen.push_back(t);
      }
    }
  }
  EXPECT_EQ(seen, (Texts{"ae_title v4 1 SCU A1", "ae_title v4 1 SCU A2"}));
  EXPECT_EQ(checker.counters().novelties, 2u);
  EXPECT_EQ(checker.counters().repeated, 2u);  // A1, A2 in round two
  EXPECT_EQ(checker.counters().dropped, 4u);   // A3, A4 in both rounds
}

TEST(InventoryObservedFlows, DistinctBoundedAndCounted) {
  InventoryLimits limits;
  limits.max_flows = 2;
  Inventory inventory(nullptr, limits);
  const Flow flow = flow_between("10.0.0.1", "10.0.0.2", 104);
  inventory.on_association(association(flow, "CT1", "PACS"));
  inventory.on_association(association(flow, "CT1", "PACS"));  // the same: kept once
  dicom::AssociationRecord midstream;
  midstream.flow = &flow;
  midstream.midstream = true;
  inventory.on_association(midstream);  // no titles seen: not a flow for the policy
  const Flow tls = flow_between("10.0.0.3", "10.0.0.2", 2762, AppProto::kTls);
  inventory.on_flow_end(tls);
  inventory.on_association(association(flow, "CT2", "PACS"));  // over max_flows
  ASSERT_EQ(inventory.observed_flows().size(), 2u);
  const policy::ObservedFlow& first = *inventory.observed_flows().begin();
  EXPECT_EQ(first.calling_ae, "CT1");
  EXPECT_EQ(first.called_ae, "PACS");
  EXPECT_EQ(first.server_port, 104);
  EXPECT_FALSE(first.tls);
  const policy::ObservedFlow& second = *std::next(inventory.observed_flows().begin());
  EXPECT_TRUE(second.tls);
  EXPECT_EQ(second.server_port, 2762);
  EXPECT_EQ(second.client.bytes[3], 3);
  EXPECT_EQ(second.calling_ae, "");
  EXPECT_EQ(inventory.counters().flows_dropped, 1u);
}

struct SeenAlert {
  std::uint32_t gid = 0, sid = 0, rev = 0;
  std::uint8_t severity = 0;
  std::string signature, category, calling_ae;
  TimestampNs ts = 0;
};

class Collect final : public detect::AlertSink {
 public:
  void on_alert(const detect::AlertRecord& a) override {
    seen.push_back(SeenAlert{a.gid, a.signature_id, a.rev, a.severity, std::string(a.signature),
                             std::string(a.category),
                             a.association ? a.association->calling_ae : std::string(), a.ts});
  }
  std::vector<SeenAlert> seen;
};

TEST(BaselineSensor, OneGid3AlertPerNoveltyNamingTheFact) {
  const Baseline b = loaded();
  BaselineChecker checker(b);
  Collect alerts;
  BaselineSensor sensor(checker, alerts);
  const Flow known = flow_between("10.0.0.1", "10.0.0.2", 104);
  dicom::AssociationRecord r = association(known, "CT2", "PACS");
  r.requestor.implementation_class_uid = "1.2.3.9";
  r.requestor.implementation_version_name.clear();
  sensor.on_association(r);
  const Flow fresh = flow_between("2001:db8::9", "2001:db8::7", 2762, AppProto::kTls);
  sensor.on_flow_end(fresh);
  sensor.on_flow_end(fresh);
  ASSERT_EQ(alerts.seen.size(), 3u);
  EXPECT_EQ(alerts.seen[0].signature, "dicomsentry baseline: new AE title CT2 as SCU of 10.0.0.1");
  EXPECT_EQ(alerts.seen[0].sid, 2u);
  EXPECT_EQ(alerts.seen[0].calling_ae, "CT2");
  EXPECT_EQ(alerts.seen[0].ts, 1'500'000'000);
  EXPECT_EQ(alerts.seen[1].signature,
            "dicomsentry baseline: new implementation 1.2.3.9 of 10.0.0.1");
  EXPECT_EQ(alerts.seen[1].sid, 3u);
  EXPECT_EQ(alerts.seen[2].signature, "dicomsentry baseline: new device 2001:db8::9");
  EXPECT_EQ(alerts.seen[2].sid, 1u);
  EXPECT_EQ(alerts.seen[2].calling_ae, "");
  EXPECT_EQ(alerts.seen[2].ts, 1'000'000'000);
  for (const SeenAlert& a : alerts.seen) {
    EXPECT_EQ(a.gid, 3u);
    EXPECT_EQ(a.rev, 1u);
    EXPECT_EQ(a.severity, 3);
    EXPECT_EQ(a.category, "Asset inventory change");
  }
  EXPECT_EQ(sensor.counters().alerts, 3u);
}

}  // namespace
}  // namespace dicomsentry::inventory
