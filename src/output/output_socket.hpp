// The client end of an output socket (Unix or IP, stream or datagram): non-blocking, never
// raising SIGPIPE, reconnecting from poll() at most once a second, dropping and counting what
// cannot be sent now. Stream writes never break message framing: what the kernel does not take
// (the tail of a message it took in part, then whole messages) waits in a queue of at most
// kMaxPendingBytes, sent before anything newer; only whole messages that do not fit are
// dropped. At destruction the queue gets up to kCloseFlushNs to drain.
//
// Plain POSIX calls rather than Boost.Asio: the outputs are written synchronously from the
// thread that writes EVE and must never wait, while Asio's synchronous connect waits for a
// TCP handshake to finish; an io_context here would only add a second event loop.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include <string_view>

#include "output/eve_output.hpp"

namespace dicomsentry {

// A socket address and its length, as connect(2) takes it.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
};

// "/run/x.sock" to an AF_UNIX address; false when the path is empty or too long for sun_path.
bool unix_socket_address(std::string_view path, SocketAddress* out);
// An IPv4 or IPv6 literal (no brackets, no name lookup) and a port; false if not a literal.
bool ip_socket_address(std::string_view ip, std::uint16_t port, SocketAddress* out);

class OutputSocket {
 public:
  static constexpr std::int64_t kReconnectIntervalNs = 1'000'000'000;
  static constexpr std::int64_t kConnectTimeoutNs = 5'000'000'000;
  static constexpr std::size_t kMaxPendingBytes = 1u << 20;  // unsent stream bytes held
  static constexpr int kCloseFlushMs = 2000;

  // `stream`: SOCK_STREAM, else SOCK_DGRAM. `datagram_errors_disconnect`: a failed datagram
  // send means the reader is gone (Unix); for UDP it is a passing ICMP error and is not.
  OutputSocket(SocketAddress address, bool stream, bool datagram_errors_disconnect,
               EveOutputStats& stats);
  ~OutputSocket();
  OutputSocket(const OutputSocket&) = delete;
  OutputSocket& operator=(const OutputSocket&) = delete;

  // One connection attempt now, whatever the time.
  void connect_now();
  // Finishes a pending connect, gives up on one older than kConnectTimeoutNs, reconnects when
  // the last attempt from here is at least kReconnectIntervalNs old, and sends a pending tail.
  void poll(std::int64_t now_ns);
  // Waits up to kCloseFlushMs for the queue to go out; what is still queued then is dropped.
  void finish();

  // Stream: `bytes` holds whole messages; `ends` the offset one past each, ascending, the
  // last equal to bytes.size(). Sends as much as the kernel takes without waiting.
  void send_stream(std::string_view bytes, std::span<const std::size_t> ends);
  // Datagram: one message, sent whole or dropped.
  void send_datagram(std::string_view message);

  bool connected() const { return state_ == State::kConnected; }
  bool connecting() const { return state_ == State::kConnecting; }
  std::size_t pending_bytes() const { return pending_.size(); }
  const std::string& last_error() const { return last_error_; }

 private:
  enum class State { kDisconnected, kConnecting, kConnected };

  void check_connecting();
  void connected_now();
  void connect_failed(int err);
  void lost(int err);  // the connection broke: close it; a pending tail is dropped
  bool flush_pending();
  void drop(std::uint64_t lines, std::uint64_t bytes);
  void set_error(std::string_view what, int err);

  SocketAddress address_;
  bool stream_;
  bool datagram_errors_disconnect_;
  EveOutputStats& stats_;
  int fd_ = -1;
  State state_ = State::kDisconnected;
  bool attempted_from_poll_ = false;
  std::int64_t last_attempt_ns_ = 0;
  // Appends the messages of `bytes` (ends relative to it; the first may be the tail of a
  // message already begun, which must be kept or the connection dropped) to the queue.
  void queue(std::string_view bytes, std::span<const std::size_t> ends);

  std::string pending_;                    // unsent stream bytes, whole messages but the first
  std::vector<std::size_t> pending_ends_;  // offset in pending_ one past each message
  bool partial_first_ = false;             // queue(): its first message is already begun
  std::string last_error_;
};

}  // namespace dicomsentry
