// The metrics endpoint's taps on the record stream: each record is counted, then passed on
// unchanged (like inventory_sink.hpp). One worker writes the counters; another thread (the
// metrics server's) may read them at any time: every counter is a relaxed atomic with a single
// writer, and a named slot is published (release) only after its name is in place.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/alert_record.hpp"
#include "dicom/dicom_events.hpp"
#include "output/prometheus_text.hpp"

namespace dicomsentry {

// Counters under 64-bit keys first seen at run time (a gid/sid pair, a name's hash), each with
// the name it came with; at most `capacity` keys, the rest counted together. Slots are
// allocated up front; the writer's lookup map is never touched by readers.
class NamedCounters {
 public:
  explicit NamedCounters(std::size_t capacity);

  // Writer only. `name` is kept with a new key. With `check_name`, a key already held under
  // another name (a hash collision) is counted with the rest rather than under the wrong name.
  void add(std::uint64_t key, std::string_view name, bool check_name);

  struct Entry {
    std::uint64_t key = 0;
    std::string name;
    std::uint64_t count = 0;
  };
  // Any thread: the published keys in order of first appearance; `other` gets the rest.
  std::vector<Entry> read(std::uint64_t& other) const;

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::string name;
    std::atomic<std::uint64_t> count{0};
  };

  std::size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<std::size_t> used_{0};
  std::unordered_map<std::uint64_t, std::size_t> index_;  // writer only
  std::atomic<std::uint64_t> other_{0};
};

// Single writer: a plain increment the reader may see late, never torn.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

class MetricsEventSink final : public dicom::EventSink {
 public:
  static constexpr std::size_t kMaxAnomalyNames = 256;

  explicit MetricsEventSink(dicom::EventSink& next) : next_(next), anomalies_(kMaxAnomalyNames) {}

  void on_association(const dicom::AssociationRecord& record) override;
  void on_transaction(const dicom::TransactionRecord& record) override;
  void on_anomaly(const dicom::AnomalyRecord& record) override;
  void on_tls(const dicom::TlsRecord& record) override;

  // Any thread: the counts so far.
  RecordCounts read() const;

 private:
  dicom::EventSink& next_;
  std::array<std::atomic<std::uint64_t>, kAssociationStates> associations_{};
  std::array<std::array<std::atomic<std::uint64_t>, kStatusColumns>, dicom::kCommandKinds>
      transactions_{};
  NamedCounters anomalies_;
  std::atomic<std::uint64_t> tls_{0};
};

// Alerts by signature (gid, sid), rules and policy alike; wraps the AlertSink the AlertBuilder
// and the PolicySensor write to.
class MetricsAlertSink final : public detect::AlertSink {
 public:
  static constexpr std::size_t kMaxSignatures = 1024;

  explicit MetricsAlertSink(detect::AlertSink& next) : next_(next), alerts_(kMaxSignatures) {}

  void on_alert(const detect::AlertRecord& alert) override;

  // Any thread.
  AlertCounts read() const;

 private:
  detect::AlertSink& next_;
  NamedCounters alerts_;
};

}  // namespace dicomsentry
