// Appending fixed-width integers and text to a byte vector: the writers' side of bytes.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dicomsentry::synth {

using Bytes = std::vector<std::byte>;

inline void append_u8(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::byte>(v));
}
inline void append_be16(Bytes& out, std::uint32_t v) {
  append_u8(out, v >> 8);
  append_u8(out, v & 0xff);
}
inline void append_be32(Bytes& out, std::uint32_t v) {
  append_be16(out, v >> 16);
  append_be16(out, v & 0xffff);
}
inline void append_le16(Bytes& out, std::uint32_t v) {
  append_u8(out, v & 0xff);
  append_u8(out, (v >> 8) & 0xff);
}
inline void append_le32(Bytes& out, std::uint32_t v) {
  append_le16(out, v & 0xffff);
  append_le16(out, v >> 16);
}
inline void append_text(Bytes& out, std::string_view s) {
  for (char c : s) append_u8(out, static_cast<unsigned char>(c));
}
inline void append_bytes(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}
inline void store_be32(std::byte* at, std::uint32_t v) {
  at[0] = static_cast<std::byte>(v >> 24);
  at[1] = static_cast<std::byte>(v >> 16);
  at[2] = static_cast<std::byte>(v >> 8);
  at[3] = static_cast<std::byte>(v);
}
inline void store_be16(Bytes& out, std::size_t at, std::uint32_t v) {
  out[at] = static_cast<std::byte>(v >> 8);
  out[at + 1] = static_cast<std::byte>(v);
}

}  // namespace dicomsentry::synth
