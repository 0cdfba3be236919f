// --metrics-listen: a minimal HTTP/1.1 server for Prometheus scrapes, run on the live loop's
// io_context (one thread), so building the metrics text never races the packet path.
// GET /metrics answers 200 with the text from a callback; everything else gets a 4xx and the
// connection is closed after each response. Bounded: 16 connections, an 8 KiB request head,
// 5 s to send it. Never throws; failures are counted.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "output/prometheus_text.hpp"
#include "pipeline/http_request.hpp"

namespace dicomsentry {

// "ADDR:PORT": an IPv4 address, or an IPv6 address in brackets ("[::1]:9100"). Port 0 asks
// for an ephemeral port. nullopt and `error` when malformed.
std::optional<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text,
                                                                   std::string& error);

struct MetricsServerSettings {
  std::size_t max_connections = 16;  // further ones are closed as soon as accepted
  std::chrono::steady_clock::duration read_timeout = std::chrono::seconds(5);
  std::size_t max_request_head_bytes = kMaxRequestHeadBytes;
};

// Builds the response body of one scrape; called on the io_context's thread.
using MetricsBody = std::function<std::string()>;

class MetricsServer {
 public:
  // Listens on `endpoint`; nullptr and `error` when it cannot (address in use, not local...).
  static std::unique_ptr<MetricsServer> start(boost::asio::io_context& io,
                                              const boost::asio::ip::tcp::endpoint& endpoint,
                                              MetricsBody body, std::string& error,
                                              const MetricsServerSettings& settings = {});
  // Closes the listener and every connection; handlers still queued finish harmlessly.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Read on the io_context's thread (or once it stopped).
  HttpCounters counters() const;

  struct State;

 private:
  explicit MetricsServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace dicomsentry
