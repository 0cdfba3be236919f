// Readers for the output tests: Unix and loopback IP listeners in plain POSIX, every wait
// bounded by a deadline of a few seconds.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

namespace dicomsentry::test {

inline constexpr int kWaitMs = 3000;

inline int unix_listener(const std::string& path, int type) {
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  if (type == SOCK_STREAM && ::listen(fd, 8) != 0) return -1;
  return fd;
}

inline bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

inline int accept_within(int listener) {
  if (!readable(listener, kWaitMs)) return -1;
  return ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
}

// Reads from a stream until `count` newlines arrived or the deadline passed.
inline std::string read_lines(int fd, int count) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  int seen = 0;
  while (seen < count && std::chrono::steady_clock::now() < deadline) {
    if (!readable(fd, 100)) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) seen += buf[i] == '\n';
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// Reads from a stream until `bytes` bytes arrived or the deadline passed.
inline std::string read_bytes(int fd, std::size_t bytes) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (got.size() < bytes && std::chrono::steady_clock::now() < deadline) {
    if (!readable(fd, 100)) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, std::min(sizeof(buf), bytes - got.size()));
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// One datagram, or "<none>" when none came in time.
inline std::string read_datagram(int fd) {
  if (!readable(fd, kWaitMs)) return "<none>";
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  return n < 0 ? "<error>" : std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace dicomsentry::test
