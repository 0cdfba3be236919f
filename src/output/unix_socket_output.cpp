// UnixSocketOutput: the chunk goes out as one stream write, or line by line as datagrams.
#include "output/unix_socket_output.hpp"

#include <utility>

namespace dicomsentry {

namespace {
SocketAddress unix_address_or_empty(const std::string& path) {
  SocketAddress address;
  if (!unix_socket_address(path, &address)) address.storage.ss_family = AF_UNIX;
  return address;  // an empty address fails every connect with a counted error
}
}  // namespace

UnixSocketOutput::UnixSocketOutput(Mode mode, std::string path)
    : mode_(mode),
      name_((mode == Mode::kStream ? "unix-stream:" : "unix-dgram:") + path),
      socket_(unix_address_or_empty(path), mode == Mode::kStream, true, stats_) {
  socket_.connect_now();
}

void UnixSocketOutput::write_lines(std::string_view lines) {
  if (mode_ == Mode::kStream) {
    ends_.clear();
    for (std::size_t pos = lines.find('\n'); pos != std::string_view::npos;
         pos = lines.find('\n', pos + 1))
      ends_.push_back(pos + 1);
    if (ends_.empty() || ends_.back() != lines.size()) ends_.push_back(lines.size());
    socket_.send_stream(lines, ends_);
    return;
  }
  std::size_t pos = 0;
  while (pos < lines.size()) {
    std::size_t end = lines.find('\n', pos);
    end = end == std::string_view::npos ? lines.size() : end + 1;
    socket_.send_datagram(lines.substr(pos, end - pos));
    pos = end;
  }
}

}  // namespace dicomsentry
