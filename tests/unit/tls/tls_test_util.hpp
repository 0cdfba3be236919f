// Builders for TLS records and hello messages with exact, hand-checkable bytes (tests only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::tls::test {

using Bytes = std::vector<std::uint8_t>;

inline void put8(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put16(Bytes& b, std::uint32_t v) {
  put8(b, v >> 8);
  put8(b, v);
}
inline void put24(Bytes& b, std::uint32_t v) {
  put8(b, v >> 16);
  put16(b, v);
}
inline void append(Bytes& b, const Bytes& tail) {
  b.insert(b.end(), tail.begin(), tail.end());
}
inline Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
// A vector with an 8- or 16-bit length prefix.
inline Bytes vec8(const Bytes& v) {
  Bytes out;
  put8(out, static_cast<std::uint32_t>(v.size()));
  append(out, v);
  return out;
}
inline Bytes vec16(const Bytes& v) {
  Bytes out;
  put16(out, static_cast<std::uint32_t>(v.size()));
  append(out, v);
  return out;
}
inline Bytes u16s(std::initializer_list<std::uint16_t> values) {
  Bytes out;
  for (std::uint16_t v : values) put16(out, v);
  return out;
}
inline Bytes ext(std::uint16_t type, const Bytes& data) {
  Bytes out;
  put16(out, type);
  append(out, vec16(data));
  return out;
}
inline Bytes sni(std::string_view host) {
  Bytes entry;
  put8(entry, 0);
  append(entry, vec16(text(host)));
  return ext(0, vec16(entry));
}
inline Bytes alpn(std::initializer_list<std::string_view> names) {
  Bytes list;
  for (std::string_view n : names) append(list, vec8(text(n)));
  return ext(16, vec16(list));
}
// A handshake message: type, 24-bit length, body.
inline Bytes handshake(std::uint8_t type, const Bytes& body) {
  Bytes out;
  put8(out, type);
  put24(out, static_cast<std::uint32_t>(body.size()));
  append(out, body);
  return out;
}
inline Bytes record(std::uint8_t type, const Bytes& fragment, std::uint16_t version = 0x0303) {
  Bytes out;
  put8(out, type);
  put16(out, version);
  put16(out, static_cast<std::uint32_t>(fragment.size()));
  append(out, fragment);
  return out;
}

// ClientHello body parts, each replaceable by a test.
struct ClientHelloParts {
  std::uint16_t version = 0x0303;
  Bytes random = Bytes(32, 0x11);
  Bytes session_id = vec8(Bytes(32, 0x22));
  Bytes suites = vec16(u16s({0x1301, 0xC02F, 0x00FF}));
  Bytes compression = vec8({0});
  Bytes extensions;  // the block's content, without its length
  bool omit_extensions = false;

  Bytes body() const {
    Bytes b;
    put16(b, version);
    append(b, random);
    append(b, session_id);
    append(b, suites);
    append(b, compression);
    if (!omit_extensions) append(b, vec16(extensions));
    return b;
  }
  Bytes message() const { return handshake(1, body()); }
};

struct ServerHelloParts {
  std::uint16_t version = 0x0303;
  Bytes random = Bytes(32, 0x33);
  Bytes session_id = vec8(Bytes(32, 0x22));
  std::uint16_t suite = 0x1301;
  std::uint8_t compression = 0;
  Bytes extensions;
  bool omit_extensions = false;

  Bytes body() const {
    Bytes b;
    put16(b, version);
    append(b, random);
    append(b, session_id);
    put16(b, suite);
    put8(b, compression);
    if (!omit_extensions) append(b, vec16(extensions));
    return b;
  }
  Bytes message() const { return handshake(2, body()); }
};

inline ByteView view(const Bytes& b) {
  return as_byte_view(b.data(), b.size());
}

}  // namespace dicomsentry::tls::test
