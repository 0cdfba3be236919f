// A tiny implicit-VR-little-endian encoder for building DIMSE command sets in tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string_view>
#include <utility>
#include <vector>

#include "dicom/dimse_command.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom::test {

class CommandBuilder {
 public:
  CommandBuilder& raw(std::uint16_t group, std::uint16_t element, std::vector<std::uint8_t> v) {
    put16(body_, group);
    put16(body_, element);
    put32(body_, static_cast<std::uint32_t>(v.size()));
    body_.insert(body_.end(), v.begin(), v.end());
    return *this;
  }
  // An element header whose length is `length`, with no value behind it.
  CommandBuilder& header(std::uint16_t group, std::uint16_t element, std::uint32_t length) {
    put16(body_, group);
    put16(body_, element);
    put32(body_, length);
    return *this;
  }
  CommandBuilder& us(std::uint16_t element, std::uint16_t value) {
    return raw(0, element,
               {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8)});
  }
  // UI values are padded to even length with NUL, other text with a space (PS3.5 §6.2).
  CommandBuilder& text(std::uint16_t element, std::string_view s, char pad) {
    std::vector<std::uint8_t> v(s.begin(), s.end());
    if (v.size() % 2) v.push_back(static_cast<std::uint8_t>(pad));
    return raw(0, element, v);
  }
  CommandBuilder& ui(std::uint16_t element, std::string_view s) { return text(element, s, '\0'); }
  CommandBuilder& ae(std::uint16_t element, std::string_view s) { return text(element, s, ' '); }
  CommandBuilder& tags(std::uint16_t element, std::vector<std::uint32_t> tags) {
    std::vector<std::uint8_t> v;
    for (std::uint32_t t : tags) {
      put16(v, static_cast<std::uint16_t>(t >> 16));
      put16(v, static_cast<std::uint16_t>(t));
    }
    return raw(0, element, v);
  }

  // The command set: (0000,0000) with the exact length of what follows, then the elements.
  std::vector<std::byte> build() const { return build_with_group_length(body_.size()); }
  std::vector<std::byte> build_with_group_length(std::size_t group_length) const {
    std::vector<std::uint8_t> out;
    put16(out, 0);
    put16(out, 0);
    put32(out, 4);
    put32(out, static_cast<std::uint32_t>(group_length));
    out.insert(out.end(), body_.begin(), body_.end());
    return to_bytes(out);
  }
  // Only the elements, without a group length.
  std::vector<std::byte> build_bare() const { return to_bytes(body_); }

 private:
  static void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
    v.push_back(static_cast<std::uint8_t>(x));
    v.push_back(static_cast<std::uint8_t>(x >> 8));
  }
  static void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    put16(v, static_cast<std::uint16_t>(x));
    put16(v, static_cast<std::uint16_t>(x >> 16));
  }
  static std::vector<std::byte> to_bytes(const std::vector<std::uint8_t>& v) {
    std::vector<std::byte> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = std::byte{v[i]};
    return out;
  }
  std::vector<std::uint8_t> body_;
};

inline constexpr std::string_view kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
inline constexpr std::string_view kVerification = "1.2.840.10008.1.1";
inline constexpr std::string_view kStudyRootFind = "1.2.840.10008.5.1.4.1.2.2.1";
inline constexpr std::string_view kStudyRootMove = "1.2.840.10008.5.1.4.1.2.2.2";
inline constexpr std::string_view kInstance = "1.2.3.4.5.6.7";

// A valid C-STORE-RQ, to be varied by tests.
inline CommandBuilder c_store_rq() {
  CommandBuilder b;
  b.ui(0x0002, kCtImageStorage)
      .us(0x0100, 0x0001)
      .us(0x0110, 7)
      .us(0x0700, 0)
      .us(0x0800, 0)
      .ui(0x1000, kInstance);
  return b;
}

// Parses `bytes` and keeps them for the rest of the test program: a DimseCommand holds views
// into the bytes it was parsed from, so they must outlive every check on it.
inline DimseCommand parse(std::vector<std::byte> bytes) {
  static std::list<std::vector<std::byte>> kept;
  kept.push_back(std::move(bytes));
  return parse_command_set(kept.back());
}

}  // namespace dicomsentry::dicom::test
