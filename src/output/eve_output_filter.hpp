// Per-output event type selection: the `event_type` of an EVE line read without a JSON
// parser, a set of allowed types, and an output wrapper that passes only those lines on.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "output/eve_output.hpp"

namespace dicomsentry {

// The value of the line's "event_type" key, or "" when it has none. Every record begins
// {"timestamp":"...","event_type":"...", (begin_eve_record), so the first `"event_type":"` in
// the line is the key itself: nothing a packet controls comes before it.
std::string_view eve_event_type(std::string_view line);

// Allowed event types; empty allows every line (a line without a type included).
class EventTypeFilter {
 public:
  EventTypeFilter() = default;
  explicit EventTypeFilter(std::vector<std::string> types) : types_(std::move(types)) {}
  bool allows_all() const { return types_.empty(); }
  bool allows(std::string_view line) const;
  const std::vector<std::string>& types() const { return types_; }

 private:
  std::vector<std::string> types_;  // a handful: a linear search beats a hash
};

// Passes the selected lines of each chunk to `inner`, consecutive selected lines in one call.
// The stats are the inner output's, with `lines_filtered` added.
class FilteredOutput final : public EveOutput {
 public:
  FilteredOutput(EventTypeFilter filter, std::unique_ptr<EveOutput> inner);
  void write_lines(std::string_view lines) override;
  void reopen() override { inner_->reopen(); }
  void poll(std::int64_t now_ns) override { inner_->poll(now_ns); }
  void finish() override { inner_->finish(); }
  const EveOutputStats& stats() const override;
  std::string_view name() const override { return inner_->name(); }
  EveOutput& inner() { return *inner_; }

 private:
  EventTypeFilter filter_;
  std::unique_ptr<EveOutput> inner_;
  std::uint64_t filtered_ = 0;
  mutable EveOutputStats stats_;
};

}  // namespace dicomsentry
