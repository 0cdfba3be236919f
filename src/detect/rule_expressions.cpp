// Content chains and pcre items -> Hyperscan expressions (see the header for the semantics).
#include "detect/rule_expressions.hpp"

#include <fmt/format.h>
#include <hs/hs.h>

#include <optional>

namespace dicomsentry::detect {
namespace {

using rules::ContentMatch;
using rules::MatchItem;
using rules::MatchKind;
using rules::PcreMatch;

constexpr unsigned kBaseFlags = HS_FLAG_SINGLEMATCH;

std::string literal_regex(const ContentMatch& content) {
  std::string out = escape_literal(content.bytes);
  return content.nocase ? fmt::format("(?i:{})", out) : out;
}

// Any `count` bytes, count in [lo, hi] (hi empty: unbounded).
std::string any_bytes(std::uint64_t lo, std::optional<std::uint64_t> hi) {
  if (!hi) return lo == 0 ? "(?s:.*)" : fmt::format("(?s:.{{{},}})", lo);
  if (*hi == 0) return {};
  if (lo == *hi) return fmt::format("(?s:.{{{}}})", lo);
  return fmt::format("(?s:.{{{},{}}})", lo, *hi);
}

// A content placed from the buffer start: offset/depth as Suricata reads them.
std::string anchored_content(const ContentMatch& content, std::uint64_t offset,
                             std::optional<std::uint64_t> depth) {
  const std::uint64_t length = content.bytes.size();
  std::optional<std::uint64_t> last_start;
  if (depth) last_start = offset + (*depth >= length ? *depth - length : 0);
  return "^" + any_bytes(offset, last_start) + literal_regex(content);
}

bool is_relative(const ContentMatch& content) {
  return content.distance.has_value() || content.within.has_value();
}

// The bytes allowed between the previous match's end and this content's start.
std::optional<std::string> relative_gap(const ContentMatch& content, std::string& error) {
  const std::int64_t distance = content.distance.value_or(0);
  if (distance < 0) {
    error = "a negative distance cannot be expressed for Hyperscan";
    return std::nullopt;
  }
  std::optional<std::uint64_t> hi;
  if (content.within) {
    const std::uint64_t length = content.bytes.size();
    const std::uint64_t within = *content.within;
    hi = static_cast<std::uint64_t>(distance) + (within >= length ? within - length : 0);
  }
  return any_bytes(static_cast<std::uint64_t>(distance), hi);
}

std::string inline_flags(const rules::PcreFlags& f) {
  std::string flags;
  if (f.caseless) flags += 'i';
  if (f.dotall) flags += 's';
  if (f.multiline) flags += 'm';
  if (f.extended) flags += 'x';
  return flags;
}

Expression standalone_pcre(const PcreMatch& pcre) {
  Expression e;
  e.negated = pcre.negated;
  e.flags = kBaseFlags | HS_FLAG_ALLOWEMPTY;
  if (pcre.parsed.caseless) e.flags |= HS_FLAG_CASELESS;
  if (pcre.parsed.dotall) e.flags |= HS_FLAG_DOTALL;
  if (pcre.parsed.multiline) e.flags |= HS_FLAG_MULTILINE;
  std::string body = pcre.parsed.extended ? "(?x)" + pcre.pattern : pcre.pattern;
  e.regex = pcre.parsed.anchored ? fmt::format("^(?:{})", body) : body;
  return e;
}

// Builds one buffer's group from its items in rule order.
class GroupBuilder {
 public:
  explicit GroupBuilder(BufferGroup& group) : group_(group) {}

  bool add(const MatchItem& item, std::string& error) {
    if (item.kind == MatchKind::kContent) return add_content(item.content, error);
    return add_pcre(item.pcre, error);
  }
  void finish() { close_chain(); }

 private:
  bool add_content(const ContentMatch& content, std::string& error) {
    std::string piece;
    if (is_relative(content) && chain_) {
      auto gap = relative_gap(content, error);
      if (!gap) return false;
      piece = *chain_ + *gap + literal_regex(content);
    } else if (is_relative(content)) {
      // Relative to nothing: Suricata measures from the buffer start.
      if (content.distance.value_or(0) < 0) {
        error = "a negative distance cannot be expressed for Hyperscan";
        return false;
      }
      const auto offset = static_cast<std::uint64_t>(content.distance.value_or(0));
      std::optional<std::uint64_t> depth;
      if (content.within) depth = *content.within;
      piece = anchored_content(content, offset, depth);
    } else if (content.offset || content.depth) {
      std::optional<std::uint64_t> depth;
      if (content.depth) depth = *content.depth;
      piece = anchored_content(content, content.offset.value_or(0), depth);
    } else {
      piece = literal_regex(content);
    }
    if (content.negated) {
      // "not followed by": the chain so far followed by this must not match. The chain
      // itself stays open for the items after it.
      group_.expressions.push_back({piece, kBaseFlags, true});
      return true;
    }
    if (!is_relative(content)) close_chain();
    chain_ = std::move(piece);
    chain_has_pcre_ = false;
    return true;
  }

  bool add_pcre(const PcreMatch& pcre, std::string& error) {
    if (pcre.negated || !pcre.parsed.relative || !chain_) {
      if (!pcre.negated) close_chain();
      group_.expressions.push_back(standalone_pcre(pcre));
      (void)error;
      return true;
    }
    // `R`: the pattern continues the chain. A leading ^ means "right after the previous
    // match", so no gap is allowed then.
    std::string_view body = pcre.pattern;
    std::string gap = "(?s:.*)";
    if (!body.empty() && body.front() == '^') {
      body.remove_prefix(1);
      gap.clear();
    }
    const std::string flags = inline_flags(pcre.parsed);
    *chain_ += gap + (flags.empty() ? fmt::format("(?:{})", body)
                                    : fmt::format("(?{}:{})", flags, body));
    chain_has_pcre_ = true;
    return true;
  }

  void close_chain() {
    if (!chain_) return;
    unsigned flags = kBaseFlags | (chain_has_pcre_ ? HS_FLAG_ALLOWEMPTY : 0u);
    group_.expressions.push_back({std::move(*chain_), flags, false});
    chain_.reset();
    chain_has_pcre_ = false;
  }

  BufferGroup& group_;
  std::optional<std::string> chain_;
  bool chain_has_pcre_ = false;
};

}  // namespace

std::string escape_literal(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 4);
  for (const char c : bytes) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  return out;
}

RuleExpressions build_rule_expressions(const rules::Rule& rule) {
  RuleExpressions result;
  // Items of one buffer may be interleaved with other buffers' items; each buffer's chain
  // continues across them, as a sticky buffer's does in Suricata.
  std::vector<rules::Buffer> order;
  for (const MatchItem& item : rule.matches) {
    bool seen = false;
    for (const rules::Buffer b : order) seen |= (b == item.buffer);
    if (!seen) order.push_back(item.buffer);
  }
  for (const rules::Buffer buffer : order) {
    BufferGroup group;
    group.buffer = buffer;
    GroupBuilder builder(group);
    for (const MatchItem& item : rule.matches) {
      if (item.buffer != buffer) continue;
      if (!builder.add(item, result.error)) {
        result.groups.clear();
        return result;
      }
    }
    builder.finish();
    result.groups.push_back(std::move(group));
  }
  return result;
}

}  // namespace dicomsentry::detect
