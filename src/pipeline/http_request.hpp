// The head of an HTTP/1.x request (request line and header fields, RFC 9112), parsed from the
// bytes received so far: just enough for the metrics endpoint to route a request or refuse it.
#pragma once

#include <cstddef>
#include <string_view>

namespace dicomsentry {

inline constexpr std::size_t kMaxRequestHeadBytes = 8192;

enum class HttpHeadStatus {
  kIncomplete,  // valid so far; wait for more bytes
  kComplete,    // request line and every header field, up to the empty line
  kBadRequest,  // malformed request line or header field: answer 400
  kTooLarge,    // no end of the head within max_bytes: answer 431
};

struct HttpRequestHead {
  HttpHeadStatus status = HttpHeadStatus::kIncomplete;
  std::string_view method;   // views into the parsed bytes; set once the request line is whole
  std::string_view target;
  std::string_view version;  // "HTTP/1.0" or "HTTP/1.1"
  std::size_t head_bytes = 0;  // kComplete: bytes up to and including the empty line
};

// Pure over `bytes` (what a connection received, from its first byte). Lines end in CRLF or a
// bare LF; a request line is `method SP target SP HTTP/1.x`; a field is `name: value` with a
// token name; obs-fold and control characters are refused. Only the first `max_bytes` are
// looked at, so a client cannot make the server hold more.
HttpRequestHead parse_http_request_head(std::string_view bytes,
                                        std::size_t max_bytes = kMaxRequestHeadBytes);

// The target's path: everything before `?` or `#`.
std::string_view http_target_path(std::string_view target);

}  // namespace dicomsentry
