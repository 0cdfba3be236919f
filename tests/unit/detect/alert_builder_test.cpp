// AlertBuilder: RuleHits made by hand become AlertRecords with the rule's identity, classtype
// and severity; pass rules, thresholds and detection filters suppress exactly what they
// should; the counters add up.
#include "detect/alert_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/rule_parser.hpp"

namespace dicomsentry::detect {
namespace {

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;
constexpr TimestampNs kSecond = 1'000'000'000;

std::vector<rules::Rule> parse(std::initializer_list<std::string_view> lines) {
  const rules::Vars vars = rules::default_vars("[104,11112]", "[2762]");
  std::vector<rules::Rule> out;
  for (std::string_view line : lines) {
    rules::ParseResult r = rules::parse_rule(line, vars);
    EXPECT_TRUE(r.ok()) << line << ": " << r.error;
    if (r.ok()) out.push_back(*r.rule);
  }
  return out;
}

// Client 10.0.0.<client>:50000 -> server 10.0.0.<server>:104; the client is the key's lo.
Flow make_flow(std::uint64_t id, std::uint8_t client = 1, std::uint8_t server = 2) {
  Flow f;
  f.key.ip_version = 4;
  f.key.ip_proto = 6;
  f.key.lo_ip.bytes = {10, 0, 0, client};
  f.key.hi_ip.bytes = {10, 0, 0, server};
  f.key.lo_port = 50000;
  f.key.hi_port = 104;
  f.client_is_lo = 1;
  f.flow_id = id;
  f.app_proto = AppProto::kDicom;
  return f;
}

struct Seen {
  std::uint32_t gid = 0, sid = 0, rev = 0;
  std::string signature, category;
  std::uint8_t severity = 0;
  std::vector<std::string> metadata;
  std::size_t references = 0;
  Direction direction = Direction::kToServer;
  const dicom::AssociationRecord* association = nullptr;
  const dicom::TransactionRecord* transaction = nullptr;
  const dicom::TlsRecord* tls = nullptr;
  std::uint64_t flow_id = 0;
  TimestampNs ts = 0;
};

class Collect final : public AlertSink {
 public:
  void on_alert(const AlertRecord& a) override {
    Seen s;
    s.gid = a.gid;
    s.sid = a.signature_id;
    s.rev = a.rev;
    s.signature = a.signature;
    s.category = a.category;
    s.severity = a.severity;
    s.metadata.assign(a.metadata.begin(), a.metadata.end());
    s.references = a.references.size();
    s.direction = a.direction;
    s.association = a.association;
    s.transaction = a.transaction;
    s.tls = a.tls;
    s.flow_id = a.flow != nullptr ? a.flow->flow_id : 0;
    s.ts = a.ts;
    seen.push_back(s);
  }
  std::vector<Seen> seen;
};

RuleHit hit_of(std::uint32_t rule, const Flow& flow, TimestampNs ts = kT0,
               Direction direction = Direction::kToServer) {
  RuleHit h;
  h.rule_index = rule;
  h.flow = &flow;
  h.ts = ts;
  h.direction = direction;
  return h;
}

TEST(AlertBuilder, AlertCarriesTheRuleAndTheRecord) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"DICOM without user identity"; classtype:attempted-recon; reference:url,example.org/ps3.15; metadata:policy balanced, hygiene user_management, policy security; sid:1000001; rev:3;))",
  });
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow flow = make_flow(77);
  dicom::AssociationRecord association;
  association.calling_ae = "ECHOSCU";
  RuleHit h = hit_of(0, flow, kT0 + 5, Direction::kToClient);
  h.association = &association;
  builder.begin_event();
  builder.on_hit(h);
  EXPECT_TRUE(sink.seen.empty());  // buffered until the event is flushed
  builder.flush();
  ASSERT_EQ(sink.seen.size(), 1u);
  const Seen& a = sink.seen[0];
  EXPECT_EQ(a.gid, 1u);
  EXPECT_EQ(a.sid, 1000001u);
  EXPECT_EQ(a.rev, 3u);
  EXPECT_EQ(a.signature, "DICOM without user identity");
  EXPECT_EQ(a.category, "Attempted Information Leak");
  EXPECT_EQ(a.severity, 2);
  EXPECT_EQ(a.metadata, (std::vector<std::string>{"policy balanced", "hygiene user_management",
                                                  "policy security"}));
  EXPECT_EQ(a.references, 1u);
  EXPECT_EQ(a.direction, Direction::kToClient);
  EXPECT_EQ(a.association, &association);
  EXPECT_EQ(a.transaction, nullptr);
  EXPECT_EQ(a.flow_id, 77u);
  EXPECT_EQ(a.ts, kT0 + 5);
  EXPECT_EQ(builder.counters().hits, 1u);
  EXPECT_EQ(builder.counters().alerts, 1u);
}

TEST(AlertBuilder, PriorityAndUnknownClasstype) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"a"; classtype:misc-activity; priority:1; sid:1;))",
      R"(alert tcp any any -> any any (msg:"b"; classtype:site-specific; sid:2;))",
      R"(alert tcp any any -> any any (msg:"c"; sid:3;))",
  });
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow flow = make_flow(1);
  builder.begin_event();
  for (std::uint32_t i = 0; i < 3; ++i) builder.on_hit(hit_of(i, flow));
  builder.flush();
  ASSERT_EQ(sink.seen.size(), 3u);
  EXPECT_EQ(sink.seen[0].category, "Misc activity");
  EXPECT_EQ(sink.seen[0].severity, 1);
  EXPECT_EQ(sink.seen[1].category, "site-specific");
  EXPECT_EQ(sink.seen[1].severity, 3);
  EXPECT_EQ(sink.seen[2].category, "");
  EXPECT_EQ(sink.seen[2].severity, 3);
  EXPECT_EQ(sink.seen[2].rev, 0u);
}

TEST(AlertBuilder, TransactionHitNamesItsAssociation) {
  const auto rules = parse({R"(alert tcp any any -> any any (msg:"move"; sid:5;))"});
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow flow = make_flow(1);
  dicom::AssociationRecord association;
  dicom::TransactionRecord transaction;
  transaction.association = &association;
  dicom::TlsRecord tls;
  RuleHit h = hit_of(0, flow);
  h.transaction = &transaction;
  builder.begin_event();
  builder.on_hit(h);
  RuleHit t = hit_of(0, flow);
  t.tls = &tls;
  builder.on_hit(t);
  builder.flush();
  ASSERT_EQ(sink.seen.size(), 2u);
  EXPECT_EQ(sink.seen[0].transaction, &transaction);
  EXPECT_EQ(sink.seen[0].association, &association);
  EXPECT_EQ(sink.seen[1].tls, &tls);
  EXPECT_EQ(sink.seen[1].association, nullptr);
}

TEST(AlertBuilder, PassRuleSilencesItsFlowUntilTheFlowEnds) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"alert"; sid:1;))",
      R"(pass tcp any any -> any any (msg:"trusted"; sid:2;))",
  });
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow a = make_flow(10);
  const Flow b = make_flow(11);
  // The pass hit comes after the alert hit in the same event: it still wins.
  builder.begin_event();
  builder.on_hit(hit_of(0, a));
  builder.on_hit(hit_of(1, a));
  builder.flush();
  builder.begin_event();
  builder.on_hit(hit_of(0, a));  // a later event on the passed flow
  builder.flush();
  builder.begin_event();
  builder.on_hit(hit_of(0, b));  // another flow alerts
  builder.flush();
  builder.on_flow_end(a);
  builder.begin_event();
  builder.on_hit(hit_of(0, a));  // the flow id again, after its end: alerts
  builder.flush();
  ASSERT_EQ(sink.seen.size(), 2u);
  EXPECT_EQ(sink.seen[0].flow_id, 11u);
  EXPECT_EQ(sink.seen[1].flow_id, 10u);
  const AlertBuilderCounters& c = builder.counters();
  EXPECT_EQ(c.hits, 5u);
  EXPECT_EQ(c.alerts, 2u);
  EXPECT_EQ(c.suppressed_pass, 2u);
  EXPECT_EQ(c.suppressed_threshold, 0u);
  EXPECT_EQ(c.pass_matches, 1u);
}

TEST(AlertBuilder, PassMarksAreBounded) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"alert"; sid:1;))",
      R"(pass tcp any any -> any any (msg:"trusted"; sid:2;))",
  });
  Collect sink;
  AlertBuilderConfig config;
  config.max_pass_flows = 1;
  AlertBuilder builder(rules, sink, config);
  const Flow a = make_flow(10);
  const Flow b = make_flow(11);
  builder.begin_event();
  builder.on_hit(hit_of(1, a));
  builder.flush();
  builder.begin_event();
  builder.on_hit(hit_of(1, b));  // the set is full: b's pass covers only this event
  builder.on_hit(hit_of(0, b));
  builder.flush();
  builder.begin_event();
  builder.on_hit(hit_of(0, b));
  builder.on_hit(hit_of(0, a));
  builder.flush();
  ASSERT_EQ(sink.seen.size(), 1u);
  EXPECT_EQ(sink.seen[0].flow_id, 11u);
  EXPECT_EQ(builder.counters().pass_flows_untracked, 1u);
  EXPECT_EQ(builder.counters().suppressed_pass, 2u);
}

TEST(AlertBuilder, ThresholdLimitBySource) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"rj"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;))",
  });
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow f1 = make_flow(1, 1, 2);
  const Flow f2 = make_flow(2, 1, 3);  // same client, another server
  const Flow f3 = make_flow(3, 4, 2);  // another client
  builder.begin_event();
  for (int i = 0; i < 4; ++i) builder.on_hit(hit_of(0, i % 2 ? f1 : f2, kT0 + i * kSecond));
  builder.on_hit(hit_of(0, f3, kT0 + 5 * kSecond));
  // Sent by the server of f1 (10.0.0.2): its own key.
  builder.on_hit(hit_of(0, f1, kT0 + 6 * kSecond, Direction::kToClient));
  builder.on_hit(hit_of(0, f1, kT0 + 60 * kSecond));  // the client's window rolled over
  builder.flush();
  EXPECT_EQ(sink.seen.size(), 5u);
  EXPECT_EQ(builder.counters().alerts, 5u);
  EXPECT_EQ(builder.counters().suppressed_threshold, 2u);
  EXPECT_EQ(builder.counters().hits, 7u);
}

TEST(AlertBuilder, DetectionFilterByDestination) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"sweep"; detection_filter:track by_dst, count 3, seconds 10; sid:9;))",
  });
  Collect sink;
  AlertBuilder builder(rules, sink);
  std::vector<Flow> flows;
  for (std::uint8_t c = 1; c <= 6; ++c) flows.push_back(make_flow(c, c, 200));
  for (std::size_t i = 0; i < flows.size(); ++i) {
    builder.begin_event();
    builder.on_hit(hit_of(0, flows[i], kT0 + static_cast<TimestampNs>(i) * kSecond));
    builder.flush();
  }
  // Six hits on 10.0.0.200 within 10 s: the 4th, 5th and 6th alert.
  ASSERT_EQ(sink.seen.size(), 3u);
  EXPECT_EQ(sink.seen[0].flow_id, 4u);
  EXPECT_EQ(sink.seen[2].flow_id, 6u);
  EXPECT_EQ(builder.counters().suppressed_threshold, 3u);
}

TEST(AlertBuilder, DistinctCalledAeTitles) {
  auto rules = parse({
      R"(alert tcp any any -> any any (msg:"AE brute force"; threshold:type both, track by_src, count 3, seconds 60; sid:1;))",
  });
  rules[0].threshold->unique_on = rules::UniqueOn::kCalledAe;
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow flow = make_flow(1);
  const char* const called[] = {"PACS", "PACS", "ARCHIVE", "PACS", "STORESCP", "ORTHANC"};
  std::vector<dicom::AssociationRecord> associations(std::size(called));
  for (std::size_t i = 0; i < std::size(called); ++i) {
    associations[i].called_ae = called[i];
    RuleHit h = hit_of(0, flow, kT0 + static_cast<TimestampNs>(i) * kSecond);
    h.association = &associations[i];
    builder.begin_event();
    builder.on_hit(h);
    builder.flush();
  }
  // PACS, ARCHIVE, STORESCP: the third distinct title alerts, once.
  ASSERT_EQ(sink.seen.size(), 1u);
  EXPECT_EQ(sink.seen[0].association, &associations[4]);
  EXPECT_EQ(builder.counters().suppressed_threshold, 5u);
}

TEST(AlertBuilder, DistinctValueOfEachField) {
  const Flow flow = make_flow(1, 1, 2);  // 10.0.0.1:50000 -> 10.0.0.2:104
  dicom::AssociationRecord association;
  association.calling_ae = "A";
  association.called_ae = "A";
  RuleHit h = hit_of(0, flow);
  h.association = &association;
  EXPECT_FALSE(distinct_value(rules::UniqueOn::kNone, h).has_value());
  const auto src = distinct_value(rules::UniqueOn::kSrcIp, h);
  const auto dst = distinct_value(rules::UniqueOn::kDstIp, h);
  ASSERT_TRUE(src && dst);
  EXPECT_NE(*src, *dst);
  RuleHit back = h;
  back.direction = Direction::kToClient;
  // From the server, the source is the other address.
  EXPECT_NE(distinct_value(rules::UniqueOn::kSrcIp, back), src);
  EXPECT_NE(distinct_value(rules::UniqueOn::kDstIp, back), dst);
  const Flow other_client = make_flow(2, 3, 2);
  RuleHit from_other = hit_of(0, other_client);
  EXPECT_NE(distinct_value(rules::UniqueOn::kSrcIp, from_other), src);
  EXPECT_EQ(distinct_value(rules::UniqueOn::kDstIp, from_other), dst);
  EXPECT_NE(distinct_value(rules::UniqueOn::kDstPort, h),
            distinct_value(rules::UniqueOn::kDstPort, back));
  // Same text in two fields: different hashes (the field is mixed in).
  EXPECT_NE(distinct_value(rules::UniqueOn::kCalledAe, h),
            distinct_value(rules::UniqueOn::kCallingAe, h));
  RuleHit bare = hit_of(0, flow);
  EXPECT_FALSE(distinct_value(rules::UniqueOn::kCalledAe, bare).has_value());
}

TEST(AlertBuilder, HitsOutsideAnEventAreDecidedAtOnce) {
  const auto rules = parse({
      R"(alert tcp any any -> any any (msg:"alert"; sid:1;))",
      R"(pass tcp any any -> any any (msg:"trusted"; sid:2;))",
  });
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow flow = make_flow(3);
  builder.on_hit(hit_of(0, flow));  // as a stream inspector reports: no begin_event()
  EXPECT_EQ(sink.seen.size(), 1u);
  builder.on_hit(hit_of(1, flow));  // the pass mark holds for later hits
  builder.on_hit(hit_of(0, flow));
  EXPECT_EQ(sink.seen.size(), 1u);
  EXPECT_EQ(builder.counters().suppressed_pass, 1u);
  EXPECT_EQ(builder.counters().pass_matches, 1u);
}

TEST(AlertBuilder, HitOfAnUnknownRuleIsCountedAndDropped) {
  const auto rules = parse({R"(alert tcp any any -> any any (msg:"x"; sid:1;))"});
  Collect sink;
  AlertBuilder builder(rules, sink);
  const Flow flow = make_flow(1);
  builder.begin_event();
  builder.on_hit(hit_of(5, flow));
  builder.flush();
  EXPECT_TRUE(sink.seen.empty());
  EXPECT_EQ(builder.counters().hits, 1u);
  EXPECT_EQ(builder.counters().alerts, 0u);
}

}  // namespace
}  // namespace dicomsentry::detect
