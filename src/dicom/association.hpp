// One DICOM association as an observer sees it on a TCP connection: both directions' PDU
// framing, the PS3.8 state machine, the negotiated contexts, and the DIMSE messages (through
// DimseTracker). Facts go to an EventSink as records.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "dicom/dicom_events.hpp"
#include "dicom/dimse_tracker.hpp"
#include "dicom/pdu_associate.hpp"
#include "dicom/pdu_splitter.hpp"

namespace dicomsentry::dicom {

// What an association may use of its worker: the sinks and a reusable A-ASSOCIATE parse.
struct AssociationShared {
  EventSink* events = nullptr;
  ObjectSink* objects = nullptr;        // --export-objects; may be null
  AssociatePdu* associate_scratch = nullptr;
  TransactionPool* transactions = nullptr;  // pending DIMSE transactions; null: per association
  std::uint32_t max_anomaly_events = 64;  // per association; more are counted only
};

class Association final : public PduHandler, public AnomalyReporter {
 public:
  explicit Association(AssociationShared& shared);
  // A new TCP connection: `midstream` when it was picked up without its A-ASSOCIATE.
  void start(Flow& flow, TimestampNs ts, bool midstream, bool port_configured);
  Consumed on_data(const StreamContext& at, ByteView data);
  void on_gap(const StreamContext& at, std::uint64_t bytes);
  // The flow or the run ends: reports whatever was not reported yet.
  void finish(TimestampNs ts);

  const AssociationRecord& record() const { return record_; }
  bool reported() const { return reported_; }

  // PduHandler
  void on_control_pdu(const StreamContext& at, const PduHeader& header, ByteView pdu) override;
  void on_pdata(const StreamContext& at, const PduHeader& header) override;
  void on_pdv_begin(const StreamContext& at, std::uint8_t context_id, std::uint8_t control,
                    std::uint32_t fragment_length) override;
  void on_pdv_data(const StreamContext& at, ByteView fragment) override;
  void on_pdv_end(const StreamContext& at) override;
  void on_lost(const StreamContext& at) override;
  void on_framing_anomaly(const StreamContext& at, EngineAnomaly anomaly,
                          std::uint64_t offset) override;

  // Reports one anomaly (bounded per association).
  void anomaly(const StreamContext& at, std::string_view layer, std::string_view name,
               std::string_view message, std::uint64_t offset) override;
  void anomaly(const StreamContext& at, EngineAnomaly kind, std::uint64_t offset) override;

 private:
  void on_associate_rq(const StreamContext& at, ByteView pdu);
  void on_associate_ac(const StreamContext& at, ByteView pdu);
  void on_associate_rj(const StreamContext& at, ByteView pdu);
  void on_release(const StreamContext& at, ByteView pdu);
  void on_abort(const StreamContext& at, ByteView pdu);
  void report_parse_anomalies(const StreamContext& at, const AnomalyList& anomalies);
  void end(TimestampNs ts, AssociationState state);
  void count_pdu(Direction from, std::uint8_t type, std::uint64_t bytes);
  bool ended() const;

  // What every delivery touches comes first and stays together (a few cache lines): the
  // splitters, the PDU counts (per PDU; they followed the DIMSE tracker's 500 bytes of
  // per-message tables once, a cache miss per PDU), then the DIMSE state. The record, touched
  // per association, comes last. PDU counts and the last delivery's time go into the record
  // when it is reported.
  struct PduCounts {
    std::uint64_t bytes = 0;
    std::uint32_t pdus = 0;
    std::array<std::uint32_t, 8> by_type{};
  };
  // A delivery inside a data set touches the splitter, the time and the DIMSE tracker's
  // message state only: the first cache lines of the session, which the pipeline prefetches.
  AssociationShared& shared_;
  std::array<PduSplitter, 2> splitters_;
  TimestampNs last_ts_ = 0;  // of the last delivery: the record's end time when it is reported
  Flow* flow_ = nullptr;
  bool reported_ = false;
  bool seen_rq_ = false;
  bool seen_ac_ = false;
  std::uint32_t anomaly_events_ = 0;
  std::uint32_t receiver_max_[2] = {0, 0};  // P-DATA-TF limit for what each side sends; 0 none
  std::array<PduCounts, 2> counts_;  // by sender: [kToServer] is the requestor
  DimseTracker dimse_;
  // Its contexts keep their strings' buffers from one association of a pooled session to the
  // next (ContextList): an A-ASSOCIATE-RQ fills them again instead of allocating a dozen UIDs.
  AssociationRecord record_;
};

}  // namespace dicomsentry::dicom
