// TCP reassembly: ns per 1448-byte segment (and GB/s) in order, where delivery is a view into
// the packet, and with every pair of segments swapped, where one in two is held and copied.
#include <benchmark/benchmark.h>

#include <vector>

#include "reassembly/tcp_reassembler.hpp"

namespace dicomsentry {
namespace {

constexpr std::uint32_t kMss = 1448;
constexpr std::uint32_t kSegmentsInBuffer = 256;  // 370 KB of payload, cycled

class CountingConsumer : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    benchmark::DoNotOptimize(data.data());
    delivered += data.size();
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override { ++gaps; }
  void on_end(const StreamContext&) override {}
  std::uint64_t delivered = 0;
  std::uint64_t gaps = 0;
};

std::vector<std::byte> make_payload() {
  std::vector<std::byte> bytes(std::size_t{kMss} * kSegmentsInBuffer);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(i * 131 + 7);
  return bytes;
}

struct Stream {
  CountingConsumer consumer;
  TcpReassembler reassembler{ReassemblyConfig{}, consumer};
  Flow flow;
  TcpHeader tcp;
  std::vector<std::byte> payload = make_payload();

  Stream() {
    tcp.seq = 1000;
    tcp.flags = tcp_flag::kSyn;
    reassembler.on_packet(flow, Direction::kToServer, tcp, {}, 0, 0);
    tcp.flags = tcp_flag::kAck | tcp_flag::kPsh;
  }
  ~Stream() { reassembler.release(flow); }

  // Segment number `n` of the stream (its bytes come from the cycled buffer).
  void send(std::uint64_t n) {
    tcp.seq = 1001 + static_cast<std::uint32_t>(n * kMss);
    const ByteView view(payload.data() + (n % kSegmentsInBuffer) * kMss, kMss);
    reassembler.on_packet(flow, Direction::kToServer, tcp, view, kMss, 1);
  }
};

void report(benchmark::State& state, const Stream& s, std::uint64_t segments) {
  if (s.consumer.delivered != segments * kMss || s.consumer.gaps != 0) {
    state.SkipWithError("bytes were lost");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(segments));
  state.SetBytesProcessed(static_cast<std::int64_t>(segments * kMss));
}

void BM_ReassemblyInOrder(benchmark::State& state) {
  Stream s;
  std::uint64_t n = 0;
  for (auto _ : state) s.send(n++);
  report(state, s, n);
}
BENCHMARK(BM_ReassemblyInOrder);

// Segments 1,0,3,2,5,4,...: every odd segment is held (one copy) and released by the next.
void BM_ReassemblyOutOfOrderPairs(benchmark::State& state) {
  Stream s;
  std::uint64_t pair = 0;
  for (auto _ : state) {
    s.send(2 * pair + 1);
    s.send(2 * pair);
    ++pair;
  }
  report(state, s, 2 * pair);
}
BENCHMARK(BM_ReassemblyOutOfOrderPairs);

}  // namespace
}  // namespace dicomsentry
