// FragmentBook: later TCP/UDP fragments get the ports of their own datagram's first fragment,
// and nothing else's.
#include "flow/fragment_book.hpp"

#include <gtest/gtest.h>

namespace dicomsentry {
namespace {

constexpr TimestampNs kSecond = 1'000'000'000;

DecodedPacket fragment(bool later, std::uint32_t id, std::uint8_t last_octet = 1,
                       std::uint8_t proto = 6) {
  DecodedPacket p;
  p.result = later ? DecodeResult::kOtherIp : DecodeResult::kTcp;
  p.ip_version = 4;
  p.ip_proto = proto;
  p.is_fragment = true;
  p.later_fragment = later;
  p.fragment_id = id;
  p.src_ip.bytes = {10, 0, 0, last_octet};
  p.dst_ip.bytes = {10, 0, 0, 200};
  if (!later) {
    p.src_port = 40000;
    p.dst_port = 104;
  }
  return p;
}

TEST(FragmentBook, LaterFragmentGetsItsFirstFragmentsPorts) {
  FragmentBook book;
  DecodedPacket first = fragment(false, 7);
  EXPECT_EQ(book.attribute(first, kSecond), FragmentVerdict::kKeyed);
  DecodedPacket later = fragment(true, 7);
  ASSERT_EQ(book.attribute(later, 2 * kSecond), FragmentVerdict::kAttributed);
  EXPECT_EQ(later.src_port, 40000);
  EXPECT_EQ(later.dst_port, 104);
  // Every later fragment of the datagram, in any order, while the entry lives.
  DecodedPacket another = fragment(true, 7);
  EXPECT_EQ(book.attribute(another, 3 * kSecond), FragmentVerdict::kAttributed);
}

TEST(FragmentBook, OtherDatagramsAreNotAttributed) {
  FragmentBook book;
  DecodedPacket first = fragment(false, 7);
  book.attribute(first, kSecond);
  DecodedPacket other_id = fragment(true, 8);
  DecodedPacket other_source = fragment(true, 7, 2);
  DecodedPacket other_proto = fragment(true, 7, 1, 17);
  DecodedPacket reversed = fragment(true, 7);
  std::swap(reversed.src_ip, reversed.dst_ip);
  EXPECT_EQ(book.attribute(other_id, kSecond), FragmentVerdict::kUnattributed);
  EXPECT_EQ(book.attribute(other_source, kSecond), FragmentVerdict::kUnattributed);
  EXPECT_EQ(book.attribute(other_proto, kSecond), FragmentVerdict::kUnattributed);
  EXPECT_EQ(book.attribute(reversed, kSecond), FragmentVerdict::kUnattributed);
  EXPECT_EQ(other_id.src_port, 0);
  DecodedPacket v6 = fragment(true, 7);
  v6.ip_version = 6;
  EXPECT_EQ(book.attribute(v6, kSecond), FragmentVerdict::kUnattributed);
}

TEST(FragmentBook, ReorderedAndExpiredFragmentsAreUnattributed) {
  FragmentBook book;
  DecodedPacket early = fragment(true, 9);
  EXPECT_EQ(book.attribute(early, kSecond), FragmentVerdict::kUnattributed);  // before its first
  DecodedPacket first = fragment(false, 9);
  book.attribute(first, kSecond);
  DecodedPacket at_limit = fragment(true, 9);
  EXPECT_EQ(book.attribute(at_limit, kSecond + FragmentBook::kLifetimeNs), FragmentVerdict::kAttributed);
  DecodedPacket too_late = fragment(true, 9);
  EXPECT_EQ(book.attribute(too_late, kSecond + FragmentBook::kLifetimeNs + 1),
            FragmentVerdict::kUnattributed);
}

// Unfragmented packets and fragments of other protocols pass as they are.
TEST(FragmentBook, WholePacketsAndOtherProtocolsAreKeyedAsTheyAre) {
  FragmentBook book;
  DecodedPacket whole = fragment(false, 1);
  whole.is_fragment = false;
  EXPECT_EQ(book.attribute(whole, kSecond), FragmentVerdict::kKeyed);
  DecodedPacket icmp_later = fragment(true, 1, 1, 1);
  EXPECT_EQ(book.attribute(icmp_later, kSecond), FragmentVerdict::kKeyed);
  EXPECT_EQ(icmp_later.src_port, 0);
}

// A one-slot book: the newer datagram takes the slot, the older one's later fragments are lost.
TEST(FragmentBook, NewerDatagramTakesACollidingSlot) {
  FragmentBook book(1);
  DecodedPacket a = fragment(false, 1);
  DecodedPacket b = fragment(false, 2);
  b.src_port = 40001;
  book.attribute(a, kSecond);
  book.attribute(b, kSecond);
  DecodedPacket later_a = fragment(true, 1);
  DecodedPacket later_b = fragment(true, 2);
  EXPECT_EQ(book.attribute(later_a, kSecond), FragmentVerdict::kUnattributed);
  ASSERT_EQ(book.attribute(later_b, kSecond), FragmentVerdict::kAttributed);
  EXPECT_EQ(later_b.src_port, 40001);
}

}  // namespace
}  // namespace dicomsentry
