// The TLS handshake of a DICOM-TLS flow (PS3.15 Annex B): the ClientHello and ServerHello are
// cut out of the record stream and summarised into one TlsRecord; everything after them is
// encrypted and skipped without being looked at.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "dicom/dicom_events.hpp"
#include "reassembly/stream_consumer.hpp"

namespace dicomsentry {

class TlsSession {
 public:
  void start(Flow& flow);
  // `scratch` joins a hello split over records (shared per worker; kMaxHelloBytes).
  Consumed on_data(const StreamContext& at, ByteView data, std::span<std::byte> scratch,
                   dicom::EventSink& events);
  void on_gap(const StreamContext& at);
  // Writes the record if a hello was seen and it was not written yet.
  void finish(dicom::EventSink& events);

  const dicom::TlsRecord& record() const { return record_; }
  // Both directions' first handshake messages seen (or given up on), and reported.
  bool done() const { return done_[0] && done_[1] && emitted_; }

 private:
  void emit(dicom::EventSink& events);

  dicom::TlsRecord record_;
  std::array<bool, 2> done_{};
  bool emitted_ = false;
};

// How many contiguous bytes the handshake records at the start of `data` need before their
// first message can be complete (the end of the first record that is cut short).
std::size_t tls_bytes_needed(ByteView data);

}  // namespace dicomsentry
