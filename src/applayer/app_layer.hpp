// The application layer of one worker: decides what each TCP flow carries (DICOM by port or
// by a strict A-ASSOCIATE-RQ heuristic on any port, TLS by record header on DICOM ports) and
// drives the DICOM engine or the TLS handshake parser for it. Flows that are neither cost one
// decision and nothing after it.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <vector>

#include "applayer/tls_session.hpp"
#include "dicom/association.hpp"
#include "flow/flow_table.hpp"
#include "reassembly/stream_consumer.hpp"
#include "tls/tls_record.hpp"

namespace dicomsentry {

struct AppLayerConfig {
  std::vector<std::uint16_t> dicom_ports = {104, 11112};  // plaintext DICOM (PS3.15 B.1)
  std::vector<std::uint16_t> tls_ports = {2762};          // DICOM over TLS (PS3.15 B.1)
  bool detect_on_any_port = true;                         // the A-ASSOCIATE-RQ heuristic
  std::uint32_t max_anomaly_events = 64;                  // per association
  // Bytes of DICOM and TLS sessions in use (each charged session_charge()); a flow found
  // when it is full is not parsed. Split between workers like the other memcaps.
  std::uint64_t memcap_bytes = 256ull << 20;
  // Free sessions kept for reuse after flows end: at least this many, and as many as bring
  // the pool back to the recent peak of sessions in use (the larger of the peaks over the
  // last two spans of `pool_span` acquisitions). Beyond that they are released, so a burst
  // does not pin its memory for long, while steady traffic never destroys and rebuilds
  // sessions (each rebuilt session allocates its strings again).
  std::uint32_t max_free_sessions = 1024;
  std::uint32_t pool_span = 65536;
};

struct AppLayerCounters {
  std::uint64_t flows_dicom = 0;
  std::uint64_t flows_dicom_unconfigured_port = 0;
  std::uint64_t flows_dicom_midstream = 0;
  std::uint64_t flows_tls = 0;
  std::uint64_t flows_failed = 0;
  std::uint64_t associations = 0;
  std::uint64_t transactions = 0;
  std::uint64_t anomalies = 0;
  std::uint64_t tls_handshakes = 0;
  std::uint64_t memcap_refused = 0;     // DICOM/TLS flows not parsed: the memcap was reached
  // Gauges (they add up over workers like the rest).
  std::uint64_t sessions_in_use = 0;
  std::uint64_t sessions_free = 0;      // kept for reuse (see max_free_sessions)
  std::uint64_t memuse = 0;             // sessions_in_use x session_charge()
  std::uint64_t memuse_high_water = 0;
  std::uint64_t memcap = 0;
};

// The first bytes of a stream on a DICOM port that are not DICOM, by what they look like.
enum class ForeignKind : std::uint8_t { kHttp, kSsh, kTls, kText, kBinary, kCount };
ForeignKind classify_foreign_bytes(ByteView first);
std::string_view foreign_kind_name(ForeignKind kind);

class AppLayer final : public StreamConsumer, public FlowEndHandler, private dicom::EventSink {
 public:
  AppLayer(const AppLayerConfig& config, dicom::EventSink& events,
           dicom::ObjectSink* objects = nullptr);
  ~AppLayer() override;
  AppLayer(const AppLayer&) = delete;
  AppLayer& operator=(const AppLayer&) = delete;

  Consumed on_data(const StreamContext& context, ByteView data) override;
  void on_gap(const StreamContext& context, std::uint64_t bytes) override;
  void on_end(const StreamContext& context) override;
  // Called for every ending flow after its streams were flushed: reports and frees its state.
  void on_flow_end(Flow& flow) override;

  const AppLayerCounters& counters() const { return counters_; }
  std::size_t sessions_in_use() const { return counters_.sessions_in_use; }
  std::size_t sessions_free() const { return free_.size(); }
  // What the memcap charges per session: sizeof(Session) plus kSessionHeapEstimate.
  static std::uint64_t session_charge();
  // The heap a session's records and buffers hold besides the Session object: what
  // bench_flow_memory measured for an open association with three presentation contexts (its
  // `rest` row less sizeof(Session): about 1.3 KB), rounded up to a multiple of 64.
  static constexpr std::uint64_t kSessionHeapEstimate = 1344;

 private:
  struct Session;

  // EventSink: counts, then forwards.
  void on_association(const dicom::AssociationRecord& record) override;
  void on_transaction(const dicom::TransactionRecord& record) override;
  void on_anomaly(const dicom::AnomalyRecord& record) override;
  void on_tls(const dicom::TlsRecord& record) override;

  Consumed detect(const StreamContext& context, ByteView data);
  // Returns a session whose work is over (association reported, TLS hellos seen) to the pool.
  void recycle_if_done(Flow& flow);
  void after_end(const StreamContext& context);
  // nullptr when the memcap is reached: the flow is then refused (see refuse()).
  Session* acquire(Flow& flow, AppProto proto);
  Consumed refuse(const StreamContext& context, ByteView data, AppProto proto);
  void release(Session* session);
  void fail(const StreamContext& context, ByteView data);

  AppLayerConfig config_;
  dicom::EventSink& events_;
  std::bitset<65536> dicom_ports_;
  std::bitset<65536> tls_ports_;
  dicom::AssociationShared shared_;
  std::unique_ptr<dicom::AssociatePdu> associate_scratch_;
  // Declared before the sessions: their trackers hold its transactions until they are gone.
  dicom::TransactionPool transactions_;
  std::vector<std::byte> tls_scratch_;
  // Owns every session, in use or free; a session knows its slot, so releasing one above
  // the free limit is a swap with the last.
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<Session*> free_;
  // Peaks of sessions in use, this span of acquisitions and the one before (see pool_span).
  std::uint64_t span_peak_ = 0;
  std::uint64_t previous_span_peak_ = 0;
  std::uint32_t span_acquisitions_ = 0;
  std::uint64_t pool_target() const;
  void destroy(Session* session);
  AppLayerCounters counters_;
};

}  // namespace dicomsentry
