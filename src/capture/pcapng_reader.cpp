// pcapng block walk: section headers (either byte order), interfaces, EPB/SPB/OPB packets.
#include "capture/pcapng_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "capture/link_type_support.hpp"

namespace dicomsentry {
namespace {

constexpr std::size_t kSectionHeaderMinLength = 28;  // 12 framing + magic, version, length
constexpr std::size_t kInterfaceBodyMin = 8;         // link type, reserved, snaplen
constexpr std::size_t kEnhancedBodyMin = 20;         // interface, ts high/low, two lengths
constexpr std::size_t kObsoleteBodyMin = 20;
constexpr std::size_t kSimpleBodyMin = 4;  // original length
constexpr std::uint16_t kOptEndOfOpt = 0;
constexpr std::uint16_t kOptIfTsresol = 9;
constexpr std::uint16_t kOptIfTsoffset = 14;
constexpr std::uint8_t kDefaultTsresol = 6;  // microseconds when if_tsresol is absent

void set_resolution(PcapngInterface& iface, std::uint8_t tsresol) {
  using Scale = PcapngInterface::Scale;
  iface.tsresol = tsresol;
  const std::uint8_t exponent = tsresol & 0x7f;
  if ((tsresol & 0x80) != 0) {
    iface.scale = Scale::kShift;
    iface.shift = exponent;
    return;
  }
  std::uint64_t factor = 1;
  if (exponent <= 9) {
    for (int i = exponent; i < 9; ++i) factor *= 10;
    iface.scale = Scale::kMultiply;
  } else if (exponent - 9 <= 19) {  // 10^19 is the largest power of 10 in 64 bits
    for (int i = 9; i < exponent; ++i) factor *= 10;
    iface.scale = Scale::kDivide;
  } else {
    iface.scale = Scale::kZero;  // finer than 10^-28 s: every count rounds to 0 ns
  }
  iface.factor = factor;
}

}  // namespace

bool PcapngReader::open(ByteView file, CaptureError& error) {
  file_ = file;
  pos_ = 0;
  base_ = 0;
  ends_file_ = true;
  wants_ = 0;
  failed_ = false;
  if (file.size() < 4 || load_le32(file.data()) != kPcapngSectionHeader) {
    error.offset = 0;
    error.reason = "not a pcapng file: no section header block at the start";
    return false;
  }
  return true;
}

ReadResult PcapngReader::fail(CaptureError& error, std::size_t offset) {
  error.offset = base_ + offset;
  pos_ = offset;  // offset() names the bad block; failed_ makes the error sticky
  failed_ = true;
  return ReadResult::kError;
}

ReadResult PcapngReader::next_block(PacketView& out, CaptureError& error) {
  if (failed_) return ReadResult::kError;
  for (;;) {
    const std::size_t remaining = file_.size() - pos_;
    block_start_ = pos_;
    if (remaining < kPcapngMinBlockLength && !ends_file_) {  // streamed: read on
      wants_ = kPcapngMinBlockLength;
      return ReadResult::kEnd;
    }
    if (remaining == 0) return ReadResult::kEnd;
    if (remaining < kPcapngMinBlockLength) {
      error.reason = fmt::format("truncated block header: {} bytes remain, need {}", remaining,
                                 kPcapngMinBlockLength);
      return fail(error, block_start_);
    }
    const std::byte* block = file_.data() + pos_;
    // The section header type reads the same in both byte orders; its magic sets the order.
    const std::uint32_t type = load_le32(block);
    if (!ends_file_) {
      // Streamed: a block that goes on past the window is read whole first. Only a length the
      // reader would accept is waited for; any other is reported from what is here.
      const std::uint32_t magic = load_le32(block + 8);
      const bool shb = type == kPcapngSectionHeader;
      const bool swapped = shb ? magic == __builtin_bswap32(kPcapngByteOrderMagic) : swapped_;
      const std::uint32_t raw = load_le32(block + 4);
      const std::uint32_t length = swapped ? __builtin_bswap32(raw) : raw;
      if (length > remaining && length % 4 == 0 && length >= kPcapngMinBlockLength) {
        wants_ = length;
        return ReadResult::kEnd;
      }
    }
    if (type == kPcapngSectionHeader) {
      if (!section_header(block, remaining, error)) return fail(error, block_start_);
      continue;
    }
    const std::uint32_t type_in_order = load32(block);
    const std::uint32_t length = load32(block + 4);
    if (length < kPcapngMinBlockLength) {
      error.reason = fmt::format("block length {} is less than {}", length, kPcapngMinBlockLength);
      return fail(error, block_start_);
    }
    if (length % 4 != 0) {
      error.reason = fmt::format("block length {} is not a multiple of 4", length);
      return fail(error, block_start_);
    }
    if (length > remaining) {
      error.reason =
          fmt::format("truncated block: length says {} bytes, {} remain", length, remaining);
      return fail(error, block_start_);
    }
    const std::uint32_t trailing = load32(block + length - 4);
    if (trailing != length) {
      error.reason = fmt::format("trailing block length {} disagrees with leading length {}",
                                 trailing, length);
      return fail(error, block_start_);
    }
    const ByteView body(block + 8, length - kPcapngMinBlockLength);
    pos_ += length;
    switch (type_in_order) {
      case kPcapngEnhancedPacket:
      case kPcapngSimplePacket:
      case kPcapngObsoletePacket:
        return packet(type_in_order, body, out, error);
      case kPcapngInterfaceDescription:
        if (!interface_description(body, error)) return fail(error, block_start_);
        break;
      default:
        ++skipped_blocks_;  // as Wireshark does: statistics, names, custom and unknown blocks
        break;
    }
  }
}

bool PcapngReader::section_header(const std::byte* block, std::size_t remaining,
                                  CaptureError& error) {
  const std::uint32_t magic = load_le32(block + 8);
  if (magic == kPcapngByteOrderMagic) {
    swapped_ = false;
  } else if (magic == __builtin_bswap32(kPcapngByteOrderMagic)) {
    swapped_ = true;
  } else {
    error.reason =
        fmt::format("section header block has bad byte-order magic 0x{:08x}", load_be32(block + 8));
    return false;
  }
  const std::uint32_t length = load32(block + 4);
  if (length < kSectionHeaderMinLength) {
    error.reason = fmt::format("section header block length {} is less than {}", length,
                               kSectionHeaderMinLength);
    return false;
  }
  if (length % 4 != 0) {
    error.reason = fmt::format("block length {} is not a multiple of 4", length);
    return false;
  }
  if (length > remaining) {
    error.reason =
        fmt::format("truncated block: length says {} bytes, {} remain", length, remaining);
    return false;
  }
  const std::uint32_t trailing = load32(block + length - 4);
  if (trailing != length) {
    error.reason =
        fmt::format("trailing block length {} disagrees with leading length {}", trailing, length);
    return false;
  }
  const std::uint16_t major = load16(block + 12);
  const std::uint16_t minor = load16(block + 14);
  if (major != 1) {
    error.reason = fmt::format("unsupported pcapng version {}.{}", major, minor);
    return false;
  }
  interfaces_.clear();  // interface ids are per section
  ++sections_;
  pos_ += length;
  return true;
}

bool PcapngReader::interface_description(ByteView body, CaptureError& error) {
  if (body.size() < kInterfaceBodyMin) {
    error.reason =
        fmt::format("interface description block length {} is less than {}",
                    body.size() + kPcapngMinBlockLength, kInterfaceBodyMin + kPcapngMinBlockLength);
    return false;
  }
  if (interfaces_.size() >= kPcapngMaxInterfaces) {
    error.reason = fmt::format("more than {} interfaces in one section", kPcapngMaxInterfaces);
    return false;
  }
  PcapngInterface iface;
  iface.link_type = load16(body.data());
  iface.supported = is_supported_link_type(iface.link_type);
  iface.snaplen = load32(body.data() + 4);
  iface.max_captured = effective_snaplen(iface.snaplen);
  set_resolution(iface, kDefaultTsresol);

  std::size_t pos = kInterfaceBodyMin;
  while (body.size() - pos >= 4) {
    const std::uint16_t code = load16(body.data() + pos);
    const std::uint16_t length = load16(body.data() + pos + 2);
    if (code == kOptEndOfOpt) break;
    const std::size_t padded = (std::size_t{length} + 3) & ~std::size_t{3};
    if (padded > body.size() - pos - 4) {
      error.reason = fmt::format(
          "interface description block: option {} length {} exceeds the block", code, length);
      return false;
    }
    const std::byte* value = body.data() + pos + 4;
    // A value of the wrong size is ignored, keeping the default, as Wireshark does.
    if (code == kOptIfTsresol && length == 1) {
      set_resolution(iface, load_u8(value));
    } else if (code == kOptIfTsoffset && length == 8) {
      iface.tsoffset_seconds = static_cast<std::int64_t>(load64(value));
      iface.offset_ns = static_cast<std::uint64_t>(iface.tsoffset_seconds) * 1'000'000'000u;
    }
    pos += 4 + padded;
  }
  interfaces_.push_back(iface);
  return true;
}

ReadResult PcapngReader::packet(std::uint32_t type, ByteView body, PacketView& out,
                                CaptureError& error) {
  const std::byte* b = body.data();
  std::uint32_t interface_id = 0;
  std::uint64_t units = 0;
  std::uint32_t captured = 0;
  std::uint32_t original = 0;
  std::size_t room = 0;
  const std::byte* data = nullptr;
  const char* name = nullptr;
  std::size_t body_min = 0;
  switch (type) {
    case kPcapngEnhancedPacket:
      name = "enhanced packet";
      body_min = kEnhancedBodyMin;
      break;
    case kPcapngObsoletePacket:
      name = "obsolete packet";
      body_min = kObsoleteBodyMin;
      break;
    default:
      name = "simple packet";
      body_min = kSimpleBodyMin;
      break;
  }
  if (body.size() < body_min) {
    error.reason =
        fmt::format("{} block length {} is less than {}", name, body.size() + kPcapngMinBlockLength,
                    body_min + kPcapngMinBlockLength);
    return fail(error, block_start_);
  }
  if (type == kPcapngEnhancedPacket) {
    interface_id = load32(b);
    units = (std::uint64_t{load32(b + 4)} << 32) | load32(b + 8);
    captured = load32(b + 12);
    original = load32(b + 16);
    data = b + kEnhancedBodyMin;
    room = body.size() - kEnhancedBodyMin;
  } else if (type == kPcapngObsoletePacket) {
    interface_id = load16(b);  // followed by a 16-bit drops count
    units = (std::uint64_t{load32(b + 4)} << 32) | load32(b + 8);
    captured = load32(b + 12);
    original = load32(b + 16);
    data = b + kObsoleteBodyMin;
    room = body.size() - kObsoleteBodyMin;
  } else {
    if (interfaces_.empty()) {
      error.reason = "simple packet block before any interface description block";
      return fail(error, block_start_);
    }
    original = load32(b);
    data = b + kSimpleBodyMin;
    room = body.size() - kSimpleBodyMin;
    // No captured length field: it is what the snap length and the block allow.
    std::uint64_t limit = std::min<std::uint64_t>(original, room);
    if (interfaces_[0].snaplen != 0) limit = std::min<std::uint64_t>(limit, interfaces_[0].snaplen);
    captured = static_cast<std::uint32_t>(limit);
  }
  if (interface_id >= interfaces_.size()) {
    error.reason = fmt::format("{} block names interface {}, but only {} declared in this section",
                               name, interface_id, interfaces_.size());
    return fail(error, block_start_);
  }
  const PcapngInterface& iface = interfaces_[interface_id];
  if (captured > room) {
    error.reason =
        fmt::format("{} block: captured length {} exceeds block room {}", name, captured, room);
    return fail(error, block_start_);
  }
  if (captured > iface.max_captured) {
    error.reason = fmt::format("{} block: captured length {} exceeds snaplen {}", name, captured,
                               iface.max_captured);
    return fail(error, block_start_);
  }
  out.timestamp_ns = type == kPcapngSimplePacket ? 0 : iface.to_ns(units);
  out.bytes = ByteView(data, captured);
  out.original_length = original;
  out.link_type = static_cast<LinkType>(iface.link_type);
  out.interface_index = static_cast<std::uint16_t>(interface_id);
  if (!iface.supported) [[unlikely]]
    ++unsupported_link_packets_;
  return ReadResult::kPacket;
}

}  // namespace dicomsentry
