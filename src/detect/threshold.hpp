// Rule thresholds: whether a hit of a rule with `threshold` or `detection_filter` alerts, with
// Suricata's semantics, over packet time, in bounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "decode/decoded_packet.hpp"
#include "dicomsentry/packet.hpp"
#include "rules/rule.hpp"

namespace dicomsentry::detect {

// Which of a rule's two options a decision is for: they keep separate state.
enum class ThresholdKind : std::uint8_t { kThreshold, kDetectionFilter };

// The addresses of the hit, oriented by its direction (src is the client for kToServer).
struct HitAddresses {
  IpAddress src;
  IpAddress dst;
  std::uint8_t ip_version = 4;
};

struct ThresholdCounters {
  std::uint64_t tracked = 0;  // keys held now
  std::uint64_t evicted = 0;  // keys dropped, least recently used first, at the key limit
};

// Semantics, per tracked key (the rule, the option, and the address(es) `track` names:
// by_src the source, by_dst the destination, by_both the (source, destination) pair in that
// order, by_rule none). A key's window opens at its first hit and lasts `seconds` of packet
// time (a hit at exactly start + seconds is in the next window); a hit after the window opens
// a new one with a count of 0. Then the hit is counted and:
//   limit             alerts while count <= N: the first N hits of each window
//   threshold         alerts when count reaches N, and the count restarts at 0: every Nth
//   both              alerts when count == N: once per window, at the Nth hit
//   detection_filter  alerts while count > N: every hit after the Nth in the window
// `seconds` 0 is a window that never closes.
//
// Distinct counting (`unique_on`): a hit carrying `distinct` (a hash of the value) counts only
// when the value was not seen before in the key's current window; a repeated value neither
// counts nor alerts. At most min(N, kMaxDistinctPerKey) hashes are kept per key: past that,
// every value is taken as new (so a detection_filter may alert again on a value it saw after
// its Nth).
//
// Memory: at most `max_keys` keys; a new key at the limit evicts the least recently used one
// (counted), which then starts over if it comes back.
class ThresholdTracker {
 public:
  static constexpr std::size_t kDefaultMaxKeys = 65536;
  static constexpr std::size_t kMaxDistinctPerKey = 1024;

  explicit ThresholdTracker(std::size_t max_keys = kDefaultMaxKeys);

  bool allow(std::uint32_t rule_index, ThresholdKind kind, const rules::Threshold& threshold,
             const HitAddresses& addresses, TimestampNs ts,
             std::optional<std::uint64_t> distinct = std::nullopt);

  const ThresholdCounters& counters() const { return counters_; }
  std::size_t max_keys() const { return max_keys_; }

 private:
  struct Key {
    IpAddress a;
    IpAddress b;
    std::uint32_t rule_index = 0;
    std::uint8_t kind = 0;
    std::uint8_t track = 0;
    std::uint8_t ip_version = 0;
    std::uint8_t zero = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  static std::uint64_t hash(const Key& key);
  struct Entry {
    Key key;
    TimestampNs window_start = 0;
    std::uint32_t count = 0;
    std::vector<std::uint64_t> distinct;  // capacity kept when the slot is reused
    std::uint32_t prev = kNone;           // LRU list, most recent at head_
    std::uint32_t next = kNone;
  };
  static constexpr std::uint32_t kNone = 0xffffffffu;

  static Key make_key(std::uint32_t rule_index, ThresholdKind kind, rules::Track track,
                      const HitAddresses& addresses);
  std::uint32_t acquire(const Key& key, bool* fresh);
  void unlink(std::uint32_t slot);
  void push_front(std::uint32_t slot);
  // The index: open addressing with linear probing over cells of (hash tag << 32 | slot + 1),
  // 0 empty; a cell's home is its tag masked, so deletion shifts followers back. At most half
  // full. std::unordered_map cost a division and a node per lookup, for every alert candidate.
  std::size_t find_cell(const Key& key, std::uint32_t tag) const;
  void index_insert(std::uint32_t tag, std::uint32_t slot);
  void index_erase(std::size_t cell);
  void index_grow();

  std::size_t max_keys_;
  std::vector<Entry> entries_;
  std::vector<std::uint64_t> index_;
  std::uint32_t head_ = kNone;
  std::uint32_t tail_ = kNone;
  ThresholdCounters counters_;
};

}  // namespace dicomsentry::detect
