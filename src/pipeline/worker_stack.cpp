// WorkerStack: the per-worker objects of a run, built in the order their references need.
#include "pipeline/worker_stack.hpp"

#include "dicomsentry/counters.hpp"

namespace dicomsentry {

WorkerStack::WorkerStack(const RunOptions& options, const SharedRunState& shared, unsigned index) {
  if (shared.workers > 1) {
    own_sink_ = std::make_unique<EveSink>(*shared.file_sink);
    sink_ = own_sink_.get();
  } else {
    sink_ = shared.file_sink;
  }
  eve_ = std::make_unique<EveWriter>(*sink_);
  app_events_ = std::make_unique<EveAppWriter>(*sink_, options.log_phi);
  if (!options.export_dir.empty()) {
    exporter_ = std::make_unique<ObjectExporter>(options.export_dir, options.export_max_bytes, index);
    export_sink_ = std::make_unique<ExportObjectSink>(*exporter_);
  }
  // Detection sits between the app layer and the writers (see detect_sink.hpp for the order).
  alert_writer_ = std::make_unique<EveAlertWriter>(*sink_, options.log_phi);
  // The summary counts alerts, records and flow ends on their way to the writers.
  metrics_alerts_ = std::make_unique<MetricsAlertSink>(*alert_writer_);
  summary_alerts_ =
      std::make_unique<SummaryAlertSink>(*shared.summary, *metrics_alerts_, shared.summary_mutex);
  if (options.rule_engine != nullptr) {
    detect::AlertBuilderConfig builder_config;
    builder_config.shared_thresholds = shared.thresholds;
    matcher_ = std::make_unique<detect::RuleMatcher>(*options.rule_engine);
    builder_ = std::make_unique<detect::AlertBuilder>(options.rule_engine->rules(), *summary_alerts_,
                                                      builder_config);
    detectors_.matcher = matcher_.get();
    detectors_.builder = builder_.get();
  }
  if (options.policy != nullptr) {
    checker_ = std::make_unique<policy::PolicyChecker>(*options.policy);
    sensor_ = std::make_unique<detect::PolicySensor>(*checker_, *summary_alerts_,
                                                      options.app.tls_ports);
    detectors_.policy = sensor_.get();
  }
  if (shared.baseline != nullptr) {
    baseline_sensor_ = std::make_unique<inventory::BaselineSensor>(*shared.baseline, *summary_alerts_,
                                                                   shared.baseline_mutex);
    detectors_.baseline = baseline_sensor_.get();
  }
  // The asset inventory sees every record and flow end on its way to the writers.
  inventory::Inventory* inventory = shared.inventory;
  std::mutex* inventory_mutex = nullptr;
  if (shared.workers > 1) {
    own_inventory_ = std::make_unique<inventory::Inventory>(options.policy);
    inventory = own_inventory_.get();
    inventory_mutex = &own_inventory_mutex_;
  }
  inventory_events_ = std::make_unique<InventoryEventSink>(*inventory, *app_events_, inventory_mutex);
  inventory_flow_end_ = std::make_unique<InventoryFlowEnd>(*inventory, *eve_, inventory_mutex);
  summary_events_ =
      std::make_unique<SummaryEventSink>(*shared.summary, *inventory_events_, shared.summary_mutex);
  detect_events_ = std::make_unique<DetectEventSink>(detectors_, *summary_events_);
  detect_flow_end_ = std::make_unique<DetectFlowEnd>(detectors_, *inventory_flow_end_);
  summary_flow_end_ =
      std::make_unique<SummaryFlowEnd>(*shared.summary, *detect_flow_end_, shared.summary_mutex);
  // dicom.dataset rules see each C-STORE data set on its way to the exporter; pkt_data rules
  // see the raw streams on their way to the app layer. Neither exists without such rules.
  dicom::ObjectSink* objects = export_sink_.get();
  if (matcher_ && options.rule_engine->has_dataset_rules()) {
    dataset_inspector_ = std::make_unique<detect::DatasetInspector>(
        *options.rule_engine, *matcher_, *builder_, export_sink_.get());
    objects = dataset_inspector_.get();
  }
  metrics_events_ = std::make_unique<MetricsEventSink>(*detect_events_);
  // The memcaps bound the whole process: each worker gets its share.
  AppLayerConfig app_config = options.app;
  app_config.memcap_bytes /= shared.workers;
  app_ = std::make_unique<AppLayer>(app_config, *metrics_events_, objects);
  StreamConsumer* consumer = app_.get();
  FlowEndHandler* app_flow_end = app_.get();
  if (matcher_ && options.rule_engine->has_payload_rules()) {
    payload_inspector_ = std::make_unique<detect::PayloadInspector>(
        *options.rule_engine, *matcher_, *builder_, *app_, app_.get());
    consumer = payload_inspector_.get();
    app_flow_end = payload_inspector_.get();
  }
  PipelineConfig config = options.pipeline;
  config.flow.memcap_bytes /= shared.workers;
  config.reassembly.memcap_bytes /= shared.workers;
  config.expiry_by_caller = shared.workers > 1;
  pipeline_ = std::make_unique<Pipeline>(config, *consumer, summary_flow_end_.get(), app_flow_end);
  // Each flow ends in the pipeline that created it, whose book holds its endpoints' MACs.
  inventory_flow_end_->set_mac_book(&pipeline_->mac_book());
}

// The pipeline goes first (members are destroyed in reverse order): flows it still holds
// reference the app layer's sessions.
WorkerStack::~WorkerStack() = default;

void WorkerStack::add_counters(StatsSnapshot& stats, bool full) const {
  const Pipeline& p = *pipeline_;
  dicomsentry::add_counters(stats.decode, p.decode_counters());
  dicomsentry::add_counters(stats.flow, p.flow_counters());
  stats.flow_memuse += p.flow_table().memuse();
  stats.mac_book_addresses += p.mac_book().counters().addresses;
  stats.mac_book_dropped += p.mac_book().counters().dropped;
  dicomsentry::add_counters(stats.reassembly, p.reassembly_counters());
  stats.reassembly_memuse += p.segment_pool().bytes_in_use();
  stats.reassembly_high_water += p.segment_pool().high_water();
  stats.reassembly_memcap += p.segment_pool().memcap();
  dicomsentry::add_counters(stats.app, app_->counters());
  if (payload_inspector_) {
    stats.hs_streams_open += payload_inspector_->counters().streams_open;
    stats.hs_stream_memuse += payload_inspector_->stream_bytes();
  }
  if (dataset_inspector_) {
    stats.hs_streams_open += dataset_inspector_->counters().streams_open;
    stats.hs_stream_memuse += dataset_inspector_->stream_bytes();
  }
  if (!full) return;
  stats.phi_values_withheld += app_events_->counters().phi_values_withheld;
  if (exporter_) {
    const ExportCounters& e = exporter_->counters();
    stats.export_enabled = true;
    stats.export_written += e.objects_written;
    stats.export_bytes += e.bytes_written;
    stats.export_incomplete += e.objects_abandoned;
    stats.export_too_large += e.objects_skipped_too_large;
    stats.export_no_transfer_syntax += export_sink_->skipped_unknown_transfer_syntax();
    stats.export_open_limit += e.objects_skipped_open_limit;
    stats.export_write_errors += e.write_errors;
  }
  if (builder_) {
    stats.detect_enabled = true;
    dicomsentry::add_counters(stats.detect, builder_->counters());
  }
  if (sensor_) {
    stats.policy_enabled = true;
    dicomsentry::add_counters(stats.policy, sensor_->counters());
  }
}

}  // namespace dicomsentry
