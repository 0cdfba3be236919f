// EVE JSON records: `flow` events (one per ended flow) and the final `stats` event.
#pragma once

#include <cstdint>

#include <fmt/format.h>

#include "applayer/app_layer.hpp"
#include "decode/decoder.hpp"
#include "detect/alert_builder.hpp"
#include "detect/policy_sensor.hpp"
#include "flow/flow_table.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"
#include "reassembly/tcp_reassembler.hpp"

namespace dicomsentry {

// Counters of the capture stage, summed over every input.
struct CaptureCounters {
  std::uint64_t inputs = 0;            // files or interfaces opened
  std::uint64_t inputs_failed = 0;     // could not be opened, or ended with an error
  std::uint64_t packets = 0;           // records read
  std::uint64_t bytes = 0;             // captured bytes read
  std::uint64_t filtered_out = 0;      // rejected by the BPF filter
  std::uint64_t skipped_blocks = 0;    // pcapng blocks of unknown type
  std::uint64_t kernel_received = 0;   // live: pcap_stats ps_recv
  std::uint64_t kernel_dropped = 0;    // live: ps_drop
  std::uint64_t interface_dropped = 0; // live: ps_ifdrop
};

// Everything the `stats` event reports, gathered by the caller.
struct StatsSnapshot {
  TimestampNs ts = 0;                  // time of the last packet
  TimestampNs first_ts = 0;
  CaptureCounters capture;
  DecodeCounters decode;
  FlowTableCounters flow;
  std::uint64_t flow_memuse = 0;       // bytes of flow records and buckets allocated
  std::uint64_t flow_memcap = 0;
  // L2 address books (IP -> MACs for the inventory), summed over workers: addresses held, and
  // sightings of new addresses refused because a book was full.
  std::uint64_t mac_book_addresses = 0;
  std::uint64_t mac_book_dropped = 0;
  ReassemblyCounters reassembly;
  std::uint64_t reassembly_memuse = 0;
  std::uint64_t reassembly_high_water = 0;
  std::uint64_t reassembly_memcap = 0;
  AppLayerCounters app;
  std::uint64_t phi_values_withheld = 0;  // query key values and usernames not written
  bool export_enabled = false;            // --export-objects: the export counters below
  std::uint64_t export_written = 0, export_bytes = 0, export_incomplete = 0,
                export_too_large = 0, export_no_transfer_syntax = 0, export_open_limit = 0,
                export_write_errors = 0;
  bool detect_enabled = false;  // rules were loaded (-S): the `detect` section
  std::uint64_t rules_loaded = 0, rules_failed = 0;
  detect::AlertBuilderCounters detect;
  // Hyperscan stream state held by the pkt_data and dicom.dataset inspectors (gauges).
  std::uint64_t hs_streams_open = 0;
  std::uint64_t hs_stream_memuse = 0;
  bool policy_enabled = false;  // a config was loaded (-c): the `policy` section
  detect::PolicySensorCounters policy;
};

class EveWriter final : public FlowEndHandler {
 public:
  explicit EveWriter(EveSink& sink, std::uint16_t community_id_seed = 0);

  void on_flow_end(Flow& flow) override;  // writes the flow's `flow` event
  void write_stats(const StatsSnapshot& stats);

  std::uint64_t flow_events() const { return flow_events_; }

 private:
  EveSink& sink_;
  std::uint16_t seed_;
  fmt::memory_buffer buffer_;
  EveTimestampFormatter timestamps_;
  std::uint64_t flow_events_ = 0;
};

}  // namespace dicomsentry
