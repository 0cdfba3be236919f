// Classic pcap: writer/reader round trips in both byte orders and resolutions, and every
// rejection reason with its exact message and offset.
#include <gtest/gtest.h>

#include <bit>
#include <tuple>

#include "capture/pcap_writer.hpp"
#include "capture_test_util.hpp"

namespace dicomsentry {
namespace {

using test::make_frame;
using test::put_le32;
using test::read_all;
using test::same_bytes;

constexpr TimestampNs kT0 = 1'700'000'000'123'456'789;

class PcapRoundTrip : public ::testing::TestWithParam<std::tuple<std::endian, bool>> {};

TEST_P(PcapRoundTrip, EveryFieldSurvives) {
  const auto [order, nano] = GetParam();
  PcapWriter writer(LinkType::kEthernet, nano, 65535, order);
  const auto f1 = make_frame(60, 1);
  const auto f2 = make_frame(1514, 7);
  const auto f3 = make_frame(1, 200);
  writer.add(kT0, f1);
  writer.add(kT0 + 1'000'000'001, f2, 9000);
  writer.add(0, f3);
  const auto& bytes = writer.bytes();
  ASSERT_EQ(bytes.size(), 24u + 3 * 16 + 60 + 1514 + 1);

  CaptureError error;
  auto capture = CaptureFile::open_memory(bytes, "x.pcap", error);
  ASSERT_TRUE(capture) << error.message();
  EXPECT_EQ(capture->format(), CaptureFile::Format::kPcap);
  EXPECT_EQ(capture->pcap().swapped(), order == std::endian::big);
  EXPECT_EQ(capture->pcap().nanosecond(), nano);
  EXPECT_EQ(capture->pcap().snaplen(), 65535u);
  EXPECT_EQ(capture->pcap().link_type(), LinkType::kEthernet);
  EXPECT_EQ(capture->pcap().version_major(), 2);
  EXPECT_EQ(capture->pcap().version_minor(), 4);
  EXPECT_EQ(capture->size(), bytes.size());
  EXPECT_EQ(capture->offset(), 24u);

  PacketView p;
  ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket);
  // Microsecond files lose the last 3 digits.
  EXPECT_EQ(p.timestamp_ns, nano ? 1'700'000'000'123'456'789 : 1'700'000'000'123'456'000);
  EXPECT_TRUE(same_bytes(p.bytes, f1));
  EXPECT_EQ(p.bytes.data(), bytes.data() + 40);  // a view into the capture, not a copy
  EXPECT_EQ(p.original_length, 60u);
  EXPECT_EQ(p.link_type, LinkType::kEthernet);
  EXPECT_EQ(p.interface_index, 0);
  EXPECT_EQ(capture->offset(), 100u);

  ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket);
  EXPECT_EQ(p.timestamp_ns, nano ? 1'700'000'001'123'456'790 : 1'700'000'001'123'456'000);
  EXPECT_TRUE(same_bytes(p.bytes, f2));
  EXPECT_EQ(p.original_length, 9000u);

  ASSERT_EQ(capture->next(p), CaptureFile::Next::kPacket);
  EXPECT_EQ(p.timestamp_ns, 0);
  EXPECT_TRUE(same_bytes(p.bytes, f3));

  EXPECT_EQ(capture->next(p), CaptureFile::Next::kEnd);
  EXPECT_EQ(capture->next(p), CaptureFile::Next::kEnd);
  EXPECT_EQ(capture->offset(), bytes.size());
}

INSTANTIATE_TEST_SUITE_P(ByteOrderAndResolution, PcapRoundTrip,
                         ::testing::Combine(::testing::Values(std::endian::little,
                                                              std::endian::big),
                                            ::testing::Bool()));

TEST(PcapReader, ReadsHandWrittenBigEndianMicrosecondRecord) {
  // Inline bytes, as a big-endian host writes them: magic a1b2c3d4, v2.4, snaplen 96,
  // link type 101 (raw IP); one record at 2.000003 s with 4 of 8 bytes captured.
  const std::vector<std::uint8_t> raw = {
      // clang-format off
      0xa1, 0xb2, 0xc3, 0xd4,  // magic, microseconds
      0x00, 0x02, 0x00, 0x04,  // version 2.4
      0x00, 0x00, 0x00, 0x00,  // thiszone
      0x00, 0x00, 0x00, 0x00,  // sigfigs
      0x00, 0x00, 0x00, 0x60,  // snaplen 96
      0x00, 0x00, 0x00, 0x65,  // link type 101
      0x00, 0x00, 0x00, 0x02,  // 2 s
      0x00, 0x00, 0x00, 0x03,  // 3 us
      0x00, 0x00, 0x00, 0x04,  // captured 4
      0x00, 0x00, 0x00, 0x08,  // original 8
      0x45, 0x00, 0x00, 0x08,
      // clang-format on
  };
  std::vector<std::byte> bytes;
  for (const auto v : raw) bytes.push_back(std::byte{v});
  const auto r = read_all(bytes);
  ASSERT_TRUE(r.opened) << r.message;
  ASSERT_EQ(r.last, CaptureFile::Next::kEnd);
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].timestamp_ns, 2'000'003'000);
  EXPECT_EQ(r.packets[0].bytes.size(), 4u);
  EXPECT_EQ(r.packets[0].original_length, 8u);
  EXPECT_EQ(r.packets[0].link_type, LinkType::kRaw);
  EXPECT_EQ(std::to_integer<int>(r.packets[0].bytes[0]), 0x45);
}

TEST(PcapReader, MasksFcsBitsOffTheLinkType) {
  PcapWriter writer(LinkType::kEthernet);
  auto bytes = writer.bytes();
  // FCS present (bit 26) with 2 16-bit words (bits 28-31): a 4-byte FCS on Ethernet.
  put_le32(bytes, 20, 0x24000001);
  CaptureError error;
  auto capture = CaptureFile::open_memory(bytes, "fcs.pcap", error);
  ASSERT_TRUE(capture) << error.message();
  EXPECT_EQ(capture->pcap().link_type(), LinkType::kEthernet);
  EXPECT_EQ(capture->pcap().fcs_length(), 4);
}

TEST(PcapReader, EverySupportedLinkTypeOpens) {
  for (const LinkType link :
       {LinkType::kNull, LinkType::kEthernet, LinkType::kRaw, LinkType::kLoop, LinkType::kLinuxSll,
        LinkType::kIpv4, LinkType::kIpv6, LinkType::kLinuxSll2}) {
    PcapWriter writer(link);
    writer.add(5, make_frame(20, 0));
    const auto r = read_all(writer.bytes());
    ASSERT_TRUE(r.opened) << r.message;
    ASSERT_EQ(r.packets.size(), 1u);
    EXPECT_EQ(r.packets[0].link_type, link);
  }
}

TEST(PcapReader, WriterCutsFramesAtSnaplen) {
  PcapWriter writer(LinkType::kEthernet, true, 64);
  const auto frame = make_frame(100, 3);
  writer.add(kT0, frame);
  const auto r = read_all(writer.bytes());
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].bytes.size(), 64u);
  EXPECT_EQ(r.packets[0].original_length, 100u);
  EXPECT_TRUE(same_bytes(r.packets[0].bytes, ByteView(frame).first(64)));
}

TEST(PcapReader, NegativeTimestampRoundTrips) {
  PcapWriter writer(LinkType::kEthernet);
  writer.add(-1'500'000'000, make_frame(10, 0));  // 1.5 s before the epoch
  const auto r = read_all(writer.bytes());
  ASSERT_EQ(r.packets.size(), 1u);
  // Seconds are unsigned in the format: -2 s is stored as 2^32 - 2.
  EXPECT_EQ(r.packets[0].timestamp_ns, (std::int64_t{0xfffffffe} * 1'000'000'000) + 500'000'000);
}

// ---- one test per rejection reason ----

std::vector<std::byte> two_packet_capture(std::uint32_t snaplen = 262144) {
  PcapWriter writer(LinkType::kEthernet, true, snaplen);
  writer.add(kT0, make_frame(60, 1));
  writer.add(kT0 + 1, make_frame(100, 2));
  return writer.bytes();  // records at 24 and 100; 216 bytes
}

TEST(PcapReaderErrors, TruncatedRecordHeader) {
  auto bytes = two_packet_capture();
  bytes.resize(bytes.size() + 10);
  const auto r = read_all(bytes);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.last, CaptureFile::Next::kError);
  EXPECT_EQ(r.error_offset, 216u);
  EXPECT_EQ(r.message, "x.pcap: offset 216: truncated record header: 10 bytes remain, need 16");
}

TEST(PcapReaderErrors, TruncatedRecordData) {
  auto bytes = two_packet_capture();
  bytes.resize(bytes.size() - 40);
  const auto r = read_all(bytes);
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].bytes.size(), 60u);
  EXPECT_EQ(r.last, CaptureFile::Next::kError);
  EXPECT_EQ(r.message, "x.pcap: offset 100: truncated record: header says 100 bytes, 60 remain");
}

TEST(PcapReaderErrors, CapturedLengthAboveSnaplen) {
  auto bytes = two_packet_capture(100);
  put_le32(bytes, 100 + 8, 101);  // second record claims 101 captured bytes, snaplen 100
  const auto r = read_all(bytes);
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.message, "x.pcap: offset 100: captured length 101 exceeds snaplen 100");
}

TEST(PcapReaderErrors, CapturedLengthAboveCapWhenSnaplenIsZero) {
  auto bytes = two_packet_capture(0);
  put_le32(bytes, 24 + 8, 262145);
  const auto r = read_all(bytes);
  ASSERT_EQ(r.packets.size(), 0u);
  EXPECT_EQ(r.message, "x.pcap: offset 24: captured length 262145 exceeds snaplen 262144");
}

TEST(PcapReaderErrors, UnsupportedLinkTypeRefusedAtOpen) {
  PcapWriter writer(static_cast<LinkType>(127));  // radiotap
  const auto r = read_all(writer.bytes());
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.message,
            "x.pcap: offset 20: unsupported link type 127 (supported: 0, 1, 101, 108, 113, 228, "
            "229, 276)");
}

TEST(PcapReaderErrors, UnsupportedVersion) {
  auto bytes = two_packet_capture();
  bytes[4] = std::byte{3};
  const auto r = read_all(bytes);
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.message, "x.pcap: offset 4: unsupported pcap version 3.4");
}

TEST(PcapReaderErrors, TruncatedFileHeader) {
  auto bytes = two_packet_capture();
  bytes.resize(20);
  const auto r = read_all(bytes);
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.message, "x.pcap: offset 0: truncated pcap file header: 20 bytes, need 24");
}

TEST(PcapReaderErrors, HeaderOnlyFileHasNoPackets) {
  auto bytes = two_packet_capture();
  bytes.resize(24);
  const auto r = read_all(bytes);
  ASSERT_TRUE(r.opened);
  EXPECT_EQ(r.last, CaptureFile::Next::kEnd);
  EXPECT_EQ(r.packets.size(), 0u);
}

}  // namespace
}  // namespace dicomsentry
