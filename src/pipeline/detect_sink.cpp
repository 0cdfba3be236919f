// DetectEventSink and DetectFlowEnd: run the detectors on each record, then pass it on.
#include "pipeline/detect_sink.hpp"

namespace dicomsentry {

void DetectEventSink::on_association(const dicom::AssociationRecord& record) {
  if (d_.matcher != nullptr) {
    d_.builder->begin_event();
    d_.matcher->match_association(record, *d_.builder);
    d_.builder->flush();
  }
  if (d_.policy != nullptr) d_.policy->on_association(record);
  if (d_.baseline != nullptr) d_.baseline->on_association(record);
  next_.on_association(record);
}

void DetectEventSink::on_transaction(const dicom::TransactionRecord& record) {
  if (d_.matcher != nullptr) {
    d_.builder->begin_event();
    d_.matcher->match_transaction(record, *d_.builder);
    d_.builder->flush();
  }
  next_.on_transaction(record);
}

void DetectEventSink::on_anomaly(const dicom::AnomalyRecord& record) {
  if (d_.matcher != nullptr) {
    d_.builder->begin_event();
    d_.matcher->match_anomaly(record, *d_.builder);
    d_.builder->flush();
  }
  next_.on_anomaly(record);
}

void DetectEventSink::on_tls(const dicom::TlsRecord& record) {
  if (d_.matcher != nullptr) {
    d_.builder->begin_event();
    d_.matcher->match_tls(record, *d_.builder);
    d_.builder->flush();
  }
  next_.on_tls(record);
}

void DetectFlowEnd::on_flow_end(Flow& flow) {
  if (d_.matcher != nullptr) {
    d_.builder->begin_event();
    d_.matcher->match_flow(flow, flow.last_ts, *d_.builder);
    d_.builder->flush();
    d_.builder->on_flow_end(flow);
  }
  if (d_.policy != nullptr) d_.policy->on_flow_end(flow);
  if (d_.baseline != nullptr) d_.baseline->on_flow_end(flow);
  next_.on_flow_end(flow);
}

}  // namespace dicomsentry
