// Real OpenSSL handshakes on loopback (tests/data/tls, made by make_tls_captures.sh), read
// through the pipeline: the hellos must say what tshark saw when the captures were made.
#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file.hpp"
#include "pipeline/pipeline.hpp"
#include "tls/cipher_suites.hpp"
#include "tls/tls_hello.hpp"
#include "tls/tls_record.hpp"

namespace dicomsentry::tls {
namespace {

#define TLS_DATA_DIR DICOMSENTRY_PCAP_DIR "/../tests/data/tls/"

// Keeps each direction's delivered bytes (one flow per capture).
class DirectionCollector final : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext& context, ByteView data) override {
    auto& s = streams[static_cast<int>(context.direction)];
    s.insert(s.end(), data.begin(), data.end());
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext&, std::uint64_t bytes) override { gaps += bytes; }
  void on_end(const StreamContext&) override {}

  std::array<std::vector<std::byte>, 2> streams;
  std::uint64_t gaps = 0;
};

DirectionCollector run(const std::string& name) {
  DirectionCollector collector;
  CaptureError error;
  auto file = CaptureFile::open(TLS_DATA_DIR + name, error);
  EXPECT_TRUE(file) << error.message();
  if (!file) return collector;
  Pipeline pipeline(PipelineConfig{}, collector, nullptr);
  PacketView packet;
  for (int i = 0; i < 100 && file->next(packet) == ReadResult::kPacket; ++i) {
    pipeline.process(packet);
  }
  pipeline.finish();
  EXPECT_EQ(collector.gaps, 0u);
  return collector;
}

// The n-th (0-based) handshake message of a direction, walking records with `consumed`.
ByteView nth_message(const std::vector<std::byte>& stream, int n,
                     std::array<std::byte, kMaxHelloBytes>& scratch) {
  ByteView rest(stream);
  EXPECT_TRUE(looks_like_tls_record(rest));
  for (int i = 0;; ++i) {
    const HandshakeExtract x = extract_handshake_message(rest, scratch);
    EXPECT_EQ(x.status, ExtractStatus::kOk) << "message " << i;
    if (x.status != ExtractStatus::kOk || i == n) return x.message;
    rest = rest.subspan(x.consumed);
  }
}

TEST(TlsCapture, Tls12WithSniAndAlpn) {
  const DirectionCollector c = run("tls12_sni_alpn.pcap");
  std::array<std::byte, kMaxHelloBytes> scratch;
  ClientHello ch;
  ASSERT_EQ(parse_client_hello(nth_message(c.streams[0], 0, scratch), ch), HelloError::kNone);
  EXPECT_EQ(ch.legacy_version, kTls12);
  EXPECT_EQ(ch.session_id.size(), 0u);
  ASSERT_EQ(ch.cipher_suites.size(), 2u);
  EXPECT_EQ(ch.cipher_suites.at(0), 0xC030);
  EXPECT_EQ(ch.cipher_suites.at(1), 0x00FF);
  EXPECT_EQ(ch.extension_count, 8);
  EXPECT_EQ(ch.server_name, "pacs.example.org");
  ASSERT_EQ(ch.alpn_count, 2);
  EXPECT_EQ(ch.alpn[0], "dicom");
  EXPECT_EQ(ch.alpn[1], "http/1.1");
  EXPECT_FALSE(ch.has_supported_versions);
  EXPECT_EQ(ch.highest_version(), kTls12);
  EXPECT_EQ(ch.signature_algorithm_count, 20);
  ASSERT_EQ(ch.supported_groups.size(), 5u);
  EXPECT_EQ(ch.supported_groups.at(0), 0x001D);

  ServerHello sh;
  ASSERT_EQ(parse_server_hello(nth_message(c.streams[1], 0, scratch), sh), HelloError::kNone);
  EXPECT_EQ(tls_version_name(sh.negotiated_version()), "TLSv1.2");
  EXPECT_EQ(cipher_suite_name(sh.cipher_suite), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  EXPECT_FALSE(is_weak_cipher_suite(sh.cipher_suite, sh.negotiated_version()));
  EXPECT_EQ(sh.alpn, "dicom");
  EXPECT_EQ(sh.extension_count, 5);
  EXPECT_FALSE(sh.hello_retry_request);
}

TEST(TlsCapture, Tls13WithSniAndAlpn) {
  const DirectionCollector c = run("tls13_sni_alpn.pcap");
  std::array<std::byte, kMaxHelloBytes> scratch;
  ClientHello ch;
  ASSERT_EQ(parse_client_hello(nth_message(c.streams[0], 0, scratch), ch), HelloError::kNone);
  EXPECT_EQ(ch.legacy_version, kTls12);  // TLS 1.3 hides in supported_versions
  EXPECT_EQ(ch.session_id.size(), 32u);  // middlebox-compatibility session id
  ASSERT_TRUE(ch.has_supported_versions);
  ASSERT_EQ(ch.supported_versions.size(), 1u);
  EXPECT_EQ(ch.highest_version(), kTls13);
  EXPECT_EQ(ch.cipher_suites.at(0), 0x1303);
  EXPECT_EQ(ch.extension_count, 11);
  EXPECT_EQ(ch.server_name, "pacs.example.org");
  ASSERT_EQ(ch.alpn_count, 1);
  EXPECT_EQ(ch.alpn[0], "dicom");
  EXPECT_EQ(ch.signature_algorithm_count, 14);
  EXPECT_EQ(ch.supported_groups.size(), 10u);

  ServerHello sh;
  ASSERT_EQ(parse_server_hello(nth_message(c.streams[1], 0, scratch), sh), HelloError::kNone);
  EXPECT_EQ(sh.legacy_version, kTls12);
  EXPECT_EQ(tls_version_name(sh.negotiated_version()), "TLSv1.3");
  EXPECT_EQ(cipher_suite_name(sh.cipher_suite), "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_FALSE(sh.has_alpn);  // TLS 1.3 sends it encrypted
  EXPECT_EQ(sh.extension_count, 2);
  EXPECT_FALSE(sh.hello_retry_request);
}

TEST(TlsCapture, Tls13HelloRetryRequest) {
  const DirectionCollector c = run("tls13_hello_retry.pcap");
  std::array<std::byte, kMaxHelloBytes> scratch;
  ServerHello hrr;
  ASSERT_EQ(parse_server_hello(nth_message(c.streams[1], 0, scratch), hrr), HelloError::kNone);
  EXPECT_TRUE(hrr.hello_retry_request);
  EXPECT_EQ(cipher_suite_name(hrr.cipher_suite), "TLS_AES_256_GCM_SHA384");
  // The second ClientHello comes after a ChangeCipherSpec record; the real ServerHello after
  // the server's.
  ClientHello second;
  ASSERT_EQ(parse_client_hello(nth_message(c.streams[0], 1, scratch), second), HelloError::kNone);
  EXPECT_EQ(second.server_name, "pacs.example.org");
  EXPECT_EQ(second.cipher_suites.size(), 4u);
  ServerHello sh;
  ASSERT_EQ(parse_server_hello(nth_message(c.streams[1], 1, scratch), sh), HelloError::kNone);
  EXPECT_FALSE(sh.hello_retry_request);
  EXPECT_EQ(sh.negotiated_version(), kTls13);
  EXPECT_EQ(sh.cipher_suite, 0x1302);
}

// DICOM over TLS (PS3.15 Annex B): DCMTK echoscu +tls against storescp +tls.
TEST(TlsCapture, DcmtkEchoOverTls) {
  const DirectionCollector c = run("dcmtk_echo_tls.pcap");
  ASSERT_TRUE(looks_like_tls_record(ByteView(c.streams[0])));
  ASSERT_TRUE(looks_like_tls_record(ByteView(c.streams[1])));
  std::array<std::byte, kMaxHelloBytes> scratch;
  ClientHello ch;
  ASSERT_EQ(parse_client_hello(nth_message(c.streams[0], 0, scratch), ch), HelloError::kNone);
  EXPECT_FALSE(ch.has_server_name);
  EXPECT_FALSE(ch.has_alpn);
  ASSERT_EQ(ch.supported_versions.size(), 2u);
  EXPECT_EQ(ch.supported_versions.at(0), kTls13);
  EXPECT_EQ(ch.supported_versions.at(1), kTls12);
  ASSERT_EQ(ch.cipher_suites.size(), 8u);
  for (std::size_t i = 0; i < ch.cipher_suites.size(); ++i) {
    EXPECT_FALSE(is_weak_cipher_suite(ch.cipher_suites.at(i), kTls12) &&
                 ch.cipher_suites.at(i) != 0x00FF)
        << ch.cipher_suites.at(i);
  }
  EXPECT_EQ(ch.extension_count, 9);
  EXPECT_EQ(ch.signature_algorithm_count, 23);
  EXPECT_EQ(ch.supported_groups.size(), 13u);

  ServerHello sh;
  ASSERT_EQ(parse_server_hello(nth_message(c.streams[1], 0, scratch), sh), HelloError::kNone);
  EXPECT_EQ(tls_version_name(sh.negotiated_version()), "TLSv1.3");
  EXPECT_EQ(cipher_suite_name(sh.cipher_suite), "TLS_AES_256_GCM_SHA384");
}

}  // namespace
}  // namespace dicomsentry::tls
