// The DICOM side of the benchmark capture: each flow's association as a list of turns (what
// one peer sends before the other answers), C-STORE data sets produced piece by piece.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "dicom_builder.hpp"
#include "synthetic_traffic.hpp"

namespace dicomsentry::synth {

// What has been sent once a turn's last byte is out (counted in the capture summary).
enum class TurnKind : std::uint8_t {
  kAssociateRq,
  kAssociateAc,
  kEchoRq,
  kEchoRsp,
  kStoreRq,
  kStoreRsp,
  kFindRq,
  kFindRsp,
  kReleaseRq,
  kReleaseRp,
};

// One PDU or DIMSE message from one peer. A C-STORE-RQ keeps only its command PDU and the
// object head: the data set PDUs (framing, head, then fill_pixels) are written on demand, so a
// generator holds kilobytes per open association however large the objects are.
struct Turn {
  Direction from = Direction::kClientToServer;
  TurnKind kind = TurnKind::kAssociateRq;
  Bytes bytes;              // sent first
  PdataLayout data_layout;  // part_length 0: no data set follows `bytes`
  Bytes data_head;          // the data set's first bytes; fill_pixels() after them
  std::uint64_t data_set_length() const { return data_layout.part_length; }

  std::uint64_t length() const {
    return bytes.size() + (data_layout.part_length > 0 ? data_layout.stream_length() : 0);
  }
  // Stream bytes [offset, offset + out.size()) of this turn (within length()).
  void write(std::uint64_t offset, std::span<std::byte> out) const;
};

using Association = std::vector<Turn>;

// An association of a modality sending 1-3 images of 1-8 MB: an A-ASSOCIATE-RQ proposing
// 20-60 storage contexts (explicit and implicit little endian), the AC (max PDU 16384, 65536
// or 131072 for the client to send under), C-STORE-RQ/RSP pairs, release. `n` numbers the
// flow (AE titles, UIDs).
Association store_association(std::mt19937_64& rng, std::uint32_t n);
// echoscu's association: one verification context, 1-3 C-ECHO-RQ/RSP pairs, release.
Association echo_association(std::mt19937_64& rng, std::uint32_t n);
// A workstation's query: 1-2 study-root C-FIND-RQs with identifiers, each answered by 0-12
// pending responses with identifiers and a final success, release. Identifiers are explicit or
// implicit little endian, as the accepted context says; the same twelve studies answer every
// query (their PDUs are built once).
Association find_association(std::mt19937_64& rng, std::uint32_t n);

}  // namespace dicomsentry::synth
