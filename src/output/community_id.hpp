// Community ID v1 flow hash (github.com/corelight/community-id-spec), as Suricata and Zeek log it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

// "1:" followed by the base64 of a 20-byte SHA-1 digest (28 characters, one '=' of padding).
inline constexpr std::size_t kCommunityIdLength = 30;

// A Community ID held by value so that computing one allocates nothing.
struct CommunityId {
  std::array<char, kCommunityIdLength> chars{};
  std::uint8_t size = 0;  // kCommunityIdLength, or 0 when no ID could be computed

  std::string_view view() const { return {chars.data(), size}; }
  bool empty() const { return size == 0; }
};

// The Community ID of a flow; the same for both directions of it.
//
// `ip_version` is 4 or 6 (IPv4 addresses in the first 4 bytes of IpAddress, as the decoder
// stores them); any other version gives an empty result, which the spec allows.
// For TCP, UDP and SCTP the ports are the transport ports. For ICMP (1) and ICMPv6 (58) pass
// the message type as `src_port` and the code as `dst_port`: request/reply types are mapped to
// their counterpart as Zeek does, so that both directions of an exchange share one ID, and
// messages without a counterpart are hashed one-way. For every other protocol the ports are
// ignored and not hashed, as the spec requires.
// `seed` lets separate deployments keep their IDs apart; Suricata and Zeek default it to 0.
// Cost: one SHA-1 of at most 40 bytes plus one small allocation inside OpenSSL 3.0's EVP layer;
// compute it once per flow (e.g. when the flow is created) rather than per packet or per event.
CommunityId community_id_v1(std::uint8_t ip_version, const IpAddress& src_ip,
                            const IpAddress& dst_ip, std::uint8_t proto, std::uint16_t src_port,
                            std::uint16_t dst_port, std::uint16_t seed = 0);

}  // namespace dicomsentry
