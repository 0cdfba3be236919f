// Memory for out-of-order segments and contiguity stashes: size-classed free lists over slabs,
// with a global cap. Nothing here runs on the in-order path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "flow/flow.hpp"

namespace dicomsentry {

// A copied out-of-order segment; its bytes follow the header in the same block.
struct HeldSegment {
  HeldSegment* next = nullptr;
  std::uint32_t seq = 0;
  std::uint32_t length = 0;
  std::uint8_t size_class = 0;

  std::byte* data() { return reinterpret_cast<std::byte*>(this + 1); }
  const std::byte* data() const { return reinterpret_cast<const std::byte*>(this + 1); }
};

// Per-direction state that only streams with held segments or a stash need.
struct StreamExtra {
  HeldSegment* held = nullptr;  // sorted by sequence number, never overlapping each other
  std::uint32_t held_bytes = 0;
  std::uint32_t held_count = 0;
  std::byte* stash = nullptr;   // bytes the consumer asked to see contiguously
  std::uint32_t stash_size = 0;
  std::uint32_t stash_capacity = 0;
  std::uint32_t need = 0;       // contiguous bytes wanted before the next delivery
};

class SegmentPool {
 public:
  explicit SegmentPool(std::uint64_t memcap_bytes);
  ~SegmentPool();
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;

  // A block for `length` payload bytes, or nullptr when the memcap would be exceeded.
  HeldSegment* allocate_segment(std::uint32_t length);
  void release_segment(HeldSegment* segment);

  // A zeroed StreamExtra, or nullptr when the memcap would be exceeded.
  StreamExtra* allocate_extra();
  void release_extra(StreamExtra* extra);  // releases its segments and stash too

  // Grows `extra`'s stash to at least `capacity` bytes; false when the memcap forbids it.
  bool reserve_stash(StreamExtra& extra, std::uint32_t capacity);

  std::uint64_t bytes_in_use() const { return in_use_; }
  std::uint64_t high_water() const { return high_water_; }
  std::uint64_t memcap() const { return memcap_; }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  // Payload capacities of the pooled classes; larger segments get their own allocation.
  static constexpr std::array<std::uint32_t, 3> kClassPayload = {512, 2048, 16384};
  static constexpr std::uint8_t kUnpooled = 0xff;
  static constexpr std::size_t kBlocksPerSlab = 32;

  void* take_block(std::size_t block_size, FreeBlock*& free_list);
  void free_stash(std::byte* stash, std::uint32_t capacity);
  // The stash size most needs fit: a PDU or PDV header, a TLS record header. Pooled, so a
  // header split across segments costs no heap allocation.
  static constexpr std::uint32_t kSmallStash = 64;
  void charge(std::uint64_t bytes);

  std::uint64_t memcap_;
  std::uint64_t in_use_ = 0;
  std::uint64_t high_water_ = 0;
  std::array<FreeBlock*, kClassPayload.size()> segment_free_{};
  FreeBlock* extra_free_ = nullptr;
  FreeBlock* small_stash_free_ = nullptr;  // kSmallStash-byte stashes (headers split by a segment)
  std::vector<std::unique_ptr<std::byte[]>> slabs_;
};

}  // namespace dicomsentry
