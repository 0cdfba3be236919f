// Small text helpers shared by the rule parser's files: trimming, number parsing, list splitting.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace dicomsentry::rules::text {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Decimal, or hexadecimal with 0x; the whole text must be the number and fit `max`.
std::optional<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t max);
std::optional<std::int64_t> parse_signed(std::string_view s, std::int64_t min, std::int64_t max);

// Splits on commas that are outside [...] (nesting bounded by the caller's input size);
// every part is trimmed. Returns false when brackets do not balance.
bool split_top_level(std::string_view s, std::vector<std::string_view>& parts);

bool iequals(std::string_view a, std::string_view b);

}  // namespace dicomsentry::rules::text
