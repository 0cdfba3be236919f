// Progress line formatting (pure) and the redraw throttle around it.
#include "output/progress_bar.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <unistd.h>

#include "output/human_units.hpp"

namespace dicomsentry {

namespace {

constexpr std::size_t kBarWidth = 20;

}  // namespace

std::string format_progress_line(const ProgressSample& sample) {
  const double seconds = static_cast<double>(std::max<std::int64_t>(sample.elapsed_ns, 0)) / 1e9;
  const bool timed = seconds > 0;
  const std::string rate =
      timed ? format_packet_rate(static_cast<double>(sample.packets) / seconds) : "--";
  if (sample.total_bytes == 0)
    return fmt::format("{} read  {}", format_bytes(sample.bytes_read), rate);

  // A file that grew while it was read could go past the total: show it as done.
  const std::uint64_t done = std::min(sample.bytes_read, sample.total_bytes);
  const double fraction = static_cast<double>(done) / static_cast<double>(sample.total_bytes);
  const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
  std::string eta = "--";
  if (done == sample.total_bytes) {
    eta = format_duration(0);
  } else if (timed && done > 0) {
    const double bytes_per_second = static_cast<double>(done) / seconds;
    eta = format_duration(static_cast<double>(sample.total_bytes - done) / bytes_per_second);
  }
  return fmt::format("[{}{}] {:5.1f}%  {} / {}  {}  ETA {}", std::string(filled, '#'),
                     std::string(kBarWidth - filled, '.'), fraction * 100.0, format_bytes(done),
                     format_bytes(sample.total_bytes), rate, eta);
}

ProgressBar::ProgressBar(std::uint64_t total_bytes, std::FILE* out, std::int64_t start_ns)
    : total_bytes_(total_bytes),
      out_(out),
      start_ns_(start_ns),
      // The first line after one interval: its rate and ETA then rest on something, and a
      // run shorter than that draws nothing at all.
      next_draw_ns_(start_ns + kRedrawIntervalNs) {}

void ProgressBar::draw(std::uint64_t bytes_read, std::uint64_t packets, std::int64_t now_ns) {
  next_draw_ns_ = now_ns + kRedrawIntervalNs;
  const std::string line =
      format_progress_line({bytes_read, total_bytes_, packets, now_ns - start_ns_});
  // Pad with blanks over what a longer previous line left behind.
  const std::size_t pad = drawn_width_ > line.size() ? drawn_width_ - line.size() : 0;
  fmt::print(out_, "\r{}{:{}}", line, "", pad);
  std::fflush(out_);
  drawn_width_ = line.size();
}

void ProgressBar::finish() {
  if (drawn_width_ == 0) return;
  fmt::print(out_, "\r{:{}}\r", "", drawn_width_);
  std::fflush(out_);
  drawn_width_ = 0;
}

bool ProgressBar::should_show(std::FILE* out) {
  if (out == nullptr) return false;
  const int fd = fileno(out);
  if (fd < 0 || isatty(fd) == 0) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

}  // namespace dicomsentry
