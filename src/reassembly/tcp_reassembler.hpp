// Per-direction TCP stream reassembly: in-order bytes pass through as views; out-of-order
// segments are held (bounded); retransmissions and overlaps are de-duplicated; holes that
// cannot be filled become explicit gaps.
#pragma once

#include <cstdint>

#include "decode/decoded_packet.hpp"
#include "reassembly/segment_pool.hpp"
#include "reassembly/stream_consumer.hpp"

namespace dicomsentry {

struct ReassemblyConfig {
  std::uint64_t memcap_bytes = 64ull << 20;            // all held segments and stashes
  std::uint32_t max_held_bytes_per_stream = 1u << 20;  // per direction of a flow
  std::uint32_t max_contiguous_need = 64u << 10;       // largest unit a consumer may ask to see whole
};

struct ReassemblyCounters {
  std::uint64_t segments = 0;            // TCP segments with payload seen by the reassembler
  std::uint64_t in_order = 0;            // delivered straight from the packet
  std::uint64_t out_of_order = 0;        // held for later
  std::uint64_t retransmissions = 0;     // nothing new in them
  std::uint64_t overlaps = 0;
  std::uint64_t overlap_conflicts = 0;   // overlapping bytes that differ from the first copy
  std::uint64_t gaps = 0;
  std::uint64_t gap_bytes = 0;
  std::uint64_t gaps_by_ack = 0;         // the receiver acknowledged bytes never captured
  std::uint64_t gaps_by_cap = 0;         // held data reached the stream or global cap
  std::uint64_t gaps_at_close = 0;       // holes left when the flow ended
  std::uint64_t gaps_by_snaplen = 0;     // payload cut short by the capture's snap length
  std::uint64_t out_of_window = 0;       // sequence numbers implausibly far from the stream
  std::uint64_t bytes_delivered = 0;
  std::uint64_t stash_copies = 0;        // bytes copied to satisfy a consumer's `need`
  std::uint64_t consumer_stalls = 0;
  std::uint64_t stall_bytes = 0;         // bytes dropped by those stalls (reported as gaps)     // a full stash the consumer still would not consume
};

class TcpReassembler {
 public:
  TcpReassembler(const ReassemblyConfig& config, StreamConsumer& consumer);
  ~TcpReassembler();
  TcpReassembler(const TcpReassembler&) = delete;
  TcpReassembler& operator=(const TcpReassembler&) = delete;

  // One TCP packet of `flow` travelling in `direction`: its payload feeds that direction's
  // stream and its ACK may reveal a hole in the opposite direction. `wire_length` is the
  // payload length the IP header claims; bytes past what was captured (snap length) become
  // a gap rather than a hole that waits for a retransmission that will never be captured.
  void on_packet(Flow& flow, Direction direction, const TcpHeader& tcp, ByteView payload,
                 std::uint32_t wire_length, TimestampNs ts);

  // The flow is ending: skip remaining holes, deliver what is held, signal end of stream on
  // both directions, and give back the flow's memory.
  void on_flow_end(Flow& flow, TimestampNs ts);

  // Gives back a flow's memory without telling the consumer (teardown without a flush).
  void release(Flow& flow);

  const ReassemblyCounters& counters() const { return counters_; }
  const SegmentPool& pool() const { return pool_; }

 private:
  void on_payload(Flow& flow, Direction direction, std::uint32_t seq, ByteView payload,
                  TimestampNs ts);
  void deliver_in_order(Flow& flow, Direction direction, ByteView data, TimestampNs ts);
  void deliver(Flow& flow, Direction direction, ByteView data, TimestampNs ts);
  void drain_held(Flow& flow, Direction direction, TimestampNs ts);
  void hold(Flow& flow, Direction direction, std::uint32_t seq, ByteView data, TimestampNs ts);
  void take_past_holes(Flow& flow, Direction direction, std::uint32_t seq, ByteView data,
                       TimestampNs ts);
  void skip_to(Flow& flow, Direction direction, std::uint32_t seq, TimestampNs ts);
  void check_ack(Flow& flow, Direction acked, std::uint32_t ack, TimestampNs ts);
  void maybe_end(Flow& flow, Direction direction, TimestampNs ts);
  void end_stream(Flow& flow, Direction direction, TimestampNs ts);
  bool set_need(StreamExtra& extra, std::uint32_t used, std::uint32_t need, std::uint32_t left);
  void drop_stalled(Flow& flow, Direction direction, TimestampNs ts, std::uint64_t offset,
                    std::uint64_t bytes);
  StreamExtra* extra_of(StreamState& stream);  // nullptr when the memcap is reached
  void release_extra_if_idle(StreamState& stream);

  ReassemblyConfig config_;
  StreamConsumer& consumer_;
  SegmentPool pool_;
  ReassemblyCounters counters_;
};

}  // namespace dicomsentry
