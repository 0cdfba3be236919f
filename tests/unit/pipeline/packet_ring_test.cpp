// PacketRing: every entry arrives once, in order, across wrap-arounds of the ring and of the
// arena, with a producer and a consumer on two threads; copied packets keep their bytes.
#include "pipeline/packet_ring.hpp"

#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/worker_pool.hpp"

namespace dicomsentry {
namespace {

// Packet i: its timestamp is i and its bytes (i % 1500 + 1 of them) are all i & 0xff.
std::vector<std::byte> packet_bytes(std::uint64_t i) {
  return std::vector<std::byte>(i % 1500 + 1, static_cast<std::byte>(i & 0xff));
}

struct Received {
  std::uint64_t packets = 0;
  std::uint64_t orders = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t bad_bytes = 0;
};

// The producer pushes `n` packets (and an expire order after every 1000th), reusing one
// buffer for every packet's bytes as libpcap reuses its own; the consumer checks them.
Received run_through(PacketRing& ring, std::uint64_t n, bool copied) {
  Received got;
  std::thread consumer([&] {
    std::uint64_t next = 0;
    for (bool done = false; !done;) {
      const auto entries = ring.wait_for_entries();
      for (const RingEntry& e : entries) {
        if (e.order == RingOrder::kFinish) {
          done = true;
          break;
        }
        if (e.order == RingOrder::kExpire) {
          ++got.orders;
          continue;
        }
        const auto i = static_cast<std::uint64_t>(e.packet.timestamp_ns);
        if (i != next) ++got.out_of_order;
        next = i + 1;
        ++got.packets;
        if (copied) {
          const std::vector<std::byte> expected = packet_bytes(i);
          if (!std::equal(e.packet.bytes.begin(), e.packet.bytes.end(), expected.begin(),
                          expected.end())) {
            ++got.bad_bytes;
          }
        }
      }
      ring.release(entries.size());
    }
  });
  std::vector<std::byte> scratch;
  for (std::uint64_t i = 0; i < n; ++i) {
    PacketView packet;
    packet.timestamp_ns = static_cast<TimestampNs>(i);
    scratch = packet_bytes(i);
    packet.bytes = scratch;
    ring.push(packet, RingOrder::kPacket);
    if (i % 1000 == 999) ring.push(PacketView{}, RingOrder::kExpire);
    if (i % 16 == 15) ring.publish();
  }
  ring.push(PacketView{}, RingOrder::kFinish);
  ring.publish();
  consumer.join();
  return got;
}

TEST(PacketRing, ViewsArriveOnceAndInOrderAcrossWrapArounds) {
  PacketRing ring(64, 0);  // 200,000 entries wrap a 64-entry ring thousands of times
  const Received got = run_through(ring, 200'000, false);
  EXPECT_EQ(got.packets, 200'000u);
  EXPECT_EQ(got.orders, 200u);
  EXPECT_EQ(got.out_of_order, 0u);
}

TEST(PacketRing, CopiedPacketsKeepTheirBytesWhenTheArenaWraps) {
  // 64 KiB of arena for ~150 MB of packets: the producer waits for released space again and
  // again, and no packet may be overwritten before the consumer is done with it.
  PacketRing ring(256, 64 * 1024);
  const Received got = run_through(ring, 200'000, true);
  EXPECT_EQ(got.packets, 200'000u);
  EXPECT_EQ(got.out_of_order, 0u);
  EXPECT_EQ(got.bad_bytes, 0u);
}

TEST(PacketRing, WaitUntilDrainedReturnsOnceEverythingIsReleased) {
  PacketRing ring(16, 0);
  std::uint64_t seen = 0;
  std::thread consumer([&] {
    for (bool done = false; !done;) {
      const auto entries = ring.wait_for_entries();
      for (const RingEntry& e : entries) {
        if (e.order == RingOrder::kFinish) done = true;
        else ++seen;
      }
      ring.release(entries.size());
    }
  });
  for (int i = 0; i < 100; ++i) ring.push(PacketView{}, RingOrder::kPacket);
  ring.wait_until_drained();
  EXPECT_EQ(seen, 100u);  // written by the consumer before its release, read after the drain
  ring.push(PacketView{}, RingOrder::kFinish);
  ring.publish();
  consumer.join();
}

TEST(WorkerPool, ShardUsesTheHighBitsAndCoversEveryWorker) {
  EXPECT_EQ(WorkerPool::shard(0x0000'0000'ffff'ffffull, 2), 0u);  // low bits do not choose
  EXPECT_EQ(WorkerPool::shard(0x8000'0000'0000'0000ull, 2), 1u);
  EXPECT_EQ(WorkerPool::shard(0xffff'ffff'ffff'ffffull, 3), 2u);
  std::vector<std::uint64_t> per_worker(3);
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 30000; ++i) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    ++per_worker[WorkerPool::shard(h, 3)];
  }
  for (std::uint64_t n : per_worker) EXPECT_NEAR(static_cast<double>(n), 10000.0, 600.0);
}

}  // namespace
}  // namespace dicomsentry
