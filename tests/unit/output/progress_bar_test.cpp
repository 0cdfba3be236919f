// The progress line: exact text for rates, ETA, an unknown total and a finished read; the
// redraw throttle and the final erase read back from a file; should_show on a pipe and a pty.
#include "output/progress_bar.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <string>
#include <unistd.h>

namespace dicomsentry {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(ProgressLine, QuarterReadWithRateAndEta) {
  // 1 MiB of 4 MiB in 2 s: 512 KiB/s leaves 3 MiB for 6 s; 25,000 packets in 2 s.
  EXPECT_EQ(format_progress_line({kMiB, 4 * kMiB, 25'000, 2'000 * kMs}),
            "[#####...............]  25.0%  1.0 MiB / 4.0 MiB  12.5 kpps  ETA 6.00 s");
}

TEST(ProgressLine, LongEtaInMinutes) {
  // 1 MiB of 100 MiB in 8 s: 99 MiB at 128 KiB/s is 792 s; 48 packets in 8 s.
  EXPECT_EQ(format_progress_line({kMiB, 100 * kMiB, 48, 8'000 * kMs}),
            "[....................]   1.0%  1.0 MiB / 100.0 MiB  6 pps  ETA 13m12s");
}

TEST(ProgressLine, NothingKnownYet) {
  EXPECT_EQ(format_progress_line({0, 4 * kMiB, 0, 0}),
            "[....................]   0.0%  0 B / 4.0 MiB  --  ETA --");
}

TEST(ProgressLine, UnknownTotalHasNoBarNorEta) {
  EXPECT_EQ(format_progress_line({1536, 0, 10, 500 * kMs}), "1.5 KiB read  20 pps");
  EXPECT_EQ(format_progress_line({0, 0, 0, 0}), "0 B read  --");
}

TEST(ProgressLine, DoneEvenWhenAFileGrewPastTheTotal) {
  EXPECT_EQ(format_progress_line({4 * kMiB + 100, 4 * kMiB, 1'000, 1'000 * kMs}),
            "[####################] 100.0%  4.0 MiB / 4.0 MiB  1.00 kpps  ETA 0.00 s");
}

std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string out;
  for (int c; (c = std::fgetc(file)) != EOF;) out.push_back(static_cast<char>(c));
  return out;
}

TEST(ProgressBarRedraw, AtMostFourTimesASecondPaddedAndErased) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const std::int64_t t0 = 5'000 * kMs;
  ProgressBar bar(0, file, t0);
  bar.finish();                           // nothing drawn: nothing to erase
  bar.update(0, 0, t0);                   // not: the first line waits one interval
  bar.update(1536, 20, t0 + 249 * kMs);   // not: 249 ms
  bar.update(2048, 50, t0 + 250 * kMs);   // drawn
  bar.update(3072, 60, t0 + 499 * kMs);   // not: 249 ms after the last line
  bar.update(4096, 1, t0 + 1'000 * kMs);  // drawn, shorter: padded over the old line
  EXPECT_EQ(contents(file),
            "\r2.0 KiB read  200 pps"
            "\r4.0 KiB read  1 pps  ");
  bar.finish();
  EXPECT_EQ(contents(file),
            "\r2.0 KiB read  200 pps"
            "\r4.0 KiB read  1 pps  "
            "\r                   \r");
  const std::string before = contents(file);
  bar.finish();  // nothing left to erase
  EXPECT_EQ(contents(file), before);
  std::fclose(file);
}

// Sets TERM for one test and puts the old value back.
class ScopedTerm {
 public:
  explicit ScopedTerm(const char* value) {
    if (const char* old = std::getenv("TERM")) old_ = old;
    setenv("TERM", value, 1);
  }
  ~ScopedTerm() {
    if (old_) setenv("TERM", old_->c_str(), 1);
    else unsetenv("TERM");
  }

 private:
  std::optional<std::string> old_;
};

TEST(ProgressBarShow, NeverOnAPipe) {
  ScopedTerm term("xterm");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::FILE* writer = fdopen(fds[1], "w");
  ASSERT_NE(writer, nullptr);
  EXPECT_FALSE(ProgressBar::should_show(writer));
  std::fclose(writer);
  close(fds[0]);
  EXPECT_FALSE(ProgressBar::should_show(nullptr));
}

TEST(ProgressBarShow, OnATerminalUnlessTermIsDumb) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) GTEST_SKIP() << "no pseudo-terminals here";
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  std::FILE* terminal = fdopen(slave, "w");
  ASSERT_NE(terminal, nullptr);
  {
    ScopedTerm term("xterm-256color");
    EXPECT_TRUE(ProgressBar::should_show(terminal));
  }
  {
    ScopedTerm term("dumb");
    EXPECT_FALSE(ProgressBar::should_show(terminal));
  }
  std::fclose(terminal);
  close(master);
}

}  // namespace
}  // namespace dicomsentry
