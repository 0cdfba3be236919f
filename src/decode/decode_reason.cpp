// Names of decode failure reasons, as they appear in `stats.decoder` and in the README.
#include <array>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

namespace {
constexpr std::array<std::string_view, static_cast<std::size_t>(DecodeReason::kCount)> kNames = {
    "link.unsupported",
    "ethernet.truncated",
    "vlan.truncated",
    "vlan.too_many",
    "null.truncated",
    "null.unknown_family",
    "sll.truncated",
    "sll2.truncated",
    "ip.unknown_version",
    "ipv4.truncated",
    "ipv4.bad_version",
    "ipv4.bad_header_length",
    "ipv4.bad_total_length",
    "ipv4.bad_option",
    "ipv4.bad_checksum",
    "ipv4.fragment",
    "ipv6.truncated",
    "ipv6.bad_version",
    "ipv6.bad_payload_length",
    "ipv6.bad_extension_header",
    "ipv6.too_many_extension_headers",
    "ipv6.fragment",
    "tcp.truncated",
    "tcp.bad_offset",
    "tcp.bad_option",
    "tcp.bad_checksum",
    "udp.truncated",
    "udp.bad_length",
    "udp.bad_checksum",
};
}  // namespace

std::string_view decode_reason_name(DecodeReason reason) {
  const auto index = static_cast<std::size_t>(reason);
  return index < kNames.size() ? kNames[index] : std::string_view("unknown");
}

}  // namespace dicomsentry
