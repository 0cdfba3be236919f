// EVE lines to a local reader through a Unix socket: a stream (the lines as they are in the
// file) or datagrams (one line, newline included, per datagram).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "output/eve_output.hpp"
#include "output/output_socket.hpp"

namespace dicomsentry {

class UnixSocketOutput final : public EveOutput {
 public:
  enum class Mode { kStream, kDatagram };

  // Tries to connect at once; a reader that is not there yet is found by poll() later.
  // `path` must fit sockaddr_un (unix_socket_address); an unfit one never connects.
  UnixSocketOutput(Mode mode, std::string path);

  void write_lines(std::string_view lines) override;
  void poll(std::int64_t now_ns) override { socket_.poll(now_ns); }
  void finish() override { socket_.finish(); }
  const EveOutputStats& stats() const override { return stats_; }
  std::string_view name() const override { return name_; }

  bool connected() const { return socket_.connected(); }
  const std::string& last_error() const { return socket_.last_error(); }

 private:
  Mode mode_;
  std::string name_;
  EveOutputStats stats_;
  OutputSocket socket_;
  std::vector<std::size_t> ends_;  // reused: line ends of the chunk being sent
};

}  // namespace dicomsentry
