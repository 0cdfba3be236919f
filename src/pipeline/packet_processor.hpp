// What the capture side feeds: one worker's pipeline, or the pool that shards packets over
// several. Called once per batch, so the virtual call is not per packet.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dicomsentry/packet.hpp"

namespace dicomsentry {

class PacketProcessor {
 public:
  virtual ~PacketProcessor() = default;
  // Packets in capture order; views valid for the call only.
  virtual void process_batch(std::span<const PacketView> packets) = 0;
  // The clock moves to `now` without a packet (idle live interface): timed-out flows end.
  virtual void expire_idle(TimestampNs now) = 0;
  // Returns when every packet given so far has been processed, so the memory their views
  // point into (a file's mapping) may go.
  virtual void drain() {}
  // The packets given so far are all there is for now (a live interface went idle): workers
  // that wait for a fuller batch start on them.
  virtual void flush() {}
  // Where the packets given so far end (one position per worker ring), and a wait until every
  // packet before a mark is processed: a streamed file reuses a buffer once the packets read
  // from it are done, without waiting for the ones given since. Synchronous processing (one
  // pipeline) has nothing to wait for.
  using Mark = std::vector<std::uint64_t>;
  virtual void mark(Mark& out) const { out.clear(); }
  virtual void wait_processed(const Mark& /*mark*/) {}
};

}  // namespace dicomsentry
