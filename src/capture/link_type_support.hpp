// Which LINKTYPE_* values the decoder understands, and how to name them in errors.
#pragma once

#include <cstdint>

#include "dicomsentry/packet.hpp"

namespace dicomsentry {

inline constexpr bool is_supported_link_type(std::uint32_t value) {
  switch (value) {
    case static_cast<std::uint32_t>(LinkType::kNull):
    case static_cast<std::uint32_t>(LinkType::kEthernet):
    case static_cast<std::uint32_t>(LinkType::kRaw):
    case static_cast<std::uint32_t>(LinkType::kLoop):
    case static_cast<std::uint32_t>(LinkType::kLinuxSll):
    case static_cast<std::uint32_t>(LinkType::kIpv4):
    case static_cast<std::uint32_t>(LinkType::kIpv6):
    case static_cast<std::uint32_t>(LinkType::kLinuxSll2):
      return true;
    default:
      return false;
  }
}

// Listed in error messages so the user sees what would have worked.
inline constexpr const char* kSupportedLinkTypesText = "0, 1, 101, 108, 113, 228, 229, 276";

// libpcap's MAXIMUM_SNAPLEN: no record may claim more, whatever the file header says.
inline constexpr std::uint32_t kMaxSnaplen = 262144;

// The largest captured length a record may have under `snaplen` (0 means "not set").
inline constexpr std::uint32_t effective_snaplen(std::uint32_t snaplen) {
  return (snaplen == 0 || snaplen > kMaxSnaplen) ? kMaxSnaplen : snaplen;
}

}  // namespace dicomsentry
