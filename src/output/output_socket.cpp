// OutputSocket: non-blocking connect/send with MSG_NOSIGNAL, reconnection and framing-safe
// partial writes.
#include "output/output_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dicomsentry {

bool unix_socket_address(std::string_view path, SocketAddress* out) {
  sockaddr_un un{};
  if (path.empty() || path.size() >= sizeof(un.sun_path)) return false;
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  *out = SocketAddress{};
  std::memcpy(&out->storage, &un, sizeof(un));
  out->length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return true;
}

bool ip_socket_address(std::string_view ip, std::uint16_t port, SocketAddress* out) {
  char text[INET6_ADDRSTRLEN] = {};
  if (ip.empty() || ip.size() >= sizeof(text)) return false;
  std::memcpy(text, ip.data(), ip.size());
  *out = SocketAddress{};
  sockaddr_in v4{};
  if (inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    std::memcpy(&out->storage, &v4, sizeof(v4));
    out->length = sizeof(v4);
    return true;
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, text, &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    std::memcpy(&out->storage, &v6, sizeof(v6));
    out->length = sizeof(v6);
    return true;
  }
  return false;
}

namespace {
constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;
bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS; }
}  // namespace

OutputSocket::OutputSocket(SocketAddress address, bool stream, bool datagram_errors_disconnect,
                           EveOutputStats& stats)
    : address_(address),
      stream_(stream),
      datagram_errors_disconnect_(datagram_errors_disconnect),
      stats_(stats) {}

OutputSocket::~OutputSocket() {
  finish();
  if (fd_ >= 0) ::close(fd_);
}

void OutputSocket::finish() {
  // A reader that is there gets what is queued (the last lines of a run), within a bound.
  for (int waited = 0; state_ == State::kConnected && !pending_.empty() && waited < kCloseFlushMs;
       waited += 50) {
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, 50);
    flush_pending();
  }
  if (!pending_.empty()) drop(pending_ends_.size(), pending_.size());
  pending_.clear();
  pending_ends_.clear();
}

void OutputSocket::set_error(std::string_view what, int err) {
  last_error_.assign(what);
  last_error_ += ": ";
  last_error_ += std::strerror(err);
}

void OutputSocket::connect_now() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(address_.family(), (stream_ ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
                                        SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    connect_failed(errno);
    return;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_.storage), address_.length) == 0) {
    connected_now();
  } else if (errno == EINPROGRESS) {
    state_ = State::kConnecting;
  } else {
    connect_failed(errno);
  }
}

void OutputSocket::connected_now() {
  state_ = State::kConnected;
  if (stats_.connects > 0) ++stats_.reconnects;
  ++stats_.connects;
}

void OutputSocket::connect_failed(int err) {
  set_error("connect", err);
  ++stats_.connect_failures;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::kDisconnected;
}

void OutputSocket::lost(int err) {
  set_error("send", err);
  ++stats_.disconnects;
  drop(pending_ends_.size(), pending_.size());
  pending_.clear();
  pending_ends_.clear();
  ::close(fd_);
  fd_ = -1;
  state_ = State::kDisconnected;
}

void OutputSocket::drop(std::uint64_t lines, std::uint64_t bytes) {
  stats_.lines_dropped += lines;
  stats_.bytes_dropped += bytes;
}

void OutputSocket::check_connecting() {
  pollfd p{fd_, POLLOUT, 0};
  if (::poll(&p, 1, 0) == 0) return;  // the handshake is still under way
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) connected_now();
  else connect_failed(err);
}

void OutputSocket::poll(std::int64_t now_ns) {
  if (state_ == State::kConnecting) {
    check_connecting();
    if (!attempted_from_poll_) {
      // connect_now() before the first poll: that attempt's clock starts here.
      attempted_from_poll_ = true;
      last_attempt_ns_ = now_ns;
    } else if (state_ == State::kConnecting && now_ns - last_attempt_ns_ >= kConnectTimeoutNs) {
      connect_failed(ETIMEDOUT);
    }
  }
  if (state_ == State::kDisconnected &&
      (!attempted_from_poll_ || now_ns - last_attempt_ns_ >= kReconnectIntervalNs)) {
    attempted_from_poll_ = true;
    last_attempt_ns_ = now_ns;
    connect_now();
  }
  if (state_ == State::kConnected) flush_pending();
}

bool OutputSocket::flush_pending() {
  std::size_t sent = 0;
  while (sent < pending_.size()) {
    const ssize_t n = ::send(fd_, pending_.data() + sent, pending_.size() - sent, kSendFlags);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!would_block(errno)) {
        pending_.erase(0, sent);
        for (std::size_t& end : pending_ends_) end -= std::min(end, sent);
        lost(errno);
        return false;
      }
      break;
    }
    sent += static_cast<std::size_t>(n);
    stats_.bytes_sent += static_cast<std::uint64_t>(n);
  }
  // Messages whose last byte went out.
  std::size_t whole = 0;
  while (whole < pending_ends_.size() && pending_ends_[whole] <= sent) ++whole;
  stats_.lines_sent += whole;
  pending_ends_.erase(pending_ends_.begin(), pending_ends_.begin() + static_cast<std::ptrdiff_t>(whole));
  for (std::size_t& end : pending_ends_) end -= sent;
  pending_.erase(0, sent);
  return pending_.empty();
}

void OutputSocket::queue(std::string_view bytes, std::span<const std::size_t> ends) {
  std::size_t from = 0;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const std::size_t size = ends[i] - from;
    if (pending_.size() + size > kMaxPendingBytes) {
      // The tail of a begun message that cannot be kept: a new connection starts framing
      // afresh.
      if (i == 0 && partial_first_) lost(EMSGSIZE);
      drop(ends.size() - i, bytes.size() - from);
      return;
    }
    pending_.append(bytes.substr(from, size));
    pending_ends_.push_back(pending_.size());
    from = ends[i];
  }
}

void OutputSocket::send_stream(std::string_view bytes, std::span<const std::size_t> ends) {
  if (ends.empty()) return;
  if (state_ == State::kConnecting) check_connecting();
  if (state_ != State::kConnected) {
    drop(ends.size(), bytes.size());
    return;
  }
  if (!flush_pending()) {
    // Older bytes still wait: these go behind them, as far as the queue allows.
    partial_first_ = false;
    if (state_ == State::kConnected) queue(bytes, ends);
    else drop(ends.size(), bytes.size());
    return;
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, kSendFlags);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!would_block(errno)) lost(errno);
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  // Messages the kernel took whole.
  const std::size_t whole = static_cast<std::size_t>(
      std::upper_bound(ends.begin(), ends.end(), sent) - ends.begin());
  stats_.lines_sent += whole;
  stats_.bytes_sent += sent;
  if (whole == ends.size()) return;
  if (state_ != State::kConnected) {
    drop(ends.size() - whole, bytes.size() - (whole == 0 ? 0 : ends[whole - 1]));
    return;
  }
  // The rest waits: a message begun (its tail must come next) and the whole ones after it.
  std::vector<std::size_t> rest;
  for (std::size_t i = whole; i < ends.size(); ++i) rest.push_back(ends[i] - sent);
  partial_first_ = sent > (whole == 0 ? 0 : ends[whole - 1]);
  queue(bytes.substr(sent), rest);
}

void OutputSocket::send_datagram(std::string_view message) {
  if (state_ == State::kConnecting) check_connecting();
  if (state_ != State::kConnected) {
    drop(1, message.size());
    return;
  }
  ssize_t n;
  do {
    n = ::send(fd_, message.data(), message.size(), kSendFlags);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(message.size())) {
    ++stats_.lines_sent;
    stats_.bytes_sent += message.size();
    return;
  }
  drop(1, message.size());
  if (n >= 0 || would_block(errno)) return;  // the reader is slow: its queue is full
  const int err = errno;
  if (err == EMSGSIZE || !datagram_errors_disconnect_) {
    ++stats_.errors;
    set_error("send", err);
    return;
  }
  lost(err);
}

}  // namespace dicomsentry
