// Benchmark capture: read back with libpcap, check the TCP of every flow, walk every stream with
// the src/dicom parsers and count what the summary says was sent.
#include "benchmark_capture.hpp"

#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "dicom_stream_walker.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::synth {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("dicomsentry_synth_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

struct Side {
  bool started = false;
  std::uint32_t next_seq = 0;  // after the last byte (SYN, FIN) this side sent
  std::unique_ptr<DicomStreamWalker> walker = std::make_unique<DicomStreamWalker>(0);
};

struct FlowTally {
  std::uint64_t packets = 0;
  bool bulk = false;  // the server is an archive (host 20)
  bool tagged = false;
  bool ipv6 = false;
  bool closed = false;
  bool handshake_acked = false;
  std::array<Side, 2> sides;  // [0] client, [1] server
  int last_sender = -1;       // of the last data segment
  std::uint32_t run = 0;      // data segments of last_sender with no packet back
  std::uint64_t data_segments = 0;
  std::uint64_t pure_acks = 0;       // ACKs with no data between the handshake and the FINs
  std::uint64_t acks_after_two = 0;  // ... that answered exactly two segments
  std::uint32_t max_run = 0;
  std::uint64_t short_without_psh = 0;  // a segment below the MSS that does not end a turn
  std::uint64_t seq_errors = 0;         // a sequence or acknowledgement number out of line
};

struct DicomTally {
  bool all_ok = true;
  std::string first_error;
  std::uint64_t associations = 0, releases = 0, store_bytes = 0;
  std::map<std::uint16_t, std::uint64_t> commands;  // complete messages by Command Field
  std::set<std::uint32_t> pdata_lengths;            // largest P-DATA-TF PDU per flow
  std::uint64_t min_store = ~std::uint64_t{0}, max_store = 0;

  void take(const DicomStreamWalker& client, const DicomStreamWalker& server) {
    for (const DicomStreamWalker* w : {&client, &server}) {
      if (!w->ok() && all_ok) {
        all_ok = false;
        first_error = w->error();
      }
      for (const WalkedMessage& m : w->messages()) {
        ++commands[m.command_field];
        if (m.command_field != 0x0001) continue;
        store_bytes += m.data_set_length;
        min_store = std::min(min_store, m.data_set_length);
        max_store = std::max(max_store, m.data_set_length);
      }
      if (w->max_pdata_length() > 1000) pdata_lengths.insert(w->max_pdata_length());
    }
    associations += client.pdus_by_type()[1];
    releases += server.pdus_by_type()[6];
  }
};

struct CaptureTally {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t not_dicom_port = 0;
  std::uint64_t non_increasing_ts = 0;
  std::uint64_t max_open = 0;
  std::map<std::array<std::uint8_t, 18>, FlowTally> flows;  // client address + port
  DicomTally dicom;
};

// An independent parse of what write_benchmark_capture emits: Ethernet, at most one 802.1Q
// tag, IPv4 without options or IPv6 without extensions, TCP; no loss, no reordering.
void on_packet(CaptureTally& t, const std::byte* p, std::size_t caplen, std::uint64_t& open) {
  ++t.packets;
  t.bytes += caplen;
  std::size_t at = 12;
  const bool tagged = load_be16(p + at) == 0x8100;
  if (tagged) at += 4;
  const bool v6 = load_be16(p + at) == 0x86dd;
  at += 2;
  const std::size_t ip_header = v6 ? 40 : 20;
  const std::size_t ip_length = v6 ? 40 + load_be16(p + at + 4) : load_be16(p + at + 2);
  const std::size_t address = v6 ? 16 : 4;
  const std::size_t tcp = at + ip_header;
  const std::uint16_t src_port = load_be16(p + tcp);
  const std::uint16_t dst_port = load_be16(p + tcp + 2);
  const bool from_client = dst_port == 104 || dst_port == 11112;
  t.not_dicom_port += !from_client && src_port != 104 && src_port != 11112;
  const std::size_t src_ip = at + (v6 ? 8 : 12);
  const std::size_t client_ip = from_client ? src_ip : src_ip + address;
  const std::size_t server_ip = from_client ? src_ip + address : src_ip;
  std::array<std::uint8_t, 18> key{};
  for (std::size_t i = 0; i < address; ++i) key[i] = load_u8(p + client_ip + i);
  key[16] = static_cast<std::uint8_t>((from_client ? src_port : dst_port) >> 8);
  key[17] = static_cast<std::uint8_t>(from_client ? src_port : dst_port);
  const std::size_t tcp_header = (load_u8(p + tcp + 12) >> 4) * 4u;
  const auto payload = static_cast<std::uint32_t>(ip_length - ip_header - tcp_header);
  const std::uint8_t flags = load_u8(p + tcp + 13);
  const std::uint32_t seq = load_be32(p + tcp + 4);
  const std::uint32_t ack = load_be32(p + tcp + 8);
  t.payload_bytes += payload;

  FlowTally& flow = t.flows[key];
  if (flow.packets == 0) t.max_open = std::max(t.max_open, ++open);
  ++flow.packets;
  flow.tagged = tagged;
  flow.ipv6 = v6;
  flow.bulk = load_u8(p + server_ip + (v6 ? 13 : 3)) == 20;
  const int s = from_client ? 0 : 1;
  Side& me = flow.sides[s];
  const Side& peer = flow.sides[1 - s];
  const bool syn = (flags & 0x02) != 0, fin = (flags & 0x01) != 0, rst = (flags & 0x04) != 0;
  if (!me.started) {
    me.started = true;
    me.next_seq = seq;
  }
  flow.seq_errors += seq != me.next_seq;
  flow.seq_errors += peer.started && (flags & 0x10) != 0 && ack != peer.next_seq;
  me.next_seq = seq + payload + (syn || fin ? 1 : 0);

  const bool mss_full = payload == (v6 ? 1428u : 1448u);
  if (payload > 0) {
    ++flow.data_segments;
    flow.short_without_psh += !mss_full && (flags & 0x08) == 0;
    flow.run = flow.last_sender == s ? flow.run + 1 : 1;
    flow.last_sender = s;
    flow.max_run = std::max(flow.max_run, flow.run);
    me.walker->feed(as_byte_view(p + tcp + tcp_header, payload));
  } else {
    const bool handshake_ack = from_client && !flow.handshake_acked && flags == 0x10;
    flow.handshake_acked |= handshake_ack;
    const bool final_ack = from_client && flow.closed;
    if (flags == 0x10 && !handshake_ack && !final_ack) {
      ++flow.pure_acks;
      flow.acks_after_two += flow.last_sender == 1 - s && flow.run == 2;
    }
    if (flow.last_sender == 1 - s) flow.run = 0;
  }
  if (rst || (fin && !from_client)) {
    flow.closed = true;  // the server's FIN comes second; the final ACK follows it
    --open;
    t.dicom.take(*flow.sides[0].walker, *flow.sides[1].walker);
    flow.sides[0].walker = std::make_unique<DicomStreamWalker>(0);  // free what it held
    flow.sides[1].walker = std::make_unique<DicomStreamWalker>(0);
  }
}

CaptureTally tally(const std::string& path) {
  CaptureTally t;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    ADD_FAILURE() << errbuf;
    return t;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  std::int64_t last_ts = 0;
  std::uint64_t open = 0;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    const std::int64_t ts = std::int64_t{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec;
    t.non_increasing_ts += ts <= last_ts;
    last_ts = ts;
    on_packet(t, as_byte_view(data, header->caplen).data(), header->caplen, open);
  }
  pcap_close(pcap);
  return t;
}

class BenchmarkCaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = temp_path("mix.pcap");
    const auto started = std::chrono::steady_clock::now();
    summary_ = write_benchmark_capture(path_, 100'000, 1);
    elapsed_ = std::chrono::steady_clock::now() - started;
    tally_ = tally(path_);
    std::filesystem::remove(path_);
  }
  static inline std::string path_;
  static inline BenchmarkCaptureSummary summary_;
  static inline std::chrono::steady_clock::duration elapsed_;
  static inline CaptureTally tally_;
};

TEST_F(BenchmarkCaptureTest, HundredThousandPacketsHaveTheRequestedMix) {
  ASSERT_TRUE(summary_.ok) << summary_.error;
  // Not a timing test (bench_e2e times generation): a bound only a runaway generator breaks,
  // loose enough for sanitizers on a loaded machine.
  EXPECT_LT(elapsed_, std::chrono::seconds(120));
  const CaptureTally& t = tally_;
  EXPECT_GE(t.packets, 100'000u);
  EXPECT_LT(t.packets, 103'000u);  // the closing FINs of the open flows
  EXPECT_EQ(t.packets, summary_.packets);
  EXPECT_EQ(t.bytes, summary_.bytes);
  EXPECT_EQ(t.payload_bytes, summary_.tcp_payload_bytes);
  EXPECT_EQ(t.flows.size(), summary_.flows);
  EXPECT_EQ(t.non_increasing_ts, 0u);
  EXPECT_EQ(t.not_dicom_port, 0u);
  EXPECT_GE(t.max_open, 380u);  // 400 short and 2 C-STORE slots: interleaved, not in turn

  std::uint64_t bulk_packets = 0, bulk_flows = 0, vlan = 0, v6 = 0, closed = 0;
  for (const auto& [key, flow] : t.flows) {
    bulk_packets += flow.bulk ? flow.packets : 0;
    bulk_flows += flow.bulk;
    vlan += flow.tagged;
    v6 += flow.ipv6;
    closed += flow.closed;
  }
  EXPECT_EQ(bulk_packets, summary_.bulk_packets);
  EXPECT_EQ(t.packets - bulk_packets, summary_.short_packets);
  EXPECT_EQ(bulk_flows, summary_.bulk_flows);
  EXPECT_EQ(vlan, summary_.vlan_flows);
  EXPECT_EQ(v6, summary_.ipv6_flows);
  EXPECT_EQ(closed, t.flows.size());  // every conversation ends with FIN or RST
  const double flows = static_cast<double>(t.flows.size());
  EXPECT_NEAR(static_cast<double>(bulk_packets) / static_cast<double>(t.packets), 0.60, 0.03);
  EXPECT_NEAR(static_cast<double>(vlan) / flows, 0.10, 0.03);
  EXPECT_NEAR(static_cast<double>(v6) / flows, 0.10, 0.03);
  EXPECT_GT(t.flows.size(), 1500u);
}

TEST_F(BenchmarkCaptureTest, TcpIsInLineAndAckedEverySecondSegment) {
  std::uint64_t seq_errors = 0, short_without_psh = 0, pure_acks = 0, acks_after_two = 0;
  std::uint32_t max_run = 0;
  for (const auto& [key, flow] : tally_.flows) {
    seq_errors += flow.seq_errors;
    short_without_psh += flow.short_without_psh;
    pure_acks += flow.pure_acks;
    acks_after_two += flow.acks_after_two;
    max_run = std::max(max_run, flow.max_run);
  }
  EXPECT_EQ(seq_errors, 0u);
  EXPECT_EQ(short_without_psh, 0u);  // only the last segment of a turn is below the MSS
  EXPECT_EQ(max_run, 2u);            // never three segments without an answer
  EXPECT_EQ(pure_acks, summary_.pure_acks);
  EXPECT_EQ(acks_after_two, pure_acks);
  EXPECT_GT(pure_acks, 15'000u);  // C-STORE data: one ACK per two segments
}

TEST_F(BenchmarkCaptureTest, EveryStreamIsCleanDicomWithTheSummarysCounts) {
  const DicomTally& d = tally_.dicom;
  EXPECT_TRUE(d.all_ok) << d.first_error;
  EXPECT_EQ(d.associations, summary_.associations);
  EXPECT_EQ(d.releases, summary_.releases);
  const auto count = [&](std::uint16_t command) {
    const auto it = d.commands.find(command);
    return it == d.commands.end() ? 0u : it->second;
  };
  EXPECT_EQ(count(0x0030), summary_.c_echo_rq);
  EXPECT_EQ(count(0x8030), summary_.c_echo_rsp);
  EXPECT_EQ(count(0x0001), summary_.c_store_rq);
  EXPECT_EQ(count(0x8001), summary_.c_store_rsp);
  EXPECT_EQ(count(0x0020), summary_.c_find_rq);
  EXPECT_EQ(count(0x8020), summary_.c_find_rsp);
  EXPECT_EQ(d.store_bytes, summary_.c_store_bytes);
  EXPECT_EQ(d.commands.size(), 6u);  // nothing else was sent

  // What makes it realistic: multi-megabyte objects, DCMTK's PDU sizes, bursts of responses.
  EXPECT_GE(summary_.c_store_rq, 2u);
  EXPECT_GE(d.min_store, 1024u * 1024);
  EXPECT_LE(d.max_store, 8u * 1024 * 1024 + 1024);
  for (const std::uint32_t length : d.pdata_lengths) {
    EXPECT_TRUE(length == 16378 || length == 65530 || length == 131066) << length;
  }
  EXPECT_TRUE(d.pdata_lengths.count(16378));
  EXPECT_GT(summary_.c_echo_rq, 300u);
  EXPECT_GT(summary_.c_find_rq, 300u);
  EXPECT_GT(summary_.c_find_rsp, 4 * summary_.c_find_rq);
  EXPECT_GT(summary_.releases, summary_.associations * 8 / 10);
  EXPECT_LE(summary_.releases, summary_.associations);
}

TEST(BenchmarkCaptureSeedTest, SameSeedWritesTheSameFile) {
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

TEST(BenchmarkCaptureSummaryTest, DescribeListsEveryCount) {
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
  s.associations = 2;
  s.releases = 1;
  s.c_echo_rq = 4;
  s.c_echo_rsp = 5;
  s.c_store_rq = 6;
  s.c_store_rsp = 7;
  s.c_store_bytes = 8;
  s.c_find_rq = 9;
  s.c_find_rsp = 11;
  EXPECT_EQ(describe(s),
            "packets=10 bytes=2000 flows=2 tcp_payload_bytes=1448 bulk_packets=6 short_packets=4 "
            "bulk_flows=1 short_flows=1 vlan_flows=0 ipv6_flows=1 pure_acks=3 associations=2 "
            "releases=1 c_echo_rq=4 c_echo_rsp=5 c_store_rq=6 c_store_rsp=7 c_store_bytes=8 "
            "c_find_rq=9 c_find_rsp=11");
  s.ok = false;
  s.error = "cannot open x.pcap";
  EXPECT_EQ(describe(s), "error: cannot open x.pcap");
}

TEST(BenchmarkCaptureSummaryTest, UnwritablePathIsReportedNotThrown) {
  const BenchmarkCaptureSummary summary =
      write_benchmark_capture("/nonexistent-dir/for/sure/x.pcap", 10, 1);
  EXPECT_FALSE(summary.ok);
  EXPECT_FALSE(summary.error.empty());
  EXPECT_EQ(summary.packets, 0u);
}

}  // namespace
}  // namespace dicomsentry::synth
