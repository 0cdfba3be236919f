// Where EVE lines go: a file opened for append, or stdout; buffered, written in large chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "output/eve_output.hpp"

namespace dicomsentry {

struct EveSinkStats {
  std::uint64_t lines = 0;          // lines accepted by write_line
  std::uint64_t bytes = 0;          // bytes accepted, newlines included
  std::uint64_t bytes_written = 0;  // bytes the kernel took
  std::uint64_t bytes_dropped = 0;  // bytes lost to write errors or to a sink that is not open
  std::uint64_t write_errors = 0;   // failed write(2) calls (and lines offered while not open)
  std::uint64_t flushes = 0;        // flushes that wrote something
  std::uint64_t reopens = 0;        // successful reopen() calls
};

// Two roles:
// - The file sink (first constructor) owns the file or stdout. Its public methods lock, so
//   workers' sinks and the control thread (SIGHUP reopen, flush timer) can share it.
// - A worker's sink (second constructor) buffers one worker's lines and hands each full
//   buffer, whole lines only, to the file sink: workers contend once per buffer, not per
//   line, and no line is ever split by another worker's. Not thread-safe: its worker owns it.
// Whoever writes calls flush() at least once per second of wall time (flush_if_due() makes that
// cheap to call often) and at exit. The destructor flushes too. Errors never throw: they are
// counted, the affected bytes are dropped, and last_error() says why, so a full disk cannot
// stop packet processing or grow memory.
class EveSink {
 public:
  static constexpr std::size_t kDefaultBufferSize = 256 * 1024;
  static constexpr std::int64_t kDefaultFlushIntervalNs = 1'000'000'000;

  explicit EveSink(std::size_t buffer_size = kDefaultBufferSize);
  // A worker's sink in front of `file_sink`, which must outlive it.
  explicit EveSink(EveSink& file_sink, std::size_t buffer_size = kDefaultBufferSize);
  ~EveSink();
  EveSink(const EveSink&) = delete;
  EveSink& operator=(const EveSink&) = delete;

  // "-" means standard output; anything else is a file path, created (mode 0640) if missing
  // and opened for append so that several runs and external rotation both work. Returns false
  // and sets last_error() on failure. An already open sink is flushed and closed first.
  bool open(std::string_view path);

  // Appends `json` and a newline. `json` must be one line (no raw '\n'); JsonWriter output is.
  void write_line(std::string_view json);

  // Writes out everything buffered. False if a write failed (the data is dropped and counted).
  bool flush();

  // Flushes if `now_ns` (any monotonic clock, the caller's choice) is at least `interval_ns`
  // past the last flush. Returns true if it flushed.
  bool flush_if_due(std::int64_t now_ns, std::int64_t interval_ns = kDefaultFlushIntervalNs);

  // For SIGHUP after log rotation: flush, close and open the same path again, so that writing
  // continues in a new file when the old one was renamed. A no-op for stdout.
  bool reopen();

  void close();

  // The file sink's side of a worker's flush: `lines` complete lines, `count` of them.
  void write_lines(std::string_view lines, std::uint64_t count);

  // The file sink's further destinations (sockets, syslog, files): each gets every chunk of
  // lines the file gets, when the file gets it, under the same lock. reopen() reopens them.
  void add_output(std::unique_ptr<EveOutput> output);
  // About once a second (the live loop's tick): lets outputs reconnect.
  void poll_outputs(std::int64_t now_ns);
  // The end of the run, after the last flush: each output delivers what it queued (bounded).
  void finish_outputs();
  const std::vector<std::unique_ptr<EveOutput>>& outputs() const { return outputs_; }

  bool is_open() const { return upstream_ != nullptr || fd_ >= 0; }
  bool is_stdout() const { return to_stdout_; }
  const std::string& path() const { return path_; }
  const EveSinkStats& stats() const { return stats_; }
  const std::string& last_error() const { return last_error_; }
  std::size_t buffered() const { return used_; }

 private:
  bool write_all(const char* data, std::size_t size);
  void set_error(std::string_view what, int err);
  // The unlocked bodies of the public methods.
  bool open_unlocked(std::string_view path);
  void close_unlocked();
  bool flush_unlocked();
  void append(std::string_view json);
  void to_outputs(std::string_view lines) {
    for (auto& output : outputs_) output->write_lines(lines);
  }
  std::unique_lock<std::mutex> lock() {
    return upstream_ == nullptr ? std::unique_lock<std::mutex>(mutex_) : std::unique_lock<std::mutex>();
  }

  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::uint64_t lines_buffered_ = 0;  // a worker's sink: lines in buffer_
  EveSink* upstream_ = nullptr;       // a worker's sink: the file sink
  std::mutex mutex_;                  // the file sink's
  std::vector<std::unique_ptr<EveOutput>> outputs_;
  int fd_ = -1;
  bool to_stdout_ = false;
  std::string path_;
  std::int64_t last_flush_ns_ = 0;
  EveSinkStats stats_;
  std::string last_error_;
};

}  // namespace dicomsentry
