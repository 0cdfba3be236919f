// JSON string escaping with UTF-8 validation, and double formatting, for JsonWriter.
#include "output/json_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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


char* write_escape(char* p, unsigned char c) {
  *p++ = '\\';
  switch (c) {
    case '"': *p++ = '"'; break;
    case '\\': *p++ = '\\'; break;
    case '\b': *p++ = 'b'; break;
    case '\f': *p++ = 'f'; break;
    case '\n': *p++ = 'n'; break;
    case '\r': *p++ = 'r'; break;
    case '\t': *p++ = 't'; break;
    default:
      *p++ = 'u';
      *p++ = '0';
      *p++ = '0';
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 0xf];
  }
  return p;
}

// True if any of the 8 bytes in `w` is a control byte, '"', '\\' or >= 0x80 (the classic
// "has zero byte" / "has byte less than n" bit tricks; exact for n <= 128).
bool needs_attention(std::uint64_t w) {
  constexpr std::uint64_t k01 = 0x0101010101010101ULL;
  constexpr std::uint64_t k80 = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return (v - k01) & ~v & k80; };
  const std::uint64_t below_space = (w - k01 * 0x20) & ~w & k80;
  return ((w & k80) | below_space | has_zero(w ^ (k01 * '"')) | has_zero(w ^ (k01 * '\\'))) != 0;
}

#if defined(__SSE2__)
// Bit i set if byte i of the 16 at `in` needs attention: one signed compare against 0x20 finds
// both control bytes and bytes >= 0x80 (negative as signed), two more find '"' and '\\'.
unsigned attention_mask16(const unsigned char* in) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  const __m128i special = _mm_or_si128(
      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return static_cast<unsigned>(_mm_movemask_epi8(special));
}
#endif

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

// Copies a tail of 1..7 bytes in one step if none of them needs attention (most keys and values
// end in such a tail). Overlapping fixed-size loads avoid a variable-length copy: 4..7 bytes are
// covered by two 4-byte loads, 1..3 bytes by the first, middle and last byte.
bool copy_short_plain(char*& p, const unsigned char*& in, std::size_t rest) {
  std::uint64_t w;
  if (rest >= 4) {
    std::uint32_t lo;
    std::uint32_t hi;
    std::memcpy(&lo, in, 4);
    std::memcpy(&hi, in + rest - 4, 4);
    w = (std::uint64_t{hi} << 32) | lo;
    if (needs_attention(w)) return false;
    std::memcpy(p, in, 4);
    std::memcpy(p + rest - 4, in + rest - 4, 4);
  } else {
    const unsigned char a = in[0];
    const unsigned char b = in[rest / 2];
    const unsigned char c = in[rest - 1];
    w = 0x6161616161000000ULL | (std::uint64_t{c} << 16) | (std::uint64_t{b} << 8) | a;
    if (needs_attention(w)) return false;
    p[0] = static_cast<char>(a);
    p[rest / 2] = static_cast<char>(b);
    p[rest - 1] = static_cast<char>(c);
  }
  p += rest;
  in += rest;
  return true;
}

// Escapes input from `in` up to at least `chunk_end` (a UTF-8 sequence may run up to 3 bytes
// past it, never past `end`) into `p`, which has room for JsonWriter::kMaxEscapeExpansion bytes
// per input byte.
char* escape_chunk(char* p, const unsigned char*& in, const unsigned char* chunk_end,
                   const unsigned char* end, std::uint64_t& replaced) {
  while (in < chunk_end) {
#if defined(__SSE2__)
    // 16 bytes at a time, stored before they are checked: the output has room for six times
    // the chunk, and only the plain prefix is kept.
    while (chunk_end - in >= 16) {
      const unsigned mask = attention_mask16(in);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_loadu_si128(reinterpret_cast<const __m128i*>(in)));
      if (mask != 0) {
        const auto plain = static_cast<unsigned>(__builtin_ctz(mask));
        p += plain;
        in += plain;
        break;
      }
      p += 16;
      in += 16;
    }
#endif
    while (chunk_end - in >= 8) {
      std::uint64_t w;
      std::memcpy(&w, in, 8);
      if (needs_attention(w)) break;
      std::memcpy(p, in, 8);
      p += 8;
      in += 8;
    }
    if (in >= chunk_end) break;
    if (chunk_end - in < 8 &&
        copy_short_plain(p, in, static_cast<std::size_t>(chunk_end - in))) {
      break;
    }
    const unsigned char c = *in;
    if (c < 0x80) {
      if (kNeedsEscape[c] == 0) {
        *p++ = static_cast<char>(c);
      } else {
        p = write_escape(p, c);
      }
      ++in;
      continue;
    }
    const std::size_t n = utf8_sequence_length(in, static_cast<std::size_t>(end - in));
    if (n == 0) {
      std::memcpy(p, kReplacement.data(), kReplacement.size());
      p += kReplacement.size();
      ++replaced;
      ++in;
    } else {
      std::memcpy(p, in, n);
      p += n;
      in += n;
    }
  }
  return p;
}

}  // namespace

void JsonWriter::write_string(std::string_view s, bool is_key) {
  const bool comma = needs_comma();
  // comma, opening quote, body, closing quote, colon
  char* p = reserve(4 + escape_room(s.size()));
  *p = ',';
  p += comma ? 1 : 0;
  *p++ = '"';
  finish_string(p, s, is_key);
}

void JsonWriter::finish_string(char* p, std::string_view s, bool is_key) {
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = in + s.size();
  while (true) {
    const auto* chunk_end = in + std::min(static_cast<std::size_t>(end - in), kEscapeChunk);
    p = escape_chunk(p, in, chunk_end, end, replaced_bytes_);
    if (in >= end) break;
    commit(p);
    p = reserve(2 + escape_room(static_cast<std::size_t>(end - in)));
  }
  *p++ = '"';
  if (is_key) *p++ = ':';
  commit(p);
}

std::size_t append_json_string(fmt::memory_buffer& out, std::string_view s) {
  JsonWriter w(out);
  w.value(s);
  return static_cast<std::size_t>(w.replaced_bytes());
}

void JsonWriter::value(double v) {
  if (!std::isfinite(v)) {
    write_token("null");
    return;
  }
  // "{}" is the shortest round-trip form (Dragonbox); its exponent form ("1e+300") is valid JSON.
  char buf[32];
  const auto r = fmt::format_to_n(buf, sizeof buf, "{}", v);
  write_token({buf, r.size});
}

}  // namespace dicomsentry
