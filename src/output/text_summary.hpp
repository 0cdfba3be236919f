// The end-of-run summary for people, on stderr: what was read, how fast, what was lost, what
// the DICOM traffic was, who talked most, which alerts fired, and the zone matrix.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "decode/decoded_packet.hpp"
#include "detect/policy_sensor.hpp"
#include "dicom/dicom_events.hpp"
#include "output/eve_writer.hpp"

namespace dicomsentry {

using dicom::kAssociationStates;

// Bytes seen by one address, both directions, over the flows that ended.
struct TalkerRow {
  IpAddress address;
  std::uint8_t ip_version = 4;
  std::uint64_t bytes = 0;
  // How much of `bytes` may belong to addresses this one replaced in a full table (the
  // space-saving bound): the true count lies in [bytes - overcount, bytes]. 0 when exact.
  std::uint64_t overcount = 0;
};

// Alerts raised for one signature.
struct AlertCountRow {
  std::uint32_t gid = 0;
  std::uint32_t signature_id = 0;
  std::string signature;
  std::uint64_t count = 0;
};

// What the summary taps (pipeline/summary_tap.hpp) counted on the record streams.
struct SummaryTallies {
  std::array<std::uint64_t, kAssociationStates> associations_by_state{};
  std::array<std::uint64_t, dicom::kCommandKinds> transactions_by_command{};
  std::uint64_t anomalies = 0;
  std::uint64_t tls_handshakes = 0;
  std::uint64_t flows = 0;               // flows that ended
  std::uint64_t flow_bytes = 0;          // their captured bytes, both directions, once each
  std::vector<TalkerRow> top_talkers;    // the largest first
  std::uint64_t talkers_tracked = 0;     // addresses in the table: all of them, unless
  std::uint64_t talkers_replaced = 0;    // entries were taken over because it was full
  std::vector<AlertCountRow> alerts;     // any order; the formatter sorts
  std::uint64_t alerts_untracked = 0;    // alerts of signatures beyond the table's bound
};

struct RunSummary {
  StatsSnapshot stats;
  double wall_seconds = 0;  // from the start of reading to the end of the run
  SummaryTallies tallies;
  std::vector<detect::ZonePairSummary> zone_matrix;  // empty: no policy (-c)
};

inline constexpr std::size_t kSummaryTopTalkers = 10;

// The whole summary, lines ending in '\n', each starting with two spaces after the first
// ("dicomsentry: summary"). Sections with nothing to say are left out.
std::string format_run_summary(const RunSummary& summary);

}  // namespace dicomsentry
