// Detection between the application layer and the EVE writers: rules and the segmentation
// policy see each record first, then the record goes on to be written.
#pragma once

#include "detect/alert_builder.hpp"
#include "detect/policy_sensor.hpp"
#include "detect/rule_engine.hpp"
#include "dicom/dicom_events.hpp"
#include "flow/flow_table.hpp"
#include "inventory/baseline_sensor.hpp"

namespace dicomsentry {

// The detectors of one worker; any may be absent (no -S: no matcher; no -c: no sensor; no
// --baseline: no baseline sensor).
struct Detectors {
  detect::RuleMatcher* matcher = nullptr;  // with builder
  detect::AlertBuilder* builder = nullptr;
  detect::PolicySensor* policy = nullptr;
  inventory::BaselineSensor* baseline = nullptr;
};

// Order: a record's alerts are written BEFORE the record itself (rules first, then the
// policy, then the baseline), so a reader of the EVE log meets the alert first and the record
// it was raised on right after, as in Suricata where alerts precede the transaction's
// app-layer record.
// Anomalies meet the app-layer-event rules.
class DetectEventSink final : public dicom::EventSink {
 public:
  DetectEventSink(const Detectors& detectors, dicom::EventSink& next)
      : d_(detectors), next_(next) {}

  void on_association(const dicom::AssociationRecord& record) override;
  void on_transaction(const dicom::TransactionRecord& record) override;
  void on_anomaly(const dicom::AnomalyRecord& record) override;
  void on_tls(const dicom::TlsRecord& record) override;

 private:
  Detectors d_;
  dicom::EventSink& next_;
};

// At flow end (after the app layer reported the flow's associations): flow rules, then the
// policy's check of a non-DICOM flow, then the baseline's new devices of a DICOM or DICOM-TLS
// flow, then the pass mark is forgotten, then the flow record.
class DetectFlowEnd final : public FlowEndHandler {
 public:
  DetectFlowEnd(const Detectors& detectors, FlowEndHandler& next) : d_(detectors), next_(next) {}

  void on_flow_end(Flow& flow) override;

 private:
  Detectors d_;
  FlowEndHandler& next_;
};

}  // namespace dicomsentry
