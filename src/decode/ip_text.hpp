// IP addresses as text, formatted by hand: every EVE record writes two, and glibc's inet_ntop
// formats each group with sprintf (about 4,000 instructions for an IPv6 address).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

// Held by value: formatting allocates nothing.
struct IpText {
  std::array<char, 48> chars{};  // INET6_ADDRSTRLEN (46) and room to spare
  std::uint8_t size = 0;
  std::string_view view() const { return {chars.data(), size}; }
};

// `version` 4: dotted decimal of the first 4 bytes; 6 (or anything else): the 16 bytes as
// glibc's inet_ntop prints them (RFC 5952 form: lower-case hex without leading zeros, the
// first longest run of two or more zero groups as "::", and the last 32 bits dotted for
// IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d addresses).
IpText format_ip(std::uint8_t version, const IpAddress& ip);

}  // namespace dicomsentry
