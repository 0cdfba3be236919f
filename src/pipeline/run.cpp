// Wiring for one run: inputs -> (BPF) -> pipeline -> EVE writer; errors and exit status.
#include "pipeline/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
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
#include "output/eve_outputs.hpp"
#include "output/eve_writer.hpp"
#include "output/progress_bar.hpp"
#include "output/text_summary.hpp"
#include "output/inventory_writer.hpp"
#include "output/object_export.hpp"
#include "pipeline/detect_sink.hpp"
#include "pipeline/export_sink.hpp"
#include "pipeline/inventory_sink.hpp"
#include "pipeline/live_loop.hpp"
#include "pipeline/metrics_server.hpp"
#include "pipeline/worker_pool.hpp"
#include "pipeline/worker_stack.hpp"
#include "policy/policy_suggest.hpp"

namespace dicomsentry {

namespace {

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The progress bar of a file run (null: none) and the bytes of the files already read.
struct FileProgress {
  ProgressBar* bar = nullptr;
  std::uint64_t done_bytes = 0;
};

// One worker: the pipeline itself, on the capture thread.
class OneWorker final : public PacketProcessor {
 public:
  explicit OneWorker(Pipeline& pipeline) : pipeline_(pipeline) {}
  void process_batch(std::span<const PacketView> packets) override {
    pipeline_.process_batch(packets);
  }
  void expire_idle(TimestampNs now) override { pipeline_.expire_idle(now); }

 private:
  Pipeline& pipeline_;
};

// File runs stop on SIGINT/SIGTERM between batches, so what was read is still flushed and
// counted (live runs have the event loop's signal_set instead).
volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void request_stop(int) {
  g_stop_requested = 1;
}

// Reads one file to its end or first bad record. False when the file was bad or cut short.
bool read_file(const std::string& path, const RunOptions& options, BpfFilter* filter,
               PacketProcessor& processor, CaptureCounters& capture, FileProgress& progress,
               std::FILE* errors) {
  ++capture.inputs;
  CaptureError error;
  std::unique_ptr<CaptureFile> file =
      options.mapped_files ? CaptureFile::open(path, error)
                           : CaptureFile::open_streamed(path, error, options.file_window_bytes);
  if (!file) {
    if (progress.bar != nullptr) progress.bar->finish();  // the error on a line of its own
    fmt::print(errors, "dicomsentry: {}\n", error.message());
    ++capture.inputs_failed;
    return false;
  }
  // Packets go to the pipeline in small batches of views into the file's buffers (or mapping).
  std::array<PacketView, Pipeline::kBatch> batch;
  std::size_t batched = 0;
  // Streamed: after each batch, the windows its packets came from are marked; a window's
  // buffer is read into again only once the packets given from it are processed (workers may
  // still hold views), the pending batch given first.
  std::array<PacketProcessor::Mark, FileWindow::kBuffers> window_marks;
  std::uint64_t batch_first_window = 0;
  const auto give_batch = [&] {
    processor.process_batch({batch.data(), batched});
    batched = 0;
    for (std::uint64_t w = batch_first_window; w <= file->window_number(); ++w) {
      processor.mark(window_marks[w % window_marks.size()]);
    }
  };
  if (file->streamed()) {
    file->set_reuse_guard([&](std::uint64_t window) {
      if (batched != 0) give_batch();
      processor.wait_processed(window_marks[window % window_marks.size()]);
    });
  }
  PacketView packet;
  ReadResult result;
  while ((result = file->next(packet)) == ReadResult::kPacket) {
    ++capture.packets;
    capture.bytes += packet.bytes.size();
    if (filter != nullptr && !filter->matches(packet)) {
      ++capture.filtered_out;
      continue;
    }
    if (batched == 0) batch_first_window = file->window_number();
    batch[batched] = packet;
    if (++batched == batch.size()) {
      give_batch();
      if (g_stop_requested) break;
      if (progress.bar != nullptr) {
        progress.bar->update(progress.done_bytes + file->offset(), capture.packets, monotonic_ns());
      }
    }
  }
  give_batch();
  // Workers hold views into the mapping or buffers until they have processed them.
  processor.drain();
  capture.skipped_blocks += file->skipped_blocks();
  progress.done_bytes += file->size();
  if (result == ReadResult::kError) {
    if (progress.bar != nullptr) progress.bar->finish();
    fmt::print(errors, "dicomsentry: {}\n", file->error().message());
    ++capture.inputs_failed;
    return false;
  }
  return true;
}

// Reads the files in order until the end or SIGINT/SIGTERM. False if any was bad.
bool read_files(const RunOptions& options, BpfFilter* filter, PacketProcessor& processor,
                CaptureCounters& capture, std::FILE* errors) {
  g_stop_requested = 0;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  // A progress bar on a terminal, but not when the EVE records go to the same one (--eve -).
  std::unique_ptr<ProgressBar> bar;
  const bool eve_on_terminal = options.eve_path == "-" && isatty(STDOUT_FILENO) != 0;
  if (options.progress && !eve_on_terminal && ProgressBar::should_show(errors)) {
    std::uint64_t total = 0;  // the files' sizes as they are now (one that cannot be read: 0)
    for (const std::string& path : options.files) {
      std::error_code ec;
      const std::uintmax_t size = std::filesystem::file_size(path, ec);
      if (!ec) total += size;
    }
    bar = std::make_unique<ProgressBar>(total, errors, monotonic_ns());
  }
  FileProgress progress{bar.get(), 0};
  bool clean = true;
  for (const std::string& path : options.files) {
    clean &= read_file(path, options, filter, processor, capture, progress, errors);
    if (g_stop_requested) {
      if (bar) bar->finish();
      fmt::print(errors, "dicomsentry: stopped by a signal while reading {}\n", path);
      break;
    }
  }
  if (bar) bar->finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  return clean;
}

// Captures from an interface until a signal, the packet count or the duration says stop; the
// event loop (live_loop.hpp) also rotates, flushes, expires idle flows and writes periodic stats.
bool capture_live(const RunOptions& options, PacketProcessor& processor, EveSink& sink,
                  CaptureCounters& capture, const StatsWriter& write_stats,
                  const MetricsWriter& write_metrics, const std::function<void()>& on_usr1,
                  std::FILE* errors) {
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
                            options.stats_interval_s, std::nullopt, on_usr1};
  if (!options.metrics_listen.empty()) {
    std::string listen_error;  // main() checked the syntax already
    settings.metrics_listen = parse_listen_address(options.metrics_listen, listen_error);
  }
  const bool ok = run_live_loop(*source, settings, processor, sink, capture, write_stats,
                                write_metrics, errors);
  if (!ok) ++capture.inputs_failed;
  return ok;
}

// One line on what --export-objects wrote and skipped (the workers' sum), and the last failure
// if any; a failed write (disk full, permissions) is a runtime error: false.
bool report_export(const RunOptions& options, const StatsSnapshot& stats,
                   const std::vector<std::unique_ptr<WorkerStack>>& stacks, std::FILE* errors) {
  fmt::print(errors,
             "dicomsentry: exported {} objects ({} data set bytes) to {}; not exported: {} "
             "incomplete, {} over {} bytes, {} without a negotiated transfer syntax, {} over "
             "the open-object limit, {} write errors\n",
             stats.export_written, stats.export_bytes, stacks[0]->exporter()->directory(),
             stats.export_incomplete, stats.export_too_large, options.export_max_bytes,
             stats.export_no_transfer_syntax, stats.export_open_limit, stats.export_write_errors);
  if (stats.export_write_errors == 0) return true;
  for (const auto& stack : stacks) {
    if (!stack->exporter()->last_error().empty()) {
      fmt::print(errors, "dicomsentry: export failed: {}\n", stack->exporter()->last_error());
    }
  }
  return false;
}

// Opens the EVE file (creating -l's directory) or stdout. False after one error line.
bool open_eve(const RunOptions& options, EveSink& sink, std::FILE* errors) {
  std::string eve_path = options.eve_path;
  if (eve_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.log_dir, ec);
    if (ec) {
      fmt::print(errors, "dicomsentry: cannot create log directory {}: {}\n", options.log_dir,
                 ec.message());
      return false;
    }
    eve_path = (std::filesystem::path(options.log_dir) / "eve.json").string();
  }
  if (!sink.open(eve_path)) {
    fmt::print(errors, "dicomsentry: {}\n", sink.last_error());
    return false;
  }
  return true;
}

// The extra outputs (flags first, then the config's), added to the file sink. False after one
// error line.
bool add_outputs(const RunOptions& options, EveSink& sink, std::FILE* errors) {
  std::vector<policy::OutputConfig> wanted = options.extra_outputs;
  if (options.policy != nullptr) {
    wanted.insert(wanted.end(), options.policy->outputs.begin(), options.policy->outputs.end());
  }
  if (wanted.empty()) return true;
  std::string error;
  std::vector<std::unique_ptr<EveOutput>> outputs = make_eve_outputs(wanted, error);
  if (outputs.empty()) {
    fmt::print(errors, "dicomsentry: {}\n", error);
    return false;
  }
  for (auto& output : outputs) sink.add_output(std::move(output));
  return true;
}

// One stderr line per extra output: what it delivered and what it could not.
void report_outputs(const EveSink& sink, std::FILE* errors) {
  for (const auto& output : sink.outputs()) {
    const EveOutputStats& s = output->stats();
    fmt::print(errors,
               "dicomsentry: output {}: {} lines sent, {} dropped, {} not selected, {} reconnects\n",
               output->name(), s.lines_sent, s.lines_dropped, s.lines_filtered, s.reconnects);
  }
}

}  // namespace

int run(const RunOptions& options, std::FILE* errors) {
  EveSink sink;
  if (!open_eve(options, sink, errors) || !add_outputs(options, sink, errors)) return 1;
  if (!options.export_dir.empty()) {
    // Created now, so that a directory that cannot be made stops the run before any input.
    std::error_code ec;
    std::filesystem::create_directories(options.export_dir, ec);
    if (ec) {
      fmt::print(errors, "dicomsentry: cannot create export directory {}: {}\n", options.export_dir,
                 ec.message());
      return 1;
    }
  }
  std::unique_ptr<BpfFilter> filter;
  if (!options.bpf.empty() && !options.files.empty()) {
    std::string error;
    filter = BpfFilter::create(options.bpf, error);
    if (!filter) {
      fmt::print(errors, "dicomsentry: bad BPF filter \"{}\": {}\n", options.bpf, error);
      return 2;
    }
  }

  // What the workers share (worker_stack.hpp); the stats and policy summary records are
  // written by this thread through its own writer.
  const unsigned workers = std::max(1u, options.workers);
  inventory::Inventory inventory(options.policy);  // one worker's; several keep their own
  std::unique_ptr<detect::SharedThresholds> thresholds;
  if (workers > 1 && options.rule_engine != nullptr) {
    thresholds = std::make_unique<detect::SharedThresholds>(detect::ThresholdTracker::kDefaultMaxKeys);
  }
  std::unique_ptr<inventory::BaselineChecker> baseline;
  std::mutex baseline_mutex;
  if (options.baseline != nullptr) {
    baseline = std::make_unique<inventory::BaselineChecker>(*options.baseline);
  }
  SummaryTap summary_tap;
  std::mutex summary_mutex;
  const SharedRunState shared{&sink,
                              &inventory,
                              thresholds.get(),
                              baseline.get(),
                              workers > 1 ? &baseline_mutex : nullptr,
                              &summary_tap,
                              workers > 1 ? &summary_mutex : nullptr,
                              workers};
  std::vector<std::unique_ptr<WorkerStack>> stacks;
  for (unsigned i = 0; i < workers; ++i) {
    stacks.push_back(std::make_unique<WorkerStack>(options, shared, i));
  }
  EveWriter run_records(sink);
  std::unique_ptr<WorkerPool> pool;
  OneWorker one(stacks[0]->pipeline());
  PacketProcessor* processor = &one;
  if (workers > 1) {
    pool = std::make_unique<WorkerPool>(std::move(stacks), options.pipeline.decode,
                                        !options.interface.empty());
    processor = pool.get();
  }
  const auto worker_stacks = [&]() -> std::vector<std::unique_ptr<WorkerStack>>& {
    return pool ? pool->stacks() : stacks;
  };
  // The inventory as it stands: the one worker's, or the workers' own ones merged (each under
  // its lock, so a snapshot can be taken while they run).
  const auto current_inventory = [&]() -> const inventory::Inventory& {
    if (workers == 1) return inventory;
    inventory = inventory::Inventory(options.policy);
    for (const auto& stack : worker_stacks()) {
      const std::lock_guard lock(stack->own_inventory_mutex());
      inventory.merge(*stack->own_inventory());
    }
    return inventory;
  };
  CaptureCounters capture;
  const auto wall_start = std::chrono::steady_clock::now();

  bool clean = true;
  if (!options.files.empty()) clean &= read_files(options, filter.get(), *processor, capture, errors);
  if (!options.interface.empty()) {
    // Periodic stats (--stats-interval) carry the transport and app layer counters.
    // Before the first packet, uptime counts from the start of capture.
    const TimestampNs started = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    // The workers' counters as of now (one worker: its own; several: as last published).
    const auto live_counters = [&] {
      StatsSnapshot stats;
      stats.capture = capture;
      stats.flow_memcap = options.pipeline.flow.memcap_bytes;
      if (pool) {
        pool->add_published_counters(stats);
        stats.first_ts = pool->first_ts();
      } else {
        worker_stacks()[0]->add_counters(stats, false);
        if (const detect::AlertBuilder* builder = worker_stacks()[0]->alert_builder()) {
          stats.detect_enabled = true;
          stats.detect = builder->counters();
        }
        stats.first_ts = worker_stacks()[0]->pipeline().first_ts();
      }
      if (stats.first_ts == 0) stats.first_ts = started;
      return stats;
    };
    const StatsWriter periodic_stats = [&](TimestampNs now) {
      StatsSnapshot stats = live_counters();
      stats.ts = now;
      stats.detect_enabled = false;  // periodic records: transport and app layer sections
      run_records.write_stats(stats);
    };
    const MetricsWriter metrics_text = [&](const HttpCounters& http, const WorkerLoad& load) {
      MetricsSnapshot m;
      m.stats = live_counters();
      for (const auto& stack : worker_stacks()) {
        merge_record_counts(m.records, stack->record_metrics().read());
        merge_alert_counts(m.alerts, stack->alert_metrics().read());
      }
      m.workers = pool ? pool->loads() : std::vector<WorkerLoad>{load};
      m.http = http;
      return prometheus_text(m);
    };
    // SIGUSR1: the inventory as it stands, without stopping (workers keep adding under the lock).
    const std::function<void()> write_inventory_now = [&] {
      if (!options.write_inventory) return;
      if (std::string error; !write_inventory_files(current_inventory(), options.log_dir, error)) {
        fmt::print(errors, "dicomsentry: SIGUSR1: {}\n", error);
      }
    };
    clean &= capture_live(options, *processor, sink, capture, periodic_stats, metrics_text,
                          write_inventory_now, errors);
  }

  StatsSnapshot stats;
  if (pool) {
    pool->finish();
    stats.first_ts = pool->first_ts();
    stats.ts = pool->last_ts();
  } else {
    stacks[0]->pipeline().finish();
    stats.first_ts = stacks[0]->pipeline().first_ts();
    stats.ts = stacks[0]->pipeline().last_ts();
  }
  std::vector<std::unique_ptr<WorkerStack>>& all = worker_stacks();
  stats.capture = capture;
  stats.flow_memcap = options.pipeline.flow.memcap_bytes;
  for (const auto& stack : all) stack->add_counters(stats, true);
  stats.reassembly_memcap = options.pipeline.reassembly.memcap_bytes;
  stats.app.memcap = options.app.memcap_bytes;  // the workers' shares lose the remainder
  if (stats.detect_enabled) {
    stats.rules_loaded = options.rules_loaded;
    stats.rules_failed = options.rules_failed;
  }
  std::vector<detect::ZonePairSummary> zone_rows;
  if (detect::PolicySensor* sensor = all[0]->policy_sensor()) {
    for (std::size_t i = 1; i < all.size(); ++i) sensor->merge(*all[i]->policy_sensor());
    zone_rows = sensor->summary();
    write_policy_summary(sink, stats.ts, zone_rows);
  }
  run_records.write_stats(stats);
  // inventory.json and inventory.csv go to -l's directory (see RunOptions::write_inventory).
  current_inventory();
  if (std::string error;
      options.write_inventory && !write_inventory_files(inventory, options.log_dir, error)) {
    fmt::print(errors, "dicomsentry: {}\n", error);
    clean = false;
  }
  if (!options.suggest_policy_path.empty()) {
    const std::string text = policy::suggest_policy(inventory.observed_flows(), options.policy);
    if (std::string error;
        !policy::write_policy_suggestion(options.suggest_policy_path, text, error)) {
      fmt::print(errors, "dicomsentry: {}\n", error);
      clean = false;
    }
  }
  if (baseline && baseline->counters().dropped > 0) {
    fmt::print(errors, "dicomsentry: --baseline: {} novelties not remembered (the limit was reached)\n",
               baseline->counters().dropped);
  }
  if (!sink.flush()) {
    fmt::print(errors, "dicomsentry: {}\n", sink.last_error());
    clean = false;
  }
  if (stats.export_enabled) clean &= report_export(options, stats, all, errors);
  sink.finish_outputs();
  report_outputs(sink, errors);
  if (options.summary) {
    RunSummary summary;
    summary.stats = stats;
    summary.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    summary.tallies = summary_tap.tallies();
    summary.zone_matrix = std::move(zone_rows);
    fmt::print(errors, "{}", format_run_summary(summary));
  }
  return clean ? 0 : 1;
}

}  // namespace dicomsentry
