#include "applayer/tls_session.hpp"

#include <algorithm>

#include "dicom/engine_anomaly.hpp"
#include "tls/cipher_suites.hpp"
#include "tls/tls_hello.hpp"
#include "tls/tls_record.hpp"

namespace dicomsentry {

namespace {

// A hello that needs more than this is not inspected (the reassembler shows at most 64 KiB).
constexpr std::size_t kMaxHelloRecords = 32 * 1024;

}  // namespace

std::size_t tls_bytes_needed(ByteView data) {
  std::size_t pos = 0;
  while (pos + tls::kRecordHeaderSize <= data.size()) {
    const std::size_t end = pos + tls::kRecordHeaderSize + load_be16(data.data() + pos + 3);
    if (end > data.size()) return end;
    pos = end;
  }
  return pos + tls::kRecordHeaderSize;
}

void TlsSession::start(Flow& flow) {
  record_.clear();
  record_.flow = &flow;
  done_ = {false, false};
  emitted_ = false;
}

Consumed TlsSession::on_data(const StreamContext& at, ByteView data, std::span<std::byte> scratch,
                             dicom::EventSink& events) {
  const auto all = static_cast<std::uint32_t>(data.size());
  const auto d = static_cast<std::size_t>(at.direction);
  if (done_[d]) return {all, 0};
  const tls::HandshakeExtract extract = tls::extract_handshake_message(data, scratch);
  if (extract.status == tls::ExtractStatus::kNeedMore) {
    const std::size_t need = tls_bytes_needed(data);
    if (need <= kMaxHelloRecords && need > data.size()) {
      return {0, static_cast<std::uint32_t>(need)};
    }
    done_[d] = true;
    return {all, 0};
  }
  done_[d] = true;
  if (extract.status != tls::ExtractStatus::kOk) return {all, 0};
  if (record_.ts == 0) record_.ts = at.ts;
  if (at.direction == Direction::kToServer &&
      extract.type == static_cast<std::uint8_t>(tls::HandshakeType::kClientHello)) {
    tls::ClientHello hello;
    if (tls::parse_client_hello(extract.message, hello) == tls::HelloError::kNone) {
      record_.has_client_hello = true;
      record_.client_legacy_version = hello.legacy_version;
      record_.client_highest_version = hello.highest_version();
      record_.client_versions.clear();
      for (std::size_t i = 0; i < hello.supported_versions.size(); ++i) {
        const std::uint16_t v = hello.supported_versions.at(i);
        if (!tls::is_grease(v)) record_.client_versions.push_back(v);
      }
      record_.cipher_suites_offered = 0;
      record_.weak_suites_offered = 0;
      for (std::size_t i = 0; i < hello.cipher_suites.size(); ++i) {
        const std::uint16_t suite = hello.cipher_suites.at(i);
        if (tls::is_grease(suite)) continue;
        ++record_.cipher_suites_offered;
        if ((tls::cipher_suite_weakness(suite) & tls::weakness::kWeakMask &
             ~tls::weakness::kSignalling) != 0) {
          ++record_.weak_suites_offered;
        }
      }
      record_.sni.assign(hello.server_name);
      record_.alpn.clear();
      for (std::size_t i = 0; i < hello.alpn_kept; ++i) record_.alpn.emplace_back(hello.alpn[i]);
    }
  } else if (at.direction == Direction::kToClient &&
             extract.type == static_cast<std::uint8_t>(tls::HandshakeType::kServerHello)) {
    tls::ServerHello hello;
    if (tls::parse_server_hello(extract.message, hello) == tls::HelloError::kNone) {
      record_.has_server_hello = true;
      record_.version = hello.negotiated_version();
      record_.cipher_suite = hello.cipher_suite;
      record_.cipher_weakness = tls::cipher_suite_weakness(hello.cipher_suite, record_.version);
      emit(events);
    }
  }
  return {all, 0};
}

void TlsSession::on_gap(const StreamContext& at) { done_[static_cast<std::size_t>(at.direction)] = true; }

void TlsSession::emit(dicom::EventSink& events) {
  if (emitted_) return;
  emitted_ = true;
  events.on_tls(record_);
}

void TlsSession::finish(dicom::EventSink& events) {
  if (record_.has_client_hello || record_.has_server_hello) emit(events);
}

}  // namespace dicomsentry
