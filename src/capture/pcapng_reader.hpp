// pcapng reader over bytes already in memory: sections, interfaces and packet blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/capture_error.hpp"
#include "dicomsentry/bytes.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// Block type codes (draft-ietf-opsawg-pcapng section 11.1).
inline constexpr std::uint32_t kPcapngSectionHeader = 0x0a0d0d0a;
inline constexpr std::uint32_t kPcapngInterfaceDescription = 0x00000001;
inline constexpr std::uint32_t kPcapngObsoletePacket = 0x00000002;
inline constexpr std::uint32_t kPcapngSimplePacket = 0x00000003;
inline constexpr std::uint32_t kPcapngEnhancedPacket = 0x00000006;
inline constexpr std::uint32_t kPcapngByteOrderMagic = 0x1a2b3c4d;
inline constexpr std::size_t kPcapngMinBlockLength = 12;  // type, length, trailing length
inline constexpr std::size_t kPcapngMaxInterfaces =
    65536;  // PacketView::interface_index is 16 bits

// One interface of the current section, with its timestamp scale already worked out.
struct PcapngInterface {
  std::uint16_t link_type = 0;  // raw LINKTYPE_ value, supported or not
  bool supported = false;
  std::uint32_t snaplen = 0;  // as declared; 0 means not set
  std::uint32_t max_captured = 0;
  std::uint8_t tsresol = 6;  // the if_tsresol byte: bit 7 set = power of 2
  std::int64_t tsoffset_seconds = 0;

  // Timestamp units -> ns: multiply, divide, or (power of 2) multiply by 1e9 and shift.
  enum class Scale : std::uint8_t { kMultiply, kDivide, kShift, kZero };
  Scale scale = Scale::kMultiply;
  std::uint64_t factor = 1000;
  std::uint8_t shift = 0;
  std::uint64_t offset_ns = 0;  // if_tsoffset in ns, added modulo 2^64

  TimestampNs to_ns(std::uint64_t units) const {
    __extension__ typedef unsigned __int128 Uint128;
    std::uint64_t ns = 0;
    switch (scale) {
      case Scale::kMultiply:
        ns = units * factor;
        break;  // wraps on garbage, never UB
      case Scale::kDivide:
        ns = units / factor;
        break;
      case Scale::kShift:
        ns = static_cast<std::uint64_t>((Uint128{units} * 1'000'000'000u) >> shift);
        break;
      case Scale::kZero:
        break;
    }
    return static_cast<TimestampNs>(ns + offset_ns);
  }
};

// Walks blocks in file order. Packets on interfaces whose link type we cannot decode are
// still returned (their LinkType holds the raw value) so the decoder counts them as
// `link.unsupported`; the reader also counts them in unsupported_link_packets().
// Simple packet blocks carry no timestamp: their timestamp_ns is 0.
class PcapngReader {
 public:
  // Checks that `file` starts with a section header block; does not consume it.
  bool open(ByteView file, CaptureError& error);
  // The common case inline: a well-formed enhanced packet block. Anything else (other
  // blocks, any doubt about this one) goes to next_block(), which checks and reports.
  ReadResult next(PacketView& out, CaptureError& error) {
    constexpr std::size_t kEpbHeader = 28;  // type, length, interface, ts x2, lengths x2
    const std::size_t remaining = file_.size() - pos_;
    if (remaining >= kEpbHeader + 4) [[likely]] {
      const std::byte* block = file_.data() + pos_;
      const std::uint32_t length = load32(block + 4);
      const std::uint32_t interface_id = load32(block + 8);
      const std::uint32_t captured = load32(block + 20);
      if (load32(block) == kPcapngEnhancedPacket && length % 4 == 0 && length <= remaining &&
          length >= kEpbHeader + 4 && interface_id < interfaces_.size() &&
          captured <= length - kEpbHeader - 4 && load32(block + length - 4) == length && !failed_)
          [[likely]] {
        const PcapngInterface& iface = interfaces_[interface_id];
        if (captured <= iface.max_captured && iface.supported) [[likely]] {
          out.timestamp_ns =
              iface.to_ns((std::uint64_t{load32(block + 12)} << 32) | load32(block + 16));
          out.bytes = ByteView(block + kEpbHeader, captured);
          out.original_length = load32(block + 24);
          out.link_type = static_cast<LinkType>(iface.link_type);
          out.interface_index = static_cast<std::uint16_t>(interface_id);
          pos_ += length;
          return ReadResult::kPacket;
        }
      }
    }
    return next_block(out, error);
  }

  std::uint64_t offset() const { return base_ + pos_; }
  // Streamed reading: the bytes from the next block on now sit at `window` + `pos`, and
  // window[0] is at file offset `base`; `ends_file` says the window reaches the end of the
  // file. Sections and interfaces carry over.
  void rebase(ByteView window, std::size_t pos, std::uint64_t base, bool ends_file) {
    file_ = window;
    pos_ = pos;
    base_ = base;
    ends_file_ = ends_file;
    wants_ = 0;
  }
  // After kEnd from a window that does not end the file: the bytes the next block needs from
  // offset() on (0 after a real end). The caller reads more and rebases.
  std::size_t wants() const { return wants_; }
  // Blocks skipped without effect: statistics, name resolution, custom and unknown types.
  std::uint64_t skipped_blocks() const { return skipped_blocks_; }
  std::uint64_t unsupported_link_packets() const { return unsupported_link_packets_; }
  std::uint64_t sections() const { return sections_; }
  bool swapped() const { return swapped_; }
  // The interfaces of the current section, in declaration order.
  const std::vector<PcapngInterface>& interfaces() const { return interfaces_; }

 private:
  std::uint32_t load32(const std::byte* p) const {
    const std::uint32_t v = load_le32(p);
    return swapped_ ? __builtin_bswap32(v) : v;
  }
  std::uint16_t load16(const std::byte* p) const { return swapped_ ? load_be16(p) : load_le16(p); }
  std::uint64_t load64(const std::byte* p) const {
    const std::uint64_t v = load_le64(p);
    return swapped_ ? __builtin_bswap64(v) : v;
  }

  ReadResult next_block(PacketView& out, CaptureError& error);
  bool section_header(const std::byte* block, std::size_t remaining, CaptureError& error);
  bool interface_description(ByteView body, CaptureError& error);
  ReadResult packet(std::uint32_t type, ByteView body, PacketView& out, CaptureError& error);
  ReadResult fail(CaptureError& error, std::size_t offset);

  ByteView file_;
  std::size_t pos_ = 0;
  std::uint64_t base_ = 0;  // file offset of file_[0] (not 0 only when streamed)
  bool ends_file_ = true;   // file_ reaches the end of the file (always, when mapped)
  std::size_t wants_ = 0;
  std::size_t block_start_ = 0;
  bool swapped_ = false;
  bool failed_ = false;
  std::uint64_t skipped_blocks_ = 0;
  std::uint64_t unsupported_link_packets_ = 0;
  std::uint64_t sections_ = 0;
  std::vector<PcapngInterface> interfaces_;
};

}  // namespace dicomsentry
