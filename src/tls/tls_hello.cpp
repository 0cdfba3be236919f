// Walks ClientHello/ServerHello fields and extensions through a bounds-checked cursor.
#include "tls/tls_hello.hpp"

#include <algorithm>
#include <cstring>

#include "tls/cipher_suites.hpp"
#include "tls/tls_record.hpp"

namespace dicomsentry::tls {
namespace {

constexpr std::size_t kRandomSize = 32;
constexpr std::size_t kMaxSessionId = 32;          // RFC 5246 §7.4.1.2
constexpr std::size_t kMaxTrackedExtensions = 64;  // duplicates are looked for among these

// SHA-256 of "HelloRetryRequest", RFC 8446 §4.1.3.
constexpr std::uint8_t kHelloRetryRandom[kRandomSize] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
constexpr std::uint8_t kDowngradePrefix[7] = {'D', 'O', 'W', 'N', 'G', 'R', 'D'};

constexpr std::string_view kErrorNames[] = {
    "tls.none",
    "tls.hello_wrong_type",
    "tls.hello_truncated",
    "tls.session_id_too_long",
    "tls.bad_cipher_suites",
    "tls.bad_compression_methods",
    "tls.bad_extensions_length",
    "tls.hello_trailing_bytes",
    "tls.duplicate_extension",
    "tls.bad_server_name",
    "tls.bad_alpn",
    "tls.bad_supported_versions",
    "tls.bad_signature_algorithms",
    "tls.bad_supported_groups",
};
static_assert(std::size(kErrorNames) == static_cast<std::size_t>(HelloError::kCount));

std::string_view as_text(ByteView v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

bool read_vector8(ByteCursor& c, ByteView& out) {
  std::uint8_t n = 0;
  return c.read_u8(n) && c.read_view(n, out);
}
bool read_vector16(ByteCursor& c, ByteView& out) {
  std::uint16_t n = 0;
  return c.read_be16(n) && c.read_view(n, out);
}

// The body of one handshake message of `type`, or an error.
HelloError body_of(ByteView message, HandshakeType type, ByteView& body) {
  if (message.size() < kHandshakeHeaderSize) return HelloError::kTruncated;
  if (load_u8(message.data()) != static_cast<std::uint8_t>(type)) return HelloError::kWrongType;
  const std::uint32_t length = load_be32(message.data()) & 0x00FFFFFF;
  if (length > message.size() - kHandshakeHeaderSize) return HelloError::kTruncated;
  body = message.subspan(kHandshakeHeaderSize, length);
  return HelloError::kNone;
}

// Calls on_extension(type, data) for each extension of the block that follows `c`, checking
// the block's length and duplicates. An absent block (pre-TLS 1.2 style) is no error.
template <typename OnExtension>
HelloError walk_extensions(ByteCursor& c, std::uint16_t& count, OnExtension on_extension) {
  if (c.empty()) return HelloError::kNone;
  ByteView block;
  if (!read_vector16(c, block)) return HelloError::kBadExtensionsLength;
  if (!c.empty()) return HelloError::kTrailingBytes;
  std::uint16_t seen[kMaxTrackedExtensions];
  ByteCursor e(block);
  while (!e.empty()) {
    std::uint16_t type = 0;
    ByteView data;
    if (!e.read_be16(type) || !read_vector16(e, data)) return HelloError::kBadExtensionsLength;
    const std::size_t tracked = std::min<std::size_t>(count, kMaxTrackedExtensions);
    if (std::find(seen, seen + tracked, type) != seen + tracked) {
      return HelloError::kDuplicateExtension;
    }
    if (count < kMaxTrackedExtensions) seen[count] = type;
    ++count;
    const HelloError error = on_extension(type, data);
    if (error != HelloError::kNone) return error;
  }
  return HelloError::kNone;
}

// A 16-bit-length list of 16-bit values with at least one entry.
bool read_u16_list(ByteView data, U16List& out) {
  ByteCursor c(data);
  ByteView list;
  if (!read_vector16(c, list) || !c.empty() || list.empty() || list.size() % 2) return false;
  out = {list};
  return true;
}

HelloError client_server_name(ByteView data, ClientHello& out) {
  ByteCursor c(data);
  ByteView list;
  if (!read_vector16(c, list) || !c.empty() || list.empty()) return HelloError::kBadServerName;
  ByteCursor l(list);
  while (!l.empty()) {
    std::uint8_t name_type = 0;
    ByteView name;
    if (!l.read_u8(name_type) || !read_vector16(l, name) || name.empty()) {
      return HelloError::kBadServerName;
    }
    if (name_type == 0 && !out.has_server_name) {  // host_name; RFC 6066 allows one
      out.has_server_name = true;
      out.server_name = as_text(name);
    }
  }
  return HelloError::kNone;
}

// ALPN protocol_name_list (RFC 7301 §3.1): non-empty names with an 8-bit length each.
template <typename OnName>
bool walk_alpn(ByteView data, OnName on_name) {
  ByteCursor c(data);
  ByteView list;
  if (!read_vector16(c, list) || !c.empty() || list.empty()) return false;
  ByteCursor l(list);
  while (!l.empty()) {
    ByteView name;
    if (!read_vector8(l, name) || name.empty()) return false;
    on_name(as_text(name));
  }
  return true;
}

HelloError client_extension(std::uint16_t type, ByteView data, ClientHello& out) {
  switch (type) {
    case extension::kServerName:
      return client_server_name(data, out);
    case extension::kAlpn:
      out.has_alpn = true;
      if (!walk_alpn(data, [&](std::string_view name) {
            if (out.alpn_kept < kMaxAlpnKept) out.alpn[out.alpn_kept++] = name;
            ++out.alpn_count;
          })) {
        return HelloError::kBadAlpn;
      }
      return HelloError::kNone;
    case extension::kSupportedVersions: {
      ByteCursor c(data);
      ByteView list;
      if (!read_vector8(c, list) || !c.empty() || list.empty() || list.size() % 2) {
        return HelloError::kBadSupportedVersions;
      }
      out.has_supported_versions = true;
      out.supported_versions = {list};
      return HelloError::kNone;
    }
    case extension::kSignatureAlgorithms: {
      U16List list;
      if (!read_u16_list(data, list)) return HelloError::kBadSignatureAlgorithms;
      out.has_signature_algorithms = true;
      out.signature_algorithm_count = static_cast<std::uint16_t>(list.size());
      return HelloError::kNone;
    }
    case extension::kSupportedGroups:
      if (!read_u16_list(data, out.supported_groups)) return HelloError::kBadSupportedGroups;
      out.has_supported_groups = true;
      return HelloError::kNone;
    default:
      return HelloError::kNone;
  }
}

HelloError server_extension(std::uint16_t type, ByteView data, ServerHello& out) {
  switch (type) {
    case extension::kSupportedVersions:  // the server selects exactly one
      if (data.size() != 2) return HelloError::kBadSupportedVersions;
      out.has_supported_version = true;
      out.selected_version = load_be16(data.data());
      return HelloError::kNone;
    case extension::kAlpn: {
      int names = 0;
      if (!walk_alpn(data,
                     [&](std::string_view name) {
                       out.alpn = name;
                       ++names;
                     }) ||
          names != 1) {
        return HelloError::kBadAlpn;
      }
      out.has_alpn = true;
      return HelloError::kNone;
    }
    default:
      return HelloError::kNone;
  }
}

}  // namespace

std::string_view hello_error_name(HelloError error) {
  const auto i = static_cast<std::size_t>(error);
  return i < std::size(kErrorNames) ? kErrorNames[i] : "tls.unknown";
}

bool U16List::contains(std::uint16_t v) const {
  for (std::size_t i = 0; i < size(); ++i) {
    if (at(i) == v) return true;
  }
  return false;
}

std::uint16_t ClientHello::highest_version() const {
  std::uint16_t best = 0;
  for (std::size_t i = 0; i < supported_versions.size(); ++i) {
    const std::uint16_t v = supported_versions.at(i);
    if (!is_grease(v) && v > best) best = v;
  }
  return best != 0 ? best : legacy_version;
}

HelloError parse_client_hello(ByteView message, ClientHello& out) {
  out = {};
  ByteView body;
  if (const HelloError e = body_of(message, HandshakeType::kClientHello, body);
      e != HelloError::kNone) {
    return e;
  }
  ByteCursor c(body);
  if (!c.read_be16(out.legacy_version) || !c.read_view(kRandomSize, out.random) ||
      !read_vector8(c, out.session_id)) {
    return HelloError::kTruncated;
  }
  if (out.session_id.size() > kMaxSessionId) return HelloError::kSessionIdTooLong;
  ByteView suites;
  if (!read_vector16(c, suites)) return HelloError::kTruncated;
  if (suites.empty() || suites.size() % 2) return HelloError::kBadCipherSuites;
  out.cipher_suites = {suites};
  if (!read_vector8(c, out.compression_methods)) return HelloError::kTruncated;
  if (out.compression_methods.empty()) return HelloError::kBadCompressionMethods;
  return walk_extensions(c, out.extension_count, [&](std::uint16_t type, ByteView data) {
    return client_extension(type, data, out);
  });
}

HelloError parse_server_hello(ByteView message, ServerHello& out) {
  out = {};
  ByteView body;
  if (const HelloError e = body_of(message, HandshakeType::kServerHello, body);
      e != HelloError::kNone) {
    return e;
  }
  ByteCursor c(body);
  if (!c.read_be16(out.legacy_version) || !c.read_view(kRandomSize, out.random) ||
      !read_vector8(c, out.session_id)) {
    return HelloError::kTruncated;
  }
  if (out.session_id.size() > kMaxSessionId) return HelloError::kSessionIdTooLong;
  if (!c.read_be16(out.cipher_suite) || !c.read_u8(out.compression_method)) {
    return HelloError::kTruncated;
  }
  out.hello_retry_request = std::memcmp(out.random.data(), kHelloRetryRandom, kRandomSize) == 0;
  out.downgrade_sentinel =
      std::memcmp(out.random.data() + 24, kDowngradePrefix, sizeof kDowngradePrefix) == 0 &&
      load_u8(out.random.data() + 31) <= 1;
  return walk_extensions(c, out.extension_count, [&](std::uint16_t type, ByteView data) {
    return server_extension(type, data, out);
  });
}

}  // namespace dicomsentry::tls
