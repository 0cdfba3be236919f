// format_run_summary: the end-of-run summary as text. Pure: everything comes in RunSummary.
#include "output/text_summary.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <vector>

#include "decode/ip_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "output/human_units.hpp"

namespace dicomsentry {

namespace {

// Alert rows printed at most; the rest are summed on one line.
constexpr std::size_t kMaxAlertRows = 20;

std::string address_text(const TalkerRow& row) {
  return std::string(format_ip(row.ip_version == 6 ? 6 : 4, row.address).view());
}

const char* plural(std::uint64_t n, const char* one, const char* many) {
  return n == 1 ? one : many;
}

double seconds_between(TimestampNs first, TimestampNs last) {
  if (first == 0 || last < first) return 0;
  return static_cast<double>(last - first) / 1e9;
}

// "label         value\n": labels in one column.
void line(fmt::memory_buffer& out, std::string_view label, std::string_view value) {
  fmt::format_to(std::back_inserter(out), "  {:<13} {}\n", label, value);
}

void traffic_section(fmt::memory_buffer& out, const RunSummary& s) {
  const CaptureCounters& c = s.stats.capture;
  std::string packets = fmt::format("{}", c.packets);
  if (c.filtered_out > 0) packets += fmt::format(" ({} filtered out)", c.filtered_out);
  line(out, "packets", packets);
  line(out, "bytes", format_bytes(c.bytes));
  std::string duration = fmt::format("{} wall", format_duration(s.wall_seconds));
  if (const double span = seconds_between(s.stats.first_ts, s.stats.ts); span > 0)
    duration += fmt::format(", {} of traffic", format_duration(span));
  line(out, "duration", duration);
  if (s.wall_seconds > 0) {
    line(out, "throughput",
         fmt::format("{}, {}", format_packet_rate(static_cast<double>(c.packets) / s.wall_seconds),
                     format_bit_rate(static_cast<double>(c.bytes) / s.wall_seconds)));
  }
}

// Everything that was lost or not looked at, "none" when nothing was.
void drops_section(fmt::memory_buffer& out, const RunSummary& s) {
  const StatsSnapshot& st = s.stats;
  std::vector<std::string> parts;
  if (st.capture.kernel_dropped > 0) parts.push_back(fmt::format("kernel {}", st.capture.kernel_dropped));
  if (st.capture.interface_dropped > 0)
    parts.push_back(fmt::format("interface {}", st.capture.interface_dropped));
  if (st.capture.inputs_failed > 0)
    parts.push_back(fmt::format("{} {} failed", st.capture.inputs_failed,
                                plural(st.capture.inputs_failed, "input", "inputs")));
  if (st.flow.ended_evicted > 0)
    parts.push_back(fmt::format("{} {} evicted at the memcap", st.flow.ended_evicted,
                                plural(st.flow.ended_evicted, "flow", "flows")));
  if (st.reassembly.gaps > 0)
    parts.push_back(fmt::format("{} stream {} ({} not captured)", st.reassembly.gaps,
                                plural(st.reassembly.gaps, "gap", "gaps"),
                                format_bytes(st.reassembly.gap_bytes)));
  line(out, "drops", parts.empty() ? std::string("none") : fmt::format("{}", fmt::join(parts, ", ")));
}

void dicom_section(fmt::memory_buffer& out, const SummaryTallies& t) {
  std::uint64_t associations = 0;
  std::vector<std::string> states;
  for (std::size_t i = 0; i < t.associations_by_state.size(); ++i) {
    if (t.associations_by_state[i] == 0) continue;
    associations += t.associations_by_state[i];
    states.push_back(fmt::format(
        "{} {}", dicom::association_state_name(static_cast<dicom::AssociationState>(i)),
        t.associations_by_state[i]));
  }
  if (associations > 0)
    line(out, "associations", fmt::format("{}: {}", associations, fmt::join(states, ", ")));

  std::uint64_t transactions = 0;
  std::vector<std::string> commands;
  for (std::size_t i = 0; i < t.transactions_by_command.size(); ++i) {
    if (t.transactions_by_command[i] == 0) continue;
    transactions += t.transactions_by_command[i];
    commands.push_back(fmt::format(
        "{} {}", dicom::command_kind_name(static_cast<dicom::CommandKind>(i)),
        t.transactions_by_command[i]));
  }
  if (transactions > 0)
    line(out, "transactions", fmt::format("{}: {}", transactions, fmt::join(commands, ", ")));
  if (t.anomalies > 0) line(out, "anomalies", fmt::format("{}", t.anomalies));
  if (t.tls_handshakes > 0) line(out, "tls", fmt::format("{} {}", t.tls_handshakes,
                                                        plural(t.tls_handshakes, "handshake", "handshakes")));
}

void talkers_section(fmt::memory_buffer& out, const SummaryTallies& t) {
  if (t.top_talkers.empty()) return;
  auto o = std::back_inserter(out);
  if (t.talkers_replaced == 0) {
    fmt::format_to(o, "  top talkers (bytes sent and received; {} {})\n", t.talkers_tracked,
                   plural(t.talkers_tracked, "address", "addresses"));
  } else {
    fmt::format_to(o,
                   "  top talkers (bytes sent and received; over {} addresses, approximate: "
                   "{} table entries taken over)\n",
                   t.talkers_tracked, t.talkers_replaced);
  }
  const std::size_t shown = std::min(t.top_talkers.size(), kSummaryTopTalkers);
  std::vector<std::string> addresses;
  std::size_t address_width = 0;
  for (std::size_t i = 0; i < shown; ++i) {
    addresses.push_back(address_text(t.top_talkers[i]));
    address_width = std::max(address_width, addresses.back().size());
  }
  for (std::size_t i = 0; i < shown; ++i) {
    const TalkerRow& row = t.top_talkers[i];
    const double share = t.flow_bytes > 0 ? 100.0 * static_cast<double>(row.bytes) /
                                                static_cast<double>(t.flow_bytes)
                                          : 0.0;
    fmt::format_to(o, "    {:<{}}  {:>10}  {:5.1f}%", addresses[i], address_width,
                   format_bytes(row.bytes), std::min(share, 100.0));
    if (row.overcount > 0) fmt::format_to(o, "  (up to {} over)", format_bytes(row.overcount));
    fmt::format_to(o, "\n");
  }
}

void alerts_section(fmt::memory_buffer& out, const SummaryTallies& t) {
  if (t.alerts.empty() && t.alerts_untracked == 0) return;
  std::vector<const AlertCountRow*> rows;
  std::uint64_t total = t.alerts_untracked;
  for (const AlertCountRow& row : t.alerts) {
    rows.push_back(&row);
    total += row.count;
  }
  std::sort(rows.begin(), rows.end(), [](const AlertCountRow* a, const AlertCountRow* b) {
    if (a->count != b->count) return a->count > b->count;
    if (a->signature_id != b->signature_id) return a->signature_id < b->signature_id;
    return a->gid < b->gid;
  });
  auto o = std::back_inserter(out);
  fmt::format_to(o, "  alerts ({} from {} {})\n", total, t.alerts.size(),
                 plural(t.alerts.size(), "signature", "signatures"));
  const std::size_t shown = std::min(rows.size(), kMaxAlertRows);
  std::size_t count_width = 5;  // "count"
  std::size_t id_width = 7;     // "gid:sid"
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < shown; ++i) {
    ids.push_back(fmt::format("{}:{}", rows[i]->gid, rows[i]->signature_id));
    id_width = std::max(id_width, ids.back().size());
    count_width = std::max(count_width, fmt::formatted_size("{}", rows[i]->count));
  }
  fmt::format_to(o, "    {:>{}}  {:<{}}  {}\n", "count", count_width, "gid:sid", id_width,
                 "signature");
  for (std::size_t i = 0; i < shown; ++i) {
    fmt::format_to(o, "    {:>{}}  {:<{}}  {}\n", rows[i]->count, count_width, ids[i], id_width,
                   rows[i]->signature);
  }
  if (rows.size() > shown) {
    std::uint64_t rest = 0;
    for (std::size_t i = shown; i < rows.size(); ++i) rest += rows[i]->count;
    fmt::format_to(o, "    ... {} more signatures, {} alerts\n", rows.size() - shown, rest);
  }
  if (t.alerts_untracked > 0)
    fmt::format_to(o, "    ... {} alerts of signatures not counted one by one (table full)\n",
                   t.alerts_untracked);
}

void zone_matrix_section(fmt::memory_buffer& out, const std::vector<detect::ZonePairSummary>& rows) {
  if (rows.empty()) return;
  auto o = std::back_inserter(out);
  fmt::format_to(o, "  zone matrix ({} {})\n", rows.size(), plural(rows.size(), "pair", "pairs"));
  fmt::format_to(o, "    {:<16} {:<16} {:>8} {:>12} {:>10}  {:<8} {}\n", "client zone",
                 "server zone", "flows", "associations", "violations", "governed", "allowed");
  for (const detect::ZonePairSummary& r : rows) {
    fmt::format_to(o, "    {:<16} {:<16} {:>8} {:>12} {:>10}  {:<8} {}\n", r.client_zone,
                   r.server_zone, r.flows, r.associations, r.violations,
                   r.governed ? "yes" : "no", r.allowed ? "yes" : "no");
  }
}

}  // namespace

std::string format_run_summary(const RunSummary& summary) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), "dicomsentry: summary\n");
  traffic_section(out, summary);
  drops_section(out, summary);
  if (summary.tallies.flows > 0) line(out, "flows", fmt::format("{}", summary.tallies.flows));
  dicom_section(out, summary.tallies);
  talkers_section(out, summary.tallies);
  alerts_section(out, summary.tallies);
  zone_matrix_section(out, summary.zone_matrix);
  return fmt::to_string(out);
}

}  // namespace dicomsentry
