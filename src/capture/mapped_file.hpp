// A whole file mapped read-only into memory, so readers hand out views instead of copies.
#pragma once

#include <cstddef>
#include <string>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry {

// Move-only owner of a private read-only mapping. An empty file is valid and maps nothing
// (mmap of 0 bytes is an error), so bytes() is then an empty view.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();

  // Maps `path`. On failure returns false and sets `error` to e.g.
  // "cannot open: No such file or directory"; the object is then empty.
  bool open(const std::string& path, std::string& error);

  ByteView bytes() const { return {static_cast<const std::byte*>(data_), size_}; }
  std::size_t size() const { return size_; }
  // Maps [offset, offset + length) into the page tables now (MADV_POPULATE_READ). False when
  // the kernel cannot (before Linux 5.14, or nothing is mapped): the reader then just faults.
  bool populate(std::size_t offset, std::size_t length) const;

 private:
  void reset();

  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dicomsentry
