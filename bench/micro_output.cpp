// Output primitives: ns per typical EVE flow event, string escaping, Community ID, timestamps, sink.
#include <benchmark/benchmark.h>

#include <string>

#include "output/community_id.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"

namespace dicomsentry {
namespace {

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

// A Suricata-shaped flow record: common prefix, endpoints, community id and a "flow" object.
// Addresses are pre-rendered text, as the flow record would keep them.
void write_flow_event(JsonWriter& w, EveTimestampFormatter& clock, TimestampNs ts,
                      std::uint64_t flow_id, std::string_view community_id) {
  w.begin_object();
  w.key_value("timestamp", clock.format(ts));
  w.key_value("flow_id", flow_id);
  w.key_value("in_iface", "eth0");
  w.key_value("event_type", "flow");
  w.key("vlan");
  w.begin_array();
  w.value(std::uint16_t{110});
  w.end_array();
  w.key_value("src_ip", "192.168.10.21");
  w.key_value("src_port", std::uint16_t{49733});
  w.key_value("dest_ip", "10.20.0.5");
  w.key_value("dest_port", std::uint16_t{104});
  w.key_value("proto", "TCP");
  w.key_value("app_proto", "dicom");
  w.key_value("community_id", community_id);
  w.key("flow");
  w.begin_object();
  w.key_value("pkts_toserver", std::uint64_t{1423});
  w.key_value("pkts_toclient", std::uint64_t{977});
  w.key_value("bytes_toserver", std::uint64_t{18'234'112});
  w.key_value("bytes_toclient", std::uint64_t{88'120});
  w.key_value("start", clock.format(ts - 3'000'000'000));
  w.key_value("end", clock.format(ts));
  w.key_value("age", 3);
  w.key_value("state", "closed");
  w.key_value("reason", "timeout");
  w.key_value("alerted", false);
  w.end_object();
  w.key("tcp");
  w.begin_object();
  w.key_value("tcp_flags", "1b");
  w.key_value("syn", true);
  w.key_value("fin", true);
  w.key_value("psh", true);
  w.key_value("ack", true);
  w.key_value("state", "closed");
  w.end_object();
  w.end_object();
}

void BM_json_flow_event(benchmark::State& state) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  EveTimestampFormatter clock;
  const std::string cid(community_id_v1(4, v4(192, 168, 10, 21), v4(10, 20, 0, 5), 6, 49733, 104).view());
  TimestampNs ts = 1'795'869'512'123'456'789;
  std::uint64_t flow_id = 1;
  std::size_t bytes = 0;
  for (auto _ : state) {
    buf.clear();
    w.restart();
    write_flow_event(w, clock, ts, flow_id++, cid);
    ts += 1'000;  // a busy link: many events within the same second
    bytes += buf.size();
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_json_flow_event);

// The same event with the Community ID computed each time (a flow that did not cache it).
void BM_json_flow_event_with_community_id(benchmark::State& state) {
  fmt::memory_buffer buf;
  JsonWriter w(buf);
  EveTimestampFormatter clock;
  const IpAddress src = v4(192, 168, 10, 21);
  const IpAddress dst = v4(10, 20, 0, 5);
  TimestampNs ts = 1'795'869'512'123'456'789;
  std::uint64_t flow_id = 1;
  for (auto _ : state) {
    buf.clear();
    w.restart();
    const CommunityId cid = community_id_v1(4, src, dst, 6, static_cast<std::uint16_t>(flow_id), 104);
    write_flow_event(w, clock, ts, flow_id++, cid.view());
    ts += 1'000;
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_json_flow_event_with_community_id);

void escape_bench(benchmark::State& state, const std::string& text) {
  fmt::memory_buffer buf;
  for (auto _ : state) {
    buf.clear();
    append_json_string(buf, text);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_json_escape_ascii(benchmark::State& state) {
  escape_bench(state, std::string(static_cast<std::size_t>(state.range(0)), 'a'));
}
BENCHMARK(BM_json_escape_ascii)->Arg(16)->Arg(256)->Arg(4096);

void BM_json_escape_mixed(benchmark::State& state) {
  std::string text;
  while (text.size() < 4096) text += "PatientName=M\xC3\xBCller^Hans\r\n\"quoted\"\t\x01\xFF";
  escape_bench(state, text);
}
BENCHMARK(BM_json_escape_mixed);

void BM_community_id_v4(benchmark::State& state) {
  const IpAddress src = v4(192, 168, 10, 21);
  const IpAddress dst = v4(10, 20, 0, 5);
  std::uint16_t port = 0;
  for (auto _ : state) benchmark::DoNotOptimize(community_id_v1(4, src, dst, 6, ++port, 104));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_community_id_v4);

void BM_community_id_v6(benchmark::State& state) {
  IpAddress src;
  IpAddress dst;
  src.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  dst.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  std::uint16_t port = 0;
  for (auto _ : state) benchmark::DoNotOptimize(community_id_v1(6, src, dst, 6, ++port, 104));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_community_id_v6);

void BM_eve_timestamp_uncached(benchmark::State& state) {
  TimestampNs ts = 1'795'869'512'123'456'789;
  for (auto _ : state) {
    benchmark::DoNotOptimize(format_eve_timestamp(ts));
    ts += 1'000'000'007;  // a new second every call: the full date computation
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_eve_timestamp_uncached);

void BM_eve_timestamp_cached(benchmark::State& state) {
  EveTimestampFormatter f;
  TimestampNs ts = 1'795'869'512'123'456'789;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.format(ts).data());
    ts += 1'000;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_eve_timestamp_cached);

void BM_eve_sink_write_line(benchmark::State& state) {
  EveSink sink;
  if (!sink.open("/dev/null")) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  const std::string line(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) sink.write_line(line);
  sink.flush();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (line.size() + 1)));
}
BENCHMARK(BM_eve_sink_write_line)->Arg(600);

}  // namespace
}  // namespace dicomsentry
