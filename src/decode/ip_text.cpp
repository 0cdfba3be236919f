// IPv4 and IPv6 address text, byte for byte what inet_ntop writes (tests compare the two).
#include "decode/ip_text.hpp"

namespace dicomsentry {

namespace {

char* write_octet(char* p, unsigned octet) {
  if (octet >= 100) {
    *p++ = static_cast<char>('0' + octet / 100);
    octet %= 100;
    *p++ = static_cast<char>('0' + octet / 10);
  } else if (octet >= 10) {
    *p++ = static_cast<char>('0' + octet / 10);
  }
  *p++ = static_cast<char>('0' + octet % 10);
  return p;
}

char* write_dotted(char* p, const std::uint8_t* bytes) {
  for (int i = 0; i < 4; ++i) {
    if (i != 0) *p++ = '.';
    p = write_octet(p, bytes[i]);
  }
  return p;
}

char* write_group(char* p, unsigned group) {
  constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (group >> shift) & 0xfu;
    started = started || nibble != 0 || shift == 0;
    if (started) *p++ = kHex[nibble];
  }
  return p;
}

}  // namespace

IpText format_ip(std::uint8_t version, const IpAddress& ip) {
  IpText text;
  char* const start = text.chars.data();
  char* p = start;
  if (version == 4) {
    p = write_dotted(p, ip.bytes.data());
    text.size = static_cast<std::uint8_t>(p - start);
    return text;
  }
  std::array<unsigned, 8> groups{};
  for (int i = 0; i < 8; ++i) groups[i] = (unsigned{ip.bytes[2 * i]} << 8) | ip.bytes[2 * i + 1];
  // The first longest run of zero groups; a single zero group is not compressed.
  int best_base = -1;
  int best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_base = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_base = -1;
  for (int i = 0; i < 8; ++i) {
    if (best_base >= 0 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    // IPv4-compatible ::a.b.c.d (six zero groups first) and IPv4-mapped ::ffff:a.b.c.d.
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && groups[5] == 0xffff))) {
      p = write_dotted(p, ip.bytes.data() + 12);
      text.size = static_cast<std::uint8_t>(p - start);
      return text;
    }
    p = write_group(p, groups[i]);
  }
  if (best_base >= 0 && best_base + best_len == 8) *p++ = ':';
  text.size = static_cast<std::uint8_t>(p - start);
  return text;
}

}  // namespace dicomsentry
