// One destination of EVE lines besides the main file: a socket, a syslog server, another
// file. The sink hands each chunk of complete lines it writes to every output in its list.
#pragma once

#include <cstdint>
#include <string_view>

namespace dicomsentry {

struct EveOutputStats {
  std::uint64_t lines_sent = 0;        // lines the kernel took whole
  std::uint64_t bytes_sent = 0;        // bytes of those lines (framing included)
  std::uint64_t lines_dropped = 0;     // lines not delivered: no reader, full socket, error
  std::uint64_t bytes_dropped = 0;
  std::uint64_t lines_filtered = 0;    // lines of event types this output does not take
  std::uint64_t connects = 0;          // successful connections, the first one included
  std::uint64_t reconnects = 0;        // successful connections after the first
  std::uint64_t connect_failures = 0;  // failed connection attempts
  std::uint64_t disconnects = 0;       // connections lost (the reader went away, an error)
  std::uint64_t errors = 0;            // failed system calls other than connect
};

class EveOutput {
 public:
  virtual ~EveOutput() = default;
  // `lines` holds one or more complete lines, each ending in '\n'. Never blocks: what cannot
  // be delivered now is dropped and counted.
  virtual void write_lines(std::string_view lines) = 0;
  virtual void reopen() {}                        // SIGHUP
  virtual void poll(std::int64_t /*now_ns*/) {}   // ~once a second: reconnect attempts
  virtual void finish() {}  // the end of the run: deliver what is queued, within a bound
  virtual const EveOutputStats& stats() const = 0;
  virtual std::string_view name() const = 0;      // e.g. "unix-stream:/run/x.sock"
};

}  // namespace dicomsentry
