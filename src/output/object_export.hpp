// Export of the objects seen in C-STORE data sets as DICOM Part 10 files, like Wireshark's
// File > Export Objects > DICOM: a DCMTK-built file meta header, then the data set bytes
// exactly as they crossed the wire (no re-encoding: a deflated data set stays deflated).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry {

// What the file meta information (PS3.10 §7.1) says about one object. UIDs and AE titles as
// negotiated or sent; trailing NUL and space pads are dropped.
struct ExportMeta {
  std::string sop_class_uid;        // C-STORE Affected SOP Class UID → (0002,0002)
  std::string sop_instance_uid;     // Affected SOP Instance UID → (0002,0003), the file name
  std::string transfer_syntax_uid;  // of the presentation context → (0002,0010)
  std::string source_ae;            // the peer that sent the data set → (0002,0016), (0002,0017)
  std::string receiver_ae;          // the peer that received it → (0002,0018)
};

struct ExportCounters {
  std::uint64_t objects_written = 0;
  std::uint64_t objects_abandoned = 0;          // abandon(): bytes lost (gap) or the transfer failed
  std::uint64_t objects_skipped_too_large = 0;  // more data set bytes than max_bytes_per_object
  std::uint64_t objects_skipped_open_limit = 0; // begin() while kMaxOpenObjects were in progress
  std::uint64_t write_errors = 0;               // create, write, close or rename failed
  std::uint64_t bytes_written = 0;              // data set bytes of the objects written
};

// One object being written; owned by the exporter, handed out as an opaque handle.
struct ExportFile;

// Writes objects into one directory. Several objects may be in progress at once (C-STORE data
// sets of different associations interleave), each through its own handle. Every object is
// streamed to a hidden temporary file in the directory through a 64 KiB buffer, then renamed
// to `<SOP instance UID>.dcm` (characters outside [0-9A-Za-z._-] replaced by '_'; "-1", "-2"
// ... added on collision: an existing file is never overwritten). Failures are counted and
// described in last_error(), never thrown. Not thread-safe: one exporter per worker.
class ObjectExporter {
 public:
  // Objects in progress at once (file descriptors and 64 KiB buffers are bounded by this).
  static constexpr std::size_t kMaxOpenObjects = 64;

  // The directory is created (with parents) at the first begin().
  // `temp_tag` tells apart the temporary files of several exporters (workers) of one process.
  ObjectExporter(std::string dir, std::uint64_t max_bytes_per_object, unsigned temp_tag = 0);
  ~ObjectExporter();  // abandons (deletes) every object still in progress
  ObjectExporter(const ObjectExporter&) = delete;
  ObjectExporter& operator=(const ObjectExporter&) = delete;

  // Starts an object: creates its temporary file and writes the preamble, "DICM" and the file
  // meta group. Returns null when nothing will be written (the reason is counted).
  ExportFile* begin(const ExportMeta& meta);
  // Appends data set bytes in the order received. Past max_bytes_per_object, or after a write
  // error, the object is dropped (its file deleted) and further bytes are ignored; the handle
  // stays valid until finish() or abandon(). A null handle is ignored.
  void write(ExportFile* file, ByteView data_set_bytes);
  // The data set is incomplete (bytes lost, association aborted): deletes the file, frees the
  // handle.
  void abandon(ExportFile* file);
  // The data set is complete: flushes, closes and renames the file. Returns the path written,
  // or "" when the object was dropped or the file could not be completed. Frees the handle.
  std::string finish(ExportFile* file);

  const ExportCounters& counters() const { return counters_; }
  // The most recent failure, e.g. "write /var/dicom/.x.part: No space left on device".
  const std::string& last_error() const { return last_error_; }
  std::size_t open_objects() const { return open_.size(); }
  const std::string& directory() const { return dir_; }

 private:
  void drop(ExportFile& file);  // closes and deletes the temporary file
  bool flush(ExportFile& file);
  void fail(ExportFile& file, const char* what);
  void release(ExportFile* file);

  std::string dir_;
  std::uint64_t max_bytes_;
  bool dir_ready_ = false;
  std::uint64_t next_temp_ = 0;
  unsigned temp_tag_ = 0;
  std::vector<std::unique_ptr<ExportFile>> open_;
  ExportCounters counters_;
  std::string last_error_;
};

// The file name stem for a SOP instance UID: [0-9A-Za-z._-] kept, others replaced by '_', at
// most 64 characters, never empty, never starting with '.' ("unknown" for an empty UID).
std::string export_file_stem(std::string_view sop_instance_uid);

}  // namespace dicomsentry
