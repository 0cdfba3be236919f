// EVE timestamps: fixed epochs (expected strings from Python's datetime), dates before 1970,
// leap years, 2038+, the whole TimestampNs range, and the per-second cache.
#include "output/eve_timestamp.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdint>
#include <limits>
#include <string>

namespace dicomsentry {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;

std::string eve(TimestampNs ts) { return std::string(format_eve_timestamp(ts).view()); }

TEST(EveTimestamp, Epoch) { EXPECT_EQ(eve(0), "1970-01-01T00:00:00.000000+0000"); }

TEST(EveTimestamp, LeapDay2000) {
  EXPECT_EQ(eve(951782400 * kNs), "2000-02-29T00:00:00.000000+0000");
}

TEST(EveTimestamp, Year2100IsNotLeapButStartsRight) {
  EXPECT_EQ(eve(4102444800 * kNs), "2100-01-01T00:00:00.000000+0000");
}

TEST(EveTimestamp, After2038) {
  EXPECT_EQ(eve(2147483648 * kNs), "2038-01-19T03:14:08.000000+0000");
}

TEST(EveTimestamp, MicrosecondsTruncated) {
  EXPECT_EQ(eve(1234567890123456789), "2009-02-13T23:31:30.123456+0000");
  EXPECT_EQ(eve(1795869512123456789), "2026-11-28T12:38:32.123456+0000");
  EXPECT_EQ(eve(1709164800999999999), "2024-02-29T00:00:00.999999+0000");
}

TEST(EveTimestamp, OneNanosecondBeforeEpoch) {
  EXPECT_EQ(eve(-1), "1969-12-31T23:59:59.999999+0000");
}

TEST(EveTimestamp, Before1970) {
  EXPECT_EQ(eve(-2208988800 * kNs), "1900-01-01T00:00:00.000000+0000");
  // 1900 is not a leap year: the day after 28 February is 1 March.
  EXPECT_EQ(eve(-2203891200 * kNs), "1900-03-01T00:00:00.000000+0000");
  EXPECT_EQ(eve(68169600 * kNs - 1), "1972-02-28T23:59:59.999999+0000");
}

TEST(EveTimestamp, ExtremesOfTimestampNs) {
  EXPECT_EQ(eve(std::numeric_limits<TimestampNs>::min()), "1677-09-21T00:12:43.145224+0000");
  EXPECT_EQ(eve(std::numeric_limits<TimestampNs>::max()), "2262-04-11T23:47:16.854775+0000");
}

TEST(EveTimestamp, SpanOverloadWritesFixedLength) {
  std::array<char, kEveTimestampLength + 1> buf{};
  buf.back() = '#';
  EXPECT_EQ(format_eve_timestamp(0, std::span<char, kEveTimestampLength>(buf.data(), kEveTimestampLength)),
            kEveTimestampLength);
  EXPECT_EQ(std::string(buf.data(), kEveTimestampLength), "1970-01-01T00:00:00.000000+0000");
  EXPECT_EQ(buf.back(), '#');
}

// Walks every day a TimestampNs can name, advancing a calendar by month lengths (a separate
// method from the era arithmetic under test).
TEST(EveTimestamp, CivilFromDaysMatchesDayByDayCalendar) {
  auto is_leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  auto month_days = [&](int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : kDays[m - 1];
  };
  constexpr std::int64_t kFirstDay = -106752;  // 1677-09-21 (floor of INT64_MIN ns)
  int y = 1677, m = 9, d = 21;
  std::int64_t mismatches = 0;
  for (std::int64_t day = kFirstDay; day <= 106751; ++day) {
    const CivilDate got = civil_from_days(day);
    if (got != CivilDate{y, static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)}) {
      if (++mismatches < 5) ADD_FAILURE() << "day " << day << " got " << got.year << "-" << +got.month << "-" << +got.day;
    }
    if (++d > month_days(y, m)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(civil_from_days(0), (CivilDate{1970, 1, 1}));
  EXPECT_EQ(civil_from_days(-1), (CivilDate{1969, 12, 31}));
}

// Cross-check against the C library's gmtime_r at scattered seconds, both sides of 1970.
TEST(EveTimestamp, AgreesWithGmtime) {
  for (std::int64_t s = -9'000'000'000; s <= 9'000'000'000; s += 86'399'917) {
    const time_t t = static_cast<time_t>(s);
    struct tm tm {};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char expected[40];
    strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%S.000042+0000", &tm);
    ASSERT_EQ(eve(s * kNs + 42'000), expected) << "second " << s;
  }
}

TEST(EveTimestampFormatter, MatchesUncachedAcrossSecondsAndBackwards) {
  EveTimestampFormatter f;
  const TimestampNs times[] = {1795869512123456789, 1795869512999999999, 1795869513000000000,
                               1795869512000000001, -1, 0, 951782399999999999, 951782400000000000};
  for (TimestampNs t : times) {
    EXPECT_EQ(std::string(f.format(t)), eve(t)) << t;
  }
}

TEST(EveTimestampFormatter, AlternatingSecondsAndAThirdOneStayCorrect) {
  EveTimestampFormatter f;
  const TimestampNs start = 1795869509000000001;
  const TimestampNs end = 1795869512999999999;
  const TimestampNs other = 951782400000000000;
  const TimestampNs sequence[] = {start, end, start, end, other, end, start, other, start};
  for (TimestampNs t : sequence) {
    EXPECT_EQ(std::string(f.format(t)), eve(t)) << t;
  }
}

TEST(EveTimestampFormatter, FirstCallAtSecondZeroIsFormatted) {
  // A cache that starts "valid for second 0" would print zeros for the date here.
  EveTimestampFormatter f;
  EXPECT_EQ(f.format(5), "1970-01-01T00:00:00.000000+0000");
  EXPECT_EQ(f.format(-5), "1969-12-31T23:59:59.999999+0000");
}

}  // namespace
}  // namespace dicomsentry
