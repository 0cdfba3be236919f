// The DICOM engine's object sink (C-STORE data sets) feeding the Part 10 file exporter.
#pragma once

#include <cstdint>

#include "dicom/dimse_tracker.hpp"
#include "output/object_export.hpp"

namespace dicomsentry {

// Maps each C-STORE request to the exporter's file meta and passes the data set bytes on as
// they arrive. The file meta names the transfer syntax the data set is written in, so a
// request whose accepted transfer syntax is unknown (an association picked up mid-stream,
// without its A-ASSOCIATE-AC) is not exported: guessing it from the bytes could not tell
// deflated or encapsulated syntaxes apart, and a file that lies about its syntax is worse
// than none.
class ExportObjectSink final : public dicom::ObjectSink {
 public:
  explicit ExportObjectSink(ObjectExporter& exporter) : exporter_(exporter) {}

  void* begin(const dicom::TransactionRecord& request) override;
  void write(void* handle, ByteView bytes) override;
  bool finish(void* handle, bool complete, const dicom::TransactionRecord& request) override;

  // Requests not exported because their transfer syntax was not negotiated in view.
  std::uint64_t skipped_unknown_transfer_syntax() const { return skipped_unknown_syntax_; }

 private:
  ObjectExporter& exporter_;
  ExportMeta meta_;  // reused: its strings keep their capacity between objects
  std::uint64_t skipped_unknown_syntax_ = 0;
};

}  // namespace dicomsentry
