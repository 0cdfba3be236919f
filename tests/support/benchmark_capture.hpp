// Streams a large capture of DICOM traffic (C-STORE transfers, C-ECHO and C-FIND associations).
#pragma once

#include <cstdint>
#include <string>

namespace dicomsentry::synth {

// What was written. Packet shares are by packet count; flow shares by flow count. The DICOM
// counts are of PDUs and DIMSE messages whose last byte is in the capture (flows still open
// when the capture ends are closed mid-message, and what they had not finished is not counted).
struct BenchmarkCaptureSummary {
  bool ok = false;
  std::string error;  // set when !ok (the file could not be written)
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  // captured frame bytes, headers included
  std::uint64_t flows = 0;  // TCP conversations started
  std::uint64_t tcp_payload_bytes = 0;
  std::uint64_t bulk_packets = 0;   // all packets of C-STORE flows (handshake, data, ACKs, FINs)
  std::uint64_t short_packets = 0;  // all packets of C-ECHO and C-FIND flows
  std::uint64_t bulk_flows = 0;
  std::uint64_t short_flows = 0;
  std::uint64_t vlan_flows = 0;  // one 802.1Q tag on every packet
  std::uint64_t ipv6_flows = 0;
  std::uint64_t pure_acks = 0;     // ACKs without data between the handshake and the FINs
  std::uint64_t associations = 0;  // A-ASSOCIATE-RQ PDUs
  std::uint64_t releases = 0;      // A-RELEASE-RP PDUs: associations that ended normally
  std::uint64_t c_echo_rq = 0;
  std::uint64_t c_echo_rsp = 0;
  std::uint64_t c_store_rq = 0;  // with their whole data set
  std::uint64_t c_store_rsp = 0;
  std::uint64_t c_store_bytes = 0;  // data set bytes of those C-STORE-RQs
  std::uint64_t c_find_rq = 0;
  std::uint64_t c_find_rsp = 0;  // pending and final
};

// Writes at least `min_packets` Ethernet frames to an nanosecond pcap at `path`, streaming (no
// frame list in memory). Every flow is a DICOM association built with dicom_builder.hpp
// (benchmark_associations.hpp says what each holds). The mix, by packet count: ~60% C-STORE
// associations (1-3 objects of 1-8 MB in P-DATA-TF PDUs of 16 KiB, 64 KiB or 128 KiB, 1448-byte
// segments at a 1500-byte MTU, 1428 for IPv6), ~40% short associations on ports 104/11112
// (C-ECHO, or C-FIND with identifiers and bursts of pending responses). The receiver of a turn
// sends a pure ACK after every second segment. ~10% of flows are VLAN-tagged, ~10% IPv6. Flows
// run concurrently (about min_packets/250 short ones at once, capped at 4096, and
// min_packets/40000 C-STORE ones, 2 to 64) and interleave packet by packet. Once `min_packets`
// are out, every open flow is closed (FIN exchange, or RST before the handshake completed), so
// the capture ends with no open conversation. Deterministic for a given (min_packets, seed,
// bulk_share). `bulk_share` is the C-STORE share of packets: 0 makes a capture of short
// associations only (the short-packet traffic class), 1 one of C-STORE transfers only.
inline constexpr double kDefaultBulkShare = 0.6;
BenchmarkCaptureSummary write_benchmark_capture(const std::string& path, std::uint64_t min_packets,
                                                std::uint64_t seed,
                                                double bulk_share = kDefaultBulkShare);

// One line for a benchmark's log: "packets=... bytes=... flows=... ...".
std::string describe(const BenchmarkCaptureSummary& summary);

}  // namespace dicomsentry::synth
