// dicomsentry command line: parse options, run, map outcomes to exit status (0, 1, 2).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "detect/rule_engine.hpp"
#include "inventory/baseline.hpp"
#include "output/eve_outputs.hpp"
#include "pipeline/metrics_server.hpp"
#include "pipeline/run.hpp"
#include "policy/cidr.hpp"
#include "policy/config.hpp"
#include "rules/rule_file.hpp"

namespace {

namespace ds = dicomsentry;

std::string port_list_text(const std::vector<std::uint16_t>& ports) {
  return fmt::format("[{}]", fmt::join(ports, ","));
}

// The config's port ranges as the app layer's port list (ranges are bounded by 65536 ports).
std::vector<std::uint16_t> expand_ports(const std::vector<ds::policy::PortRange>& ranges) {
  std::vector<std::uint16_t> ports;
  for (const ds::policy::PortRange& r : ranges) {
    for (std::uint32_t p = r.first; p <= r.last; ++p) ports.push_back(static_cast<std::uint16_t>(p));
  }
  return ports;
}

// Rule variables: the built-in defaults (ports from the port options), then the config's
// address and port groups, which replace defaults of the same name.
ds::rules::Vars rule_vars(const ds::AppLayerConfig& app, const ds::policy::Config* config) {
  ds::rules::Vars vars =
      ds::rules::default_vars(port_list_text(app.dicom_ports), port_list_text(app.tls_ports));
  if (config == nullptr) return vars;
  for (const ds::policy::AddressGroup& group : config->address_groups) {
    std::vector<std::string> cidrs;
    for (const ds::policy::Cidr& c : group.cidrs) cidrs.push_back(ds::policy::format_cidr(c));
    vars[group.name] = fmt::format("[{}]", fmt::join(cidrs, ","));
  }
  for (const ds::policy::PortGroup& group : config->port_groups) {
    std::vector<std::string> ranges;
    for (const ds::policy::PortRange& r : group.ranges) {
      ranges.push_back(r.first == r.last ? fmt::format("{}", r.first)
                                         : fmt::format("{}:{}", r.first, r.last));
    }
    vars[group.name] = fmt::format("[{}]", fmt::join(ranges, ","));
  }
  return vars;
}

// Loads every -S file, printing each bad rule as "file:line: reason"; false on any error.
bool load_rules(const std::vector<std::string>& paths, const ds::rules::Vars& vars,
                ds::rules::RuleSet& set) {
  for (const std::string& path : paths) ds::rules::load_rule_file(path, vars, set);
  for (const std::string& error : set.errors) std::fprintf(stderr, "dicomsentry: %s\n", error.c_str());
  return set.errors.empty();
}

}  // namespace

int main(int argc, char** argv) {
  ds::RunOptions options;
  CLI::App app{"dicomsentry: DICOM network traffic inspector", "dicomsentry"};
  app.set_version_flag("-V,--version", "dicomsentry 0.1.0");
  app.add_option("-r,--read", options.files, "Read a pcap or pcapng file (repeatable)")
      ->check(CLI::ExistingFile);
  app.add_option("-i,--interface", options.interface, "Capture live from this interface");
  app.add_option("-f,--filter", options.bpf, "BPF filter, applied to files and live capture");
  app.add_option("-l,--log-dir", options.log_dir, "Directory for eve.json")->capture_default_str();
  app.add_option("--eve", options.eve_path, "EVE output path instead of <log-dir>/eve.json; - for stdout");
  std::vector<std::string> eve_sockets, eve_syslogs;
  app.add_option("--eve-unix", eve_sockets,
                 "Also send EVE lines to a Unix socket: PATH or unix-stream:PATH, unix-dgram:PATH, "
                 "or to another file: eve-file:PATH (repeatable)");
  app.add_option("--eve-syslog", eve_syslogs,
                 "Also send EVE lines as RFC 5424 syslog: udp:ADDR[:PORT] or tcp:ADDR[:PORT] "
                 "(repeatable)");
  options.workers = std::max(1u, std::thread::hardware_concurrency());
  app.add_option("--workers", options.workers,
                 "Packet worker threads; flows are sharded over them (default: the cores)")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_flag("-k,--checksum-validation", options.pipeline.decode.validate_checksums,
               "Validate IPv4/TCP/UDP checksums (off by default: offload makes them wrong)");
  app.add_option("--flow-memcap", options.pipeline.flow.memcap_bytes, "Bytes for flow records")
      ->capture_default_str();
  app.add_option("--mac-book-size", options.pipeline.mac_book_capacity,
                 "IP addresses each worker's MAC address book holds (0: no MACs in the inventory)")
      ->capture_default_str();
  app.add_option("--app-layer-memcap", options.app.memcap_bytes,
                 "Bytes for DICOM and TLS sessions being parsed")
      ->capture_default_str();
  app.add_option("--stream-memcap", options.pipeline.reassembly.memcap_bytes,
                 "Bytes for out-of-order TCP segments")
      ->capture_default_str();
  app.add_option("--dicom-ports", options.app.dicom_ports,
                 "Ports where DICOM is expected (comma separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--tls-ports", options.app.tls_ports, "Ports where DICOM over TLS is expected")
      ->delimiter(',')
      ->capture_default_str();
  app.add_flag("!--no-port-heuristic", options.app.detect_on_any_port,
               "Do not look for A-ASSOCIATE-RQ on other ports");
  app.add_flag("!--no-summary", options.summary, "No end-of-run summary on stderr");
  app.add_flag("!--no-progress", options.progress,
               "No progress bar while reading files (it is only shown when stderr is a terminal)");
  app.add_flag("--mmap", options.mapped_files,
               "Map capture files instead of reading them through buffers (faster on bare metal)");
  app.add_option("--file-window", options.file_window_bytes,
                 "Bytes in each of the four buffers capture files are read through")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{256} << 20))
      ->capture_default_str();
  app.add_flag("--log-phi", options.log_phi,
               "Write patient-identifying values (query keys, usernames) to the EVE log");
  app.add_option("--export-objects", options.export_dir,
                 "Write every C-STORE data set seen whole as a DICOM Part 10 file in this directory");
  app.add_option("--export-max-bytes", options.export_max_bytes,
                 "Largest data set exported, in bytes")
      ->capture_default_str();
  app.add_option("-s,--snaplen", options.snaplen, "Live capture snap length")->capture_default_str();
  app.add_option("-B,--buffer-size", options.buffer_size, "Live capture kernel buffer in bytes")
      ->capture_default_str();
  bool no_promiscuous = false;
  app.add_flag("-p,--no-promiscuous", no_promiscuous, "Do not put the interface in promiscuous mode");
  app.add_option("--count", options.max_packets, "Stop after this many packets (live)");
  app.add_option("--duration", options.max_seconds, "Stop after this many seconds (live)");
  app.add_option("--metrics-listen", options.metrics_listen,
                 "Serve Prometheus metrics on http://ADDR:PORT/metrics (live; IPv6 as [ADDR]:PORT)");
  app.add_option("--stats-interval", options.stats_interval_s,
                 "Write a stats record every this many seconds (live; 0: only at exit)")
      ->check(CLI::NonNegativeNumber);
  std::vector<std::string> rule_files;
  bool test_rules = false;
  app.add_option("-S,--rules", rule_files, "Load a rules file (repeatable)");
  app.add_flag("--test-rules", test_rules,
               "Check the -S rules files, print each error and the counts, and exit");
  std::string baseline_file;
  app.add_option("--baseline", baseline_file,
                 "Alert on devices, AE titles and implementations not in this inventory.json of an "
                 "earlier run");
  app.add_option("--suggest-policy", options.suggest_policy_path,
                 "At the end, write the segmentation policy the observed DICOM traffic implies "
                 "(config format, to review) to this file");
  std::string config_file;
  app.add_option("-c,--config", config_file,
                 "Load a YAML config: rule variables, DICOM ports, zones and the segmentation policy");

  try {
    app.parse(argc, argv);
    options.write_inventory = options.eve_path.empty() || app.count("--log-dir") > 0;
    if (!options.metrics_listen.empty()) {
      if (options.interface.empty()) {
        throw CLI::ValidationError("--metrics-listen", "needs a live capture (-i IFACE)");
      }
      if (std::string error; !ds::parse_listen_address(options.metrics_listen, error)) {
        throw CLI::ValidationError("--metrics-listen", error);
      }
    }
    for (const std::string& text : eve_sockets) {
      ds::policy::OutputConfig output;
      if (std::string error; !ds::socket_output_from_flag(text, &output, error)) {
        throw CLI::ValidationError("--eve-unix", error);
      }
      options.extra_outputs.push_back(std::move(output));
    }
    for (const std::string& text : eve_syslogs) {
      ds::policy::OutputConfig output;
      if (std::string error; !ds::syslog_output_from_flag(text, &output, error)) {
        throw CLI::ValidationError("--eve-syslog", error);
      }
      options.extra_outputs.push_back(std::move(output));
    }
    if (test_rules) {
      if (rule_files.empty()) throw CLI::ValidationError("--test-rules", "give one or more -S FILE");
    } else if (options.files.empty() == options.interface.empty()) {
      throw CLI::ValidationError("input", "give one or more -r FILE, or -i IFACE");
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "dicomsentry: %s\nRun with --help for usage.\n", e.what());
    return 2;
  }
  // The config first: its groups feed the rule variables and its ports the app layer, unless
  // the port options were given.
  std::unique_ptr<ds::policy::Config> config;
  if (!config_file.empty()) {
    ds::policy::LoadResult loaded = ds::policy::load_config_file(config_file);
    if (!loaded.ok) {
      std::fprintf(stderr, "dicomsentry: %s\n", loaded.error.text().c_str());
      return 1;
    }
    config = std::make_unique<ds::policy::Config>(std::move(loaded.config));
    if (!config->dicom_ports.empty() && app.count("--dicom-ports") == 0) {
      options.app.dicom_ports = expand_ports(config->dicom_ports);
    }
    if (!config->tls_ports.empty() && app.count("--tls-ports") == 0) {
      options.app.tls_ports = expand_ports(config->tls_ports);
    }
    options.policy = config.get();
  }
  std::unique_ptr<ds::inventory::Baseline> baseline;
  if (!baseline_file.empty()) {
    ds::inventory::BaselineLoad loaded = ds::inventory::load_baseline_file(baseline_file);
    if (!loaded.ok) {
      std::fprintf(stderr, "dicomsentry: %s\n", loaded.error.c_str());
      return 1;
    }
    baseline = std::make_unique<ds::inventory::Baseline>(std::move(loaded.baseline));
    options.baseline = baseline.get();
  }
  std::unique_ptr<ds::detect::RuleEngine> engine;
  if (!rule_files.empty()) {
    ds::rules::RuleSet rules;
    bool clean = load_rules(rule_files, rule_vars(options.app, config.get()), rules);
    // Build the engine even for --test-rules: a pattern Hyperscan refuses is an error too.
    ds::detect::EngineBuildResult built = ds::detect::RuleEngine::build(rules);
    for (const std::string& error : built.errors) {
      std::fprintf(stderr, "dicomsentry: %s\n", error.c_str());
    }
    clean &= built.errors.empty() && built.engine != nullptr;
    const std::size_t loaded = built.engine ? built.engine->rules().size() : 0;
    const std::size_t failed = rules.failed + built.errors.size();
    if (test_rules) {
      std::printf("%zu rules loaded, %zu failed\n", loaded, failed);
      return clean ? 0 : 1;
    }
    std::fprintf(stderr, "dicomsentry: %zu rules loaded, %zu failed\n", loaded, failed);
    if (!built.engine) {
      std::fprintf(stderr, "dicomsentry: the rule engine could not be built\n");
      return 1;
    }
    engine = std::move(built.engine);
    options.rule_engine = engine.get();
    options.rules_loaded = loaded;
    options.rules_failed = failed;
  }
  options.promiscuous = !no_promiscuous;
  return ds::run(options, stderr);
}
