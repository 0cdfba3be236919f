// Streams a large mixed capture (bulk DICOM transfers + many short associations) for benchmarks.
#pragma once

#include <cstdint>
#include <string>

namespace dicomsentry::synth {

// What was written. Packet shares are by packet count; flow shares by flow count.
struct BenchmarkCaptureSummary {
  bool ok = false;
  std::string error;             // set when !ok (the file could not be written)
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;       // captured frame bytes, headers included
  std::uint64_t flows = 0;       // TCP conversations started
  std::uint64_t tcp_payload_bytes = 0;
  std::uint64_t bulk_packets = 0;   // all packets of bulk flows (handshake, data, ACKs, FINs)
  std::uint64_t short_packets = 0;  // all packets of short association-like flows
  std::uint64_t bulk_flows = 0;
  std::uint64_t short_flows = 0;
  std::uint64_t vlan_flows = 0;     // one 802.1Q tag on every packet
  std::uint64_t ipv6_flows = 0;
  std::uint64_t pure_acks = 0;
};

// Writes at least `min_packets` Ethernet frames to an nanosecond pcap at `path`, streaming (no
// frame list in memory). The mix, by packet count: ~60% bulk transfers (1448-byte payloads
// at a 1500-byte MTU, 1428 for IPv6, a pure ACK back every second segment), ~40% short
// conversations on ports 104/11112 (handshake, an A-ASSOCIATE-RQ/AC pair, one to four
// P-DATA-TF request/response pairs of 50-600 bytes, A-RELEASE-RQ/RP, FIN). ~10% of flows are
// VLAN-tagged, ~10% IPv6. Flows run concurrently (about min_packets/250 at once, capped at
// 4096 short + 256 bulk) and interleave packet by packet. Once `min_packets` are out, every
// open flow is closed (FIN exchange, or RST before the handshake completed), so the capture
// ends with no open conversation. Deterministic for a given (min_packets, seed).
// One line for a benchmark's log: "packets=... bytes=... flows=... ...".
std::string describe(const BenchmarkCaptureSummary& summary);

BenchmarkCaptureSummary write_benchmark_capture(const std::string& path, std::uint64_t min_packets,
                                                std::uint64_t seed);

}  // namespace dicomsentry::synth
