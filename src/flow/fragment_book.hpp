// Ports of fragmented TCP and UDP datagrams, learned from their first fragment, so that the
// later fragments (which carry no transport header, and are not reassembled) are counted in the
// flow they belong to instead of a flow of their own with ports 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

enum class FragmentVerdict : std::uint8_t {
  kKeyed,         // keyed as it is: not a later TCP/UDP fragment (a first one is remembered)
  kAttributed,    // a later fragment, given its first fragment's ports
  kUnattributed,  // a later fragment whose first was not seen (recently): no flow to count it in
};

// Direct-mapped over a table allocated once: a slot per datagram (addresses, protocol, IP
// identification), the newer datagram taking the slot on a collision. A first fragment is
// remembered for kLifetimeNs of packet time (Suricata's defragmentation timeout); a later
// fragment arriving before its first (reordered), after it was forgotten, or without it
// (lost) is unattributed.
class FragmentBook {
 public:
  static constexpr std::size_t kDefaultSlots = 4096;
  static constexpr TimestampNs kLifetimeNs = 60'000'000'000;

  explicit FragmentBook(std::size_t slots = kDefaultSlots);

  // Call for every decoded IP packet, in capture order. A later TCP or UDP fragment gets its
  // first fragment's ports in `packet` when the book has them. Other protocols' fragments
  // (ICMP, ...) are keyed without ports anyway.
  FragmentVerdict attribute(DecodedPacket& packet, TimestampNs ts);

 private:
  struct Slot {
    IpAddress src;
    IpAddress dst;
    std::uint32_t id = 0;
    std::uint8_t ip_version = 0;  // 0: empty
    std::uint8_t ip_proto = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    TimestampNs ts = 0;
  };
  Slot& slot_of(const DecodedPacket& packet);
  static bool same_datagram(const Slot& slot, const DecodedPacket& packet);

  std::vector<Slot> slots_;
  std::size_t mask_;
};

}  // namespace dicomsentry
