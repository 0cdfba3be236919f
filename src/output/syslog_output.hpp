// EVE lines to a syslog server as RFC 5424 messages: over UDP one message per datagram, over
// TCP framed by octet counting (RFC 6587 3.4.1). Each message:
//   <PRI>1 2026-12-01T23:53:26.123456Z HOSTNAME dicomsentry PID EVENT_TYPE - {json}
// PRI = facility * 8 + severity; the timestamp is the wall clock (UTC) when it was sent; the
// MSGID is the line's event_type ("-" without one); no structured data; the JSON is the MSG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "output/eve_output.hpp"
#include "output/output_socket.hpp"

namespace dicomsentry {

inline constexpr int kSyslogFacilityLocal5 = 21;
inline constexpr int kSyslogSeverityInfo = 6;

struct SyslogSettings {
  bool tcp = false;
  std::string ip;            // IPv4 or IPv6 literal
  std::uint16_t port = 514;
  int facility = kSyslogFacilityLocal5;  // 0..23
  int severity = kSyslogSeverityInfo;    // 0..7
};

// The header up to and including the space before MSG, for a message sent at `wall_ns` (ns
// since the epoch). Appended to `out`. Exposed for tests.
void append_syslog_header(fmt::memory_buffer& out, int priority, std::int64_t wall_ns,
                          std::string_view hostname, long pid, std::string_view msgid);

class SyslogOutput final : public EveOutput {
 public:
  // `settings.ip` must be a literal (ip_socket_address); one that is not never connects.
  explicit SyslogOutput(SyslogSettings settings);

  void write_lines(std::string_view lines) override;
  void poll(std::int64_t now_ns) override { socket_.poll(now_ns); }
  void finish() override { socket_.finish(); }
  const EveOutputStats& stats() const override { return stats_; }
  std::string_view name() const override { return name_; }

  bool connected() const { return socket_.connected(); }
  const std::string& last_error() const { return socket_.last_error(); }

 private:
  SyslogSettings settings_;
  std::string name_;
  std::string hostname_;
  long pid_;
  EveOutputStats stats_;
  OutputSocket socket_;
  fmt::memory_buffer messages_;    // reused: the chunk's framed messages (TCP) or one (UDP)
  std::vector<std::size_t> ends_;  // reused: message ends in messages_
};

}  // namespace dicomsentry
