// One worker's packet path: decode -> flow table -> TCP reassembly -> stream consumer.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "decode/decoder.hpp"
#include "flow/flow_table.hpp"
#include "flow/tcp_tracker.hpp"
#include "reassembly/tcp_reassembler.hpp"

namespace dicomsentry {

struct PipelineConfig {
  DecodeOptions decode;
  FlowConfig flow;
  ReassemblyConfig reassembly;
};

// Owns the per-worker state; never allocates per packet in steady state. When a flow ends, the
// reassembler flushes its streams, `app_layer` (the stream consumer's flow-end side) reports
// and frees its state, then `flow_records` (e.g. the EVE writer) gets the flow record.
class Pipeline final : public FlowEndHandler {
 public:
  Pipeline(const PipelineConfig& config, StreamConsumer& consumer, FlowEndHandler* flow_records,
           FlowEndHandler* app_layer = nullptr);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void process(const PacketView& packet) { process_batch({&packet, 1}); }
  // Packets in capture order. Decoding a batch first and prefetching each packet's bucket and
  // flow record before touching them overlaps the cache misses of up to kBatch lookups.
  void process_batch(std::span<const PacketView> packets);
  static constexpr std::size_t kBatch = 16;
  // Ends every flow (end of input or shutdown) so each gets its record.
  void finish();
  // Moves the clock to `now` without a packet and ends the flows whose timeouts passed, so an
  // idle live interface still reports finished flows. `now` must be on the packets' clock
  // (live capture stamps packets with wall time). Nothing happens before the first packet.
  void expire_idle(TimestampNs now);

  const DecodeCounters& decode_counters() const { return decode_counters_; }
  const FlowTableCounters& flow_counters() const { return flows_.counters(); }
  const ReassemblyCounters& reassembly_counters() const { return reassembler_.counters(); }
  const SegmentPool& segment_pool() const { return reassembler_.pool(); }
  const FlowTable& flow_table() const { return flows_; }
  TimestampNs first_ts() const { return first_ts_; }
  TimestampNs last_ts() const { return now_; }

 private:
  void on_flow_end(Flow& flow) override;
  void process_decoded(const PacketView& packet, std::size_t slot);
  void advance_clock(TimestampNs ts);

  // Cache lines of a flow's application state touched by nearly every payload packet (the
  // DICOM session's framing, counters and message state).
  static constexpr int kAppStateLines = 4;
  static constexpr TimestampNs kExpiryIntervalNs = 1'000'000'000;  // check timeouts once a second

  PipelineConfig config_;
  FlowEndHandler* flow_records_;
  FlowEndHandler* app_layer_;
  DecodeCounters decode_counters_;
  std::array<DecodedPacket, kBatch> decoded_;
  std::array<KeyedPacket, kBatch> keyed_;
  std::array<std::uint64_t, kBatch> hash_;
  TcpReassembler reassembler_;
  FlowTable flows_;
  TimestampNs first_ts_ = 0;
  TimestampNs now_ = 0;  // latest packet time: the pipeline's clock
  TimestampNs next_expiry_ = 0;
  bool started_ = false;
};

}  // namespace dicomsentry
