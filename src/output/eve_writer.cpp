// EVE `flow` and `stats` records, with Suricata's field names where Suricata has them.
#include "output/eve_writer.hpp"

#include <array>

#include "output/eve_flow_header.hpp"

namespace dicomsentry {

namespace {

// Suricata's coarse flow state.
std::string_view flow_state_name(const Flow& flow) {
  if (flow.key.ip_proto != static_cast<std::uint8_t>(IpProto::kTcp)) {
    return flow.packets[0] && flow.packets[1] ? "established" : "new";
  }
  switch (flow.tcp_state) {
    case TcpState::kNone:
    case TcpState::kSynSent:
    case TcpState::kSynReceived: return "new";
    case TcpState::kEstablished:
    case TcpState::kClosing: return "established";
    case TcpState::kClosed: return "closed";
  }
  return "new";
}

void write_tcp_flags(JsonWriter& json, JsonKey key, std::uint8_t flags) {
  std::array<char, 2> text{};
  constexpr char kDigits[] = "0123456789abcdef";
  text[0] = kDigits[flags >> 4];
  text[1] = kDigits[flags & 0xf];
  json.key_value(key, std::string_view(text.data(), 2));
}

void write_stream(JsonWriter& json, JsonKey key, const StreamState& stream) {
  json.key(key);
  json.begin_object();
  json.key_value("bytes", stream.offset - stream.gap_bytes);
  json.key_value("gaps", stream.gaps);
  json.key_value("gap_bytes", stream.gap_bytes);
  json.key_value("retransmissions", stream.retransmissions);
  json.key_value("overlaps", stream.overlaps);
  json.key_value("overlap_conflicts", stream.overlap_conflicts);
  json.key_value("midstream", (stream.flags & StreamState::kMidstream) != 0);
  json.end_object();
}

}  // namespace

EveWriter::EveWriter(EveSink& sink, std::uint16_t community_id_seed)
    : sink_(sink), seed_(community_id_seed) {}

void EveWriter::on_flow_end(Flow& flow) {
  buffer_.clear();
  JsonWriter json(buffer_);
  begin_eve_record(json, timestamps_, flow.last_ts, "flow");
  write_flow_identity(json, flow, seed_, flow_app_proto(flow));

  json.key("flow");
  json.begin_object();
  json.key_value("pkts_toserver", flow.packets[0]);
  json.key_value("pkts_toclient", flow.packets[1]);
  json.key_value("bytes_toserver", flow.bytes[0]);
  json.key_value("bytes_toclient", flow.bytes[1]);
  json.key_plain_value("start", timestamps_.format(flow.first_ts));
  json.key_plain_value("end", timestamps_.format(flow.last_ts));
  json.key_value("age", (flow.last_ts - flow.first_ts) / 1'000'000'000);
  json.key_plain_value("state", flow_state_name(flow));
  json.key_plain_value("reason", flow_end_reason_name(flow.end_reason));
  json.key_value("midstream", static_cast<bool>(flow.midstream));
  json.end_object();

  if (flow.key.ip_proto == static_cast<std::uint8_t>(IpProto::kTcp)) {
    const std::uint8_t all = flow.tcp_flags[0] | flow.tcp_flags[1];
    json.key("tcp");
    json.begin_object();
    write_tcp_flags(json, "tcp_flags", all);
    write_tcp_flags(json, "tcp_flags_ts", flow.tcp_flags[0]);
    write_tcp_flags(json, "tcp_flags_tc", flow.tcp_flags[1]);
    if (all & tcp_flag::kSyn) json.key_value("syn", true);
    if (all & tcp_flag::kFin) json.key_value("fin", true);
    if (all & tcp_flag::kRst) json.key_value("rst", true);
    if (all & tcp_flag::kPsh) json.key_value("psh", true);
    if (all & tcp_flag::kAck) json.key_value("ack", true);
    json.key_value("state", tcp_state_name(flow.tcp_state));
    json.end_object();

    json.key("reassembly");
    json.begin_object();
    write_stream(json, "toserver", flow.stream[0]);
    write_stream(json, "toclient", flow.stream[1]);
    json.end_object();
  }
  json.end_object();
  sink_.write_line(json.view());
  ++flow_events_;
}

void EveWriter::write_stats(const StatsSnapshot& stats) {
  buffer_.clear();
  JsonWriter json(buffer_);
  begin_eve_record(json, timestamps_, stats.ts, "stats");
  json.key("stats");
  json.begin_object();
  json.key_value("uptime", (stats.ts - stats.first_ts) / 1'000'000'000);

  json.key("capture");
  json.begin_object();
  json.key_value("inputs", stats.capture.inputs);
  json.key_value("inputs_failed", stats.capture.inputs_failed);
  json.key_value("packets", stats.capture.packets);
  json.key_value("bytes", stats.capture.bytes);
  json.key_value("filtered_out", stats.capture.filtered_out);
  json.key_value("skipped_blocks", stats.capture.skipped_blocks);
  json.key_value("kernel_packets", stats.capture.kernel_received);
  json.key_value("kernel_drops", stats.capture.kernel_dropped);
  json.key_value("kernel_ifdrops", stats.capture.interface_dropped);
  json.end_object();

  const DecodeCounters& d = stats.decode;
  json.key("decoder");
  json.begin_object();
  json.key_value("pkts", d.packets);
  json.key_value("bytes", d.bytes);
  json.key_value("ethernet", d.ethernet);
  json.key_value("linux_sll", d.linux_sll);
  json.key_value("loopback", d.loopback);
  json.key_value("raw", d.raw_ip);
  json.key_value("vlan", d.vlan_tagged);
  json.key_value("ipv4", d.ipv4);
  json.key_value("ipv6", d.ipv6);
  json.key_value("tcp", d.tcp);
  json.key_value("udp", d.udp);
  json.key_value("icmp", d.icmp);
  json.key_value("other_ip", d.other_ip);
  json.key_value("not_ip", d.not_ip);
  json.key_value("invalid", d.malformed);
  json.key_value("snaplen_cut", d.snaplen_cut);
  json.key_value("fragments_attributed", d.fragments_attributed);
  json.key_value("fragments_unattributed", d.fragments_unattributed);
  json.key("invalid_by_reason");
  json.begin_object();
  for (std::size_t i = 0; i < kDecodeReasonCount; ++i) {
    if (d.by_reason[i] != 0) json.dynamic_key_value(decode_reason_name(static_cast<DecodeReason>(i)), d.by_reason[i]);
  }
  json.end_object();
  json.key("event");
  json.begin_object();
  for (std::size_t i = 0; i < kDecodeReasonCount; ++i) {
    if (d.anomalies[i] != 0) json.dynamic_key_value(decode_reason_name(static_cast<DecodeReason>(i)), d.anomalies[i]);
  }
  json.end_object();
  json.end_object();

  json.key("flow");
  json.begin_object();
  json.key_value("created", stats.flow.created);
  json.key_value("active", stats.flow.active);
  json.key_value("active_high_water", stats.flow.active_high_water);
  json.key_value("ended_timeout", stats.flow.ended_timeout);
  json.key_value("ended_evicted", stats.flow.ended_evicted);
  json.key_value("ended_reused", stats.flow.ended_reused);
  json.key_value("ended_shutdown", stats.flow.ended_shutdown);
  json.key_value("memuse", stats.flow_memuse);
  json.key_value("memcap", stats.flow_memcap);
  json.key_value("mac_book_addresses", stats.mac_book_addresses);
  json.key_value("mac_book_dropped", stats.mac_book_dropped);
  json.end_object();

  const ReassemblyCounters& r = stats.reassembly;
  json.key("tcp");
  json.begin_object();
  json.key_value("segments", r.segments);
  json.key_value("in_order", r.in_order);
  json.key_value("out_of_order", r.out_of_order);
  json.key_value("retransmissions", r.retransmissions);
  json.key_value("overlaps", r.overlaps);
  json.key_value("overlap_conflicts", r.overlap_conflicts);
  json.key_value("gaps", r.gaps);
  json.key_value("gap_bytes", r.gap_bytes);
  json.key_value("gaps_by_ack", r.gaps_by_ack);
  json.key_value("gaps_by_cap", r.gaps_by_cap);
  json.key_value("gaps_at_close", r.gaps_at_close);
  json.key_value("gaps_by_snaplen", r.gaps_by_snaplen);
  json.key_value("out_of_window", r.out_of_window);
  json.key_value("bytes_delivered", r.bytes_delivered);
  json.key_value("stash_copies", r.stash_copies);
  json.key_value("consumer_stalls", r.consumer_stalls);
  json.key_value("consumer_stall_bytes", r.stall_bytes);
  json.key_value("reassembly_memuse", stats.reassembly_memuse);
  json.key_value("reassembly_memuse_high_water", stats.reassembly_high_water);
  json.key_value("reassembly_memcap", stats.reassembly_memcap);
  json.end_object();

  // As Suricata's stats.app_layer: flows by protocol found, then transactions.
  const AppLayerCounters& a = stats.app;
  json.key("app_layer");
  json.begin_object();
  json.key("flow");
  json.begin_object();
  json.key_value("dicom", a.flows_dicom);
  json.key_value("dicom_unconfigured_port", a.flows_dicom_unconfigured_port);
  json.key_value("dicom_midstream", a.flows_dicom_midstream);
  json.key_value("tls", a.flows_tls);
  json.key_value("failed", a.flows_failed);
  json.end_object();
  json.key_value("associations", a.associations);
  json.key_value("transactions", a.transactions);
  json.key_value("tls_handshakes", a.tls_handshakes);
  json.key_value("anomalies", a.anomalies);
  json.key_value("phi_values_withheld", stats.phi_values_withheld);
  json.key_value("sessions_in_use", a.sessions_in_use);
  json.key_value("sessions_free", a.sessions_free);
  json.key_value("memuse", a.memuse);
  json.key_value("memuse_high_water", a.memuse_high_water);
  json.key_value("memcap", a.memcap);
  json.key_value("memcap_refused", a.memcap_refused);
  json.end_object();

  if (stats.export_enabled) {
    json.key("export");
    json.begin_object();
    json.key_value("written", stats.export_written);
    json.key_value("bytes", stats.export_bytes);
    json.key_value("incomplete", stats.export_incomplete);
    json.key_value("too_large", stats.export_too_large);
    json.key_value("no_transfer_syntax", stats.export_no_transfer_syntax);
    json.key_value("open_limit", stats.export_open_limit);
    json.key_value("write_errors", stats.export_write_errors);
    json.end_object();
  }

  if (stats.detect_enabled) {
    const detect::AlertBuilderCounters& d = stats.detect;
    json.key("detect");
    json.begin_object();
    json.key_value("rules_loaded", stats.rules_loaded);
    json.key_value("rules_failed", stats.rules_failed);
    json.key_value("hits", d.hits);
    json.key_value("alerts", d.alerts);
    json.key_value("suppressed_threshold", d.suppressed_threshold);
    json.key_value("suppressed_pass", d.suppressed_pass);
    json.key_value("hs_streams_open", stats.hs_streams_open);
    json.key_value("hs_stream_memuse", stats.hs_stream_memuse);
    json.end_object();
  }
  if (stats.policy_enabled) {
    const detect::PolicySensorCounters& p = stats.policy;
    json.key("policy");
    json.begin_object();
    json.key_value("evaluated", p.evaluated);
    json.key_value("checked", p.checked);
    json.key_value("allowed", p.allowed);
    json.key_value("violations", p.violations);
    json.key_value("skipped_midstream", p.skipped_midstream);
    json.key("by_reason");
    json.begin_object();
    for (std::size_t i = 1; i < p.by_reason.size(); ++i) {
      json.dynamic_key_value(policy::policy_reason_name(static_cast<policy::PolicyReason>(i)),
                     p.by_reason[i]);
    }
    json.end_object();
    json.end_object();
  }

  json.end_object();
  json.end_object();
  sink_.write_line(json.view());
}

}  // namespace dicomsentry
