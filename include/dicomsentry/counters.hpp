// Adding one counter struct to another of the same type: how workers' counters are merged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace dicomsentry {

// For structs made only of std::uint64_t counters (every *Counters struct in the tree): adds
// each field of `from` to the same field of `into`. Gauges (flows active, bytes in use) add up
// too: the workers' sum is the process's. The static_asserts keep a struct with another kind
// of field from being summed by accident.
template <typename Counters>
void add_counters(Counters& into, const Counters& from) {
  static_assert(std::is_trivially_copyable_v<Counters>);
  static_assert(sizeof(Counters) % sizeof(std::uint64_t) == 0);
  static_assert(alignof(Counters) == alignof(std::uint64_t));
  constexpr std::size_t kFields = sizeof(Counters) / sizeof(std::uint64_t);
  std::uint64_t a[kFields];
  std::uint64_t b[kFields];
  std::memcpy(a, &into, sizeof(Counters));
  std::memcpy(b, &from, sizeof(Counters));
  for (std::size_t i = 0; i < kFields; ++i) a[i] += b[i];
  std::memcpy(&into, a, sizeof(Counters));
}

}  // namespace dicomsentry
