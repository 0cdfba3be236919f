// The L2 address book: IP address -> the MAC addresses it was seen with, fed once per new flow
// (never per packet) and read when a flow ends. One per pipeline (worker), fixed in size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

using MacAddress = std::array<std::uint8_t, 6>;

// A group (multicast or broadcast) address: the I/G bit, the least significant bit of the
// first octet. Such an address never names one station, so the book does not keep it.
inline constexpr bool is_group_mac(const MacAddress& mac) { return (mac[0] & 0x01) != 0; }

// "aa:bb:cc:dd:ee:ff" (lower case) into `out`, which must hold 17 characters; returns 17.
std::size_t format_mac(const MacAddress& mac, std::span<char, 17> out);

struct MacBookCounters {
  std::uint64_t addresses = 0;  // IP addresses held
  std::uint64_t dropped = 0;    // sightings of addresses not held because the book was full
};

// Open addressing with linear probing over a table allocated once at construction; entries
// are never removed. Each address keeps its kMaxMacs smallest MACs, so what it holds does not
// depend on the order flows were seen in. A full book (`capacity` addresses) counts sightings
// of new addresses as dropped; known addresses still gain MACs. All-zero MACs (loopback
// captures) are kept; group MACs are skipped.
class MacBook {
 public:
  static constexpr std::size_t kMaxMacs = 4;
  static constexpr std::size_t kDefaultCapacity = 65536;

  struct Macs {
    std::array<MacAddress, kMaxMacs> macs{};  // sorted, the first `count` valid
    std::uint8_t count = 0;
    std::span<const MacAddress> items() const { return {macs.data(), count}; }
  };

  // `capacity` 0 makes a book that holds nothing (and counts nothing as dropped).
  explicit MacBook(std::size_t capacity = kDefaultCapacity);

  // The first packet of a new flow: its source address with its source MAC, its destination
  // address with its destination MAC, where the link layer has them.
  void on_flow_created(const DecodedPacket& packet);
  // A cache hint for a packet that may create a flow (a SYN): the slots on_flow_created would
  // touch. Slots lie at random in a table of megabytes, so each is otherwise a cache miss.
  void prefetch(const DecodedPacket& packet) const;
  void add(std::uint8_t ip_version, const IpAddress& ip, const MacAddress& mac);
  // The MACs of an address; empty when it was never seen (or not kept).
  std::span<const MacAddress> find(std::uint8_t ip_version, const IpAddress& ip) const;

  const MacBookCounters& counters() const { return counters_; }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t memuse() const { return slot_count_ * sizeof(Slot); }

 private:
  struct Slot {  // an aggregate of bytes: calloc'ed memory holds empty slots
    IpAddress ip;
    std::uint8_t ip_version = 0;  // 0: empty slot
    Macs macs;
  };
  std::size_t slot_of(std::uint8_t ip_version, const IpAddress& ip) const;

  struct Free {
    void operator()(Slot* slots) const { std::free(slots); }
  };

  std::size_t capacity_;
  std::size_t slot_count_;  // a power of two above capacity_, so probes always end
  // calloc: all-zero is an empty Slot, and the kernel's zero pages stay unmapped until an
  // address lands on them, so an idle book costs address space, not resident memory.
  std::unique_ptr<Slot[], Free> slots_;
  MacBookCounters counters_;
};

}  // namespace dicomsentry
