// ThresholdTracker: each type with exact alert sequences over packet time, window roll-over,
// the track kinds, distinct counting and LRU eviction.
#include "detect/threshold.hpp"

#include <gtest/gtest.h>

#include <list>
#include <map>
#include <random>
#include <vector>

namespace dicomsentry::detect {
namespace {

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;
constexpr TimestampNs kSecond = 1'000'000'000;

IpAddress ip(std::uint8_t last) {
  IpAddress a;
  a.bytes = {10, 0, 0, last};
  return a;
}

HitAddresses from_to(std::uint8_t src, std::uint8_t dst) {
  HitAddresses h;
  h.src = ip(src);
  h.dst = ip(dst);
  return h;
}

rules::Threshold make(rules::ThresholdType type, std::uint32_t count, std::uint32_t seconds,
                      rules::Track track = rules::Track::kBySrc) {
  rules::Threshold t;
  t.type = type;
  t.track = track;
  t.count = count;
  t.seconds = seconds;
  return t;
}

// Decisions for hits of rule 0 from 10.0.0.1 to 10.0.0.2 at the given seconds after kT0.
std::vector<bool> run(ThresholdTracker& tracker, ThresholdKind kind, const rules::Threshold& t,
                      const std::vector<TimestampNs>& seconds) {
  std::vector<bool> out;
  for (TimestampNs s : seconds) {
    out.push_back(tracker.allow(0, kind, t, from_to(1, 2), kT0 + s * kSecond));
  }
  return out;
}

using B = std::vector<bool>;

TEST(Threshold, LimitAlertsOnTheFirstNOfEachWindow) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kLimit, 2, 60);
  // The window opens at 0; 60 is the first instant of the next one.
  EXPECT_EQ(run(tracker, ThresholdKind::kThreshold, t, {0, 1, 2, 59, 60, 61, 62, 119, 120}),
            (B{true, true, false, false, true, true, false, false, true}));
}

TEST(Threshold, ThresholdAlertsOnEveryNthAndRestartsTheCount) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kThreshold, 3, 60);
  EXPECT_EQ(run(tracker, ThresholdKind::kThreshold, t, {0, 1, 2, 3, 4, 5, 6}),
            (B{false, false, true, false, false, true, false}));
  // Hit 6 left a count of 1; the window that opened at 0 closes at 60, so the count restarts.
  EXPECT_EQ(run(tracker, ThresholdKind::kThreshold, t, {100, 101, 102}), (B{false, false, true}));
}

TEST(Threshold, ThresholdCountIsLostWhenTheWindowCloses) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kThreshold, 3, 60);
  EXPECT_EQ(run(tracker, ThresholdKind::kThreshold, t, {0, 10, 70, 71, 72}),
            (B{false, false, false, false, true}));
}

TEST(Threshold, BothAlertsOncePerWindowAtTheNth) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kBoth, 3, 60);
  EXPECT_EQ(run(tracker, ThresholdKind::kThreshold, t, {0, 1, 2, 3, 4, 59, 60, 61, 62, 63}),
            (B{false, false, true, false, false, false, false, false, true, false}));
}

TEST(Threshold, DetectionFilterAlertsOnEveryHitAfterTheNth) {
  ThresholdTracker tracker;
  rules::Threshold t = make(rules::ThresholdType::kThreshold, 2, 60);  // type is ignored
  EXPECT_EQ(run(tracker, ThresholdKind::kDetectionFilter, t, {0, 1, 2, 3, 59, 60, 61, 62}),
            (B{false, false, true, true, true, false, false, true}));
}

TEST(Threshold, SecondsZeroIsAWindowThatNeverCloses) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kLimit, 1, 0);
  EXPECT_EQ(run(tracker, ThresholdKind::kThreshold, t, {0, 1000, 100000}), (B{true, false, false}));
}

TEST(Threshold, ThresholdAndDetectionFilterOfOneRuleKeepSeparateCounts) {
  ThresholdTracker tracker;
  const auto limit = make(rules::ThresholdType::kLimit, 1, 60);
  EXPECT_TRUE(tracker.allow(0, ThresholdKind::kThreshold, limit, from_to(1, 2), kT0));
  EXPECT_FALSE(tracker.allow(0, ThresholdKind::kDetectionFilter, limit, from_to(1, 2), kT0));
  EXPECT_TRUE(tracker.allow(0, ThresholdKind::kDetectionFilter, limit, from_to(1, 2), kT0));
  EXPECT_FALSE(tracker.allow(0, ThresholdKind::kThreshold, limit, from_to(1, 2), kT0));
  // Another rule with the same option and addresses is another key.
  EXPECT_TRUE(tracker.allow(1, ThresholdKind::kThreshold, limit, from_to(1, 2), kT0));
  EXPECT_EQ(tracker.counters().tracked, 3u);
}

// limit 1 per key: an alert says the hit opened a key.
std::vector<bool> opened(rules::Track track, const std::vector<HitAddresses>& hits) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kLimit, 1, 60, track);
  std::vector<bool> out;
  for (const HitAddresses& h : hits) {
    out.push_back(tracker.allow(7, ThresholdKind::kThreshold, t, h, kT0));
  }
  return out;
}

TEST(Threshold, TrackKinds) {
  // 1->2, 1->3, 4->2, 1->2, 2->1
  const std::vector<HitAddresses> hits = {from_to(1, 2), from_to(1, 3), from_to(4, 2),
                                          from_to(1, 2), from_to(2, 1)};
  EXPECT_EQ(opened(rules::Track::kBySrc, hits), (B{true, false, true, false, true}));
  EXPECT_EQ(opened(rules::Track::kByDst, hits), (B{true, true, false, false, true}));
  EXPECT_EQ(opened(rules::Track::kByRule, hits), (B{true, false, false, false, false}));
  // by_both: the ordered pair, so 2->1 is not 1->2.
  EXPECT_EQ(opened(rules::Track::kByBoth, hits), (B{true, true, true, false, true}));
}

TEST(Threshold, IpVersionIsPartOfTheKey) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kLimit, 1, 60);
  HitAddresses v4 = from_to(1, 2);
  HitAddresses v6 = v4;
  v6.ip_version = 6;
  EXPECT_TRUE(tracker.allow(0, ThresholdKind::kThreshold, t, v4, kT0));
  EXPECT_TRUE(tracker.allow(0, ThresholdKind::kThreshold, t, v6, kT0));
  EXPECT_FALSE(tracker.allow(0, ThresholdKind::kThreshold, t, v6, kT0));
}

// Decisions for hits at the given seconds each carrying a distinct-value hash.
std::vector<bool> run_distinct(ThresholdTracker& tracker, ThresholdKind kind,
                               const rules::Threshold& t,
                               const std::vector<std::pair<TimestampNs, std::uint64_t>>& hits) {
  std::vector<bool> out;
  for (const auto& [s, value] : hits) {
    out.push_back(tracker.allow(0, kind, t, from_to(1, 2), kT0 + s * kSecond, value));
  }
  return out;
}

TEST(Threshold, DistinctValuesCountOncePerWindow) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kBoth, 3, 60);
  // a a b b c c d | new window: a b c
  EXPECT_EQ(run_distinct(tracker, ThresholdKind::kThreshold, t,
                         {{0, 0xa},
                          {1, 0xa},
                          {2, 0xb},
                          {3, 0xb},
                          {4, 0xc},
                          {5, 0xc},
                          {6, 0xd},
                          {60, 0xa},
                          {61, 0xb},
                          {62, 0xc}}),
            (B{false, false, false, false, true, false, false, false, false, true}));
}

TEST(Threshold, DistinctThresholdForgetsTheValuesWhenItAlerts) {
  ThresholdTracker tracker;
  const auto t = make(rules::ThresholdType::kThreshold, 2, 60);
  EXPECT_EQ(run_distinct(tracker, ThresholdKind::kThreshold, t,
                         {{0, 1}, {1, 1}, {2, 2}, {3, 1}, {4, 1}, {5, 2}}),
            (B{false, false, true, false, false, true}));
}

TEST(Threshold, DistinctDetectionFilterKeepsAtMostCountValues) {
  ThresholdTracker tracker;
  rules::Threshold t = make(rules::ThresholdType::kThreshold, 2, 60);
  // 1 1 2 2 3 3: the third value alerts; only two hashes are kept, so its repeat counts too.
  EXPECT_EQ(run_distinct(tracker, ThresholdKind::kDetectionFilter, t,
                         {{0, 1}, {1, 1}, {2, 2}, {3, 2}, {4, 3}, {5, 3}, {6, 1}}),
            (B{false, false, false, false, true, true, false}));
}

TEST(Threshold, LeastRecentlyUsedKeyIsEvicted) {
  ThresholdTracker tracker(2);
  const auto t = make(rules::ThresholdType::kLimit, 1, 60);
  auto hit = [&](std::uint8_t src) {
    return tracker.allow(0, ThresholdKind::kThreshold, t, from_to(src, 9), kT0);
  };
  EXPECT_TRUE(hit(1));
  EXPECT_TRUE(hit(2));
  EXPECT_FALSE(hit(1));  // 1 is now the most recent
  EXPECT_TRUE(hit(3));   // evicts 2
  EXPECT_EQ(tracker.counters().evicted, 1u);
  EXPECT_FALSE(hit(1));  // still tracked
  EXPECT_TRUE(hit(2));   // starts over; evicts 3
  EXPECT_EQ(tracker.counters().evicted, 2u);
  EXPECT_EQ(tracker.counters().tracked, 2u);
  EXPECT_TRUE(hit(3));  // evicts 1
  EXPECT_EQ(tracker.counters().evicted, 3u);
  EXPECT_EQ(tracker.max_keys(), 2u);
}

TEST(Threshold, ManyKeysStayBounded) {
  ThresholdTracker tracker(100);
  const auto t = make(rules::ThresholdType::kLimit, 1, 60);
  int alerts = 0;
  for (int i = 0; i < 1000; ++i) {
    HitAddresses h = from_to(static_cast<std::uint8_t>(i % 250), 1);
    h.src.bytes[2] = static_cast<std::uint8_t>(i / 250);
    alerts += tracker.allow(0, ThresholdKind::kThreshold, t, h, kT0) ? 1 : 0;
  }
  EXPECT_EQ(alerts, 1000);
  EXPECT_EQ(tracker.counters().tracked, 100u);
  EXPECT_EQ(tracker.counters().evicted, 900u);
}

// The key index (open addressing, deletion by backward shift) against a model: 200,000 hits
// of 4,000 source addresses drawn so that keys are found, added and evicted in every mix, with
// a table of 300 keys. "limit 1, no window" alerts exactly when a key is not tracked.
TEST(Threshold, KeyIndexMatchesAnLruModelUnderChurn) {
  constexpr std::size_t kKeys = 300;
  ThresholdTracker tracker(kKeys);
  const rules::Threshold once = make(rules::ThresholdType::kLimit, 1, 0);
  std::list<std::uint32_t> lru;  // most recent first
  std::map<std::uint32_t, std::list<std::uint32_t>::iterator> where;
  std::uint64_t evicted = 0;
  std::mt19937_64 rng(5);
  for (int n = 0; n < 200'000; ++n) {
    // Hot keys most of the time, so hits, misses and evictions all happen.
    const auto source = static_cast<std::uint32_t>(rng() % 8 < 6 ? rng() % 250 : rng() % 4000);
    HitAddresses h;
    h.src.bytes = {10, static_cast<std::uint8_t>(source >> 16), static_cast<std::uint8_t>(source >> 8),
                   static_cast<std::uint8_t>(source)};
    h.dst = ip(2);
    const bool tracked = where.contains(source);
    ASSERT_EQ(tracker.allow(0, ThresholdKind::kThreshold, once, h, kT0), !tracked) << n;
    if (tracked) {
      lru.erase(where[source]);
    } else if (lru.size() == kKeys) {
      where.erase(lru.back());
      lru.pop_back();
      ++evicted;
    }
    lru.push_front(source);
    where[source] = lru.begin();
  }
  EXPECT_EQ(tracker.counters().tracked, kKeys);
  EXPECT_EQ(tracker.counters().evicted, evicted);
  EXPECT_GT(evicted, 10'000u);
}

}  // namespace
}  // namespace dicomsentry::detect
