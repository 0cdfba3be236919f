// UnixSocketOutput against real readers in a temporary directory: a stream reader that
// leaves and comes back, a datagram reader doing the same, a reader that stops reading (the
// framing survives partial writes), and a path no one listens on.
#include "output/unix_socket_output.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "output_test_util.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using namespace test;
using Mode = UnixSocketOutput::Mode;

constexpr std::int64_t kSecond = 1'000'000'000;

std::string line(int n, std::size_t padding = 0) {
  return fmt::format(R"({{"timestamp":"t","event_type":"flow","n":{},"pad":"{}"}})" "\n", n,
                     std::string(padding, 'x'));
}

class UnixSocketOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "unix_output_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    socket_path_ = (dir_ / "eve.sock").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::string socket_path_;
};

TEST_F(UnixSocketOutputTest, StreamReaderLeavesAndComesBack) {
  int listener = unix_listener(socket_path_, SOCK_STREAM);
  ASSERT_GE(listener, 0);
  UnixSocketOutput out(Mode::kStream, socket_path_);
  EXPECT_EQ(out.name(), "unix-stream:" + socket_path_);
  ASSERT_TRUE(out.connected()) << out.last_error();
  int conn = accept_within(listener);
  ASSERT_GE(conn, 0);

  out.write_lines(line(1) + line(2));
  out.write_lines(line(3));
  EXPECT_EQ(read_lines(conn, 3), line(1) + line(2) + line(3));

  // The reader goes away: the next line finds the connection broken, the one after that no
  // connection at all.
  ::close(conn);
  ::close(listener);
  ::unlink(socket_path_.c_str());
  out.write_lines(line(4));
  EXPECT_FALSE(out.connected());
  out.write_lines(line(5));

  std::int64_t now = 100 * kSecond;
  out.poll(now);  // no socket file: the attempt fails
  EXPECT_FALSE(out.connected());
  EXPECT_EQ(out.stats().connect_failures, 1u);

  listener = unix_listener(socket_path_, SOCK_STREAM);
  ASSERT_GE(listener, 0);
  out.poll(now + kSecond / 2);  // too soon after the last attempt
  EXPECT_FALSE(out.connected());
  EXPECT_EQ(out.stats().connect_failures, 1u);
  out.poll(now + kSecond);
  ASSERT_TRUE(out.connected()) << out.last_error();
  conn = accept_within(listener);
  ASSERT_GE(conn, 0);
  out.write_lines(line(6) + line(7));
  EXPECT_EQ(read_lines(conn, 2), line(6) + line(7));

  const EveOutputStats& s = out.stats();
  EXPECT_EQ(s.lines_sent, 5u);
  EXPECT_EQ(s.bytes_sent, 5 * line(1).size());
  EXPECT_EQ(s.lines_dropped, 2u);
  EXPECT_EQ(s.bytes_dropped, 2 * line(1).size());
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_EQ(s.disconnects, 1u);
  EXPECT_EQ(s.connect_failures, 1u);
  EXPECT_EQ(s.errors, 0u);
  ::close(conn);
  ::close(listener);
}

TEST_F(UnixSocketOutputTest, DatagramReaderGetsOneLinePerDatagramAndComesBack) {
  int reader = unix_listener(socket_path_, SOCK_DGRAM);
  ASSERT_GE(reader, 0);
  UnixSocketOutput out(Mode::kDatagram, socket_path_);
  EXPECT_EQ(out.name(), "unix-dgram:" + socket_path_);
  ASSERT_TRUE(out.connected()) << out.last_error();
  out.write_lines(line(1) + line(2) + line(3));
  EXPECT_EQ(read_datagram(reader), line(1));
  EXPECT_EQ(read_datagram(reader), line(2));
  EXPECT_EQ(read_datagram(reader), line(3));

  ::close(reader);
  ::unlink(socket_path_.c_str());
  out.write_lines(line(4));  // refused: the reader is gone
  EXPECT_FALSE(out.connected());
  out.write_lines(line(5));

  reader = unix_listener(socket_path_, SOCK_DGRAM);
  ASSERT_GE(reader, 0);
  out.poll(7 * kSecond);
  ASSERT_TRUE(out.connected()) << out.last_error();
  out.write_lines(line(6));
  EXPECT_EQ(read_datagram(reader), line(6));

  const EveOutputStats& s = out.stats();
  EXPECT_EQ(s.lines_sent, 4u);
  EXPECT_EQ(s.lines_dropped, 2u);
  EXPECT_EQ(s.bytes_dropped, 2 * line(1).size());
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_EQ(s.disconnects, 1u);
  EXPECT_EQ(s.connect_failures, 0u);
  ::close(reader);
}

TEST_F(UnixSocketOutputTest, NoReaderDropsAndCountsWithoutBlocking) {
  UnixSocketOutput out(Mode::kStream, socket_path_);
  EXPECT_FALSE(out.connected());
  out.write_lines(line(1) + line(2));
  out.poll(kSecond);
  out.poll(kSecond + 10);  // rate limited: no second attempt
  const EveOutputStats& s = out.stats();
  EXPECT_EQ(s.lines_dropped, 2u);
  EXPECT_EQ(s.lines_sent, 0u);
  EXPECT_EQ(s.connect_failures, 2u);  // at construction and at the first poll
  EXPECT_EQ(s.connects, 0u);
}

// The reader stops reading: the kernel takes lines until its buffer is full, one line may go
// out in part and its tail waits, the rest is dropped. Once the reader drains the socket every
// line it got is whole, in order, and as many as were counted sent.
TEST_F(UnixSocketOutputTest, PartialStreamWritesKeepLinesWhole) {
  const int listener = unix_listener(socket_path_, SOCK_STREAM);
  ASSERT_GE(listener, 0);
  UnixSocketOutput out(Mode::kStream, socket_path_);
  ASSERT_TRUE(out.connected());
  const int conn = accept_within(listener);
  ASSERT_GE(conn, 0);

  int written = 0;
  while (out.stats().lines_dropped < 20 && written < 100'000) {
    out.write_lines(line(written, 3000) + line(written + 1, 3000));
    written += 2;
  }
  ASSERT_GE(out.stats().lines_dropped, 20u);

  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::int64_t now = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    out.poll(now += kSecond);  // sends the waiting tail once there is room
    if (!readable(conn, 50)) {
      if (out.stats().lines_sent + out.stats().lines_dropped == static_cast<std::uint64_t>(written))
        break;
      continue;
    }
    char buf[65536];
    const ssize_t n = ::read(conn, buf, sizeof(buf));
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  const EveOutputStats& s = out.stats();
  EXPECT_EQ(s.lines_sent + s.lines_dropped, static_cast<std::uint64_t>(written));
  EXPECT_EQ(got.size(), s.bytes_sent);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), '\n');
  // Every line received is one that was written, in order.
  std::size_t received = 0;
  int next = 0;
  for (std::size_t pos = 0; pos < got.size();) {
    const std::size_t end = got.find('\n', pos) + 1;
    const std::string one = got.substr(pos, end - pos);
    while (next < written && line(next, 3000) != one) ++next;
    ASSERT_LT(next, written) << "line " << received << " is not one that was written";
    ++next;
    ++received;
    pos = end;
  }
  EXPECT_EQ(received, s.lines_sent);
  EXPECT_EQ(s.disconnects, 0u);
  ::close(conn);
  ::close(listener);
}

}  // namespace
}  // namespace dicomsentry
