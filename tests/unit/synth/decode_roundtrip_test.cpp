// Frames from the synthetic builders decode back, checksums validated, to what was built.
#include <pcap/pcap.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "benchmark_capture.hpp"
#include "decode/decoder.hpp"
#include "frame_builder.hpp"
#include "synthetic_traffic.hpp"

namespace dicomsentry::synth {
namespace {

constexpr DecodeOptions kValidate{.validate_checksums = true};

PacketView view_of(const std::vector<std::byte>& frame) {
  PacketView packet;
  packet.bytes = frame;
  packet.original_length = static_cast<std::uint32_t>(frame.size());
  return packet;
}

FlowSpec impaired_spec(std::uint8_t ip_version) {
  FlowSpec spec;
  spec.ip_version = ip_version;
  if (ip_version == 6) {
    spec.client_ip = ipv6_address({0xfd00, 0, 0, 0, 0, 0, 0, 0x10});
    spec.server_ip = ipv6_address({0xfd00, 0, 0, 0, 0, 0, 0, 0x20});
    spec.ipv6_extensions = {{kIpv6HopByHop, 8, 0}, {kIpv6DestinationOptions, 16, 0}};
  }
  spec.vlans = {7, 300};
  spec.mss = 500;
  std::vector<std::byte> request(3000), response(1234);
  for (std::size_t i = 0; i < request.size(); ++i) request[i] = std::byte{static_cast<std::uint8_t>(i)};
  for (std::size_t i = 0; i < response.size(); ++i) response[i] = std::byte{static_cast<std::uint8_t>(i * 3)};
  spec.messages = {{Direction::kClientToServer, request}, {Direction::kServerToClient, response}};
  spec.reorder_probability = 0.2;
  spec.retransmit_probability = 0.2;
  spec.overlap_probability = 0.2;
  spec.overlap_conflict_probability = 0.1;
  spec.loss_probability = 0.1;
  spec.seed = 5;
  return spec;
}

void expect_flow_decodes(const FlowSpec& spec) {
  const SyntheticFlow flow = make_flow(spec);
  DecodeCounters counters;
  for (std::size_t i = 0; i < flow.frames.size(); ++i) {
    const auto& frame = flow.frames[i].bytes;
    const FrameInfo& info = flow.info[i];
    const bool c2s = info.direction == Direction::kClientToServer;
    DecodedPacket d;
    ASSERT_EQ(decode_packet(view_of(frame), kValidate, d, counters), DecodeResult::kTcp)
        << i << " " << decode_reason_name(d.reason);
    EXPECT_EQ(d.vlan_count, 2);
    EXPECT_EQ(d.vlan_ids[0], 7);
    EXPECT_EQ(d.vlan_ids[1], 300);
    EXPECT_EQ(d.ip_version, spec.ip_version);
    EXPECT_EQ(d.ip_proto, static_cast<std::uint8_t>(IpProto::kTcp));
    EXPECT_EQ(d.src_ip, c2s ? spec.client_ip : spec.server_ip);
    EXPECT_EQ(d.dst_ip, c2s ? spec.server_ip : spec.client_ip);
    EXPECT_EQ(d.src_port, c2s ? spec.client_port : spec.server_port);
    EXPECT_EQ(d.tcp.seq, info.seq);
    EXPECT_TRUE(d.tcp.options.has_timestamps);
    EXPECT_EQ(d.payload.data(), frame.data() + info.payload_offset);
    EXPECT_EQ(d.payload.size(), info.payload_length);
    if (info.kind == SegmentKind::kSyn || info.kind == SegmentKind::kSynAck) {
      EXPECT_EQ(d.tcp.options.mss, spec.mss);
      EXPECT_EQ(d.tcp.options.window_scale, 7);
      EXPECT_TRUE(d.tcp.options.sack_permitted);
    }
  }
  EXPECT_EQ(counters.tcp, flow.frames.size());
  EXPECT_EQ(counters.malformed, 0u);
}

TEST(DecodeRoundTripTest, ImpairedQinQIpv4FlowDecodesFrameByFrame) {
  expect_flow_decodes(impaired_spec(4));
}

TEST(DecodeRoundTripTest, ImpairedQinQIpv6FlowWithExtensionHeadersDecodesFrameByFrame) {
  expect_flow_decodes(impaired_spec(6));
}

TEST(DecodeRoundTripTest, CorruptChecksumsAreRejectedWithTheirOwnReasons) {
  const auto payload = to_bytes("hello");
  FrameSpec s;
  s.src_ip = ipv4_address(10, 0, 0, 1);
  s.dst_ip = ipv4_address(10, 0, 0, 2);
  s.payload = payload;
  std::vector<std::byte> frame;
  DecodeCounters counters;
  DecodedPacket d;
  s.corrupt_ip_checksum = true;
  build_frame(s, frame);
  EXPECT_EQ(decode_packet(view_of(frame), kValidate, d, counters), DecodeResult::kMalformed);
  EXPECT_EQ(d.reason, DecodeReason::kIpv4BadChecksum);
  s.corrupt_ip_checksum = false;
  s.corrupt_transport_checksum = true;
  build_frame(s, frame);
  EXPECT_EQ(decode_packet(view_of(frame), kValidate, d, counters), DecodeResult::kMalformed);
  EXPECT_EQ(d.reason, DecodeReason::kTcpBadChecksum);
  s.transport = IpProto::kUdp;
  build_frame(s, frame);
  EXPECT_EQ(decode_packet(view_of(frame), kValidate, d, counters), DecodeResult::kMalformed);
  EXPECT_EQ(d.reason, DecodeReason::kUdpBadChecksum);
}

TEST(DecodeRoundTripTest, PaddedUdpFrameDecodesWithoutThePadding) {
  const auto payload = to_bytes("abc");
  FrameSpec s;
  s.transport = IpProto::kUdp;
  s.src_port = 40000;
  s.dst_port = 9999;
  s.payload = payload;
  s.pad_to_ethernet_minimum = true;
  std::vector<std::byte> frame;
  build_frame(s, frame);
  ASSERT_EQ(frame.size(), 60u);
  DecodeCounters counters;
  DecodedPacket d;
  ASSERT_EQ(decode_packet(view_of(frame), kValidate, d, counters), DecodeResult::kUdp);
  EXPECT_EQ(d.payload.size(), 3u);
  EXPECT_EQ(d.ip_packet.size(), 31u);
}

TEST(DecodeRoundTripTest, EveryBenchmarkCapturePacketDecodesAsTcpWithValidChecksums) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("dicomsentry_synth_decode_" + std::to_string(::getpid()) + ".pcap"))
                               .string();
  const BenchmarkCaptureSummary summary = write_benchmark_capture(path, 20'000, 3);
  ASSERT_TRUE(summary.ok) << summary.error;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  ASSERT_NE(pcap, nullptr) << errbuf;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  DecodeCounters counters;
  DecodedPacket d;
  std::uint64_t payload_bytes = 0;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    PacketView packet;
    packet.bytes = as_byte_view(data, header->caplen);
    packet.original_length = header->len;
    if (decode_packet(packet, kValidate, d, counters) == DecodeResult::kTcp) payload_bytes += d.payload.size();
  }
  pcap_close(pcap);
  std::filesystem::remove(path);
  EXPECT_EQ(counters.packets, summary.packets);
  EXPECT_EQ(counters.tcp, summary.packets);
  EXPECT_EQ(counters.malformed, 0u);
  EXPECT_EQ(payload_bytes, summary.tcp_payload_bytes);
}

}  // namespace
}  // namespace dicomsentry::synth
