// Counting taps: the writer bumps relaxed atomics; a new name is written into a preallocated
// slot, then published by the release store of the slot count.
#include "pipeline/metrics_tap.hpp"

#include "dicom/dimse_names.hpp"

namespace dicomsentry {

namespace {

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

NamedCounters::NamedCounters(std::size_t capacity)
    : capacity_(capacity), slots_(std::make_unique<Slot[]>(capacity)) {
  index_.reserve(capacity);
}

void NamedCounters::add(std::uint64_t key, std::string_view name, bool check_name) {
  if (const auto it = index_.find(key); it != index_.end()) {
    Slot& slot = slots_[it->second];
    if (check_name && slot.name != name) {
      bump(other_);
    } else {
      bump(slot.count);
    }
    return;
  }
  const std::size_t used = used_.load(std::memory_order_relaxed);
  if (used == capacity_) {
    bump(other_);
    return;
  }
  Slot& slot = slots_[used];
  slot.key = key;
  slot.name.assign(name);
  slot.count.store(1, std::memory_order_relaxed);
  index_.emplace(key, used);
  used_.store(used + 1, std::memory_order_release);
}

std::vector<NamedCounters::Entry> NamedCounters::read(std::uint64_t& other) const {
  const std::size_t used = used_.load(std::memory_order_acquire);
  std::vector<Entry> entries;
  entries.reserve(used);
  for (std::size_t i = 0; i < used; ++i) {
    const Slot& slot = slots_[i];
    entries.push_back({slot.key, slot.name, slot.count.load(std::memory_order_relaxed)});
  }
  other = other_.load(std::memory_order_relaxed);
  return entries;
}

void MetricsEventSink::on_association(const dicom::AssociationRecord& record) {
  const auto state = static_cast<std::size_t>(record.state);
  if (state < kAssociationStates) bump(associations_[state]);
  next_.on_association(record);
}

void MetricsEventSink::on_transaction(const dicom::TransactionRecord& record) {
  const auto command = static_cast<std::size_t>(dicom::command_kind(record.command));
  const std::size_t column =
      record.has_response
          ? static_cast<std::size_t>(dicom::status_category(record.status))
          : kNoResponseColumn;
  if (command < dicom::kCommandKinds && column < kStatusColumns) {
    bump(transactions_[command][column]);
  }
  next_.on_transaction(record);
}

void MetricsEventSink::on_anomaly(const dicom::AnomalyRecord& record) {
  anomalies_.add(fnv1a(record.name), record.name, true);
  next_.on_anomaly(record);
}

void MetricsEventSink::on_tls(const dicom::TlsRecord& record) {
  bump(tls_);
  next_.on_tls(record);
}

RecordCounts MetricsEventSink::read() const {
  RecordCounts counts;
  for (std::size_t i = 0; i < kAssociationStates; ++i) {
    counts.associations_by_state[i] = associations_[i].load(std::memory_order_relaxed);
  }
  for (std::size_t c = 0; c < dicom::kCommandKinds; ++c) {
    for (std::size_t k = 0; k < kStatusColumns; ++k) {
      counts.transactions[c][k] = transactions_[c][k].load(std::memory_order_relaxed);
    }
  }
  for (NamedCounters::Entry& e : anomalies_.read(counts.anomalies_other)) {
    counts.anomalies.push_back({std::move(e.name), e.count});
  }
  counts.tls_handshakes = tls_.load(std::memory_order_relaxed);
  return counts;
}

void MetricsAlertSink::on_alert(const detect::AlertRecord& alert) {
  const std::uint64_t key = (std::uint64_t{alert.gid} << 32) | alert.signature_id;
  alerts_.add(key, alert.signature, false);
  next_.on_alert(alert);
}

AlertCounts MetricsAlertSink::read() const {
  AlertCounts counts;
  for (NamedCounters::Entry& e : alerts_.read(counts.other)) {
    counts.by_signature.push_back({static_cast<std::uint32_t>(e.key >> 32),
                                   static_cast<std::uint32_t>(e.key), std::move(e.name),
                                   e.count});
  }
  return counts;
}

}  // namespace dicomsentry
