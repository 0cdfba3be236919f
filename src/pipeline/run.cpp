// Wiring for one run: inputs -> (BPF) -> pipeline -> EVE writer; errors and exit status.
#include "pipeline/run.hpp"

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "capture/capture_file.hpp"
#include "output/eve_writer.hpp"

namespace dicomsentry {

namespace {

// Until an application parser is attached, streams are reassembled and dropped.
class DiscardingConsumer final : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override {}
  void on_end(const StreamContext&) override {}
};

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

// Reads one file to its end or first bad record. False when the file was bad or cut short.
bool read_file(const std::string& path, Pipeline& pipeline, CaptureCounters& capture,
               std::FILE* errors) {
  ++capture.inputs;
  CaptureError error;
  std::unique_ptr<CaptureFile> file = CaptureFile::open(path, error);
  if (!file) {
    fmt::print(errors, "dicomsentry: {}\n", error.message());
    ++capture.inputs_failed;
    return false;
  }
  PacketView packet;
  ReadResult result;
  while ((result = file->next(packet)) == ReadResult::kPacket) {
    ++capture.packets;
    capture.bytes += packet.bytes.size();
    pipeline.process(packet);
  }
  capture.skipped_blocks += file->skipped_blocks();
  if (result == ReadResult::kError) {
    fmt::print(errors, "dicomsentry: {}\n", file->error().message());
    ++capture.inputs_failed;
    return false;
  }
  return true;
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
  DiscardingConsumer consumer;
  Pipeline pipeline(options.pipeline, consumer, &eve);
  CaptureCounters capture;

  bool clean = true;
  for (const std::string& path : options.files) clean &= read_file(path, pipeline, capture, errors);

  pipeline.finish();
  eve.write_stats(snapshot(pipeline, capture, options.pipeline));
  if (!sink.flush()) {
    fmt::print(errors, "dicomsentry: {}\n", sink.last_error());
    clean = false;
  }
  return clean ? 0 : 1;
}

}  // namespace dicomsentry
