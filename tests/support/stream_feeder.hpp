// Feeds byte chunks to a StreamConsumer under the reassembler's contract (unconsumed bytes are
// presented again, from the first one, once `need` of them are there), without TCP. For tests
// and fuzz targets that drive the application layer directly; header-only so fuzz targets,
// which do not link the test kit, can use it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "reassembly/stream_consumer.hpp"

namespace dicomsentry::testing {

class StreamFeeder {
 public:
  StreamFeeder(StreamConsumer& consumer, Flow& flow) : consumer_(consumer), flow_(flow) {}

  void feed(Direction d, ByteView bytes, TimestampNs ts) {
    const auto i = static_cast<std::size_t>(d);
    std::vector<std::byte>& pending = pending_[i];
    pending.insert(pending.end(), bytes.begin(), bytes.end());
    flow_.last_ts = ts;
    for (int round = 0; round < 1 << 20 && !pending.empty() && pending.size() >= need_[i]; ++round) {
      const StreamContext at{flow_, d, ts, offset_[i]};
      const Consumed c = consumer_.on_data(at, pending);
      if (c.bytes >= pending.size()) {
        offset_[i] += pending.size();
        pending.clear();
        need_[i] = 0;
        return;
      }
      if (c.bytes == 0 && c.need <= pending.size()) {
        ++stalls_;  // asked for bytes it already had: a consumer bug
        return;
      }
      pending.erase(pending.begin(), pending.begin() + c.bytes);
      offset_[i] += c.bytes;
      need_[i] = c.need;
      if (pending.size() < need_[i]) return;
    }
  }

  // `bytes` bytes are lost: what was pending is dropped with them.
  void gap(Direction d, std::uint64_t bytes, TimestampNs ts) {
    const auto i = static_cast<std::size_t>(d);
    const std::uint64_t lost = bytes + pending_[i].size();
    offset_[i] += pending_[i].size();
    pending_[i].clear();
    need_[i] = 0;
    const StreamContext at{flow_, d, ts, offset_[i]};
    consumer_.on_gap(at, lost);
    offset_[i] += bytes;
  }

  std::uint64_t stalls() const { return stalls_; }
  std::uint64_t offset(Direction d) const { return offset_[static_cast<std::size_t>(d)]; }

 private:
  StreamConsumer& consumer_;
  Flow& flow_;
  std::array<std::vector<std::byte>, 2> pending_;
  std::array<std::uint64_t, 2> offset_{};
  std::array<std::uint32_t, 2> need_{};
  std::uint64_t stalls_ = 0;
};

}  // namespace dicomsentry::testing
