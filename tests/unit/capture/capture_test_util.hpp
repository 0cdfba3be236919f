// Helpers for the capture tests: byte frames, reading every packet, patching fields.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// Reads `bytes` again from a file, streamed through windows of `window` bytes, and describes
// how the outcome differs from `mapped` (the in-memory read): "" when every packet (bytes,
// time, lengths, link type, interface), the end, the error (reason and offset, sticky) and
// the counters are the same.
inline std::string streamed_differences(ByteView bytes, const ReadAll& mapped,
                                        std::size_t window) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("streamed_" + std::to_string(::getpid()) + ".cap"))
                               .string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  std::string diff;
  CaptureError error;
  auto capture = CaptureFile::open_streamed(path, error, window);
  if (!capture) {
    if (mapped.opened || error.offset != mapped.error_offset ||
        mapped.message.find(": " + error.reason) == std::string::npos) {
      diff = "open: " + error.message();
    }
    std::filesystem::remove(path);
    return diff;
  }
  if (!mapped.opened) diff = "opened when mapped did not; ";
  PacketView packet;
  std::size_t i = 0;
  CaptureFile::Next last = CaptureFile::Next::kEnd;
  for (; i < 1'000'000; ++i) {
    last = capture->next(packet);
    if (last != CaptureFile::Next::kPacket) break;
    if (i >= mapped.packets.size()) {
      diff += "extra packet " + std::to_string(i) + "; ";
      break;
    }
    const PacketView& want = mapped.packets[i];
    if (!same_bytes(packet.bytes, want.bytes) || packet.timestamp_ns != want.timestamp_ns ||
        packet.original_length != want.original_length || packet.link_type != want.link_type ||
        packet.interface_index != want.interface_index) {
      diff += "packet " + std::to_string(i) + " differs; ";
      break;
    }
  }
  if (diff.empty() && i != mapped.packets.size()) diff += "packet count " + std::to_string(i);
  if (last != mapped.last) diff += "different end; ";
  if (last == CaptureFile::Next::kError) {
    if (capture->error().offset != mapped.error_offset ||
        mapped.message.find(": " + capture->error().reason) == std::string::npos) {
      diff += "error: " + capture->error().message() + "; ";
    }
    if (capture->next(packet) != CaptureFile::Next::kError ||
        capture->offset() != capture->error().offset) {
      diff += "error not sticky; ";
    }
  }
  if (capture->skipped_blocks() != mapped.skipped_blocks ||
      capture->unsupported_link_packets() != mapped.unsupported_link_packets) {
    diff += "counters differ; ";
  }
  std::filesystem::remove(path);
  return diff;
}

inline ReadAll read_all_mapped(ByteView bytes, const std::string& name);

// Reads `bytes` from memory (as a mapping does) and, as a check every capture test makes,
// from a file streamed through windows of several sizes (one smaller than any record, so
// every record straddles windows): any difference is appended to the message.
inline ReadAll read_all(ByteView bytes, const std::string& name = "x.pcap") {
  ReadAll result = read_all_mapped(bytes, name);
  for (const std::size_t window : std::array<std::size_t, 4>{64, 1000, 4100, 256u << 10}) {
    const std::string diff = streamed_differences(bytes, result, window);
    if (!diff.empty()) {
      result.message += " [streamed, window " + std::to_string(window) + ": " + diff + "]";
      break;
    }
  }
  return result;
}

inline ReadAll read_all_mapped(ByteView bytes, const std::string& name) {
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
