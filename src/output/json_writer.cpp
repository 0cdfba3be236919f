// JSON string escaping with UTF-8 validation, and double formatting, for JsonWriter.
#include "output/json_writer.hpp"

#include <array>
#include <cmath>

namespace dicomsentry {
namespace {

// 0: copy as is; 1: needs an escape. Bytes >= 0x80 are handled by the UTF-8 validator.
constexpr std::array<std::uint8_t, 128> kNeedsEscape = [] {
  std::array<std::uint8_t, 128> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 1;
  table['"'] = 1;
  table['\\'] = 1;
  return table;
}();

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr char kHex[] = "0123456789abcdef";

void append(fmt::memory_buffer& out, const char* begin, const char* end) { out.append(begin, end); }

void append_escape(fmt::memory_buffer& out, unsigned char c) {
  char buf[6] = {'\\', 0, 0, 0, 0, 0};
  std::size_t n = 2;
  switch (c) {
    case '"': buf[1] = '"'; break;
    case '\\': buf[1] = '\\'; break;
    case '\b': buf[1] = 'b'; break;
    case '\f': buf[1] = 'f'; break;
    case '\n': buf[1] = 'n'; break;
    case '\r': buf[1] = 'r'; break;
    case '\t': buf[1] = 't'; break;
    default:
      buf[1] = 'u';
      buf[2] = '0';
      buf[3] = '0';
      buf[4] = kHex[c >> 4];
      buf[5] = kHex[c & 0xf];
      n = 6;
  }
  append(out, buf, buf + n);
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at p[0] (a byte >= 0x80), or 0 if the bytes
// there are not one (RFC 3629 section 4 grammar: excludes overlongs, surrogates, > U+10FFFF).
std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) {
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) {
    return (avail >= 2 && is_continuation(p[1])) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3) return 0;
    const unsigned char lo = (c == 0xE0) ? 0xA0 : 0x80;
    const unsigned char hi = (c == 0xED) ? 0x9F : 0xBF;
    return (p[1] >= lo && p[1] <= hi && is_continuation(p[2])) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4) return 0;
    const unsigned char lo = (c == 0xF0) ? 0x90 : 0x80;
    const unsigned char hi = (c == 0xF4) ? 0x8F : 0xBF;
    return (p[1] >= lo && p[1] <= hi && is_continuation(p[2]) && is_continuation(p[3])) ? 4 : 0;
  }
  return 0;  // 0x80..0xC1 (stray continuation or overlong lead) and 0xF5..0xFF
}

}  // namespace

std::size_t append_json_string(fmt::memory_buffer& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  std::size_t replaced = 0;
  out.push_back('"');
  while (p < end) {
    // Copy the longest run that needs no attention in one append.
    const auto* run = p;
    while (p < end && *p < 0x80 && kNeedsEscape[*p] == 0) ++p;
    if (p != run) append(out, reinterpret_cast<const char*>(run), reinterpret_cast<const char*>(p));
    if (p == end) break;
    if (*p < 0x80) {
      append_escape(out, *p);
      ++p;
      continue;
    }
    const std::size_t n = utf8_sequence_length(p, static_cast<std::size_t>(end - p));
    if (n == 0) {
      append(out, kReplacement.data(), kReplacement.data() + kReplacement.size());
      ++replaced;
      ++p;
    } else {
      append(out, reinterpret_cast<const char*>(p), reinterpret_cast<const char*>(p + n));
      p += n;
    }
  }
  out.push_back('"');
  return replaced;
}

void JsonWriter::append_string(std::string_view s) { replaced_bytes_ += append_json_string(out_, s); }

void JsonWriter::value(double v) {
  comma();
  if (!std::isfinite(v)) {
    append_literal("null");
    return;
  }
  // "{}" is the shortest round-trip form (Dragonbox); it never prints inf/nan here and its
  // exponent form ("1e+300") is valid JSON.
  fmt::format_to(fmt::appender(out_), "{}", v);
}

}  // namespace dicomsentry
