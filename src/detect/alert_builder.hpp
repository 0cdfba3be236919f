// Rule hits to alerts: pass rules, threshold/detection_filter, classtype and severity, then
// an AlertRecord to the AlertSink.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include "detect/alert_record.hpp"
#include "detect/rule_engine.hpp"
#include "detect/threshold.hpp"

namespace dicomsentry::detect {

struct AlertBuilderCounters {
  std::uint64_t hits = 0;                  // RuleHits received (pass rules included)
  std::uint64_t alerts = 0;                // AlertRecords passed on
  std::uint64_t suppressed_threshold = 0;  // hits threshold or detection_filter held back
  std::uint64_t suppressed_pass = 0;       // alert hits on a flow a pass rule matched
  std::uint64_t pass_matches = 0;          // hits of pass rules
  std::uint64_t pass_flows_untracked = 0;  // pass marks not kept: the flow set was full
};

// Threshold state the workers of one run share: `threshold` and `detection_filter` count hits
// across flows (by source, destination, rule), and flows of one source land on several workers.
// Hits that reach it are rare (only rules with these options), so one lock is cheap.
struct SharedThresholds {
  explicit SharedThresholds(std::size_t max_keys) : tracker(max_keys) {}
  std::mutex mutex;
  ThresholdTracker tracker;
};

struct AlertBuilderConfig {
  std::size_t threshold_keys = ThresholdTracker::kDefaultMaxKeys;
  std::size_t max_pass_flows = 65536;  // flows remembered as passed at one time
  SharedThresholds* shared_thresholds = nullptr;  // several workers: used instead of our own
};

// Usage: around one event (an association, a transaction, a handshake, a flow end) call
// begin_event(), let the matcher report its hits through on_hit, then flush(): the hits are
// buffered and decided together, pass rules first (Suricata's action order), so a pass rule
// silences the other rules of the same event whatever order the matcher reported them in.
// A hit outside begin_event()/flush() (a stream inspector reporting as data arrives) is
// decided at once: its record pointers are only valid during the call.
//
// Pass semantics (simplified from Suricata's): once a pass rule matched on a flow, no rule
// alerts on that flow for the rest of its life. The mark is a flow_id in a set that
// on_flow_end() clears, so the set holds only live flows; at max_pass_flows marks a new one
// is not kept (counted) and the pass covers only its own event. Policy alerts (gid 2) do not
// come through here and are never passed.
//
// Thresholds are applied to alert rules only, after the pass check, with the hit's packet
// time; track by_src/by_dst use the hit's direction (src is the client for kToServer).
class AlertBuilder final : public HitSink {
 public:
  // `rules` is RuleEngine::rules(): hits index into it. Both must outlive the builder.
  AlertBuilder(const std::vector<rules::Rule>& rules, AlertSink& alerts,
               const AlertBuilderConfig& config = {});

  void begin_event() { in_event_ = true; }
  void on_hit(const RuleHit& hit) override;
  void flush();
  void on_flow_end(const Flow& flow);

  const AlertBuilderCounters& counters() const { return counters_; }
  const ThresholdTracker& thresholds() const {
    return config_.shared_thresholds != nullptr ? config_.shared_thresholds->tracker : thresholds_;
  }

 private:
  void decide(const RuleHit& hit, bool event_passed);
  void mark_pass(const RuleHit& hit);
  bool passes_thresholds(const rules::Rule& rule, const RuleHit& hit);

  const std::vector<rules::Rule>& rules_;
  AlertSink& alerts_;
  AlertBuilderConfig config_;
  ThresholdTracker thresholds_;
  std::vector<RuleHit> pending_;  // this event's hits; capacity kept
  bool in_event_ = false;
  std::unordered_set<std::uint64_t> passed_flows_;
  AlertBuilderCounters counters_;
};

// The hit's addresses, src and dst oriented by its direction.
HitAddresses hit_addresses(const Flow& flow, Direction direction);

// The value `unique_on` names, as a 64-bit hash, for distinct counting; nullopt for kNone or
// when the hit does not carry it (an AE title on a hit without an association): such a hit
// counts as Suricata counts it, every time.
std::optional<std::uint64_t> distinct_value(rules::UniqueOn field, const RuleHit& hit);

}  // namespace dicomsentry::detect
