// The rule engine: compile time for 100 and 10,000 rules, dicom.dataset stream matching in
// bytes per second, and the cost of evaluating one association or transaction event.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "detect/dataset_inspector.hpp"
#include "detect/rule_engine.hpp"
#include "rules/rule_file.hpp"
#include "rules/rule_parser.hpp"

namespace dicomsentry::detect {
namespace {

const rules::Vars& vars() {
  static const rules::Vars v = rules::default_vars("[104, 11112]", "[2762]");
  return v;
}

// A mix shaped like a real ruleset: AE titles, UIDs, implementation versions, data set bytes,
// value keywords, each rule with a different pattern.
std::string mixed_rule(int i) {
  const int sid = 1000000 + i;
  switch (i % 6) {
    case 0:
      return "alert dicom any any -> any any (msg:\"ae\"; dicom.calling_ae; content:\"AE" +
             std::to_string(i) + "X\"; sid:" + std::to_string(sid) + ";)";
    case 1:
      return "alert dicom any any -> any any (msg:\"sop\"; dicom.sop_class; content:\"1.2.840.10008.5.1.4.1.1." +
             std::to_string(i) + "\"; dicom.command:C-STORE-RQ; sid:" + std::to_string(sid) + ";)";
    case 2:
      return "alert dicom any any -> any any (msg:\"ver\"; dicom.impl_version; pcre:\"/^TOOL_" +
             std::to_string(i) + "_[0-9]+$/i\"; sid:" + std::to_string(sid) + ";)";
    case 3:
      return "alert dicom any any -> any any (msg:\"ds\"; dicom.dataset; content:\"SIG" +
             std::to_string(i) + "|00 01|\"; sid:" + std::to_string(sid) + ";)";
    case 4:
      return "alert dicom any any -> any any (msg:\"called\"; dicom.called_ae; content:\"P" +
             std::to_string(i) + "\"; nocase; dicom.assoc_state:rejected; sid:" + std::to_string(sid) + ";)";
    default:
      return "alert dicom any any -> any any (msg:\"mv\"; dicom.move_destination; content:\"D" +
             std::to_string(i) + "\"; sid:" + std::to_string(sid) + ";)";
  }
}

rules::RuleSet rule_set(int count) {
  rules::RuleSet set;
  for (int i = 0; i < count; ++i) {
    rules::ParseResult r = rules::parse_rule(mixed_rule(i), vars());
    if (r.ok()) set.rules.push_back(*r.rule);
  }
  return set;
}

void BM_CompileRules(benchmark::State& state) {
  const rules::RuleSet set = rule_set(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    EngineBuildResult built = RuleEngine::build(set);
    if (!built.engine || built.engine->rules().size() != set.rules.size())
      state.SkipWithError("rules were dropped");
    benchmark::DoNotOptimize(built.engine.get());
  }
  state.counters["rules"] = static_cast<double>(set.rules.size());
}
BENCHMARK(BM_CompileRules)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1)
    ->Repetitions(3)->ReportAggregatesOnly(true);

class CountingHits final : public HitSink {
 public:
  void on_hit(const RuleHit&) override { ++hits; }
  std::uint64_t hits = 0;
};

// A 1 MiB data set through the dataset database in 1448-byte writes (a segment's payload):
// Hyperscan's stream mode over all 1,667 dicom.dataset patterns of a 10,000-rule set.
void BM_DatasetStream(benchmark::State& state) {
  const rules::RuleSet set = rule_set(static_cast<int>(state.range(0)));
  EngineBuildResult built = RuleEngine::build(set);
  RuleMatcher matcher(*built.engine);
  CountingHits hits;
  DatasetInspector inspector(*built.engine, matcher, hits, nullptr);
  std::vector<std::byte> data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>((i * 7) & 0xff);
  dicom::TransactionRecord request;
  for (auto _ : state) {
    void* handle = inspector.begin(request);
    for (std::size_t at = 0; at < data.size(); at += 1448)
      inspector.write(handle, ByteView(data).subspan(at, std::min<std::size_t>(1448, data.size() - at)));
    inspector.finish(handle, true, request);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_DatasetStream)->Arg(100)->Arg(10000)->Unit(benchmark::kMicrosecond);

Flow bench_flow() {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.lo_ip.bytes = {10, 20, 0, 5};
  flow.key.hi_ip.bytes = {10, 30, 0, 7};
  flow.key.lo_port = 104;
  flow.key.hi_port = 50000;
  flow.client_is_lo = 0;
  flow.app_proto = AppProto::kDicom;
  flow.tcp_state = TcpState::kClosed;
  return flow;
}

// One association event (AE titles, three contexts, both implementations) against the set.
void BM_MatchAssociation(benchmark::State& state) {
  const rules::RuleSet set = rule_set(static_cast<int>(state.range(0)));
  EngineBuildResult built = RuleEngine::build(set);
  RuleMatcher matcher(*built.engine);
  CountingHits hits;
  const Flow flow = bench_flow();
  dicom::AssociationRecord a;
  a.flow = &flow;
  a.state = dicom::AssociationState::kReleased;
  a.calling_ae = "MODALITY1";
  a.called_ae = "PACS";
  for (const char* uid : {"1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.2.2.1"}) {
    dicom::ContextSummary c;
    c.abstract_syntax = uid;
    c.proposed_transfer_syntaxes = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"};
    c.accepted_transfer_syntax = "1.2.840.10008.1.2.1";
    a.contexts.push_back(c);
  }
  a.requestor.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  a.requestor.implementation_version_name = "OFFIS_DCMTK_367";
  a.acceptor = a.requestor;
  for (auto _ : state) matcher.match_association(a, hits);
  benchmark::DoNotOptimize(hits.hits);
}
BENCHMARK(BM_MatchAssociation)->Arg(100)->Arg(10000);

// One C-STORE transaction event (SOP class, command, status) against the set.
void BM_MatchTransaction(benchmark::State& state) {
  const rules::RuleSet set = rule_set(static_cast<int>(state.range(0)));
  EngineBuildResult built = RuleEngine::build(set);
  RuleMatcher matcher(*built.engine);
  CountingHits hits;
  const Flow flow = bench_flow();
  dicom::AssociationRecord a;
  a.flow = &flow;
  a.calling_ae = "MODALITY1";
  a.called_ae = "PACS";
  dicom::TransactionRecord t;
  t.flow = &flow;
  t.association = &a;
  t.command = dicom::CommandField::kCStoreRq;
  t.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  t.sop_instance_uid = "1.2.826.0.1.3680043.9.7433.1.1";
  t.has_response = true;
  for (auto _ : state) matcher.match_transaction(t, hits);
  benchmark::DoNotOptimize(hits.hits);
}
BENCHMARK(BM_MatchTransaction)->Arg(100)->Arg(10000);

}  // namespace
}  // namespace dicomsentry::detect
