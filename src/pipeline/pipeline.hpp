// One worker's packet path: decode -> flow table -> TCP reassembly -> stream consumer.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "decode/decoder.hpp"
#include "flow/flow_table.hpp"
#include "flow/fragment_book.hpp"
#include "flow/mac_book.hpp"
#include "flow/tcp_tracker.hpp"
#include "reassembly/tcp_reassembler.hpp"

namespace dicomsentry {

struct PipelineConfig {
  DecodeOptions decode;
  FlowConfig flow;
  ReassemblyConfig reassembly;
  // A worker of several sees only its shard of the packets, so its own clock would check flow
  // timeouts at other moments than one pipeline seeing them all. With this set, packets never
  // trigger the checks: the ingest thread runs ExpirySchedule over every packet and sends each
  // worker expire_idle() at the points where a single pipeline would have checked.
  bool expiry_by_caller = false;
  // IP addresses the L2 address book (IP -> MACs, for the inventory) holds; 0: no book.
  std::size_t mac_book_capacity = MacBook::kDefaultCapacity;
};

// When a pipeline checks flow timeouts: at the first packet at least one second (of the
// never-decreasing packet clock) after the previous check. The ingest thread of several
// workers runs this over all packets to reproduce one pipeline's checks.
class ExpirySchedule {
 public:
  static constexpr TimestampNs kIntervalNs = 1'000'000'000;
  // Advances the clock to `ts`; true when a check is due now (at clock()).
  bool advance(TimestampNs ts) {
    if (!started_) {
      started_ = true;
      first_ = now_ = ts;
      next_ = ts + kIntervalNs;
    }
    if (ts > now_) now_ = ts;
    if (now_ < next_) return false;
    next_ = now_ + kIntervalNs;
    return true;
  }
  // A check made outside advance() (idle expiry): the next one is a second later.
  void checked_at(TimestampNs now) {
    if (!started_) return;
    if (now > now_) now_ = now;
    next_ = now_ + kIntervalNs;
  }
  bool started() const { return started_; }
  TimestampNs first() const { return first_; }
  TimestampNs clock() const { return now_; }

 private:
  bool started_ = false;
  TimestampNs first_ = 0;
  TimestampNs now_ = 0;
  TimestampNs next_ = 0;
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
  // Ends every flow at `now` (the last packet time of all workers, when later than this
  // worker's), as one pipeline over all packets would.
  void finish(TimestampNs now);
  // Moves the clock to `now` without a packet and ends the flows whose timeouts passed, so an
  // idle live interface still reports finished flows. `now` must be on the packets' clock
  // (live capture stamps packets with wall time). Nothing happens before the first packet.
  void expire_idle(TimestampNs now);

  const DecodeCounters& decode_counters() const { return decode_counters_; }
  const FlowTableCounters& flow_counters() const { return flows_.counters(); }
  const ReassemblyCounters& reassembly_counters() const { return reassembler_.counters(); }
  const SegmentPool& segment_pool() const { return reassembler_.pool(); }
  const FlowTable& flow_table() const { return flows_; }
  // The MACs of the addresses of the flows this pipeline created (read at flow end).
  const MacBook& mac_book() const { return mac_book_; }
  TimestampNs first_ts() const { return schedule_.first(); }
  TimestampNs last_ts() const { return schedule_.clock(); }

 private:
  void on_flow_end(Flow& flow) override;
  void process_decoded(const PacketView& packet, std::size_t slot);
  void advance_clock(TimestampNs ts);
  // False for a later TCP/UDP fragment whose first was not seen: it has no flow to count in.
  bool attribute_fragment(DecodedPacket& packet, TimestampNs ts) {
    return !packet.is_fragment || attribute_fragment_slow(packet, ts);
  }
  bool attribute_fragment_slow(DecodedPacket& packet, TimestampNs ts);

  // Cache lines of a flow's application state touched by nearly every payload packet (the
  // DICOM session's framing, time, PDU counts and per-direction message state: about 430
  // bytes from the session's start, see association.hpp).
  static constexpr int kAppStateLines = 7;
  // Prefetch distances in packets (see process_batch).
  static constexpr std::size_t kFlowAhead = 4;
  static constexpr std::size_t kAppAhead = 2;

  PipelineConfig config_;
  FlowEndHandler* flow_records_;
  FlowEndHandler* app_layer_;
  DecodeCounters decode_counters_;
  std::array<DecodedPacket, kBatch> decoded_;
  std::array<KeyedPacket, kBatch> keyed_;
  std::array<std::uint64_t, kBatch> hash_;
  std::array<bool, kBatch> has_flow_{};  // decoded as IP, and not a fragment without its first
  TcpReassembler reassembler_;
  MacBook mac_book_;
  FragmentBook fragments_;
  FlowTable flows_;
  ExpirySchedule schedule_;  // the clock (latest packet time) and when timeouts are checked
};

}  // namespace dicomsentry
