// --baseline and --suggest-policy on real captures: the inventory of one capture, written as
// inventory.json and read back as a baseline, raises nothing on the same capture and exactly
// the new facts of another; the policy suggested from a capture's inventory allows every
// association of that capture and refuses those of another.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "applayer/app_layer.hpp"
#include "capture/capture_file.hpp"
#include "detect/policy_sensor.hpp"
#include "inventory/baseline.hpp"
#include "inventory/baseline_sensor.hpp"
#include "inventory/inventory.hpp"
#include "output/inventory_writer.hpp"
#include "pipeline/detect_sink.hpp"
#include "pipeline/inventory_sink.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/policy_suggest.hpp"

namespace dicomsentry::inventory {
namespace {

class Discard final : public dicom::EventSink, public FlowEndHandler {
 public:
  void on_association(const dicom::AssociationRecord&) override { ++associations; }
  void on_transaction(const dicom::TransactionRecord&) override {}
  void on_anomaly(const dicom::AnomalyRecord&) override {}
  void on_tls(const dicom::TlsRecord&) override {}
  void on_flow_end(Flow&) override {}
  int associations = 0;
};

class Collect final : public detect::AlertSink {
 public:
  void on_alert(const detect::AlertRecord& a) override { signatures.emplace_back(a.signature); }
  std::vector<std::string> signatures;
};

std::string pcap_path(const std::string& name) {
  return std::string(DICOMSENTRY_PCAP_DIR) + "/" + name + ".pcap";
}

// The capture through decode, flows, reassembly and the app layer, then `events`/`ends`.
int run_capture(const std::string& name, dicom::EventSink& events, FlowEndHandler& ends) {
  AppLayer app(AppLayerConfig{}, events);
  Pipeline pipeline(PipelineConfig{}, app, &ends, &app);
  CaptureError error;
  std::unique_ptr<CaptureFile> file = CaptureFile::open(pcap_path(name), error);
  EXPECT_TRUE(file) << error.message();
  if (!file) return 0;
  PacketView packet;
  int packets = 0;
  while (file->next(packet) == ReadResult::kPacket) {
    pipeline.process(packet);
    ++packets;
  }
  pipeline.finish();
  return packets;
}

std::unique_ptr<Inventory> inventory_of(const std::string& name) {
  auto inventory = std::make_unique<Inventory>();
  Discard discard;
  InventoryEventSink events(*inventory, discard);
  InventoryFlowEnd ends(*inventory, discard);
  EXPECT_GT(run_capture(name, events, ends), 0);
  return inventory;
}

// The baseline alerts `name` raises against `baseline`, sorted (concurrent associations end
// in an order the capture does not fix).
std::vector<std::string> novelties_of(const std::string& name, const Baseline& baseline,
                                      BaselineCounters* counters = nullptr) {
  BaselineChecker checker(baseline);
  Collect alerts;
  BaselineSensor sensor(checker, alerts);
  Detectors detectors;
  detectors.baseline = &sensor;
  Discard discard;
  DetectEventSink events(detectors, discard);
  DetectFlowEnd ends(detectors, discard);
  run_capture(name, events, ends);
  if (counters != nullptr) *counters = checker.counters();
  std::sort(alerts.signatures.begin(), alerts.signatures.end());
  return alerts.signatures;
}

class BaselineCapture : public ::testing::Test {
 protected:
  // storescu_small's inventory (127.0.0.1: STORESCU -> STORESCP, DCMTK 3.6.7 on both sides),
  // through inventory.json on disk and back.
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ds_baseline_capture_" + std::to_string(::getpid()));
    const std::unique_ptr<Inventory> inventory = inventory_of("storescu_small");
    ASSERT_EQ(inventory->devices().size(), 1u);
    std::string error;
    ASSERT_TRUE(write_inventory_files(*inventory, dir_.string(), error)) << error;
    const BaselineLoad load = load_baseline_file((dir_ / "inventory.json").string());
    ASSERT_TRUE(load.ok) << load.error;
    baseline_ = load.baseline;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  Baseline baseline_;
};

using Texts = std::vector<std::string>;

TEST_F(BaselineCapture, TheSameCaptureRaisesNothing) {
  ASSERT_EQ(baseline_.devices.size(), 1u);
  const BaselineDevice& d = baseline_.devices.begin()->second;
  EXPECT_EQ(d.ae_titles_scu, (SortedSet<std::string>{"STORESCU"}));
  EXPECT_EQ(d.ae_titles_scp, (SortedSet<std::string>{"STORESCP"}));
  BaselineCounters counters;
  EXPECT_EQ(novelties_of("storescu_small", baseline_, &counters), Texts{});
  EXPECT_EQ(counters.novelties, 0u);
  EXPECT_EQ(counters.dropped, 0u);
}

// pcaps/README.md: MODALITY_A -> STORESCP, MODALITY_B -> ARCHIVE, MODALITY_C -> STORESCP,
// all on 127.0.0.1 with the same DCMTK: three new SCU titles and one new SCP title.
TEST_F(BaselineCapture, StorescuMultiRaisesItsNewAeTitles) {
  BaselineCounters counters;
  EXPECT_EQ(novelties_of("storescu_multi", baseline_, &counters),
            (Texts{"dicomsentry baseline: new AE title ARCHIVE as SCP of 127.0.0.1",
                   "dicomsentry baseline: new AE title MODALITY_A as SCU of 127.0.0.1",
                   "dicomsentry baseline: new AE title MODALITY_B as SCU of 127.0.0.1",
                   "dicomsentry baseline: new AE title MODALITY_C as SCU of 127.0.0.1"}));
  EXPECT_EQ(counters.novelties, 4u);
}

// pcaps/README.md: echoscu SWEEPER -> STORESCP at 127.0.0.2 ... 127.0.0.9, then nmap's
// dicom-ping (calling ECHOSCU, DCMTK 3.6.2's implementation) to 127.0.0.2-4: eight new
// devices, two new SCU titles and one new implementation of 127.0.0.1.
TEST_F(BaselineCapture, EchoSweepRaisesNewDevicesTitlesAndImplementation) {
  Texts expected = {
      "dicomsentry baseline: new AE title ECHOSCU as SCU of 127.0.0.1",
      "dicomsentry baseline: new AE title SWEEPER as SCU of 127.0.0.1",
      "dicomsentry baseline: new implementation 1.2.276.0.7230010.3.0.3.6.2 (OFFIS_DCMTK_362) "
      "of 127.0.0.1",
  };
  for (int host = 2; host <= 9; ++host) {
    expected.push_back("dicomsentry baseline: new device 127.0.0." + std::to_string(host));
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(novelties_of("echo_sweep", baseline_), expected);
}

TEST_F(BaselineCapture, StorescuIpv6IsANewDevice) {
  EXPECT_EQ(novelties_of("storescu_ipv6", baseline_),
            (Texts{"dicomsentry baseline: new device ::1"}));
}

// The policy checker's verdicts on `name`'s associations and flows under `config`.
detect::PolicySensorCounters policy_run(const std::string& name, const policy::Config& config) {
  const policy::PolicyChecker checker(config);
  Collect alerts;
  detect::PolicySensor sensor(checker, alerts, {2762});
  Detectors detectors;
  detectors.policy = &sensor;
  Discard discard;
  DetectEventSink events(detectors, discard);
  DetectFlowEnd ends(detectors, discard);
  run_capture(name, events, ends);
  EXPECT_EQ(alerts.signatures.size(), sensor.counters().violations);
  return sensor.counters();
}

TEST(SuggestPolicyCapture, AllowsWhatWasSeenAndRefusesAnotherCapture) {
  const std::unique_ptr<Inventory> inventory = inventory_of("storescu_multi");
  ASSERT_EQ(inventory->observed_flows().size(), 3u);  // three associations, three AE pairs
  const std::string text = policy::suggest_policy(inventory->observed_flows(), nullptr);
  const policy::LoadResult loaded = policy::load_config(text, "suggested.yaml");
  ASSERT_TRUE(loaded.ok) << loaded.error.text() << "\n" << text;
  ASSERT_EQ(loaded.config.zones.size(), 1u);
  EXPECT_EQ(loaded.config.zones[0].name, "net-127.0.0.0-24");
  ASSERT_EQ(loaded.config.policy.size(), 2u);  // ports 104 and 11112
  EXPECT_EQ(loaded.config.policy[0].name, "net-127.0.0.0-24-to-net-127.0.0.0-24-104");
  EXPECT_EQ(loaded.config.policy[0].calling_ae, (std::vector<std::string>{"MODALITY_B"}));
  EXPECT_EQ(loaded.config.policy[0].called_ae, (std::vector<std::string>{"ARCHIVE"}));
  EXPECT_EQ(loaded.config.policy[1].calling_ae,
            (std::vector<std::string>{"MODALITY_A", "MODALITY_C"}));

  const detect::PolicySensorCounters same = policy_run("storescu_multi", loaded.config);
  EXPECT_EQ(same.checked, 3u);
  EXPECT_EQ(same.allowed, 3u);
  EXPECT_EQ(same.violations, 0u);
  // storescu_small: STORESCU -> STORESCP on 11112 was never seen. Both entries cover the zone
  // pair and refuse it; the checker names the first one (port 104) and its first failed
  // condition, the port.
  const detect::PolicySensorCounters other = policy_run("storescu_small", loaded.config);
  EXPECT_EQ(other.checked, 1u);
  EXPECT_EQ(other.violations, 1u);
  EXPECT_EQ(other.by_reason[static_cast<std::size_t>(policy::PolicyReason::kPort)], 1u);
  // echo_sweep (pcaps/README.md): 8 echoscu and 3 nmap associations, all on 11112 with titles
  // never seen, and nmap's 3 port-scan connects (not DICOM): every one refused.
  const detect::PolicySensorCounters sweep = policy_run("echo_sweep", loaded.config);
  EXPECT_EQ(sweep.checked, 14u);
  EXPECT_EQ(sweep.allowed, 0u);
  EXPECT_EQ(sweep.violations, 14u);
}

}  // namespace
}  // namespace dicomsentry::inventory
