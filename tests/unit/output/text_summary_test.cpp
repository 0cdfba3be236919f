// format_run_summary: the exact text of a hand-built run, sections left out when empty, and
// the alert table's order and bound.
#include "output/text_summary.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dicomsentry {
namespace {

using dicom::AssociationState;
using dicom::CommandKind;

constexpr TimestampNs kSecond = 1'000'000'000;

TalkerRow talker(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                 std::uint64_t bytes, std::uint64_t overcount = 0) {
  TalkerRow row;
  row.address.bytes = {a, b, c, d};
  row.ip_version = 4;
  row.bytes = bytes;
  row.overcount = overcount;
  return row;
}

RunSummary full_run() {
  RunSummary s;
  s.stats.capture.packets = 1500;
  s.stats.capture.bytes = 3'000'000;
  s.stats.first_ts = 1'790'000'000 * kSecond;
  s.stats.ts = s.stats.first_ts + 75 * kSecond + kSecond / 2;  // 75.5 s of traffic
  s.stats.flow.ended_evicted = 1;
  s.stats.reassembly.gaps = 2;
  s.stats.reassembly.gap_bytes = 1536;
  s.wall_seconds = 2.0;
  SummaryTallies& t = s.tallies;
  t.flows = 4;
  t.flow_bytes = 3'000'000;
  t.associations_by_state[static_cast<std::size_t>(AssociationState::kReleased)] = 3;
  t.associations_by_state[static_cast<std::size_t>(AssociationState::kAborted)] = 1;
  t.transactions_by_command[static_cast<std::size_t>(CommandKind::kCStore)] = 5;
  t.transactions_by_command[static_cast<std::size_t>(CommandKind::kCEcho)] = 2;
  t.anomalies = 1;
  t.top_talkers = {talker(192, 168, 10, 5, 3'000'000), talker(192, 168, 10, 20, 2'000'000),
                   talker(10, 0, 0, 1, 1'000'000)};
  t.talkers_tracked = 3;
  // Unsorted on purpose: the formatter orders by count, then sid.
  t.alerts = {{1, 2200010, "ET DICOM C-MOVE to an unknown AE", 3},
              {1, 42, "x", 7},
              {2, 5, "dicomsentry policy: plaintext", 3}};
  s.zone_matrix = {{"imaging", "imaging", 1, 4, 4, true, true}};
  return s;
}

TEST(TextSummary, EverySection) {
  // 1500 packets and 3,000,000 bytes in 2 s of wall time: 750 pps, 12 Mbit/s.
  EXPECT_EQ(format_run_summary(full_run()),
            "dicomsentry: summary\n"
            "  packets       1500\n"
            "  bytes         2.9 MiB\n"
            "  duration      2.00 s wall, 1m15s of traffic\n"
            "  throughput    750 pps, 12.0 Mbit/s\n"
            "  drops         1 flow evicted at the memcap, 2 stream gaps (1.5 KiB not captured)\n"
            "  flows         4\n"
            "  associations  4: released 3, aborted 1\n"
            "  transactions  7: C-STORE 5, C-ECHO 2\n"
            "  anomalies     1\n"
            "  top talkers (bytes sent and received; 3 addresses)\n"
            "    192.168.10.5      2.9 MiB  100.0%\n"
            "    192.168.10.20     1.9 MiB   66.7%\n"
            "    10.0.0.1        976.6 KiB   33.3%\n"
            "  alerts (13 from 3 signatures)\n"
            "    count  gid:sid    signature\n"
            "        7  1:42       x\n"
            "        3  2:5        dicomsentry policy: plaintext\n"
            "        3  1:2200010  ET DICOM C-MOVE to an unknown AE\n"
            "  zone matrix (1 pair)\n"
            "    client zone      server zone         flows associations violations  governed allowed\n"
            "    imaging          imaging                 1            4          4  yes      yes\n");
}

TEST(TextSummary, AnEmptyRunKeepsOnlyTheTrafficLines) {
  EXPECT_EQ(format_run_summary(RunSummary{}),
            "dicomsentry: summary\n"
            "  packets       0\n"
            "  bytes         0 B\n"
            "  duration      0.00 s wall\n"
            "  drops         none\n");
}

TEST(TextSummary, LiveDropsFilteredPacketsAndTls) {
  RunSummary s;
  s.stats.capture.packets = 10;
  s.stats.capture.filtered_out = 4;
  s.stats.capture.kernel_dropped = 7;
  s.stats.capture.interface_dropped = 1;
  s.stats.capture.inputs_failed = 1;
  s.wall_seconds = 0.5;
  s.tallies.tls_handshakes = 1;
  EXPECT_EQ(format_run_summary(s),
            "dicomsentry: summary\n"
            "  packets       10 (4 filtered out)\n"
            "  bytes         0 B\n"
            "  duration      0.50 s wall\n"
            "  throughput    20 pps, 0 bit/s\n"
            "  drops         kernel 7, interface 1, 1 input failed\n"
            "  tls           1 handshake\n");
}

TEST(TextSummary, ApproximateTalkersShowTheirBound) {
  RunSummary s;
  s.tallies.flow_bytes = 4096;
  s.tallies.top_talkers = {talker(10, 0, 0, 9, 2048, 1024)};
  s.tallies.talkers_tracked = 1;
  s.tallies.talkers_replaced = 5;
  const std::string text = format_run_summary(s);
  EXPECT_NE(text.find("  top talkers (bytes sent and received; over 1 addresses, approximate: "
                      "5 table entries taken over)\n"
                      "    10.0.0.9     2.0 KiB   50.0%  (up to 1.0 KiB over)\n"),
            std::string::npos)
      << text;
}

TEST(TextSummary, OnlyTheTopTenTalkers) {
  RunSummary s;
  s.tallies.flow_bytes = 1000;
  for (std::uint8_t i = 1; i <= 12; ++i) s.tallies.top_talkers.push_back(talker(10, 0, 0, i, 100u - i));
  s.tallies.talkers_tracked = 12;
  const std::string text = format_run_summary(s);
  EXPECT_NE(text.find("    10.0.0.10        90 B    9.0%\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("10.0.0.11"), std::string::npos) << text;
}

TEST(TextSummary, AlertRowsBeyondTwentyAndUntrackedAreSummed) {
  RunSummary s;
  for (std::uint32_t sid = 1; sid <= 22; ++sid) s.tallies.alerts.push_back({1, sid, "r", 1});
  s.tallies.alerts_untracked = 9;
  const std::string text = format_run_summary(s);
  EXPECT_NE(text.find("  alerts (31 from 22 signatures)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("        1  1:20     r\n"
                      "    ... 2 more signatures, 2 alerts\n"
                      "    ... 9 alerts of signatures not counted one by one (table full)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("1:21 "), std::string::npos) << text;
}

}  // namespace
}  // namespace dicomsentry
