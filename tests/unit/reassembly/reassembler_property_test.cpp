// Randomised checks over many segmentations: whatever the order, duplication, overlap, loss
// and memory caps, every delivered byte is the sender's byte at that offset, deliveries and
// gaps tile the stream without holes or overlaps, and the end comes once, last.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "reassembly_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace reassembly_test;

struct Scenario {
  std::uint32_t trials;
  double loss;  // probability that a covering segment is not sent
  std::uint64_t memcap;
  std::uint32_t max_held_per_stream;
};

struct Segment {
  std::uint32_t begin;
  std::uint32_t end;
};

// Runs `trials` random streams; returns how many bytes were delivered in total.
std::uint64_t run(const Scenario& scenario, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uint64_t total_delivered = 0;
  for (std::uint32_t trial = 0; trial < scenario.trials; ++trial) {
    const auto length = std::uniform_int_distribution<std::uint32_t>(1, 20000)(rng);
    std::string stream(length, '\0');
    for (char& c : stream) c = static_cast<char>('a' + rng() % 26);
    // ISNs near the wrap in one trial of four.
    const std::uint32_t isn = trial % 4 == 0 ? 0xFFFFFFFFu - rng() % 30000 : rng();

    std::vector<Segment> segments;
    std::uint32_t at = 0;
    bool lost_any = false;
    while (at < length) {
      const std::uint32_t size =
          std::min(length - at, 1 + static_cast<std::uint32_t>(rng() % 1500));
      const bool lost = std::uniform_real_distribution<double>(0, 1)(rng) < scenario.loss;
      if (!lost) segments.push_back({at, at + size});
      lost_any |= lost;
      at += size;
    }
    // Retransmissions and overlapping resends of the same bytes.
    const std::size_t extra = segments.size() / 3;
    for (std::size_t i = 0; i < extra && !segments.empty(); ++i) {
      const Segment& base = segments[rng() % segments.size()];
      const std::uint32_t begin = base.begin + rng() % (base.end - base.begin);
      const std::uint32_t end =
          std::min(length, begin + 1 + static_cast<std::uint32_t>(rng() % 3000));
      segments.push_back({begin, end});
    }
    std::shuffle(segments.begin(), segments.end(), rng);

    ReassemblyConfig config;
    config.memcap_bytes = scenario.memcap;
    config.max_held_bytes_per_stream = scenario.max_held_per_stream;
    ReassemblerFixture f(config);
    f.syn(kToServer, isn);
    for (const Segment& s : segments) {
      f.send(kToServer, isn + 1 + s.begin,
             std::string_view(stream).substr(s.begin, s.end - s.begin));
    }
    f.reassembler_.on_flow_end(f.flow_, 2);

    // Deliveries and gaps tile [0, end); each delivered byte is the sender's.
    const std::vector<Event>& events = f.recorder_.events;
    const std::string& got = f.recorder_.bytes[0];
    std::uint64_t offset = 0;
    std::size_t consumed = 0;
    std::uint64_t delivered = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      if (e.kind == Event::kEnd) {
        EXPECT_EQ(i, events.size() - 1) << "seed " << seed << " trial " << trial;
        EXPECT_EQ(e.offset, offset);
        continue;
      }
      EXPECT_EQ(e.offset, offset) << "seed " << seed << " trial " << trial << " event " << i;
      if (e.kind == Event::kData) {
        EXPECT_EQ(got.compare(consumed, e.length, stream, e.offset, e.length), 0)
            << "seed " << seed << " trial " << trial << " event " << i;
        consumed += e.length;
        delivered += e.length;
      }
      offset += e.length;
    }
    EXPECT_EQ(f.recorder_.ends(kToServer), 1u);
    EXPECT_LE(offset, length);
    EXPECT_LE(f.reassembler_.pool().high_water(), scenario.memcap);
    EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
    // With nothing lost and room to hold everything, the whole stream arrives.
    if (!lost_any && scenario.memcap >= (64u << 20) && scenario.max_held_per_stream >= length) {
      EXPECT_TRUE(got == stream) << "seed " << seed << " trial " << trial;
      EXPECT_EQ(f.reassembler_.counters().gaps, 0u);
    }
    total_delivered += delivered;
    if (::testing::Test::HasFailure()) break;  // one failing trial is enough to read
  }
  return total_delivered;
}

class ReassemblerProperty : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_LT(std::chrono::steady_clock::now() - start_, std::chrono::seconds(60));
  }
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

TEST_F(ReassemblerProperty, ReorderedDuplicatedOverlappingStreamsArriveWhole) {
  EXPECT_GT(run({1000, 0.0, 64u << 20, 1u << 20}, 1), 0u);
}

TEST_F(ReassemblerProperty, LossLeavesExactGapsAndOnlyTrueBytes) {
  EXPECT_GT(run({1000, 0.1, 64u << 20, 1u << 20}, 2), 0u);
}

TEST_F(ReassemblerProperty, PerStreamCapStillDeliversOnlyTrueBytes) {
  EXPECT_GT(run({1000, 0.05, 64u << 20, 3000}, 3), 0u);
}

TEST_F(ReassemblerProperty, TinyGlobalMemcapStillDeliversOnlyTrueBytes) {
  EXPECT_GT(run({1000, 0.05, 3000, 1u << 20}, 4), 0u);
  EXPECT_GT(run({500, 0.0, 0, 1u << 20}, 5), 0u);
}

}  // namespace
}  // namespace dicomsentry
