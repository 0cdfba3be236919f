// Micro-benchmarks of the application layer on whole associations, hot in cache: what one
// C-ECHO or C-FIND association costs from detection to its last record (events counted, not
// written). The end-to-end benchmark adds what cache misses cost when thousands interleave.
#include <benchmark/benchmark.h>

#include <vector>

#include "applayer/app_layer.hpp"
#include "dicom_conversation.hpp"

namespace dicomsentry {
namespace {

class CountingSink final : public dicom::EventSink {
 public:
  std::uint64_t events = 0;
  void on_association(const dicom::AssociationRecord&) override { ++events; }
  void on_transaction(const dicom::TransactionRecord&) override { ++events; }
  void on_anomaly(const dicom::AnomalyRecord&) override { ++events; }
  void on_tls(const dicom::TlsRecord&) override { ++events; }
};

synth::DicomConversation association(int finds) {
  synth::AssociateRqSpec rq;
  rq.calling_ae = "WORKSTATION";
  rq.called_ae = "PACS";
  rq.contexts = {{1, std::string(synth::uids::kVerification), {std::string(synth::uids::kImplicitLittleEndian)}},
                 {3, std::string(synth::uids::kStudyRootFind),
                  {std::string(synth::uids::kExplicitLittleEndian), std::string(synth::uids::kImplicitLittleEndian)}}};
  synth::DicomConversation c(rq, synth::accept_all(rq));
  if (finds == 0) c.echo(1, 1);
  synth::QuerySpec query;
  query.keys = {{0x00100010, "PN", "DOE*"}, {0x00100020, "LO", ""}, {0x0020000D, "UI", ""}};
  std::vector<synth::QuerySpec> matches(5, query);
  for (int i = 0; i < finds; ++i) c.find(3, static_cast<std::uint16_t>(i + 1), synth::uids::kStudyRootFind, query, matches);
  c.release();
  return c;
}

void run_association(benchmark::State& state, int finds) {
  const synth::DicomConversation c = association(finds);
  CountingSink sink;
  AppLayer app(AppLayerConfig{}, sink);
  std::uint64_t offsets[2] = {0, 0};
  for (auto _ : state) {
    Flow flow;
    flow.key.ip_version = 4;
    flow.key.ip_proto = 6;
    flow.key.lo_port = 104;
    flow.key.hi_port = 50000;
    flow.client_is_lo = 0;
    offsets[0] = offsets[1] = 0;
    for (const auto& m : c.messages()) {
      const Direction d = m.direction == synth::Direction::kClientToServer ? Direction::kToServer
                                                                          : Direction::kToClient;
      std::uint64_t& offset = offsets[static_cast<int>(d)];
      const StreamContext at{flow, d, 1, offset};
      app.on_data(at, m.bytes);  // whole messages: no need ever arises
      offset += m.bytes.size();
    }
    app.on_flow_end(flow);
  }
  state.counters["events"] = static_cast<double>(sink.events);
  state.SetItemsProcessed(state.iterations());
}

void BM_AppLayer_EchoAssociation(benchmark::State& state) { run_association(state, 0); }
void BM_AppLayer_FindAssociation(benchmark::State& state) { run_association(state, 3); }
BENCHMARK(BM_AppLayer_EchoAssociation);
BENCHMARK(BM_AppLayer_FindAssociation);

}  // namespace
}  // namespace dicomsentry
