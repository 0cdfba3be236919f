// Runs captures or byte streams through the pipeline with the application layer and keeps
// copies of every record it reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "applayer/app_layer.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry::testing {

struct SeenAssociation {
  dicom::AssociationRecord record;
  std::uint16_t client_port = 0;
  std::uint16_t server_port = 0;
};

struct SeenTransaction {
  dicom::TransactionRecord record;
  std::uint16_t client_port = 0;
};

struct SeenAnomaly {
  std::string layer;
  std::string name;
  std::string message;
  std::uint16_t client_port = 0;
};

class RecordingSink final : public dicom::EventSink {
 public:
  void on_association(const dicom::AssociationRecord& record) override;
  void on_transaction(const dicom::TransactionRecord& record) override;
  void on_anomaly(const dicom::AnomalyRecord& record) override;
  void on_tls(const dicom::TlsRecord& record) override;

  std::vector<SeenAssociation> associations;
  std::vector<SeenTransaction> transactions;
  std::vector<SeenAnomaly> anomalies;
  std::vector<dicom::TlsRecord> tls;
};

// The client's port of a flow (the side that sent the SYN, or decided by the flow table).
std::uint16_t client_port(const Flow& flow);
std::uint16_t server_port(const Flow& flow);

struct CaptureRun {
  bool ok = false;
  std::string error;
  AppLayerCounters counters;
  std::size_t sessions_in_use_after = 0;
};

// Reads the whole capture through decode, flows, reassembly and the application layer.
CaptureRun run_capture(const std::string& path, const AppLayerConfig& config, RecordingSink& sink,
                       dicom::ObjectSink* objects = nullptr);

std::string pcap_path(const std::string& name);

}  // namespace dicomsentry::testing
