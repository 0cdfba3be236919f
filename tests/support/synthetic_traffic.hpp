// Whole synthetic TCP conversations (with impairments) and the stream a reassembler must deliver.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "decode/decoded_packet.hpp"
#include "dicomsentry/packet.hpp"
#include "frame_builder.hpp"

namespace dicomsentry::synth {

enum class Direction : std::uint8_t { kClientToServer = 0, kServerToClient = 1 };
enum class CloseKind : std::uint8_t { kFin, kRst, kNone };

struct AppMessage {
  Direction direction = Direction::kClientToServer;
  std::vector<std::byte> bytes;
};

struct FlowSpec {
  std::uint8_t ip_version = 4;
  IpAddress client_ip = ipv4_address(10, 0, 0, 1);
  IpAddress server_ip = ipv4_address(10, 0, 0, 2);
  std::uint16_t client_port = 49152;
  std::uint16_t server_port = 104;
  MacAddress client_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  MacAddress server_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  std::vector<std::uint16_t> vlans;  // outermost first; all but the innermost are 802.1ad
  std::vector<Ipv6Extension> ipv6_extensions;  // put in every packet of an IPv6 flow

  // Close to 2^32 by default so the sequence numbers wrap inside a short conversation.
  std::uint32_t client_isn = 0xfffffc00;
  std::uint32_t server_isn = 0xffffff00;
  std::uint16_t mss = 1448;     // payload bytes per data segment
  bool tcp_timestamps = true;   // timestamps option on every segment
  bool handshake = true;        // false: no SYN/SYN-ACK/ACK, the capture starts mid-stream
  CloseKind close = CloseKind::kFin;
  std::vector<AppMessage> messages;  // sent in this order, each as mss-sized segments

  // Impairments, each decided per original data segment with the generator below.
  double reorder_probability = 0;   // the segment is held back behind the next one or two
  double retransmit_probability = 0;  // an exact duplicate is sent one to three packets later
  double overlap_probability = 0;   // a later segment re-covers the seam with the SAME bytes
  double overlap_conflict_probability = 0;  // ... with DIFFERENT bytes (each byte inverted)
  double loss_probability = 0;      // the segment is dropped and never resent
  std::uint64_t seed = 1;           // std::mt19937_64; same spec and seed -> same bytes

  std::uint32_t ack_every = 2;      // receiver sends a pure ACK every N data segments (0: never)
  TimestampNs start_time = 1'700'000'000'000'000'000;
  TimestampNs gap = 100'000;        // between consecutive frames of this flow
};

struct Frame {
  TimestampNs ts = 0;
  std::vector<std::byte> bytes;
};

enum class SegmentKind : std::uint8_t {
  kSyn,
  kSynAck,
  kHandshakeAck,
  kData,                 // first transmission of stream bytes
  kRetransmission,       // exact duplicate of an earlier kData frame
  kOverlap,              // covers the end of one segment and the start of the next, same bytes
  kConflictingOverlap,   // the same range with every byte inverted
  kPureAck,
  kFin,
  kFinalAck,             // acknowledges the last FIN
  kRst,
};

// What each frame is, parallel to SyntheticFlow::frames.
struct FrameInfo {
  Direction direction = Direction::kClientToServer;
  SegmentKind kind = SegmentKind::kData;
  bool reordered = false;       // sent later than its natural place
  std::uint32_t seq = 0;
  std::uint64_t stream_offset = 0;   // of the first payload byte, 0 = the byte after the ISN
  std::uint32_t payload_offset = 0;  // where the payload starts inside the frame
  std::uint32_t payload_length = 0;
};

struct StreamGap {
  std::uint64_t offset = 0;  // relative to ExpectedStream::start_seq
  std::uint64_t length = 0;
  friend bool operator==(const StreamGap&, const StreamGap&) = default;
};

// The bytes a correct reassembler delivers for one direction of the captured frames:
//  * It anchors at ISN+1 if the SYN (SYN-ACK) of that direction was captured, else at the
//    sequence number of the first data-carrying frame of that direction in capture order
//    (mid-stream pickup); bytes before the anchor are not delivered.
//  * The stream ends at the FIN's sequence number if a FIN was captured, else at the highest
//    byte any captured segment carried; a lost tail without a FIN is invisible, not a gap.
//  * Each stream byte is the FIRST-SEEN copy in capture order ("first" overlap policy):
//    a conflicting overlap never replaces delivered bytes, but it does fill bytes whose
//    original segment was lost.
//  * Ranges no captured segment covered are gaps, listed in order; `bytes` holds only the
//    delivered bytes, so bytes.size() + sum(gap lengths) == length.
struct ExpectedStream {
  std::uint32_t start_seq = 0;
  std::uint64_t length = 0;
  std::vector<std::byte> bytes;
  std::vector<StreamGap> gaps;
  bool fin = false;  // a FIN from this side was captured
};

struct FlowCounts {
  std::uint64_t frames = 0;
  std::uint64_t data_segments = 0;    // kData frames captured
  std::uint64_t lost_segments = 0;    // kData segments generated but never sent
  std::uint64_t reordered = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t overlaps = 0;
  std::uint64_t conflicting_overlaps = 0;
  std::uint64_t pure_acks = 0;
};

struct SyntheticFlow {
  std::vector<Frame> frames;     // capture order, timestamps strictly increasing
  std::vector<FrameInfo> info;   // parallel to frames
  std::array<ExpectedStream, 2> expected;  // indexed by Direction
  FlowCounts counts;

  const ExpectedStream& stream(Direction d) const { return expected[static_cast<int>(d)]; }
};

// Builds the conversation described by `spec`. Deterministic for a given spec.
SyntheticFlow make_flow(const FlowSpec& spec);

// Recomputes `expected` from frames+info (the definition above); used after editing frames.
void recompute_expected(SyntheticFlow& flow);

// The same capture without its first `k` frames (a capture that started late), with the
// expected streams and counts recomputed for what remains.
SyntheticFlow drop_first_frames(const SyntheticFlow& flow, std::size_t k);

// All frames of several flows in timestamp order (ties: earlier flow first).
std::vector<const Frame*> interleave(const std::vector<SyntheticFlow>& flows);

// Splits an untagged Ethernet IPv4 frame into two IP fragments with identification `id`: the
// first carries `first_bytes` of the IP payload (rounded down to a multiple of 8, at least 8),
// the second the rest. Frames too short to split come back whole, as the only element.
// Fragments are what the sensor does not reassemble: for tests of how they are counted.
std::vector<Frame> fragment_ipv4(const Frame& frame, std::size_t first_bytes, std::uint16_t id);

// Writes the interleaved flows as an Ethernet pcap (nanosecond timestamps). Returns false and
// fills `error` if the file cannot be written.
bool write_pcap(const std::string& path, const std::vector<SyntheticFlow>& flows,
                std::string* error = nullptr);

}  // namespace dicomsentry::synth
