// Observer-side TCP state tracking: SYN, SYN/ACK, established, FIN, RST; and the first ICMP
// message of each side.
#pragma once

#include "decode/decoded_packet.hpp"
#include "flow/flow.hpp"

namespace dicomsentry {

// Advances the flow's TCP state with one packet's flags and says which timeout class the
// flow belongs to now. A passive observer cannot see what an endpoint accepted, so the
// diagram is loose on purpose: data in both directions implies establishment (mid-stream).
TimeoutClass track_tcp(Flow& flow, Direction direction, std::uint8_t flags, bool has_payload);

// UDP and other IP protocols: new until both directions have been seen.
TimeoutClass track_datagram(const Flow& flow);

// ICMP (over IPv4) and ICMPv6: keeps the type and code of the first message from each side,
// as Suricata's flow keeps icmp_s and icmp_d: the flow record and the Community ID use them.
// Anything else, and fragments without the ICMP header, leave the flow alone.
void track_icmp(Flow& flow, Direction direction, const DecodedPacket& packet);

}  // namespace dicomsentry
