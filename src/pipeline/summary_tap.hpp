// The end-of-run summary's taps on the record streams: associations by final state,
// transactions by command, anomalies and handshakes, bytes per address (top talkers) and
// alerts by signature. Each decorator counts, then passes the record on unchanged (like
// inventory_sink.hpp). Counting is per record, flow end or alert, never per packet.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "detect/alert_record.hpp"
#include "dicom/dicom_events.hpp"
#include "dicomsentry/optional_lock.hpp"
#include "flow/flow_table.hpp"
#include "output/text_summary.hpp"

namespace dicomsentry {

// The addresses with the most bytes, in bounded memory: the space-saving algorithm (Metwally,
// Agrawal, El Abbadi 2005). Up to `capacity` addresses are counted exactly. When the table is
// full, a new address takes over the entry with the fewest bytes and inherits its count, which
// it records as its possible overcount. So a reported count never understates an address: an
// address whose true total exceeds the smallest tracked count is always in the table, and
// the true total of each row lies in [bytes - overcount, bytes]. Dropping untracked addresses
// instead would be exact but could miss a heavy talker that first appeared after the table
// filled with scanners' one-packet flows.
// The table is a min-heap on bytes plus a hash map from address to entry; once full, taking
// over an entry moves its map node to the new key, so it allocates nothing.
class TopTalkers {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;

  explicit TopTalkers(std::size_t capacity = kDefaultCapacity);

  void add(const IpAddress& address, std::uint8_t ip_version, std::uint64_t bytes);

  // The `n` largest, largest first; ties by address bytes, then version (a stable order).
  std::vector<TalkerRow> top(std::size_t n) const;
  std::size_t tracked() const { return entries_.size(); }
  std::uint64_t replaced() const { return replaced_; }

 private:
  struct Key {
    IpAddress address;
    std::uint8_t ip_version = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  struct Entry {
    Key key;
    std::uint64_t bytes = 0;
    std::uint64_t overcount = 0;
  };

  bool less(std::uint32_t a, std::uint32_t b) const {  // by heap position
    return entries_[heap_[a]].bytes < entries_[heap_[b]].bytes;
  }
  void swap_positions(std::uint32_t a, std::uint32_t b);
  void sift_up(std::uint32_t position);
  void sift_down(std::uint32_t position);

  std::size_t capacity_;
  std::vector<Entry> entries_;           // stable: an entry keeps its index for ever
  std::vector<std::uint32_t> heap_;      // entry indexes, a min-heap on bytes
  std::vector<std::uint32_t> position_;  // entry index -> its place in heap_
  std::unordered_map<Key, std::uint32_t, KeyHash> index_;
  std::uint64_t replaced_ = 0;
};

// Everything the summary counts, fed by the three decorators below.
class SummaryTap {
 public:
  static constexpr std::size_t kDefaultMaxSignatures = 1024;

  explicit SummaryTap(std::size_t max_talkers = TopTalkers::kDefaultCapacity,
                      std::size_t max_signatures = kDefaultMaxSignatures);

  void on_association(const dicom::AssociationRecord& record);
  void on_transaction(const dicom::TransactionRecord& record);
  void on_anomaly() { ++tallies_.anomalies; }
  void on_tls() { ++tallies_.tls_handshakes; }
  // Both endpoints are credited with all the flow's bytes (once when they are one address).
  void on_flow_end(const Flow& flow);
  // Counted by (gid, signature_id); the signature text of the first alert is kept. Beyond
  // max_signatures distinct signatures, alerts are only summed (alerts_untracked).
  void on_alert(const detect::AlertRecord& alert);

  // A copy for the formatter, with the `top_talkers` largest addresses.
  SummaryTallies tallies(std::size_t top_talkers = kSummaryTopTalkers) const;

 private:
  std::size_t max_signatures_;
  SummaryTallies tallies_;  // counters only; talkers and alerts live below
  TopTalkers talkers_;
  std::unordered_map<std::uint64_t, AlertCountRow> alerts_;  // key: gid << 32 | sid
};

// Several workers share one tap through `mutex` (null with one worker): it is taken once per
// record, flow end or alert, never per packet.
class SummaryEventSink final : public dicom::EventSink {
 public:
  SummaryEventSink(SummaryTap& tap, dicom::EventSink& next, std::mutex* mutex = nullptr)
      : tap_(tap), next_(next), mutex_(mutex) {}

  void on_association(const dicom::AssociationRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      tap_.on_association(record);
    }
    next_.on_association(record);
  }
  void on_transaction(const dicom::TransactionRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      tap_.on_transaction(record);
    }
    next_.on_transaction(record);
  }
  void on_anomaly(const dicom::AnomalyRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      tap_.on_anomaly();
    }
    next_.on_anomaly(record);
  }
  void on_tls(const dicom::TlsRecord& record) override {
    {
      const auto lock = lock_if_shared(mutex_);
      tap_.on_tls();
    }
    next_.on_tls(record);
  }

 private:
  SummaryTap& tap_;
  dicom::EventSink& next_;
  std::mutex* mutex_;
};

class SummaryFlowEnd final : public FlowEndHandler {
 public:
  SummaryFlowEnd(SummaryTap& tap, FlowEndHandler& next, std::mutex* mutex = nullptr)
      : tap_(tap), next_(next), mutex_(mutex) {}

  void on_flow_end(Flow& flow) override {
    {
      const auto lock = lock_if_shared(mutex_);
      tap_.on_flow_end(flow);
    }
    next_.on_flow_end(flow);
  }

 private:
  SummaryTap& tap_;
  FlowEndHandler& next_;
  std::mutex* mutex_;
};

class SummaryAlertSink final : public detect::AlertSink {
 public:
  SummaryAlertSink(SummaryTap& tap, detect::AlertSink& next, std::mutex* mutex = nullptr)
      : tap_(tap), next_(next), mutex_(mutex) {}

  void on_alert(const detect::AlertRecord& alert) override {
    {
      const auto lock = lock_if_shared(mutex_);
      tap_.on_alert(alert);
    }
    next_.on_alert(alert);
  }

 private:
  SummaryTap& tap_;
  detect::AlertSink& next_;
  std::mutex* mutex_;
};

}  // namespace dicomsentry
