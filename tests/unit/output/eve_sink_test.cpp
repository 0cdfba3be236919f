// EveSink: buffering, append mode, oversize lines, reopen after rotation, stdout, error counting.
#include "output/eve_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;

class EveSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "eve_sink_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

TEST_F(EveSinkTest, WritesLinesWithNewlinesOnFlush) {
  EveSink sink;
  ASSERT_TRUE(sink.open(path("eve.json")));
  sink.write_line(R"({"a":1})");
  sink.write_line(R"({"b":2})");
  EXPECT_EQ(slurp(path("eve.json")), "");  // still buffered
  EXPECT_EQ(sink.buffered(), 16u);
  EXPECT_TRUE(sink.flush());
  EXPECT_EQ(slurp(path("eve.json")), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(sink.stats().lines, 2u);
  EXPECT_EQ(sink.stats().bytes, 16u);
  EXPECT_EQ(sink.stats().bytes_written, 16u);
  EXPECT_EQ(sink.stats().write_errors, 0u);
  EXPECT_EQ(sink.stats().flushes, 1u);
}

TEST_F(EveSinkTest, DestructorFlushes) {
  {
    EveSink sink;
    ASSERT_TRUE(sink.open(path("eve.json")));
    sink.write_line("{}");
  }
  EXPECT_EQ(slurp(path("eve.json")), "{}\n");
}

TEST_F(EveSinkTest, AppendsToExistingFile) {
  {
    std::ofstream out(path("eve.json"), std::ios::binary);
    out << "old\n";
  }
  EveSink sink;
  ASSERT_TRUE(sink.open(path("eve.json")));
  sink.write_line("new");
  sink.flush();
  EXPECT_EQ(slurp(path("eve.json")), "old\nnew\n");
}

TEST_F(EveSinkTest, CreatesFileWithMode0640) {
  const mode_t old_mask = umask(0);
  EveSink sink;
  const bool opened = sink.open(path("eve.json"));
  umask(old_mask);
  ASSERT_TRUE(opened);
  EXPECT_EQ(fs::status(path("eve.json")).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(EveSinkTest, FullBufferFlushesBeforeAppending) {
  EveSink sink(10);
  ASSERT_TRUE(sink.open(path("eve.json")));
  sink.write_line("12345");  // 6 bytes buffered
  sink.write_line("abcd");   // 5 more do not fit: the first line is written out first
  EXPECT_EQ(slurp(path("eve.json")), "12345\n");
  EXPECT_EQ(sink.buffered(), 5u);
  sink.flush();
  EXPECT_EQ(slurp(path("eve.json")), "12345\nabcd\n");
}

TEST_F(EveSinkTest, LineLargerThanBufferWrittenThrough) {
  EveSink sink(8);
  ASSERT_TRUE(sink.open(path("eve.json")));
  sink.write_line("ab");
  const std::string big(100, 'x');
  sink.write_line(big);
  EXPECT_EQ(sink.buffered(), 0u);
  EXPECT_EQ(slurp(path("eve.json")), "ab\n" + big + "\n");
  EXPECT_EQ(sink.stats().bytes, 3u + 101u);
  EXPECT_EQ(sink.stats().bytes_written, 104u);
}

TEST_F(EveSinkTest, ReopenAfterRenameWritesNewFile) {
  EveSink sink;
  ASSERT_TRUE(sink.open(path("eve.json")));
  sink.write_line("before");
  sink.flush();
  fs::rename(path("eve.json"), path("eve.json.1"));
  sink.write_line("buffered");  // flushed by reopen into the renamed (still open) file
  ASSERT_TRUE(sink.reopen());
  sink.write_line("after");
  sink.flush();
  EXPECT_EQ(slurp(path("eve.json.1")), "before\nbuffered\n");
  EXPECT_EQ(slurp(path("eve.json")), "after\n");
  EXPECT_EQ(sink.stats().reopens, 1u);
  EXPECT_EQ(sink.stats().lines, 3u);
}

TEST_F(EveSinkTest, OpenFailureReportedAndLinesCountedAsDropped) {
  EveSink sink;
  EXPECT_FALSE(sink.open(path("missing-dir/eve.json")));
  EXPECT_FALSE(sink.is_open());
  EXPECT_NE(sink.last_error().find("cannot open"), std::string::npos);
  EXPECT_NE(sink.last_error().find("No such file or directory"), std::string::npos);
  sink.write_line("lost");
  EXPECT_EQ(sink.stats().lines, 1u);
  EXPECT_EQ(sink.stats().write_errors, 1u);
  EXPECT_EQ(sink.stats().bytes_dropped, 5u);
  EXPECT_EQ(sink.stats().bytes_written, 0u);
}

TEST_F(EveSinkTest, ReopenRetriesAFailedPath) {
  EveSink sink;
  EXPECT_FALSE(sink.open(path("later/eve.json")));
  fs::create_directory(path("later"));
  EXPECT_TRUE(sink.reopen());
  sink.write_line("x");
  sink.flush();
  EXPECT_EQ(slurp(path("later/eve.json")), "x\n");
}

TEST_F(EveSinkTest, WriteErrorCountedAndBufferDropped) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  EveSink sink;
  ASSERT_TRUE(sink.open("/dev/full"));
  sink.write_line("abc");
  EXPECT_FALSE(sink.flush());
  EXPECT_EQ(sink.stats().write_errors, 1u);
  EXPECT_EQ(sink.stats().bytes_dropped, 4u);
  EXPECT_EQ(sink.buffered(), 0u);  // dropped, not retained to grow without bound
  EXPECT_NE(sink.last_error().find("No space left on device"), std::string::npos);
}

TEST_F(EveSinkTest, FlushIfDueHonoursInterval) {
  EveSink sink;
  ASSERT_TRUE(sink.open(path("eve.json")));
  constexpr std::int64_t kSecond = 1'000'000'000;
  EXPECT_TRUE(sink.flush_if_due(10 * kSecond));  // first call: nothing flushed yet
  sink.write_line("a");
  EXPECT_FALSE(sink.flush_if_due(10 * kSecond + kSecond - 1));
  EXPECT_EQ(slurp(path("eve.json")), "");
  EXPECT_TRUE(sink.flush_if_due(11 * kSecond));
  EXPECT_EQ(slurp(path("eve.json")), "a\n");
}

TEST_F(EveSinkTest, StdoutSinkWritesToFdOneAndNeverClosesIt) {
  fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  ASSERT_GE(saved, 0);
  const int file = ::open(path("stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  ASSERT_EQ(dup2(file, STDOUT_FILENO), STDOUT_FILENO);
  ::close(file);
  bool still_open = false;
  {
    EveSink sink;
    EXPECT_TRUE(sink.open("-"));
    EXPECT_TRUE(sink.is_stdout());
    sink.write_line("{\"to\":\"stdout\"}");
    EXPECT_TRUE(sink.reopen());  // a no-op for stdout
    EXPECT_EQ(sink.stats().reopens, 0u);
    sink.close();
    still_open = fcntl(STDOUT_FILENO, F_GETFD) != -1;
  }
  dup2(saved, STDOUT_FILENO);
  ::close(saved);
  EXPECT_TRUE(still_open);
  EXPECT_EQ(slurp(path("stdout.txt")), "{\"to\":\"stdout\"}\n");
}

}  // namespace
}  // namespace dicomsentry

// Several workers' sinks in front of one file sink: whole lines only, none lost, each
// worker's lines in its own order, whatever the interleaving of their flushes.
TEST(EveSinkWorkers, WorkerSinksHandWholeLinesToTheFileSink) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / fmt::format("ds_eve_workers_{}.json", ::getpid());
  std::filesystem::remove(path);
  {
    dicomsentry::EveSink file;
    ASSERT_TRUE(file.open(path.string()));
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; ++w) {
      workers.emplace_back([&file, w] {
        dicomsentry::EveSink mine(file, 1000);  // a small buffer: many hand-overs
        for (int i = 0; i < 20000; ++i) mine.write_line(fmt::format(R"({{"w":{},"i":{}}})", w, i));
        mine.write_line(std::string(3000, 'x'));  // larger than the worker's buffer
        mine.flush();
      });
    }
    for (auto& t : workers) t.join();
    EXPECT_EQ(file.stats().lines, 3u * 20001u);
    ASSERT_TRUE(file.flush());
  }
  std::ifstream in(path);
  std::array<int, 3> next{};
  int long_lines = 0, bad = 0;
  for (std::string line; std::getline(in, line);) {
    if (line == std::string(3000, 'x')) {
      ++long_lines;
      continue;
    }
    int w = -1, i = -1;
    if (std::sscanf(line.c_str(), R"({"w":%d,"i":%d})", &w, &i) != 2 || w < 0 || w > 2 ||
        i != next[static_cast<std::size_t>(w)]) {
      ++bad;
      continue;
    }
    ++next[static_cast<std::size_t>(w)];
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(long_lines, 3);
  EXPECT_EQ(next, (std::array<int, 3>{20000, 20000, 20000}));
  std::filesystem::remove(path);
}
