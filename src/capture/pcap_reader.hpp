// Classic libpcap file format reader over bytes already in memory: file header and records.
#pragma once

#include <cstddef>
#include <cstdint>

#include "capture/capture_error.hpp"
#include "dicomsentry/bytes.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

inline constexpr std::size_t kPcapFileHeaderSize = 24;
inline constexpr std::size_t kPcapRecordHeaderSize = 16;
// As written by a host of either byte order; we read the first 4 bytes little-endian.
inline constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
inline constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;
inline constexpr std::uint32_t kPcapMagicKuznetzov = 0xa1b2cd34;

// Reads records in file order. The per-record path is inline: one bounds check, four loads.
class PcapReader {
 public:
  // Parses the file header of `file` (which must outlive the reader). On failure fills
  // error.offset and error.reason and returns false.
  bool open(ByteView file, CaptureError& error);

  ReadResult next(PacketView& out, CaptureError& error) {
    const std::size_t remaining = file_.size() - pos_;
    if (remaining < kPcapRecordHeaderSize) [[unlikely]] {
      return end_or_truncated(error);
    }
    const std::byte* header = file_.data() + pos_;
    const std::uint32_t seconds = load32(header);
    const std::uint32_t fraction = load32(header + 4);
    const std::uint32_t captured = load32(header + 8);
    const std::uint32_t original = load32(header + 12);
    if (captured > max_captured_ || captured > remaining - kPcapRecordHeaderSize) [[unlikely]] {
      return bad_record(captured, error);
    }
    // Unsigned arithmetic: a garbage timestamp wraps instead of overflowing.
    out.timestamp_ns = static_cast<TimestampNs>(std::uint64_t{seconds} * 1'000'000'000u +
                                                std::uint64_t{fraction} * fraction_to_ns_);
    out.bytes = ByteView(header + kPcapRecordHeaderSize, captured);
    out.original_length = original;
    out.link_type = link_type_;
    out.interface_index = 0;
    pos_ += kPcapRecordHeaderSize + captured;
    return ReadResult::kPacket;
  }

  std::uint64_t offset() const { return base_ + pos_; }
  // Streamed reading: the bytes from the next record on now sit at `window` + `pos`, and
  // window[0] is at file offset `base`; `ends_file` says the window reaches the end of the
  // file. Everything else the reader knows carries over.
  void rebase(ByteView window, std::size_t pos, std::uint64_t base, bool ends_file) {
    file_ = window;
    pos_ = pos;
    base_ = base;
    ends_file_ = ends_file;
    wants_ = 0;
  }
  // After kEnd from a window that does not end the file: the bytes the next record needs from
  // offset() on (0 after a real end). The caller reads more and rebases.
  std::size_t wants() const { return wants_; }
  LinkType link_type() const { return link_type_; }
  std::uint32_t snaplen() const { return snaplen_; }
  // The largest captured length a record may claim (the snaplen, at most libpcap's maximum).
  std::uint32_t max_captured() const { return max_captured_; }
  bool nanosecond() const { return fraction_to_ns_ == 1; }
  bool swapped() const { return swapped_; }
  // FCS bytes at the end of every frame, from the link-type field's FCS bits (0: none).
  std::uint8_t fcs_length() const { return fcs_length_; }
  std::uint16_t version_major() const { return version_major_; }
  std::uint16_t version_minor() const { return version_minor_; }

 private:
  std::uint32_t load32(const std::byte* p) const {
    const std::uint32_t v = load_le32(p);
    return swapped_ ? __builtin_bswap32(v) : v;
  }
  ReadResult end_or_truncated(CaptureError& error);
  ReadResult bad_record(std::uint32_t captured, CaptureError& error);
  ReadResult fail(CaptureError& error);

  ByteView file_;
  std::size_t pos_ = 0;
  std::uint64_t base_ = 0;  // file offset of file_[0] (not 0 only when streamed)
  bool ends_file_ = true;   // file_ reaches the end of the file (always, when mapped)
  std::size_t wants_ = 0;
  bool swapped_ = false;
  bool failed_ = false;
  std::uint32_t fraction_to_ns_ = 1000;
  std::uint32_t snaplen_ = 0;
  std::uint32_t max_captured_ = 0;
  LinkType link_type_ = LinkType::kEthernet;
  std::uint8_t fcs_length_ = 0;
  std::uint16_t version_major_ = 0;
  std::uint16_t version_minor_ = 0;
};

}  // namespace dicomsentry
