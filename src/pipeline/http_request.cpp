// HTTP request head parsing: line by line over the received bytes, refusing at the first byte
// that cannot belong to a valid head, so garbage is answered without waiting for more.
#include "pipeline/http_request.hpp"

namespace dicomsentry {

namespace {

// RFC 9110 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// Visible ASCII: what a request target is made of.
bool is_target(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Field value: visible characters, SP, HTAB and obs-text; no other control characters.
bool is_field_value(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

// One line without its terminator (a CR before the LF is dropped).
std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool parse_request_line(std::string_view line, HttpRequestHead& head) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  head.method = line.substr(0, sp1);
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  head.version = line.substr(sp2 + 1);
  return is_token(head.method) && is_target(head.target) &&
         (head.version == "HTTP/1.1" || head.version == "HTTP/1.0");
}

bool parse_field_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  // No whitespace between the name and the colon (RFC 9112 5.1), and no obs-fold: a name
  // must start the line.
  return is_token(line.substr(0, colon)) && is_field_value(line.substr(colon + 1));
}

// Bytes of an unfinished request line that can no longer become a valid one.
bool request_line_prefix_invalid(std::string_view partial) {
  const std::size_t sp = partial.find(' ');
  const std::string_view method = partial.substr(0, sp);
  for (const char c : method) {
    if (!is_tchar(c)) return true;
  }
  return sp == 0;
}

}  // namespace

HttpRequestHead parse_http_request_head(std::string_view bytes, std::size_t max_bytes) {
  HttpRequestHead head;
  const std::string_view seen = bytes.substr(0, max_bytes);
  std::size_t pos = 0;
  bool first_line = true;
  while (true) {
    const std::size_t lf = seen.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (first_line && request_line_prefix_invalid(seen.substr(pos))) {
        head.status = HttpHeadStatus::kBadRequest;
      } else if (bytes.size() >= max_bytes) {
        head.status = HttpHeadStatus::kTooLarge;
      } else {
        head.status = HttpHeadStatus::kIncomplete;
      }
      return head;
    }
    const std::string_view line = strip_cr(seen.substr(pos, lf - pos));
    pos = lf + 1;
    if (first_line) {
      if (!parse_request_line(line, head)) {
        head = {};
        head.status = HttpHeadStatus::kBadRequest;
        return head;
      }
      first_line = false;
      continue;
    }
    if (line.empty()) {
      head.status = HttpHeadStatus::kComplete;
      head.head_bytes = pos;
      return head;
    }
    if (!parse_field_line(line)) {
      head.status = HttpHeadStatus::kBadRequest;
      return head;
    }
  }
}

std::string_view http_target_path(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace dicomsentry
