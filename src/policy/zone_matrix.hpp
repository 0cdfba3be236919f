// The zone-to-zone matrix for the end-of-run summary: what was seen between zones against
// what the policy allows.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "policy/policy_check.hpp"

namespace dicomsentry::policy {

class ZoneMatrix {
 public:
  struct Cell {
    ZoneId from = kNoZone;   // client zone
    ZoneId to = kNoZone;     // server zone
    std::uint64_t seen = 0;  // associations and flows recorded for the pair
    std::uint64_t violations = 0;
    bool checked = false;  // the pair is under the policy
    bool allowed = false;  // not checked, or some entry covers the pair
    friend bool operator==(const Cell&, const Cell&) = default;
  };

  // One call per checked association or flow (at its end, not per packet).
  void record(const PolicyVerdict& verdict);

  // Adds another matrix's counts (another worker's) to this one.
  void merge(const ZoneMatrix& other);

  // Every pair seen, ordered by (from, to) zone id; unzoned last.
  std::vector<Cell> cells(const PolicyChecker& checker) const;

 private:
  struct Counts {
    std::uint64_t seen = 0;
    std::uint64_t violations = 0;
  };
  std::map<std::uint32_t, Counts> counts_;  // key: from << 16 | to
};

}  // namespace dicomsentry::policy
