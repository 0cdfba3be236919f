// Byte views and explicit fixed-width loaders: every parser reads untrusted bytes through these.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace dicomsentry {

using ByteView = std::span<const std::byte>;

inline ByteView as_byte_view(const void* data, std::size_t size) {
  return {static_cast<const std::byte*>(data), size};
}
inline ByteView as_byte_view(std::string_view s) { return as_byte_view(s.data(), s.size()); }

inline std::uint8_t load_u8(const std::byte* p) { return std::to_integer<std::uint8_t>(*p); }

inline std::uint16_t load_be16(const std::byte* p) {
  return static_cast<std::uint16_t>((load_u8(p) << 8) | load_u8(p + 1));
}
inline std::uint32_t load_be32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline std::uint16_t load_le16(const std::byte* p) {
  return static_cast<std::uint16_t>(load_u8(p) | (load_u8(p + 1) << 8));
}
inline std::uint32_t load_le32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // x86_64 and every target we build for are little-endian
}
inline std::uint64_t load_le64(const std::byte* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t load_be64(const std::byte* p) { return __builtin_bswap64(load_le64(p)); }

static_assert(std::endian::native == std::endian::little, "loaders assume a little-endian host");

// A bounds-checked reader over one container's bytes. Every read checks first; a failed read
// leaves the cursor where it was and returns false, so callers report "truncated" explicitly.
class ByteCursor {
 public:
  explicit ByteCursor(ByteView bytes) : bytes_(bytes) {}

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool empty() const { return pos_ == bytes_.size(); }
  const std::byte* here() const { return bytes_.data() + pos_; }

  bool skip(std::size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  bool read_u8(std::uint8_t& out) {
    if (remaining() < 1) return false;
    out = load_u8(here());
    pos_ += 1;
    return true;
  }
  bool read_be16(std::uint16_t& out) { return read_with<2>(out, load_be16); }
  bool read_be32(std::uint32_t& out) { return read_with<4>(out, load_be32); }
  bool read_le16(std::uint16_t& out) { return read_with<2>(out, load_le16); }
  bool read_le32(std::uint32_t& out) { return read_with<4>(out, load_le32); }
  // A view of the next n bytes, advancing past them.
  bool read_view(std::size_t n, ByteView& out) {
    if (n > remaining()) return false;
    out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  ByteView rest() const { return bytes_.subspan(pos_); }

 private:
  template <std::size_t N, typename T, typename Loader>
  bool read_with(T& out, Loader loader) {
    if (remaining() < N) return false;
    out = loader(here());
    pos_ += N;
    return true;
  }

  ByteView bytes_;
  std::size_t pos_ = 0;
};

}  // namespace dicomsentry
