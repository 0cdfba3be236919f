// TLS record header checks and the joining of handshake fragments from consecutive records.
#include "tls/tls_record.hpp"

#include <cstring>

namespace dicomsentry::tls {
namespace {

constexpr std::uint8_t kFirstContentType = 20;
constexpr std::uint8_t kLastContentType = 24;
constexpr std::uint16_t kLowestVersion = 0x0300;   // SSLv3
constexpr std::uint16_t kHighestVersion = 0x0304;  // TLS 1.3 (record layer says 0x0303)

}  // namespace

RecordCheck check_record_header(ByteView bytes, RecordHeader& out) {
  // Judge each byte as soon as it is present, so a 1-byte segment can already say "not TLS".
  if (bytes.empty()) return RecordCheck::kNeedMore;
  const std::uint8_t type = load_u8(bytes.data());
  if (type < kFirstContentType || type > kLastContentType) return RecordCheck::kNotTls;
  if (bytes.size() >= 2 && load_u8(bytes.data() + 1) != 0x03) return RecordCheck::kNotTls;
  if (bytes.size() < 3) return RecordCheck::kNeedMore;
  const std::uint16_t version = load_be16(bytes.data() + 1);
  if (version < kLowestVersion || version > kHighestVersion) return RecordCheck::kNotTls;
  if (bytes.size() < kRecordHeaderSize) return RecordCheck::kNeedMore;
  const std::uint16_t length = load_be16(bytes.data() + 3);
  if (length > kMaxRecordLength) return RecordCheck::kNotTls;
  out = {type, version, length};
  return RecordCheck::kTls;
}

bool looks_like_tls_record(ByteView bytes) {
  RecordHeader header;
  return check_record_header(bytes, header) == RecordCheck::kTls;
}

HandshakeExtract extract_handshake_message(ByteView records, std::span<std::byte> scratch) {
  HandshakeExtract out;
  ByteCursor cursor(records);
  std::size_t joined = 0;  // message bytes copied into scratch so far
  std::size_t needed = 0;  // whole message size, once its header is known
  bool started = false;
  while (true) {
    RecordHeader header;
    const RecordCheck check = check_record_header(cursor.rest(), header);
    if (check == RecordCheck::kNotTls) {
      out.status = ExtractStatus::kNotTls;
      return out;
    }
    ByteView fragment;
    if (check == RecordCheck::kNeedMore || !cursor.skip(kRecordHeaderSize) ||
        !cursor.read_view(header.length, fragment)) {
      out.status = ExtractStatus::kNeedMore;
      return out;
    }
    const auto type = static_cast<ContentType>(header.content_type);
    if (!started && type == ContentType::kChangeCipherSpec) continue;
    if (type != ContentType::kHandshake) {
      out.status = ExtractStatus::kNotHandshake;
      return out;
    }
    if (fragment.empty()) {
      out.status = ExtractStatus::kEmptyFragment;
      return out;
    }
    if (!started) {
      started = true;
      out.record_version = header.version;
      out.type = load_u8(fragment.data());
      if (fragment.size() >= kHandshakeHeaderSize) {
        needed = kHandshakeHeaderSize + (load_be32(fragment.data()) & 0x00FFFFFF);
        if (fragment.size() >= needed) {  // the common case: no copy
          out.message = fragment.first(needed);
          out.consumed = cursor.offset();
          out.status = ExtractStatus::kOk;
          return out;
        }
        if (needed > scratch.size()) {
          out.status = ExtractStatus::kTooLarge;
          return out;
        }
      }
    }
    // Join: copy this fragment (up to what the message needs) behind the earlier ones.
    std::size_t take = fragment.size();
    if (needed != 0 && take > needed - joined) take = needed - joined;
    if (joined + take > scratch.size()) {
      out.status = ExtractStatus::kTooLarge;
      return out;
    }
    std::memcpy(scratch.data() + joined, fragment.data(), take);
    joined += take;
    if (needed == 0 && joined >= kHandshakeHeaderSize) {
      needed = kHandshakeHeaderSize + (load_be32(scratch.data()) & 0x00FFFFFF);
      if (needed > scratch.size()) {
        out.status = ExtractStatus::kTooLarge;
        return out;
      }
      if (joined > needed) joined = needed;  // a later message shares this record
    }
    if (needed != 0 && joined == needed) {
      out.message = ByteView(scratch.data(), needed);
      out.copied = true;
      out.consumed = cursor.offset();
      out.status = ExtractStatus::kOk;
      return out;
    }
  }
}

}  // namespace dicomsentry::tls
