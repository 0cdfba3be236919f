// Size-classed block pool for held segments, stream extras and stashes.
#include "reassembly/segment_pool.hpp"

#include <algorithm>
#include <new>

namespace dicomsentry {

namespace {
constexpr std::size_t kAlign = alignof(std::max_align_t);
constexpr std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
constexpr std::size_t kExtraBlock = round_up(sizeof(StreamExtra));
}  // namespace

SegmentPool::SegmentPool(std::uint64_t memcap_bytes) : memcap_(memcap_bytes) {}

SegmentPool::~SegmentPool() = default;  // slabs own every pooled block

void SegmentPool::charge(std::uint64_t bytes) {
  in_use_ += bytes;
  high_water_ = std::max(high_water_, in_use_);
}

void* SegmentPool::take_block(std::size_t block_size, FreeBlock*& free_list) {
  if (free_list == nullptr) {
    auto slab = std::make_unique<std::byte[]>(block_size * kBlocksPerSlab);
    for (std::size_t i = 0; i < kBlocksPerSlab; ++i) {
      auto* block = new (slab.get() + i * block_size) FreeBlock{free_list};
      free_list = block;
    }
    slabs_.push_back(std::move(slab));
  }
  FreeBlock* block = free_list;
  free_list = block->next;
  return block;
}

HeldSegment* SegmentPool::allocate_segment(std::uint32_t length) {
  std::uint8_t size_class = kUnpooled;
  for (std::size_t i = 0; i < kClassPayload.size(); ++i) {
    if (length <= kClassPayload[i]) {
      size_class = static_cast<std::uint8_t>(i);
      break;
    }
  }
  const std::size_t payload = size_class == kUnpooled ? length : kClassPayload[size_class];
  const std::size_t block_size = round_up(sizeof(HeldSegment) + payload);
  if (in_use_ + block_size > memcap_) return nullptr;
  void* memory = size_class == kUnpooled
                     ? ::operator new(block_size)
                     : take_block(block_size, segment_free_[size_class]);
  charge(block_size);
  auto* segment = new (memory) HeldSegment{};
  segment->length = length;
  segment->size_class = size_class;
  return segment;
}

void SegmentPool::release_segment(HeldSegment* segment) {
  const std::uint8_t size_class = segment->size_class;
  const std::size_t payload = size_class == kUnpooled ? segment->length : kClassPayload[size_class];
  in_use_ -= round_up(sizeof(HeldSegment) + payload);
  segment->~HeldSegment();
  if (size_class == kUnpooled) {
    ::operator delete(segment);
    return;
  }
  segment_free_[size_class] = new (segment) FreeBlock{segment_free_[size_class]};
}

StreamExtra* SegmentPool::allocate_extra() {
  // Extras count against the cap like segments: one per stream with held data adds up.
  if (in_use_ + kExtraBlock > memcap_) return nullptr;
  charge(kExtraBlock);
  return new (take_block(kExtraBlock, extra_free_)) StreamExtra{};
}

void SegmentPool::release_extra(StreamExtra* extra) {
  for (HeldSegment* segment = extra->held; segment != nullptr;) {
    HeldSegment* next = segment->next;
    release_segment(segment);
    segment = next;
  }
  if (extra->stash != nullptr) free_stash(extra->stash, extra->stash_capacity);
  extra->~StreamExtra();
  in_use_ -= kExtraBlock;
  extra_free_ = new (extra) FreeBlock{extra_free_};
}

void SegmentPool::free_stash(std::byte* stash, std::uint32_t capacity) {
  in_use_ -= capacity;
  if (capacity == kSmallStash) {
    small_stash_free_ = new (stash) FreeBlock{small_stash_free_};
  } else {
    ::operator delete(stash);
  }
}

bool SegmentPool::reserve_stash(StreamExtra& extra, std::uint32_t capacity) {
  if (capacity <= extra.stash_capacity) return true;
  // Grow geometrically from a header-sized start so repeated small needs do not reallocate.
  const std::uint32_t grown =
      std::max<std::uint32_t>(capacity, std::max(kSmallStash, extra.stash_capacity * 2));
  if (in_use_ - extra.stash_capacity + grown > memcap_) return false;
  auto* bigger = grown == kSmallStash
                     ? static_cast<std::byte*>(take_block(kSmallStash, small_stash_free_))
                     : static_cast<std::byte*>(::operator new(grown));
  if (extra.stash_size > 0) std::copy_n(extra.stash, extra.stash_size, bigger);
  if (extra.stash != nullptr) free_stash(extra.stash, extra.stash_capacity);
  extra.stash = bigger;
  extra.stash_capacity = grown;
  charge(grown);
  return true;
}

}  // namespace dicomsentry
