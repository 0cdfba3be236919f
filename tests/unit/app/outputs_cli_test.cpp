// --eve-syslog and --eve-unix end to end: every line the CLI writes to eve.json also reaches a
// loopback syslog listener (UDP, one RFC 5424 message per line; a line too long for one
// datagram is dropped and counted) and a Unix stream reader (every line, whole).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
const std::string kPcaps = DICOMSENTRY_PCAP_DIR;

std::multiset<std::string> file_lines(const fs::path& path) {
  std::multiset<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

// Every datagram sent to `fd` until the sender is `done` and nothing more waits (or 90 s):
// a fixed silence would end early when a loaded machine delays the run's start.
std::vector<std::string> drain(int fd, const std::atomic<bool>& done) {
  std::vector<std::string> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  for (int i = 0; i < 100000 && std::chrono::steady_clock::now() < deadline; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) {
      if (done.load()) break;
      continue;
    }
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Everything a stream reader gets on its first connection, until the writer closes (or 20 s).
std::string read_stream(int listener) {
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, 20000) <= 0) return {};
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) return {};
  std::string out;
  for (int i = 0; i < 100000; ++i) {
    pollfd q{fd, POLLIN, 0};
    if (::poll(&q, 1, 20000) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(OutputsCli, SyslogAndUnixStreamGetTheLinesOfTheFile) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("ds_outputs_cli_{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The syslog listener on an ephemeral loopback port.
  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(udp, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(udp, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int rcvbuf = 4 << 20;
  ::setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  // The Unix stream reader, listening before the run starts.
  const fs::path sock_path = dir / "eve.sock";
  const int unix_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(unix_fd, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, sock_path.c_str(), sizeof un.sun_path - 1);
  ASSERT_EQ(::bind(unix_fd, reinterpret_cast<sockaddr*>(&un), sizeof un), 0);
  ASSERT_EQ(::listen(unix_fd, 4), 0);

  const fs::path eve = dir / "eve.json";
  const std::string command = fmt::format(
      "timeout 60 {} -r {}/orthanc_find_move_get.pcap --eve {} --eve-syslog udp:127.0.0.1:{} "
      "--eve-unix unix-stream:{} 2>{}",
      DICOMSENTRY_BINARY, kPcaps, eve.string(), ntohs(addr.sin_port), sock_path.string(),
      (dir / "stderr.txt").string());
  // Read while the run writes: a Unix datagram socket queues only a few datagrams.
  std::vector<std::string> syslog;
  std::string stream;
  std::atomic<bool> run_done{false};
  std::thread syslog_reader([&] { syslog = drain(udp, run_done); });
  std::thread unix_reader([&] { stream = read_stream(unix_fd); });
  const int status = std::system(command.c_str());
  run_done = true;
  syslog_reader.join();
  unix_reader.join();
  ASSERT_EQ(status, 0) << command;
  ::close(udp);
  ::close(unix_fd);

  const std::multiset<std::string> lines = file_lines(eve);
  ASSERT_EQ(lines.size(), 27u);  // flows, associations, transactions, stats
  // The syslog header is under 100 bytes; a UDP datagram holds at most 65,507.
  std::multiset<std::string> fits_datagram;
  for (const std::string& line : lines) {
    if (line.size() + 1 + 100 < 65507) fits_datagram.insert(line);
  }
  ASSERT_EQ(fits_datagram.size(), 26u);  // Orthanc's 128-context association record is 92 KB
  // Syslog: "<173>1 TIMESTAMP HOST dicomsentry PID EVENT_TYPE - LINE" (local5.info: 21 * 8 + 6 = 174).
  std::multiset<std::string> from_syslog;
  for (const std::string& m : syslog) {
    EXPECT_EQ(m.rfind("<174>1 ", 0), 0u) << m;
    const std::size_t json = m.find(" - {");
    ASSERT_NE(json, std::string::npos) << m;
    std::string line = m.substr(json + 3);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    from_syslog.insert(line);
  }
  EXPECT_EQ(from_syslog, fits_datagram);
  ASSERT_FALSE(stream.empty());
  EXPECT_EQ(stream.back(), '\n');
  std::multiset<std::string> from_unix;
  std::istringstream in(stream);
  for (std::string line; std::getline(in, line);) from_unix.insert(line);
  EXPECT_EQ(from_unix, lines);
  // The run says what each output delivered.
  std::ifstream err(dir / "stderr.txt");
  const std::string errors((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(errors.find(fmt::format("output unix-stream:{}: 27 lines sent, 0 dropped",
                                    sock_path.string())),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(fmt::format("output syslog-udp:127.0.0.1:{}: 26 lines sent, 1 dropped",
                                    ntohs(addr.sin_port))),
            std::string::npos)
      << errors;
  fs::remove_all(dir);
}

TEST(OutputsCli, ABadOutputFlagIsAUsageError) {
  const std::string command =
      fmt::format("{} -r {}/echoscu.pcap --eve /dev/null --eve-syslog carrier-pigeon:1 2>&1",
                  DICOMSENTRY_BINARY, kPcaps);
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 2) << output;
  EXPECT_NE(output.find("--eve-syslog"), std::string::npos) << output;
}

}  // namespace
