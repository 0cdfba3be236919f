// The offline capture source the pipeline uses: a mapped pcap or pcapng file -> PacketViews.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "capture/capture_error.hpp"
#include "capture/file_window.hpp"
#include "capture/mapped_file.hpp"
#include "capture/pcap_reader.hpp"
#include "capture/pcapng_reader.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// One file, read front to back with no copies: each PacketView points into the mapping and
// stays valid as long as the CaptureFile lives. next() switches on the format inline (no
// virtual call); classic pcap records are read entirely inline.
class CaptureFile {
 public:
  enum class Format : std::uint8_t { kPcap, kPcapng };
  using Next = ReadResult;

  // Maps and checks the file. On failure returns null and fills `error` (file = path).
  static std::unique_ptr<CaptureFile> open(const std::string& path, CaptureError& error);
  // Reads the file through reused buffers (FileWindow) instead of mapping it: the sensor's
  // way, faster where page-table updates are dear. A view stays valid until the guard set
  // with set_reuse_guard() is called for its window (two windows later at the soonest).
  static std::unique_ptr<CaptureFile> open_streamed(const std::string& path, CaptureError& error,
                                                    std::size_t window_bytes = FileWindow::kDefaultBytes);
  // Reads a capture held in memory (tests, fuzzing); `bytes` must outlive the reader and
  // `name` stands for the file name in errors.
  static std::unique_ptr<CaptureFile> open_memory(ByteView bytes, const std::string& name,
                                                  CaptureError& error);

  // kPacket: `out` is the next packet. kEnd: clean end of file. kError: see error(); every
  // packet before the bad record was returned. kEnd and kError repeat on later calls.
  Next next(PacketView& out) {
    if (streamed_) return next_streamed(out);
    if (offset() >= populate_mark_) [[unlikely]]
      populate_ahead();
    if (format_ == Format::kPcap) [[likely]]
      return pcap_.next(out, error_);
    return pcapng_.next(out, error_);
  }

  // Streamed files: runs before a buffer is read into again, with the number of the window it
  // held (windows count from 0); when it returns the caller holds no view into that window.
  void set_reuse_guard(std::function<void(std::uint64_t window)> guard) {
    window_.set_reuse_guard(std::move(guard));
  }
  // The window the last packet came from (0 for a mapped file).
  std::uint64_t window_number() const { return window_.generation(); }
  bool streamed() const { return streamed_; }

  const CaptureError& error() const { return error_; }
  Format format() const { return format_; }
  // Byte offset of the next record or block (of the bad one after kError).
  std::uint64_t offset() const {
    return format_ == Format::kPcap ? pcap_.offset() : pcapng_.offset();
  }
  std::uint64_t size() const { return file_size_; }
  std::uint64_t skipped_blocks() const {
    return format_ == Format::kPcap ? 0 : pcapng_.skipped_blocks();
  }
  // pcapng packets on interfaces whose link type we cannot decode (returned all the same).
  std::uint64_t unsupported_link_packets() const {
    return format_ == Format::kPcap ? 0 : pcapng_.unsupported_link_packets();
  }
  // The classic pcap reader, for its header fields (link type, snaplen, resolution, FCS).
  const PcapReader& pcap() const { return pcap_; }
  // The pcapng reader, for its interfaces and counters.
  const PcapngReader& pcapng() const { return pcapng_; }

 private:
  // The file is mapped into the page tables a window at a time, ahead of the reader: one
  // system call per window instead of a page fault every few pages (faults cost the most
  // under virtualisation, where a bare read spends most of its time in them).
  static constexpr std::uint64_t kPopulateWindow = 4u << 20;

  CaptureFile() = default;
  bool start(CaptureError& error);
  void populate_ahead();
  // Streamed: a reader that reaches the end of a window which does not end the file says
  // how many bytes it wants (kEnd with wants() > 0); the next window starts at its record.
  // At the end of the file the window holds every byte left, so a truncated record is
  // reported exactly as when mapped.
  Next next_streamed(PacketView& out) {
    for (int refills = 0;; ++refills) {
      const Next result =
          format_ == Format::kPcap ? pcap_.next(out, error_) : pcapng_.next(out, error_);
      std::size_t wants = format_ == Format::kPcap ? pcap_.wants() : pcapng_.wants();
      if (result != ReadResult::kEnd || wants == 0) [[likely]]
        return result;
      // A header, then its record: two refills; a third cannot be needed.
      if (refills == 3 || !refill(wants)) return fail_streamed(wants);
    }
  }
  bool refill(std::size_t& wants);
  Next fail_streamed(std::size_t wants);

  MappedFile mapping_;
  FileWindow window_;
  bool streamed_ = false;
  bool streamed_failed_ = false;
  ByteView bytes_;  // the mapping, or the first window when streamed
  std::uint64_t file_size_ = 0;
  Format format_ = Format::kPcap;
  CaptureError error_;
  PcapReader pcap_;
  PcapngReader pcapng_;
  std::uint64_t populated_ = 0;      // bytes [0, populated_) were asked to be mapped
  std::uint64_t populate_mark_ = 0;  // offset at which the next window is asked for
  bool populate_works_ = true;       // false once the kernel refused (then only advice)
};

}  // namespace dicomsentry
