// Numbers for people: byte counts in binary units, rates in decimal units, durations in h/m/s.
// Shared by the end-of-run summary and the progress bar, so both read the same way.
#pragma once

#include <cstdint>
#include <string>

namespace dicomsentry {

// "512 B", "1.5 KiB", "3.2 MiB", "1.1 GiB", "2.0 TiB": one decimal from KiB up.
std::string format_bytes(std::uint64_t bytes);
// "950 pps", "12.5 kpps", "1.25 Mpps".
std::string format_packet_rate(double packets_per_second);
// Bytes per second as bits: "800 bit/s", "1.5 kbit/s", "940.2 Mbit/s", "1.25 Gbit/s".
std::string format_bit_rate(double bytes_per_second);
// "0.25 s", "59.99 s" under a minute, then "1m05s", then "2h03m04s" (whole seconds, truncated).
std::string format_duration(double seconds);

}  // namespace dicomsentry
