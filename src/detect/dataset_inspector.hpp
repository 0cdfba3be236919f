// Streams every C-STORE data set through the dicom.dataset Hyperscan database as its PDVs
// arrive (no copy, no buffering: a pattern split across segments and PDVs is still found)
// and evaluates the dataset rules when the data set ends. Sits in front of the object
// exporter, whose handles it carries.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "detect/rule_engine.hpp"
#include "dicom/dimse_tracker.hpp"

namespace dicomsentry::detect {

struct DatasetInspectorCounters {
  std::uint64_t data_sets = 0;       // C-STORE data sets scanned
  std::uint64_t bytes = 0;           // data set bytes scanned
  std::uint64_t stream_failures = 0; // streams Hyperscan could not open (the data set is not scanned)
  std::uint64_t streams_open = 0;    // gauge: streams held, scanning or kept for reuse
};

class DatasetInspector final : public dicom::ObjectSink {
 public:
  // `next` (may be null) gets every call after this one; the engine must have dataset rules.
  DatasetInspector(const RuleEngine& engine, RuleMatcher& matcher, HitSink& hits,
                   dicom::ObjectSink* next);
  ~DatasetInspector() override;
  DatasetInspector(const DatasetInspector&) = delete;
  DatasetInspector& operator=(const DatasetInspector&) = delete;

  void* begin(const dicom::TransactionRecord& request) override;
  void write(void* handle, ByteView bytes) override;
  bool finish(void* handle, bool complete, const dicom::TransactionRecord& request) override;

  const DatasetInspectorCounters& counters() const { return counters_; }
  // Bytes of Hyperscan stream state held now: streams open x hs_stream_size.
  std::uint64_t stream_bytes() const { return counters_.streams_open * stream_size_; }
  // Finished scans kept for reuse; the rest close their streams.
  static constexpr std::size_t kMaxFreeScans = 64;

 private:
  struct Scan;
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* context);
  void release(Scan* scan);

  const RuleEngine& engine_;
  RuleMatcher& matcher_;
  HitSink& hits_;
  dicom::ObjectSink* next_;
  const hs_database_t* db_ = nullptr;
  std::uint64_t stream_size_ = 0;  // hs_stream_size of db_
  std::vector<std::unique_ptr<Scan>> free_;  // finished scans, their streams reset for reuse
  std::vector<std::uint32_t> satisfied_;
  DatasetInspectorCounters counters_;
};

}  // namespace dicomsentry::detect
