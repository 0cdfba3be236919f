// One captured packet as a view: timestamp, lengths, link type and the captured bytes.
#pragma once

#include <cstdint>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry {

// Link-layer types we decode, by their LINKTYPE_* numbers (tcpdump.org/linktypes.html).
enum class LinkType : std::uint16_t {
  kNull = 0,          // BSD loopback: 4-byte address family in host order of the writer
  kEthernet = 1,
  kRaw = 101,         // raw IPv4 or IPv6, version from the first nibble
  kLinuxSll = 113,    // Linux cooked capture v1
  kLoop = 108,        // OpenBSD loopback: 4-byte address family, network order
  kIpv4 = 228,
  kIpv6 = 229,
  kLinuxSll2 = 276,   // Linux cooked capture v2
};

// Nanoseconds since the Unix epoch. 64 bits hold dates until the year 2262.
using TimestampNs = std::int64_t;

// A packet is never copied: `bytes` points into the memory-mapped file (offline) or into
// libpcap's ring (live) and is valid until the source is advanced.
struct PacketView {
  TimestampNs timestamp_ns = 0;
  ByteView bytes;                    // the captured bytes (captured length == bytes.size())
  std::uint32_t original_length = 0; // length on the wire
  LinkType link_type = LinkType::kEthernet;
  std::uint16_t interface_index = 0; // pcapng interface; 0 for classic pcap and live
};

}  // namespace dicomsentry
