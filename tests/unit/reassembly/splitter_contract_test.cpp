// The consumer contract: a TLV parser (DICOM PDU-shaped headers) sees the same records
// however the stream is cut, only straddling headers are copied, and consumers that consume
// part of a delivery, refuse progress or ask too much are handled without loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "reassembly_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace reassembly_test;

constexpr std::size_t kHeader = 6;  // type, reserved, 4-byte big-endian length (PS3.8 9.3.1)

struct Record {
  std::uint8_t type;
  std::uint32_t length;
  std::uint64_t offset;
  std::string body;
  friend bool operator==(const Record&, const Record&) = default;
};

// Parses records as they stream past; keeps only the partial body between calls and asks
// for a whole header (need = 6) when one is cut.
class TlvConsumer : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext& context, ByteView data) override {
    std::size_t pos = 0;
    while (pos < data.size()) {
      if (body_left_ > 0) {
        const std::size_t take = std::min<std::size_t>(body_left_, data.size() - pos);
        records.back().body.append(reinterpret_cast<const char*>(data.data() + pos), take);
        body_left_ -= static_cast<std::uint32_t>(take);
        pos += take;
        continue;
      }
      ByteCursor cursor(data.subspan(pos));
      std::uint8_t type = 0;
      std::uint32_t length = 0;
      if (!cursor.read_u8(type) || !cursor.skip(1) || !cursor.read_be32(length)) {
        return {static_cast<std::uint32_t>(pos), kHeader};
      }
      records.push_back({type, length, context.offset + pos, {}});
      body_left_ = length;
      pos += kHeader;
    }
    return {static_cast<std::uint32_t>(pos), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t) override {
    ++gaps;
    body_left_ = 0;  // the next byte after a gap starts a record in these tests
  }
  void on_end(const StreamContext&) override { ++ends; }

  std::vector<Record> records;
  int gaps = 0;
  int ends = 0;

 private:
  std::uint32_t body_left_ = 0;
};

struct TlvStream {
  std::string bytes;
  std::vector<Record> records;
};

TlvStream make_stream() {
  const std::pair<std::uint8_t, std::uint32_t> shape[] = {
      {1, 0}, {2, 1}, {3, 5}, {4, 10}, {5, 3}, {6, 300}, {7, 6}, {1, 2}, {2, 0}, {3, 40}};
  TlvStream s;
  for (const auto& [type, length] : shape) {
    const std::string body = pattern(s.bytes.size(), length);
    s.records.push_back({type, length, s.bytes.size(), body});
    s.bytes += static_cast<char>(type);
    s.bytes += '\0';
    for (int shift = 24; shift >= 0; shift -= 8) s.bytes += static_cast<char>(length >> shift);
    s.bytes += body;
  }
  return s;
}

// Bytes copied if every header cut by one of `cuts` is stashed whole and nothing else is.
std::uint64_t straddling_header_bytes(const TlvStream& s, const std::vector<std::size_t>& cuts) {
  std::uint64_t bytes = 0;
  for (const Record& r : s.records) {
    for (std::size_t cut : cuts) {
      if (r.offset < cut && cut < r.offset + kHeader) {
        bytes += kHeader;
        break;
      }
    }
  }
  return bytes;
}

struct Outcome {
  std::vector<Record> records;
  ReassemblyCounters counters;
};

// Sends the stream cut at `cuts`, in order, with each pair of segments swapped, or shuffled
// by `shuffle` when given.
Outcome feed(const TlvStream& s, const std::vector<std::size_t>& cuts, bool swap_pairs = false,
             std::mt19937* shuffle = nullptr) {
  TlvConsumer consumer;
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 41);
  std::vector<std::pair<std::size_t, std::size_t>> segments;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    segments.emplace_back(from, cut);
    from = cut;
  }
  segments.emplace_back(from, s.bytes.size());
  for (std::size_t i = 0; swap_pairs && i + 1 < segments.size(); i += 2) {
    std::swap(segments[i], segments[i + 1]);
  }
  if (shuffle != nullptr) std::shuffle(segments.begin(), segments.end(), *shuffle);
  for (const auto& [begin, end] : segments) {
    f.send(kToServer, 42 + static_cast<std::uint32_t>(begin),
           std::string_view(s.bytes).substr(begin, end - begin));
  }
  return {consumer.records, f.reassembler_.counters()};
}

TEST(SplitterContract, WholeStreamInOneSegmentCopiesNothing) {
  const TlvStream s = make_stream();
  const Outcome out = feed(s, {});
  EXPECT_EQ(out.records, s.records);
  EXPECT_EQ(out.counters.stash_copies, 0u);
  EXPECT_EQ(out.counters.bytes_delivered, s.bytes.size());
}

TEST(SplitterContract, EverySplitPointGivesTheSameRecordsAndCopiesOnlyCutHeaders) {
  const TlvStream s = make_stream();
  std::uint64_t total_copies = 0;
  for (std::size_t cut = 1; cut < s.bytes.size(); ++cut) {
    const Outcome out = feed(s, {cut});
    ASSERT_EQ(out.records, s.records) << "cut at " << cut;
    ASSERT_EQ(out.counters.stash_copies, straddling_header_bytes(s, {cut})) << "cut at " << cut;
    ASSERT_EQ(out.counters.consumer_stalls, 0u) << "cut at " << cut;
    total_copies += out.counters.stash_copies;
  }
  // Ten headers, each cut by five split points, each costing one 6-byte copy.
  EXPECT_EQ(total_copies, 10u * 5u * kHeader);
}

TEST(SplitterContract, ChunksOfOneToSevenBytesGiveTheSameRecords) {
  const TlvStream s = make_stream();
  for (std::size_t chunk : {1, 2, 3, 4, 5, 7}) {
    std::vector<std::size_t> cuts;
    for (std::size_t cut = chunk; cut < s.bytes.size(); cut += chunk) cuts.push_back(cut);
    const Outcome out = feed(s, cuts);
    EXPECT_EQ(out.records, s.records) << "chunk " << chunk;
    EXPECT_EQ(out.counters.stash_copies, straddling_header_bytes(s, cuts)) << "chunk " << chunk;
    EXPECT_EQ(out.counters.consumer_stalls, 0u);
    EXPECT_EQ(out.counters.bytes_delivered, s.bytes.size());
  }
  // Every header is cut by byte-sized chunks: 10 headers x 6 bytes, and not one body byte.
  std::vector<std::size_t> every_byte;
  for (std::size_t cut = 1; cut < s.bytes.size(); ++cut) every_byte.push_back(cut);
  EXPECT_EQ(feed(s, every_byte).counters.stash_copies, 60u);
}

TEST(SplitterContract, SwappedSegmentPairsGiveTheSameRecordsAndCopies) {
  const TlvStream s = make_stream();
  for (std::size_t chunk : {3, 7, 50}) {
    std::vector<std::size_t> cuts;
    for (std::size_t cut = chunk; cut < s.bytes.size(); cut += chunk) cuts.push_back(cut);
    const Outcome out = feed(s, cuts, true);
    EXPECT_EQ(out.records, s.records) << "chunk " << chunk;
    EXPECT_EQ(out.counters.stash_copies, straddling_header_bytes(s, cuts)) << "chunk " << chunk;
    EXPECT_GT(out.counters.out_of_order, 0u);
  }
}

TEST(SplitterContract, RandomCutsInRandomOrderGiveTheSameRecordsAndCopies) {
  const TlvStream s = make_stream();
  std::mt19937 rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::size_t> cuts;
    for (std::size_t cut = 1 + rng() % 9; cut < s.bytes.size(); cut += 1 + rng() % 40) {
      cuts.push_back(cut);
    }
    const Outcome out = feed(s, cuts, false, &rng);
    ASSERT_EQ(out.records, s.records) << "trial " << trial;
    ASSERT_EQ(out.counters.stash_copies, straddling_header_bytes(s, cuts)) << "trial " << trial;
    ASSERT_EQ(out.counters.gaps, 0u);
  }
}

// A consumer driven by a policy, recording each call; it gives up after kMaxCalls so that a
// reassembler that loops shows up as a failed count instead of a hang.
class ScriptedConsumer : public StreamConsumer {
 public:
  struct Call {
    std::uint64_t offset;
    std::string bytes;
    const std::byte* pointer;
  };
  using Policy = std::function<Consumed(ByteView)>;
  static constexpr std::size_t kMaxCalls = 1000;

  explicit ScriptedConsumer(Policy policy) : policy_(std::move(policy)) {}
  Consumed on_data(const StreamContext& context, ByteView data) override {
    calls.push_back({context.offset,
                     std::string(reinterpret_cast<const char*>(data.data()), data.size()),
                     data.data()});
    if (calls.size() > kMaxCalls) return {static_cast<std::uint32_t>(data.size()), 0};
    return policy_(data);
  }
  void on_gap(const StreamContext& context, std::uint64_t bytes) override {
    gaps.emplace_back(context.offset, bytes);
  }
  void on_end(const StreamContext&) override {}

  std::vector<Call> calls;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;  // offset, bytes

 private:
  Policy policy_;
};

std::vector<std::pair<std::uint64_t, std::string>> offsets_and_bytes(const ScriptedConsumer& c) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  for (const auto& call : c.calls) out.emplace_back(call.offset, call.bytes);
  return out;
}

using Calls = std::vector<std::pair<std::uint64_t, std::string>>;

TEST(SplitterContract, PartialConsumptionIsPresentedAgainFromThePacket) {
  ScriptedConsumer consumer([](ByteView data) {
    return Consumed{static_cast<std::uint32_t>(std::min<std::size_t>(10, data.size())), 1};
  });
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 0);
  const std::byte* p = f.send(kToServer, 1, pattern(0, 35));
  ASSERT_EQ(consumer.calls.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(consumer.calls[i].offset, 10 * i);
    EXPECT_EQ(consumer.calls[i].bytes, pattern(10 * i, 35 - 10 * i));
    EXPECT_EQ(consumer.calls[i].pointer, p + 10 * i);  // still the packet: nothing copied
  }
  EXPECT_EQ(f.reassembler_.counters().stash_copies, 0u);
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 0u);
}

TEST(SplitterContract, PartialConsumptionOfTheStashIsPresentedAgain) {
  // Wants 6 bytes at once; given 6 or more, uses 4 and asks for the next 2 immediately.
  ScriptedConsumer consumer([](ByteView data) {
    return data.size() < 6 ? Consumed{0, 6} : Consumed{4, 2};
  });
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 0);
  f.send(kToServer, 1, "abc");
  f.send(kToServer, 4, "defghij");
  EXPECT_EQ(offsets_and_bytes(consumer),
            (Calls{{0, "abc"}, {0, "abcdef"}, {4, "ef"}, {4, "efghij"}, {8, "ij"}}));
  EXPECT_EQ(f.reassembler_.counters().stash_copies, 10u);  // "abc", "def", "ghij"
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 0u);
}

TEST(SplitterContract, ConsumerUsingNothingWithNeedZeroStallsOncePerDelivery) {
  ScriptedConsumer consumer([](ByteView) { return Consumed{0, 0}; });
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 0);
  for (std::uint32_t i = 0; i < 3; ++i) f.send(kToServer, 1 + 10 * i, pattern(10 * i, 10));
  EXPECT_EQ(consumer.calls.size(), 3u);
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 3u);
  EXPECT_EQ(f.reassembler_.counters().stash_copies, 0u);
  // What it would not take is lost to it, and it is told so, each time at the right offset.
  using Gaps = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(consumer.gaps, (Gaps{{0, 10}, {10, 10}, {20, 10}}));
  EXPECT_EQ(f.reassembler_.counters().stall_bytes, 30u);
  EXPECT_EQ(f.reassembler_.counters().gap_bytes, 30u);
}

TEST(SplitterContract, ConsumerUsingNothingWithNeedWithinTheDeliveryStalls) {
  ScriptedConsumer consumer([](ByteView) { return Consumed{0, 4}; });
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 10));
  EXPECT_EQ(consumer.calls.size(), 1u);
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 1u);
  using Gaps = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(consumer.gaps, (Gaps{{0, 10}}));
}

TEST(SplitterContract, ConsumerRefusingAFullStashStallsAndTheStashIsDropped) {
  ScriptedConsumer consumer([](ByteView) { return Consumed{0, 6}; });
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 0);
  f.send(kToServer, 1, "abc");
  f.send(kToServer, 4, "def");
  f.send(kToServer, 7, "ghi");
  EXPECT_EQ(offsets_and_bytes(consumer), (Calls{{0, "abc"}, {0, "abcdef"}, {6, "ghi"}}));
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 1u);
  EXPECT_EQ(f.reassembler_.counters().stash_copies, 9u);
  // The dropped stash is a hole before "ghi": the consumer must not read "ghi" as its sequel.
  using Gaps = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(consumer.gaps, (Gaps{{0, 6}}));
}

TEST(SplitterContract, NeedAtTheCapIsServed) {
  ReassemblyConfig config;
  config.max_contiguous_need = 16;
  ScriptedConsumer consumer([](ByteView data) {
    return data.size() < 16 ? Consumed{0, 16} : Consumed{16, 0};
  });
  ReassemblerFixture f(config, &consumer);
  f.syn(kToServer, 0);
  f.send(kToServer, 1, pattern(0, 10));
  f.send(kToServer, 11, pattern(10, 10));
  EXPECT_EQ(offsets_and_bytes(consumer),
            (Calls{{0, pattern(0, 10)}, {0, pattern(0, 16)}, {16, pattern(16, 4)}}));
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 0u);
}

TEST(SplitterContract, NeedAboveTheCapIsClampedThenStalls) {
  ReassemblyConfig config;
  config.max_contiguous_need = 16;
  ScriptedConsumer consumer([](ByteView data) {
    return data.size() < 100 ? Consumed{0, 100} : Consumed{100, 0};
  });
  ReassemblerFixture f(config, &consumer);
  f.syn(kToServer, 0);
  for (std::uint32_t i = 0; i < 3; ++i) f.send(kToServer, 1 + 10 * i, pattern(10 * i, 10));
  // The consumer sees at most 16 bytes at once; refusing them is a stall, not a bigger copy.
  EXPECT_EQ(offsets_and_bytes(consumer),
            (Calls{{0, pattern(0, 10)}, {0, pattern(0, 16)}, {16, pattern(16, 4)}}));
  EXPECT_EQ(f.reassembler_.counters().consumer_stalls, 1u);
  EXPECT_EQ(f.reassembler_.counters().stash_copies, 30u);
  using Gaps = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(consumer.gaps, (Gaps{{0, 16}}));
  EXPECT_LE(f.reassembler_.pool().high_water(), 256u);
}

TEST(SplitterContract, AGapDiscardsAStashedPartialHeader) {
  const TlvStream s = make_stream();
  TlvConsumer consumer;
  ReassemblerFixture f(ReassemblyConfig{}, &consumer);
  f.syn(kToServer, 0);
  f.syn(kToClient, 500);
  f.send(kToServer, 1, std::string_view(s.bytes).substr(0, 3));  // half of record 0's header
  f.ack(kToClient, 101, 501);                                    // bytes 3..100 were never captured
  f.send(kToServer, 101, s.bytes);  // a fresh copy of the stream, starting at offset 100
  EXPECT_EQ(consumer.gaps, 1);
  ASSERT_EQ(consumer.records.size(), s.records.size());
  EXPECT_EQ(consumer.records[0].offset, 100u);
  EXPECT_EQ(consumer.records.back().body, s.records.back().body);
  EXPECT_EQ(f.reassembler_.counters().stash_copies, 3u);
  EXPECT_EQ(f.reassembler_.pool().bytes_in_use(), 0u);
}

}  // namespace
}  // namespace dicomsentry
