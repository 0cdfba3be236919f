// Helpers for the capture tests: byte frames, reading every packet, patching fields.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/capture_file.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::test {

// A frame of n bytes seed, seed+1, ... so each frame's contents are recognisable.
inline std::vector<std::byte> make_frame(std::size_t n, std::uint8_t seed) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::byte(static_cast<std::uint8_t>(seed + i));
  return out;
}

inline bool same_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// The outcome of reading a capture to its end or first error.
struct ReadAll {
  bool opened = false;
  std::vector<PacketView> packets;
  CaptureFile::Next last = CaptureFile::Next::kEnd;
  std::string message;  // error message, at open or from the failing next()
  std::uint64_t error_offset = 0;
  std::uint64_t skipped_blocks = 0;
  std::uint64_t unsupported_link_packets = 0;
};

inline ReadAll read_all(ByteView bytes, const std::string& name = "x.pcap") {
  ReadAll result;
  CaptureError error;
  auto capture = CaptureFile::open_memory(bytes, name, error);
  if (!capture) {
    result.message = error.message();
    result.error_offset = error.offset;
    return result;
  }
  result.opened = true;
  PacketView packet;
  for (int i = 0; i < 1'000'000; ++i) {  // bounded: no test capture is this long
    result.last = capture->next(packet);
    if (result.last != CaptureFile::Next::kPacket) break;
    result.packets.push_back(packet);
  }
  if (result.last == CaptureFile::Next::kError) {
    result.message = capture->error().message();
    result.error_offset = capture->error().offset;
    // Sticky: asking again gives the same error at the same offset.
    if (capture->next(packet) != CaptureFile::Next::kError ||
        capture->offset() != capture->error().offset) {
      result.message += " [error not sticky]";
    }
  }
  result.skipped_blocks = capture->skipped_blocks();
  result.unsupported_link_packets = capture->unsupported_link_packets();
  return result;
}

inline void put_le32(std::vector<std::byte>& bytes, std::size_t offset, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    bytes[offset + i] = std::byte(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline void put_be32(std::vector<std::byte>& bytes, std::size_t offset, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    bytes[offset + i] = std::byte(static_cast<std::uint8_t>(v >> (8 * (3 - i))));
  }
}

}  // namespace dicomsentry::test
