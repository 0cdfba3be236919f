// pcapng: interfaces with their own link type and resolution, byte orders, EPB/SPB/OPB,
// skipped blocks, and every rejection reason with its exact message and offset.
#include <gtest/gtest.h>

#include <bit>

#include "capture/pcapng_writer.hpp"
#include "capture_test_util.hpp"

namespace dicomsentry {
namespace {

using test::make_frame;
using test::put_be32;
using test::put_le32;
using test::read_all;
using test::same_bytes;

constexpr std::uint16_t kEthernet = 1;
constexpr std::uint16_t kRaw = 101;
constexpr std::uint8_t kNanoseconds = 9;          // 10^-9
constexpr std::uint8_t kPow2Minus20 = 0x80 | 20;  // 2^-20

TEST(PcapngReader, TwoInterfacesWithTheirOwnLinkTypeAndResolution) {
  PcapngWriter w;
  EXPECT_EQ(w.add_interface(kEthernet, 65535, kNanoseconds), 0u);
  EXPECT_EQ(w.add_interface(kRaw, 0, kPow2Minus20), 1u);
  const auto f0 = make_frame(60, 1);
  const auto f1 = make_frame(41, 9);  // padded to 44 in the block
  w.add_enhanced(0, 1'700'000'000'123'456'789u, f0);
  // 1700000000.5 s in 2^-20 units, plus one unit (953.67... ns, floored to 953).
  w.add_enhanced(1, (std::uint64_t{1'700'000'000} << 20) + (1u << 19) + 1, f1, 1500);
  w.add_enhanced(0, 5, f1);

  const auto r = read_all(w.bytes(), "two.pcapng");
  ASSERT_TRUE(r.opened) << r.message;
  ASSERT_EQ(r.last, CaptureFile::Next::kEnd) << r.message;
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_EQ(r.packets[0].timestamp_ns, 1'700'000'000'123'456'789);
  EXPECT_EQ(r.packets[0].link_type, LinkType::kEthernet);
  EXPECT_EQ(r.packets[0].interface_index, 0);
  EXPECT_EQ(r.packets[0].original_length, 60u);
  EXPECT_TRUE(same_bytes(r.packets[0].bytes, f0));
  // SHB 28 + IDB 32 + IDB 32 + EPB header 28: the view points into the capture.
  EXPECT_EQ(r.packets[0].bytes.data(), w.bytes().data() + 120);

  EXPECT_EQ(r.packets[1].timestamp_ns, 1'700'000'000'500'000'953);
  EXPECT_EQ(r.packets[1].link_type, LinkType::kRaw);
  EXPECT_EQ(r.packets[1].interface_index, 1);
  EXPECT_EQ(r.packets[1].original_length, 1500u);
  EXPECT_TRUE(same_bytes(r.packets[1].bytes, f1));

  EXPECT_EQ(r.packets[2].timestamp_ns, 5);
  EXPECT_EQ(r.packets[2].interface_index, 0);
  EXPECT_EQ(r.skipped_blocks, 0u);
}

TEST(PcapngReader, DefaultResolutionIsMicroseconds) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1'700'000'000'123'456u, make_frame(20, 0));
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].timestamp_ns, 1'700'000'000'123'456'000);
}

TEST(PcapngReader, PicosecondResolutionDividesDown) {
  PcapngWriter w;
  w.add_interface(kEthernet, 262144, 12);  // 10^-12
  w.add_enhanced(0, 123'456'789'012'345u, make_frame(20, 0));
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].timestamp_ns, 123'456'789'012);
}

TEST(PcapngReader, TsoffsetIsAddedInSeconds) {
  PcapngWriter w;
  w.add_interface(kEthernet, 262144, 3, 1'600'000'000);  // milliseconds, offset 1.6e9 s
  w.add_enhanced(0, 2'500, make_frame(20, 0));
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].timestamp_ns, 1'600'000'002'500'000'000);
}

TEST(PcapngReader, BigEndianSection) {
  PcapngWriter w(std::endian::big);
  w.add_interface(kRaw, 1000, kPow2Minus20, -10);
  const auto frame = make_frame(33, 4);
  w.add_enhanced(0, std::uint64_t{30} << 20, frame, 99);
  CaptureError error;
  auto capture = CaptureFile::open_memory(w.bytes(), "be.pcapng", error);
  ASSERT_TRUE(capture) << error.message();
  PacketView p;
  ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket) << capture->error().message();
  EXPECT_TRUE(capture->pcapng().swapped());
  ASSERT_EQ(capture->pcapng().interfaces().size(), 1u);
  EXPECT_EQ(capture->pcapng().interfaces()[0].snaplen, 1000u);
  EXPECT_EQ(capture->pcapng().interfaces()[0].tsresol, kPow2Minus20);
  EXPECT_EQ(capture->pcapng().interfaces()[0].tsoffset_seconds, -10);
  EXPECT_EQ(p.timestamp_ns, 20'000'000'000);
  EXPECT_EQ(p.link_type, LinkType::kRaw);
  EXPECT_EQ(p.original_length, 99u);
  EXPECT_TRUE(same_bytes(p.bytes, frame));
  EXPECT_EQ(capture->next(p), CaptureFile::Next::kEnd);
}

TEST(PcapngReader, NewSectionSwitchesByteOrderAndResetsInterfaces) {
  PcapngWriter w(std::endian::little);
  w.add_interface(kEthernet);
  w.add_interface(kEthernet);
  w.add_enhanced(1, 1, make_frame(20, 0));
  w.add_section(std::endian::big);
  EXPECT_EQ(w.add_interface(kRaw, 262144, kNanoseconds), 0u);
  w.add_enhanced(0, 7, make_frame(20, 1));
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.last, CaptureFile::Next::kEnd) << r.message;
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].link_type, LinkType::kEthernet);
  EXPECT_EQ(r.packets[0].interface_index, 1);
  EXPECT_EQ(r.packets[0].timestamp_ns, 1'000);
  EXPECT_EQ(r.packets[1].link_type, LinkType::kRaw);
  EXPECT_EQ(r.packets[1].interface_index, 0);
  EXPECT_EQ(r.packets[1].timestamp_ns, 7);
}

TEST(PcapngReader, SimplePacketBlockLengthIsLimitedBySnaplen) {
  PcapngWriter w;
  w.add_interface(kEthernet, 64);
  const auto big = make_frame(100, 0);
  const auto small = make_frame(61, 5);  // block holds 64 bytes: 3 of them padding
  w.add_simple(big);
  w.add_simple(small);
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.last, CaptureFile::Next::kEnd) << r.message;
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].bytes.size(), 64u);
  EXPECT_EQ(r.packets[0].original_length, 100u);
  EXPECT_TRUE(same_bytes(r.packets[0].bytes, ByteView(big).first(64)));
  EXPECT_EQ(r.packets[0].timestamp_ns, 0);  // simple packet blocks carry no time
  EXPECT_EQ(r.packets[0].interface_index, 0);
  EXPECT_EQ(r.packets[1].bytes.size(), 61u);
  EXPECT_TRUE(same_bytes(r.packets[1].bytes, small));
}

TEST(PcapngReader, SimplePacketBlockLengthIsLimitedByBlockRoom) {
  PcapngWriter w;
  w.add_interface(kEthernet, 0);
  w.add_simple(make_frame(40, 0), 1500);  // original 1500, only 40 bytes in the block
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].bytes.size(), 40u);
  EXPECT_EQ(r.packets[0].original_length, 1500u);
}

TEST(PcapngReader, ObsoletePacketBlock) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_interface(kRaw, 262144, kNanoseconds);
  const auto frame = make_frame(50, 3);
  w.add_obsolete(1, 42, frame, 60);
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 1u) << r.message;
  EXPECT_EQ(r.packets[0].timestamp_ns, 42);
  EXPECT_EQ(r.packets[0].interface_index, 1);
  EXPECT_EQ(r.packets[0].link_type, LinkType::kRaw);
  EXPECT_EQ(r.packets[0].original_length, 60u);
  EXPECT_TRUE(same_bytes(r.packets[0].bytes, frame));
}

TEST(PcapngReader, UnknownAndStatisticsBlocksAreSkippedAndCounted) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1, make_frame(20, 0));
  w.add_block(0x12345678, make_frame(13, 0));  // unknown type
  w.add_block(0x00000005, make_frame(12, 0));  // interface statistics
  w.add_block(0x40000bad, make_frame(8, 0));   // custom block
  w.add_enhanced(0, 2, make_frame(20, 1));
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.last, CaptureFile::Next::kEnd) << r.message;
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].timestamp_ns, 2'000);
  EXPECT_EQ(r.skipped_blocks, 3u);
}

TEST(PcapngReader, UnsupportedLinkTypePacketsAreReturnedAndCounted) {
  PcapngWriter w;
  w.add_interface(147);  // LINKTYPE_USER0
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1, make_frame(20, 0));
  w.add_enhanced(1, 2, make_frame(20, 0));
  w.add_enhanced(0, 3, make_frame(20, 0));
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 3u) << r.message;
  EXPECT_EQ(static_cast<int>(r.packets[0].link_type), 147);
  EXPECT_EQ(r.packets[1].link_type, LinkType::kEthernet);
  EXPECT_EQ(r.unsupported_link_packets, 2u);
}

TEST(PcapngReader, ZeroLengthPacket) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1, {}, 0);
  const auto r = read_all(w.bytes());
  ASSERT_EQ(r.packets.size(), 1u) << r.message;
  EXPECT_EQ(r.packets[0].bytes.size(), 0u);
}

// ---- one test per rejection reason. Layout used below: SHB at 0 (28 bytes), IDB at 28
// (20 bytes), EPB of a 20-byte frame at 48 (52 bytes), next block at 100. ----

std::vector<std::byte> one_packet_capture() {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1, make_frame(20, 0));
  return w.bytes();
}

TEST(PcapngReaderErrors, TruncatedBlockHeader) {
  auto bytes = one_packet_capture();
  ASSERT_EQ(bytes.size(), 100u);
  bytes.resize(108);
  const auto r = read_all(bytes, "x.pcapng");
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.message, "x.pcapng: offset 100: truncated block header: 8 bytes remain, need 12");
}

TEST(PcapngReaderErrors, BlockLengthBelowTwelve) {
  auto bytes = one_packet_capture();
  put_le32(bytes, 48 + 4, 8);
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.packets.size(), 0u);
  EXPECT_EQ(r.message, "x.pcapng: offset 48: block length 8 is less than 12");
}

TEST(PcapngReaderErrors, BlockLengthNotMultipleOfFour) {
  auto bytes = one_packet_capture();
  put_le32(bytes, 48 + 4, 50);
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message, "x.pcapng: offset 48: block length 50 is not a multiple of 4");
}

TEST(PcapngReaderErrors, BlockExceedsFile) {
  auto bytes = one_packet_capture();
  bytes.resize(96);
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.packets.size(), 0u);
  EXPECT_EQ(r.message, "x.pcapng: offset 48: truncated block: length says 52 bytes, 48 remain");
}

TEST(PcapngReaderErrors, TrailingLengthDisagrees) {
  auto bytes = one_packet_capture();
  put_le32(bytes, 96, 56);
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 48: trailing block length 56 disagrees with leading length 52");
}

TEST(PcapngReaderErrors, UndeclaredInterface) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1, make_frame(20, 0));
  w.add_enhanced(2, 1, make_frame(20, 0));
  const auto r = read_all(w.bytes(), "x.pcapng");
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.message,
            "x.pcapng: offset 100: enhanced packet block names interface 2, but only 1 declared "
            "in this section");
}

TEST(PcapngReaderErrors, InterfaceFromAnEarlierSection) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_interface(kEthernet);
  w.add_section(std::endian::little);  // at 68
  w.add_interface(kEthernet);          // at 96
  w.add_enhanced(1, 1, make_frame(20, 0));
  const auto r = read_all(w.bytes(), "x.pcapng");
  EXPECT_EQ(r.packets.size(), 0u);
  EXPECT_EQ(r.message,
            "x.pcapng: offset 116: enhanced packet block names interface 1, but only 1 declared "
            "in this section");
}

TEST(PcapngReaderErrors, SimplePacketWithoutInterface) {
  PcapngWriter w;
  w.add_simple(make_frame(20, 0));
  const auto r = read_all(w.bytes(), "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 28: simple packet block before any interface description block");
}

TEST(PcapngReaderErrors, CapturedLengthExceedsBlockRoom) {
  auto bytes = one_packet_capture();
  put_le32(bytes, 48 + 20, 24);  // captured length 24, but 20 bytes of data in the block
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 48: enhanced packet block: captured length 24 exceeds block room 20");
}

TEST(PcapngReaderErrors, CapturedLengthExceedsSnaplen) {
  PcapngWriter w;
  w.add_interface(kEthernet, 16);
  w.add_enhanced(0, 1, make_frame(20, 0));
  const auto r = read_all(w.bytes(), "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 48: enhanced packet block: captured length 20 exceeds snaplen 16");
}

TEST(PcapngReaderErrors, ObsoletePacketCapturedLengthExceedsBlockRoom) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_obsolete(0, 1, make_frame(20, 0));
  auto bytes = w.bytes();
  put_le32(bytes, 48 + 20, 21);
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 48: obsolete packet block: captured length 21 exceeds block room 20");
}

TEST(PcapngReaderErrors, EnhancedPacketBlockTooShort) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_block(6, make_frame(8, 0));
  const auto r = read_all(w.bytes(), "x.pcapng");
  EXPECT_EQ(r.message, "x.pcapng: offset 48: enhanced packet block length 20 is less than 32");
}

TEST(PcapngReaderErrors, SimplePacketBlockTooShort) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_block(3, {});
  const auto r = read_all(w.bytes(), "x.pcapng");
  EXPECT_EQ(r.message, "x.pcapng: offset 48: simple packet block length 12 is less than 16");
}

TEST(PcapngReaderErrors, InterfaceDescriptionBlockTooShort) {
  PcapngWriter w;
  w.add_block(1, make_frame(4, 0));
  const auto r = read_all(w.bytes(), "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 28: interface description block length 16 is less than 20");
}

TEST(PcapngReaderErrors, InterfaceOptionOverrunsBlock) {
  PcapngWriter w;
  w.add_interface(kEthernet, 262144, kNanoseconds);  // option if_tsresol at 28 + 16
  auto bytes = w.bytes();
  bytes[28 + 16 + 2] = std::byte{9};  // its length: 9, padded 12, but 8 bytes are left
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message,
            "x.pcapng: offset 28: interface description block: option 9 length 9 exceeds the "
            "block");
}

TEST(PcapngReaderErrors, SectionHeaderBadByteOrderMagic) {
  auto bytes = one_packet_capture();
  put_be32(bytes, 8, 0x11223344);
  const auto r = read_all(bytes, "x.pcapng");
  ASSERT_TRUE(r.opened);  // the first block's type says pcapng; its body is then checked
  EXPECT_EQ(r.message,
            "x.pcapng: offset 0: section header block has bad byte-order magic 0x11223344");
}

TEST(PcapngReaderErrors, SectionHeaderTooShort) {
  auto bytes = one_packet_capture();
  put_le32(bytes, 4, 24);
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message, "x.pcapng: offset 0: section header block length 24 is less than 28");
}

TEST(PcapngReaderErrors, SectionHeaderUnsupportedVersion) {
  auto bytes = one_packet_capture();
  bytes[12] = std::byte{2};
  const auto r = read_all(bytes, "x.pcapng");
  EXPECT_EQ(r.message, "x.pcapng: offset 0: unsupported pcapng version 2.0");
}

TEST(PcapngReaderErrors, LaterSectionHeaderTruncated) {
  PcapngWriter w;
  w.add_interface(kEthernet);
  w.add_enhanced(0, 1, make_frame(20, 0));
  w.add_section(std::endian::big);  // at 100
  auto bytes = w.bytes();
  bytes.resize(bytes.size() - 4);
  const auto r = read_all(bytes, "x.pcapng");
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.message, "x.pcapng: offset 100: truncated block: length says 28 bytes, 24 remain");
}

}  // namespace
}  // namespace dicomsentry
