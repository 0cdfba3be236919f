// One worker's chain, from packets to EVE lines: pipeline -> (payload rules) -> app layer ->
// detection -> inventory -> writers. run() builds one; the worker pool builds one per thread.
#pragma once

#include <memory>
#include <mutex>

#include "applayer/app_layer.hpp"
#include "detect/alert_builder.hpp"
#include "detect/dataset_inspector.hpp"
#include "detect/payload_inspector.hpp"
#include "detect/policy_sensor.hpp"
#include "inventory/inventory.hpp"
#include "output/eve_alert_writer.hpp"
#include "output/eve_app_writer.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_writer.hpp"
#include "output/object_export.hpp"
#include "pipeline/detect_sink.hpp"
#include "pipeline/export_sink.hpp"
#include "pipeline/inventory_sink.hpp"
#include "pipeline/metrics_tap.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/run.hpp"
#include "pipeline/summary_tap.hpp"

namespace dicomsentry {

// What the workers of one run share. Everything here outlives the workers.
struct SharedRunState {
  EveSink* file_sink = nullptr;                     // where every worker's lines meet
  inventory::Inventory* inventory = nullptr;        // one worker's; several keep their own
  detect::SharedThresholds* thresholds = nullptr;   // null with one worker
  inventory::BaselineChecker* baseline = nullptr;   // --baseline: novelties once per run
  std::mutex* baseline_mutex = nullptr;             // null with one worker
  SummaryTap* summary = nullptr;                    // the end-of-run summary's counts
  std::mutex* summary_mutex = nullptr;              // null with one worker
  unsigned workers = 1;                             // memcaps are split between them
};

class WorkerStack {
 public:
  // Worker `index` of shared.workers. With one worker the writers write straight into the file
  // sink; with more, into the worker's own sink in front of it (see EveSink).
  WorkerStack(const RunOptions& options, const SharedRunState& shared, unsigned index);
  ~WorkerStack();
  WorkerStack(const WorkerStack&) = delete;
  WorkerStack& operator=(const WorkerStack&) = delete;

  Pipeline& pipeline() { return *pipeline_; }
  const Pipeline& pipeline() const { return *pipeline_; }
  // The sink this worker's writers write to (the file sink with one worker).
  EveSink& sink() { return *sink_; }
  EveWriter& eve() { return *eve_; }
  const AppLayer& app() const { return *app_; }
  detect::PolicySensor* policy_sensor() { return sensor_.get(); }
  const inventory::BaselineSensor* baseline_sensor() const { return baseline_sensor_.get(); }
  const ObjectExporter* exporter() const { return exporter_.get(); }
  const ExportObjectSink* export_sink() const { return export_sink_.get(); }
  const detect::AlertBuilder* alert_builder() const { return builder_.get(); }
  const EveAppWriter& app_events() const { return *app_events_; }
  // With several workers, each folds records into its own inventory (no lock shared between
  // workers per record; merged when the files are written): this one, with the lock that a
  // snapshot taken while the worker runs (SIGUSR1) needs. Null with one worker.
  const inventory::Inventory* own_inventory() const { return own_inventory_.get(); }
  std::mutex& own_inventory_mutex() const { return own_inventory_mutex_; }
  // /metrics counts (atomics: readable from the control thread while the worker runs).
  const MetricsEventSink& record_metrics() const { return *metrics_events_; }
  const MetricsAlertSink& alert_metrics() const { return *metrics_alerts_; }

  // Adds this worker's counters to `stats` (capture, time and run-level fields untouched):
  // decode, flow, reassembly and app layer always; `full` adds the export, detection, policy
  // and privacy counters of the final record.
  void add_counters(StatsSnapshot& stats, bool full) const;

 private:
  std::unique_ptr<inventory::Inventory> own_inventory_;
  mutable std::mutex own_inventory_mutex_;
  std::unique_ptr<EveSink> own_sink_;  // several workers: in front of the file sink
  EveSink* sink_;
  std::unique_ptr<EveWriter> eve_;
  std::unique_ptr<EveAppWriter> app_events_;
  // Declared before the app layer: its sessions hold export handles until they are destroyed.
  std::unique_ptr<ObjectExporter> exporter_;
  std::unique_ptr<ExportObjectSink> export_sink_;
  std::unique_ptr<EveAlertWriter> alert_writer_;
  std::unique_ptr<MetricsAlertSink> metrics_alerts_;
  std::unique_ptr<SummaryAlertSink> summary_alerts_;
  std::unique_ptr<detect::RuleMatcher> matcher_;
  std::unique_ptr<detect::AlertBuilder> builder_;
  std::unique_ptr<policy::PolicyChecker> checker_;
  std::unique_ptr<detect::PolicySensor> sensor_;
  std::unique_ptr<inventory::BaselineSensor> baseline_sensor_;
  Detectors detectors_;
  std::unique_ptr<InventoryEventSink> inventory_events_;
  std::unique_ptr<InventoryFlowEnd> inventory_flow_end_;
  std::unique_ptr<SummaryEventSink> summary_events_;
  std::unique_ptr<SummaryFlowEnd> summary_flow_end_;
  std::unique_ptr<DetectEventSink> detect_events_;
  std::unique_ptr<DetectFlowEnd> detect_flow_end_;
  std::unique_ptr<MetricsEventSink> metrics_events_;
  std::unique_ptr<detect::DatasetInspector> dataset_inspector_;
  std::unique_ptr<AppLayer> app_;
  std::unique_ptr<detect::PayloadInspector> payload_inspector_;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace dicomsentry
