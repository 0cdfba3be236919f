// EveFileOutput: each chunk is one write(2) (more if the kernel takes it in part).
#include "output/eve_file_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dicomsentry {

EveFileOutput::EveFileOutput(std::string path) : path_(std::move(path)), name_("eve-file:" + path_) {}

EveFileOutput::~EveFileOutput() {
  if (fd_ >= 0) ::close(fd_);
}

bool EveFileOutput::open() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ >= 0) return true;
  ++stats_.errors;
  last_error_ = "cannot open " + path_ + ": " + std::strerror(errno);
  return false;
}

void EveFileOutput::reopen() {
  if (open()) ++stats_.reconnects;
}

void EveFileOutput::write_lines(std::string_view lines) {
  const auto count = static_cast<std::uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
  std::size_t done = 0;
  while (fd_ >= 0 && done < lines.size()) {
    const ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++stats_.errors;
      last_error_ = "write to " + path_ + ": " + std::strerror(errno);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (done == lines.size()) {
    stats_.lines_sent += count;
    stats_.bytes_sent += lines.size();
    return;
  }
  // Lines the file took whole count as sent; the rest (a torn last line included) as dropped.
  const auto whole = static_cast<std::uint64_t>(
      std::count(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(done), '\n'));
  stats_.lines_sent += whole;
  stats_.bytes_sent += done;
  stats_.lines_dropped += count - whole;
  stats_.bytes_dropped += lines.size() - done;
}

}  // namespace dicomsentry
