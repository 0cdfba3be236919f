// A reference walk of one direction of a DICOM byte stream, fed in pieces of any size: every
// PDU checked with the src/dicom parsers, DIMSE messages reassembled from their PDVs. An
// oracle for tests of generated traffic, not the inspector's engine (no gaps, no
// resynchronisation, one message in progress at a time).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "byte_append.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::synth {

struct WalkedMessage {
  std::uint8_t context_id = 0;
  std::uint16_t command_field = 0;
  std::uint16_t message_id = 0;  // Message ID, or Being Responded To for responses
  std::uint16_t status = 0;      // responses only
  Bytes command;
  bool has_data_set = false;
  std::uint64_t data_set_length = 0;
  Bytes data_set;  // its first `keep_data_set_bytes` bytes
  std::uint32_t command_pdvs = 0;
  std::uint32_t data_set_pdvs = 0;
};

class DicomStreamWalker {
 public:
  explicit DicomStreamWalker(
      std::size_t keep_data_set_bytes = std::numeric_limits<std::size_t>::max())
      : keep_(keep_data_set_bytes) {}

  // Walks `bytes`, continuing where the last call stopped. After the first error (a PDU the
  // parsers flag, a PDV out of order, a command set with anomalies) the rest is ignored;
  // error() names the PDU by its 1-based position in the stream.
  void feed(ByteView bytes);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::uint64_t pdus() const { return pdus_; }
  // Complete PDUs by type (index 1..7).
  const std::array<std::uint64_t, 8>& pdus_by_type() const { return by_type_; }
  std::uint32_t max_pdata_length() const { return max_pdata_length_; }  // PDU length field
  const std::vector<WalkedMessage>& messages() const { return messages_; }
  // Bytes of a PDU not yet complete, and whether a DIMSE message was under way: both are 0
  // / false when the stream ended on a message boundary.
  std::size_t partial_pdu_bytes() const { return pdu_.size(); }
  bool inside_message() const { return in_message_; }

 private:
  void on_pdu();
  void check_pdu();
  void on_pdata(ByteView body);
  void finish_message();
  void fail(std::string why);

  std::size_t keep_;
  Bytes pdu_;  // the PDU being collected, header included
  std::array<std::uint64_t, 8> by_type_{};
  std::uint64_t pdus_ = 0;
  std::uint32_t max_pdata_length_ = 0;
  std::vector<WalkedMessage> messages_;
  WalkedMessage current_;
  bool in_message_ = false;
  bool command_done_ = false;
  std::string error_;
};

}  // namespace dicomsentry::synth
