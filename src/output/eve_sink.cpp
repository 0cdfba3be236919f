// EveSink: one buffer, flushed with write(2) in big chunks; open/reopen for append. A worker's
// sink hands its buffer to the file sink instead of writing.
#include "output/eve_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dicomsentry {

EveSink::EveSink(std::size_t buffer_size)
    : buffer_(new char[buffer_size == 0 ? 1 : buffer_size]),
      capacity_(buffer_size == 0 ? 1 : buffer_size) {}

EveSink::EveSink(EveSink& file_sink, std::size_t buffer_size) : EveSink(buffer_size) {
  upstream_ = &file_sink;
  path_ = file_sink.path_;
}

EveSink::~EveSink() { close(); }

void EveSink::set_error(std::string_view what, int err) {
  last_error_.assign(what);
  last_error_ += ": ";
  last_error_ += std::strerror(err);
}

bool EveSink::open(std::string_view path) {
  auto guard = lock();
  return open_unlocked(path);
}

bool EveSink::open_unlocked(std::string_view path) {
  if (upstream_ != nullptr) return false;  // a worker's sink never owns a file
  close_unlocked();
  path_.assign(path);
  if (path == "-") {
    to_stdout_ = true;
    fd_ = STDOUT_FILENO;
    return true;
  }
  to_stdout_ = false;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    set_error("cannot open " + path_, errno);
    return false;
  }
  return true;
}

void EveSink::close() {
  auto guard = lock();
  close_unlocked();
}

void EveSink::close_unlocked() {
  if (upstream_ != nullptr) {
    flush_unlocked();
    return;
  }
  if (fd_ < 0) return;
  flush_unlocked();
  if (!to_stdout_) ::close(fd_);  // stdout belongs to the process, not to us
  fd_ = -1;
}

bool EveSink::write_all(const char* data, std::size_t size) {
  if (fd_ < 0) {
    stats_.bytes_dropped += size;
    return false;
  }
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++stats_.write_errors;
      stats_.bytes_dropped += size;
      set_error("write to " + path_, errno);
      return false;
    }
    stats_.bytes_written += static_cast<std::uint64_t>(n);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool EveSink::flush() {
  auto guard = lock();
  return flush_unlocked();
}

bool EveSink::flush_unlocked() {
  if (used_ == 0) return true;
  bool ok = true;
  if (upstream_ != nullptr) {
    upstream_->write_lines({buffer_.get(), used_}, lines_buffered_);
    stats_.bytes_written += used_;
  } else {
    to_outputs({buffer_.get(), used_});
    ok = write_all(buffer_.get(), used_);
  }
  used_ = 0;
  lines_buffered_ = 0;
  ++stats_.flushes;
  return ok;
}

bool EveSink::flush_if_due(std::int64_t now_ns, std::int64_t interval_ns) {
  auto guard = lock();
  if (now_ns - last_flush_ns_ < interval_ns) return false;
  last_flush_ns_ = now_ns;
  flush_unlocked();
  return true;
}

void EveSink::write_line(std::string_view json) {
  auto guard = lock();
  append(json);
}

void EveSink::append(std::string_view json) {
  ++stats_.lines;
  stats_.bytes += json.size() + 1;
  if (upstream_ == nullptr && fd_ < 0) {
    ++stats_.write_errors;
    stats_.bytes_dropped += json.size() + 1;
    return;
  }
  if (json.size() + 1 > capacity_ - used_) {
    flush_unlocked();
    if (json.size() + 1 > capacity_) {
      // Larger than the whole buffer: write it straight through rather than grow.
      if (upstream_ != nullptr || !outputs_.empty()) {
        std::string line(json);
        line += '\n';
        if (upstream_ != nullptr) {
          upstream_->write_lines(line, 1);
        } else {
          to_outputs(line);
          write_all(line.data(), line.size());
        }
      } else if (write_all(json.data(), json.size())) {
        write_all("\n", 1);
      } else {
        stats_.bytes_dropped += 1;
      }
      return;
    }
  }
  std::memcpy(buffer_.get() + used_, json.data(), json.size());
  used_ += json.size();
  buffer_[used_++] = '\n';
  ++lines_buffered_;
}

void EveSink::write_lines(std::string_view lines, std::uint64_t count) {
  auto guard = lock();
  stats_.lines += count;
  stats_.bytes += lines.size();
  if (fd_ < 0) {
    ++stats_.write_errors;
    stats_.bytes_dropped += lines.size();
    return;
  }
  // Through the buffer when it fits (small flushes at the end of a run), else straight out
  // after what is buffered, so lines keep their order.
  if (lines.size() <= capacity_ - used_) {
    std::memcpy(buffer_.get() + used_, lines.data(), lines.size());
    used_ += lines.size();
    return;
  }
  flush_unlocked();
  to_outputs(lines);
  write_all(lines.data(), lines.size());
}

void EveSink::add_output(std::unique_ptr<EveOutput> output) {
  auto guard = lock();
  outputs_.push_back(std::move(output));
}

void EveSink::finish_outputs() {
  auto guard = lock();
  for (auto& output : outputs_) output->finish();
}

void EveSink::poll_outputs(std::int64_t now_ns) {
  auto guard = lock();
  for (auto& output : outputs_) output->poll(now_ns);
}

bool EveSink::reopen() {
  auto guard = lock();
  if (upstream_ != nullptr) return true;
  for (auto& output : outputs_) output->reopen();
  if (to_stdout_) return true;
  if (path_.empty()) return false;
  const std::string path = path_;
  close_unlocked();
  if (!open_unlocked(path)) return false;
  ++stats_.reopens;
  return true;
}

}  // namespace dicomsentry
