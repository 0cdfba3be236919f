// MetricsServer on 127.0.0.1, an ephemeral port, its io_context run on a thread for a bounded
// time: curl and raw-socket clients, every error status, the connection limit with the read
// timeout, and listen address parsing. Every client socket has a receive timeout.
#include "pipeline/metrics_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

namespace dicomsentry {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

const std::string kBody = "# TYPE dicomsentry_test_total counter\ndicomsentry_test_total 42\n";

// A server on its own thread. Everything touching the server runs on that thread (on_io).
class RunningServer {
 public:
  explicit RunningServer(const std::string& listen = "127.0.0.1:0") {
    std::string error;
    const auto endpoint = parse_listen_address(listen, error);
    if (!endpoint) return;
    server_ = MetricsServer::start(io_, *endpoint, [] { return kBody; }, error);
    if (!server_) return;
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(60)); });
  }

  bool ok() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }

  template <typename F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) std::abort();
    return result.get();
  }

  HttpCounters counters() {
    return on_io([this] { return server_->counters(); });
  }

  ~RunningServer() {
    if (thread_.joinable()) {
      on_io([this] {
        server_.reset();
        return 0;
      });
      io_.stop();
      thread_.join();
    }
  }

 private:
  asio::io_context io_;
  std::unique_ptr<MetricsServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A loopback TCP client socket with a receive timeout; -1 if it cannot connect.
int connect_to(std::uint16_t port, bool ipv6 = false, int timeout_s = 7) {
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int rc;
  if (ipv6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(port);
    addr.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early; the response says what happened
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Everything received until the server closes (or an error, or the receive timeout).
std::string receive_all(int fd) {
  std::string out;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string round_trip(std::uint16_t port, std::string_view request, bool half_close = false,
                     bool ipv6 = false) {
  const int fd = connect_to(port, ipv6);
  if (fd < 0) return "connect failed";
  send_all(fd, request);
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string response = receive_all(fd);
  ::close(fd);
  return response;
}

std::string error_response(std::string_view status, std::string_view body,
                           std::string_view extra = {}) {
  return fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n{}"
      "Connection: close\r\n\r\n{}",
      status, body.size(), extra, body);
}

const std::string kOkResponse = fmt::format(
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
    "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
    kBody.size(), kBody);

TEST(MetricsServer, CurlGetsTheMetrics) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no curl";
  RunningServer server;
  ASSERT_TRUE(server.ok());
  const std::string command = fmt::format(
      "curl -s --max-time 5 -w '%{{http_code}} %{{content_type}}' http://127.0.0.1:{}/metrics",
      server.port());
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  EXPECT_EQ(::pclose(pipe), 0);
  EXPECT_EQ(output, kBody + "200 text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricsServer, AnswersEachRequestAndCountsThem) {
  RunningServer server;
  ASSERT_TRUE(server.ok());
  const std::uint16_t port = server.port();
  EXPECT_EQ(round_trip(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), kOkResponse);
  EXPECT_EQ(round_trip(port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n"), kOkResponse);
  EXPECT_EQ(round_trip(port, "GET /other HTTP/1.1\r\n\r\n"),
            error_response("404 Not Found", "not found; the metrics are at /metrics\n"));
  EXPECT_EQ(round_trip(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            error_response("405 Method Not Allowed", "method not allowed\n", "Allow: GET\r\n"));
  // Garbage is refused at once, without waiting for the client to finish or go.
  EXPECT_EQ(round_trip(port, std::string("\x16\x03\x01\x00\xa5\x01\x00\x00", 8)),
            error_response("400 Bad Request", "bad request\n"));
  EXPECT_EQ(round_trip(port, "GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n"),
            error_response("400 Bad Request", "bad request\n"));
  // A head cut short by the client's end of sending.
  EXPECT_EQ(round_trip(port, "GET /metr", true), error_response("400 Bad Request", "bad request\n"));
  // 10 KiB of header: answered 431 once 8 KiB arrived; the rest is read and dropped, so the
  // client still gets the answer rather than a reset.
  const std::string big =
      "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(10 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(round_trip(port, big), error_response("431 Request Header Fields Too Large",
                                                "request header too large\n"));
  // A client that connects and goes without a byte is not a request.
  ::close(connect_to(port));

  const HttpCounters c = server.counters();
  EXPECT_EQ(c.requests, 8u);
  EXPECT_EQ(c.bad_requests, 4u);
  EXPECT_EQ(c.rejected_connections, 0u);
  EXPECT_EQ(c.timeouts, 0u);
}

// A head in pieces, and garbage after a valid start that only a later line shows.
TEST(MetricsServer, HeadsArrivingInPieces) {
  RunningServer server;
  ASSERT_TRUE(server.ok());
  const auto send_in_pieces = [&](std::initializer_list<std::string_view> pieces) {
    const int fd = connect_to(server.port());
    if (fd < 0) return std::string("connect failed");
    for (const std::string_view piece : pieces) {
      send_all(fd, piece);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    std::string response = receive_all(fd);
    ::close(fd);
    return response;
  };
  EXPECT_EQ(send_in_pieces({"GET /met", "rics HTTP/1.1\r\nHo", "st: a", "\r", "\n\r\n"}),
            kOkResponse);
  EXPECT_EQ(send_in_pieces({"GET /metrics HTTP/1.1\r\nHost: a", std::string(100, 'b'),
                            "\x01\r\n\r\n"}),
            error_response("400 Bad Request", "bad request\n"));
  const HttpCounters c = server.counters();
  EXPECT_EQ(c.requests, 2u);
  EXPECT_EQ(c.bad_requests, 1u);
}

// 20 idle clients: 16 hold every slot and 4 are closed at once; a scrape is refused while the
// slots are held, then answered once the idle ones time out (5 s), within 6 s of their arrival.
TEST(MetricsServer, IdleClientsTimeOutAndDoNotBlockScrapesForLong) {
  RunningServer server;
  ASSERT_TRUE(server.ok());
  const std::uint16_t port = server.port();
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  const Clock::time_point t0 = Clock::now();

  // Within 2 s (well before any timeout) exactly 4 are closed by the server.
  std::vector<bool> closed(idle.size(), false);
  std::size_t closed_count = 0;
  while (closed_count < 4 && Clock::now() - t0 < std::chrono::seconds(2)) {
    std::vector<pollfd> fds;
    for (const int fd : idle) fds.push_back({fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), 100);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!closed[i] && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        closed[i] = true;
        ++closed_count;
      }
    }
  }
  EXPECT_EQ(closed_count, 4u);

  // Scrape until answered, at most until 6.5 s after the idle clients connected.
  int attempts = 0;
  std::string response;
  Clock::duration answered_after{};
  while (Clock::now() - t0 < std::chrono::milliseconds(6500)) {
    ++attempts;
    response = round_trip(port, "GET /metrics HTTP/1.1\r\n\r\n");
    if (!response.empty()) {
      answered_after = Clock::now() - t0;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(response, kOkResponse);
  EXPECT_GT(attempts, 1);  // the first one found every slot held
  EXPECT_GE(answered_after, std::chrono::milliseconds(4500));
  EXPECT_LT(answered_after, std::chrono::seconds(6));

  // Every idle client was closed by then: the 16 by the timeout.
  for (std::size_t i = 0; i < idle.size(); ++i) {
    pollfd p{idle[i], POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 1) << i;
    char byte;
    EXPECT_LE(::recv(idle[i], &byte, 1, MSG_DONTWAIT), 0) << i;
    ::close(idle[i]);
  }
  const HttpCounters c = server.counters();
  EXPECT_EQ(c.timeouts, 16u);
  EXPECT_EQ(c.rejected_connections, static_cast<std::uint64_t>(4 + attempts - 1));
  EXPECT_EQ(c.requests, 1u);
}

TEST(MetricsServer, ListensOnIpv6Loopback) {
  RunningServer server("[::1]:0");
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  EXPECT_EQ(round_trip(server.port(), "GET /metrics HTTP/1.1\r\n\r\n", false, true), kOkResponse);
}

TEST(MetricsServer, StartFailsOnAPortInUse) {
  RunningServer first;
  ASSERT_TRUE(first.ok());
  asio::io_context io;
  std::string error;
  const auto endpoint = parse_listen_address(fmt::format("127.0.0.1:{}", first.port()), error);
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(MetricsServer::start(io, *endpoint, [] { return std::string(); }, error), nullptr);
  EXPECT_EQ(error.rfind(fmt::format("cannot listen on 127.0.0.1:{}: ", first.port()), 0), 0u)
      << error;
}

TEST(ListenAddress, Ipv4AndBracketedIpv6) {
  std::string error;
  auto e = parse_listen_address("127.0.0.1:9100", error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address().to_string(), "127.0.0.1");
  EXPECT_EQ(e->port(), 9100);
  e = parse_listen_address("0.0.0.0:0", error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port(), 0);
  e = parse_listen_address("[::1]:65535", error);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->address().is_v6());
  EXPECT_EQ(e->address().to_string(), "::1");
  EXPECT_EQ(e->port(), 65535);
}

TEST(ListenAddress, Refused) {
  for (const char* text : {"", "9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                           "127.0.0.1:-1", "127.0.0.1:91a", "localhost:9100", "::1:9100",
                           "[::1]9100", "[127.0.0.1]:9100", "[::1]:", "1.2.3:80", "[::1:80"}) {
    std::string error;
    EXPECT_FALSE(parse_listen_address(text, error)) << text;
    EXPECT_EQ(error.rfind("bad listen address", 0), 0u) << text << ": " << error;
  }
}

}  // namespace
}  // namespace dicomsentry
