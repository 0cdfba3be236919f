// libFuzzer target for TLS record checks, handshake joining and the hello parsers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tls/cipher_suites.hpp"
#include "tls/tls_hello.hpp"
#include "tls/tls_record.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(dicomsentry::ByteView part, dicomsentry::ByteView whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool inside_text(std::string_view part, dicomsentry::ByteView whole) {
  return inside(dicomsentry::as_byte_view(part), whole);
}

// Parses `message` both ways; every view must stay inside it.
void parse_both(dicomsentry::ByteView message) {
  using namespace dicomsentry::tls;
  ClientHello ch;
  if (parse_client_hello(message, ch) == HelloError::kNone) {
    check(inside(ch.random, message) && ch.random.size() == 32);
    check(ch.session_id.size() <= 32 && inside(ch.session_id, message));
    check(ch.cipher_suites.size() > 0 && inside(ch.cipher_suites.bytes, message));
    check(inside_text(ch.server_name, message));
    check(ch.alpn_kept <= kMaxAlpnKept && ch.alpn_kept <= ch.alpn_count);
    for (std::size_t i = 0; i < ch.alpn_kept; ++i) {
      check(!ch.alpn[i].empty() && inside_text(ch.alpn[i], message));
    }
    (void)tls_version_name(ch.highest_version());
    for (std::size_t i = 0; i < ch.cipher_suites.size(); ++i) {
      (void)cipher_suite_weakness(ch.cipher_suites.at(i), ch.highest_version());
    }
  }
  ServerHello sh;
  if (parse_server_hello(message, sh) == HelloError::kNone) {
    check(inside(sh.random, message) && sh.random.size() == 32);
    check(inside_text(sh.alpn, message));
    (void)cipher_suite_name(sh.cipher_suite);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsentry::tls;
  const dicomsentry::ByteView bytes = dicomsentry::as_byte_view(data, size);
  // The input is both a handshake message and a run of records.
  parse_both(bytes);
  static std::array<std::byte, kMaxHelloBytes> scratch;
  dicomsentry::ByteView rest = bytes;
  for (int i = 0; i < 8; ++i) {  // a few messages, as a caller walking a flight would
    const HandshakeExtract x = extract_handshake_message(rest, scratch);
    if (x.status != ExtractStatus::kOk) break;
    check(x.consumed > 0 && x.consumed <= rest.size());
    check(x.message.size() >= kHandshakeHeaderSize);
    check(x.copied ? inside(x.message, scratch) : inside(x.message, rest));
    check(looks_like_tls_record(rest));
    parse_both(x.message);
    rest = rest.subspan(x.consumed);
  }
  return 0;
}
