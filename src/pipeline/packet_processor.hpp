// What the capture side feeds: one worker's pipeline, or the pool that shards packets over
// several. Called once per batch, so the virtual call is not per packet.
#pragma once

#include <span>

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
};

}  // namespace dicomsentry
