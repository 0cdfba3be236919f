// Threshold and detection_filter decisions (semantics in the header), keys in an LRU table.
#include "detect/threshold.hpp"

#include <algorithm>
#include <cstring>

namespace dicomsentry::detect {
namespace {

constexpr TimestampNs kNsPerSecond = 1'000'000'000;

bool in_window(TimestampNs start, std::uint32_t seconds, TimestampNs ts) {
  if (seconds == 0) return true;
  return ts < start + static_cast<TimestampNs>(seconds) * kNsPerSecond;
}

}  // namespace

std::uint64_t ThresholdTracker::hash(const Key& key) {
  static_assert(sizeof(Key) == 40, "Key hashes as 40 plain bytes");
  std::uint64_t words[5];
  std::memcpy(words, &key, sizeof words);
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t w : words) {
    h ^= w;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

ThresholdTracker::ThresholdTracker(std::size_t max_keys)
    : max_keys_(std::max<std::size_t>(max_keys, 1)), index_(64, 0) {}

namespace {
std::uint32_t cell_tag(std::uint64_t cell) { return static_cast<std::uint32_t>(cell >> 32); }
std::uint32_t cell_slot(std::uint64_t cell) { return static_cast<std::uint32_t>(cell) - 1; }
}  // namespace

// The cell holding `key`, or index_.size() when it is not indexed.
std::size_t ThresholdTracker::find_cell(const Key& key, std::uint32_t tag) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = tag & mask;; i = (i + 1) & mask) {  // bounded: the table is half empty
    const std::uint64_t cell = index_[i];
    if (cell == 0) return index_.size();
    if (cell_tag(cell) == tag && entries_[cell_slot(cell)].key == key) return i;
  }
}

void ThresholdTracker::index_insert(std::uint32_t tag, std::uint32_t slot) {
  if ((counters_.tracked + 1) * 2 > index_.size()) index_grow();
  const std::size_t mask = index_.size() - 1;
  std::size_t i = tag & mask;
  while (index_[i] != 0) i = (i + 1) & mask;
  index_[i] = (std::uint64_t{tag} << 32) | (std::uint64_t{slot} + 1);
  ++counters_.tracked;
}

// Backward-shift deletion: each follower that may sit at the hole (its home is not in the
// run between the hole and itself) moves into it, so probes never stop early.
void ThresholdTracker::index_erase(std::size_t cell) {
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = cell;
  for (std::size_t j = (hole + 1) & mask; index_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = cell_tag(index_[j]) & mask;
    const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = 0;
  --counters_.tracked;
}

void ThresholdTracker::index_grow() {
  std::vector<std::uint64_t> old(index_.size() * 2, 0);
  old.swap(index_);
  const std::size_t mask = index_.size() - 1;
  for (const std::uint64_t cell : old) {
    if (cell == 0) continue;
    std::size_t i = cell_tag(cell) & mask;
    while (index_[i] != 0) i = (i + 1) & mask;
    index_[i] = cell;
  }
}

ThresholdTracker::Key ThresholdTracker::make_key(std::uint32_t rule_index, ThresholdKind kind,
                                                 rules::Track track,
                                                 const HitAddresses& addresses) {
  Key key;
  key.rule_index = rule_index;
  key.kind = static_cast<std::uint8_t>(kind);
  key.track = static_cast<std::uint8_t>(track);
  switch (track) {
    case rules::Track::kBySrc:
      key.a = addresses.src;
      key.ip_version = addresses.ip_version;
      break;
    case rules::Track::kByDst:
      key.a = addresses.dst;
      key.ip_version = addresses.ip_version;
      break;
    case rules::Track::kByBoth:
      key.a = addresses.src;
      key.b = addresses.dst;
      key.ip_version = addresses.ip_version;
      break;
    case rules::Track::kByRule:
      break;
  }
  return key;
}

void ThresholdTracker::unlink(std::uint32_t slot) {
  Entry& e = entries_[slot];
  if (e.prev != kNone)
    entries_[e.prev].next = e.next;
  else
    head_ = e.next;
  if (e.next != kNone)
    entries_[e.next].prev = e.prev;
  else
    tail_ = e.prev;
  e.prev = e.next = kNone;
}

void ThresholdTracker::push_front(std::uint32_t slot) {
  Entry& e = entries_[slot];
  e.prev = kNone;
  e.next = head_;
  if (head_ != kNone) entries_[head_].prev = slot;
  head_ = slot;
  if (tail_ == kNone) tail_ = slot;
}

// The key's slot, most recently used from now on; `fresh` when it was not tracked before.
std::uint32_t ThresholdTracker::acquire(const Key& key, bool* fresh) {
  const auto tag = static_cast<std::uint32_t>(hash(key) >> 32);
  if (const std::size_t cell = find_cell(key, tag); cell != index_.size()) {
    const std::uint32_t slot = cell_slot(index_[cell]);
    *fresh = false;
    if (head_ != slot) {
      unlink(slot);
      push_front(slot);
    }
    return slot;
  }
  *fresh = true;
  std::uint32_t slot;
  if (entries_.size() < max_keys_) {
    slot = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  } else {
    slot = tail_;  // the least recently used key makes room
    const Key& old = entries_[slot].key;
    index_erase(find_cell(old, static_cast<std::uint32_t>(hash(old) >> 32)));
    unlink(slot);
    ++counters_.evicted;
  }
  Entry& e = entries_[slot];
  e.key = key;
  push_front(slot);
  index_insert(tag, slot);
  return slot;
}

bool ThresholdTracker::allow(std::uint32_t rule_index, ThresholdKind kind,
                             const rules::Threshold& threshold, const HitAddresses& addresses,
                             TimestampNs ts, std::optional<std::uint64_t> distinct) {
  bool fresh = false;
  Entry& e = entries_[acquire(make_key(rule_index, kind, threshold.track, addresses), &fresh)];
  if (fresh || !in_window(e.window_start, threshold.seconds, ts)) {
    e.window_start = ts;
    e.count = 0;
    e.distinct.clear();
  }
  if (distinct) {
    if (std::find(e.distinct.begin(), e.distinct.end(), *distinct) != e.distinct.end()) {
      return false;  // a value already counted in this window
    }
    const std::size_t cap = std::min<std::size_t>(threshold.count, kMaxDistinctPerKey);
    if (e.distinct.size() < cap) e.distinct.push_back(*distinct);
  }
  ++e.count;
  const std::uint32_t n = threshold.count;
  if (kind == ThresholdKind::kDetectionFilter) return e.count > n;
  switch (threshold.type) {
    case rules::ThresholdType::kLimit:
      return e.count <= n;
    case rules::ThresholdType::kThreshold:
      if (e.count < n) return false;
      e.count = 0;
      e.distinct.clear();
      return true;
    case rules::ThresholdType::kBoth:
      return e.count == n;
  }
  return true;
}

}  // namespace dicomsentry::detect
