// TLS cipher suite and version names, and the weaknesses rules look for (IANA TLS registry).
#pragma once

#include <cstdint>
#include <string_view>

namespace dicomsentry::tls {

inline constexpr std::uint16_t kSsl3 = 0x0300;
inline constexpr std::uint16_t kTls10 = 0x0301;
inline constexpr std::uint16_t kTls11 = 0x0302;
inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

// RFC 8701 GREASE values (0x0A0A, 0x1A1A, ... 0xFAFA): never real versions, suites or groups.
constexpr bool is_grease(std::uint16_t v) {
  return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

// "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3", "GREASE"; "unknown" otherwise.
std::string_view tls_version_name(std::uint16_t version);

// The IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"; empty when not in our table
// (the common suites, including every legacy weak one; not PSK, SRP or ARIA suites).
std::string_view cipher_suite_name(std::uint16_t suite);

// What makes a suite weak, as bit flags (several may apply).
namespace weakness {
inline constexpr std::uint16_t kNull = 1u << 0;              // no encryption
inline constexpr std::uint16_t kAnonymous = 1u << 1;         // no server authentication
inline constexpr std::uint16_t kExport = 1u << 2;            // 40/56-bit export grade
inline constexpr std::uint16_t kRc4 = 1u << 3;               // RFC 7465 forbids RC4
inline constexpr std::uint16_t kDes = 1u << 4;               // single DES
inline constexpr std::uint16_t k3Des = 1u << 5;              // 64-bit block (Sweet32)
inline constexpr std::uint16_t kMd5 = 1u << 6;               // MD5 MAC
inline constexpr std::uint16_t kSha1Mac = 1u << 7;           // HMAC-SHA1 record MAC
inline constexpr std::uint16_t kCbc = 1u << 8;               // CBC mode (MAC-then-encrypt)
inline constexpr std::uint16_t kNoForwardSecrecy = 1u << 9;  // static RSA or static DH
inline constexpr std::uint16_t kCbcBeforeTls12 = 1u << 10;   // CBC in TLS 1.0/1.1 or SSLv3
inline constexpr std::uint16_t kSignalling = 1u << 11;       // an SCSV, not a real suite
inline constexpr std::uint16_t kUnknownSuite = 1u << 12;     // not in the table
// The flags that alone make a negotiated suite weak (SHA-1 MAC, plain CBC and static key
// exchange are reported but are still allowed in TLS 1.2).
inline constexpr std::uint16_t kWeakMask =
    kNull | kAnonymous | kExport | kRc4 | kDes | k3Des | kMd5 | kCbcBeforeTls12 | kSignalling;
}  // namespace weakness

// The suite's own weaknesses (from its name), independent of the protocol version.
std::uint16_t cipher_suite_weakness(std::uint16_t suite);
// The same, adding kCbcBeforeTls12 when a CBC suite is used with `version` below TLS 1.2.
std::uint16_t cipher_suite_weakness(std::uint16_t suite, std::uint16_t version);
inline bool is_weak_cipher_suite(std::uint16_t suite, std::uint16_t version) {
  return (cipher_suite_weakness(suite, version) & weakness::kWeakMask) != 0;
}
// True below TLS 1.2 (SSLv3, TLS 1.0, TLS 1.1), the threshold rules alert on.
inline bool is_obsolete_version(std::uint16_t version) {
  return version < kTls12;
}
// "null", "anonymous", "export", "rc4", "des", "3des", "md5", "sha1_mac", "cbc",
// "no_forward_secrecy", "cbc_before_tls12", "signalling", "unknown_suite" for one flag.
std::string_view weakness_name(std::uint16_t flag);

}  // namespace dicomsentry::tls
