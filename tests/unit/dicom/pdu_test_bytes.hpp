// Byte builders for the PDU tests: hex literals, text, items and PDUs assembled inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom::testing {

using Bytes = std::vector<std::byte>;

// "01 00 0a" -> {0x01, 0x00, 0x0a}; whitespace is ignored.
inline Bytes hex(std::string_view s) {
  Bytes out;
  int high = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

inline Bytes text(std::string_view s) {
  Bytes out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes be16(std::size_t v) {
  return {static_cast<std::byte>(v >> 8), static_cast<std::byte>(v)};
}
inline Bytes be32(std::size_t v) {
  return {static_cast<std::byte>(v >> 24), static_cast<std::byte>(v >> 16),
          static_cast<std::byte>(v >> 8), static_cast<std::byte>(v)};
}

// Item: type, reserved, 2-byte length, value (PS3.8 §9.3.2).
inline Bytes item(std::uint8_t type, const Bytes& value, std::uint8_t reserved = 0) {
  return cat({{static_cast<std::byte>(type), static_cast<std::byte>(reserved)},
              be16(value.size()),
              value});
}
inline Bytes uid_item(std::uint8_t type, std::string_view uid) {
  return item(type, text(uid));
}

// PDU: type, reserved, 4-byte length, body (§9.3.1).
inline Bytes pdu(std::uint8_t type, const Bytes& body, std::uint8_t reserved = 0) {
  return cat(
      {{static_cast<std::byte>(type), static_cast<std::byte>(reserved)}, be32(body.size()), body});
}

// A 16-byte AE title field, space padded.
inline Bytes ae(std::string_view title) {
  Bytes out = text(title);
  out.resize(16, std::byte{' '});
  return out;
}

// The 68 fixed bytes of an A-ASSOCIATE-RQ/AC body (§9.3.2): version 1, called, calling.
inline Bytes assoc_fixed(std::string_view called, std::string_view calling,
                         std::uint16_t version = 1) {
  return cat({be16(version), hex("00 00"), ae(called), ae(calling), Bytes(32)});
}

inline Bytes pctx_rq(std::uint8_t id, std::string_view abstract,
                     std::initializer_list<std::string_view> transfer_syntaxes) {
  Bytes value = cat({{static_cast<std::byte>(id)}, hex("00 00 00"), uid_item(0x30, abstract)});
  for (std::string_view ts : transfer_syntaxes) value = cat({value, uid_item(0x40, ts)});
  return item(0x20, value);
}

inline ByteView view(const Bytes& b) {
  return {b.data(), b.size()};
}

inline constexpr std::string_view kAppContext = "1.2.840.10008.3.1.1.1";
inline constexpr std::string_view kVerification = "1.2.840.10008.1.1";
inline constexpr std::string_view kImplicitLe = "1.2.840.10008.1.2";
inline constexpr std::string_view kExplicitLe = "1.2.840.10008.1.2.1";
inline constexpr std::string_view kCtImage = "1.2.840.10008.5.1.4.1.1.2";
inline constexpr std::string_view kDcmtkImplementation = "1.2.276.0.7230010.3.0.3.6.7";

// The user information item DCMTK 3.6.7 sends: max length 16384, class UID, version name.
inline Bytes dcmtk_user_info() {
  return item(0x50, cat({hex("51 00 00 04  00 00 40 00"), uid_item(0x52, kDcmtkImplementation),
                         item(0x55, text("OFFIS_DCMTK_367"))}));
}

// An A-ASSOCIATE-RQ built from parts: called, calling, then the given items.
inline Bytes associate_rq(std::initializer_list<Bytes> items, std::string_view called = "STORESCP",
                          std::string_view calling = "ECHOSCU") {
  Bytes body = assoc_fixed(called, calling);
  for (const Bytes& i : items) body = cat({body, i});
  return pdu(0x01, body);
}

// A valid RQ around one extra user information sub-item (after max length and class UID).
inline Bytes rq_with_user_sub_item(const Bytes& sub_item) {
  return associate_rq({uid_item(0x10, kAppContext), pctx_rq(1, kVerification, {kImplicitLe}),
                       item(0x50, cat({hex("51 00 00 04  00 00 40 00"),
                                       uid_item(0x52, kDcmtkImplementation), sub_item}))});
}

// The A-ASSOCIATE-RQ of `echoscu -aet ECHOSCU -aec STORESCP` (DCMTK 3.6.7), byte for byte:
// items start at 74 (application context), 99 (presentation context), 149 (user information).
inline Bytes echoscu_rq() {
  return cat({
      hex("01 00 00 00 00 cd"),  // A-ASSOCIATE-RQ, 205 bytes follow
      hex("00 01 00 00"),        // protocol version 1, reserved
      text("STORESCP        "),  // called AE title
      text("ECHOSCU         "),  // calling AE title
      Bytes(32),                 // reserved
      hex("10 00 00 15"),
      text("1.2.840.10008.3.1.1.1"),
      hex("20 00 00 2e  01 00 ff 00"),  // context 1; DCMTK sends 0xff in a reserved byte
      hex("30 00 00 11"),
      text("1.2.840.10008.1.1"),
      hex("40 00 00 11"),
      text("1.2.840.10008.1.2"),
      hex("50 00 00 3a"),               // user information
      hex("51 00 00 04  00 00 40 00"),  // max length 16384
      hex("52 00 00 1b"),
      text("1.2.276.0.7230010.3.0.3.6.7"),
      hex("55 00 00 0f"),
      text("OFFIS_DCMTK_367"),
  });
}

}  // namespace dicomsentry::dicom::testing
