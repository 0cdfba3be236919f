// MetricsEventSink and MetricsAlertSink: counts by state, command x status, anomaly name and
// signature, records forwarded unchanged, the caps on distinct names, and reads from another
// thread while the writer counts.
#include "pipeline/metrics_tap.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "dicom/dimse_names.hpp"

namespace dicomsentry {
namespace {

class RecordingSink final : public dicom::EventSink {
 public:
  void on_association(const dicom::AssociationRecord& r) override { associations.push_back(&r); }
  void on_transaction(const dicom::TransactionRecord& r) override { transactions.push_back(&r); }
  void on_anomaly(const dicom::AnomalyRecord& r) override { anomalies.push_back(&r); }
  void on_tls(const dicom::TlsRecord& r) override { tls.push_back(&r); }
  std::vector<const void*> associations, transactions, anomalies, tls;
};

class RecordingAlerts final : public detect::AlertSink {
 public:
  void on_alert(const detect::AlertRecord& alert) override { alerts.push_back(&alert); }
  std::vector<const detect::AlertRecord*> alerts;
};

std::size_t idx(dicom::AssociationState s) { return static_cast<std::size_t>(s); }
std::size_t idx(dicom::CommandKind k) { return static_cast<std::size_t>(k); }
std::size_t idx(dicom::StatusCategory c) { return static_cast<std::size_t>(c); }

TEST(MetricsEventSink, CountsAndForwardsEveryRecord) {
  RecordingSink next;
  MetricsEventSink tap(next);

  dicom::AssociationRecord released;
  released.state = dicom::AssociationState::kReleased;
  dicom::AssociationRecord aborted;
  aborted.state = dicom::AssociationState::kAborted;
  tap.on_association(released);
  tap.on_association(released);
  tap.on_association(aborted);

  dicom::TransactionRecord store_ok;
  store_ok.command = dicom::CommandField::kCStoreRq;
  store_ok.has_response = true;
  store_ok.status = 0x0000;
  dicom::TransactionRecord store_failed = store_ok;
  store_failed.status = 0xA700;  // out of resources: a failure
  dicom::TransactionRecord find_unanswered;
  find_unanswered.command = dicom::CommandField::kCFindRq;
  find_unanswered.has_response = false;
  tap.on_transaction(store_ok);
  tap.on_transaction(store_ok);
  tap.on_transaction(store_failed);
  tap.on_transaction(find_unanswered);

  dicom::AnomalyRecord unknown_type;
  unknown_type.name = "pdu.unknown_type";
  dicom::AnomalyRecord not_dicom;
  not_dicom.name = "app.not_dicom";
  tap.on_anomaly(unknown_type);
  tap.on_anomaly(not_dicom);
  tap.on_anomaly(unknown_type);

  dicom::TlsRecord hello;
  tap.on_tls(hello);

  EXPECT_EQ(next.associations, (std::vector<const void*>{&released, &released, &aborted}));
  EXPECT_EQ(next.transactions,
            (std::vector<const void*>{&store_ok, &store_ok, &store_failed, &find_unanswered}));
  EXPECT_EQ(next.anomalies, (std::vector<const void*>{&unknown_type, &not_dicom, &unknown_type}));
  EXPECT_EQ(next.tls, (std::vector<const void*>{&hello}));

  const RecordCounts c = tap.read();
  EXPECT_EQ(c.associations_by_state[idx(dicom::AssociationState::kReleased)], 2u);
  EXPECT_EQ(c.associations_by_state[idx(dicom::AssociationState::kAborted)], 1u);
  EXPECT_EQ(c.associations_by_state[idx(dicom::AssociationState::kRequested)], 0u);
  const auto store = idx(dicom::CommandKind::kCStore);
  EXPECT_EQ(c.transactions[store][idx(dicom::StatusCategory::kSuccess)], 2u);
  EXPECT_EQ(c.transactions[store][idx(dicom::StatusCategory::kFailure)], 1u);
  EXPECT_EQ(c.transactions[store][kNoResponseColumn], 0u);
  EXPECT_EQ(c.transactions[idx(dicom::CommandKind::kCFind)][kNoResponseColumn], 1u);
  ASSERT_EQ(c.anomalies.size(), 2u);
  EXPECT_EQ(c.anomalies[0].name, "pdu.unknown_type");
  EXPECT_EQ(c.anomalies[0].count, 2u);
  EXPECT_EQ(c.anomalies[1].name, "app.not_dicom");
  EXPECT_EQ(c.anomalies[1].count, 1u);
  EXPECT_EQ(c.anomalies_other, 0u);
  EXPECT_EQ(c.tls_handshakes, 1u);
}

TEST(MetricsEventSink, AnomalyNamesBeyondTheCapAreCountedTogether) {
  RecordingSink next;
  MetricsEventSink tap(next);
  const std::size_t cap = MetricsEventSink::kMaxAnomalyNames;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < cap + 10; ++i) names.push_back("test.name_" + std::to_string(i));
  for (const std::string& name : names) {
    dicom::AnomalyRecord r;
    r.name = name;
    tap.on_anomaly(r);
  }
  // A name already held is still counted under itself once the cap is reached.
  dicom::AnomalyRecord first;
  first.name = names[0];
  tap.on_anomaly(first);

  const RecordCounts c = tap.read();
  ASSERT_EQ(c.anomalies.size(), cap);
  EXPECT_EQ(c.anomalies[0].count, 2u);
  EXPECT_EQ(c.anomalies[cap - 1].name, names[cap - 1]);
  EXPECT_EQ(c.anomalies[cap - 1].count, 1u);
  EXPECT_EQ(c.anomalies_other, 10u);
  EXPECT_EQ(next.anomalies.size(), cap + 11);
}

TEST(MetricsAlertSink, CountsBySignatureAndForwards) {
  RecordingAlerts next;
  MetricsAlertSink tap(next);
  detect::AlertRecord a;
  a.gid = detect::kRuleGid;
  a.signature_id = 1000001;
  a.signature = "C-STORE to an unknown AE";
  detect::AlertRecord b;
  b.gid = detect::kPolicyGid;
  b.signature_id = 1000001;  // same sid, other generator: another signature
  b.signature = "policy: plaintext";
  tap.on_alert(a);
  tap.on_alert(b);
  tap.on_alert(a);

  EXPECT_EQ(next.alerts, (std::vector<const detect::AlertRecord*>{&a, &b, &a}));
  const AlertCounts c = tap.read();
  ASSERT_EQ(c.by_signature.size(), 2u);
  EXPECT_EQ(c.by_signature[0].gid, 1u);
  EXPECT_EQ(c.by_signature[0].sid, 1000001u);
  EXPECT_EQ(c.by_signature[0].message, "C-STORE to an unknown AE");
  EXPECT_EQ(c.by_signature[0].count, 2u);
  EXPECT_EQ(c.by_signature[1].gid, 2u);
  EXPECT_EQ(c.by_signature[1].sid, 1000001u);
  EXPECT_EQ(c.by_signature[1].message, "policy: plaintext");
  EXPECT_EQ(c.by_signature[1].count, 1u);
  EXPECT_EQ(c.other, 0u);
}

TEST(MetricsAlertSink, SignaturesBeyondTheCapAreCountedTogether) {
  RecordingAlerts next;
  MetricsAlertSink tap(next);
  detect::AlertRecord a;
  a.signature = "msg";
  for (std::uint32_t sid = 1; sid <= MetricsAlertSink::kMaxSignatures + 3; ++sid) {
    a.signature_id = sid;
    tap.on_alert(a);
  }
  const AlertCounts c = tap.read();
  EXPECT_EQ(c.by_signature.size(), MetricsAlertSink::kMaxSignatures);
  EXPECT_EQ(c.by_signature.back().sid, MetricsAlertSink::kMaxSignatures);
  EXPECT_EQ(c.other, 3u);
}

// A reader thread sees counts that never go backwards and names that are whole, while the
// writer adds new names and counts; at the end it sees exactly what was written.
TEST(MetricsEventSink, ReadableFromAnotherThreadWhileCounting) {
  RecordingSink next;
  MetricsEventSink tap(next);
  constexpr int kRounds = 64 * 320;  // every name the same number of times
  std::vector<std::string> names;
  for (int i = 0; i < 64; ++i) names.push_back("race.name_" + std::to_string(i));
  std::atomic<bool> done{false};
  bool consistent = true;
  std::thread reader([&] {
    std::uint64_t last_released = 0;
    std::size_t last_names = 0;
    while (!done.load(std::memory_order_acquire)) {
      const RecordCounts c = tap.read();
      const std::uint64_t released =
          c.associations_by_state[idx(dicom::AssociationState::kReleased)];
      if (released < last_released || c.anomalies.size() < last_names) consistent = false;
      for (const NamedCount& n : c.anomalies) {
        if (n.name.rfind("race.name_", 0) != 0 || n.count == 0) consistent = false;
      }
      last_released = released;
      last_names = c.anomalies.size();
    }
  });
  dicom::AssociationRecord released;
  released.state = dicom::AssociationState::kReleased;
  dicom::AnomalyRecord anomaly;
  for (int i = 0; i < kRounds; ++i) {
    tap.on_association(released);
    anomaly.name = names[static_cast<std::size_t>(i) % names.size()];
    tap.on_anomaly(anomaly);
  }
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_TRUE(consistent);
  const RecordCounts c = tap.read();
  EXPECT_EQ(c.associations_by_state[idx(dicom::AssociationState::kReleased)],
            static_cast<std::uint64_t>(kRounds));
  ASSERT_EQ(c.anomalies.size(), names.size());
  EXPECT_EQ(c.anomalies[5].count, static_cast<std::uint64_t>(kRounds) / names.size());
}

}  // namespace
}  // namespace dicomsentry
