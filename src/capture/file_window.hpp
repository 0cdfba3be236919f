// A file read front to back through a few reused buffers with read(2), for the offline reader.
// Mapping a capture costs a page-table update per 4 KiB page; under virtualisation that made a
// bare mapped read several times slower than copying the same bytes into memory that is
// already mapped, so the sensor streams files through these buffers instead (views still point
// into a buffer: no copy after the one from the page cache).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry {

class FileWindow {
 public:
  // Buffers in rotation: a window's views stay valid while the next three are read. Small
  // windows (four fit in a 1 MiB L2 cache) are still in cache when their packets are parsed:
  // a bare read of the benchmark capture took 0.12 s with 256 KiB windows, 0.27 s with 8 MiB.
  static constexpr std::size_t kBuffers = 4;
  static constexpr std::size_t kDefaultBytes = 256u << 10;
  // A record or block larger than this cannot be streamed (the readers' limits are far lower).
  static constexpr std::size_t kMaxWindowBytes = 256u << 20;

  FileWindow() = default;
  FileWindow(const FileWindow&) = delete;
  FileWindow& operator=(const FileWindow&) = delete;
  ~FileWindow();

  // Opens `path` and reads the first window. On failure returns false with `error` set.
  bool open(const std::string& path, std::size_t buffer_bytes, std::string& error);

  std::uint64_t file_size() const { return file_size_; }
  ByteView window() const { return window_; }
  std::uint64_t base() const { return base_; }  // file offset of window()[0]
  bool at_eof() const { return read_to_ == file_size_; }  // the window ends the file
  std::uint64_t generation() const { return generation_; }  // windows read so far, minus one

  // Before a buffer is filled again, the guard runs with the generation of the window it held:
  // the caller must be done with every view into that window when the guard returns.
  void set_reuse_guard(std::function<void(std::uint64_t generation)> guard) {
    guard_ = std::move(guard);
  }

  // The next window: it starts at `from` (an offset into the current window) and holds at
  // least `need` bytes, or everything up to the end of the file. False on a read error.
  bool advance(std::size_t from, std::size_t need, std::string& error);

 private:
  bool fill(std::byte* to, std::size_t room, std::size_t& got, std::string& error);

  int fd_ = -1;
  std::uint64_t file_size_ = 0;
  std::uint64_t read_to_ = 0;  // bytes [0, read_to_) of the file have been read
  std::size_t buffer_bytes_ = kDefaultBytes;
  std::array<std::unique_ptr<std::byte[]>, kBuffers> buffers_;
  std::array<std::size_t, kBuffers> capacity_{};
  std::size_t current_ = 0;
  std::uint64_t generation_ = 0;
  ByteView window_;
  std::uint64_t base_ = 0;
  std::function<void(std::uint64_t)> guard_;
};

}  // namespace dicomsentry
