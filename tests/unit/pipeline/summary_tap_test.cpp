// SummaryTap and its decorators: exact counts for hand-built records, flows and alerts, records
// passed on unchanged, and the top-talker table's bound (space-saving replacement).
#include "pipeline/summary_tap.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

std::size_t allocations_so_far();  // counting_new.cpp

namespace dicomsentry {
namespace {

using dicom::AssociationState;
using dicom::CommandField;
using dicom::CommandKind;

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.bytes = {a, b, c, d};
  return ip;
}

Flow flow_between(const IpAddress& lo, const IpAddress& hi, std::uint64_t to_server,
                  std::uint64_t to_client, std::uint8_t version = 4) {
  Flow flow;
  flow.key.ip_version = version;
  flow.key.ip_proto = 6;
  flow.key.lo_ip = lo;
  flow.key.hi_ip = hi;
  flow.bytes[0] = to_server;
  flow.bytes[1] = to_client;
  return flow;
}

// What reached the end of the chain, to check the decorators pass everything on.
class Recorder final : public dicom::EventSink, public FlowEndHandler, public detect::AlertSink {
 public:
  void on_association(const dicom::AssociationRecord& r) override { associations.push_back(&r); }
  void on_transaction(const dicom::TransactionRecord& r) override { transactions.push_back(&r); }
  void on_anomaly(const dicom::AnomalyRecord& r) override { anomalies.push_back(&r); }
  void on_tls(const dicom::TlsRecord& r) override { tls.push_back(&r); }
  void on_flow_end(Flow& f) override { flows.push_back(&f); }
  void on_alert(const detect::AlertRecord& a) override { alerts.push_back(&a); }
  std::vector<const void*> associations, transactions, anomalies, tls, flows, alerts;
};

TEST(SummaryTap, CountsRecordsByStateAndCommandAndPassesThemOn) {
  SummaryTap tap;
  Recorder end;
  SummaryEventSink events(tap, end);
  dicom::AssociationRecord association;
  for (AssociationState state :
       {AssociationState::kReleased, AssociationState::kReleased, AssociationState::kAborted,
        AssociationState::kMidstream, AssociationState::kReleased}) {
    association.state = state;
    events.on_association(association);
  }
  dicom::TransactionRecord transaction;
  for (CommandField command : {CommandField::kCStoreRq, CommandField::kCStoreRq,
                               CommandField::kCEchoRq, CommandField::kCMoveRq,
                               CommandField::kCStoreRq}) {
    transaction.command = command;
    events.on_transaction(transaction);
  }
  dicom::AnomalyRecord anomaly;
  events.on_anomaly(anomaly);
  events.on_anomaly(anomaly);
  dicom::TlsRecord tls;
  events.on_tls(tls);

  const SummaryTallies t = tap.tallies();
  std::array<std::uint64_t, kAssociationStates> states{};
  states[static_cast<std::size_t>(AssociationState::kReleased)] = 3;
  states[static_cast<std::size_t>(AssociationState::kAborted)] = 1;
  states[static_cast<std::size_t>(AssociationState::kMidstream)] = 1;
  EXPECT_EQ(t.associations_by_state, states);
  std::array<std::uint64_t, dicom::kCommandKinds> commands{};
  commands[static_cast<std::size_t>(CommandKind::kCStore)] = 3;
  commands[static_cast<std::size_t>(CommandKind::kCEcho)] = 1;
  commands[static_cast<std::size_t>(CommandKind::kCMove)] = 1;
  EXPECT_EQ(t.transactions_by_command, commands);
  EXPECT_EQ(t.anomalies, 2u);
  EXPECT_EQ(t.tls_handshakes, 1u);

  EXPECT_EQ(end.associations.size(), 5u);
  EXPECT_EQ(end.transactions.size(), 5u);
  EXPECT_EQ(end.anomalies.size(), 2u);
  EXPECT_EQ(end.tls.size(), 1u);
  EXPECT_EQ(end.associations.front(), &association);
}

TEST(SummaryTap, CreditsBothEndpointsOfEachFlow) {
  SummaryTap tap;
  Recorder end;
  SummaryFlowEnd flow_end(tap, end);
  Flow a = flow_between(v4(10, 0, 0, 1), v4(10, 0, 0, 2), 100, 900);
  Flow b = flow_between(v4(10, 0, 0, 1), v4(10, 0, 0, 3), 10, 20);
  IpAddress loopback6;
  loopback6.bytes[15] = 1;
  Flow c = flow_between(loopback6, loopback6, 5, 5, 6);  // one address: credited once
  flow_end.on_flow_end(a);
  flow_end.on_flow_end(b);
  flow_end.on_flow_end(c);
  EXPECT_EQ(end.flows.size(), 3u);

  const SummaryTallies t = tap.tallies();
  EXPECT_EQ(t.flows, 3u);
  EXPECT_EQ(t.flow_bytes, 1040u);
  EXPECT_EQ(t.talkers_tracked, 4u);
  EXPECT_EQ(t.talkers_replaced, 0u);
  ASSERT_EQ(t.top_talkers.size(), 4u);
  EXPECT_EQ(t.top_talkers[0].address, v4(10, 0, 0, 1));
  EXPECT_EQ(t.top_talkers[0].bytes, 1030u);
  EXPECT_EQ(t.top_talkers[1].address, v4(10, 0, 0, 2));
  EXPECT_EQ(t.top_talkers[1].bytes, 1000u);
  EXPECT_EQ(t.top_talkers[2].address, v4(10, 0, 0, 3));
  EXPECT_EQ(t.top_talkers[2].bytes, 30u);
  EXPECT_EQ(t.top_talkers[3].address, loopback6);
  EXPECT_EQ(t.top_talkers[3].ip_version, 6u);
  EXPECT_EQ(t.top_talkers[3].bytes, 10u);
  for (const TalkerRow& row : t.top_talkers) EXPECT_EQ(row.overcount, 0u);
  EXPECT_EQ(tap.tallies(2).top_talkers.size(), 2u);
}

TEST(TopTalkers, AFullTableHandsItsSmallestEntryToTheNewAddress) {
  TopTalkers talkers(3);
  talkers.add(v4(10, 0, 0, 1), 4, 100);
  talkers.add(v4(10, 0, 0, 2), 4, 50);
  talkers.add(v4(10, 0, 0, 3), 4, 10);
  talkers.add(v4(10, 0, 0, 4), 4, 5);  // takes over .3 (10): 15, of which up to 10 not its own
  talkers.add(v4(10, 0, 0, 5), 4, 1);  // takes over .4 (15): 16, up to 15 over
  EXPECT_EQ(talkers.tracked(), 3u);
  EXPECT_EQ(talkers.replaced(), 2u);
  std::vector<TalkerRow> top = talkers.top(3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].address, v4(10, 0, 0, 1));
  EXPECT_EQ(top[0].bytes, 100u);
  EXPECT_EQ(top[0].overcount, 0u);
  EXPECT_EQ(top[1].address, v4(10, 0, 0, 2));
  EXPECT_EQ(top[1].bytes, 50u);
  EXPECT_EQ(top[2].address, v4(10, 0, 0, 5));
  EXPECT_EQ(top[2].bytes, 16u);
  EXPECT_EQ(top[2].overcount, 15u);

  talkers.add(v4(10, 0, 0, 2), 4, 100);  // tracked: counted exactly, now the largest
  top = talkers.top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].address, v4(10, 0, 0, 2));
  EXPECT_EQ(top[0].bytes, 150u);
  EXPECT_EQ(top[1].address, v4(10, 0, 0, 1));
  EXPECT_EQ(talkers.tracked(), 3u);
}

TEST(TopTalkers, AHeavyAddressArrivingLastAfterManySmallOnesIsOnTop) {
  TopTalkers talkers;  // 4096 entries
  for (std::uint32_t i = 0; i < 10'000; ++i)
    talkers.add(v4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                   static_cast<std::uint8_t>(i)),
                4, 1);
  talkers.add(v4(192, 168, 1, 1), 4, 1'000'000);
  EXPECT_EQ(talkers.tracked(), 4096u);
  EXPECT_EQ(talkers.replaced(), 10'000u - 4096u + 1u);
  const std::vector<TalkerRow> all = talkers.top(5000);
  ASSERT_EQ(all.size(), 4096u);
  EXPECT_EQ(all[0].address, v4(192, 168, 1, 1));
  // Its own bytes are exact once its inherited count is taken off.
  EXPECT_EQ(all[0].bytes - all[0].overcount, 1'000'000u);
  // Space-saving keeps the sum of the counts equal to everything added.
  const std::uint64_t sum = std::accumulate(all.begin(), all.end(), std::uint64_t{0},
                                            [](std::uint64_t s, const TalkerRow& r) { return s + r.bytes; });
  EXPECT_EQ(sum, 10'000u + 1'000'000u);
}

TEST(TopTalkers, AFullTableAllocatesNothing) {
  TopTalkers talkers(64);
  for (std::uint8_t i = 0; i < 64; ++i) talkers.add(v4(10, 1, 0, i), 4, 1 + i);
  const std::size_t before = allocations_so_far();
  for (std::uint32_t i = 0; i < 1000; ++i) {
    // A new address taking over an entry, then one certainly in the table (the largest).
    talkers.add(v4(10, 2, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), 4,
                i % 7);
    talkers.add(v4(10, 1, 0, 63), 4, 100);
  }
  EXPECT_EQ(allocations_so_far(), before);
  EXPECT_EQ(talkers.tracked(), 64u);
}

TEST(SummaryTap, CountsAlertsBySignatureUpToItsBound) {
  SummaryTap tap(TopTalkers::kDefaultCapacity, 3);
  Recorder end;
  SummaryAlertSink alerts(tap, end);
  detect::AlertRecord alert;
  const auto raise = [&](std::uint32_t gid, std::uint32_t sid, std::string_view signature) {
    alert.gid = gid;
    alert.signature_id = sid;
    alert.signature = signature;
    alerts.on_alert(alert);
  };
  raise(1, 2, "rule two");
  raise(2, 2, "dicomsentry policy: no entry");  // same sid, policy gid: its own row
  raise(1, 2, "rule two");
  raise(1, 7, "rule seven");
  raise(1, 9, "rule nine");  // a fourth signature: only summed
  raise(1, 9, "rule nine");
  raise(1, 7, "rule seven");
  raise(1, 7, "rule seven");
  EXPECT_EQ(end.alerts.size(), 8u);

  const SummaryTallies t = tap.tallies();
  EXPECT_EQ(t.alerts_untracked, 2u);
  ASSERT_EQ(t.alerts.size(), 3u);
  EXPECT_EQ(t.alerts[0].gid, 1u);
  EXPECT_EQ(t.alerts[0].signature_id, 7u);
  EXPECT_EQ(t.alerts[0].signature, "rule seven");
  EXPECT_EQ(t.alerts[0].count, 3u);
  EXPECT_EQ(t.alerts[1].gid, 1u);
  EXPECT_EQ(t.alerts[1].signature_id, 2u);
  EXPECT_EQ(t.alerts[1].count, 2u);
  EXPECT_EQ(t.alerts[2].gid, 2u);
  EXPECT_EQ(t.alerts[2].signature_id, 2u);
  EXPECT_EQ(t.alerts[2].signature, "dicomsentry policy: no entry");
  EXPECT_EQ(t.alerts[2].count, 1u);
}

}  // namespace
}  // namespace dicomsentry
