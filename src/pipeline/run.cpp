// Wiring for one run: inputs -> (BPF) -> pipeline -> EVE writer; errors and exit status.
#include "pipeline/run.hpp"

#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "capture/bpf_filter.hpp"
#include "capture/capture_file.hpp"
#include "capture/live_capture.hpp"
#include "applayer/app_layer.hpp"
#include "detect/alert_builder.hpp"
#include "detect/dataset_inspector.hpp"
#include "detect/payload_inspector.hpp"
#include "detect/policy_sensor.hpp"
#include "output/eve_alert_writer.hpp"
#include "output/eve_app_writer.hpp"
#include "output/eve_writer.hpp"
#include "output/inventory_writer.hpp"
#include "output/object_export.hpp"
#include "pipeline/detect_sink.hpp"
#include "pipeline/export_sink.hpp"
#include "pipeline/inventory_sink.hpp"
#include "pipeline/live_loop.hpp"

namespace dicomsentry {

namespace {

StatsSnapshot snapshot(const Pipeline& pipeline, const CaptureCounters& capture,
                       const PipelineConfig& config) {
  StatsSnapshot stats;
  stats.ts = pipeline.last_ts();
  stats.first_ts = pipeline.first_ts();
  stats.capture = capture;
  stats.decode = pipeline.decode_counters();
  stats.flow = pipeline.flow_counters();
  stats.flow_memuse = pipeline.flow_table().memuse();
  stats.flow_memcap = config.flow.memcap_bytes;
  stats.reassembly = pipeline.reassembly_counters();
  stats.reassembly_memuse = pipeline.segment_pool().bytes_in_use();
  stats.reassembly_high_water = pipeline.segment_pool().high_water();
  stats.reassembly_memcap = pipeline.segment_pool().memcap();
  return stats;
}

// File runs stop on SIGINT/SIGTERM between batches, so what was read is still flushed and
// counted (live runs have the event loop's signal_set instead).
volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void request_stop(int) {
  g_stop_requested = 1;
}

// Reads one file to its end or first bad record. False when the file was bad or cut short.
bool read_file(const std::string& path, BpfFilter* filter, Pipeline& pipeline,
               CaptureCounters& capture, std::FILE* errors) {
  ++capture.inputs;
  CaptureError error;
  std::unique_ptr<CaptureFile> file = CaptureFile::open(path, error);
  if (!file) {
    fmt::print(errors, "dicomsentry: {}\n", error.message());
    ++capture.inputs_failed;
    return false;
  }
  // Packets go to the pipeline in small batches of views into the mapping.
  std::array<PacketView, Pipeline::kBatch> batch;
  std::size_t batched = 0;
  ReadResult result;
  while ((result = file->next(batch[batched])) == ReadResult::kPacket) {
    const PacketView& packet = batch[batched];
    ++capture.packets;
    capture.bytes += packet.bytes.size();
    if (filter != nullptr && !filter->matches(packet)) {
      ++capture.filtered_out;
      continue;
    }
    if (++batched == batch.size()) {
      pipeline.process_batch(batch);
      batched = 0;
      if (g_stop_requested) break;
    }
  }
  pipeline.process_batch({batch.data(), batched});
  capture.skipped_blocks += file->skipped_blocks();
  if (result == ReadResult::kError) {
    fmt::print(errors, "dicomsentry: {}\n", file->error().message());
    ++capture.inputs_failed;
    return false;
  }
  return true;
}

// Reads the files in order until the end or SIGINT/SIGTERM. False if any was bad.
bool read_files(const RunOptions& options, BpfFilter* filter, Pipeline& pipeline,
                CaptureCounters& capture, std::FILE* errors) {
  g_stop_requested = 0;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  bool clean = true;
  for (const std::string& path : options.files) {
    clean &= read_file(path, filter, pipeline, capture, errors);
    if (g_stop_requested) {
      fmt::print(errors, "dicomsentry: stopped by a signal while reading {}\n", path);
      break;
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  return clean;
}

// Captures from an interface until a signal, the packet count or the duration says stop; the
// event loop (live_loop.hpp) also rotates, flushes, expires idle flows and writes periodic stats.
bool capture_live(const RunOptions& options, Pipeline& pipeline, EveSink& sink,
                  CaptureCounters& capture, const StatsWriter& write_stats, std::FILE* errors) {
  ++capture.inputs;
  LiveOptions live;
  live.interface = options.interface;
  live.snaplen = options.snaplen;
  live.buffer_size = static_cast<int>(options.buffer_size);
  live.promiscuous = options.promiscuous;
  live.immediate = options.immediate;
  live.filter = options.bpf;
  // Non-blocking, and drained only when the event loop sees the descriptor readable.
  live.nonblocking = true;
  std::string error;
  std::unique_ptr<LiveCapture> source = LiveCapture::open(live, error);
  if (!source) {
    fmt::print(errors, "dicomsentry: {}: {}\n", options.interface, error);
    ++capture.inputs_failed;
    return false;
  }
  if (!source->warning().empty()) fmt::print(errors, "dicomsentry: {}\n", source->warning());
  LiveLoopSettings settings{options.interface, options.max_packets, options.max_seconds,
                            options.stats_interval_s};
  const bool ok = run_live_loop(*source, settings, pipeline, sink, capture, write_stats, errors);
  if (!ok) ++capture.inputs_failed;
  return ok;
}

// One line on what --export-objects wrote and skipped, and the last failure if any; a failed
// write (disk full, permissions) is a runtime error: false.
bool report_export(const ObjectExporter& exporter, const ExportObjectSink& sink,
                   std::uint64_t max_bytes, std::FILE* errors) {
  const ExportCounters& c = exporter.counters();
  fmt::print(errors,
             "dicomsentry: exported {} objects ({} data set bytes) to {}; not exported: {} "
             "incomplete, {} over {} bytes, {} without a negotiated transfer syntax, {} over "
             "the open-object limit, {} write errors\n",
             c.objects_written, c.bytes_written, exporter.directory(), c.objects_abandoned,
             c.objects_skipped_too_large, max_bytes, sink.skipped_unknown_transfer_syntax(),
             c.objects_skipped_open_limit, c.write_errors);
  if (c.write_errors == 0) return true;
  fmt::print(errors, "dicomsentry: export failed: {}\n", exporter.last_error());
  return false;
}

// The zone matrix on stderr: one line per zone pair seen.
void print_zone_matrix(std::span<const detect::ZonePairSummary> rows, std::FILE* errors) {
  fmt::print(errors, "dicomsentry: zone matrix ({} pairs)\n", rows.size());
  fmt::print(errors, "  {:<16} {:<16} {:>8} {:>12} {:>10}  {:<8} {}\n", "client zone",
             "server zone", "flows", "associations", "violations", "governed", "allowed");
  for (const detect::ZonePairSummary& r : rows) {
    fmt::print(errors, "  {:<16} {:<16} {:>8} {:>12} {:>10}  {:<8} {}\n", r.client_zone,
               r.server_zone, r.flows, r.associations, r.violations, r.governed ? "yes" : "no",
               r.allowed ? "yes" : "no");
  }
}

}  // namespace

int run(const RunOptions& options, std::FILE* errors) {
  EveSink sink;
  std::string eve_path = options.eve_path;
  if (eve_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.log_dir, ec);
    if (ec) {
      fmt::print(errors, "dicomsentry: cannot create log directory {}: {}\n", options.log_dir,
                 ec.message());
      return 1;
    }
    eve_path = (std::filesystem::path(options.log_dir) / "eve.json").string();
  }
  if (!sink.open(eve_path)) {
    fmt::print(errors, "dicomsentry: {}\n", sink.last_error());
    return 1;
  }
  EveWriter eve(sink);
  EveAppWriter app_events(sink, options.log_phi);
  // Declared before the app layer: its sessions hold export handles until they are destroyed.
  std::unique_ptr<ObjectExporter> exporter;
  std::unique_ptr<ExportObjectSink> export_sink;
  if (!options.export_dir.empty()) {
    // Created now, so that a directory that cannot be made stops the run before any input.
    std::error_code ec;
    std::filesystem::create_directories(options.export_dir, ec);
    if (ec) {
      fmt::print(errors, "dicomsentry: cannot create export directory {}: {}\n", options.export_dir,
                 ec.message());
      return 1;
    }
    exporter = std::make_unique<ObjectExporter>(options.export_dir, options.export_max_bytes);
    export_sink = std::make_unique<ExportObjectSink>(*exporter);
  }
  // Detection sits between the app layer and the writers (see detect_sink.hpp for the order).
  EveAlertWriter alert_writer(sink, options.log_phi);
  Detectors detectors;
  std::unique_ptr<detect::RuleMatcher> matcher;
  std::unique_ptr<detect::AlertBuilder> builder;
  if (options.rule_engine != nullptr) {
    matcher = std::make_unique<detect::RuleMatcher>(*options.rule_engine);
    builder = std::make_unique<detect::AlertBuilder>(options.rule_engine->rules(), alert_writer);
    detectors.matcher = matcher.get();
    detectors.builder = builder.get();
  }
  std::unique_ptr<policy::PolicyChecker> checker;
  std::unique_ptr<detect::PolicySensor> sensor;
  if (options.policy != nullptr) {
    checker = std::make_unique<policy::PolicyChecker>(*options.policy);
    sensor = std::make_unique<detect::PolicySensor>(*checker, alert_writer, options.app.tls_ports);
    detectors.policy = sensor.get();
  }
  // The asset inventory sees every record and flow end on its way to the writers.
  inventory::Inventory inventory(options.policy);
  InventoryEventSink inventory_events(inventory, app_events);
  InventoryFlowEnd inventory_flow_end(inventory, eve);
  DetectEventSink detect_events(detectors, inventory_events);
  DetectFlowEnd detect_flow_end(detectors, inventory_flow_end);
  // dicom.dataset rules see each C-STORE data set on its way to the exporter; pkt_data rules
  // see the raw streams on their way to the app layer. Neither exists without such rules.
  std::unique_ptr<detect::DatasetInspector> dataset_inspector;
  dicom::ObjectSink* objects = export_sink.get();
  if (matcher && options.rule_engine->has_dataset_rules()) {
    dataset_inspector = std::make_unique<detect::DatasetInspector>(*options.rule_engine, *matcher,
                                                                   *builder, export_sink.get());
    objects = dataset_inspector.get();
  }
  AppLayer app(options.app, detect_events, objects);
  std::unique_ptr<detect::PayloadInspector> payload_inspector;
  StreamConsumer* consumer = &app;
  FlowEndHandler* app_flow_end = &app;
  if (matcher && options.rule_engine->has_payload_rules()) {
    payload_inspector = std::make_unique<detect::PayloadInspector>(*options.rule_engine, *matcher,
                                                                   *builder, app, &app);
    consumer = payload_inspector.get();
    app_flow_end = payload_inspector.get();
  }
  Pipeline pipeline(options.pipeline, *consumer, &detect_flow_end, app_flow_end);
  CaptureCounters capture;

  std::unique_ptr<BpfFilter> filter;
  if (!options.bpf.empty() && !options.files.empty()) {
    std::string error;
    filter = BpfFilter::create(options.bpf, error);
    if (!filter) {
      fmt::print(errors, "dicomsentry: bad BPF filter \"{}\": {}\n", options.bpf, error);
      return 2;
    }
  }

  bool clean = true;
  if (!options.files.empty()) clean &= read_files(options, filter.get(), pipeline, capture, errors);
  if (!options.interface.empty()) {
    // Periodic stats (--stats-interval) carry the transport and app layer counters.
    // Before the first packet, uptime counts from the start of capture.
    const TimestampNs started = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    const StatsWriter periodic_stats = [&](TimestampNs now) {
      StatsSnapshot stats = snapshot(pipeline, capture, options.pipeline);
      stats.ts = now;
      if (stats.first_ts == 0) stats.first_ts = started;
      stats.app = app.counters();
      eve.write_stats(stats);
    };
    clean &= capture_live(options, pipeline, sink, capture, periodic_stats, errors);
  }

  pipeline.finish();
  StatsSnapshot stats = snapshot(pipeline, capture, options.pipeline);
  stats.app = app.counters();
  stats.phi_values_withheld = app_events.counters().phi_values_withheld;
  if (exporter) {
    const ExportCounters& e = exporter->counters();
    stats.export_enabled = true;
    stats.export_written = e.objects_written;
    stats.export_bytes = e.bytes_written;
    stats.export_incomplete = e.objects_abandoned;
    stats.export_too_large = e.objects_skipped_too_large;
    stats.export_no_transfer_syntax = export_sink->skipped_unknown_transfer_syntax();
    stats.export_open_limit = e.objects_skipped_open_limit;
    stats.export_write_errors = e.write_errors;
  }
  if (builder) {
    stats.detect_enabled = true;
    stats.rules_loaded = options.rules_loaded;
    stats.rules_failed = options.rules_failed;
    stats.detect = builder->counters();
  }
  if (sensor) {
    stats.policy_enabled = true;
    stats.policy = sensor->counters();
    const std::vector<detect::ZonePairSummary> rows = sensor->summary();
    write_policy_summary(sink, pipeline.last_ts(), rows);
    print_zone_matrix(rows, errors);
  }
  eve.write_stats(stats);
  // inventory.json and inventory.csv go to -l's directory (see RunOptions::write_inventory).
  if (std::string error;
      options.write_inventory && !write_inventory_files(inventory, options.log_dir, error)) {
    fmt::print(errors, "dicomsentry: {}\n", error);
    clean = false;
  }
  if (!sink.flush()) {
    fmt::print(errors, "dicomsentry: {}\n", sink.last_error());
    clean = false;
  }
  if (exporter) clean &= report_export(*exporter, *export_sink, options.export_max_bytes, errors);
  return clean ? 0 : 1;
}

}  // namespace dicomsentry
