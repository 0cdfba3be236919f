// ClientHello/ServerHello fields from built messages, and one test per rejection reason.
#include <list>
#include <utility>

#include <gtest/gtest.h>

#include "tls/cipher_suites.hpp"
#include "tls/tls_hello.hpp"
#include "tls_test_util.hpp"

namespace dicomsentry::tls {
namespace {

using namespace test;

ClientHelloParts full_client() {
  ClientHelloParts p;
  append(p.extensions, sni("pacs.example.org"));
  append(p.extensions, ext(10, vec16(u16s({0x1A1A, 0x001D, 0x0017}))));
  append(p.extensions, ext(13, vec16(u16s({0x0403, 0x0804, 0x0401}))));
  append(p.extensions, alpn({"dicom", "http/1.1"}));
  append(p.extensions, ext(43, vec8(u16s({0x2A2A, 0x0304, 0x0303}))));
  append(p.extensions, ext(0xFF01, {0}));  // renegotiation_info: skipped
  return p;
}

// The hello holds views into the message, so every built message lives as long as the program.
ByteView kept(Bytes message) {
  static std::list<Bytes> messages;
  messages.push_back(std::move(message));
  return view(messages.back());
}

HelloError client(const ClientHelloParts& p, ClientHello& out) {
  const ByteView m = kept(p.message());
  return parse_client_hello(m, out);
}
HelloError client_error(const ClientHelloParts& p) {
  ClientHello out;
  return client(p, out);
}
HelloError server(const ServerHelloParts& p, ServerHello& out) {
  const ByteView m = kept(p.message());
  return parse_server_hello(m, out);
}
HelloError server_error(const ServerHelloParts& p) {
  ServerHello out;
  return server(p, out);
}

TEST(ClientHello, AllFields) {
  const ClientHelloParts p = full_client();
  const Bytes m = p.message();
  ClientHello h;
  ASSERT_EQ(parse_client_hello(view(m), h), HelloError::kNone);
  EXPECT_EQ(h.legacy_version, 0x0303);
  EXPECT_EQ(h.random.size(), 32u);
  EXPECT_EQ(h.session_id.size(), 32u);
  ASSERT_EQ(h.cipher_suites.size(), 3u);
  EXPECT_EQ(h.cipher_suites.at(0), 0x1301);
  EXPECT_EQ(h.cipher_suites.at(2), 0x00FF);
  EXPECT_TRUE(h.cipher_suites.contains(0xC02F));
  EXPECT_FALSE(h.cipher_suites.contains(0xC030));
  EXPECT_EQ(h.compression_methods.size(), 1u);
  EXPECT_EQ(h.extension_count, 6);
  EXPECT_TRUE(h.has_server_name);
  EXPECT_EQ(h.server_name, "pacs.example.org");
  ASSERT_TRUE(h.has_supported_groups);
  EXPECT_EQ(h.supported_groups.size(), 3u);
  EXPECT_EQ(h.supported_groups.at(1), 0x001D);
  EXPECT_EQ(h.signature_algorithm_count, 3);
  ASSERT_TRUE(h.has_alpn);
  ASSERT_EQ(h.alpn_count, 2);
  EXPECT_EQ(h.alpn[0], "dicom");
  EXPECT_EQ(h.alpn[1], "http/1.1");
  ASSERT_TRUE(h.has_supported_versions);
  EXPECT_EQ(h.supported_versions.size(), 3u);
  EXPECT_EQ(h.highest_version(), 0x0304);  // GREASE 0x2A2A ignored
}

TEST(ClientHello, WithoutExtensions) {
  ClientHelloParts p;
  p.version = 0x0301;
  p.session_id = vec8({});
  p.omit_extensions = true;
  ClientHello h;
  ASSERT_EQ(client(p, h), HelloError::kNone);
  EXPECT_EQ(h.extension_count, 0);
  EXPECT_FALSE(h.has_server_name);
  EXPECT_FALSE(h.has_supported_versions);
  EXPECT_EQ(h.highest_version(), 0x0301);
}

TEST(ClientHello, KeepsEightAlpnNamesAndCountsAll) {
  ClientHelloParts p;
  p.extensions = alpn({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  ClientHello h;
  ASSERT_EQ(client(p, h), HelloError::kNone);
  EXPECT_EQ(h.alpn_count, 10);
  EXPECT_EQ(h.alpn_kept, 8);
  EXPECT_EQ(h.alpn[7], "h");
}

TEST(ClientHello, BytesAfterTheMessageAreIgnored) {
  Bytes m = full_client().message();
  m.push_back(14);
  ClientHello h;
  EXPECT_EQ(parse_client_hello(view(m), h), HelloError::kNone);
}

TEST(ClientHelloErrors, WrongType) {
  const Bytes m = handshake(2, full_client().body());
  ClientHello h;
  EXPECT_EQ(parse_client_hello(view(m), h), HelloError::kWrongType);
}

TEST(ClientHelloErrors, TruncatedMessage) {
  const Bytes m = full_client().message();
  ClientHello h;
  EXPECT_EQ(parse_client_hello(view(m).first(m.size() - 1), h), HelloError::kTruncated);
  EXPECT_EQ(parse_client_hello(view(m).first(3), h), HelloError::kTruncated);
}

TEST(ClientHelloErrors, TruncatedFields) {
  // The body cut inside each fixed field: version, random, session id, suites, compression.
  const Bytes body = full_client().body();
  for (std::size_t cut : {1u, 20u, 34u, 50u, 67u, 72u, 73u}) {
    const Bytes m = handshake(1, Bytes(body.begin(), body.begin() + static_cast<long>(cut)));
    ClientHello h;
    EXPECT_EQ(parse_client_hello(view(m), h), HelloError::kTruncated) << cut;
  }
}

TEST(ClientHelloErrors, SessionIdTooLong) {
  ClientHelloParts p = full_client();
  p.session_id = vec8(Bytes(33, 0));
  EXPECT_EQ(client_error(p), HelloError::kSessionIdTooLong);
}

TEST(ClientHelloErrors, CipherSuitesOdd) {
  ClientHelloParts p = full_client();
  p.suites = vec16({0x13, 0x01, 0xC0});
  EXPECT_EQ(client_error(p), HelloError::kBadCipherSuites);
}

TEST(ClientHelloErrors, CipherSuitesEmpty) {
  ClientHelloParts p = full_client();
  p.suites = vec16({});
  EXPECT_EQ(client_error(p), HelloError::kBadCipherSuites);
}

TEST(ClientHelloErrors, CompressionMethodsEmpty) {
  ClientHelloParts p = full_client();
  p.compression = vec8({});
  EXPECT_EQ(client_error(p), HelloError::kBadCompressionMethods);
}

TEST(ClientHelloErrors, ExtensionsLengthOverruns) {
  ClientHelloParts p = full_client();
  p.omit_extensions = true;
  Bytes m = handshake(1, [&] {
    Bytes b = p.body();
    put16(b, 100);  // claims 100 bytes of extensions, 4 follow
    append(b, {0, 0, 0, 0});
    return b;
  }());
  ClientHello h;
  EXPECT_EQ(parse_client_hello(view(m), h), HelloError::kBadExtensionsLength);
}

TEST(ClientHelloErrors, ExtensionLengthOverrunsBlock) {
  ClientHelloParts p;
  p.extensions = {0x00, 0x10, 0x00, 0x09, 0x00};  // ALPN claiming 9 bytes, 1 present
  EXPECT_EQ(client_error(p), HelloError::kBadExtensionsLength);
}

TEST(ClientHelloErrors, OneByteOfExtensions) {
  ClientHelloParts p;
  p.omit_extensions = true;
  Bytes b = p.body();
  b.push_back(0);
  const Bytes m = handshake(1, b);
  ClientHello h;
  EXPECT_EQ(parse_client_hello(view(m), h), HelloError::kBadExtensionsLength);
}

TEST(ClientHelloErrors, TrailingBytes) {
  ClientHelloParts p = full_client();
  Bytes b = p.body();
  b.push_back(0);
  const Bytes m = handshake(1, b);
  ClientHello h;
  EXPECT_EQ(parse_client_hello(view(m), h), HelloError::kTrailingBytes);
}

TEST(ClientHelloErrors, DuplicateExtension) {
  ClientHelloParts p = full_client();
  append(p.extensions, sni("other.example.org"));
  EXPECT_EQ(client_error(p), HelloError::kDuplicateExtension);
}

TEST(ClientHelloErrors, BadServerName) {
  ClientHelloParts p;
  p.extensions = ext(0, vec16({0, 0, 0}));  // an empty host name
  EXPECT_EQ(client_error(p), HelloError::kBadServerName);
  p.extensions = ext(0, {0, 5, 0, 0, 1, 'a'});  // list length 5, 4 present
  EXPECT_EQ(client_error(p), HelloError::kBadServerName);
}

TEST(ClientHelloErrors, BadAlpn) {
  ClientHelloParts p;
  p.extensions = ext(16, vec16({5, 'd', 'i'}));  // name cut
  EXPECT_EQ(client_error(p), HelloError::kBadAlpn);
  p.extensions = ext(16, vec16({0}));  // empty name (RFC 7301 forbids)
  EXPECT_EQ(client_error(p), HelloError::kBadAlpn);
}

TEST(ClientHelloErrors, BadSupportedVersions) {
  ClientHelloParts p;
  p.extensions = ext(43, vec8({3, 4, 3}));  // odd
  EXPECT_EQ(client_error(p), HelloError::kBadSupportedVersions);
  p.extensions = ext(43, vec8({}));
  EXPECT_EQ(client_error(p), HelloError::kBadSupportedVersions);
}

TEST(ClientHelloErrors, BadSignatureAlgorithms) {
  ClientHelloParts p;
  p.extensions = ext(13, vec16({4, 3, 8}));
  EXPECT_EQ(client_error(p), HelloError::kBadSignatureAlgorithms);
}

TEST(ClientHelloErrors, BadSupportedGroups) {
  ClientHelloParts p;
  p.extensions = ext(10, vec16({}));
  EXPECT_EQ(client_error(p), HelloError::kBadSupportedGroups);
}

TEST(ServerHello, Tls12) {
  ServerHelloParts p;
  p.suite = 0xC030;
  p.session_id = vec8({});
  p.extensions = alpn({"dicom"});
  append(p.extensions, ext(0xFF01, {0}));
  ServerHello h;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_EQ(h.cipher_suite, 0xC030);
  EXPECT_EQ(h.negotiated_version(), kTls12);
  EXPECT_FALSE(h.has_supported_version);
  ASSERT_TRUE(h.has_alpn);
  EXPECT_EQ(h.alpn, "dicom");
  EXPECT_EQ(h.extension_count, 2);
  EXPECT_FALSE(h.hello_retry_request);
  EXPECT_FALSE(h.downgrade_sentinel);
}

TEST(ServerHello, Tls13SelectedVersion) {
  ServerHelloParts p;
  p.extensions = ext(43, u16s({0x0304}));
  ServerHello h;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_EQ(h.legacy_version, 0x0303);
  EXPECT_EQ(h.selected_version, 0x0304);
  EXPECT_EQ(h.negotiated_version(), kTls13);
}

TEST(ServerHello, WithoutExtensions) {
  ServerHelloParts p;
  p.version = 0x0301;
  p.suite = 0x002F;
  p.omit_extensions = true;
  ServerHello h;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_EQ(h.negotiated_version(), kTls10);
  EXPECT_TRUE(is_weak_cipher_suite(h.cipher_suite, h.negotiated_version()));
}

TEST(ServerHello, HelloRetryRequest) {
  ServerHelloParts p;
  p.random = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
              0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
              0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
  p.extensions = ext(43, u16s({0x0304}));
  ServerHello h;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_TRUE(h.hello_retry_request);
  p.random[31] ^= 1;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_FALSE(h.hello_retry_request);
}

TEST(ServerHello, DowngradeSentinel) {
  ServerHelloParts p;
  p.omit_extensions = true;
  const Bytes tail = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01};
  std::copy(tail.begin(), tail.end(), p.random.begin() + 24);
  ServerHello h;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_TRUE(h.downgrade_sentinel);
  p.random[31] = 0x02;
  ASSERT_EQ(server(p, h), HelloError::kNone);
  EXPECT_FALSE(h.downgrade_sentinel);
}

TEST(ServerHelloErrors, WrongType) {
  const Bytes m = handshake(1, ServerHelloParts{}.body());
  ServerHello h;
  EXPECT_EQ(parse_server_hello(view(m), h), HelloError::kWrongType);
}

TEST(ServerHelloErrors, Truncated) {
  const Bytes body = ServerHelloParts{}.body();
  for (std::size_t cut : {1u, 30u, 34u, 60u, 67u, 68u}) {
    const Bytes m = handshake(2, Bytes(body.begin(), body.begin() + static_cast<long>(cut)));
    ServerHello h;
    EXPECT_EQ(parse_server_hello(view(m), h), HelloError::kTruncated) << cut;
  }
}

TEST(ServerHelloErrors, SessionIdTooLong) {
  ServerHelloParts p;
  p.session_id = vec8(Bytes(40, 0));
  EXPECT_EQ(server_error(p), HelloError::kSessionIdTooLong);
}

TEST(ServerHelloErrors, BadSupportedVersions) {
  ServerHelloParts p;
  p.extensions = ext(43, vec8(u16s({0x0304})));  // the client's list form
  EXPECT_EQ(server_error(p), HelloError::kBadSupportedVersions);
}

TEST(ServerHelloErrors, BadAlpnTwoNames) {
  ServerHelloParts p;
  p.extensions = alpn({"dicom", "h2"});  // RFC 7301 §3.1: exactly one
  EXPECT_EQ(server_error(p), HelloError::kBadAlpn);
}

TEST(ServerHelloErrors, DuplicateExtension) {
  ServerHelloParts p;
  p.extensions = ext(43, u16s({0x0304}));
  append(p.extensions, ext(43, u16s({0x0303})));
  EXPECT_EQ(server_error(p), HelloError::kDuplicateExtension);
}

TEST(HelloErrors, DistinctNames) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(HelloError::kCount); ++i) {
    const std::string_view name = hello_error_name(static_cast<HelloError>(i));
    EXPECT_EQ(name.substr(0, 4), "tls.");
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_NE(name, hello_error_name(static_cast<HelloError>(j)));
    }
  }
  EXPECT_EQ(hello_error_name(HelloError::kBadAlpn), "tls.bad_alpn");
}

}  // namespace
}  // namespace dicomsentry::tls
