// SyslogOutput: the RFC 5424 header for fixed times, then messages received by loopback UDP
// and TCP listeners, parsed back field by field (TCP: RFC 6587 octet counting).
#include "output/syslog_output.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "output_test_util.hpp"

namespace dicomsentry {
namespace {

using namespace test;

std::string header(int priority, std::int64_t wall_ns, std::string_view host, long pid,
                   std::string_view msgid) {
  fmt::memory_buffer out;
  append_syslog_header(out, priority, wall_ns, host, pid, msgid);
  return fmt::to_string(out);
}

TEST(SyslogHeader, FormatsRfc5424WithMicrosecondsInUtc) {
  // 1764633206 s is 2025-12-01T23:53:26Z.
  EXPECT_EQ(header(174, 1'764'633'206'123'456'789, "sensor1", 4242, "alert"),
            "<174>1 2025-12-01T23:53:26.123456Z sensor1 dicomsentry 4242 alert - ");
  EXPECT_EQ(header(0, 0, "h", 1, "-"), "<0>1 1970-01-01T00:00:00.000000Z h dicomsentry 1 - - ");
  EXPECT_EQ(header(191, -1, "h", 1, "flow"),
            "<191>1 1969-12-31T23:59:59.999999Z h dicomsentry 1 flow - ");
}

struct Parsed {
  int priority = -1;
  std::string timestamp, hostname, app, procid, msgid, msg;
};

// "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG", structured data always "-".
Parsed parse(const std::string& message) {
  static const std::regex kShape(R"(^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) - (.*)$)");
  std::smatch m;
  Parsed p;
  if (!std::regex_match(message, m, kShape)) return p;
  p.priority = std::stoi(m[1]);
  p.timestamp = m[2];
  p.hostname = m[3];
  p.app = m[4];
  p.procid = m[5];
  p.msgid = m[6];
  p.msg = m[7];
  return p;
}

std::string hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

// The timestamp's seconds since the epoch, -1 when it is not YYYY-MM-DDTHH:MM:SS.uuuuuuZ.
std::int64_t timestamp_seconds(const std::string& ts) {
  static const std::regex kTs(R"(^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{6}Z$)");
  std::smatch m;
  if (!std::regex_match(ts, m, kTs)) return -1;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  return static_cast<std::int64_t>(timegm(&tm));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::string kAlert = R"({"timestamp":"2026-11-28T13:00:56.485931+0000","event_type":"alert","alert":{"signature_id":1}})";
const std::string kFlow = R"({"timestamp":"2026-11-28T13:00:56.485931+0000","event_type":"flow","flow_id":7})";
const std::string kUntyped = R"({"no_type":true})";

void expect_message(const std::string& message, int priority, const std::string& json,
                    const std::string& msgid, std::int64_t before, std::int64_t after) {
  const Parsed p = parse(message);
  EXPECT_EQ(p.priority, priority) << message;
  const std::int64_t ts = timestamp_seconds(p.timestamp);
  EXPECT_GE(ts, before) << p.timestamp;
  EXPECT_LE(ts, after) << p.timestamp;
  EXPECT_EQ(p.hostname, hostname());
  EXPECT_EQ(p.app, "dicomsentry");
  EXPECT_EQ(p.procid, std::to_string(::getpid()));
  EXPECT_EQ(p.msgid, msgid);
  EXPECT_EQ(p.msg, json);
}

int udp_listener(int family, std::uint16_t* port) {
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  }
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return -1;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  *port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                  : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return fd;
}

TEST(SyslogOutput, UdpOneMessagePerLine) {
  std::uint16_t port = 0;
  const int reader = udp_listener(AF_INET, &port);
  ASSERT_GE(reader, 0);
  SyslogOutput out(SyslogSettings{false, "127.0.0.1", port, kSyslogFacilityLocal5,
                                  kSyslogSeverityInfo});
  EXPECT_EQ(out.name(), fmt::format("syslog-udp:127.0.0.1:{}", port));
  ASSERT_TRUE(out.connected()) << out.last_error();
  const std::int64_t before = unix_now();
  out.write_lines(kAlert + "\n" + kFlow + "\n" + kUntyped + "\n");
  const std::int64_t after = unix_now();
  expect_message(read_datagram(reader), 174, kAlert, "alert", before, after);  // local5.info
  expect_message(read_datagram(reader), 174, kFlow, "flow", before, after);
  expect_message(read_datagram(reader), 174, kUntyped, "-", before, after);
  EXPECT_EQ(out.stats().lines_sent, 3u);
  EXPECT_EQ(out.stats().lines_dropped, 0u);
  ::close(reader);
}

TEST(SyslogOutput, UdpOverIpv6) {
  std::uint16_t port = 0;
  const int reader = udp_listener(AF_INET6, &port);
  if (reader < 0) GTEST_SKIP() << "no IPv6 loopback";
  SyslogOutput out(SyslogSettings{false, "::1", port, 4, 3});  // auth.err
  EXPECT_EQ(out.name(), fmt::format("syslog-udp:[::1]:{}", port));
  const std::int64_t before = unix_now();
  out.write_lines(kFlow + "\n");
  expect_message(read_datagram(reader), 35, kFlow, "flow", before, unix_now());
  ::close(reader);
}

// Reads one octet-counted frame ("LEN SP MSG") from a stream; "<none>" if none came whole.
std::string read_frame(int fd) {
  std::string len_text;
  for (;;) {
    const std::string c = read_bytes(fd, 1);
    if (c.empty()) return "<none>";
    if (c == " ") break;
    if (c[0] < '0' || c[0] > '9' || len_text.size() > 6) return "<bad length>";
    len_text += c;
  }
  const std::size_t len = std::stoul(len_text);
  const std::string msg = read_bytes(fd, len);
  return msg.size() == len ? msg : "<short>";
}

TEST(SyslogOutput, TcpOctetCountingAndReconnect) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t port = ntohs(addr.sin_port);

  SyslogOutput out(SyslogSettings{true, "127.0.0.1", port, 16, 4});  // local0.warning
  EXPECT_EQ(out.name(), fmt::format("syslog-tcp:127.0.0.1:{}", port));
  // The handshake may still be under way: poll() finishes it (not rate limited).
  std::int64_t now = 0;
  for (int i = 0; i < 300 && !out.connected(); ++i) {
    out.poll(now += 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(out.connected()) << out.last_error();
  int conn = accept_within(listener);
  ASSERT_GE(conn, 0);

  const std::int64_t before = unix_now();
  out.write_lines(kAlert + "\n" + kFlow + "\n");
  out.write_lines(kUntyped + "\n");
  const std::int64_t after = unix_now();
  expect_message(read_frame(conn), 132, kAlert, "alert", before, after);
  expect_message(read_frame(conn), 132, kFlow, "flow", before, after);
  expect_message(read_frame(conn), 132, kUntyped, "-", before, after);

  // The server closes: sends fail (at the latest the second, once the RST is back), lines are
  // dropped, and poll() connects again.
  ::close(conn);
  for (int i = 0; i < 300 && out.connected(); ++i) {
    out.write_lines(kFlow + "\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(out.connected());
  const std::uint64_t sent_before = out.stats().lines_sent;
  EXPECT_GE(out.stats().lines_dropped, 1u);
  now += OutputSocket::kReconnectIntervalNs;
  for (int i = 0; i < 300 && !out.connected(); ++i) {
    out.poll(now += OutputSocket::kReconnectIntervalNs);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(out.connected()) << out.last_error();
  conn = accept_within(listener);
  ASSERT_GE(conn, 0);
  const std::int64_t before2 = unix_now();
  out.write_lines(kAlert + "\n");
  expect_message(read_frame(conn), 132, kAlert, "alert", before2, unix_now());
  EXPECT_EQ(out.stats().lines_sent, sent_before + 1);
  EXPECT_EQ(out.stats().reconnects, 1u);
  EXPECT_EQ(out.stats().disconnects, 1u);
  ::close(conn);
  ::close(listener);
}

}  // namespace
}  // namespace dicomsentry
