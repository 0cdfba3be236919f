// Live capture on the loopback interface: exactly the datagrams we send to our port arrive.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "capture/live_capture.hpp"

namespace dicomsentry {
namespace {

// Closes a socket descriptor at scope end.
struct Socket {
  int fd = -1;
  explicit Socket(int f) : fd(f) {}
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

TimestampNs now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::size_t kHeaders = 14 + 20 + 8;  // Ethernet (lo on Linux), IPv4, UDP

TEST(LiveCapture, SeesExactlyTheDatagramsSentToItsPortOnLoopback) {
  if (::geteuid() != 0) GTEST_SKIP() << "capturing on lo needs root (CAP_NET_RAW)";

  // The receiver picks a free high port, so the filter matches only this test's traffic.
  Socket receiver(::socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_GE(receiver.fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(receiver.fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(receiver.fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);

  LiveOptions options;
  options.interface = "lo";
  options.filter = "udp and dst port " + std::to_string(port);
  options.nonblocking = true;
  options.buffer_size = 1 << 20;
  std::string error;
  auto capture = LiveCapture::open(options, error);
  if (!capture) GTEST_SKIP() << "cannot open lo: " << error;
  EXPECT_EQ(capture->link_type(), LinkType::kEthernet);
  const int fd = capture->selectable_fd();
  ASSERT_GE(fd, 0);

  constexpr int kDatagrams = 5;
  Socket sender(::socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_GE(sender.fd, 0);
  const TimestampNs sent_from = now_ns() - 1'000'000;  // 1 ms of slack for clock granularity
  std::vector<std::string> sent;
  for (int i = 0; i < kDatagrams; ++i) {
    sent.push_back("dicomsentry live test " + std::to_string(i));
    ASSERT_EQ(::sendto(sender.fd, sent.back().data(), sent.back().size(), 0,
                       reinterpret_cast<sockaddr*>(&address), sizeof address),
              static_cast<ssize_t>(sent.back().size()));
  }
  const TimestampNs sent_until = now_ns() + 1'000'000;

  std::vector<std::string> seen;
  std::vector<TimestampNs> times;
  std::vector<std::uint32_t> lengths;
  auto collect = [&](const PacketView& p) {
    if (p.bytes.size() < kHeaders) {
      seen.push_back("short packet");
      return;
    }
    const auto* text = reinterpret_cast<const char*>(p.bytes.data() + kHeaders);
    seen.emplace_back(text, p.bytes.size() - kHeaders);
    times.push_back(p.timestamp_ns);
    lengths.push_back(p.original_length);
  };
  // Bounded by time (5 s) and by count; then 200 ms more to catch any unexpected extra.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (seen.size() < kDatagrams && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fd, POLLIN, 0};
    ::poll(&pfd, 1, 100);
    ASSERT_GE(capture->dispatch(-1, collect), 0) << capture->error();
  }
  const auto linger = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < linger) {
    pollfd pfd{fd, POLLIN, 0};
    ::poll(&pfd, 1, 50);
    ASSERT_GE(capture->dispatch(-1, collect), 0) << capture->error();
  }

  ASSERT_EQ(seen, sent);
  for (int i = 0; i < kDatagrams; ++i) {
    EXPECT_EQ(lengths[i], kHeaders + sent[i].size());
    EXPECT_GE(times[i], sent_from);
    EXPECT_LE(times[i], sent_until);
  }
  LiveStats stats;
  ASSERT_TRUE(capture->stats(stats)) << capture->error();
  EXPECT_GE(stats.received, static_cast<std::uint64_t>(kDatagrams));
  EXPECT_EQ(stats.kernel_dropped, 0u);
}

TEST(LiveCapture, UnknownInterfaceIsAClearError) {
  LiveOptions options;
  options.interface = "nosuchif0";
  std::string error;
  EXPECT_FALSE(LiveCapture::open(options, error));
  // Without root libpcap may say "permission denied" before it looks for the device.
  if (::geteuid() == 0) {
    EXPECT_EQ(error.rfind("nosuchif0: pcap_activate: No such device exists", 0), 0u) << error;
  } else {
    EXPECT_EQ(error.rfind("nosuchif0: pcap_activate: ", 0), 0u) << error;
  }
}

TEST(LiveCapture, BadFilterIsAClearError) {
  if (::geteuid() != 0) GTEST_SKIP() << "capturing on lo needs root (CAP_NET_RAW)";
  LiveOptions options;
  options.interface = "lo";
  options.filter = "udp port";
  std::string error;
  EXPECT_FALSE(LiveCapture::open(options, error));
  EXPECT_EQ(error, "lo: bad filter 'udp port': can't parse filter expression: syntax error");
}

}  // namespace
}  // namespace dicomsentry
