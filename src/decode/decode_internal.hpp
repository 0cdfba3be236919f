// Per-call decoder state and the layer entry points shared by the decode stage's .cpp files.
#pragma once

#include <cstddef>
#include <cstdint>

#include "decode/decoded_packet.hpp"
#include "decode/decoder.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::decode_detail {

struct DecodeState {
  const DecodeOptions& options;
  DecodedPacket& out;
  DecodeCounters& counters;
  // Bytes the capture cut off the end of the frame (original length - captured length).
  // A length field may claim up to this many bytes beyond what was captured.
  std::size_t snaplen_missing;
};

inline constexpr std::size_t reason_index(DecodeReason reason) {
  return static_cast<std::size_t>(reason);
}

// Records why the packet is malformed; decode_packet counts the reason once.
inline DecodeResult malformed(DecodeState& state, DecodeReason reason) {
  state.out.reason = reason;
  return DecodeResult::kMalformed;
}

// Counts a reason on a packet that is still decoded (fragments, bad TCP options).
inline void note_anomaly(DecodeState& state, DecodeReason reason) {
  ++state.counters.anomalies[reason_index(reason)];
}

// `bytes` starts at the IP header and runs to the end of the captured frame.
DecodeResult decode_ipv4(ByteView bytes, DecodeState& state);
DecodeResult decode_ipv6(ByteView bytes, DecodeState& state);

}  // namespace dicomsentry::decode_detail
