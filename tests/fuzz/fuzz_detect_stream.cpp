// libFuzzer target: the rule engine behind the application layer, as the pipeline wires it -
// raw streams through the payload inspector, C-STORE data sets through the dataset
// inspector, every record through the matcher - with a fixed ruleset that uses every scope
// and buffer. Input: a script of chunks in both directions of one flow, with gaps (the
// format of fuzz_dicom_stream). Checks: no crash, no leak, no stall, hits name real rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "../support/stream_feeder.hpp"
#include "applayer/app_layer.hpp"
#include "detect/dataset_inspector.hpp"
#include "detect/payload_inspector.hpp"
#include "detect/rule_engine.hpp"
#include "rules/rule_parser.hpp"

namespace ds = dicomsentry;

namespace {

constexpr const char* kRules[] = {
    R"(alert tcp any any -> any any (content:"|01 00|"; depth:2; content:"ECHO"; distance:8; within:20; sid:1;))",
    R"(alert tcp any any -> any any (pcre:"/GET \/[^ ]* HTTP/"; sid:2;))",
    R"(alert dicom any any -> any any (dicom.calling_ae; content:"ECHOSCU"; dicom.called_ae; content:"ANY-SCP"; sid:3;))",
    R"(alert dicom any any -> any any (dicom.user_identity:none,username; sid:4;))",
    R"(alert dicom any any -> any any (dicom.assoc_state:rejected; dicom.reject_reason:3,7; sid:5;))",
    R"(alert dicom any any -> any any (dicom.command:C-FIND-RQ; dicom.query; content:"PatientName=*"; sid:6;))",
    R"(alert dicom any any -> any any (dicom.command:C-MOVE-RQ; dicom.move_destination; content:!"ARCHIVE"; sid:7;))",
    R"(alert dicom any any -> any any (dicom.status:0xA801; sid:8;))",
    R"(alert dicom any any -> any any (dicom.dataset; pcre:"/\x42\x00\x11\x00(?:OB\x00\x00)?.{4}(?:MZ|\x7fELF)/s"; sid:9;))",
    R"(alert dicom any any -> any any (dicom.dataset; content:"MZ"; content:!"PDF"; dicom.sop_class; content:"1.2.840"; sid:10;))",
    R"(alert tls any any -> any any (tls.version:<1.2; sid:11;))",
    R"(alert tls any any -> any any (tls.cipher; pcre:"/RC4|3DES|NULL/"; tls.sni; content:"."; sid:12;))",
    R"(alert tcp any any -> any [104,2762] (app-layer-protocol:failed; sid:13;))",
    R"(alert dicom any any -> any any (dicom.impl_version; pcre:"/^OFFIS_DCMTK_3[0-6]/"; dicom.abstract_syntax; content:"1.2.840.10008.1.1"; sid:14;))",
    R"(alert tcp any any -> any any (app-layer-event:ul.*; sid:15;))",
    R"(alert dicom any any -> any any (dicom.sub_operations:>10; dicom.command:C-GET; sid:16;))",
};

struct Engine {
  std::unique_ptr<ds::detect::RuleEngine> engine;
  Engine() {
    ds::rules::RuleSet set;
    const auto vars = ds::rules::default_vars("[104]", "[2762]");
    for (const char* line : kRules) {
      auto r = ds::rules::parse_rule(line, vars);
      if (!r.ok()) std::abort();
      set.rules.push_back(*r.rule);
    }
    auto built = ds::detect::RuleEngine::build(set);
    if (!built.engine || !built.errors.empty()) std::abort();
    engine = std::move(built.engine);
  }
};

class Matching final : public ds::dicom::EventSink, public ds::detect::HitSink {
 public:
  Matching(const ds::detect::RuleEngine& engine, ds::detect::RuleMatcher& matcher)
      : engine_(engine), matcher_(matcher) {}
  void on_association(const ds::dicom::AssociationRecord& r) override { matcher_.match_association(r, *this); }
  void on_transaction(const ds::dicom::TransactionRecord& r) override { matcher_.match_transaction(r, *this); }
  void on_anomaly(const ds::dicom::AnomalyRecord& r) override { matcher_.match_anomaly(r, *this); }
  void on_tls(const ds::dicom::TlsRecord& r) override { matcher_.match_tls(r, *this); }
  void on_hit(const ds::detect::RuleHit& hit) override {
    if (hit.rule_index >= engine_.rules().size() || hit.flow == nullptr) std::abort();
    ++hits;
  }
  std::size_t hits = 0;

 private:
  const ds::detect::RuleEngine& engine_;
  ds::detect::RuleMatcher& matcher_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Engine compiled;
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  ds::detect::RuleMatcher matcher(*compiled.engine);
  Matching matching(*compiled.engine, matcher);
  ds::detect::DatasetInspector dataset(*compiled.engine, matcher, matching, nullptr);
  ds::AppLayer app(ds::AppLayerConfig{}, matching, &dataset);
  ds::detect::PayloadInspector payload(*compiled.engine, matcher, matching, app, &app);
  ds::Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_port = (mode & 1) ? 104 : 2762;
  flow.key.hi_port = 40000;
  flow.client_is_lo = 0;
  flow.flow_id = 7;
  flow.midstream = (mode & 2) ? 1 : 0;
  ds::testing::StreamFeeder feeder(payload, flow);
  std::size_t pos = 1;
  ds::TimestampNs ts = 1'000'000'000;
  for (int chunk = 0; chunk < 4096 && pos < size; ++chunk) {
    const std::uint8_t header = data[pos++];
    const auto direction = (header & 0x80) ? ds::Direction::kToClient : ds::Direction::kToServer;
    std::size_t length = header & 0x3f;
    if (header & 0x40) {
      if (pos + 2 > size) break;
      length = (std::size_t{data[pos]} << 8) | data[pos + 1];
      pos += 2;
      if (length == 0) {
        feeder.gap(direction, 1 + (header & 0x3f) * 1000, ts);
        continue;
      }
    }
    if (length > size - pos) length = size - pos;
    feeder.feed(direction, ds::ByteView(reinterpret_cast<const std::byte*>(data + pos), length), ts);
    pos += length;
    ts += 1000;
  }
  payload.on_flow_end(flow);
  matcher.match_flow(flow, ts, matching);
  if (feeder.stalls() != 0) std::abort();
  if (app.sessions_in_use() != 0) std::abort();
  return 0;
}
