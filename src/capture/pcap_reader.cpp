// Classic pcap: file header validation and the cold paths of the record loop (end, errors).
#include "capture/pcap_reader.hpp"

#include <fmt/format.h>

#include "capture/link_type_support.hpp"

namespace dicomsentry {
namespace {

// The link-type field: low 16 bits are the LINKTYPE_ value; bit 26 says bits 28-31 hold
// the FCS length in 16-bit units (draft-ietf-opsawg-pcap, "LinkType and additional info").
constexpr std::uint32_t kLinkTypeMask = 0x0000ffff;
constexpr std::uint32_t kFcsPresentBit = 0x04000000;

}  // namespace

bool PcapReader::open(ByteView file, CaptureError& error) {
  file_ = file;
  pos_ = 0;
  base_ = 0;
  ends_file_ = true;
  wants_ = 0;
  failed_ = false;
  if (file.size() < kPcapFileHeaderSize) {
    error.offset = 0;
    error.reason = fmt::format("truncated pcap file header: {} bytes, need {}", file.size(),
                               kPcapFileHeaderSize);
    return false;
  }
  const std::uint32_t magic = load_le32(file.data());
  switch (magic) {
    case kPcapMagicMicro:
      swapped_ = false;
      fraction_to_ns_ = 1000;
      break;
    case kPcapMagicNano:
      swapped_ = false;
      fraction_to_ns_ = 1;
      break;
    case __builtin_bswap32(kPcapMagicMicro):
      swapped_ = true;
      fraction_to_ns_ = 1000;
      break;
    case __builtin_bswap32(kPcapMagicNano):
      swapped_ = true;
      fraction_to_ns_ = 1;
      break;
    default:
      error.offset = 0;
      error.reason = fmt::format("not a classic pcap file: magic 0x{:08x}", load_be32(file.data()));
      return false;
  }
  version_major_ = swapped_ ? load_be16(file.data() + 4) : load_le16(file.data() + 4);
  version_minor_ = swapped_ ? load_be16(file.data() + 6) : load_le16(file.data() + 6);
  if (version_major_ != 2) {
    error.offset = 4;
    error.reason = fmt::format("unsupported pcap version {}.{}", version_major_, version_minor_);
    return false;
  }
  snaplen_ = load32(file.data() + 16);
  const std::uint32_t link_field = load32(file.data() + 20);
  const std::uint32_t link = link_field & kLinkTypeMask;
  fcs_length_ = (link_field & kFcsPresentBit) != 0
                    ? static_cast<std::uint8_t>(((link_field >> 28) & 0xf) * 2)
                    : 0;
  if (!is_supported_link_type(link)) {
    error.offset = 20;
    error.reason =
        fmt::format("unsupported link type {} (supported: {})", link, kSupportedLinkTypesText);
    return false;
  }
  link_type_ = static_cast<LinkType>(link);
  max_captured_ = effective_snaplen(snaplen_);
  pos_ = kPcapFileHeaderSize;
  return true;
}

ReadResult PcapReader::fail(CaptureError& error) {
  // pos_ stays on the bad record so offset() names it; failed_ makes the error sticky.
  error.offset = base_ + pos_;
  failed_ = true;
  return ReadResult::kError;
}

ReadResult PcapReader::end_or_truncated(CaptureError& error) {
  if (failed_) return ReadResult::kError;
  const std::size_t remaining = file_.size() - pos_;
  if (!ends_file_) {  // streamed: the header goes on in the next window
    wants_ = kPcapRecordHeaderSize;
    return ReadResult::kEnd;
  }
  if (remaining == 0) return ReadResult::kEnd;
  error.reason = fmt::format("truncated record header: {} bytes remain, need {}", remaining,
                             kPcapRecordHeaderSize);
  return fail(error);
}

ReadResult PcapReader::bad_record(std::uint32_t captured, CaptureError& error) {
  if (failed_) return ReadResult::kError;
  if (captured <= max_captured_ && !ends_file_) {  // streamed: the data goes on
    wants_ = kPcapRecordHeaderSize + captured;
    return ReadResult::kEnd;
  }
  const std::size_t room = file_.size() - pos_ - kPcapRecordHeaderSize;
  if (captured > max_captured_) {
    error.reason = fmt::format("captured length {} exceeds snaplen {}", captured, max_captured_);
  } else {
    error.reason = fmt::format("truncated record: header says {} bytes, {} remain", captured, room);
  }
  return fail(error);
}

}  // namespace dicomsentry
