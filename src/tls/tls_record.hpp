// TLS record headers (RFC 5246 §6.2, RFC 8446 §5.1) and handshake messages gathered from records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::tls {

enum class ContentType : std::uint8_t {
  kChangeCipherSpec = 20,
  kAlert = 21,
  kHandshake = 22,
  kApplicationData = 23,
  kHeartbeat = 24,
};

enum class HandshakeType : std::uint8_t {
  kClientHello = 1,
  kServerHello = 2,
  kNewSessionTicket = 4,
  kEncryptedExtensions = 8,
  kCertificate = 11,
  kServerKeyExchange = 12,
  kCertificateRequest = 13,
  kServerHelloDone = 14,
  kCertificateVerify = 15,
  kClientKeyExchange = 16,
  kFinished = 20,
};

inline constexpr std::size_t kRecordHeaderSize = 5;     // type, version, 16-bit length
inline constexpr std::size_t kHandshakeHeaderSize = 4;  // type, 24-bit length
// The largest TLSCiphertext fragment, 2^14 + 2048 (RFC 5246 §6.2.3); larger is not TLS.
inline constexpr std::size_t kMaxRecordLength = (1u << 14) + 2048;
// A sensible cap for reassembling one hello across records and segments; real hellos with
// post-quantum key shares stay well under it.
inline constexpr std::size_t kMaxHelloBytes = 16 * 1024;

struct RecordHeader {
  std::uint8_t content_type = 0;
  std::uint16_t version = 0;
  std::uint16_t length = 0;
};

enum class RecordCheck : std::uint8_t {
  kTls,       // a plausible record header; `out` is filled
  kNeedMore,  // fewer than 5 bytes, all plausible so far
  kNotTls,    // content type not 20..24, version not 0x0300..0x0304, or length too large
};

// Checks the first record header of `bytes` (the record body need not be present).
RecordCheck check_record_header(ByteView bytes, RecordHeader& out);
// check_record_header(...) == kTls: the test used to tell TLS from DICOM on a port.
bool looks_like_tls_record(ByteView bytes);

enum class ExtractStatus : std::uint8_t {
  kOk,
  kNeedMore,       // the records end before the message does
  kNotTls,         // a record header failed check_record_header
  kNotHandshake,   // a non-handshake record where handshake bytes were expected
  kEmptyFragment,  // a zero-length handshake record (RFC 8446 §5.1 forbids them)
  kTooLarge,       // the message needs more than `scratch` holds
};

struct HandshakeExtract {
  ExtractStatus status = ExtractStatus::kNeedMore;
  // The whole first handshake message (4-byte header included). A view into `records` when
  // one record holds it, else into `scratch`, where the fragments were joined.
  ByteView message;
  std::uint8_t type = 0;
  std::uint16_t record_version = 0;  // of the record the message began in
  bool copied = false;
  // Bytes of whole records used, up to the end of the record where the message ended
  // (records after it are untouched). Only meaningful with kOk.
  std::size_t consumed = 0;
};

// Finds the first handshake message at the start of `records` (one or more concatenated
// records), skipping ChangeCipherSpec records before it (TLS 1.3 middlebox compatibility).
// A message split over records is joined into `scratch`, so at most scratch.size() bytes.
HandshakeExtract extract_handshake_message(ByteView records, std::span<std::byte> scratch);

}  // namespace dicomsentry::tls
