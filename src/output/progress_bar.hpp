// The offline run's progress line on a terminal: bytes read of the inputs' total, packet rate
// and ETA, redrawn in place with '\r' at most four times a second, the first time 250 ms
// after the start.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace dicomsentry {

// What one progress line shows. Times are in nanoseconds of a monotonic clock.
struct ProgressSample {
  std::uint64_t bytes_read = 0;   // file offset reached, summed over the inputs read so far
  std::uint64_t total_bytes = 0;  // sum of the input file sizes; 0: unknown
  std::uint64_t packets = 0;
  std::int64_t elapsed_ns = 0;    // since the progress bar started
};

// One line, no '\r' and no newline:
//   "[#########...........]  45.0%  1.2 MiB / 2.7 MiB  12.5 kpps  ETA 3.20 s"
// Rates are averages since the start. With a total of 0 there is no bar, percent or ETA:
//   "1.2 MiB read  12.5 kpps". Before any time has passed the rate and ETA show as "--".
std::string format_progress_line(const ProgressSample& sample);

class ProgressBar {
 public:
  static constexpr std::int64_t kRedrawIntervalNs = 250'000'000;  // four lines a second

  // `out` (normally stderr) must outlive the bar; `start_ns` is the clock at the start.
  ProgressBar(std::uint64_t total_bytes, std::FILE* out, std::int64_t start_ns);

  // Cheap to call per batch: only a compare unless a redraw is due.
  void update(std::uint64_t bytes_read, std::uint64_t packets, std::int64_t now_ns) {
    if (now_ns < next_draw_ns_) return;
    draw(bytes_read, packets, now_ns);
  }
  // Erases the line, so what is printed next starts on a clean line. Idempotent.
  void finish();

  // Whether to show a bar on `out`: a terminal whose TERM is not "dumb".
  static bool should_show(std::FILE* out);

 private:
  void draw(std::uint64_t bytes_read, std::uint64_t packets, std::int64_t now_ns);

  std::uint64_t total_bytes_;
  std::FILE* out_;
  std::int64_t start_ns_;
  std::int64_t next_draw_ns_;
  std::size_t drawn_width_ = 0;  // characters on the line now, to blank a longer old one
};

}  // namespace dicomsentry
