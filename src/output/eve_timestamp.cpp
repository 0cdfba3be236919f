// EVE timestamp formatting: floor-divided ns to civil date and time of day, digits by table.
#include "output/eve_timestamp.hpp"

namespace dicomsentry {
namespace {

constexpr std::int64_t kNsPerUs = 1000;
constexpr std::int64_t kUsPerSecond = 1000000;
constexpr std::int64_t kSecondsPerDay = 86400;

// Division rounding towards negative infinity: times before 1970 belong to the earlier second.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// "YYYY-MM-DDTHH:MM:SS" for a second since the epoch; 19 characters.
void write_date_time(std::int64_t second, char* p) {
  const std::int64_t days = floor_div(second, kSecondsPerDay);
  const auto sod = static_cast<unsigned>(second - days * kSecondsPerDay);
  const CivilDate date = civil_from_days(days);
  const auto year = static_cast<unsigned>(date.year);  // 1677..2262 for any TimestampNs
  put2(p, year / 100);
  put2(p + 2, year % 100);
  p[4] = '-';
  put2(p + 5, date.month);
  p[7] = '-';
  put2(p + 8, date.day);
  p[10] = 'T';
  put2(p + 11, sod / 3600);
  p[13] = ':';
  put2(p + 14, sod / 60 % 60);
  p[16] = ':';
  put2(p + 17, sod % 60);
}

// ".uuuuuu+0000" after the first 19 characters.
void write_fraction(unsigned micros, char* p) {
  p[19] = '.';
  for (int i = 25; i >= 20; --i) {
    p[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  p[26] = '+';
  p[27] = '0';
  p[28] = '0';
  p[29] = '0';
  p[30] = '0';
}

}  // namespace

CivilDate civil_from_days(std::int64_t days) {
  // Shift the epoch to 0000-03-01 so that leap days fall at the end of each 400-year era.
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;                                 // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                               // [0, 11], March = 0
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                       // [1, 31]
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                          // [1, 12]
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {static_cast<std::int32_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

std::size_t format_eve_timestamp(TimestampNs ts, std::span<char, kEveTimestampLength> out) {
  const std::int64_t total_us = floor_div(ts, kNsPerUs);
  const std::int64_t second = floor_div(total_us, kUsPerSecond);
  write_date_time(second, out.data());
  write_fraction(static_cast<unsigned>(total_us - second * kUsPerSecond), out.data());
  return kEveTimestampLength;
}

EveTimestamp format_eve_timestamp(TimestampNs ts) {
  EveTimestamp t;
  format_eve_timestamp(ts, std::span<char, kEveTimestampLength>(t.chars));
  return t;
}

std::string_view EveTimestampFormatter::format(TimestampNs ts) {
  const std::int64_t total_us = floor_div(ts, kNsPerUs);
  const std::int64_t second = floor_div(total_us, kUsPerSecond);
  Slot* slot = nullptr;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].valid && slots_[i].second == second) {
      slot = &slots_[i];
      next_victim_ = 1 - i;  // keep the slot just used, replace the other one next
      break;
    }
  }
  if (slot == nullptr) {
    slot = &slots_[next_victim_];
    next_victim_ = 1 - next_victim_;
    write_date_time(second, slot->chars.data());
    slot->second = second;
    slot->valid = true;
  }
  write_fraction(static_cast<unsigned>(total_us - second * kUsPerSecond), slot->chars.data());
  return {slot->chars.data(), slot->chars.size()};
}

}  // namespace dicomsentry
