// The hand-off from the ingest thread to one worker: a bounded single-producer,
// single-consumer ring of packet views and control entries, and (live capture only) a byte
// arena the packets are copied into, since libpcap reuses its buffer after each callback.
// No locks, no allocation after construction; a side that must wait spins briefly, then
// sleeps on a futex (std::atomic::wait) until the other side rings its doorbell.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>

#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// A waiting side spins this many times before it sleeps.
inline constexpr int kRingSpins = 256;
// A sleeping consumer is woken once this many entries wait for it (or when the producer must
// wait, or says the batch is all there is): one wake-up per packet batch made the ingest
// thread and the workers trade the two cores in tiny slices, each costing a system call.
inline constexpr std::uint64_t kWakeBatch = 256;

// Wakes the other side when it sleeps; free when it does not.
class Doorbell {
 public:
  // After publishing: wake the waiter if it sleeps. The fence orders our publication before
  // reading its flag, and pairs with the waiter's store of the flag before its last check.
  void ring() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_relaxed)) {
      rings_.fetch_add(1, std::memory_order_relaxed);
      futex(FUTEX_WAKE_PRIVATE, 1);
    }
  }
  // Returns when ready() is true.
  template <typename Ready>
  void wait_until(Ready ready) {
    for (int i = 0; i < kRingSpins; ++i) {
      if (ready()) return;
      __builtin_ia32_pause();
    }
    while (!ready()) {
      const std::uint32_t seen = rings_.load(std::memory_order_relaxed);
      sleeping_.store(true, std::memory_order_seq_cst);
      if (ready()) {
        sleeping_.store(false, std::memory_order_relaxed);
        return;
      }
      // A futex directly: std::atomic::wait first spins with sched_yield, a system call
      // each (tens of thousands per run), which the spin above already did without.
      if (rings_.load(std::memory_order_relaxed) == seen) futex(FUTEX_WAIT_PRIVATE, seen);
      sleeping_.store(false, std::memory_order_relaxed);
    }
  }

 private:
  void futex(int op, std::uint32_t value) {
    static_assert(sizeof(rings_) == sizeof(std::uint32_t));
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&rings_), op, value, nullptr, nullptr, 0);
  }

  std::atomic<std::uint32_t> rings_{0};
  std::atomic<bool> sleeping_{false};
};

// One entry: a packet, or an order for the worker at this point of the packet sequence.
enum class RingOrder : std::uint8_t {
  kPacket,
  kExpire,   // check flow timeouts at `packet.timestamp_ns` (the ingest's clock)
  kFinish,   // end every flow at `packet.timestamp_ns` and stop
};

struct RingEntry {
  PacketView packet;
  std::uint64_t arena_end = 0;  // arena position after this entry's bytes (copied packets)
  RingOrder order = RingOrder::kPacket;
};

class PacketRing {
 public:
  // `capacity` entries (a power of two); `arena_bytes` 0 when packets are not copied.
  PacketRing(std::size_t capacity, std::size_t arena_bytes)
      : entries_(new RingEntry[capacity]),
        mask_(capacity - 1),
        arena_(arena_bytes != 0 ? new std::byte[arena_bytes] : nullptr),
        arena_bytes_(arena_bytes) {}

  // Producer side ---------------------------------------------------------------------------
  // Appends an entry, copying the packet's bytes into the arena when there is one. Waits while
  // the ring or the arena is full. Entries become visible to the consumer at publish().
  void push(const PacketView& packet, RingOrder order) {
    if (write_ - read_cache_ > mask_) {
      publish();
      // Until a quarter is free, not one entry: then the producer fills a run of entries
      // instead of waking for each one the consumer releases.
      consumed_bell_.wait_until([this] {
        read_cache_ = read_.load(std::memory_order_acquire);
        return write_ - read_cache_ <= mask_ - mask_ / 4;
      });
    }
    RingEntry& entry = entries_[write_ & mask_];
    entry.packet = packet;
    entry.order = order;
    if (arena_ != nullptr && order == RingOrder::kPacket) {
      entry.packet.bytes = copy_into_arena(packet.bytes);
    }
    entry.arena_end = arena_write_;
    ++write_;
  }
  // Entries pushed so far (the position after the last one).
  std::uint64_t pushed() const { return write_; }
  // Returns when the consumer has released every entry before `position`.
  void wait_until_released(std::uint64_t position) {
    publish();
    if (read_.load(std::memory_order_acquire) >= position) return;
    consumed_bell_.wait_until([&] { return read_.load(std::memory_order_acquire) >= position; });
  }
  // Returns when the consumer has released every entry pushed so far.
  void wait_until_drained() {
    publish();
    consumed_bell_.wait_until([this] { return read_.load(std::memory_order_acquire) == write_; });
  }
  // Makes the entries pushed so far visible; wakes a sleeping consumer when `wake` or when
  // kWakeBatch entries wait unannounced.
  void publish(bool wake = true) {
    if (published_ != write_) {
      published_ = write_;
      write_index_.store(write_, std::memory_order_release);
    }
    if (rung_ == published_ || (!wake && published_ - rung_ < kWakeBatch)) return;
    rung_ = published_;
    ready_bell_.ring();
  }

  // Consumer side ---------------------------------------------------------------------------
  // The entries published and not yet released; waits until there is at least one.
  std::span<const RingEntry> wait_for_entries() {
    std::uint64_t written = write_index_.load(std::memory_order_acquire);
    if (written == read_local_) {
      ready_bell_.wait_until([&] {
        written = write_index_.load(std::memory_order_acquire);
        return written != read_local_;
      });
    }
    // Up to the end of the array: a wrapped run is taken in two calls.
    const std::size_t start = read_local_ & mask_;
    const std::size_t n = std::min<std::uint64_t>(written - read_local_, mask_ + 1 - start);
    return {entries_.get() + start, n};
  }
  // The consumer is done with the first `n` entries of the last wait_for_entries() (and with
  // their bytes): the producer may reuse them.
  void release(std::size_t n) {
    if (n == 0) return;
    const RingEntry& last = entries_[(read_local_ + n - 1) & mask_];
    read_local_ += n;
    arena_read_.store(last.arena_end, std::memory_order_release);
    read_.store(read_local_, std::memory_order_release);
    consumed_bell_.ring();
  }

 private:
  ByteView copy_into_arena(ByteView bytes) {
    const std::size_t size = std::min(bytes.size(), arena_bytes_);
    std::size_t at = arena_write_ % arena_bytes_;
    // A packet never wraps: skip the tail of the arena when it does not fit there.
    std::uint64_t skip = at + size > arena_bytes_ ? arena_bytes_ - at : 0;
    const auto fits = [&] {
      return arena_write_ + skip + size - arena_read_cache_ <= arena_bytes_;
    };
    if (!fits()) {
      publish();
      consumed_bell_.wait_until([&] {
        arena_read_cache_ = arena_read_.load(std::memory_order_acquire);
        return fits();
      });
    }
    arena_write_ += skip;
    at = arena_write_ % arena_bytes_;
    std::byte* to = arena_.get() + at;
    std::copy_n(bytes.data(), size, to);
    arena_write_ += size;
    return {to, size};
  }

  std::unique_ptr<RingEntry[]> entries_;
  std::uint64_t mask_;
  std::unique_ptr<std::byte[]> arena_;
  std::size_t arena_bytes_;
  // Producer's own (one cache line apart from the consumer's).
  alignas(64) std::uint64_t write_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t rung_ = 0;  // published entries the consumer was told of
  std::uint64_t read_cache_ = 0;
  std::uint64_t arena_write_ = 0;
  std::uint64_t arena_read_cache_ = 0;
  // Consumer's own.
  alignas(64) std::uint64_t read_local_ = 0;
  // Shared.
  alignas(64) std::atomic<std::uint64_t> write_index_{0};
  alignas(64) std::atomic<std::uint64_t> read_{0};
  std::atomic<std::uint64_t> arena_read_{0};
  alignas(64) Doorbell ready_bell_;     // the producer rings: entries published
  alignas(64) Doorbell consumed_bell_;  // the consumer rings: entries released
};

}  // namespace dicomsentry
