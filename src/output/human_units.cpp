// Unit scaling: binary prefixes for sizes (as file sizes are shown), decimal for rates (as
// link speeds are quoted).
#include "output/human_units.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

namespace dicomsentry {

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr std::array<const char*, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  // 1023.96 KiB would print as "1024.0 KiB": move up a unit before rounding does it.
  while (value >= 1023.95 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

namespace {

// value in base units -> "<v> <prefix><unit>": integers below 1000, then one or two decimals.
std::string decimal_scaled(double value, const char* unit) {
  if (!(value > 0)) return fmt::format("0 {}", unit);  // also NaN
  if (value < 999.5) return fmt::format("{:.0f} {}", value, unit);
  static constexpr std::array<const char*, 4> kPrefixes = {"k", "M", "G", "T"};
  std::size_t prefix = 0;
  value /= 1000.0;
  while (value >= 999.95 && prefix + 1 < kPrefixes.size()) {
    value /= 1000.0;
    ++prefix;
  }
  // Two decimals under 10 (1.25 Gbit/s), one above (940.2 Mbit/s).
  if (value < 9.995) return fmt::format("{:.2f} {}{}", value, kPrefixes[prefix], unit);
  return fmt::format("{:.1f} {}{}", value, kPrefixes[prefix], unit);
}

}  // namespace

std::string format_packet_rate(double packets_per_second) {
  return decimal_scaled(packets_per_second, "pps");
}

std::string format_bit_rate(double bytes_per_second) {
  return decimal_scaled(bytes_per_second * 8.0, "bit/s");
}

std::string format_duration(double seconds) {
  if (!(seconds > 0)) return "0.00 s";
  if (seconds < 60.0) {
    // 59.996 would round to "60.00 s": show it as a minute instead.
    if (seconds < 59.995) return fmt::format("{:.2f} s", seconds);
    return "1m00s";
  }
  const auto whole = static_cast<std::uint64_t>(std::floor(seconds));
  const std::uint64_t h = whole / 3600, m = whole / 60 % 60, s = whole % 60;
  if (h == 0) return fmt::format("{}m{:02}s", m, s);
  return fmt::format("{}h{:02}m{:02}s", h, m, s);
}

}  // namespace dicomsentry
