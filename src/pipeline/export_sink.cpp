// The DICOM engine's object sink feeding the Part 10 exporter (see export_sink.hpp).
#include "pipeline/export_sink.hpp"

namespace dicomsentry {

void* ExportObjectSink::begin(const dicom::TransactionRecord& request) {
  if (request.transfer_syntax.empty()) {
    ++skipped_unknown_syntax_;
    return nullptr;
  }
  meta_.sop_class_uid = request.sop_class_uid;
  meta_.sop_instance_uid = request.sop_instance_uid;
  meta_.transfer_syntax_uid = request.transfer_syntax;
  meta_.source_ae.clear();
  meta_.receiver_ae.clear();
  if (const dicom::AssociationRecord* association = request.association; association != nullptr) {
    // The requestor (TCP client) calls; the acceptor is the called AE. A C-STORE usually goes
    // requestor -> acceptor, but the C-STORE sub-operations of a C-GET go the other way.
    const bool from_requestor = request.request_direction == Direction::kToServer;
    meta_.source_ae = from_requestor ? association->calling_ae : association->called_ae;
    meta_.receiver_ae = from_requestor ? association->called_ae : association->calling_ae;
  }
  return exporter_.begin(meta_);
}

void ExportObjectSink::write(void* handle, ByteView bytes) {
  exporter_.write(static_cast<ExportFile*>(handle), bytes);
}

bool ExportObjectSink::finish(void* handle, bool complete, const dicom::TransactionRecord&) {
  auto* file = static_cast<ExportFile*>(handle);
  if (!complete) {
    exporter_.abandon(file);
    return false;
  }
  return !exporter_.finish(file).empty();
}

}  // namespace dicomsentry
