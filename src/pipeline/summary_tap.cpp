// SummaryTap: counters, the space-saving top-talker table and the bounded alert table.
#include "pipeline/summary_tap.hpp"

#include <algorithm>
#include <cstring>

namespace dicomsentry {

std::size_t TopTalkers::KeyHash::operator()(const Key& key) const {
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, key.address.bytes.data(), 8);
  std::memcpy(&b, key.address.bytes.data() + 8, 8);
  std::uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ key.ip_version) * 0xff51afd7ed558ccdull;
  h ^= h >> 32;
  return static_cast<std::size_t>(h);
}

TopTalkers::TopTalkers(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {
  entries_.reserve(capacity_);
  heap_.reserve(capacity_);
  position_.reserve(capacity_);
  index_.reserve(capacity_);
}

void TopTalkers::swap_positions(std::uint32_t a, std::uint32_t b) {
  std::swap(heap_[a], heap_[b]);
  position_[heap_[a]] = a;
  position_[heap_[b]] = b;
}

void TopTalkers::sift_up(std::uint32_t position) {
  while (position > 0) {
    const std::uint32_t parent = (position - 1) / 2;
    if (!less(position, parent)) return;
    swap_positions(position, parent);
    position = parent;
  }
}

void TopTalkers::sift_down(std::uint32_t position) {
  const auto size = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    const std::uint32_t left = 2 * position + 1;
    if (left >= size) return;
    std::uint32_t smallest = left;
    if (left + 1 < size && less(left + 1, left)) smallest = left + 1;
    if (!less(smallest, position)) return;
    swap_positions(position, smallest);
    position = smallest;
  }
}

void TopTalkers::add(const IpAddress& address, std::uint8_t ip_version, std::uint64_t bytes) {
  const Key key{address, ip_version};
  if (auto it = index_.find(key); it != index_.end()) {
    entries_[it->second].bytes += bytes;
    sift_down(position_[it->second]);
    return;
  }
  if (entries_.size() < capacity_) {
    const auto entry = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back({key, bytes, 0});
    heap_.push_back(entry);
    position_.push_back(static_cast<std::uint32_t>(heap_.size() - 1));
    index_.emplace(key, entry);
    sift_up(position_[entry]);
    return;
  }
  // Full: the smallest entry becomes this address, keeping its count as the overcount.
  const std::uint32_t entry = heap_[0];
  Entry& victim = entries_[entry];
  auto node = index_.extract(victim.key);
  node.key() = key;
  index_.insert(std::move(node));
  victim.key = key;
  victim.overcount = victim.bytes;
  victim.bytes += bytes;
  ++replaced_;
  sift_down(0);
}

std::vector<TalkerRow> TopTalkers::top(std::size_t n) const {
  std::vector<const Entry*> order;
  order.reserve(entries_.size());
  for (const Entry& e : entries_) order.push_back(&e);
  const auto larger = [](const Entry* a, const Entry* b) {
    if (a->bytes != b->bytes) return a->bytes > b->bytes;
    if (a->key.address.bytes != b->key.address.bytes)
      return a->key.address.bytes < b->key.address.bytes;
    return a->key.ip_version < b->key.ip_version;
  };
  const std::size_t count = std::min(n, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count),
                    order.end(), larger);
  std::vector<TalkerRow> rows;
  rows.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Entry& e = *order[i];
    rows.push_back({e.key.address, e.key.ip_version, e.bytes, e.overcount});
  }
  return rows;
}

SummaryTap::SummaryTap(std::size_t max_talkers, std::size_t max_signatures)
    : max_signatures_(max_signatures), talkers_(max_talkers) {}

void SummaryTap::on_association(const dicom::AssociationRecord& record) {
  const auto state = static_cast<std::size_t>(record.state);
  if (state < tallies_.associations_by_state.size()) ++tallies_.associations_by_state[state];
}

void SummaryTap::on_transaction(const dicom::TransactionRecord& record) {
  ++tallies_.transactions_by_command[static_cast<std::size_t>(dicom::command_kind(record.command))];
}

void SummaryTap::on_flow_end(const Flow& flow) {
  const std::uint64_t bytes = flow.bytes[0] + flow.bytes[1];
  ++tallies_.flows;
  tallies_.flow_bytes += bytes;
  talkers_.add(flow.key.lo_ip, flow.key.ip_version, bytes);
  if (!(flow.key.hi_ip == flow.key.lo_ip)) talkers_.add(flow.key.hi_ip, flow.key.ip_version, bytes);
}

void SummaryTap::on_alert(const detect::AlertRecord& alert) {
  const std::uint64_t key = static_cast<std::uint64_t>(alert.gid) << 32 | alert.signature_id;
  if (auto it = alerts_.find(key); it != alerts_.end()) {
    ++it->second.count;
    return;
  }
  if (alerts_.size() >= max_signatures_) {
    ++tallies_.alerts_untracked;
    return;
  }
  alerts_.emplace(key, AlertCountRow{alert.gid, alert.signature_id, std::string(alert.signature), 1});
}

SummaryTallies SummaryTap::tallies(std::size_t top_talkers) const {
  SummaryTallies out = tallies_;
  out.top_talkers = talkers_.top(top_talkers);
  out.talkers_tracked = talkers_.tracked();
  out.talkers_replaced = talkers_.replaced();
  out.alerts.reserve(alerts_.size());
  for (const auto& [key, row] : alerts_) out.alerts.push_back(row);
  // As the summary lists them (by count, then sid, then gid), so the copy does not depend
  // on the hash map's order.
  std::sort(out.alerts.begin(), out.alerts.end(), [](const AlertCountRow& a, const AlertCountRow& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.signature_id != b.signature_id) return a.signature_id < b.signature_id;
    return a.gid < b.gid;
  });
  return out;
}

}  // namespace dicomsentry
