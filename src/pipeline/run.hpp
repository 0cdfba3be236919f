// Runs the pipeline over capture files or a live interface and writes the EVE log.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "applayer/app_layer.hpp"
#include "detect/rule_engine.hpp"
#include "inventory/baseline.hpp"
#include "policy/config.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry {

struct RunOptions {
  std::vector<std::string> files;   // -r, in order
  // --mmap: map files instead of reading them through reused buffers (faster on bare metal,
  // slower where page-table updates are expensive, e.g. under most hypervisors).
  bool mapped_files = false;
  std::size_t file_window_bytes = 256u << 10;  // --file-window: each of the four read buffers
  std::string interface;            // -i (live)
  std::string bpf;                  // -f, applied to files and live capture alike
  std::string log_dir = ".";        // -l
  std::string eve_path;             // --eve: "-" is stdout; empty means <log_dir>/eve.json
  // --eve-unix/--eve-syslog, then the config's `outputs:`: more destinations of every line.
  std::vector<policy::OutputConfig> extra_outputs;
  // inventory.json/.csv in log_dir: by default only when eve.json goes there too, so that
  // `--eve -` or `--eve FILE` without -l leaves no files in the working directory.
  bool write_inventory = true;
  PipelineConfig pipeline;
  unsigned workers = 1;             // --workers: packet threads (the CLI's default: the cores)
  AppLayerConfig app;               // DICOM and DICOM-TLS ports, detection
  bool log_phi = false;             // --log-phi: write patient-identifying values
  bool summary = true;              // --no-summary: no end-of-run summary on stderr
  bool progress = true;             // --no-progress: no progress bar (only ever on a terminal)
  std::string export_dir;           // --export-objects: C-STORE data sets as Part 10 files
  std::uint64_t export_max_bytes = 256ull << 20;  // per object
  // Detection (null: off). Both are owned by the caller and outlive run().
  const detect::RuleEngine* rule_engine = nullptr;  // -S, built
  std::uint64_t rules_loaded = 0, rules_failed = 0;  // for stats.detect
  const policy::Config* policy = nullptr;           // -c: zones and policy
  const inventory::Baseline* baseline = nullptr;    // --baseline: an earlier inventory.json
  std::string suggest_policy_path;                  // --suggest-policy: written at the end
  // Live capture settings.
  std::uint32_t snaplen = 262144;
  std::uint32_t buffer_size = 64u << 20;
  bool promiscuous = true;
  bool immediate = true;
  std::uint64_t max_packets = 0;    // 0: no limit (live: stop after this many)
  double max_seconds = 0;           // live: stop after this long; 0 means until a signal
  double stats_interval_s = 0;      // live: a `stats` record this often; 0 means only at exit
  std::string metrics_listen;       // live: --metrics-listen ADDR:PORT; empty: no endpoint
};

// Exit status as the CLI documents it: 0 clean, 1 when an input was bad or cut short (what
// was read before is still processed and reported) or another runtime error happened.
int run(const RunOptions& options, std::FILE* errors);

}  // namespace dicomsentry
