// The baseline applied to traffic: every association as it is reported and every DICOM flow
// when it ends; each new device, AE title or implementation becomes one gid 3 alert.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>

#include <fmt/format.h>

#include "detect/alert_record.hpp"
#include "inventory/baseline.hpp"

namespace dicomsentry::inventory {

// signature_id: 1 new device, 2 new AE title, 3 new implementation. Stable: rules and
// dashboards may refer to them.
std::uint32_t baseline_signature_id(NoveltyKind kind);
// The classtype of baseline alerts: category "Asset inventory change", severity 3.
inline constexpr std::string_view kBaselineClasstype = "asset-change";

struct BaselineSensorCounters {
  std::uint64_t alerts = 0;  // one per reported novelty
};

// Same shape as detect::PolicySensor: the detection sinks call it before the record goes on,
// so an alert precedes the `dicom_association` (or `flow`) record it was raised on. The
// signature names the fact: "dicomsentry baseline: new AE title MODALITY_A as SCU of
// 10.1.2.3" (the alert's `dicom` object has both AE titles of the association).
class BaselineSensor {
 public:
  // `checker` and `alerts` must outlive the sensor. Several workers share one checker (each
  // novelty is reported once per run) through `mutex`; null with one worker.
  BaselineSensor(BaselineChecker& checker, detect::AlertSink& alerts, std::mutex* mutex = nullptr);

  void on_association(const dicom::AssociationRecord& record);
  void on_flow_end(const Flow& flow);

  const BaselineSensorCounters& counters() const { return counters_; }
  const BaselineChecker& checker() const { return checker_; }

 private:
  void raise(const Novelty& novelty, const Flow& flow, TimestampNs ts,
             const dicom::AssociationRecord* record);

  BaselineChecker& checker_;
  detect::AlertSink& alerts_;
  std::mutex* mutex_;
  std::string_view category_;
  std::uint8_t severity_ = 3;
  fmt::memory_buffer signature_;  // reused: the text of the alert being raised
  BaselineSensorCounters counters_;
};

}  // namespace dicomsentry::inventory
