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
  std::size_t sessions_in_use() const { return in_use_; }

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
  Session* acquire(Flow& flow, AppProto proto);
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
  std::vector<std::unique_ptr<Session>> sessions_;  // owns every session, in use or free
  std::vector<Session*> free_;
  std::size_t in_use_ = 0;
  AppLayerCounters counters_;
};

}  // namespace dicomsentry
