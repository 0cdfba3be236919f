// IPv4/IPv6 networks (CIDR blocks) and address parsing for the policy config and zone lookup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "decode/decoded_packet.hpp"

namespace dicomsentry::policy {

// A network: `address` holds the prefix with every bit past `prefix_length` cleared, in the
// same layout as decode's IpAddress (IPv4 in the first 4 bytes).
struct Cidr {
  IpAddress address;
  std::uint8_t ip_version = 4;     // 4 or 6
  std::uint8_t prefix_length = 0;  // 0..32 or 0..128
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// "10.1.2.0/24", "2001:db8::/32", or a bare address (a host: /32 or /128). Host bits set past
// the prefix ("10.1.2.3/24") are rejected rather than silently cleared: they usually mean a
// typo in the prefix length.
enum class CidrError : std::uint8_t { kNone, kBadAddress, kBadPrefix, kHostBitsSet };
struct CidrParse {
  Cidr cidr;
  CidrError error = CidrError::kNone;
};
CidrParse parse_cidr(std::string_view text);
std::string_view cidr_error_text(CidrError error);

// A single address, v4 or v6 (inet_pton's grammar).
std::optional<IpAddress> parse_ip(std::string_view text, std::uint8_t* ip_version);

// Whether `address` (of `ip_version`) lies inside `cidr`.
bool cidr_contains(const Cidr& cidr, const IpAddress& address, std::uint8_t ip_version);

// "10.1.2.0/24" / "2001:db8::/32", as inet_ntop prints the address.
std::string format_cidr(const Cidr& cidr);

// `address` with every bit past `prefix_length` cleared.
IpAddress mask_address(const IpAddress& address, std::uint8_t prefix_length);

}  // namespace dicomsentry::policy
