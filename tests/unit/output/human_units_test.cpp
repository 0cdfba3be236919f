// Human units: exact text at each unit boundary and the rounding edges.
#include "output/human_units.hpp"

#include <gtest/gtest.h>

namespace dicomsentry {
namespace {

TEST(HumanUnits, BytesInBinaryUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  // 1023.999 KiB would round to "1024.0 KiB": shown as the next unit.
  EXPECT_EQ(format_bytes(1024 * 1024 - 1), "1.0 MiB");
  EXPECT_EQ(format_bytes(3'000'000), "2.9 MiB");
  EXPECT_EQ(format_bytes(5ull << 30), "5.0 GiB");
  EXPECT_EQ(format_bytes(1ull << 40), "1.0 TiB");
}

TEST(HumanUnits, PacketRatesInDecimalUnits) {
  EXPECT_EQ(format_packet_rate(0), "0 pps");
  EXPECT_EQ(format_packet_rate(950), "950 pps");
  EXPECT_EQ(format_packet_rate(999.4), "999 pps");
  EXPECT_EQ(format_packet_rate(999.6), "1.00 kpps");
  EXPECT_EQ(format_packet_rate(12'500), "12.5 kpps");
  EXPECT_EQ(format_packet_rate(1'250'000), "1.25 Mpps");
  EXPECT_EQ(format_packet_rate(-1), "0 pps");
}

TEST(HumanUnits, BitRatesFromBytesPerSecond) {
  EXPECT_EQ(format_bit_rate(100), "800 bit/s");
  EXPECT_EQ(format_bit_rate(1'500'000), "12.0 Mbit/s");
  EXPECT_EQ(format_bit_rate(156'250'000), "1.25 Gbit/s");
  EXPECT_EQ(format_bit_rate(117'525'000), "940.2 Mbit/s");
}

TEST(HumanUnits, Durations) {
  EXPECT_EQ(format_duration(0), "0.00 s");
  EXPECT_EQ(format_duration(0.25), "0.25 s");
  EXPECT_EQ(format_duration(59.999), "1m00s");
  EXPECT_EQ(format_duration(65.9), "1m05s");
  EXPECT_EQ(format_duration(7384), "2h03m04s");
}

}  // namespace
}  // namespace dicomsentry
