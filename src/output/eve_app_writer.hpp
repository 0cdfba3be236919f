// EVE JSON records of the application layer: `dicom_association`, `dicom`, `anomaly` and `tls`,
// written from the engines' records with the same prefix as `flow` events.
#pragma once

#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "dicom/dicom_events.hpp"
#include "output/community_id.hpp"
#include "output/eve_sink.hpp"
#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"

namespace dicomsentry {

struct EveAppWriterCounters {
  std::uint64_t associations = 0;
  std::uint64_t transactions = 0;
  std::uint64_t anomalies = 0;
  std::uint64_t tls = 0;
  std::uint64_t phi_values_withheld = 0;  // key values and usernames not written (no --log-phi)
};

// One per worker, like EveWriter: the buffer and the timestamp formatter are reused, so once
// the buffer has grown to the largest record, writing allocates nothing (the Community ID of
// a flow is computed once and kept in a small cache).
class EveAppWriter final : public dicom::EventSink {
 public:
  // `log_phi` (--log-phi): write patient-identifying values, i.e. query keys flagged `phi`
  // (PS3.15 Annex E) and the user identity username. Off by default: the key's match kind and
  // `username_present` are written instead. `community_id_seed` as for EveWriter.
  explicit EveAppWriter(EveSink& sink, bool log_phi = false, std::uint16_t community_id_seed = 0);

  void on_association(const dicom::AssociationRecord& record) override;
  void on_transaction(const dicom::TransactionRecord& record) override;
  void on_anomaly(const dicom::AnomalyRecord& record) override;
  void on_tls(const dicom::TlsRecord& record) override;

  const EveAppWriterCounters& counters() const { return counters_; }

 private:
  // Timestamp, event type and the flow's fields (none when the record has no flow).
  void begin(JsonWriter& json, const Flow* flow, TimestampNs ts, std::string_view event_type,
             std::string_view app_proto, bool src_is_client);
  void write_association_body(JsonWriter& json, const dicom::AssociationRecord& record);
  void write_data_set(JsonWriter& json, const dicom::DataSetSummary& summary);
  void finish(JsonWriter& json);

  EveSink& sink_;
  bool log_phi_;
  std::uint16_t seed_;
  fmt::memory_buffer buffer_;
  EveTimestampFormatter timestamps_;
  EveAppWriterCounters counters_;
};

}  // namespace dicomsentry
