// The offline capture source the pipeline uses: a mapped pcap or pcapng file -> PacketViews.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "capture/capture_error.hpp"
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
  // Reads a capture held in memory (tests, fuzzing); `bytes` must outlive the reader and
  // `name` stands for the file name in errors.
  static std::unique_ptr<CaptureFile> open_memory(ByteView bytes, const std::string& name,
                                                  CaptureError& error);

  // kPacket: `out` is the next packet. kEnd: clean end of file. kError: see error(); every
  // packet before the bad record was returned. kEnd and kError repeat on later calls.
  Next next(PacketView& out) {
    if (offset() >= populate_mark_) [[unlikely]]
      populate_ahead();
    if (format_ == Format::kPcap) [[likely]]
      return pcap_.next(out, error_);
    return pcapng_.next(out, error_);
  }

  const CaptureError& error() const { return error_; }
  Format format() const { return format_; }
  // Byte offset of the next record or block (of the bad one after kError).
  std::uint64_t offset() const {
    return format_ == Format::kPcap ? pcap_.offset() : pcapng_.offset();
  }
  std::uint64_t size() const { return bytes_.size(); }
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

  MappedFile mapping_;
  ByteView bytes_;
  Format format_ = Format::kPcap;
  CaptureError error_;
  PcapReader pcap_;
  PcapngReader pcapng_;
  std::uint64_t populated_ = 0;      // bytes [0, populated_) were asked to be mapped
  std::uint64_t populate_mark_ = 0;  // offset at which the next window is asked for
  bool populate_works_ = true;       // false once the kernel refused (then only advice)
};

}  // namespace dicomsentry
