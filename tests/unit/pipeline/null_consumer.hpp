// A stream consumer that takes every byte and keeps nothing: for pipeline tests about flows.
#pragma once

#include "reassembly/stream_consumer.hpp"

namespace dicomsentry::test {

class NullConsumer final : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override {}
  void on_end(const StreamContext&) override {}
};

}  // namespace dicomsentry::test
