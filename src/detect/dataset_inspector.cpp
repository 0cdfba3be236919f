// C-STORE data sets through Hyperscan's stream mode (see the header).
#include "detect/dataset_inspector.hpp"

#include "detect/engine_tables.hpp"
#include "detect/rule_matcher_state.hpp"

namespace dicomsentry::detect {

struct DatasetInspector::Scan {
  hs_stream_t* stream = nullptr;
  void* next_handle = nullptr;
  const RuleEngine::Impl* impl = nullptr;
  std::vector<std::uint32_t> positives;       // positive expression ids matched, each once
  std::vector<std::uint32_t> negative_groups; // groups one of whose negatives matched
};

DatasetInspector::DatasetInspector(const RuleEngine& engine, RuleMatcher& matcher, HitSink& hits,
                                   dicom::ObjectSink* next)
    : engine_(engine), matcher_(matcher), hits_(hits), next_(next) {
  if (const BufferTable* t = engine_.impl().table(Scope::kDataset, rules::Buffer::kDicomDataset))
    db_ = t->hs.db;
  std::size_t size = 0;
  if (db_ != nullptr && hs_stream_size(db_, &size) == HS_SUCCESS) stream_size_ = size;
}

DatasetInspector::~DatasetInspector() {
  for (auto& scan : free_) hs_close_stream(scan->stream, nullptr, nullptr, nullptr);
}

int DatasetInspector::on_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                               void* context) {
  auto& scan = *static_cast<Scan*>(context);
  const ExpressionInfo& e = scan.impl->expressions[id];
  if (e.negated) {
    scan.negative_groups.push_back(e.group);
  } else {
    scan.positives.push_back(id);  // single-match expressions report once per stream
  }
  return 0;
}

void* DatasetInspector::begin(const dicom::TransactionRecord& request) {
  std::unique_ptr<Scan> scan;
  if (!free_.empty()) {
    scan = std::move(free_.back());
    free_.pop_back();
  } else {
    scan = std::make_unique<Scan>();
    scan->impl = &engine_.impl();
    if (db_ != nullptr && hs_open_stream(db_, 0, &scan->stream) != HS_SUCCESS) {
      scan->stream = nullptr;
      ++counters_.stream_failures;
    }
    if (scan->stream != nullptr) ++counters_.streams_open;
  }
  scan->next_handle = next_ != nullptr ? next_->begin(request) : nullptr;
  ++counters_.data_sets;
  return scan.release();
}

void DatasetInspector::write(void* handle, ByteView bytes) {
  auto* scan = static_cast<Scan*>(handle);
  counters_.bytes += bytes.size();
  if (scan->stream != nullptr && !bytes.empty()) {
    hs_scan_stream(scan->stream, reinterpret_cast<const char*>(bytes.data()),
                   static_cast<unsigned>(bytes.size()), 0, matcher_.state().scratch, &on_match, scan);
  }
  if (scan->next_handle != nullptr) next_->write(scan->next_handle, bytes);
}

bool DatasetInspector::finish(void* handle, bool complete, const dicom::TransactionRecord& request) {
  auto* scan = static_cast<Scan*>(handle);
  // Reset reports the matches that needed the end of data (`$`), then readies the stream.
  if (scan->stream != nullptr)
    hs_reset_stream(scan->stream, 0, matcher_.state().scratch, &on_match, scan);
  const RuleEngine::Impl& impl = engine_.impl();
  satisfied_.clear();
  auto negative_hit = [&](std::uint32_t g) {
    for (const std::uint32_t n : scan->negative_groups)
      if (n == g) return true;
    return false;
  };
  // Count positives per group; the lists are short (one entry per matched expression).
  for (const std::uint32_t id : scan->positives) {
    const std::uint32_t g = impl.expressions[id].group;
    std::uint32_t matched = 0;
    for (const std::uint32_t other : scan->positives) matched += impl.expressions[other].group == g;
    bool listed = false;
    for (const std::uint32_t s : satisfied_) listed |= s == g;
    if (!listed && matched == impl.groups[g].positives && !negative_hit(g)) satisfied_.push_back(g);
  }
  if (const BufferTable* t = impl.table(Scope::kDataset, rules::Buffer::kDicomDataset)) {
    for (const std::uint32_t g : t->unpatterned_groups)
      if (!negative_hit(g)) satisfied_.push_back(g);
  }
  if (!satisfied_.empty()) matcher_.match_dataset(request, satisfied_, hits_);
  bool exported = false;
  if (scan->next_handle != nullptr) exported = next_->finish(scan->next_handle, complete, request);
  release(scan);
  return exported;
}

void DatasetInspector::release(Scan* scan) {
  scan->positives.clear();
  scan->negative_groups.clear();
  scan->next_handle = nullptr;
  if (free_.size() < kMaxFreeScans) {
    free_.emplace_back(scan);
    return;
  }
  // More data sets were open at once than are worth keeping streams for.
  const std::unique_ptr<Scan> owned(scan);
  if (owned->stream != nullptr) {
    hs_close_stream(owned->stream, nullptr, nullptr, nullptr);
    --counters_.streams_open;
  }
}

}  // namespace dicomsentry::detect
