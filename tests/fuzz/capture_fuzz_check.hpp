// Shared by the pcap and pcapng fuzz targets: read a capture from memory to its end or first
// error, then the same bytes from a file streamed through small windows, which must agree.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "capture/capture_file.hpp"

namespace dicomsentry::fuzz {

struct Outcome {
  std::vector<std::vector<std::byte>> packets;  // bytes of every packet, in order
  std::vector<TimestampNs> times;
  CaptureFile::Next last = CaptureFile::Next::kEnd;
  std::uint64_t error_offset = 0;
  std::string reason;
};

// Touches both ends of every view (a view past the input is caught by ASan) and checks that
// kEnd and kError are sticky.
inline Outcome read_everything(std::unique_ptr<CaptureFile> capture, std::size_t input_size) {
  Outcome out;
  PacketView packet;
  while ((out.last = capture->next(packet)) == CaptureFile::Next::kPacket) {
    if (packet.bytes.size() > input_size) __builtin_trap();
    out.packets.emplace_back(packet.bytes.begin(), packet.bytes.end());
    out.times.push_back(packet.timestamp_ns);
  }
  if (capture->next(packet) == CaptureFile::Next::kPacket) __builtin_trap();
  if (capture->offset() > capture->size()) __builtin_trap();
  if (out.last == CaptureFile::Next::kError) {
    out.error_offset = capture->error().offset;
    out.reason = capture->error().reason;
  }
  (void)capture->error().message();
  return out;
}

inline void check_capture(const std::vector<std::byte>& bytes) {
  CaptureError error;
  auto capture = CaptureFile::open_memory(bytes, "fuzz", error);
  if (!capture) {
    if (error.message().empty()) __builtin_trap();
    return;
  }
  const Outcome mapped = read_everything(std::move(capture), bytes.size());
  // The same bytes streamed (a record per window or several): the same outcome, always.
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("dicomsentry_fuzz_" + std::to_string(::getpid()) + ".cap"))
          .string();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return;
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  for (const std::size_t window : {std::size_t{64}, std::size_t{4096}}) {
    auto streamed = CaptureFile::open_streamed(path, error, window);
    if (!streamed) __builtin_trap();  // it opened from memory
    const Outcome s = read_everything(std::move(streamed), bytes.size());
    if (s.packets != mapped.packets || s.times != mapped.times || s.last != mapped.last ||
        s.error_offset != mapped.error_offset || s.reason != mapped.reason) {
      __builtin_trap();
    }
  }
}

}  // namespace dicomsentry::fuzz
