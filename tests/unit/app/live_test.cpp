// Live capture end to end: dicomsentry on the loopback interface with a BPF filter for one
// port sees a TCP conversation this test makes, and reports it exactly.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

// A listening socket on 127.0.0.1 with a kernel-chosen port.
int listen_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

TEST(LiveCaptureCli, SeesALoopbackConversationThroughItsFilter) {
  if (::geteuid() != 0) GTEST_SKIP() << "live capture on lo needs root (CAP_NET_RAW)";
  std::uint16_t port = 0;
  const int listener = listen_loopback(port);
  ASSERT_GE(listener, 0);
  const fs::path eve = fs::temp_directory_path() / fmt::format("dicomsentry_live_{}.json", ::getpid());
  fs::remove(eve);

  // Bounded twice: the inspector stops after 6 s, and the test waits for it at most 20 s.
  const std::string command = fmt::format("{} -i lo -f 'tcp port {}' --duration 6 --eve {} 2>&1",
                                          DICOMSENTRY_BINARY, port, eve.string());
  FILE* inspector = popen(command.c_str(), "r");
  ASSERT_NE(inspector, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let the capture start

  const std::string request(3000, 'q');
  const std::string reply = "hello from the server";
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const int server = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(server, 0);
  ASSERT_EQ(::send(client, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string received(request.size(), '\0');
  std::size_t got = 0;
  while (got < received.size()) {
    const ssize_t n = ::recv(server, received.data() + got, received.size() - got, 0);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  ASSERT_EQ(::send(server, reply.data(), reply.size(), 0), static_cast<ssize_t>(reply.size()));
  char buffer[64];
  ASSERT_EQ(::recv(client, buffer, sizeof buffer, 0), static_cast<ssize_t>(reply.size()));
  ::close(client);
  ::close(server);
  ::close(listener);

  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, inspector)) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    output.append(buffer, n);
  }
  const int status = pclose(inspector);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;

  std::ifstream in(eve);
  std::string line;
  int flows = 0;
  nlohmann::json stats;
  while (std::getline(in, line)) {
    const auto event = nlohmann::json::parse(line);
    if (event["event_type"] == "stats") stats = event;
    if (event["event_type"] != "flow") continue;
    ++flows;
    EXPECT_EQ(event["dest_port"], port);
    EXPECT_EQ(event["src_ip"], "127.0.0.1");
    EXPECT_EQ(event["flow"]["state"], "closed");
    EXPECT_EQ(event["reassembly"]["toserver"]["bytes"], request.size());
    EXPECT_EQ(event["reassembly"]["toclient"]["bytes"], reply.size());
    EXPECT_EQ(event["reassembly"]["toserver"]["gaps"], 0);
  }
  EXPECT_EQ(flows, 1);
  EXPECT_EQ(stats["stats"]["capture"]["kernel_drops"], 0);
  EXPECT_EQ(stats["stats"]["capture"]["packets"], stats["stats"]["decoder"]["pkts"]);
  fs::remove(eve);
}

}  // namespace
