// The contract between the TCP reassembler and an application-layer parser.
#pragma once

#include <cstdint>

#include "dicomsentry/bytes.hpp"
#include "flow/flow.hpp"

namespace dicomsentry {

// Where a delivery sits: the flow, the direction, the packet time and the stream offset of
// the first delivered byte (offsets count gap bytes too, so they match the sender's stream).
struct StreamContext {
  Flow& flow;
  Direction direction;
  TimestampNs ts;
  std::uint64_t offset;
};

// What the consumer did with a delivery. The reassembler owns the bytes; the consumer only
// looks at them (Snort 3's splitter idea). Consuming everything is the common case. A parser
// that stops inside a unit it cannot judge yet (a PDU header split across segments) returns
// the bytes it used and `need`: how many contiguous bytes, counted from the first unconsumed
// one, it wants to see at once. The reassembler then copies just those bytes, as they arrive,
// into a small per-stream stash and presents them again as one view. Nothing else is copied.
struct Consumed {
  std::uint32_t bytes = 0;
  std::uint32_t need = 0;  // only read when bytes < the delivery's size
};

class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;
  // In-order bytes. `data` is a view into the packet, into held out-of-order memory, or into
  // the stash; it is valid only during the call.
  virtual Consumed on_data(const StreamContext& context, ByteView data) = 0;
  // `bytes` bytes of the stream will never be delivered (loss, caps, ACKed past, flow end).
  // Any bytes the consumer left unconsumed before the gap are dropped too.
  virtual void on_gap(const StreamContext& context, std::uint64_t bytes) = 0;
  // No more data in this direction (FIN reached, RST, or the flow ended).
  virtual void on_end(const StreamContext& context) = 0;
};

}  // namespace dicomsentry
