// Suricata's EVE timestamp text, e.g. "2026-11-28T12:38:32.123456+0000", without localtime or locks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000". A 64-bit nanosecond count spans the years 1677 to 2262, so
// the year always has four digits and the length is fixed.
inline constexpr std::size_t kEveTimestampLength = 31;

// A civil (proleptic Gregorian) date.
struct CivilDate {
  std::int32_t year = 1970;
  std::uint8_t month = 1;  // 1..12
  std::uint8_t day = 1;    // 1..31
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// Days since 1970-01-01 (negative before it) to a date; Howard Hinnant's civil_from_days, exact
// for every day a TimestampNs can name.
CivilDate civil_from_days(std::int64_t days);

// Writes the timestamp in UTC with microseconds, truncated towards the past (a time 1 ns before
// the epoch is 1969-12-31T23:59:59.999999). Returns kEveTimestampLength.
std::size_t format_eve_timestamp(TimestampNs ts, std::span<char, kEveTimestampLength> out);

// Same, by value.
struct EveTimestamp {
  std::array<char, kEveTimestampLength> chars{};
  std::string_view view() const { return {chars.data(), chars.size()}; }
};
EveTimestamp format_eve_timestamp(TimestampNs ts);

// Formats a stream of mostly increasing timestamps: the date and time of day are recomputed only
// when the second is not one of the last two seen (two, because a flow record prints its start,
// its end and the current time), each call then writes just the microseconds. One per thread.
class EveTimestampFormatter {
 public:
  // The returned view stays valid until the next call.
  std::string_view format(TimestampNs ts);

 private:
  struct Slot {
    std::int64_t second = 0;
    bool valid = false;
    std::array<char, kEveTimestampLength> chars{};
  };
  std::array<Slot, 2> slots_{};
  std::size_t next_victim_ = 0;
};

}  // namespace dicomsentry
