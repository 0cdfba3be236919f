// Allocation-free (in steady state) JSON builder that appends one document to a fmt::memory_buffer.
#pragma once

#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace dicomsentry {

// Appends JSON text to a caller-owned buffer. The buffer is reused event after event, so once it
// has grown to the size of the largest event no further allocation happens.
//
// Commas are inserted automatically: before a key or a value the writer looks at the last byte it
// wrote; after '{', '[' or ':' (or at the start of the document) no comma is needed, after
// anything else one is. This needs no per-depth state, so nesting depth is unlimited.
//
// Strings are always emitted as valid JSON:
//   * '"' and '\\' are backslash-escaped; \b \f \n \r \t use their short forms; every other byte
//     below 0x20 becomes \u00XX (lower-case hex).
//   * Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) is
//     copied through unchanged.
//   * Every byte that is not part of a well-formed UTF-8 sequence is replaced by U+FFFD
//     (the replacement character, bytes EF BF BD), one per offending byte, and counted in
//     replaced_bytes(). We replace rather than invent an escape such as "\\x80" because that
//     would be indistinguishable from the literal four characters \x80 in the data.
//
// The caller is responsible for structure (matching begin/end, a key before each value inside an
// object); the writer does not validate it, it only tracks depth for complete().
// An object key known at compile time: checked then to need no escaping, so writing it is a
// copy. Every literal key converts to one; a key computed at run time goes through
// JsonWriter::dynamic_key(), which escapes it like any string.
class JsonKey {
 public:
  template <std::size_t N>
  consteval JsonKey(const char (&name)[N]) : name_(name, N - 1) {  // NOLINT: implicit on purpose
    for (const char c : name_) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\') {
        throw "a JsonKey must be printable ASCII without quote or backslash";
      }
    }
  }
  constexpr std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

class JsonWriter {
 public:
  // Writes start at the buffer's current end; earlier content (e.g. previous lines) is left alone.
  explicit JsonWriter(fmt::memory_buffer& out) : out_(out), start_(out.size()) {}

  // Starts a new document at the buffer's current end (use after the caller cleared or consumed it).
  void restart() {
    start_ = out_.size();
    depth_ = 0;
  }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // An object key: a literal is copied as is; a run-time name is escaped like any string.
  // Inlined: with the name's length known at each call site, the copy is a few moves.
  [[gnu::always_inline]] void key(JsonKey name) {
    const std::string_view text = name.view();
    const bool comma = needs_comma();
    char* p = reserve(text.size() + 4);  // comma, quotes, colon
    *p = ',';
    p += comma ? 1 : 0;
    *p++ = '"';
    std::memcpy(p, text.data(), text.size());
    p += text.size();
    *p++ = '"';
    *p++ = ':';
    commit(p);
  }
  void dynamic_key(std::string_view name) { write_string(name, true); }

  // A key and a string value the caller knows needs no escaping: printable ASCII without '"'
  // or '\\' (addresses, timestamps, Community IDs, names from the program's own tables). Both
  // are copied with one reservation, where value() scans the string for escapes; debug builds
  // check the promise.
  [[gnu::always_inline]] void key_plain_value(JsonKey name, std::string_view value) {
    assert(is_plain(value));
    const std::string_view text = name.view();
    const bool comma = needs_comma();
    char* p = reserve(text.size() + value.size() + 6);  // comma, four quotes, colon
    *p = ',';
    p += comma ? 1 : 0;
    *p++ = '"';
    std::memcpy(p, text.data(), text.size());
    p += text.size();
    *p++ = '"';
    *p++ = ':';
    *p++ = '"';
    std::memcpy(p, value.data(), value.size());
    p += value.size();
    *p++ = '"';
    commit(p);
  }
  static bool is_plain(std::string_view s) {
    for (const char c : s) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  }

  void value(std::string_view s) { write_string(s, false); }
  // Without this a string literal would pick the bool overload.
  void value(const char* s) { value(std::string_view(s)); }
  // A char would silently become a bool; write a one-character string_view instead.
  void value(char) = delete;
  void value(bool b) { write_token(b ? std::string_view("true") : std::string_view("false")); }
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  void value(T v) {
    const fmt::format_int text(v);
    write_token({text.data(), text.size()});
  }
  // Finite numbers in the shortest form that reads back to the same double; NaN and infinities
  // have no JSON spelling and become null.
  void value(double v);
  void null() { write_token("null"); }

  // Appends `json` verbatim as one value (it must be a complete, valid JSON value).
  void raw(std::string_view json) { write_token(json); }
  // Appends object members verbatim: `"a":1,"b":"x"`, as an earlier view() of this class's
  // own output gave them (inside an object, after its other members).
  void raw_members(std::string_view members) { write_token(members); }

  template <typename T>
  [[gnu::always_inline]] void key_value(JsonKey name, const T& v) {
    key(name);
    value(v);
  }
  // Strings, the most common member: key and escaped value in one reservation, the key
  // copied inline (its length is known at each call site).
  [[gnu::always_inline]] void key_value(JsonKey name, std::string_view v) { key_string(name, v); }
  [[gnu::always_inline]] void key_value(JsonKey name, const std::string& v) { key_string(name, v); }
  [[gnu::always_inline]] void key_value(JsonKey name, const char* v) {
    key_string(name, std::string_view(v));
  }
  template <typename T>
  void dynamic_key_value(std::string_view name, const T& v) {
    dynamic_key(name);
    value(v);
  }
  void key_null(JsonKey name) {
    key(name);
    null();
  }
  void key_raw(JsonKey name, std::string_view json) {
    key(name);
    raw(json);
  }

  // The document written so far (from where this writer started).
  std::string_view view() const {
    if (out_.size() <= start_) return {};
    return {out_.data() + start_, out_.size() - start_};
  }
  // True when something was written and every begin_* has its end_*.
  bool complete() const { return depth_ == 0 && out_.size() > start_; }
  int depth() const { return depth_; }
  // Bytes of invalid UTF-8 replaced by U+FFFD since construction.
  std::uint64_t replaced_bytes() const { return replaced_bytes_; }

 private:
  bool needs_comma() const {
    // `<=`: a caller that cleared the buffer without restart() must not make us read before it.
    if (out_.size() <= start_) return false;
    const char last = out_.data()[out_.size() - 1];
    return last != '{' && last != '[' && last != ':';
  }
  // Makes room for `n` more bytes and returns where they go; commit() sets the final size.
  // Writing through a pointer instead of push_back per byte is what keeps events fast.
  char* reserve(std::size_t n) {
    const std::size_t old = out_.size();
    out_.resize(old + n);
    return out_.data() + old;
  }
  void commit(const char* end) { out_.resize(static_cast<std::size_t>(end - out_.data())); }
  void write_token(std::string_view token) {
    const bool comma = needs_comma();
    char* p = reserve(token.size() + 1);
    *p = ',';
    p += comma ? 1 : 0;
    std::memcpy(p, token.data(), token.size());
    commit(p + token.size());
  }
  void open(char c) {
    const bool comma = needs_comma();
    char* p = reserve(2);
    *p = ',';
    p += comma ? 1 : 0;
    *p++ = c;
    commit(p);
    ++depth_;
  }
  void close(char c) {
    out_.push_back(c);
    --depth_;
  }
  void write_string(std::string_view s, bool is_key);
  // Worst-case output per input byte (a control byte becomes \u00XX), and the piece of a
  // string escaped per reservation, so that a huge value does not reserve six times its size.
  static constexpr std::size_t kMaxEscapeExpansion = 6;
  static constexpr std::size_t kEscapeChunk = 4096;
  static std::size_t escape_room(std::size_t n) { return kMaxEscapeExpansion * (n < kEscapeChunk ? n : kEscapeChunk); }
  // Escapes `s` at `p` (after the opening quote; room for escape_room(s.size()) + 2 bytes),
  // closes the quote, adds ':' for a key and commits.
  void finish_string(char* p, std::string_view s, bool is_key);
  [[gnu::always_inline]] void key_string(JsonKey name, std::string_view v) {
    const std::string_view text = name.view();
    const bool comma = needs_comma();
    char* p = reserve(text.size() + 7 + escape_room(v.size()));  // comma, 4 quotes, colon
    *p = ',';
    p += comma ? 1 : 0;
    *p++ = '"';
    std::memcpy(p, text.data(), text.size());
    p += text.size();
    *p++ = '"';
    *p++ = ':';
    *p++ = '"';
    finish_string(p, v, false);
  }

  fmt::memory_buffer& out_;
  std::size_t start_;
  int depth_ = 0;
  std::uint64_t replaced_bytes_ = 0;
};

// Appends `s` as a quoted JSON string with the escaping described above; returns the number of
// bytes replaced by U+FFFD.
std::size_t append_json_string(fmt::memory_buffer& out, std::string_view s);

}  // namespace dicomsentry
