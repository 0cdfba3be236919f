// write_pcap: interleaved flows land in an Ethernet pcap in timestamp order, byte for byte.
#include <pcap/pcap.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "synthetic_traffic.hpp"

namespace dicomsentry::synth {
namespace {

struct Record {
  TimestampNs ts = 0;
  std::vector<std::byte> bytes;
};

std::vector<Record> read_all(const std::string& path, int* link_type) {
  std::vector<Record> out;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    ADD_FAILURE() << errbuf;
    return out;
  }
  *link_type = pcap_datalink(pcap);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  for (int guard = 0; guard < 100'000 && pcap_next_ex(pcap, &header, &data) == 1; ++guard) {
    const auto view = as_byte_view(data, header->caplen);
    out.push_back({TimestampNs{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec,
                   {view.begin(), view.end()}});
  }
  pcap_close(pcap);
  return out;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("dicomsentry_synth_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(WritePcapTest, InterleavedFlowsAreWrittenInTimestampOrder) {
  std::vector<SyntheticFlow> flows;
  for (std::uint16_t i = 0; i < 3; ++i) {
    FlowSpec spec;
    spec.client_port = static_cast<std::uint16_t>(50000 + i);
    spec.start_time += i * 33'000;  // overlapping in time with gap 100 us
    spec.messages = {{Direction::kClientToServer, to_bytes("request " + std::to_string(i))},
                     {Direction::kServerToClient, to_bytes("response")}};
    spec.reorder_probability = 0.5;
    spec.seed = i;
    flows.push_back(make_flow(spec));
  }
  const std::string path = temp_path("flows.pcap");
  std::string error;
  ASSERT_TRUE(write_pcap(path, flows, &error)) << error;
  int link_type = -1;
  const auto records = read_all(path, &link_type);
  std::filesystem::remove(path);
  EXPECT_EQ(link_type, 1);  // Ethernet
  const auto order = interleave(flows);
  ASSERT_EQ(records.size(), order.size());
  ASSERT_EQ(records.size(), 3u * 8);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].ts, order[i]->ts) << i;
    EXPECT_EQ(records[i].bytes, order[i]->bytes) << i;
    if (i > 0) {
      EXPECT_LT(records[i - 1].ts, records[i].ts) << i;
    }
  }
  // Flow 1 starts a third of a gap after flow 0: the second record is flow 1's SYN.
  EXPECT_EQ(records[1].bytes, flows[1].frames[0].bytes);
}

TEST(WritePcapTest, MidStreamCaptureStartsAtTheFirstKeptFrame) {
  FlowSpec spec;
  spec.mss = 4;
  spec.messages = {{Direction::kClientToServer, to_bytes("0123456789")}};
  spec.ack_every = 0;
  const SyntheticFlow late = drop_first_frames(make_flow(spec), 5);  // handshake, "0123", "4567"
  const std::string path = temp_path("late.pcap");
  ASSERT_TRUE(write_pcap(path, {late}));
  int link_type = -1;
  const auto records = read_all(path, &link_type);
  std::filesystem::remove(path);
  ASSERT_EQ(records.size(), 4u);  // "89", FIN, FIN, ACK
  EXPECT_EQ(records[0].bytes, late.frames[0].bytes);
  EXPECT_EQ(late.stream(Direction::kClientToServer).bytes, to_bytes("89"));
  EXPECT_EQ(late.stream(Direction::kClientToServer).start_seq, spec.client_isn + 1 + 8);
}

TEST(WritePcapTest, UnwritablePathIsReported) {
  std::string error;
  EXPECT_FALSE(write_pcap("/nonexistent-dir/for/sure/x.pcap", {}, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace dicomsentry::synth
