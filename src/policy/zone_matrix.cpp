// Zone-to-zone counts, and the policy's view of each pair when the summary asks.
#include "policy/zone_matrix.hpp"

namespace dicomsentry::policy {

void ZoneMatrix::record(const PolicyVerdict& verdict) {
  Counts& counts = counts_[(std::uint32_t{verdict.client_zone} << 16) | verdict.server_zone];
  ++counts.seen;
  if (!verdict.allowed) ++counts.violations;
}

void ZoneMatrix::merge(const ZoneMatrix& other) {
  for (const auto& [key, counts] : other.counts_) {
    Counts& into = counts_[key];
    into.seen += counts.seen;
    into.violations += counts.violations;
  }
}

std::vector<ZoneMatrix::Cell> ZoneMatrix::cells(const PolicyChecker& checker) const {
  std::vector<Cell> out;
  out.reserve(counts_.size());
  for (const auto& [key, counts] : counts_) {
    Cell cell;
    cell.from = static_cast<ZoneId>(key >> 16);
    cell.to = static_cast<ZoneId>(key & 0xffff);
    cell.seen = counts.seen;
    cell.violations = counts.violations;
    cell.checked = checker.checked_pair(cell.from, cell.to);
    cell.allowed = !cell.checked || checker.covered_pair(cell.from, cell.to);
    out.push_back(cell);
  }
  return out;
}

}  // namespace dicomsentry::policy
