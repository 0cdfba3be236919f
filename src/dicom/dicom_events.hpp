// The facts the application layer reports: one record type per EVE event type, and the sink
// they go to. Records are filled by the DICOM and TLS engines and written by output/; they
// own their strings and are reused, so steady-state reporting does not allocate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dicom/dataset_summary.hpp"
#include "dicom/dimse_command.hpp"
#include "flow/flow.hpp"

namespace dicomsentry::dicom {

// The observer's view of an association (the EVE field `dicom_association.state`).
enum class AssociationState : std::uint8_t {
  kRequested,    // A-ASSOCIATE-RQ seen, no answer yet
  kEstablished,  // A-ASSOCIATE-AC seen
  kReleasing,    // A-RELEASE-RQ seen
  kReleased,     // A-RELEASE-RP seen
  kRejected,     // A-ASSOCIATE-RJ
  kAborted,      // A-ABORT
  kIncomplete,   // the capture or the flow ended before the association did
  kMidstream,    // picked up without its A-ASSOCIATE exchange
};
std::string_view association_state_name(AssociationState state);
inline constexpr std::size_t kAssociationStates = static_cast<std::size_t>(AssociationState::kMidstream) + 1;

// DIMSE services counted per association, in PS3.7 order; index with command_kind().
enum class CommandKind : std::uint8_t {
  kCStore, kCGet, kCFind, kCMove, kCEcho, kCCancel,
  kNEventReport, kNGet, kNSet, kNAction, kNCreate, kNDelete, kUnknown, kCount
};
CommandKind command_kind(CommandField command);           // request or response alike
std::string_view command_kind_name(CommandKind kind);      // "C-STORE", ..., "UNKNOWN"
inline constexpr std::size_t kCommandKinds = static_cast<std::size_t>(CommandKind::kCount);

struct ContextSummary {
  std::uint8_t id = 0;
  std::string abstract_syntax;
  std::vector<std::string> proposed_transfer_syntaxes;
  bool answered = false;  // an A-ASSOCIATE-AC item for this id was seen
  std::uint8_t result = 0;
  std::string accepted_transfer_syntax;  // empty unless result == 0
};

// The presentation contexts of an association record: a list whose clear() keeps its
// elements, so the next association of a pooled session refills them (strings, buffers and
// all) in place. Moving them out to a spare list and back, as before, cost 2% of the parse
// pipeline's samples on short associations. Copies hold only the contexts in use.
class ContextList {
 public:
  ContextList() = default;
  ContextList(std::initializer_list<ContextSummary> items) : items_(items), size_(items_.size()) {}
  ContextList& operator=(std::initializer_list<ContextSummary> items);
  ContextList(const ContextList& other) : items_(other.begin(), other.end()), size_(other.size_) {}
  ContextList& operator=(const ContextList& other);
  ContextList(ContextList&& other) noexcept;
  ContextList& operator=(ContextList&& other) noexcept;
  ~ContextList() = default;

  // A context appended for refilling: every field reset except the proposed transfer
  // syntaxes, which the caller assigns over (their strings keep their buffers).
  ContextSummary& next();
  ContextSummary& emplace_back();  // a context appended with every field reset
  // By value: `context` may be an element of this list, which next() may move.
  void push_back(ContextSummary context) { next() = std::move(context); }
  void clear() { size_ = 0; }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ContextSummary& operator[](std::size_t i) { return items_[i]; }
  const ContextSummary& operator[](std::size_t i) const { return items_[i]; }
  ContextSummary& back() { return items_[size_ - 1]; }
  ContextSummary* begin() { return items_.data(); }
  ContextSummary* end() { return items_.data() + size_; }
  const ContextSummary* begin() const { return items_.data(); }
  const ContextSummary* end() const { return items_.data() + size_; }

 private:
  std::vector<ContextSummary> items_;  // [0, size_) in use, the rest kept for reuse
  std::size_t size_ = 0;
};

struct RoleSummary {
  std::string sop_class_uid;
  std::uint8_t scu_role = 0;
  std::uint8_t scp_role = 0;
  bool from_acceptor = false;
};

// One side of the association: the requestor (TCP client) or the acceptor.
struct PeerSummary {
  std::string implementation_class_uid;
  std::string implementation_version_name;
  bool has_max_pdu_length = false;
  std::uint32_t max_pdu_length = 0;
  bool has_async_window = false;
  std::uint16_t max_operations_invoked = 0;
  std::uint16_t max_operations_performed = 0;
  std::uint64_t bytes = 0;  // PDU bytes sent (headers included)
  std::uint64_t pdus = 0;
  std::array<std::uint32_t, 8> pdus_by_type{};  // index = PDU type 1..7; [0] unknown
};

// Everything `dicom_association` reports; written once, when the association or the run ends.
struct AssociationRecord {
  const Flow* flow = nullptr;
  TimestampNs start_ts = 0;
  TimestampNs end_ts = 0;
  AssociationState state = AssociationState::kRequested;
  bool midstream = false;              // no A-ASSOCIATE seen; the state says what came later
  bool port_configured = true;         // false: found by the heuristic on another port
  std::string calling_ae;              // trimmed
  std::string called_ae;
  std::string responding_ae;           // the called AE title echoed in the AC, trimmed
  std::string application_context;
  ContextList contexts;
  std::uint16_t contexts_proposed = 0;  // sent, including any beyond the cap
  PeerSummary requestor;
  PeerSummary acceptor;
  std::vector<RoleSummary> roles;
  std::uint16_t extended_negotiations = 0;         // 0x56 and 0x57 sub-items, both sides
  std::uint8_t user_identity_type = 0;              // 0 none, else PS3.7 D.3.3.7 type
  bool user_identity_response_requested = false;
  bool user_identity_confirmed = false;             // the AC carried a 0x59 sub-item
  std::string user_identity_username;               // types 1 and 2 only; PHI-like: see EVE
  std::uint16_t user_identity_secondary_length = 0;  // the passcode length; never its bytes
  std::uint8_t reject_result = 0, reject_source = 0, reject_reason = 0;  // state kRejected
  std::uint8_t abort_source = 0, abort_reason = 0;                       // state kAborted
  bool abort_from_requestor = false;
  bool release_from_requestor = true;
  std::array<std::uint32_t, kCommandKinds> requests{};   // requests seen, by service
  std::uint32_t transactions = 0;                        // dicom events written
  std::uint32_t anomalies = 0;
  std::uint64_t gap_bytes = 0;                           // both directions
  void clear();
};

// One DIMSE transaction: a request and its final response (pending responses counted).
struct TransactionRecord {
  const Flow* flow = nullptr;
  const AssociationRecord* association = nullptr;  // for the AE titles
  Direction request_direction = Direction::kToServer;
  TimestampNs request_ts = 0;
  TimestampNs response_ts = 0;  // 0 without a final response
  CommandField command = CommandField::kUnknown;  // the request's
  std::uint16_t command_field_raw = 0;
  std::uint16_t message_id = 0;
  std::uint8_t presentation_context_id = 0;
  std::string abstract_syntax;   // of the context
  std::string transfer_syntax;   // accepted for the context
  std::string sop_class_uid;     // affected or requested
  std::string sop_instance_uid;
  bool has_priority = false;
  std::uint16_t priority = 0;
  std::string move_destination;
  std::string move_originator_ae;
  bool has_move_originator_message_id = false;
  std::uint16_t move_originator_message_id = 0;
  bool has_response = false;     // a final (non-pending) response
  bool request_seen = true;      // false: a response whose request was not seen (midstream)
  std::uint16_t status = 0;
  std::string error_comment;
  std::uint32_t pending_responses = 0;
  bool has_sub_operations = false;
  std::uint16_t remaining = 0, completed = 0, failed = 0, warning = 0;
  std::uint64_t request_data_set_bytes = 0;
  std::uint64_t response_data_set_bytes = 0;  // identifiers of all responses summed
  bool request_data_set_gap = false;          // part of the request's data set was lost
  // The request's data set head (C-STORE: its first kStoreHeadBytes; C-FIND/C-GET/C-MOVE: the
  // identifier), kept as bytes and summarised with DCMTK only when a consumer asks through
  // data_set(): that parse costs microseconds, more than all the rest of a transaction.
  std::vector<std::byte> request_data_set_head;
  std::string request_data_set_syntax;        // the transfer syntax it is encoded in
  bool request_data_set_whole = false;        // the head is the whole data set
  DataSetSummary request_data_set;            // filled by data_set(), or directly by tests
  bool exported = false;                      // written by --export-objects
  void clear();
  // The summary of the request's data set, made on the first call (later calls are free).
  const DataSetSummary& data_set() const;

 private:
  mutable bool summarized_ = false;
};

// A protocol violation or unparseable input (EVE `anomaly`).
struct AnomalyRecord {
  const Flow* flow = nullptr;
  TimestampNs ts = 0;
  Direction direction = Direction::kToServer;
  std::string_view layer;    // "dicom.ul", "dicom.dimse", "tls", "app"
  std::string_view name;     // stable snake_case reason, e.g. "pdu.unknown_type"
  std::string_view message;  // one sentence for an analyst
  std::uint64_t stream_offset = 0;
};

// A TLS handshake on a DICOM flow (EVE `tls`).
struct TlsRecord {
  const Flow* flow = nullptr;
  TimestampNs ts = 0;
  bool has_client_hello = false;
  std::uint16_t client_legacy_version = 0;
  std::uint16_t client_highest_version = 0;
  std::vector<std::uint16_t> client_versions;  // supported_versions, GREASE dropped
  std::uint16_t cipher_suites_offered = 0;
  std::uint16_t weak_suites_offered = 0;
  std::string sni;
  std::vector<std::string> alpn;
  bool has_server_hello = false;
  std::uint16_t version = 0;  // negotiated (supported_versions in a TLS 1.3 ServerHello)
  std::uint16_t cipher_suite = 0;
  std::uint16_t cipher_weakness = 0;  // tls::weakness flags for the chosen suite and version
  void clear();
};

// Where the engines put their facts.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_association(const AssociationRecord& record) = 0;
  virtual void on_transaction(const TransactionRecord& record) = 0;
  virtual void on_anomaly(const AnomalyRecord& record) = 0;
  virtual void on_tls(const TlsRecord& record) = 0;
};

}  // namespace dicomsentry::dicom
