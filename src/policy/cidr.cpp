// CIDR parsing (inet_pton) and containment; text through format_ip.
#include "policy/cidr.hpp"

#include "decode/ip_text.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace dicomsentry::policy {

IpAddress mask_address(const IpAddress& address, std::uint8_t prefix_length) {
  IpAddress out;
  for (std::size_t i = 0; i < out.bytes.size(); ++i) {
    const std::size_t bit = i * 8;
    if (bit + 8 <= prefix_length) {
      out.bytes[i] = address.bytes[i];
    } else if (bit < prefix_length) {
      out.bytes[i] =
          static_cast<std::uint8_t>(address.bytes[i] & (0xff << (8 - (prefix_length - bit))));
    }
  }
  return out;
}

std::optional<IpAddress> parse_ip(std::string_view text, std::uint8_t* ip_version) {
  // inet_pton needs a terminated string; the longest IPv6 text form is 45 characters.
  std::array<char, 64> buffer{};
  if (text.empty() || text.size() >= buffer.size()) return std::nullopt;
  text.copy(buffer.data(), text.size());
  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer.data(), address.bytes.data()) != 1) return std::nullopt;
    *ip_version = 4;
  } else {
    if (inet_pton(AF_INET6, buffer.data(), address.bytes.data()) != 1) return std::nullopt;
    *ip_version = 6;
  }
  return address;
}

CidrParse parse_cidr(std::string_view text) {
  CidrParse result;
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  std::uint8_t version = 0;
  const std::optional<IpAddress> address = parse_ip(address_text, &version);
  if (!address) {
    result.error = CidrError::kBadAddress;
    return result;
  }
  const unsigned max_prefix = version == 4 ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view prefix_text = text.substr(slash + 1);
    const char* end = prefix_text.data() + prefix_text.size();
    const auto [ptr, ec] = std::from_chars(prefix_text.data(), end, prefix);
    if (prefix_text.empty() || ec != std::errc{} || ptr != end || prefix > max_prefix) {
      result.error = CidrError::kBadPrefix;
      return result;
    }
  }
  result.cidr.ip_version = version;
  result.cidr.prefix_length = static_cast<std::uint8_t>(prefix);
  result.cidr.address = mask_address(*address, result.cidr.prefix_length);
  if (!(result.cidr.address == *address)) result.error = CidrError::kHostBitsSet;
  return result;
}

std::string_view cidr_error_text(CidrError error) {
  switch (error) {
    case CidrError::kNone:
      return "valid";
    case CidrError::kBadAddress:
      return "not an IPv4 or IPv6 address";
    case CidrError::kBadPrefix:
      return "prefix length is not a number in range (0-32 for IPv4, 0-128 for IPv6)";
    case CidrError::kHostBitsSet:
      return "address has bits set past the prefix length";
  }
  return "unknown";
}

bool cidr_contains(const Cidr& cidr, const IpAddress& address, std::uint8_t ip_version) {
  return ip_version == cidr.ip_version && mask_address(address, cidr.prefix_length) == cidr.address;
}

std::string format_cidr(const Cidr& cidr) {
  return fmt::format("{}/{}", format_ip(cidr.ip_version, cidr.address).view(), cidr.prefix_length);
}

}  // namespace dicomsentry::policy
