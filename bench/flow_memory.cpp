// Memory of many concurrent flows, against issue 5's target: at most 256 bytes of core state
// per idle flow, one million concurrent flows in 1 GiB including Hyperscan stream state.
// One worker's chain is built as the CLI builds it (WorkerStack, default ruleset, EVE to
// /dev/null); FLOWS TCP connections are fed from memory and left open, then the growth of the
// process is divided by FLOWS. Each traffic class runs in its own child process so that every
// figure starts from the same empty process. Asserts nothing; exits non-zero only when a run
// could not admit all its flows.
#include <hs/hs.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "applayer/tls_session.hpp"
#include "detect/engine_tables.hpp"
#include "detect/rule_engine.hpp"
#include "dicom/association.hpp"
#include "dicom_builder.hpp"
#include "frame_builder.hpp"
#include "inventory/inventory.hpp"
#include "output/eve_sink.hpp"
#include "pipeline/summary_tap.hpp"
#include "pipeline/worker_stack.hpp"
#include "rules/rule_file.hpp"

namespace ds = dicomsentry;

namespace {

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint16_t kServerPort = 104;
// Client ports per client address: 1024..61023, so any FLOWS fits in a few client hosts.
constexpr std::uint32_t kPortsPerClient = 60000;

enum class TrafficClass { kIdle, kDicom, kDicomPayload };
constexpr std::array kClasses = {TrafficClass::kIdle, TrafficClass::kDicom,
                                 TrafficClass::kDicomPayload};

std::string_view class_name(TrafficClass c) {
  switch (c) {
    case TrafficClass::kIdle: return "idle";
    case TrafficClass::kDicom: return "dicom";
    case TrafficClass::kDicomPayload: return "payload";
  }
  return "?";
}

// Raw-stream rules of the kind a site adds: with them each direction of every flow to a DICOM
// port gets a Hyperscan stream (the default ruleset has no pkt_data rule, so it opens none).
constexpr std::string_view kPayloadRules = R"(
alert tcp any any -> any $DICOM_PORTS (msg:"ELF header in a stream to a DICOM port"; flow:to_server; content:"|7f 45 4c 46 02 01 01|"; sid:9900001; rev:1;)
alert tcp any any -> any $DICOM_PORTS (msg:"DOS stub in a stream to a DICOM port"; flow:to_server; content:"This program cannot be run in DOS mode"; sid:9900002; rev:1;)
alert tcp any any -> any $DICOM_PORTS (msg:"shell command in a stream to a DICOM port"; flow:to_server; content:"/bin/"; pcre:"/\/bin\/(ba)?sh\s+-c/"; sid:9900003; rev:1;)
alert tcp any $DICOM_PORTS -> any any (msg:"HTTP response from a DICOM port"; flow:to_client; content:"HTTP/1."; sid:9900004; rev:1;)
)";

std::unique_ptr<ds::detect::RuleEngine> build_rules(bool with_payload_rules) {
  ds::rules::RuleSet set;
  const auto vars = ds::rules::default_vars("[104, 11112]", "[2762]");
  ds::rules::load_rule_file(DICOMSENTRY_DEFAULT_RULES, vars, set);
  if (with_payload_rules) ds::rules::load_rule_text(kPayloadRules, "bench-payload.rules", vars, set);
  auto built = ds::detect::RuleEngine::build(set);
  if (!built.engine || set.rules.empty() || !set.errors.empty() || !built.errors.empty()) {
    fmt::print(stderr, "cannot build the ruleset {}{}\n", DICOMSENTRY_DEFAULT_RULES,
               with_payload_rules ? " with the payload rules" : "");
    for (const auto& e : set.errors) fmt::print(stderr, "  {}\n", e);
    for (const auto& e : built.errors) fmt::print(stderr, "  {}\n", e);
    std::exit(1);
  }
  return std::move(built.engine);
}

// Hyperscan's stream and scratch memory, counted through its allocator hooks (usable bytes of
// each block, no header added, so RSS is what the sensor's own malloc calls would give): the
// bytes it holds, not an estimate from hs_stream_size.
struct HsTally {
  std::uint64_t live_streams = 0, stream_bytes = 0, scratch_bytes = 0;
};
HsTally g_hs;
void* stream_alloc(std::size_t size) {
  void* p = std::malloc(size);
  if (p != nullptr) {
    ++g_hs.live_streams;
    g_hs.stream_bytes += malloc_usable_size(p);
  }
  return p;
}
void stream_free(void* p) {
  if (p == nullptr) return;
  --g_hs.live_streams;
  g_hs.stream_bytes -= malloc_usable_size(p);
  std::free(p);
}
void* scratch_alloc(std::size_t size) {
  void* p = std::malloc(size);
  if (p != nullptr) g_hs.scratch_bytes += malloc_usable_size(p);
  return p;
}
void scratch_free(void* p) {
  if (p == nullptr) return;
  g_hs.scratch_bytes -= malloc_usable_size(p);
  std::free(p);
}

std::uint64_t rss_bytes() {
  unsigned long size = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::uint64_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// What one class's child process sends back to the parent (plain data through a pipe).
struct ClassResult {
  bool admitted = false;
  char why[160] = {};
  std::uint64_t flows = 0, packets = 0;
  double seconds = 0;
  std::uint64_t rss_before = 0, rss_after = 0, heap_before = 0, heap_after = 0;
  std::uint64_t flow_memuse = 0, flow_capacity = 0, reassembly_memuse = 0;
  std::uint64_t app_sessions = 0, app_memuse = 0, app_memcap_refused = 0, stats_hs_stream_memuse = 0;
  std::uint64_t hs_streams = 0, hs_stream_bytes = 0, hs_stream_size = 0, hs_scratch_bytes = 0;
};

// Sends the packets of FLOWS connections into one pipeline: each flow is built from a fresh
// spec in one of kBatch reused frame buffers, so nothing but the sensor's own state grows.
class ConnectionFeeder {
 public:
  ConnectionFeeder(ds::Pipeline& pipeline, bool dicom) : pipeline_(pipeline), dicom_(dicom) {
    ds::synth::AssociateRqSpec rq;
    rq.calling_ae = "CT_SCANNER_01";
    rq.called_ae = "PACS_ARCHIVE";
    rq.contexts.push_back({1, std::string(ds::synth::uids::kVerification),
                           {std::string(ds::synth::uids::kImplicitLittleEndian)}});
    rq.contexts.push_back({3, std::string(ds::synth::uids::kCtImageStorage),
                           {std::string(ds::synth::uids::kExplicitLittleEndian),
                            std::string(ds::synth::uids::kImplicitLittleEndian),
                            std::string(ds::synth::uids::kJpegLossless)}});
    rq.contexts.push_back({5, std::string(ds::synth::uids::kMrImageStorage),
                           {std::string(ds::synth::uids::kExplicitLittleEndian),
                            std::string(ds::synth::uids::kImplicitLittleEndian)}});
    rq_ = ds::synth::associate_rq(rq);
    ac_ = ds::synth::associate_ac(ds::synth::accept_all(rq));
    for (auto& frame : frames_) frame.reserve(2048);
  }

  void open(std::uint32_t index) {
    client_ = ds::synth::ipv4_address(10, 1, static_cast<std::uint8_t>(index / kPortsPerClient), 10);
    server_ = ds::synth::ipv4_address(10, 2, 0, 1);
    client_port_ = static_cast<std::uint16_t>(1024 + index % kPortsPerClient);
    seq_[0] = 1'000'000u + index * 7919u;
    seq_[1] = 3'000'000u + index * 104729u;
    using namespace ds::tcp_flag;
    send(true, kSyn, {});
    send(false, kSyn | kAck, {});
    send(true, kAck, {});
    if (dicom_) {
      send(true, kPsh | kAck, rq_);
      send(false, kPsh | kAck, ac_);
    }
  }

  void flush() {
    pipeline_.process_batch({views_.data(), batched_});
    batched_ = 0;
  }
  std::uint64_t packets() const { return packets_; }

 private:
  void send(bool from_client, std::uint8_t flags, ds::ByteView payload) {
    const int s = from_client ? 0 : 1;
    const bool syn = (flags & ds::tcp_flag::kSyn) != 0;
    ds::synth::FrameSpec spec;
    spec.src_ip = from_client ? client_ : server_;
    spec.dst_ip = from_client ? server_ : client_;
    spec.src_port = from_client ? client_port_ : kServerPort;
    spec.dst_port = from_client ? kServerPort : client_port_;
    spec.tcp.seq = seq_[s];
    spec.tcp.ack = (flags & ds::tcp_flag::kAck) != 0 ? seq_[1 - s] : 0;
    spec.tcp.flags = flags;
    spec.tcp.window = syn ? 64240 : 502;
    if (syn) spec.tcp.options.mss = 1460;
    spec.payload = payload;
    std::vector<std::byte>& frame = frames_[batched_];
    ds::synth::build_frame(spec, frame);
    seq_[s] += static_cast<std::uint32_t>(payload.size()) + (syn ? 1 : 0);
    ds::PacketView& view = views_[batched_];
    view.timestamp_ns = now_;
    view.bytes = ds::ByteView(frame.data(), frame.size());
    view.original_length = static_cast<std::uint32_t>(frame.size());
    now_ += 1'000;  // 1 us apart: a million flows open within seconds, far below any timeout
    ++packets_;
    if (++batched_ == views_.size()) flush();
  }

  ds::Pipeline& pipeline_;
  bool dicom_;
  ds::synth::Bytes rq_, ac_;
  std::array<std::vector<std::byte>, ds::Pipeline::kBatch> frames_;
  std::array<ds::PacketView, ds::Pipeline::kBatch> views_{};
  std::size_t batched_ = 0;
  ds::IpAddress client_, server_;
  std::uint16_t client_port_ = 0;
  std::uint32_t seq_[2] = {0, 0};
  ds::TimestampNs now_ = 1'767'225'600'000'000'000;  // 2026-01-01
  std::uint64_t packets_ = 0;
};

// Runs in a child process: measures one class, writes the result to `out_fd` and exits
// without tearing the million flows down (teardown is not what is measured).
[[noreturn]] void run_class(TrafficClass traffic, std::uint64_t flows, int out_fd) {
  ClassResult r;
  r.flows = flows;
  const auto engine = build_rules(traffic == TrafficClass::kDicomPayload);
  if (const ds::detect::BufferTable* t =
          engine->impl().table(ds::detect::Scope::kPayload, ds::rules::Buffer::kPayload);
      t != nullptr && t->hs.db != nullptr) {
    std::size_t size = 0;
    if (hs_stream_size(t->hs.db, &size) == HS_SUCCESS) r.hs_stream_size = size;
  }

  ds::RunOptions options;
  options.rule_engine = engine.get();
  options.rules_loaded = engine->rules().size();
  // Room for every flow: the bench measures memory per flow, not eviction.
  const std::uint64_t needed = flows * ds::FlowTable::bytes_per_flow();
  options.pipeline.flow.memcap_bytes = std::max(options.pipeline.flow.memcap_bytes, needed + needed / 4);
  // And for every session: the app-layer memcap would refuse the rest.
  const std::uint64_t sessions_needed = flows * ds::AppLayer::session_charge();
  options.app.memcap_bytes = std::max(options.app.memcap_bytes, sessions_needed + sessions_needed / 4);
  ds::EveSink sink;
  if (!sink.open("/dev/null")) std::exit(1);
  ds::inventory::Inventory inventory(nullptr);
  ds::SummaryTap summary;
  ds::SharedRunState shared;
  shared.file_sink = &sink;
  shared.inventory = &inventory;
  shared.summary = &summary;
  ds::WorkerStack stack(options, shared, 0);
  ConnectionFeeder feeder(stack.pipeline(), traffic != TrafficClass::kIdle);
  r.flow_capacity = stack.pipeline().flow_table().capacity();

  r.rss_before = rss_bytes();
  r.heap_before = heap_in_use();
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < flows; ++i) feeder.open(static_cast<std::uint32_t>(i));
  feeder.flush();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.rss_after = rss_bytes();
  r.heap_after = heap_in_use();
  r.packets = feeder.packets();

  ds::StatsSnapshot stats;
  stack.add_counters(stats, true);
  r.flow_memuse = stats.flow_memuse;
  r.reassembly_memuse = stats.reassembly_memuse;
  r.app_sessions = stack.app().sessions_in_use();
  r.app_memuse = stats.app.memuse;
  r.app_memcap_refused = stats.app.memcap_refused;
  r.stats_hs_stream_memuse = stats.hs_stream_memuse;
  r.hs_streams = g_hs.live_streams;
  r.hs_stream_bytes = g_hs.stream_bytes;
  r.hs_scratch_bytes = g_hs.scratch_bytes;

  // Admitted: every flow created and still open, none evicted, and each DICOM flow holding
  // its session (and, with payload rules, its two Hyperscan streams).
  std::string why;
  const ds::FlowTableCounters& fc = stats.flow;
  if (fc.active != flows || fc.ended_evicted != 0 || fc.ended_timeout != 0 || fc.ended_reused != 0)
    why = fmt::format("flow table holds {} of {} flows ({} evicted at the memcap, {} timed out, {} reused)",
                      fc.active, flows, fc.ended_evicted, fc.ended_timeout, fc.ended_reused);
  else if (traffic != TrafficClass::kIdle && (stats.app.flows_dicom != flows || r.app_sessions != flows))
    why = fmt::format("app layer: {} DICOM flows, {} sessions in use, {} failed, {} refused at the memcap, of {} flows",
                      stats.app.flows_dicom, r.app_sessions, stats.app.flows_failed,
                      stats.app.memcap_refused, flows);
  else if (traffic == TrafficClass::kDicomPayload && r.hs_streams != 2 * flows)
    why = fmt::format("{} Hyperscan streams open, {} expected", r.hs_streams, 2 * flows);
  r.admitted = why.empty();
  std::snprintf(r.why, sizeof r.why, "%s", why.c_str());
  std::fflush(nullptr);
  const auto* bytes = reinterpret_cast<const char*>(&r);
  std::size_t sent = 0;
  while (sent < sizeof r) {
    const ssize_t n = write(out_fd, bytes + sent, sizeof r - sent);
    if (n <= 0) std::_Exit(1);
    sent += static_cast<std::size_t>(n);
  }
  std::_Exit(0);
}

// Runs one class in a child process (a fresh address space for every class) and reads its
// result back; false when the child failed before reporting.
bool run_in_child(TrafficClass traffic, std::uint64_t flows, ClassResult& result) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    close(fds[0]);
    run_class(traffic, flows, fds[1]);
  }
  close(fds[1]);
  std::size_t got = 0;
  auto* out = reinterpret_cast<char*>(&result);
  while (got < sizeof result) {
    const ssize_t n = read(fds[0], out + got, sizeof result - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got == sizeof result && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

// Usage: bench_flow_memory [FLOWS [idle|dicom|payload]...]; FLOWS defaults to 1,000,000 and
// the classes to all three.
int main(int argc, char** argv) {
  std::uint64_t flows = 1'000'000;
  if (argc > 1) flows = std::strtoull(argv[1], nullptr, 10);
  // Distinct tuples: 256 client addresses of kPortsPerClient ports each.
  constexpr std::uint64_t kMaxFlows = 256ull * kPortsPerClient;
  if (flows == 0 || flows > kMaxFlows) {
    fmt::print(stderr, "usage: bench_flow_memory [FLOWS [idle|dicom|payload]...] (FLOWS 1..{})\n", kMaxFlows);
    return 2;
  }
  std::vector<TrafficClass> classes;
  for (int i = 2; i < argc; ++i) {
    bool known = false;
    for (TrafficClass c : kClasses)
      if (class_name(c) == argv[i]) classes.push_back(c), known = true;
    if (!known) {
      fmt::print(stderr, "unknown class {} (idle, dicom, payload)\n", argv[i]);
      return 2;
    }
  }
  if (classes.empty()) classes.assign(kClasses.begin(), kClasses.end());
  hs_set_stream_allocator(stream_alloc, stream_free);
  hs_set_scratch_allocator(scratch_alloc, scratch_free);

  std::vector<ClassResult> results(classes.size());
  bool all_admitted = true;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (!run_in_child(classes[i], flows, results[i])) {
      fmt::print(stderr, "the {} run failed before reporting\n", class_name(classes[i]));
      return 1;
    }
    all_admitted &= results[i].admitted;
  }

  struct NoEnd final : ds::FlowEndHandler {
    void on_flow_end(ds::Flow&) override {}
  } no_end;
  const std::uint32_t default_capacity = ds::FlowTable(ds::FlowConfig{}, no_end).capacity();
  const auto per_flow = [&](std::uint64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(flows); };
  const auto grown = [](std::uint64_t before, std::uint64_t after) { return after > before ? after - before : 0; };

  fmt::print("{} concurrent TCP flows to port {} per class, all open at the end; one worker built as "
             "the CLI builds it (WorkerStack, default ruleset); each class in a fresh process\n",
             flows, kServerPort);
  fmt::print("  idle: handshake only; dicom: + A-ASSOCIATE-RQ and -AC (association open); "
             "payload: dicom + 4 pkt_data rules (2 Hyperscan streams per flow)\n\n");
  std::string header = fmt::format("{:<48}", "bytes per flow unless stated");
  for (TrafficClass c : classes) header += fmt::format("{:>12}", class_name(c));
  fmt::print("{}\n", header);
  const auto row = [&](std::string_view label, auto value_of) {
    std::string line = fmt::format("{:<48}", label);
    for (const ClassResult& r : results) line += fmt::format("{:>12}", value_of(r));
    fmt::print("{}\n", line);
  };
  const auto bytes_row = [&](std::string_view label, auto bytes_of) {
    row(label, [&](const ClassResult& r) { return fmt::format("{:.1f}", per_flow(bytes_of(r))); });
  };
  row("flows admitted (all open at the end)", [](const ClassResult& r) { return r.admitted ? "yes" : "NO"; });
  row("flow table capacity (memcap raised)", [](const ClassResult& r) { return fmt::format("{}", r.flow_capacity); });
  row("packets fed", [](const ClassResult& r) { return fmt::format("{}", r.packets); });
  row("feed time, s", [](const ClassResult& r) { return fmt::format("{:.2f}", r.seconds); });
  bytes_row("process RSS growth (/proc/self/statm)", [&](const ClassResult& r) { return grown(r.rss_before, r.rss_after); });
  bytes_row("heap growth (mallinfo2: in use + mmapped)", [&](const ClassResult& r) { return grown(r.heap_before, r.heap_after); });
  bytes_row("  flow table (stats flow.memuse)", [](const ClassResult& r) { return r.flow_memuse; });
  bytes_row("  reassembly (stats reassembly_memuse)", [](const ClassResult& r) { return r.reassembly_memuse; });
  bytes_row("  Hyperscan streams (allocator, usable bytes)", [](const ClassResult& r) { return r.hs_stream_bytes; });
  bytes_row("  hs_stream_size x streams open", [](const ClassResult& r) { return r.hs_stream_size * r.hs_streams; });
  bytes_row("  stats detect.hs_stream_memuse", [](const ClassResult& r) { return r.stats_hs_stream_memuse; });
  bytes_row("  stats app_layer.memuse (charged per session)", [](const ClassResult& r) { return r.app_memuse; });
  bytes_row("  rest: app sessions, payload map, unaccounted", [&](const ClassResult& r) {
    const std::uint64_t known = r.flow_memuse + r.reassembly_memuse + r.hs_stream_bytes;
    return grown(known, grown(r.heap_before, r.heap_after));
  });
  bytes_row("  rest less app_layer.memuse (payload map, ...)", [&](const ClassResult& r) {
    const std::uint64_t known = r.flow_memuse + r.reassembly_memuse + r.hs_stream_bytes + r.app_memuse;
    const std::uint64_t heap = grown(r.heap_before, r.heap_after);
    return heap > known ? heap - known : 0;
  });
  row("app-layer sessions in use", [](const ClassResult& r) { return fmt::format("{}", r.app_sessions); });
  row("app-layer memcap refusals", [](const ClassResult& r) { return fmt::format("{}", r.app_memcap_refused); });
  row("Hyperscan streams open", [](const ClassResult& r) { return fmt::format("{}", r.hs_streams); });
  row("hs_stream_size of the pkt_data database", [](const ClassResult& r) { return fmt::format("{}", r.hs_stream_size); });
  row("Hyperscan scratch of the worker, KiB", [](const ClassResult& r) { return fmt::format("{:.1f}", r.hs_scratch_bytes / 1024.0); });
  row("RSS growth for all flows, MiB", [&](const ClassResult& r) {
    return fmt::format("{:.1f}", grown(r.rss_before, r.rss_after) / 1048576.0);
  });
  row("process RSS at the end, MiB", [](const ClassResult& r) { return fmt::format("{:.1f}", r.rss_after / 1048576.0); });
  row("fits in 1 GiB (whole process)", [](const ClassResult& r) { return r.rss_after <= kGiB ? "yes" : "NO"; });

  fmt::print("\nflow record: sizeof(Flow) {} B + bucket {} B = {} B (target: <= 256 B of core state per idle flow)\n",
             sizeof(ds::Flow), sizeof(std::uint32_t), ds::FlowTable::bytes_per_flow());
  fmt::print("default --flow-memcap {} MiB admits {} flows{}; the bench raised it to fit {}\n",
             ds::FlowConfig{}.memcap_bytes >> 20, default_capacity,
             default_capacity >= flows ? "" : " (fewer than this run: the default would evict)", flows);
  fmt::print("1 GiB over {} flows is {:.0f} B per flow\n", flows, static_cast<double>(kGiB) / static_cast<double>(flows));
  // The pieces of an open association's session, for reading the `rest` row.
  fmt::print("inline sizes: dicom::Association {} B (of which DimseTracker {} B, AssociationRecord {} B), "
             "TlsSession {} B, TransactionRecord {} B (pending ones come from a per-worker pool), StreamState {} B\n",
             sizeof(ds::dicom::Association), sizeof(ds::dicom::DimseTracker),
             sizeof(ds::dicom::AssociationRecord), sizeof(ds::TlsSession),
             sizeof(ds::dicom::TransactionRecord), sizeof(ds::StreamState));
  fmt::print("app-layer memcap charge per session: {} B (sizeof(Session) + an estimate of {} B of heap); "
             "default --app-layer-memcap {} MiB admits {} sessions\n",
             ds::AppLayer::session_charge(), ds::AppLayer::kSessionHeapEstimate,
             ds::AppLayerConfig{}.memcap_bytes >> 20,
             ds::AppLayerConfig{}.memcap_bytes / ds::AppLayer::session_charge());
  for (std::size_t i = 0; i < results.size(); ++i)
    if (!results[i].admitted)
      fmt::print("{}: not every flow was admitted: {}\n", class_name(classes[i]), results[i].why);
  return all_admitted ? 0 : 3;
}
