// libFuzzer target: the application layer (detection, PDU splitter, association state
// machine, DIMSE tracker, DCMTK data set summaries, TLS hellos) fed a script of chunks in both
// directions of one flow, with gaps. Checks: no crash, no leak, no consumer stall, every
// record's strings readable, sessions all returned at flow end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../support/stream_feeder.hpp"
#include "applayer/app_layer.hpp"

namespace ds = dicomsentry;

namespace {

class TouchingSink final : public ds::dicom::EventSink {
 public:
  std::size_t total = 0;
  void on_association(const ds::dicom::AssociationRecord& r) override {
    total += r.calling_ae.size() + r.called_ae.size() + r.contexts.size() + r.roles.size();
    for (const auto& c : r.contexts) total += c.abstract_syntax.size() + c.accepted_transfer_syntax.size();
  }
  void on_transaction(const ds::dicom::TransactionRecord& r) override {
    // The DCMTK summary is made on demand: ask for it, as the EVE writer does.
    const ds::dicom::DataSetSummary& summary = r.data_set();
    total += r.sop_class_uid.size() + r.sop_instance_uid.size() + summary.keys.size();
    for (const auto& k : summary.keys) total += k.value.size() + k.keyword.size();
  }
  void on_anomaly(const ds::dicom::AnomalyRecord& r) override { total += r.name.size() + r.message.size(); }
  void on_tls(const ds::dicom::TlsRecord& r) override { total += r.sni.size() + r.alpn.size(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  ds::AppLayerConfig config;
  TouchingSink sink;
  ds::AppLayer app(config, sink);
  ds::Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_port = (mode & 1) ? 104 : 2762;  // DICOM or DICOM-TLS port
  flow.key.hi_port = 40000;
  flow.client_is_lo = 0;  // the client is the high port
  flow.midstream = (mode & 2) ? 1 : 0;
  ds::testing::StreamFeeder feeder(app, flow);
  std::size_t pos = 1;
  ds::TimestampNs ts = 1'000'000'000;
  for (int chunk = 0; chunk < 4096 && pos < size; ++chunk) {
    const std::uint8_t header = data[pos++];
    const auto direction = (header & 0x80) ? ds::Direction::kToClient : ds::Direction::kToServer;
    std::size_t length = header & 0x3f;
    if (header & 0x40) {  // a longer chunk, or a gap when the length is 0
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
  app.on_flow_end(flow);
  if (feeder.stalls() != 0) std::abort();
  if (app.sessions_in_use() != 0) std::abort();
  return sink.total == 0xdeadbeef ? 1 : 0;
}
