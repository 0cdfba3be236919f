// BaselineSensor: the checker's novelties into gid 3 alerts whose signature names the fact.
#include "inventory/baseline_sensor.hpp"

#include "decode/ip_text.hpp"

#include <array>
#include <iterator>

#include "dicomsentry/optional_lock.hpp"
#include "detect/classification.hpp"

namespace dicomsentry::inventory {
namespace {

void append_address(fmt::memory_buffer& out, const DeviceAddress& address) {
  out.append(format_ip(address.ip_version == 6 ? 6 : 4, address.ip).view());
}

}  // namespace

std::uint32_t baseline_signature_id(NoveltyKind kind) {
  return 1 + static_cast<std::uint32_t>(kind);
}

BaselineSensor::BaselineSensor(BaselineChecker& checker, detect::AlertSink& alerts,
                               std::mutex* mutex)
    : checker_(checker), alerts_(alerts), mutex_(mutex) {
  if (const auto c = detect::find_classification(kBaselineClasstype)) {
    category_ = c->description;
    severity_ = c->priority;
  }
}

void BaselineSensor::on_association(const dicom::AssociationRecord& record) {
  if (record.flow == nullptr) return;
  const TimestampNs ts = record.start_ts != 0 ? record.start_ts : record.end_ts;
  // The checker's answer is a view into it: used up under the lock.
  const auto lock = lock_if_shared(mutex_);
  for (const Novelty& novelty : checker_.check_association(record)) {
    raise(novelty, *record.flow, ts, &record);
  }
}

void BaselineSensor::on_flow_end(const Flow& flow) {
  const auto lock = lock_if_shared(mutex_);
  for (const Novelty& novelty : checker_.check_flow_end(flow)) {
    raise(novelty, flow, flow.first_ts, nullptr);
  }
}

void BaselineSensor::raise(const Novelty& novelty, const Flow& flow, TimestampNs ts,
                           const dicom::AssociationRecord* record) {
  signature_.clear();
  auto out = std::back_inserter(signature_);
  switch (novelty.kind) {
    case NoveltyKind::kDevice:
      signature_.append(std::string_view("dicomsentry baseline: new device "));
      break;
    case NoveltyKind::kAeTitle:
      fmt::format_to(out, "dicomsentry baseline: new AE title {} as {} of ", novelty.value,
                     ae_role_name(novelty.role));
      break;
    case NoveltyKind::kImplementation:
      fmt::format_to(out, "dicomsentry baseline: new implementation {}", novelty.value);
      if (!novelty.version.empty()) fmt::format_to(out, " ({})", novelty.version);
      signature_.append(std::string_view(" of "));
      break;
  }
  append_address(signature_, novelty.device);

  detect::AlertRecord alert;
  alert.flow = &flow;
  alert.ts = ts;
  alert.direction = Direction::kToServer;  // the client opened the association or flow
  alert.gid = detect::kBaselineGid;
  alert.signature_id = baseline_signature_id(novelty.kind);
  alert.rev = 1;
  alert.signature = std::string_view(signature_.data(), signature_.size());
  alert.category = category_;
  alert.severity = severity_;
  alert.association = record;
  ++counters_.alerts;
  alerts_.on_alert(alert);
}

}  // namespace dicomsentry::inventory
