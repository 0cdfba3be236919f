// Observer-side TCP state tracking: SYN, SYN/ACK, established, FIN, RST.
#pragma once

#include "flow/flow.hpp"

namespace dicomsentry {

// Advances the flow's TCP state with one packet's flags and says which timeout class the
// flow belongs to now. A passive observer cannot see what an endpoint accepted, so the
// diagram is loose on purpose: data in both directions implies establishment (mid-stream).
TimeoutClass track_tcp(Flow& flow, Direction direction, std::uint8_t flags, bool has_payload);

// UDP and other IP protocols: new until both directions have been seen.
TimeoutClass track_datagram(const Flow& flow);

}  // namespace dicomsentry
