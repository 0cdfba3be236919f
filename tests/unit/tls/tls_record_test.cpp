// Record header checks and handshake extraction: zero copy in one record, joined across many.
#include <array>

#include <gtest/gtest.h>

#include "tls/tls_record.hpp"
#include "tls_test_util.hpp"

namespace dicomsentry::tls {
namespace {

using namespace test;

RecordCheck check(const Bytes& b) {
  RecordHeader h;
  return check_record_header(view(b), h);
}

TEST(TlsRecordHeader, AcceptsEveryContentTypeAndVersion) {
  for (std::uint8_t type = 20; type <= 24; ++type) {
    for (std::uint16_t version = 0x0300; version <= 0x0304; ++version) {
      const Bytes b = {type, static_cast<std::uint8_t>(version >> 8),
                       static_cast<std::uint8_t>(version), 0x00, 0x10};
      RecordHeader h;
      ASSERT_EQ(check_record_header(view(b), h), RecordCheck::kTls);
      EXPECT_EQ(h.content_type, type);
      EXPECT_EQ(h.version, version);
      EXPECT_EQ(h.length, 16);
    }
  }
}

TEST(TlsRecordHeader, RejectsContentType) {
  EXPECT_EQ(check({19}), RecordCheck::kNotTls);
  EXPECT_EQ(check({25}), RecordCheck::kNotTls);
  // A DICOM A-ASSOCIATE-RQ starts 01 00: rejected on its first byte.
  EXPECT_EQ(check({0x01}), RecordCheck::kNotTls);
}

TEST(TlsRecordHeader, RejectsVersion) {
  EXPECT_EQ(check({22, 0x02}), RecordCheck::kNotTls);  // major byte alone decides
  EXPECT_EQ(check({22, 0x03, 0x05, 0, 1}), RecordCheck::kNotTls);
  EXPECT_EQ(check({22, 0x02, 0x00, 0, 1}), RecordCheck::kNotTls);  // SSLv2-era
}

TEST(TlsRecordHeader, RejectsLength) {
  EXPECT_EQ(check({23, 3, 3, 0x48, 0x00}), RecordCheck::kTls);     // 18432 = 2^14 + 2048
  EXPECT_EQ(check({23, 3, 3, 0x48, 0x01}), RecordCheck::kNotTls);  // one more
}

TEST(TlsRecordHeader, NeedsMoreWhilePlausible) {
  EXPECT_EQ(check({}), RecordCheck::kNeedMore);
  EXPECT_EQ(check({22}), RecordCheck::kNeedMore);
  EXPECT_EQ(check({22, 3}), RecordCheck::kNeedMore);
  EXPECT_EQ(check({22, 3, 1}), RecordCheck::kNeedMore);
  EXPECT_EQ(check({22, 3, 1, 0}), RecordCheck::kNeedMore);
  EXPECT_FALSE(looks_like_tls_record(view({22, 3, 1, 0})));
  EXPECT_TRUE(looks_like_tls_record(view({22, 3, 1, 0, 0})));
}

const Bytes kHello = handshake(1, Bytes(40, 0xAB));  // 44 bytes

TEST(TlsExtract, OneRecordIsAView) {
  const Bytes records = record(22, kHello, 0x0301);
  std::array<std::byte, 64> scratch{};
  const HandshakeExtract x = extract_handshake_message(view(records), scratch);
  ASSERT_EQ(x.status, ExtractStatus::kOk);
  EXPECT_FALSE(x.copied);
  EXPECT_EQ(x.type, 1);
  EXPECT_EQ(x.record_version, 0x0301);
  EXPECT_EQ(x.message.data(), view(records).data() + 5);
  EXPECT_EQ(x.message.size(), 44u);
  EXPECT_EQ(x.consumed, records.size());
}

TEST(TlsExtract, SecondMessageInTheSameRecordIsLeft) {
  Bytes flight = handshake(2, Bytes(10, 1));
  append(flight, handshake(11, Bytes(20, 2)));
  const Bytes records = record(22, flight);
  std::array<std::byte, 64> scratch{};
  const HandshakeExtract x = extract_handshake_message(view(records), scratch);
  ASSERT_EQ(x.status, ExtractStatus::kOk);
  EXPECT_EQ(x.type, 2);
  EXPECT_EQ(x.message.size(), 14u);
  EXPECT_EQ(x.consumed, records.size());
}

// The message cut into records at every pair of points, the handshake header included.
TEST(TlsExtract, JoinedAcrossRecordsAtEverySplit) {
  std::array<std::byte, 64> scratch{};
  for (std::size_t a = 1; a < kHello.size(); ++a) {
    for (std::size_t b = a; b < kHello.size(); ++b) {
      Bytes records = record(22, Bytes(kHello.begin(), kHello.begin() + static_cast<long>(a)));
      if (b > a)
        append(records, record(22, Bytes(kHello.begin() + static_cast<long>(a),
                                         kHello.begin() + static_cast<long>(b))));
      append(records, record(22, Bytes(kHello.begin() + static_cast<long>(b), kHello.end())));
      const HandshakeExtract x = extract_handshake_message(view(records), scratch);
      ASSERT_EQ(x.status, ExtractStatus::kOk) << a << " " << b;
      EXPECT_TRUE(x.copied);
      EXPECT_EQ(x.consumed, records.size());
      ASSERT_EQ(x.message.size(), kHello.size());
      EXPECT_TRUE(std::equal(kHello.begin(), kHello.end(),
                             reinterpret_cast<const std::uint8_t*>(x.message.data())));
    }
  }
}

TEST(TlsExtract, NeedsMoreAtEveryCut) {
  Bytes records = record(22, Bytes(kHello.begin(), kHello.begin() + 10));
  append(records, record(22, Bytes(kHello.begin() + 10, kHello.end())));
  std::array<std::byte, 64> scratch{};
  for (std::size_t cut = 0; cut < records.size(); ++cut) {
    const HandshakeExtract x = extract_handshake_message(view(records).first(cut), scratch);
    EXPECT_EQ(x.status, ExtractStatus::kNeedMore) << cut;
  }
}

TEST(TlsExtract, SkipsChangeCipherSpecBeforeTheMessage) {
  Bytes records = record(20, {1});
  append(records, record(22, kHello));
  std::array<std::byte, 64> scratch{};
  const HandshakeExtract x = extract_handshake_message(view(records), scratch);
  ASSERT_EQ(x.status, ExtractStatus::kOk);
  EXPECT_EQ(x.message.data(), view(records).data() + 6 + 5);
}

TEST(TlsExtract, NotTls) {
  const Bytes records = {0x01, 0x00, 0x00, 0x00, 0x00, 0x10};
  std::array<std::byte, 64> scratch{};
  EXPECT_EQ(extract_handshake_message(view(records), scratch).status, ExtractStatus::kNotTls);
}

TEST(TlsExtract, NotHandshake) {
  std::array<std::byte, 64> scratch{};
  EXPECT_EQ(extract_handshake_message(view(record(21, {2, 40})), scratch).status,
            ExtractStatus::kNotHandshake);
  // An alert between two fragments of one message.
  Bytes records = record(22, Bytes(kHello.begin(), kHello.begin() + 10));
  append(records, record(21, {2, 40}));
  EXPECT_EQ(extract_handshake_message(view(records), scratch).status, ExtractStatus::kNotHandshake);
}

TEST(TlsExtract, EmptyFragment) {
  std::array<std::byte, 64> scratch{};
  EXPECT_EQ(extract_handshake_message(view(record(22, {})), scratch).status,
            ExtractStatus::kEmptyFragment);
}

TEST(TlsExtract, TooLargeForScratch) {
  std::array<std::byte, 32> scratch{};
  Bytes records = record(22, Bytes(kHello.begin(), kHello.begin() + 10));
  append(records, record(22, Bytes(kHello.begin() + 10, kHello.end())));
  EXPECT_EQ(extract_handshake_message(view(records), scratch).status, ExtractStatus::kTooLarge);
  // Header split too: the size is known only once joined.
  Bytes split = record(22, Bytes(kHello.begin(), kHello.begin() + 2));
  append(split, record(22, Bytes(kHello.begin() + 2, kHello.end())));
  EXPECT_EQ(extract_handshake_message(view(split), scratch).status, ExtractStatus::kTooLarge);
  // A message that fits in one record needs no scratch at all.
  EXPECT_EQ(extract_handshake_message(view(record(22, kHello)), {}).status, ExtractStatus::kOk);
}

}  // namespace
}  // namespace dicomsentry::tls
