// make_eve_outputs: the config entries to output objects.
#include "output/eve_outputs.hpp"

#include <fmt/format.h>

#include "output/eve_file_output.hpp"
#include "output/eve_output_filter.hpp"
#include "output/output_socket.hpp"
#include "output/syslog_output.hpp"
#include "output/unix_socket_output.hpp"

namespace dicomsentry {

std::vector<std::unique_ptr<EveOutput>> make_eve_outputs(
    const std::vector<policy::OutputConfig>& configs, std::string& error) {
  std::vector<std::unique_ptr<EveOutput>> outputs;
  for (const policy::OutputConfig& c : configs) {
    std::unique_ptr<EveOutput> output;
    const std::string_view type = policy::output_type_name(c.type);
    SocketAddress address;
    switch (c.type) {
      case policy::OutputType::kEveFile: {
        auto file = std::make_unique<EveFileOutput>(c.path);
        if (!file->open()) {
          error = fmt::format("output {} (line {}): {}", type, c.line, file->last_error());
          return {};
        }
        output = std::move(file);
        break;
      }
      case policy::OutputType::kUnixStream:
      case policy::OutputType::kUnixDgram:
        if (!unix_socket_address(c.path, &address)) {
          error = fmt::format("output {} (line {}): '{}' is not a usable Unix socket path", type,
                              c.line, c.path);
          return {};
        }
        output = std::make_unique<UnixSocketOutput>(c.type == policy::OutputType::kUnixStream
                                                        ? UnixSocketOutput::Mode::kStream
                                                        : UnixSocketOutput::Mode::kDatagram,
                                                    c.path);
        break;
      case policy::OutputType::kSyslog:
        if (!ip_socket_address(c.address, c.port, &address)) {
          error = fmt::format("output {} (line {}): '{}' is not an IP address", type, c.line,
                              c.address);
          return {};
        }
        output = std::make_unique<SyslogOutput>(
            SyslogSettings{c.tcp, c.address, c.port, c.facility, c.severity});
        break;
    }
    if (!c.types.empty())
      output = std::make_unique<FilteredOutput>(EventTypeFilter(c.types), std::move(output));
    outputs.push_back(std::move(output));
  }
  return outputs;
}

bool syslog_output_from_flag(std::string_view text, policy::OutputConfig* out,
                             std::string& error) {
  *out = policy::OutputConfig{};
  out->type = policy::OutputType::kSyslog;
  const std::size_t colon = text.find(':');
  const std::string_view protocol = text.substr(0, colon);
  if (colon == std::string_view::npos || (protocol != "udp" && protocol != "tcp") ||
      !policy::parse_ip_port(text.substr(colon + 1), 514, &out->address, &out->port)) {
    error = fmt::format("'{}' is not udp:ADDRESS[:PORT] or tcp:ADDRESS[:PORT] (an IP literal; "
                        "IPv6 in brackets with a port: tcp:[2001:db8::1]:6514)",
                        text);
    return false;
  }
  out->tcp = protocol == "tcp";
  return true;
}

bool socket_output_from_flag(std::string_view text, policy::OutputConfig* out,
                             std::string& error) {
  *out = policy::OutputConfig{};
  out->type = policy::OutputType::kUnixStream;
  std::string_view path = text;
  for (const auto type : {policy::OutputType::kUnixStream, policy::OutputType::kUnixDgram,
                          policy::OutputType::kEveFile}) {
    const std::string prefix = fmt::format("{}:", policy::output_type_name(type));
    if (text.starts_with(prefix)) {
      out->type = type;
      path = text.substr(prefix.size());
    }
  }
  SocketAddress unused;
  if (path.empty() ||
      (out->type != policy::OutputType::kEveFile && !unix_socket_address(path, &unused))) {
    error = fmt::format("'{}' is not a usable path (a Unix socket path has 1 to {} bytes)", text,
                        policy::kMaxUnixSocketPath);
    return false;
  }
  out->path = std::string(path);
  return true;
}

}  // namespace dicomsentry
