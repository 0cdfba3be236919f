// prometheus_text: the whole exposition of a small snapshot, written out by hand from the
// format's rules, and label value escaping.
#include "output/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dicom/dimse_names.hpp"

namespace dicomsentry {
namespace {

MetricsSnapshot small_snapshot() {
  MetricsSnapshot m;
  StatsSnapshot& s = m.stats;
  s.capture.packets = 10;
  s.capture.bytes = 1500;
  s.capture.kernel_received = 12;
  s.capture.kernel_dropped = 2;
  s.decode.tcp = 9;
  s.decode.udp = 1;
  s.flow.created = 3;
  s.flow.ended_timeout = 1;
  s.flow.active = 2;
  s.mac_book_addresses = 5;
  s.mac_book_dropped = 1;
  s.reassembly.segments = 7;
  s.reassembly.gaps = 1;
  s.reassembly.gap_bytes = 100;
  s.flow_memuse = 4096;
  s.flow_memcap = 1048576;
  s.reassembly_memcap = 2097152;
  s.reassembly_high_water = 512;
  s.app.flows_dicom = 2;
  s.app.sessions_in_use = 1;
  s.app.memuse = 6000;
  s.app.memuse_high_water = 12000;
  s.app.memcap = 4194304;
  s.app.memcap_refused = 5;
  s.hs_streams_open = 2;
  s.hs_stream_memuse = 300;
  m.records.associations_by_state[static_cast<std::size_t>(dicom::AssociationState::kReleased)] =
      1;
  m.records.associations_by_state[static_cast<std::size_t>(dicom::AssociationState::kAborted)] =
      1;
  m.records.transactions[static_cast<std::size_t>(dicom::CommandKind::kCStore)]
                        [static_cast<std::size_t>(dicom::StatusCategory::kSuccess)] = 3;
  m.records.transactions[static_cast<std::size_t>(dicom::CommandKind::kCFind)][kNoResponseColumn] =
      1;
  m.records.anomalies.push_back({"pdu.unknown_type", 2});
  m.alerts.by_signature.push_back({1, 1000001, "say \"hi\" \\ now\nplease", 1});
  m.workers.push_back({10, 1'500'000'000});
  m.http.requests = 4;
  m.http.bad_requests = 1;
  return m;
}

TEST(PrometheusText, SmallSnapshotExactly) {
  const std::string expected =
      "# HELP dicomsentry_capture_packets_total Packets read from the capture.\n"
      "# TYPE dicomsentry_capture_packets_total counter\n"
      "dicomsentry_capture_packets_total 10\n"
      "# HELP dicomsentry_capture_bytes_total Captured bytes read.\n"
      "# TYPE dicomsentry_capture_bytes_total counter\n"
      "dicomsentry_capture_bytes_total 1500\n"
      "# HELP dicomsentry_capture_kernel_received_packets_total Packets the kernel passed to the "
      "capture (pcap_stats ps_recv).\n"
      "# TYPE dicomsentry_capture_kernel_received_packets_total counter\n"
      "dicomsentry_capture_kernel_received_packets_total 12\n"
      "# HELP dicomsentry_capture_dropped_packets_total Packets dropped before dicomsentry saw "
      "them (pcap_stats ps_drop and ps_ifdrop).\n"
      "# TYPE dicomsentry_capture_dropped_packets_total counter\n"
      "dicomsentry_capture_dropped_packets_total{by=\"kernel\"} 2\n"
      "dicomsentry_capture_dropped_packets_total{by=\"interface\"} 0\n"
      "# HELP dicomsentry_decoded_packets_total Packets decoded, by outcome.\n"
      "# TYPE dicomsentry_decoded_packets_total counter\n"
      "dicomsentry_decoded_packets_total{result=\"tcp\"} 9\n"
      "dicomsentry_decoded_packets_total{result=\"udp\"} 1\n"
      "dicomsentry_decoded_packets_total{result=\"other_ip\"} 0\n"
      "dicomsentry_decoded_packets_total{result=\"not_ip\"} 0\n"
      "dicomsentry_decoded_packets_total{result=\"malformed\"} 0\n"
      "# HELP dicomsentry_flows_created_total Flows created.\n"
      "# TYPE dicomsentry_flows_created_total counter\n"
      "dicomsentry_flows_created_total 3\n"
      "# HELP dicomsentry_flows_ended_total Flows ended, by reason.\n"
      "# TYPE dicomsentry_flows_ended_total counter\n"
      "dicomsentry_flows_ended_total{reason=\"timeout\"} 1\n"
      "dicomsentry_flows_ended_total{reason=\"evicted\"} 0\n"
      "dicomsentry_flows_ended_total{reason=\"reused\"} 0\n"
      "dicomsentry_flows_ended_total{reason=\"shutdown\"} 0\n"
      "# HELP dicomsentry_flows_active Flows in the flow table now.\n"
      "# TYPE dicomsentry_flows_active gauge\n"
      "dicomsentry_flows_active 2\n"
      "# HELP dicomsentry_mac_book_addresses IP addresses held by the MAC address books (summed "
      "over workers).\n"
      "# TYPE dicomsentry_mac_book_addresses gauge\n"
      "dicomsentry_mac_book_addresses 5\n"
      "# HELP dicomsentry_mac_book_dropped_total Sightings of new IP addresses refused by a full "
      "MAC address book.\n"
      "# TYPE dicomsentry_mac_book_dropped_total counter\n"
      "dicomsentry_mac_book_dropped_total 1\n"
      "# HELP dicomsentry_tcp_segments_total TCP segments with payload seen by the reassembler.\n"
      "# TYPE dicomsentry_tcp_segments_total counter\n"
      "dicomsentry_tcp_segments_total 7\n"
      "# HELP dicomsentry_tcp_gaps_total Holes in reassembled TCP streams.\n"
      "# TYPE dicomsentry_tcp_gaps_total counter\n"
      "dicomsentry_tcp_gaps_total 1\n"
      "# HELP dicomsentry_tcp_gap_bytes_total Bytes missing from TCP streams.\n"
      "# TYPE dicomsentry_tcp_gap_bytes_total counter\n"
      "dicomsentry_tcp_gap_bytes_total 100\n"
      "# HELP dicomsentry_tcp_overlap_conflicts_total Overlapping TCP bytes that differ from the "
      "first copy.\n"
      "# TYPE dicomsentry_tcp_overlap_conflicts_total counter\n"
      "dicomsentry_tcp_overlap_conflicts_total 0\n"
      "# HELP dicomsentry_memory_in_use_bytes Bytes allocated now, by pool.\n"
      "# TYPE dicomsentry_memory_in_use_bytes gauge\n"
      "dicomsentry_memory_in_use_bytes{pool=\"flow\"} 4096\n"
      "dicomsentry_memory_in_use_bytes{pool=\"reassembly\"} 0\n"
      "dicomsentry_memory_in_use_bytes{pool=\"app_layer\"} 6000\n"
      "dicomsentry_memory_in_use_bytes{pool=\"hyperscan_streams\"} 300\n"
      "# HELP dicomsentry_memory_high_water_bytes Most bytes in use at once, by pool.\n"
      "# TYPE dicomsentry_memory_high_water_bytes gauge\n"
      "dicomsentry_memory_high_water_bytes{pool=\"reassembly\"} 512\n"
      "dicomsentry_memory_high_water_bytes{pool=\"app_layer\"} 12000\n"
      "# HELP dicomsentry_memory_limit_bytes Memory cap, by pool.\n"
      "# TYPE dicomsentry_memory_limit_bytes gauge\n"
      "dicomsentry_memory_limit_bytes{pool=\"flow\"} 1048576\n"
      "dicomsentry_memory_limit_bytes{pool=\"reassembly\"} 2097152\n"
      "dicomsentry_memory_limit_bytes{pool=\"app_layer\"} 4194304\n"
      "# HELP dicomsentry_app_layer_sessions DICOM and TLS sessions being parsed now.\n"
      "# TYPE dicomsentry_app_layer_sessions gauge\n"
      "dicomsentry_app_layer_sessions 1\n"
      "# HELP dicomsentry_app_layer_memcap_refused_total DICOM and TLS flows not parsed because "
      "the app-layer memcap was reached.\n"
      "# TYPE dicomsentry_app_layer_memcap_refused_total counter\n"
      "dicomsentry_app_layer_memcap_refused_total 5\n"
      "# HELP dicomsentry_dicom_flows_total Flows recognised as DICOM.\n"
      "# TYPE dicomsentry_dicom_flows_total counter\n"
      "dicomsentry_dicom_flows_total 2\n"
      "# HELP dicomsentry_dicom_associations_total DICOM associations reported, by final state.\n"
      "# TYPE dicomsentry_dicom_associations_total counter\n"
      "dicomsentry_dicom_associations_total{state=\"requested\"} 0\n"
      "dicomsentry_dicom_associations_total{state=\"established\"} 0\n"
      "dicomsentry_dicom_associations_total{state=\"releasing\"} 0\n"
      "dicomsentry_dicom_associations_total{state=\"released\"} 1\n"
      "dicomsentry_dicom_associations_total{state=\"rejected\"} 0\n"
      "dicomsentry_dicom_associations_total{state=\"aborted\"} 1\n"
      "dicomsentry_dicom_associations_total{state=\"incomplete\"} 0\n"
      "dicomsentry_dicom_associations_total{state=\"midstream\"} 0\n"
      "# HELP dicomsentry_dicom_transactions_total DIMSE transactions reported, by service and "
      "final status category (none: no final response).\n"
      "# TYPE dicomsentry_dicom_transactions_total counter\n"
      "dicomsentry_dicom_transactions_total{command=\"C-STORE\",status=\"success\"} 3\n"
      "dicomsentry_dicom_transactions_total{command=\"C-FIND\",status=\"none\"} 1\n"
      "# HELP dicomsentry_anomalies_total Protocol anomalies reported, by name.\n"
      "# TYPE dicomsentry_anomalies_total counter\n"
      "dicomsentry_anomalies_total{name=\"pdu.unknown_type\"} 2\n"
      "# HELP dicomsentry_anomalies_untracked_total Anomalies whose name came after the tap's "
      "cap of distinct names.\n"
      "# TYPE dicomsentry_anomalies_untracked_total counter\n"
      "dicomsentry_anomalies_untracked_total 0\n"
      "# HELP dicomsentry_tls_handshakes_total TLS handshakes reported on DICOM TLS ports.\n"
      "# TYPE dicomsentry_tls_handshakes_total counter\n"
      "dicomsentry_tls_handshakes_total 0\n"
      "# HELP dicomsentry_alerts_total Alerts written, by signature.\n"
      "# TYPE dicomsentry_alerts_total counter\n"
      "dicomsentry_alerts_total{gid=\"1\",sid=\"1000001\",msg=\"say \\\"hi\\\" \\\\ "
      "now\\nplease\"} 1\n"
      "# HELP dicomsentry_alerts_untracked_total Alerts whose signature came after the tap's "
      "cap of distinct signatures.\n"
      "# TYPE dicomsentry_alerts_untracked_total counter\n"
      "dicomsentry_alerts_untracked_total 0\n"
      "# HELP dicomsentry_worker_packets_total Packets processed, by worker.\n"
      "# TYPE dicomsentry_worker_packets_total counter\n"
      "dicomsentry_worker_packets_total{worker=\"0\"} 10\n"
      "# HELP dicomsentry_worker_busy_seconds_total Time spent processing packets, by worker.\n"
      "# TYPE dicomsentry_worker_busy_seconds_total counter\n"
      "dicomsentry_worker_busy_seconds_total{worker=\"0\"} 1.5\n"
      "# HELP dicomsentry_metrics_requests_total HTTP requests to the metrics endpoint "
      "answered.\n"
      "# TYPE dicomsentry_metrics_requests_total counter\n"
      "dicomsentry_metrics_requests_total 4\n"
      "# HELP dicomsentry_metrics_bad_requests_total HTTP requests answered 400 or 431.\n"
      "# TYPE dicomsentry_metrics_bad_requests_total counter\n"
      "dicomsentry_metrics_bad_requests_total 1\n"
      "# HELP dicomsentry_metrics_rejected_connections_total Connections closed at once because "
      "the connection limit was reached.\n"
      "# TYPE dicomsentry_metrics_rejected_connections_total counter\n"
      "dicomsentry_metrics_rejected_connections_total 0\n"
      "# HELP dicomsentry_metrics_timeouts_total Connections closed without a complete request "
      "within the read timeout.\n"
      "# TYPE dicomsentry_metrics_timeouts_total counter\n"
      "dicomsentry_metrics_timeouts_total 0\n";
  EXPECT_EQ(prometheus_text(small_snapshot()), expected);
}

TEST(PrometheusText, DetectionFamiliesOnlyWithRulesLoaded) {
  MetricsSnapshot m;
  m.stats.detect_enabled = true;
  m.stats.detect.hits = 5;
  m.stats.detect.suppressed_threshold = 2;
  m.stats.detect.suppressed_pass = 1;
  const std::string text = prometheus_text(m);
  EXPECT_NE(text.find("# TYPE dicomsentry_rule_hits_total counter\n"
                      "dicomsentry_rule_hits_total 5\n"),
            std::string::npos);
  EXPECT_NE(text.find("dicomsentry_alerts_suppressed_total{by=\"threshold\"} 2\n"
                      "dicomsentry_alerts_suppressed_total{by=\"pass\"} 1\n"),
            std::string::npos);
  m.stats.detect_enabled = false;
  EXPECT_EQ(prometheus_text(m).find("dicomsentry_rule_hits_total"), std::string::npos);
}

std::string escaped(std::string_view value) {
  std::string out;
  append_label_value(value, out);
  return out;
}

TEST(PrometheusText, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escaped("plain"), "plain");
  EXPECT_EQ(escaped("a\\b"), "a\\\\b");
  EXPECT_EQ(escaped("\"quoted\""), "\\\"quoted\\\"");
  EXPECT_EQ(escaped("two\nlines"), "two\\nlines");
  EXPECT_EQ(escaped("\\\"\n"), "\\\\\\\"\\n");
  // Other characters, tabs and carriage returns included, go through as they are.
  EXPECT_EQ(escaped("tab\there\r"), "tab\there\r");
  EXPECT_EQ(escaped(""), "");
}

TEST(PrometheusText, LabelValuesKeepUtf8AndReplaceInvalidBytes) {
  EXPECT_EQ(escaped("Stra\xC3\x9F" "e \xE2\x82\xAC"), "Stra\xC3\x9F" "e \xE2\x82\xAC");
  EXPECT_EQ(escaped("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
  // A lone continuation byte, a truncated sequence, an overlong encoding, a surrogate.
  EXPECT_EQ(escaped("a\x80" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(escaped("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escaped("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escaped("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(PrometheusText, AppendsToWhatIsThere) {
  std::string out = "prefix\n";
  append_prometheus_text(MetricsSnapshot{}, out);
  EXPECT_EQ(out.rfind("prefix\n# HELP dicomsentry_capture_packets_total ", 0), 0u);
  EXPECT_EQ(out.back(), '\n');
}

}  // namespace
}  // namespace dicomsentry
