// SyslogOutput: RFC 5424 headers in front of each line, sent over UDP or octet-counted TCP.
#include "output/syslog_output.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <iterator>

#include "output/eve_output_filter.hpp"
#include "output/eve_timestamp.hpp"

namespace dicomsentry {

namespace {

// RFC 5424 6.2.4: HOSTNAME is 1-255 PRINTUSASCII; anything else becomes "-".
std::string local_hostname() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "-";
  std::string name(buf.data());
  for (char c : name) {
    if (c < 33 || c > 126) return "-";
  }
  return name.empty() ? "-" : name;
}

// RFC 5424 6.2.7: MSGID is 1-32 PRINTUSASCII.
std::string_view msgid_of(std::string_view line) {
  const std::string_view type = eve_event_type(line);
  if (type.empty() || type.size() > 32) return "-";
  for (char c : type) {
    if (c < 33 || c > 126) return "-";
  }
  return type;
}

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SocketAddress ip_address_or_empty(const SyslogSettings& s) {
  SocketAddress address;
  if (!ip_socket_address(s.ip, s.port, &address)) address.storage.ss_family = AF_INET;
  return address;  // an empty address fails every connect with a counted error
}

std::string target_name(const SyslogSettings& s) {
  const bool v6 = s.ip.find(':') != std::string::npos;
  return fmt::format("syslog-{}:{}{}{}:{}", s.tcp ? "tcp" : "udp", v6 ? "[" : "", s.ip,
                     v6 ? "]" : "", s.port);
}

}  // namespace

void append_syslog_header(fmt::memory_buffer& out, int priority, std::int64_t wall_ns,
                          std::string_view hostname, long pid, std::string_view msgid) {
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  std::int64_t days = wall_ns / kNsPerDay;
  std::int64_t rest = wall_ns % kNsPerDay;
  if (rest < 0) {
    rest += kNsPerDay;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  const std::int64_t seconds = rest / 1'000'000'000;
  const std::int64_t micros = (rest % 1'000'000'000) / 1000;
  fmt::format_to(std::back_inserter(out),
                 "<{}>1 {:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z {} dicomsentry {} {} - ",
                 priority, date.year, date.month, date.day, seconds / 3600, seconds / 60 % 60,
                 seconds % 60, micros, hostname, pid, msgid);
}

SyslogOutput::SyslogOutput(SyslogSettings settings)
    : settings_(std::move(settings)),
      name_(target_name(settings_)),
      hostname_(local_hostname()),
      pid_(static_cast<long>(::getpid())),
      socket_(ip_address_or_empty(settings_), settings_.tcp, false, stats_) {
  socket_.connect_now();
}

void SyslogOutput::write_lines(std::string_view lines) {
  const int priority = settings_.facility * 8 + settings_.severity;
  const std::int64_t now = wall_clock_ns();  // one time for the chunk: it was written at once
  messages_.clear();
  ends_.clear();
  fmt::memory_buffer header;  // small: stays in its inline storage
  std::size_t pos = 0;
  while (pos < lines.size()) {
    std::size_t end = lines.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? lines.size() : end + 1;
    if (end == std::string_view::npos) end = lines.size();
    const std::string_view line = lines.substr(pos, end - pos);
    pos = next;
    header.clear();
    append_syslog_header(header, priority, now, hostname_, pid_, msgid_of(line));
    if (!settings_.tcp) {
      messages_.clear();
      messages_.append(header);
      messages_.append(line);
      socket_.send_datagram({messages_.data(), messages_.size()});
      continue;
    }
    fmt::format_to(std::back_inserter(messages_), "{} ", header.size() + line.size());
    messages_.append(header);
    messages_.append(line);
    ends_.push_back(messages_.size());
  }
  if (settings_.tcp) socket_.send_stream({messages_.data(), messages_.size()}, ends_);
}

}  // namespace dicomsentry
