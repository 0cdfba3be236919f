// CaptureFile: maps the file, recognises the format by its magic, starts the right reader.
#include "capture/capture_file.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace dicomsentry {

std::unique_ptr<CaptureFile> CaptureFile::open(const std::string& path, CaptureError& error) {
  std::unique_ptr<CaptureFile> capture(new CaptureFile());
  capture->error_.file = path;
  std::string why;
  if (!capture->mapping_.open(path, why)) {
    error = {path, 0, why};
    return nullptr;
  }
  capture->bytes_ = capture->mapping_.bytes();
  if (!capture->start(error)) return nullptr;
  return capture;
}

std::unique_ptr<CaptureFile> CaptureFile::open_memory(ByteView bytes, const std::string& name,
                                                      CaptureError& error) {
  std::unique_ptr<CaptureFile> capture(new CaptureFile());
  capture->error_.file = name;
  capture->bytes_ = bytes;
  if (!capture->start(error)) return nullptr;
  return capture;
}

void CaptureFile::populate_ahead() {
  const std::uint64_t from = std::max(offset(), populated_);
  const std::uint64_t to = std::min<std::uint64_t>(bytes_.size(), from + kPopulateWindow);
  if (populate_works_ && from < to) populate_works_ = mapping_.populate(from, to - from);
  populated_ = to;
  // Half a window before its end the next one is asked for; past the end, never again.
  populate_mark_ = to >= bytes_.size() ? UINT64_MAX : to - kPopulateWindow / 2;
}

bool CaptureFile::start(CaptureError& error) {
  error = {error_.file, 0, {}};
  if (bytes_.empty()) {
    error.reason = "empty file";
    return false;
  }
  if (bytes_.size() < 4) {
    error.reason = fmt::format("file too short to be a capture: {} bytes", bytes_.size());
    return false;
  }
  const std::uint32_t magic = load_le32(bytes_.data());
  switch (magic) {
    case kPcapMagicMicro:
    case kPcapMagicNano:
    case __builtin_bswap32(kPcapMagicMicro):
    case __builtin_bswap32(kPcapMagicNano):
      format_ = Format::kPcap;
      return pcap_.open(bytes_, error);
    case kPcapngSectionHeader:
      format_ = Format::kPcapng;
      return pcapng_.open(bytes_, error);
    case kPcapMagicKuznetzov:
    case __builtin_bswap32(kPcapMagicKuznetzov):
      error.reason = "unsupported pcap variant: modified (Kuznetzov) format";
      return false;
    default:
      // Print the bytes in file order, which is how people compare magics by eye.
      error.reason =
          fmt::format("not a pcap or pcapng file: magic 0x{:08x}", load_be32(bytes_.data()));
      return false;
  }
}

}  // namespace dicomsentry
