// Prometheus text format 0.0.4: families in a fixed order, each sample of a family together.
#include "output/prometheus_text.hpp"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "dicom/dimse_names.hpp"

namespace dicomsentry {

namespace {

using Label = std::pair<std::string_view, std::string_view>;

// Length of the well-formed UTF-8 sequence at s[i], 0 if there is none (the format requires
// label values in UTF-8; a rule's msg might not be).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

class Exposition {
 public:
  explicit Exposition(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }

  template <typename Value>
  void sample(std::string_view name, std::initializer_list<Label> labels, Value value) {
    out_.append(name);
    if (labels.size() != 0) {
      out_.push_back('{');
      bool first = true;
      for (const Label& label : labels) {
        if (!first) out_.push_back(',');
        first = false;
        out_.append(label.first);
        out_.append("=\"");
        append_label_value(label.second, out_);
        out_.push_back('"');
      }
      out_.push_back('}');
    }
    fmt::format_to(std::back_inserter(out_), " {}\n", value);
  }

  // A family of one unlabelled sample.
  void single(std::string_view name, std::string_view type, std::string_view help,
              std::uint64_t value) {
    family(name, type, help);
    sample(name, {}, value);
  }

 private:
  std::string& out_;
};

void capture_and_decode(Exposition& e, const StatsSnapshot& s) {
  e.single("dicomsentry_capture_packets_total", "counter", "Packets read from the capture.",
           s.capture.packets);
  e.single("dicomsentry_capture_bytes_total", "counter", "Captured bytes read.", s.capture.bytes);
  e.single("dicomsentry_capture_kernel_received_packets_total", "counter",
           "Packets the kernel passed to the capture (pcap_stats ps_recv).",
           s.capture.kernel_received);
  e.family("dicomsentry_capture_dropped_packets_total", "counter",
           "Packets dropped before dicomsentry saw them (pcap_stats ps_drop and ps_ifdrop).");
  e.sample("dicomsentry_capture_dropped_packets_total", {{"by", "kernel"}},
           s.capture.kernel_dropped);
  e.sample("dicomsentry_capture_dropped_packets_total", {{"by", "interface"}},
           s.capture.interface_dropped);
  e.family("dicomsentry_decoded_packets_total", "counter", "Packets decoded, by outcome.");
  const std::pair<std::string_view, std::uint64_t> results[] = {
      {"tcp", s.decode.tcp},       {"udp", s.decode.udp},
      {"other_ip", s.decode.other_ip}, {"not_ip", s.decode.not_ip},
      {"malformed", s.decode.malformed}};
  for (const auto& [result, count] : results) {
    e.sample("dicomsentry_decoded_packets_total", {{"result", result}}, count);
  }
}

void flows_and_memory(Exposition& e, const StatsSnapshot& s) {
  e.single("dicomsentry_flows_created_total", "counter", "Flows created.", s.flow.created);
  e.family("dicomsentry_flows_ended_total", "counter", "Flows ended, by reason.");
  const std::pair<std::string_view, std::uint64_t> reasons[] = {
      {"timeout", s.flow.ended_timeout},
      {"evicted", s.flow.ended_evicted},
      {"reused", s.flow.ended_reused},
      {"shutdown", s.flow.ended_shutdown}};
  for (const auto& [reason, count] : reasons) {
    e.sample("dicomsentry_flows_ended_total", {{"reason", reason}}, count);
  }
  e.single("dicomsentry_flows_active", "gauge", "Flows in the flow table now.", s.flow.active);
  e.single("dicomsentry_mac_book_addresses", "gauge",
           "IP addresses held by the MAC address books (summed over workers).",
           s.mac_book_addresses);
  e.single("dicomsentry_mac_book_dropped_total", "counter",
           "Sightings of new IP addresses refused by a full MAC address book.", s.mac_book_dropped);
  e.single("dicomsentry_tcp_segments_total", "counter",
           "TCP segments with payload seen by the reassembler.", s.reassembly.segments);
  e.single("dicomsentry_tcp_gaps_total", "counter", "Holes in reassembled TCP streams.",
           s.reassembly.gaps);
  e.single("dicomsentry_tcp_gap_bytes_total", "counter", "Bytes missing from TCP streams.",
           s.reassembly.gap_bytes);
  e.single("dicomsentry_tcp_overlap_conflicts_total", "counter",
           "Overlapping TCP bytes that differ from the first copy.",
           s.reassembly.overlap_conflicts);
  e.family("dicomsentry_memory_in_use_bytes", "gauge", "Bytes allocated now, by pool.");
  e.sample("dicomsentry_memory_in_use_bytes", {{"pool", "flow"}}, s.flow_memuse);
  e.sample("dicomsentry_memory_in_use_bytes", {{"pool", "reassembly"}}, s.reassembly_memuse);
  e.sample("dicomsentry_memory_in_use_bytes", {{"pool", "app_layer"}}, s.app.memuse);
  e.sample("dicomsentry_memory_in_use_bytes", {{"pool", "hyperscan_streams"}}, s.hs_stream_memuse);
  e.family("dicomsentry_memory_high_water_bytes", "gauge", "Most bytes in use at once, by pool.");
  e.sample("dicomsentry_memory_high_water_bytes", {{"pool", "reassembly"}},
           s.reassembly_high_water);
  e.sample("dicomsentry_memory_high_water_bytes", {{"pool", "app_layer"}},
           s.app.memuse_high_water);
  e.family("dicomsentry_memory_limit_bytes", "gauge", "Memory cap, by pool.");
  e.sample("dicomsentry_memory_limit_bytes", {{"pool", "flow"}}, s.flow_memcap);
  e.sample("dicomsentry_memory_limit_bytes", {{"pool", "reassembly"}}, s.reassembly_memcap);
  e.sample("dicomsentry_memory_limit_bytes", {{"pool", "app_layer"}}, s.app.memcap);
  e.single("dicomsentry_app_layer_sessions", "gauge",
           "DICOM and TLS sessions being parsed now.", s.app.sessions_in_use);
  e.single("dicomsentry_app_layer_memcap_refused_total", "counter",
           "DICOM and TLS flows not parsed because the app-layer memcap was reached.",
           s.app.memcap_refused);
}

void dicom_records(Exposition& e, const StatsSnapshot& s, const RecordCounts& r) {
  e.single("dicomsentry_dicom_flows_total", "counter", "Flows recognised as DICOM.",
           s.app.flows_dicom);
  e.family("dicomsentry_dicom_associations_total", "counter",
           "DICOM associations reported, by final state.");
  for (std::size_t i = 0; i < kAssociationStates; ++i) {
    const auto state = static_cast<dicom::AssociationState>(i);
    e.sample("dicomsentry_dicom_associations_total",
             {{"state", dicom::association_state_name(state)}}, r.associations_by_state[i]);
  }
  e.family("dicomsentry_dicom_transactions_total", "counter",
           "DIMSE transactions reported, by service and final status category "
           "(none: no final response).");
  for (std::size_t c = 0; c < dicom::kCommandKinds; ++c) {
    for (std::size_t k = 0; k < kStatusColumns; ++k) {
      const std::uint64_t count = r.transactions[c][k];
      if (count == 0) continue;
      const std::string_view status =
          k == kNoResponseColumn
              ? std::string_view("none")
              : dicom::status_category_name(static_cast<dicom::StatusCategory>(k));
      e.sample("dicomsentry_dicom_transactions_total",
               {{"command", dicom::command_kind_name(static_cast<dicom::CommandKind>(c))},
                {"status", status}},
               count);
    }
  }
  e.family("dicomsentry_anomalies_total", "counter", "Protocol anomalies reported, by name.");
  for (const NamedCount& a : r.anomalies) {
    e.sample("dicomsentry_anomalies_total", {{"name", a.name}}, a.count);
  }
  e.single("dicomsentry_anomalies_untracked_total", "counter",
           "Anomalies whose name came after the tap's cap of distinct names.", r.anomalies_other);
  e.single("dicomsentry_tls_handshakes_total", "counter",
           "TLS handshakes reported on DICOM TLS ports.", r.tls_handshakes);
}

void detection(Exposition& e, const MetricsSnapshot& m) {
  e.family("dicomsentry_alerts_total", "counter", "Alerts written, by signature.");
  for (const AlertCount& a : m.alerts.by_signature) {
    const std::string gid = fmt::format("{}", a.gid);
    const std::string sid = fmt::format("{}", a.sid);
    e.sample("dicomsentry_alerts_total", {{"gid", gid}, {"sid", sid}, {"msg", a.message}},
             a.count);
  }
  e.single("dicomsentry_alerts_untracked_total", "counter",
           "Alerts whose signature came after the tap's cap of distinct signatures.",
           m.alerts.other);
  if (!m.stats.detect_enabled) return;
  e.single("dicomsentry_rule_hits_total", "counter", "Rule matches, pass rules included.",
           m.stats.detect.hits);
  e.family("dicomsentry_alerts_suppressed_total", "counter",
           "Rule matches that did not alert, by cause.");
  e.sample("dicomsentry_alerts_suppressed_total", {{"by", "threshold"}},
           m.stats.detect.suppressed_threshold);
  e.sample("dicomsentry_alerts_suppressed_total", {{"by", "pass"}},
           m.stats.detect.suppressed_pass);
}

void workers_and_http(Exposition& e, const MetricsSnapshot& m) {
  e.family("dicomsentry_worker_packets_total", "counter", "Packets processed, by worker.");
  for (std::size_t i = 0; i < m.workers.size(); ++i) {
    const std::string worker = fmt::format("{}", i);
    e.sample("dicomsentry_worker_packets_total", {{"worker", worker}}, m.workers[i].packets);
  }
  e.family("dicomsentry_worker_busy_seconds_total", "counter",
           "Time spent processing packets, by worker.");
  for (std::size_t i = 0; i < m.workers.size(); ++i) {
    const std::string worker = fmt::format("{}", i);
    e.sample("dicomsentry_worker_busy_seconds_total", {{"worker", worker}},
             static_cast<double>(m.workers[i].busy_ns) / 1e9);
  }
  e.single("dicomsentry_metrics_requests_total", "counter",
           "HTTP requests to the metrics endpoint answered.", m.http.requests);
  e.single("dicomsentry_metrics_bad_requests_total", "counter",
           "HTTP requests answered 400 or 431.", m.http.bad_requests);
  e.single("dicomsentry_metrics_rejected_connections_total", "counter",
           "Connections closed at once because the connection limit was reached.",
           m.http.rejected_connections);
  e.single("dicomsentry_metrics_timeouts_total", "counter",
           "Connections closed without a complete request within the read timeout.",
           m.http.timeouts);
}

}  // namespace

void append_label_value(std::string_view value, std::string& out) {
  std::size_t i = 0;
  while (i < value.size()) {
    const std::size_t n = utf8_sequence(value, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD for each byte that is not well-formed UTF-8
      ++i;
      continue;
    }
    const char c = value[i];
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.append(value.substr(i, n));
    }
    i += n;
  }
}

void append_prometheus_text(const MetricsSnapshot& snapshot, std::string& out) {
  Exposition e(out);
  capture_and_decode(e, snapshot.stats);
  flows_and_memory(e, snapshot.stats);
  dicom_records(e, snapshot.stats, snapshot.records);
  detection(e, snapshot);
  workers_and_http(e, snapshot);
}

std::string prometheus_text(const MetricsSnapshot& snapshot) {
  std::string out;
  out.reserve(8192);
  append_prometheus_text(snapshot, out);
  return out;
}

void merge_record_counts(RecordCounts& into, const RecordCounts& from) {
  for (std::size_t i = 0; i < into.associations_by_state.size(); ++i) {
    into.associations_by_state[i] += from.associations_by_state[i];
  }
  for (std::size_t c = 0; c < into.transactions.size(); ++c) {
    for (std::size_t s = 0; s < kStatusColumns; ++s) into.transactions[c][s] += from.transactions[c][s];
  }
  for (const NamedCount& n : from.anomalies) {
    const auto it = std::find_if(into.anomalies.begin(), into.anomalies.end(),
                                 [&](const NamedCount& m) { return m.name == n.name; });
    if (it != into.anomalies.end()) it->count += n.count;
    else into.anomalies.push_back(n);
  }
  into.anomalies_other += from.anomalies_other;
  into.tls_handshakes += from.tls_handshakes;
}

void merge_alert_counts(AlertCounts& into, const AlertCounts& from) {
  for (const AlertCount& a : from.by_signature) {
    const auto it = std::find_if(into.by_signature.begin(), into.by_signature.end(),
                                 [&](const AlertCount& b) { return b.gid == a.gid && b.sid == a.sid; });
    if (it != into.by_signature.end()) it->count += a.count;
    else into.by_signature.push_back(a);
  }
  into.other += from.other;
}

}  // namespace dicomsentry
