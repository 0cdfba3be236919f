#include "dicom/pdu_splitter.hpp"

#include <algorithm>
#include <cstring>

#include "dicom/pdu_data.hpp"

namespace dicomsentry::dicom {

namespace {

StreamContext at_offset(const StreamContext& at, std::size_t pos) {
  return StreamContext{at.flow, at.direction, at.ts, at.offset + pos};
}

std::uint8_t byte_at(ByteView data, std::size_t i) { return static_cast<std::uint8_t>(data[i]); }

// The fixed 10-byte PDUs: A-RELEASE-RQ/RP with four zero bytes, A-ABORT with two.
bool is_exact_short_pdu(ByteView p) {
  const std::uint8_t type = byte_at(p, 0);
  if (byte_at(p, 1) != 0 || load_be32(p.data() + 2) != kShortPduLength) return false;
  if (type == 0x05 || type == 0x06) return load_be32(p.data() + 6) == 0;
  if (type == 0x07) return byte_at(p, 6) == 0 && byte_at(p, 7) == 0 && byte_at(p, 8) <= 2;
  return false;
}

}  // namespace

void PduSplitter::reset(bool hunting) {
  state_ = hunting ? State::kHunting : State::kHeader;
  pdu_left_ = pdv_left_ = 0;
  hunted_bytes_ = hunt_start_ = 0;
  resyncs_ = 0;
}

void PduSplitter::lose_sync(const StreamContext& at, PduHandler& handler, EngineAnomaly why,
                            std::uint64_t offset) {
  handler.on_lost(at);
  handler.on_framing_anomaly(at, why, offset);
  state_ = State::kHunting;
  hunt_start_ = hunted_bytes_;
}

// A candidate P-DATA-TF at i is believed when its PDV items tile the PDU exactly: with one
// PDV (what DCMTK and most toolkits send) that is a 32-bit equality, with several each header
// must be plausible and the last must end where the PDU does, as far as the bytes reach.
std::size_t PduSplitter::hunt(ByteView data, std::uint32_t& need) const {
  constexpr std::size_t kProbe = kPduHeaderLength + kPdvHeaderLength;
  need = 0;
  std::size_t i = 0;
  while (i < data.size()) {
    const std::uint8_t type = byte_at(data, i);
    if (type < 0x04 || type > 0x07) {
      // memchr-speed skip to the next byte that could start a P-DATA, release or abort.
      const std::byte* p = data.data() + i + 1;
      const std::byte* end = data.data() + data.size();
      while (p < end && (static_cast<std::uint8_t>(*p) < 0x04 || static_cast<std::uint8_t>(*p) > 0x07)) ++p;
      i = static_cast<std::size_t>(p - data.data());
      continue;
    }
    if (data.size() - i < kProbe) {
      need = static_cast<std::uint32_t>(kProbe);
      return i;
    }
    ByteView p = data.subspan(i);
    if (type != 0x04) {
      if (is_exact_short_pdu(p)) return i;
      ++i;
      continue;
    }
    const std::uint32_t length = load_be32(p.data() + 2);
    if (byte_at(p, 1) == 0 && length >= kMinPdataLength && length <= kMaxHuntedPdataLength) {
      std::size_t item = kPduHeaderLength;  // offset in p of the current PDV item
      const std::size_t pdu_end = kPduHeaderLength + length;
      std::uint32_t items = 0;
      bool believed = false;
      for (;;) {
        if (item == pdu_end) {
          believed = items > 0;
          break;
        }
        if (item + kPdvHeaderLength > p.size()) {
          believed = items >= 2;  // two consistent headers, the bytes end before the PDU
          break;
        }
        const std::uint32_t item_length = load_be32(p.data() + item);
        const std::uint8_t context = byte_at(p, item + 4);
        const std::uint8_t control = byte_at(p, item + 5);
        if (item_length < kMinPdvItemLength || item + kPdvLengthField + item_length > pdu_end ||
            (context & 1) == 0 || (control & kPdvReservedBits) != 0) {
          break;
        }
        ++items;
        item += kPdvLengthField + item_length;
      }
      if (believed) return i;
    }
    ++i;
  }
  return data.size();
}

// The PDV items of a P-DATA-TF whose body lies wholly in `data` from `pos` (a command set, a
// C-FIND identifier, a small object: most PDUs of short associations), handed over exactly as
// the kPdvHeader and kPdvData states would, one item after the other. Going round the state
// switch per item cost a mispredicted indirect jump each time. Stops at the PDU's end (state
// kHeader) or before the first item the states must judge (kPdvHeader, nothing of it taken).
std::size_t PduSplitter::whole_pdvs(const StreamContext& at, ByteView data, std::size_t pos,
                                    PduHandler& handler) {
  while (pdu_left_ >= kPdvHeaderLength) {
    const std::byte* h = data.data() + pos;
    const std::uint32_t item_length = load_be32(h);
    if (item_length < kMinPdvItemLength || item_length > pdu_left_ - kPdvLengthField) return pos;
    const std::uint32_t fragment = item_length - kMinPdvItemLength;
    pdu_left_ -= static_cast<std::uint32_t>(kPdvHeaderLength) + fragment;
    handler.on_pdv_begin(at_offset(at, pos), static_cast<std::uint8_t>(h[4]),
                         static_cast<std::uint8_t>(h[5]), fragment);
    pos += kPdvHeaderLength;
    if (fragment != 0) {
      handler.on_pdv_data(at_offset(at, pos), data.subspan(pos, fragment));
      pos += fragment;
    }
    handler.on_pdv_end(at_offset(at, pos));
  }
  pdv_left_ = 0;
  if (pdu_left_ == 0) state_ = State::kHeader;
  return pos;
}

Consumed PduSplitter::on_data(const StreamContext& at, ByteView data, PduHandler& handler) {
  const std::size_t size = data.size();
  // Most deliveries of a bulk transfer (C-STORE pixel data) lie wholly inside one PDV and do
  // not finish it: one fragment, no header, no state change, no loop.
  if (state_ == State::kPdvData && size != 0 && size < pdv_left_) {
    handler.on_pdv_data(at, data);
    pdv_left_ -= static_cast<std::uint32_t>(size);
    pdu_left_ -= static_cast<std::uint32_t>(size);
    return {static_cast<std::uint32_t>(size), 0};
  }
  std::size_t pos = 0;
  while (pos < size) {
    const std::size_t avail = size - pos;
    switch (state_) {
      case State::kHeader: {
        if (avail < kPduHeaderLength) {
          return {static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(kPduHeaderLength)};
        }
        const PduHeader header = parse_pdu_header(data.subspan(pos, kPduHeaderLength));
        const HeaderVerdict verdict = classify(header);
        if (!is_usable(verdict)) {
          lose_sync(at_offset(at, pos), handler, EngineAnomaly::kBadPduHeader, at.offset + pos);
          break;
        }
        if (header.pdu_type() == PduType::kPDataTf) {
          handler.on_pdata(at_offset(at, pos), header);
          pos += kPduHeaderLength;
          pdu_left_ = header.length;
          state_ = State::kPdvHeader;
          if (size - pos >= pdu_left_) pos = whole_pdvs(at, data, pos, handler);
          break;
        }
        const std::size_t total = header.total_length();
        if (total > kMaxBufferedControlPdu) {
          handler.on_framing_anomaly(at_offset(at, pos), EngineAnomaly::kControlPduTooLarge,
                                     at.offset + pos);
          pos += kPduHeaderLength;
          pdu_left_ = header.length;
          state_ = State::kSkip;
          break;
        }
        if (avail < total) {
          return {static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(total)};
        }
        handler.on_control_pdu(at_offset(at, pos), header, data.subspan(pos, total));
        pos += total;
        break;
      }
      case State::kPdvHeader: {
        if (pdu_left_ == 0) {
          state_ = State::kHeader;
          break;
        }
        if (pdu_left_ < kPdvHeaderLength) {
          handler.on_framing_anomaly(at_offset(at, pos), EngineAnomaly::kPdvOverrun,
                                     at.offset + pos);
          handler.on_lost(at_offset(at, pos));
          state_ = State::kSkip;
          break;
        }
        if (avail < kPdvHeaderLength) {
          return {static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(kPdvHeaderLength)};
        }
        const std::byte* h = data.data() + pos;
        const std::uint32_t item_length = load_be32(h);
        if (item_length < kMinPdvItemLength || item_length > pdu_left_ - kPdvLengthField) {
          handler.on_framing_anomaly(at_offset(at, pos), EngineAnomaly::kPdvOverrun,
                                     at.offset + pos);
          handler.on_lost(at_offset(at, pos));
          state_ = State::kSkip;
          break;
        }
        pdv_left_ = item_length - kMinPdvItemLength;
        pdu_left_ -= static_cast<std::uint32_t>(kPdvHeaderLength);
        handler.on_pdv_begin(at_offset(at, pos), static_cast<std::uint8_t>(h[4]),
                             static_cast<std::uint8_t>(h[5]), pdv_left_);
        pos += kPdvHeaderLength;
        state_ = State::kPdvData;
        if (pdv_left_ == 0) {
          handler.on_pdv_end(at_offset(at, pos));
          state_ = State::kPdvHeader;
        }
        break;
      }
      case State::kPdvData: {
        const std::uint32_t take =
            static_cast<std::uint32_t>(std::min<std::size_t>(avail, pdv_left_));
        handler.on_pdv_data(at_offset(at, pos), data.subspan(pos, take));
        pos += take;
        pdv_left_ -= take;
        pdu_left_ -= take;
        if (pdv_left_ == 0) {
          handler.on_pdv_end(at_offset(at, pos));
          state_ = State::kPdvHeader;
        }
        break;
      }
      case State::kSkip: {
        const std::uint32_t take =
            static_cast<std::uint32_t>(std::min<std::size_t>(avail, pdu_left_));
        pos += take;
        pdu_left_ -= take;
        if (pdu_left_ == 0) state_ = State::kHeader;
        break;
      }
      case State::kHunting: {
        std::uint32_t need = 0;
        const std::size_t found = hunt(data.subspan(pos), need);
        hunted_bytes_ += found;
        pos += found;
        if (hunted_bytes_ - hunt_start_ > kHuntBudgetBytes) {
          handler.on_framing_anomaly(at_offset(at, pos), EngineAnomaly::kGaveUp, at.offset + pos);
          state_ = State::kDead;
          return {static_cast<std::uint32_t>(size), 0};
        }
        if (pos == size) return {static_cast<std::uint32_t>(size), 0};
        if (need != 0) return {static_cast<std::uint32_t>(pos), need};
        ++resyncs_;
        handler.on_framing_anomaly(at_offset(at, pos), EngineAnomaly::kResynchronized,
                                   at.offset + pos);
        state_ = State::kHeader;
        break;
      }
      case State::kDead:
        return {static_cast<std::uint32_t>(size), 0};
    }
  }
  return {static_cast<std::uint32_t>(size), 0};
}

void PduSplitter::on_gap(const StreamContext& at, PduHandler& handler) {
  if (state_ == State::kDead || state_ == State::kHunting) return;
  lose_sync(at, handler, EngineAnomaly::kLostSync, at.offset);
}

}  // namespace dicomsentry::dicom
