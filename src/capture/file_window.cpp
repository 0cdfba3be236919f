// FileWindow: pread into rotating buffers, the unread tail of a window carried to the next.
#include "capture/file_window.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace dicomsentry {
namespace {

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::error_code(err, std::generic_category()).message();
}

}  // namespace

FileWindow::~FileWindow() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileWindow::open(const std::string& path, std::size_t buffer_bytes, std::string& error) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error = errno_text("cannot open", errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    error = errno_text("cannot stat", errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return false;
  }
  // The size at open, as a mapping would see it: a file still being written is read that far.
  file_size_ = static_cast<std::uint64_t>(st.st_size);
  buffer_bytes_ = std::clamp<std::size_t>(buffer_bytes, 64, kMaxWindowBytes);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);  // advice: a failure costs speed only
  const std::size_t capacity = static_cast<std::size_t>(std::min<std::uint64_t>(file_size_, buffer_bytes_));
  buffers_[0] = std::make_unique<std::byte[]>(std::max<std::size_t>(capacity, 1));
  capacity_[0] = std::max<std::size_t>(capacity, 1);
  std::size_t got = 0;
  if (!fill(buffers_[0].get(), capacity, got, error)) return false;
  window_ = ByteView(buffers_[0].get(), got);
  return true;
}

bool FileWindow::fill(std::byte* to, std::size_t room, std::size_t& got, std::string& error) {
  got = 0;
  while (got < room && read_to_ < file_size_) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(room - got, file_size_ - read_to_));
    const ssize_t n = ::pread(fd_, to + got, want, static_cast<off_t>(read_to_));
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno_text("cannot read", errno);
      return false;
    }
    if (n == 0) {  // the file shrank since it was opened: what is left is all there is
      file_size_ = read_to_;
      break;
    }
    got += static_cast<std::size_t>(n);
    read_to_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool FileWindow::advance(std::size_t from, std::size_t need, std::string& error) {
  from = std::min(from, window_.size());
  const ByteView tail = window_.subspan(from);
  const std::size_t next = (current_ + 1) % kBuffers;
  if (generation_ + 1 >= kBuffers && guard_) guard_(generation_ + 1 - kBuffers);
  const std::size_t want = std::min(std::max({buffer_bytes_, need, tail.size()}), kMaxWindowBytes);
  const std::size_t capacity =
      static_cast<std::size_t>(std::min<std::uint64_t>(want, tail.size() + (file_size_ - read_to_)));
  if (capacity_[next] < capacity || !buffers_[next]) {
    buffers_[next] = std::make_unique<std::byte[]>(std::max<std::size_t>(capacity, 1));
    capacity_[next] = std::max<std::size_t>(capacity, 1);
  }
  std::byte* to = buffers_[next].get();
  const std::size_t kept = std::min(tail.size(), capacity_[next]);
  if (kept != 0) std::memcpy(to, tail.data(), kept);
  std::size_t got = 0;
  if (!fill(to + kept, capacity_[next] - kept, got, error)) return false;
  base_ += from;
  window_ = ByteView(to, kept + got);
  current_ = next;
  ++generation_;
  return true;
}

}  // namespace dicomsentry
