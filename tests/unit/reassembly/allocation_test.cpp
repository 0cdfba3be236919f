// No heap allocation per packet: in-order delivery never allocates, and out-of-order holding
// reuses pooled blocks once warm. Counts calls to the global operator new in this program.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "reassembly_test_util.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace dicomsentry {
namespace {

using namespace reassembly_test;

constexpr std::uint32_t kMss = 1448;
constexpr std::uint32_t kSegments = 1000;

class Sink : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    delivered += data.size();
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override { ++gaps; }
  void on_end(const StreamContext&) override {}
  std::uint64_t delivered = 0;
  std::uint64_t gaps = 0;
};

struct Stream {
  Sink sink;
  TcpReassembler reassembler{ReassemblyConfig{}, sink};
  Flow flow;
  std::vector<std::byte> payload = std::vector<std::byte>(kMss, std::byte{0x5a});

  Stream() {
    TcpHeader syn;
    syn.seq = 0;
    syn.flags = tcp_flag::kSyn;
    reassembler.on_packet(flow, kToServer, syn, {}, 0, 0);
  }
  ~Stream() { reassembler.release(flow); }
  void send(std::uint32_t n) {
    TcpHeader tcp;
    tcp.seq = 1 + n * kMss;
    tcp.flags = tcp_flag::kAck | tcp_flag::kPsh;
    reassembler.on_packet(flow, kToServer, tcp, ByteView(payload), kMss, 1);
  }
};

TEST(ReassemblyAllocation, InOrderSegmentsNeverAllocate) {
  Stream s;
  const std::size_t before = g_allocations.load();
  for (std::uint32_t n = 0; n < kSegments; ++n) s.send(n);
  const std::size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(s.sink.delivered, std::uint64_t{kSegments} * kMss);
}

TEST(ReassemblyAllocation, SwappedPairsAllocateOnlyWhileWarmingUp) {
  Stream s;
  s.send(1);  // first hold: one slab of stream extras and one slab of 2 KiB blocks
  s.send(0);
  const std::size_t before = g_allocations.load();
  for (std::uint32_t pair = 1; pair < kSegments / 2; ++pair) {
    s.send(2 * pair + 1);
    s.send(2 * pair);
  }
  const std::size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(s.sink.delivered, std::uint64_t{kSegments} * kMss);
  EXPECT_EQ(s.sink.gaps, 0u);
  EXPECT_EQ(s.reassembler.counters().out_of_order, kSegments / 2);
}

// A consumer that, like the DICOM splitter, now and then stops 3 bytes before a segment's end
// and asks for 6 contiguous bytes (a header split across segments); in between, the stream
// is idle and its stash is given back.
class HeaderSplitter : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext&, ByteView data) override {
    delivered += data.size();
    if (data.size() > 6 && ++deliveries % 4 == 0) return {static_cast<std::uint32_t>(data.size() - 3), 6};
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  std::uint64_t deliveries = 0;
  void on_gap(const StreamContext&, std::uint64_t) override {}
  void on_end(const StreamContext&) override {}
  std::uint64_t delivered = 0;
};

TEST(ReassemblyAllocation, HeadersSplitAcrossSegmentsUsePooledStashes) {
  HeaderSplitter splitter;
  TcpReassembler reassembler{ReassemblyConfig{}, splitter};
  Flow flow;
  std::vector<std::byte> payload(kMss, std::byte{0x5a});
  TcpHeader syn;
  syn.seq = 0;
  syn.flags = tcp_flag::kSyn;
  reassembler.on_packet(flow, kToServer, syn, {}, 0, 0);
  auto send = [&](std::uint32_t n) {
    TcpHeader tcp;
    tcp.seq = 1 + n * kMss;
    tcp.flags = tcp_flag::kAck | tcp_flag::kPsh;
    reassembler.on_packet(flow, kToServer, tcp, ByteView(payload), kMss, 1);
  };
  for (std::uint32_t n = 0; n < 8; ++n) send(n);  // warm-up: the first stashes take a slab
  const std::size_t before = g_allocations.load();
  for (std::uint32_t n = 8; n < kSegments; ++n) send(n);
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_GT(reassembler.counters().stash_copies, 0u);
  reassembler.release(flow);
}

}  // namespace
}  // namespace dicomsentry
