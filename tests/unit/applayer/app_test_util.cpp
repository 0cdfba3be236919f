#include "app_test_util.hpp"

#include <array>
#include <memory>

#include "capture/capture_file.hpp"

namespace dicomsentry::testing {

std::uint16_t client_port(const Flow& flow) {
  return flow.client_is_lo ? flow.key.lo_port : flow.key.hi_port;
}
std::uint16_t server_port(const Flow& flow) {
  return flow.client_is_lo ? flow.key.hi_port : flow.key.lo_port;
}

void RecordingSink::on_association(const dicom::AssociationRecord& record) {
  SeenAssociation& a = associations.emplace_back();
  a.record = record;
  a.client_port = client_port(*record.flow);
  a.server_port = server_port(*record.flow);
  a.record.flow = nullptr;
}

void RecordingSink::on_transaction(const dicom::TransactionRecord& record) {
  SeenTransaction& t = transactions.emplace_back();
  t.record = record;
  t.client_port = client_port(*record.flow);
  t.record.flow = nullptr;
  t.record.association = nullptr;
}

void RecordingSink::on_anomaly(const dicom::AnomalyRecord& record) {
  anomalies.push_back({std::string(record.layer), std::string(record.name), std::string(record.message),
                       client_port(*record.flow)});
}

void RecordingSink::on_tls(const dicom::TlsRecord& record) {
  tls.push_back(record);
  tls.back().flow = nullptr;
}

std::string pcap_path(const std::string& name) { return std::string(DICOMSENTRY_PCAP_DIR) + "/" + name; }

CaptureRun run_capture(const std::string& path, const AppLayerConfig& config, RecordingSink& sink,
                       dicom::ObjectSink* objects) {
  CaptureRun run;
  CaptureError error;
  std::unique_ptr<CaptureFile> file = CaptureFile::open(path, error);
  if (!file) {
    run.error = error.message();
    return run;
  }
  AppLayer app(config, sink, objects);
  Pipeline pipeline(PipelineConfig{}, app, nullptr, &app);
  PacketView packet;
  ReadResult result;
  while ((result = file->next(packet)) == ReadResult::kPacket) pipeline.process(packet);
  pipeline.finish();
  run.ok = result == ReadResult::kEnd;
  if (!run.ok) run.error = file->error().message();
  run.counters = app.counters();
  run.sessions_in_use_after = app.sessions_in_use();
  return run;
}

}  // namespace dicomsentry::testing
