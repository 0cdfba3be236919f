// The live sensor's counters in the Prometheus text exposition format 0.0.4 (what a scrape of
// --metrics-listen's /metrics returns). A pure function of a snapshot the caller gathers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dicom/dicom_events.hpp"
#include "output/eve_writer.hpp"

namespace dicomsentry {

// Transactions are split by the category of their final response; kNoResponse is for those
// that had none (the flow or the capture ended first).
inline constexpr std::size_t kStatusColumns = 7;  // dicom::StatusCategory values, then none
inline constexpr std::size_t kNoResponseColumn = 6;
using dicom::kAssociationStates;

struct NamedCount {
  std::string name;
  std::uint64_t count = 0;
};

// What the record tap (pipeline/metrics_tap.hpp) counted, as plain numbers.
struct RecordCounts {
  std::array<std::uint64_t, kAssociationStates> associations_by_state{};
  std::array<std::array<std::uint64_t, kStatusColumns>, dicom::kCommandKinds> transactions{};
  std::vector<NamedCount> anomalies;   // by anomaly name, in order of first appearance
  std::uint64_t anomalies_other = 0;   // names beyond the tap's cap
  std::uint64_t tls_handshakes = 0;
};

struct AlertCount {
  std::uint32_t gid = 0;
  std::uint32_t sid = 0;
  std::string message;  // the rule's msg (policy alerts: their reason text)
  std::uint64_t count = 0;
};

struct AlertCounts {
  std::vector<AlertCount> by_signature;  // in order of first appearance
  std::uint64_t other = 0;               // signatures beyond the tap's cap
};

// Adds one worker's counts to the sum of all (named entries matched by name, or gid and sid;
// new ones appended in order).
void merge_record_counts(RecordCounts& into, const RecordCounts& from);
void merge_alert_counts(AlertCounts& into, const AlertCounts& from);

struct WorkerLoad {
  std::uint64_t packets = 0;
  std::uint64_t busy_ns = 0;  // time spent processing packets
};

// The metrics endpoint's own counters (pipeline/metrics_server.hpp).
struct HttpCounters {
  std::uint64_t requests = 0;          // complete requests answered, whatever the status
  std::uint64_t bad_requests = 0;      // answered 400 or 431
  std::uint64_t rejected_connections = 0;  // closed at once: the connection limit was reached
  std::uint64_t timeouts = 0;          // closed: no complete request within the read timeout
};

struct MetricsSnapshot {
  StatsSnapshot stats;
  RecordCounts records;
  AlertCounts alerts;
  std::vector<WorkerLoad> workers;  // index = worker number
  HttpCounters http;
};

// Appends the exposition of `snapshot` to `out`: every family with `# HELP` and `# TYPE`,
// names `dicomsentry_*`, counters ending in `_total`, label values escaped.
void append_prometheus_text(const MetricsSnapshot& snapshot, std::string& out);
std::string prometheus_text(const MetricsSnapshot& snapshot);

// A label value with `\`, `"` and newline escaped as the format requires.
void append_label_value(std::string_view value, std::string& out);

}  // namespace dicomsentry
