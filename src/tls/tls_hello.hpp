// ClientHello and ServerHello parsing (RFC 5246 §7.4.1, RFC 8446 §4.1) over one handshake message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::tls {

// Extension types read here (IANA TLS ExtensionType values).
namespace extension {
inline constexpr std::uint16_t kServerName = 0;
inline constexpr std::uint16_t kSupportedGroups = 10;
inline constexpr std::uint16_t kSignatureAlgorithms = 13;
inline constexpr std::uint16_t kAlpn = 16;
inline constexpr std::uint16_t kSupportedVersions = 43;
}  // namespace extension

// Why a hello was rejected. Names in tls_hello.cpp, in this order.
enum class HelloError : std::uint8_t {
  kNone,
  kWrongType,              // not a ClientHello / ServerHello handshake message
  kTruncated,              // the message, or a field inside it, ends early
  kSessionIdTooLong,       // over 32 bytes
  kBadCipherSuites,        // odd or zero length
  kBadCompressionMethods,  // zero length
  kBadExtensionsLength,    // the extensions block does not match what is left
  kTrailingBytes,          // bytes after the extensions inside the message
  kDuplicateExtension,     // RFC 8446 §4.2: at most one of each type
  kBadServerName,
  kBadAlpn,
  kBadSupportedVersions,
  kBadSignatureAlgorithms,
  kBadSupportedGroups,
  kCount
};
std::string_view hello_error_name(HelloError error);

// A list of 16-bit values kept as a view (cipher suites, versions, groups).
struct U16List {
  ByteView bytes;
  std::size_t size() const { return bytes.size() / 2; }
  std::uint16_t at(std::size_t i) const { return load_be16(bytes.data() + 2 * i); }
  bool contains(std::uint16_t v) const;
};

inline constexpr std::size_t kMaxAlpnKept = 8;

// Views into the parsed message; valid while those bytes are.
struct ClientHello {
  std::uint16_t legacy_version = 0;
  ByteView random;
  ByteView session_id;
  U16List cipher_suites;
  ByteView compression_methods;
  std::uint16_t extension_count = 0;
  bool has_server_name = false;
  std::string_view server_name;  // the first host_name entry
  bool has_alpn = false;
  std::array<std::string_view, kMaxAlpnKept> alpn{};
  std::uint8_t alpn_kept = 0;    // entries in `alpn`
  std::uint16_t alpn_count = 0;  // protocols offered
  bool has_supported_versions = false;
  U16List supported_versions;
  bool has_signature_algorithms = false;
  std::uint16_t signature_algorithm_count = 0;
  bool has_supported_groups = false;
  U16List supported_groups;

  // The highest version offered: from supported_versions (GREASE ignored) if present, else
  // legacy_version.
  std::uint16_t highest_version() const;
};

struct ServerHello {
  std::uint16_t legacy_version = 0;
  ByteView random;
  ByteView session_id;
  std::uint16_t cipher_suite = 0;
  std::uint8_t compression_method = 0;
  std::uint16_t extension_count = 0;
  bool has_supported_version = false;
  std::uint16_t selected_version = 0;
  bool has_alpn = false;
  std::string_view alpn;
  // RFC 8446 §4.1.3: a ServerHello whose random is SHA-256("HelloRetryRequest").
  bool hello_retry_request = false;
  // RFC 8446 §4.1.3: random ends in "DOWNGRD" + 0x00/0x01: a TLS 1.3 server negotiating lower.
  bool downgrade_sentinel = false;

  // What was really negotiated: supported_versions' selection (TLS 1.3) or legacy_version.
  std::uint16_t negotiated_version() const {
    return has_supported_version ? selected_version : legacy_version;
  }
};

// `message` is one whole handshake message, header included (see extract_handshake_message);
// bytes after the message's own length are ignored. On an error `out` holds what was read.
HelloError parse_client_hello(ByteView message, ClientHello& out);
HelloError parse_server_hello(ByteView message, ServerHello& out);

}  // namespace dicomsentry::tls
