// Benchmark capture: read back with libpcap and count frames by kind against the requested mix.
#include "benchmark_capture.hpp"

#include <pcap/pcap.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::synth {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("dicomsentry_synth_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

struct FlowTally {
  std::uint64_t packets = 0;
  std::uint32_t max_payload = 0;
  bool tagged = false;
  bool ipv6 = false;
  bool closed = false;
  std::uint64_t data_segments = 0;
  std::uint64_t pure_acks = 0;
  std::uint64_t bad_pdu_start = 0;  // checked for short flows only: bulk segments cut PDUs
  std::uint64_t full_segments = 0;  // a 1500-byte IP packet: 1448 (IPv4) or 1428 (IPv6) payload
};

struct CaptureTally {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t not_dicom_port = 0;
  std::uint64_t non_increasing_ts = 0;
  std::uint64_t max_open = 0;
  std::map<std::array<std::uint8_t, 18>, FlowTally> flows;  // client address + port
};

// An independent parse of what write_benchmark_capture emits: Ethernet, at most one
// 802.1Q tag, IPv4 without options or IPv6 without extensions, TCP.
CaptureTally tally(const std::string& path) {
  CaptureTally t;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    ADD_FAILURE() << errbuf;
    return t;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  std::int64_t last_ts = 0;
  std::uint64_t open = 0;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    const std::byte* p = as_byte_view(data, header->caplen).data();
    const std::int64_t ts = std::int64_t{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec;
    t.non_increasing_ts += ts <= last_ts;
    last_ts = ts;
    ++t.packets;
    t.bytes += header->caplen;
    std::size_t at = 12;
    const bool tagged = load_be16(p + at) == 0x8100;
    if (tagged) at += 4;
    const bool v6 = load_be16(p + at) == 0x86dd;
    at += 2;
    const std::size_t ip_header = v6 ? 40 : 20;
    const std::size_t ip_length = v6 ? 40 + load_be16(p + at + 4) : load_be16(p + at + 2);
    std::array<std::uint8_t, 18> key{};
    const std::size_t address = v6 ? 16 : 4;
    const std::size_t tcp = at + ip_header;
    const std::uint16_t src_port = load_be16(p + tcp);
    const std::uint16_t dst_port = load_be16(p + tcp + 2);
    const bool from_client = dst_port == 104 || dst_port == 11112;
    t.not_dicom_port += !from_client && src_port != 104 && src_port != 11112;
    const std::size_t client_ip = at + (from_client ? 8 : 8 + address) + (v6 ? 0 : 4);
    for (std::size_t i = 0; i < address; ++i) key[i] = load_u8(p + client_ip + i);
    key[16] = static_cast<std::uint8_t>((from_client ? src_port : dst_port) >> 8);
    key[17] = static_cast<std::uint8_t>(from_client ? src_port : dst_port);
    const std::size_t tcp_header = (load_u8(p + tcp + 12) >> 4) * 4u;
    const auto payload = static_cast<std::uint32_t>(ip_length - ip_header - tcp_header);
    const std::uint8_t flags = load_u8(p + tcp + 13);
    t.payload_bytes += payload;
    FlowTally& flow = t.flows[key];
    if (flow.packets == 0) t.max_open = std::max(t.max_open, ++open);
    ++flow.packets;
    flow.tagged = tagged;
    flow.ipv6 = v6;
    flow.max_payload = std::max(flow.max_payload, payload);
    if (payload > 0) {
      ++flow.data_segments;
      const std::byte* pdu = p + tcp + tcp_header;
      const std::uint8_t type = load_u8(pdu);
      // Short messages are whole PDUs: type 1..6, reserved 0, length = payload - 6.
      if (type < 1 || type > 6 || load_u8(pdu + 1) != 0 || load_be32(pdu + 2) != payload - 6) {
        ++flow.bad_pdu_start;
      }
    } else if (flags == 0x10 && !from_client) {
      ++flow.pure_acks;
    }
    if (ip_length == 1500 && payload == (v6 ? 1428u : 1448u)) ++flow.full_segments;
    if ((flags & 0x04) != 0 || ((flags & 0x01) != 0 && !from_client)) {
      flow.closed = true;  // the server's FIN comes second; the final ACK follows it
      --open;
    }
  }
  pcap_close(pcap);
  return t;
}

TEST(BenchmarkCaptureTest, HundredThousandPacketsHaveTheRequestedMix) {
  const std::string path = temp_path("mix.pcap");
  const auto started = std::chrono::steady_clock::now();
  const BenchmarkCaptureSummary summary = write_benchmark_capture(path, 100'000, 1);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // a few seconds per million at most

  const CaptureTally t = tally(path);
  std::filesystem::remove(path);
  EXPECT_GE(t.packets, 100'000u);
  EXPECT_LT(t.packets, 103'000u);  // the closing FINs of the open flows
  EXPECT_EQ(t.packets, summary.packets);
  EXPECT_EQ(t.bytes, summary.bytes);
  EXPECT_EQ(t.payload_bytes, summary.tcp_payload_bytes);
  EXPECT_EQ(t.flows.size(), summary.flows);
  EXPECT_EQ(t.non_increasing_ts, 0u);
  EXPECT_EQ(t.not_dicom_port, 0u);
  EXPECT_GE(t.max_open, 400u);  // interleaved, not one flow after another

  std::uint64_t bulk_packets = 0, bulk_flows = 0, vlan = 0, v6 = 0, closed = 0;
  std::uint64_t bulk_data = 0, pure_acks = 0, full_segments = 0;
  for (const auto& [key, flow] : t.flows) {
    const bool bulk = flow.max_payload > 1000;
    bulk_packets += bulk ? flow.packets : 0;
    bulk_flows += bulk;
    vlan += flow.tagged;
    v6 += flow.ipv6;
    closed += flow.closed;
    if (!bulk) {
      EXPECT_EQ(flow.bad_pdu_start, 0u);
    }
    if (bulk) {
      bulk_data += flow.data_segments;
      pure_acks += flow.pure_acks;
      full_segments += flow.full_segments;
      EXPECT_GE(flow.full_segments + 1, flow.data_segments);  // only the last may be short
    }
  }
  EXPECT_EQ(bulk_packets, summary.bulk_packets);
  EXPECT_EQ(bulk_flows, summary.bulk_flows);
  EXPECT_EQ(vlan, summary.vlan_flows);
  EXPECT_EQ(v6, summary.ipv6_flows);
  EXPECT_EQ(pure_acks, summary.pure_acks);
  EXPECT_EQ(closed, t.flows.size());  // every conversation ends with FIN or RST
  const double flows = static_cast<double>(t.flows.size());
  EXPECT_NEAR(static_cast<double>(bulk_packets) / static_cast<double>(t.packets), 0.60, 0.03);
  EXPECT_NEAR(static_cast<double>(vlan) / flows, 0.10, 0.03);
  EXPECT_NEAR(static_cast<double>(v6) / flows, 0.10, 0.03);
  EXPECT_GT(t.flows.size(), 2000u);
  // A pure ACK for every second bulk segment (flows cut at the end may miss their last one).
  EXPECT_NEAR(static_cast<double>(bulk_data) / static_cast<double>(pure_acks), 2.0, 0.02);
  EXPECT_GE(full_segments + bulk_flows, bulk_data);
}

TEST(BenchmarkCaptureTest, SameSeedWritesTheSameFile) {
  const std::string a = temp_path("a.pcap");
  const std::string b = temp_path("b.pcap");
  const std::string c = temp_path("c.pcap");
  ASSERT_TRUE(write_benchmark_capture(a, 5'000, 9).ok);
  ASSERT_TRUE(write_benchmark_capture(b, 5'000, 9).ok);
  ASSERT_TRUE(write_benchmark_capture(c, 5'000, 10).ok);
  const auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string bytes_a = read(a);
  EXPECT_GT(bytes_a.size(), 1'000'000u);
  EXPECT_EQ(bytes_a, read(b));
  EXPECT_NE(bytes_a, read(c));
  for (const auto& path : {a, b, c}) std::filesystem::remove(path);
}

TEST(BenchmarkCaptureTest, DescribeListsEveryCount) {
  BenchmarkCaptureSummary s;
  s.ok = true;
  s.packets = 10;
  s.bytes = 2000;
  s.flows = 2;
  s.tcp_payload_bytes = 1448;
  s.bulk_packets = 6;
  s.short_packets = 4;
  s.bulk_flows = 1;
  s.short_flows = 1;
  s.ipv6_flows = 1;
  s.pure_acks = 3;
  EXPECT_EQ(describe(s),
            "packets=10 bytes=2000 flows=2 tcp_payload_bytes=1448 bulk_packets=6 short_packets=4 "
            "bulk_flows=1 short_flows=1 vlan_flows=0 ipv6_flows=1 pure_acks=3");
  s.ok = false;
  s.error = "cannot open x.pcap";
  EXPECT_EQ(describe(s), "error: cannot open x.pcap");
}

TEST(BenchmarkCaptureTest, UnwritablePathIsReportedNotThrown) {
  const BenchmarkCaptureSummary summary =
      write_benchmark_capture("/nonexistent-dir/for/sure/x.pcap", 10, 1);
  EXPECT_FALSE(summary.ok);
  EXPECT_FALSE(summary.error.empty());
  EXPECT_EQ(summary.packets, 0u);
}

}  // namespace
}  // namespace dicomsentry::synth
