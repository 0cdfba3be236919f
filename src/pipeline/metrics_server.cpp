// The metrics server: an accept loop and one Connection per client, each owned by its pending
// handlers (shared_ptr), all on one io_context thread. Every socket call takes an error_code.
#include "pipeline/metrics_server.hpp"

#include <charconv>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace dicomsentry {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// After a response, what the client still sends is read and dropped for this long (at most
// kMaxDrainBytes), so closing does not reset the connection before the client read the answer.
constexpr auto kLinger = std::chrono::seconds(1);
constexpr std::size_t kMaxDrainBytes = 64 * 1024;
constexpr std::size_t kAlwaysParsedBytes = 32;  // a method and the start of a target
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);  // after EMFILE and the like

std::string describe(const tcp::endpoint& endpoint) {
  if (endpoint.address().is_v6()) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  }
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

class Connection;

}  // namespace

struct MetricsServer::State {
  State(asio::io_context& io, MetricsBody body_fn, const MetricsServerSettings& s)
      : acceptor(io), retry(io), body(std::move(body_fn)), settings(s) {}

  tcp::acceptor acceptor;
  asio::steady_timer retry;
  MetricsBody body;
  MetricsServerSettings settings;
  HttpCounters counters;
  std::unordered_set<Connection*> connections;
  bool stopped = false;
};

namespace {

using State = MetricsServer::State;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<State> state)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        state_(std::move(state)),
        buffer_(state_->settings.max_request_head_bytes) {
    state_->connections.insert(this);
  }
  ~Connection() { state_->connections.erase(this); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start() {
    arm_timer(state_->settings.read_timeout);
    read_head();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    socket_.close(ec);
    timer_.cancel();
  }

 private:
  void arm_timer(std::chrono::steady_clock::duration after) {
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), generation](const error_code& ec) {
      if (ec || generation != self->timer_generation_ || self->closed_) return;
      if (!self->responded_) ++self->state_->counters.timeouts;
      self->close();
    });
  }

  void read_head() {
    socket_.async_read_some(
        asio::buffer(buffer_.data() + filled_, buffer_.size() - filled_),
        [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_head(ec, n); });
  }

  void on_head(const error_code& ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      // A client that ends its half of the connection mid-head sent a malformed request.
      if (ec == asio::error::eof && filled_ > 0) {
        respond(400, "Bad Request", {}, "bad request\n");
      } else {
        close();
      }
      return;
    }
    filled_ += n;
    // Parsing is over the whole head so far: only when a line may have ended, so a client
    // trickling bytes cannot make the loop rescan 8 KiB per byte. The first bytes are always
    // looked at, so garbage is answered at once.
    const std::string_view fresh(buffer_.data() + filled_ - n, n);
    if (filled_ > kAlwaysParsedBytes && filled_ < buffer_.size() &&
        fresh.find('\n') == std::string_view::npos) {
      read_head();
      return;
    }
    const HttpRequestHead head = parse_http_request_head(
        std::string_view(buffer_.data(), filled_), state_->settings.max_request_head_bytes);
    switch (head.status) {
      case HttpHeadStatus::kIncomplete:
        read_head();
        return;
      case HttpHeadStatus::kBadRequest:
        respond(400, "Bad Request", {}, "bad request\n");
        return;
      case HttpHeadStatus::kTooLarge:
        respond(431, "Request Header Fields Too Large", {}, "request header too large\n");
        return;
      case HttpHeadStatus::kComplete:
        route(head);
        return;
    }
  }

  void route(const HttpRequestHead& head) {
    if (http_target_path(head.target) != "/metrics") {
      respond(404, "Not Found", {}, "not found; the metrics are at /metrics\n");
    } else if (head.method != "GET") {
      respond(405, "Method Not Allowed", "Allow: GET\r\n", "method not allowed\n");
    } else {
      std::string body;
      try {
        body = state_->body();
      } catch (...) {
        respond(500, "Internal Server Error", {}, "metrics unavailable\n");
        return;
      }
      respond(200, "OK", {}, body, "text/plain; version=0.0.4; charset=utf-8");
    }
  }

  void respond(int status, std::string_view reason, std::string_view extra_headers,
               std::string_view body, std::string_view type = "text/plain; charset=utf-8") {
    responded_ = true;
    ++state_->counters.requests;
    if (status == 400 || status == 431) ++state_->counters.bad_requests;
    response_ = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
        status, reason, type, body.size(), extra_headers);
    response_.append(body);
    asio::async_write(socket_, asio::buffer(response_),
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(const error_code& ec) {
    if (closed_) return;
    if (ec) {
      close();
      return;
    }
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm_timer(std::min<std::chrono::steady_clock::duration>(kLinger,
                                                            state_->settings.read_timeout));
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](const error_code& ec, std::size_t n) {
                              if (self->closed_) return;
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrainBytes) {
                                self->close();
                              } else {
                                self->drain();
                              }
                            });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
  std::vector<char> buffer_;
  std::size_t filled_ = 0;
  std::size_t drained_ = 0;
  std::string response_;
  std::uint64_t timer_generation_ = 0;
  bool responded_ = false;
  bool closed_ = false;
};

void accept_next(const std::shared_ptr<State>& state);

void on_accept(const std::shared_ptr<State>& state, const error_code& ec, tcp::socket socket) {
  if (state->stopped || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors and the like: try again shortly rather than spin.
    state->retry.expires_after(kAcceptRetry);
    state->retry.async_wait([state](const error_code& wait_ec) {
      if (!wait_ec && !state->stopped) accept_next(state);
    });
    return;
  }
  if (state->connections.size() >= state->settings.max_connections) {
    ++state->counters.rejected_connections;
    error_code ignored;
    socket.close(ignored);
  } else {
    try {
      std::make_shared<Connection>(std::move(socket), state)->start();
    } catch (const std::exception&) {
      // Out of memory: this client is dropped (its socket closes with the Connection).
    }
  }
  accept_next(state);
}

void accept_next(const std::shared_ptr<State>& state) {
  state->acceptor.async_accept([state](const error_code& ec, tcp::socket socket) {
    on_accept(state, ec, std::move(socket));
  });
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::optional<tcp::endpoint> parse_listen_address(std::string_view text, std::string& error) {
  std::string_view host;
  std::string_view port_text;
  const bool bracketed = !text.empty() && text.front() == '[';
  if (bracketed) {
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      error = fmt::format("bad listen address \"{}\": expected [IPv6]:PORT", text);
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.substr(0, colon).find(':') != std::string_view::npos) {
      error = fmt::format(
          "bad listen address \"{}\": expected ADDR:PORT (IPv6 addresses in brackets)", text);
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  std::uint16_t port = 0;
  if (!parse_port(port_text, port)) {
    error = fmt::format("bad listen address \"{}\": the port must be 0 to 65535", text);
    return std::nullopt;
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(std::string(host), ec);
  if (ec || address.is_v6() != bracketed) {
    error = fmt::format("bad listen address \"{}\": \"{}\" is not an IP{} address", text, host,
                        bracketed ? "v6" : "v4");
    return std::nullopt;
  }
  return tcp::endpoint(address, port);
}

std::unique_ptr<MetricsServer> MetricsServer::start(asio::io_context& io,
                                                    const tcp::endpoint& endpoint,
                                                    MetricsBody body, std::string& error,
                                                    const MetricsServerSettings& settings) {
  auto state = std::make_shared<State>(io, std::move(body), settings);
  error_code ec;
  tcp::acceptor& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = fmt::format("cannot listen on {}: {}", describe(endpoint), ec.message());
    return nullptr;
  }
  accept_next(state);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(state)));
}

MetricsServer::~MetricsServer() {
  state_->stopped = true;
  error_code ignored;
  state_->acceptor.close(ignored);
  state_->retry.cancel();
  // close() does not touch the set: a Connection leaves it only when its last handler ends.
  for (Connection* connection : state_->connections) connection->close();
}

tcp::endpoint MetricsServer::local_endpoint() const {
  error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

HttpCounters MetricsServer::counters() const {
  return state_->counters;
}

}  // namespace dicomsentry
