// PS3.7 messages of one association: PDV fragments assembled per direction into command sets
// (copied: they are small) and data sets (streamed: counted, their head kept for a summary),
// requests paired with their responses by message id into one TransactionRecord each.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "dicom/dicom_events.hpp"
#include "dicom/engine_anomaly.hpp"
#include "reassembly/stream_consumer.hpp"

namespace dicomsentry::dicom {

// Where C-STORE data sets go when objects are exported (--export-objects). `begin` returns a
// handle (null: not exported), then every data set byte in order, then `finish`, which says
// whether a file was written (only when `complete`: no byte was lost).
class ObjectSink {
 public:
  virtual ~ObjectSink() = default;
  virtual void* begin(const TransactionRecord& request) = 0;
  virtual void write(void* handle, ByteView bytes) = 0;
  // `request` is the transaction the data set belongs to, as far as it is known by now.
  virtual bool finish(void* handle, bool complete, const TransactionRecord& request) = 0;
};

// Anomalies go through the association, which bounds and reports them.
class AnomalyReporter {
 public:
  virtual ~AnomalyReporter() = default;
  virtual void anomaly(const StreamContext& at, EngineAnomaly kind, std::uint64_t offset) = 0;
  virtual void anomaly(const StreamContext& at, std::string_view layer, std::string_view name,
                       std::string_view message, std::uint64_t offset) = 0;
};

// Outstanding requests tracked per association; async windows in practice stay below 16.
inline constexpr std::size_t kMaxOutstanding = 64;

// The transfer syntax a data set's first bytes are written in, when no negotiation was seen
// (mid-stream): explicit VR big or little endian if a VR follows the first tag, else implicit
// VR little endian. Empty when the bytes say nothing (fewer than 8).
std::string_view infer_transfer_syntax(ByteView head);

// A request waiting for its final response, with the record its `dicom` event is made of.
struct PendingTransaction {
  bool used = false;
  Direction direction = Direction::kToServer;  // of the request
  std::uint16_t message_id = 0;
  std::uint64_t order = 0;  // request order, to report the oldest first
  void* object = nullptr;   // export handle
  TransactionRecord record;
};

// The pending transactions of all the associations of one worker, reused last-freed first. A
// transaction lives from its request to its response, so the record a new request gets was
// usually reported a moment ago and is still in cache, where a record kept per association
// would be cold by then (and an open association that waits holds none).
class TransactionPool {
 public:
  PendingTransaction* take() {
    if (free_.empty()) return all_.emplace_back(std::make_unique<PendingTransaction>()).get();
    PendingTransaction* p = free_.back();
    free_.pop_back();
    return p;
  }
  void give(PendingTransaction* p) { free_.push_back(p); }
  std::size_t allocated() const { return all_.size(); }
  std::size_t in_use() const { return all_.size() - free_.size(); }

 private:
  std::vector<std::unique_ptr<PendingTransaction>> all_;
  std::vector<PendingTransaction*> free_;
};

class DimseTracker {
 public:
  // Nothing is reserved: an association that is open but idle holds no pending records
  // (616 bytes each); a pooled session keeps what its earlier associations grew.
  DimseTracker() = default;
  // `pool` (shared by the worker's associations) may be null: the tracker then keeps its own.
  void start(Flow* flow, AssociationRecord* association, EventSink* events, ObjectSink* objects,
             AnomalyReporter* reporter, TransactionPool* pool, bool midstream);
  // After A-ASSOCIATE-AC: maps context ids to the association's contexts.
  void index_contexts();

  void on_pdv_begin(const StreamContext& at, std::uint8_t context_id, std::uint8_t control,
                    std::uint32_t fragment_length);
  void on_pdv_data(const StreamContext& at, ByteView fragment) {
    // Inline for the bulk of a data set (its head already kept, no export): a count.
    Message& m = messages_[static_cast<std::size_t>(at.direction)];
    if (m.in_data_set && !m.pdv_is_command && !m.pdv_ignored && objects_ == nullptr &&
        m.head.size() >= m.head_limit) {
      m.data_set_bytes += fragment.size();
      return;
    }
    take_pdv_data(at, m, fragment);
  }
  void on_pdv_end(const StreamContext& at);
  // Bytes of this direction were lost: the message in progress is broken.
  void on_lost(const StreamContext& at);
  // Reports every outstanding transaction, answered or not.
  void finish(TimestampNs ts);

 private:
  using Pending = PendingTransaction;

  // One message in progress per direction (PS3.8 Annex E: fragments of different messages
  // are never interleaved within a direction). What a data set fragment's delivery reads
  // (on_pdv_data) comes first, in the message's first cache line.
  struct Message {
    // Current PDV.
    bool pdv_is_command = false;
    bool pdv_is_last = false;
    bool pdv_ignored = false;
    bool in_data_set = false;
    std::uint32_t pdv_length = 0;  // its fragment's bytes, as its header says
    std::size_t head_limit = 0;
    std::uint64_t data_set_bytes = 0;
    std::vector<std::byte> head;
    // Data set announced by the last command.
    bool expect_data_set = false;
    bool data_set_is_request = false;
    bool data_set_final_response = false;
    bool data_set_gap = false;
    std::uint8_t data_set_context = 0;
    std::int32_t data_set_pending = -1;  // index into pending_, or -1 when not tracked
    // The command set in progress.
    bool synced = true;            // false after loss or mid-stream: next command may be cut
    bool in_command = false;
    bool command_overflow = false;
    std::uint8_t command_context = 0;
    std::vector<std::byte> command;
  };

  // `command` is the whole command set: m.command, or the PDV's bytes when it came in one view.
  void process_command(const StreamContext& at, Message& m, ByteView command);
  void take_pdv_data(const StreamContext& at, Message& m, ByteView fragment);
  void on_request(const StreamContext& at, Message& m, const DimseCommand& cmd);
  void on_response(const StreamContext& at, Message& m, const DimseCommand& cmd);
  void end_data_set(const StreamContext& at, Message& m, bool gap);
  std::int32_t find_pending(Direction direction, std::uint16_t message_id) const;
  // A free slot holding a fresh transaction from the pool (the oldest is reported if all
  // kMaxOutstanding are taken).
  std::int32_t allocate_pending(const StreamContext& at);
  void release_slot(std::size_t index);
  void emit(std::size_t index);
  void fill_context(TransactionRecord& record, std::uint8_t context_id) const;
  void check_context(const StreamContext& at, std::uint8_t context_id);
  static std::uint32_t pending_key(Direction direction, std::uint16_t message_id) {
    return kSlotUsed | (static_cast<std::uint32_t>(direction) << 16) | message_id;
  }

  // Per-PDV state first (with the export sink, read on every data set fragment);
  // per-message and per-association state after it.
  ObjectSink* objects_ = nullptr;
  std::array<Message, 2> messages_;
  Flow* flow_ = nullptr;
  AssociationRecord* association_ = nullptr;
  EventSink* events_ = nullptr;
  AnomalyReporter* reporter_ = nullptr;
  bool midstream_ = false;
  bool contexts_known_ = false;
  // Read together: contexts_known_ above with the two context sets (once per message part),
  // then pending_'s size with the first keys (per message).
  std::bitset<256> context_usable_;   // proposed and accepted: checked once per message
  std::bitset<256> context_flagged_;  // anomaly for this id already reported
  // Slots of outstanding requests: a transaction from the pool while its key is set, else null.
  std::vector<Pending*> pending_;
  TransactionPool* pool_ = nullptr;
  std::unique_ptr<TransactionPool> own_pool_;  // only without a shared pool
  // Outstanding requests: a compact key per slot (scanned per response) beside the records.
  static constexpr std::uint32_t kSlotUsed = 1u << 31;
  std::array<std::uint32_t, kMaxOutstanding> pending_keys_{};  // kSlotUsed | direction << 16 | id
  static constexpr std::uint8_t kNoContext = 0xff;
  std::array<std::uint8_t, 256> context_index_{};  // id -> index in association_->contexts
  std::uint64_t order_ = 0;
};

}  // namespace dicomsentry::dicom
