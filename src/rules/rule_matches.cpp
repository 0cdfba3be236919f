// content (with |hex| and escapes), its modifiers, pcre, and sticky buffer selection.
#include <fmt/format.h>

#include "rules/rule_options.hpp"
#include "rules/rule_text.hpp"

namespace dicomsentry::rules::detail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Takes a leading `!` and the quotes off; returns false (with the error set) when unquoted.
bool negation_and_quotes(RuleBuilder& b, std::string_view keyword, std::string_view& value,
                         bool& negated) {
  negated = false;
  if (!value.empty() && value.front() == '!') {
    negated = true;
    value = text::trim(value.substr(1));
  }
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
    return b.fail(fmt::format("{} needs a quoted string", keyword));
  }
  value = value.substr(1, value.size() - 2);
  return true;
}

bool decode_content(RuleBuilder& b, std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '|') {
      const std::size_t end = s.find('|', i + 1);
      if (end == std::string_view::npos) return b.fail("unterminated |hex| in content");
      int high = -1;
      for (std::size_t j = i + 1; j < end; ++j) {
        if (s[j] == ' ') continue;
        const int v = hex_value(s[j]);
        if (v < 0) return b.fail(fmt::format("bad character '{}' in |hex| content", s[j]));
        if (high < 0) {
          high = v;
        } else {
          out.push_back(static_cast<char>(high * 16 + v));
          high = -1;
        }
      }
      if (high >= 0) return b.fail("odd number of hex digits in |hex| content");
      i = end;
    } else if (c == '\\') {
      if (i + 1 == s.size()) return b.fail("content ends with a lone backslash");
      const char e = s[++i];
      if (e != '"' && e != '\\' && e != ';' && e != ':' && e != '|') {
        return b.fail(fmt::format("bad escape \"\\{}\" in content", e));
      }
      out.push_back(e);
    } else if (c == '"') {
      return b.fail("unescaped quote in content");
    } else {
      out.push_back(c);
    }
  }
  if (out.empty()) return b.fail("empty content");
  return true;
}

// The content a modifier applies to: the rule's last match, which must be a content.
ContentMatch* last_content(RuleBuilder& b, std::string_view modifier) {
  if (b.rule.matches.empty() || b.rule.matches.back().kind != MatchKind::kContent) {
    b.fail(fmt::format("{} needs a preceding content", modifier));
    return nullptr;
  }
  return &b.rule.matches.back().content;
}

bool parse_position(RuleBuilder& b, std::string_view name, std::string_view value,
                    std::uint32_t& out) {
  auto n = text::parse_unsigned(value, INT32_MAX);
  if (!n || value.find('x') != std::string_view::npos) {
    return b.fail(fmt::format("bad {} \"{}\"", name, value));
  }
  out = static_cast<std::uint32_t>(*n);
  return true;
}

bool check_not_shorter(RuleBuilder& b, std::string_view name, std::uint32_t n,
                       const ContentMatch& c) {
  if (n < c.bytes.size()) {
    return b.fail(
        fmt::format("{} {} is shorter than the content ({} bytes)", name, n, c.bytes.size()));
  }
  return true;
}

bool absolute_ok(RuleBuilder& b, std::string_view name, const ContentMatch& c) {
  if (c.distance || c.within) {
    return b.fail(fmt::format("{} cannot be combined with distance or within", name));
  }
  return true;
}

bool relative_ok(RuleBuilder& b, std::string_view name, const ContentMatch& c) {
  if (c.depth || c.offset) {
    return b.fail(fmt::format("{} cannot be combined with depth or offset", name));
  }
  return true;
}

void add_match(RuleBuilder& b, MatchItem item) {
  item.buffer = b.buffer;
  b.buffer_unused = false;
  b.rule.matches.push_back(std::move(item));
}

}  // namespace

bool on_content(RuleBuilder& b, std::string_view value) {
  MatchItem item;
  item.kind = MatchKind::kContent;
  if (!negation_and_quotes(b, "content", value, item.content.negated)) return false;
  if (!decode_content(b, value, item.content.bytes)) return false;
  add_match(b, std::move(item));
  return true;
}

bool on_pcre(RuleBuilder& b, std::string_view value) {
  MatchItem item;
  item.kind = MatchKind::kPcre;
  PcreMatch& p = item.pcre;
  if (!negation_and_quotes(b, "pcre", value, p.negated)) return false;
  const std::size_t close = value.rfind('/');
  if (value.empty() || value.front() != '/' || close == 0 || close == std::string_view::npos) {
    return b.fail("pcre needs \"/pattern/flags\"");
  }
  p.pattern = std::string(value.substr(1, close - 1));
  p.flags = std::string(value.substr(close + 1));
  if (p.pattern.empty()) return b.fail("empty pcre pattern");
  for (char f : p.flags) {
    switch (f) {
      case 'i':
        p.parsed.caseless = true;
        break;
      case 's':
        p.parsed.dotall = true;
        break;
      case 'm':
        p.parsed.multiline = true;
        break;
      case 'x':
        p.parsed.extended = true;
        break;
      case 'A':
        p.parsed.anchored = true;
        break;
      case 'E':
        p.parsed.dollar_endonly = true;
        break;
      case 'G':
        p.parsed.ungreedy = true;
        break;
      case 'R':
        p.parsed.relative = true;
        break;
      default:
        return b.fail(fmt::format("unsupported pcre flag '{}'", f));
    }
  }
  add_match(b, std::move(item));
  return true;
}

bool on_nocase(RuleBuilder& b) {
  ContentMatch* c = last_content(b, "nocase");
  if (c == nullptr) return false;
  if (c->nocase) return b.fail("nocase given twice for one content");
  c->nocase = true;
  return true;
}

bool on_fast_pattern(RuleBuilder& b) {
  ContentMatch* c = last_content(b, "fast_pattern");
  if (c == nullptr) return false;
  c->fast_pattern = true;
  return true;
}

bool on_offset(RuleBuilder& b, std::string_view value) {
  ContentMatch* c = last_content(b, "offset");
  if (c == nullptr) return false;
  if (c->offset) return b.fail("offset given twice for one content");
  if (!absolute_ok(b, "offset", *c)) return false;
  std::uint32_t n = 0;
  if (!parse_position(b, "offset", value, n)) return false;
  c->offset = n;
  return true;
}

bool on_depth(RuleBuilder& b, std::string_view value) {
  ContentMatch* c = last_content(b, "depth");
  if (c == nullptr) return false;
  if (c->depth) return b.fail("depth given twice for one content");
  if (!absolute_ok(b, "depth", *c)) return false;
  std::uint32_t n = 0;
  if (!parse_position(b, "depth", value, n) || !check_not_shorter(b, "depth", n, *c)) return false;
  c->depth = n;
  return true;
}

bool on_distance(RuleBuilder& b, std::string_view value) {
  ContentMatch* c = last_content(b, "distance");
  if (c == nullptr) return false;
  if (c->distance) return b.fail("distance given twice for one content");
  if (!relative_ok(b, "distance", *c)) return false;
  auto n = text::parse_signed(value, INT32_MIN, INT32_MAX);
  if (!n) return b.fail(fmt::format("bad distance \"{}\"", value));
  c->distance = static_cast<std::int32_t>(*n);
  return true;
}

bool on_within(RuleBuilder& b, std::string_view value) {
  ContentMatch* c = last_content(b, "within");
  if (c == nullptr) return false;
  if (c->within) return b.fail("within given twice for one content");
  if (!relative_ok(b, "within", *c)) return false;
  std::uint32_t n = 0;
  if (!parse_position(b, "within", value, n) || !check_not_shorter(b, "within", n, *c)) {
    return false;
  }
  c->within = n;
  return true;
}

bool on_sticky_buffer(RuleBuilder& b, Buffer buffer, std::string_view keyword) {
  if (b.buffer_unused) {
    return b.fail(fmt::format("{} is not followed by content or pcre", buffer_name(b.buffer)));
  }
  if (buffer != Buffer::kPayload) {
    const bool tls = buffer == Buffer::kTlsSni || buffer == Buffer::kTlsCipher;
    if (!b.require_family(tls ? KeywordFamily::kTls : KeywordFamily::kDicom, keyword)) return false;
  }
  b.buffer = buffer;
  b.buffer_unused = buffer != Buffer::kPayload;
  return true;
}

bool finish_matches(RuleBuilder& b) {
  if (b.buffer_unused) {
    return b.fail(fmt::format("{} is not followed by content or pcre", buffer_name(b.buffer)));
  }
  return true;
}

}  // namespace dicomsentry::rules::detail
