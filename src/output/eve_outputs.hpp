// Builds the extra EVE outputs a config's `outputs:` section names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "output/eve_output.hpp"
#include "policy/config.hpp"

namespace dicomsentry {

// One output per entry, in order, each wrapped in a FilteredOutput when it selects types.
// Sockets try to connect at once but a reader that is not there yet is no error (poll()
// finds it later); an eve-file output that cannot be opened, or an address that is not a
// literal, is: then the result is empty and `error` says which entry and why.
std::vector<std::unique_ptr<EveOutput>> make_eve_outputs(
    const std::vector<policy::OutputConfig>& configs, std::string& error);

// Command-line forms of the same outputs, all event types, syslog local5.info:
//   "udp:192.0.2.1:514", "tcp:[2001:db8::1]:6514", "udp:127.0.0.1" (port 514) for syslog;
//   "unix-stream:PATH", "unix-dgram:PATH", "eve-file:PATH", or a bare PATH (a Unix stream).
// False with `error` set when the text is not one of these.
bool syslog_output_from_flag(std::string_view text, policy::OutputConfig* out, std::string& error);
bool socket_output_from_flag(std::string_view text, policy::OutputConfig* out, std::string& error);

}  // namespace dicomsentry
