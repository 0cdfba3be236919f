// Cipher suite names, weakness classification and version names.
#include <gtest/gtest.h>

#include "tls/cipher_suites.hpp"

namespace dicomsentry::tls {
namespace {

using namespace weakness;

TEST(CipherSuites, Names) {
  EXPECT_EQ(cipher_suite_name(0x1301), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(cipher_suite_name(0x1303), "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(cipher_suite_name(0xC030), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  EXPECT_EQ(cipher_suite_name(0xCCA9), "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(cipher_suite_name(0x000A), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_EQ(cipher_suite_name(0x0000), "TLS_NULL_WITH_NULL_NULL");
  EXPECT_EQ(cipher_suite_name(0x00FF), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
  EXPECT_EQ(cipher_suite_name(0x5600), "TLS_FALLBACK_SCSV");
  EXPECT_EQ(cipher_suite_name(0x0A0A), "");  // GREASE
  EXPECT_EQ(cipher_suite_name(0xFFFF), "");
}

TEST(CipherSuites, Weaknesses) {
  EXPECT_EQ(cipher_suite_weakness(0x1301), 0);
  EXPECT_EQ(cipher_suite_weakness(0xC02F), 0);
  EXPECT_EQ(cipher_suite_weakness(0xCCA8), 0);
  EXPECT_EQ(cipher_suite_weakness(0x0000), kNull);
  EXPECT_EQ(cipher_suite_weakness(0x0001), kNull | kMd5 | kNoForwardSecrecy);
  EXPECT_EQ(cipher_suite_weakness(0x0003), kExport | kRc4 | kMd5 | kNoForwardSecrecy);
  EXPECT_EQ(cipher_suite_weakness(0xC011), kRc4 | kSha1Mac);
  EXPECT_EQ(cipher_suite_weakness(0x0009), kDes | kSha1Mac | kCbc | kNoForwardSecrecy);
  EXPECT_EQ(cipher_suite_weakness(0x0014), kExport | kDes | kSha1Mac | kCbc);
  EXPECT_EQ(cipher_suite_weakness(0xC012), k3Des | kSha1Mac | kCbc);
  EXPECT_EQ(cipher_suite_weakness(0x0034), kAnonymous | kSha1Mac | kCbc);
  EXPECT_EQ(cipher_suite_weakness(0xC015), kAnonymous | kNull | kSha1Mac);
  EXPECT_EQ(cipher_suite_weakness(0x009C), kNoForwardSecrecy);
  EXPECT_EQ(cipher_suite_weakness(0xC027), kCbc);
  EXPECT_EQ(cipher_suite_weakness(0x00FF), kSignalling);
  EXPECT_EQ(cipher_suite_weakness(0x4242), kUnknownSuite);
}

TEST(CipherSuites, CbcIsWeakOnlyBeforeTls12) {
  EXPECT_EQ(cipher_suite_weakness(0xC013, kTls12), kSha1Mac | kCbc);
  EXPECT_EQ(cipher_suite_weakness(0xC013, kTls11), kSha1Mac | kCbc | kCbcBeforeTls12);
  EXPECT_EQ(cipher_suite_weakness(0xC013, kTls10), kSha1Mac | kCbc | kCbcBeforeTls12);
  EXPECT_EQ(cipher_suite_weakness(0xC02F, kTls10), 0);
  EXPECT_FALSE(is_weak_cipher_suite(0xC013, kTls12));
  EXPECT_TRUE(is_weak_cipher_suite(0xC013, kTls11));
  EXPECT_TRUE(is_weak_cipher_suite(0x0005, kTls12));  // RC4
  EXPECT_TRUE(is_weak_cipher_suite(0x000A, kTls12));  // 3DES
  EXPECT_FALSE(is_weak_cipher_suite(0x1302, kTls13));
  EXPECT_FALSE(is_weak_cipher_suite(0x009C, kTls12));  // static RSA: reported, not weak alone
}

TEST(CipherSuites, WeaknessNames) {
  EXPECT_EQ(weakness_name(kNull), "null");
  EXPECT_EQ(weakness_name(kRc4), "rc4");
  EXPECT_EQ(weakness_name(k3Des), "3des");
  EXPECT_EQ(weakness_name(kCbcBeforeTls12), "cbc_before_tls12");
  EXPECT_EQ(weakness_name(kUnknownSuite), "unknown_suite");
  EXPECT_EQ(weakness_name(kNull | kRc4), "unknown");
}

TEST(TlsVersions, Names) {
  EXPECT_EQ(tls_version_name(0x0300), "SSLv3");
  EXPECT_EQ(tls_version_name(0x0301), "TLSv1.0");
  EXPECT_EQ(tls_version_name(0x0302), "TLSv1.1");
  EXPECT_EQ(tls_version_name(0x0303), "TLSv1.2");
  EXPECT_EQ(tls_version_name(0x0304), "TLSv1.3");
  EXPECT_EQ(tls_version_name(0x7A7A), "GREASE");
  EXPECT_EQ(tls_version_name(0x0305), "unknown");
  EXPECT_TRUE(is_obsolete_version(kTls11));
  EXPECT_FALSE(is_obsolete_version(kTls12));
}

TEST(TlsVersions, Grease) {
  for (std::uint32_t n = 0; n < 16; ++n) {
    const auto v = static_cast<std::uint16_t>(((n << 4) | 0x0A) * 0x0101);
    EXPECT_TRUE(is_grease(v)) << std::hex << v;
  }
  EXPECT_FALSE(is_grease(0x0A1A));
  EXPECT_FALSE(is_grease(0x0303));
  EXPECT_FALSE(is_grease(0x1A0A));
}

}  // namespace
}  // namespace dicomsentry::tls
