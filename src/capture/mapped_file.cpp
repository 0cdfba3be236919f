// mmap-based MappedFile: open, fstat, map privately, advise the kernel we read it in order.
#include "capture/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

namespace dicomsentry {
namespace {

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::error_code(err, std::generic_category()).message();
}

}  // namespace

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  reset();
}

void MappedFile::reset() {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

bool MappedFile::open(const std::string& path, std::string& error) {
  reset();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno_text("cannot open", errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = errno_text("cannot stat", errno);
    ::close(fd);
    return false;
  }
  // Pipes and devices cannot be mapped; say so rather than report a confusing mmap errno.
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
    ::close(fd);
    return false;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return true;
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file referenced
  if (data == MAP_FAILED) {
    error = errno_text("cannot map", map_errno);
    return false;
  }
  // Advice only: a failure here costs speed, never correctness.
  ::madvise(data, size, MADV_SEQUENTIAL);
  ::madvise(data, size, MADV_WILLNEED);
  data_ = data;
  size_ = size;
  return true;
}

bool MappedFile::populate(std::size_t offset, std::size_t length) const {
#ifndef MADV_POPULATE_READ
  static constexpr int MADV_POPULATE_READ = 22;  // Linux 5.14
#endif
  if (data_ == nullptr || offset >= size_) return false;
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t start = offset / page * page;
  const std::size_t end = std::min(size_, offset + length);
  return ::madvise(static_cast<char*>(data_) + start, end - start, MADV_POPULATE_READ) == 0;
}

}  // namespace dicomsentry
