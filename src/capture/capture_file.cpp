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
  capture->file_size_ = capture->bytes_.size();
  if (!capture->start(error)) return nullptr;
  return capture;
}

std::unique_ptr<CaptureFile> CaptureFile::open_streamed(const std::string& path,
                                                        CaptureError& error,
                                                        std::size_t window_bytes) {
  std::unique_ptr<CaptureFile> capture(new CaptureFile());
  capture->error_.file = path;
  std::string why;
  if (!capture->window_.open(path, window_bytes, why)) {
    error = {path, 0, why};
    return nullptr;
  }
  capture->streamed_ = true;
  capture->bytes_ = capture->window_.window();
  capture->file_size_ = capture->window_.file_size();
  capture->populate_mark_ = UINT64_MAX;
  if (!capture->start(error)) return nullptr;
  // The readers were opened on the first window; from here on they know where it ends.
  FileWindow& w = capture->window_;
  if (capture->format_ == Format::kPcap) {
    capture->pcap_.rebase(w.window(), static_cast<std::size_t>(capture->pcap_.offset()), 0, w.at_eof());
  } else {
    capture->pcapng_.rebase(w.window(), 0, 0, w.at_eof());
  }
  return capture;
}

bool CaptureFile::refill(std::size_t& wants) {
  // A record claiming more than the file holds only needs the rest of the file: the reader
  // then reports it truncated, as it does when mapped.
  wants = static_cast<std::size_t>(std::min<std::uint64_t>(wants, file_size_ - offset()));
  if (streamed_failed_ || wants > FileWindow::kMaxWindowBytes) return false;
  const auto pos = static_cast<std::size_t>(offset() - window_.base());
  std::string why;
  if (!window_.advance(pos, wants, why)) {
    error_.reason = why;
    return false;
  }
  if (format_ == Format::kPcap) {
    pcap_.rebase(window_.window(), 0, window_.base(), window_.at_eof());
  } else {
    pcapng_.rebase(window_.window(), 0, window_.base(), window_.at_eof());
  }
  return true;
}

CaptureFile::Next CaptureFile::fail_streamed(std::size_t wants) {
  if (!streamed_failed_) {
    streamed_failed_ = true;
    error_.offset = offset();
    if (wants > FileWindow::kMaxWindowBytes) {
      error_.reason = fmt::format("a record of {} bytes is more than a streamed read holds ({} "
                                  "bytes); --mmap reads it",
                                  wants, FileWindow::kMaxWindowBytes);
    } else if (error_.reason.empty()) {
      error_.reason = "the file could not be read on";
    }
  }
  return ReadResult::kError;
}

std::unique_ptr<CaptureFile> CaptureFile::open_memory(ByteView bytes, const std::string& name,
                                                      CaptureError& error) {
  std::unique_ptr<CaptureFile> capture(new CaptureFile());
  capture->error_.file = name;
  capture->bytes_ = bytes;
  capture->file_size_ = bytes.size();
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
