// PS3.8 PDU framing over one direction of a reassembled TCP stream. Association PDUs are
// handed over whole; P-DATA-TF PDUs are streamed PDV by PDV, their fragments as views into
// the reassembler's bytes, so pixel data is never copied. Only a PDU or PDV header that
// straddles a segment boundary is asked for whole (the reassembler's `need`).
#pragma once

#include <cstdint>

#include "dicom/engine_anomaly.hpp"
#include "dicom/pdu.hpp"
#include "dicomsentry/bytes.hpp"
#include "reassembly/stream_consumer.hpp"

namespace dicomsentry::dicom {

// Association PDUs larger than this are skipped, not buffered: the reassembler presents at
// most 64 KiB contiguously, and real A-ASSOCIATE-RQs stay far below it.
inline constexpr std::uint32_t kMaxBufferedControlPdu = 64 * 1024;
// While hunting for a boundary, a P-DATA-TF longer than this is not believed.
inline constexpr std::uint32_t kMaxHuntedPdataLength = 4u << 20;
// Bytes a direction may search for a boundary before parsing stops for good.
inline constexpr std::uint64_t kHuntBudgetBytes = 64ull << 20;

// Receives what the splitter finds. Calls happen in stream order; views are valid during
// the call only.
class PduHandler {
 public:
  virtual ~PduHandler() = default;
  // A whole association PDU (types 1-3, 5-7), header included.
  virtual void on_control_pdu(const StreamContext& at, const PduHeader& header, ByteView pdu) = 0;
  virtual void on_pdata(const StreamContext& at, const PduHeader& header) = 0;
  virtual void on_pdv_begin(const StreamContext& at, std::uint8_t context_id,
                            std::uint8_t control, std::uint32_t fragment_length) = 0;
  virtual void on_pdv_data(const StreamContext& at, ByteView fragment) = 0;
  virtual void on_pdv_end(const StreamContext& at) = 0;
  // Bytes of this direction were lost or skipped: any message in progress is broken.
  virtual void on_lost(const StreamContext& at) = 0;
  virtual void on_framing_anomaly(const StreamContext& at, EngineAnomaly anomaly,
                                  std::uint64_t offset) = 0;
};

class PduSplitter {
 public:
  // `hunting`: the stream is picked up in the middle; look for a PDU boundary first.
  void reset(bool hunting);
  Consumed on_data(const StreamContext& at, ByteView data, PduHandler& handler);
  void on_gap(const StreamContext& at, PduHandler& handler);

  bool dead() const { return state_ == State::kDead; }
  bool hunting() const { return state_ == State::kHunting; }
  std::uint64_t hunted_bytes() const { return hunted_bytes_; }
  std::uint32_t resyncs() const { return resyncs_; }

 private:
  enum class State : std::uint8_t { kHeader, kPdvHeader, kPdvData, kSkip, kHunting, kDead };

  // Where in `data` a believable PDU starts, or data.size() if none; `need` set when a
  // candidate sits too close to the end to be judged.
  std::size_t hunt(ByteView data, std::uint32_t& need) const;
  void lose_sync(const StreamContext& at, PduHandler& handler, EngineAnomaly why,
                 std::uint64_t offset);
  // The PDVs of a P-DATA-TF wholly inside `data` from `pos`; returns the new position.
  std::size_t whole_pdvs(const StreamContext& at, ByteView data, std::size_t pos,
                         PduHandler& handler);

  State state_ = State::kHeader;
  std::uint32_t pdu_left_ = 0;  // body bytes of the current P-DATA-TF (or skipped PDU) left
  std::uint32_t pdv_left_ = 0;  // fragment bytes of the current PDV left
  std::uint64_t hunted_bytes_ = 0;
  std::uint64_t hunt_start_ = 0;
  std::uint32_t resyncs_ = 0;
};

}  // namespace dicomsentry::dicom
