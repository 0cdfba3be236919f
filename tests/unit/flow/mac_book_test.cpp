// The L2 address book: smallest MACs kept per address, fixed capacity, group MACs skipped.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flow/mac_book.hpp"
#include "frame_builder.hpp"

namespace dicomsentry {
namespace {

constexpr auto& v4 = synth::ipv4_address;

MacAddress mac(std::uint8_t last, std::uint8_t first = 0x02) {
  return MacAddress{first, 0x00, 0x00, 0x00, 0x00, last};
}

std::vector<std::string> texts(std::span<const MacAddress> macs) {
  std::vector<std::string> out;
  for (const MacAddress& m : macs) {
    char text[17];
    out.emplace_back(text, format_mac(m, std::span<char, 17>(text, 17)));
  }
  return out;
}

using Texts = std::vector<std::string>;

TEST(MacBookTest, FormatsLowerCaseWithColons) {
  char text[17];
  const std::size_t n = format_mac(MacAddress{0xaa, 0xBB, 0x0c, 0x00, 0xfe, 0x01}, text);
  EXPECT_EQ(std::string(text, n), "aa:bb:0c:00:fe:01");
}

TEST(MacBookTest, InsertThenFind) {
  MacBook book(16);
  book.add(4, v4(10, 0, 0, 1), mac(0x11));
  EXPECT_EQ(texts(book.find(4, v4(10, 0, 0, 1))), Texts{"02:00:00:00:00:11"});
  EXPECT_TRUE(book.find(4, v4(10, 0, 0, 2)).empty());
  // The same bytes as an IPv6 address are another address.
  EXPECT_TRUE(book.find(6, v4(10, 0, 0, 1)).empty());
  book.add(4, v4(10, 0, 0, 1), mac(0x11));  // again: held once
  EXPECT_EQ(book.find(4, v4(10, 0, 0, 1)).size(), 1u);
  EXPECT_EQ(book.counters().addresses, 1u);
  EXPECT_EQ(book.counters().dropped, 0u);
}

TEST(MacBookTest, KeepsTheFourSmallestInOrderWhateverTheOrderOfSightings) {
  const std::vector<std::uint8_t> orders[] = {{6, 5, 4, 3, 2, 1}, {1, 2, 3, 4, 5, 6},
                                              {4, 6, 1, 5, 3, 2}};
  for (const auto& order : orders) {
    MacBook book(16);
    for (const std::uint8_t last : order) book.add(4, v4(10, 0, 0, 1), mac(last));
    EXPECT_EQ(texts(book.find(4, v4(10, 0, 0, 1))),
              (Texts{"02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03",
                     "02:00:00:00:00:04"}));
  }
}

TEST(MacBookTest, AllZeroIsKeptGroupAddressesAreNot) {
  MacBook book(16);
  book.add(4, v4(127, 0, 0, 1), MacAddress{});
  book.add(4, v4(127, 0, 0, 1), MacAddress{0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  book.add(4, v4(127, 0, 0, 1), MacAddress{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
  book.add(4, v4(224, 0, 0, 1), MacAddress{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
  EXPECT_EQ(texts(book.find(4, v4(127, 0, 0, 1))), Texts{"00:00:00:00:00:00"});
  EXPECT_TRUE(book.find(4, v4(224, 0, 0, 1)).empty());
  EXPECT_EQ(book.counters().addresses, 1u);
}

TEST(MacBookTest, FullBookCountsNewAddressesAsDroppedAndStillGrowsKnownOnes) {
  MacBook book(3);
  for (std::uint8_t i = 1; i <= 3; ++i) book.add(4, v4(10, 0, 0, i), mac(i));
  book.add(4, v4(10, 0, 0, 4), mac(4));
  book.add(4, v4(10, 0, 0, 5), mac(5));
  book.add(4, v4(10, 0, 0, 4), mac(6));
  EXPECT_EQ(book.counters().addresses, 3u);
  EXPECT_EQ(book.counters().dropped, 3u);
  EXPECT_TRUE(book.find(4, v4(10, 0, 0, 4)).empty());
  book.add(4, v4(10, 0, 0, 2), mac(9));
  EXPECT_EQ(texts(book.find(4, v4(10, 0, 0, 2))),
            (Texts{"02:00:00:00:00:02", "02:00:00:00:00:09"}));
  for (std::uint8_t i = 1; i <= 3; ++i) EXPECT_EQ(book.find(4, v4(10, 0, 0, i)).size(), i == 2 ? 2u : 1u);
}

TEST(MacBookTest, ManyAddressesAllFoundAtCapacity) {
  MacBook book(1000);
  for (int i = 0; i < 1000; ++i) {
    IpAddress ip;
    ip.bytes[0] = 0x20;
    ip.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    ip.bytes[15] = static_cast<std::uint8_t>(i);
    book.add(6, ip, mac(static_cast<std::uint8_t>(i), 0x00));
  }
  EXPECT_EQ(book.counters().addresses, 1000u);
  EXPECT_EQ(book.counters().dropped, 0u);
  for (int i = 0; i < 1000; ++i) {
    IpAddress ip;
    ip.bytes[0] = 0x20;
    ip.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    ip.bytes[15] = static_cast<std::uint8_t>(i);
    const auto found = book.find(6, ip);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0][5], static_cast<std::uint8_t>(i));
  }
}

TEST(MacBookTest, ZeroCapacityHoldsNothing) {
  MacBook book(0);
  book.add(4, v4(10, 0, 0, 1), mac(1));
  EXPECT_TRUE(book.find(4, v4(10, 0, 0, 1)).empty());
  EXPECT_EQ(book.memuse(), 0u);
}

TEST(MacBookTest, FlowCreatedMapsSourceAndDestinationAddresses) {
  const std::byte frame[12] = {std::byte{0x00}, std::byte{0x11}, std::byte{0x22}, std::byte{0x33},
                               std::byte{0x44}, std::byte{0x55}, std::byte{0x66}, std::byte{0x77},
                               std::byte{0x88}, std::byte{0x99}, std::byte{0xaa}, std::byte{0xbb}};
  DecodedPacket packet;
  packet.ip_version = 4;
  packet.src_ip = v4(10, 0, 0, 1);
  packet.dst_ip = v4(10, 0, 0, 2);
  packet.dst_mac = frame;
  packet.src_mac = frame + 6;
  MacBook book(16);
  book.on_flow_created(packet);
  EXPECT_EQ(texts(book.find(4, v4(10, 0, 0, 1))), Texts{"66:77:88:99:aa:bb"});
  EXPECT_EQ(texts(book.find(4, v4(10, 0, 0, 2))), Texts{"00:11:22:33:44:55"});
  // A source-only link layer (SLL) maps the source alone.
  packet.src_ip = v4(10, 0, 0, 3);
  packet.dst_ip = v4(10, 0, 0, 4);
  packet.dst_mac = nullptr;
  book.on_flow_created(packet);
  EXPECT_EQ(texts(book.find(4, v4(10, 0, 0, 3))), Texts{"66:77:88:99:aa:bb"});
  EXPECT_TRUE(book.find(4, v4(10, 0, 0, 4)).empty());
}

}  // namespace
}  // namespace dicomsentry
