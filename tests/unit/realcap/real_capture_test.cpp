// Real DCMTK traffic captured on loopback (pcaps/, made by pcaps/make_captures.sh): per-flow
// counts and the reassembled byte streams must equal what tshark, an independent tool,
// recorded in pcaps/expected/*.json when the captures were made.
#include <arpa/inet.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "capture/capture_file.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry {
namespace {

std::string ip_text(std::uint8_t version, const IpAddress& ip) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 6 ? AF_INET6 : AF_INET, ip.bytes.data(), text, sizeof text);
  return text;
}

// Hashes each direction of every TCP stream as delivered, and records the flows that end.
class StreamRecorder final : public StreamConsumer, public FlowEndHandler {
 public:
  struct Direction {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha{EVP_MD_CTX_new(), EVP_MD_CTX_free};
    std::uint64_t bytes = 0;
    std::uint64_t gaps = 0;
    int ends = 0;
    std::string digest;
  };
  struct Record {
    std::string client;  // "ip:port"
    std::string server;
    std::uint8_t ip_version = 0;
    std::uint64_t packets[2] = {0, 0};
    std::uint64_t frame_bytes[2] = {0, 0};
    TcpState tcp_state = TcpState::kNone;
    bool midstream = false;
    std::uint32_t retransmissions[2] = {0, 0};
    Direction stream[2];
  };

  Consumed on_data(const StreamContext& context, ByteView data) override {
    Direction& d = direction(context);
    EXPECT_EQ(context.offset, d.bytes + d.gaps);
    EVP_DigestUpdate(d.sha.get(), data.data(), data.size());
    d.bytes += data.size();
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext& context, std::uint64_t bytes) override {
    direction(context).gaps += bytes;
  }
  void on_end(const StreamContext& context) override {
    Direction& d = direction(context);
    ++d.ends;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(d.sha.get(), digest, &size);
    for (unsigned int i = 0; i < size; ++i) d.digest += fmt::format("{:02x}", digest[i]);
  }
  void on_flow_end(Flow& flow) override {
    if (flow.app_state == nullptr) {
      records_.push_back(std::make_unique<Record>());  // a flow that never carried data
      flow.app_state = records_.back().get();
    }
    Record& r = *static_cast<Record*>(flow.app_state);
    const bool lo = flow.client_is_lo;
    const FlowKey& k = flow.key;
    r.ip_version = k.ip_version;
    r.client = fmt::format("{}:{}", ip_text(k.ip_version, lo ? k.lo_ip : k.hi_ip), lo ? k.lo_port : k.hi_port);
    r.server = fmt::format("{}:{}", ip_text(k.ip_version, lo ? k.hi_ip : k.lo_ip), lo ? k.hi_port : k.lo_port);
    for (int i = 0; i < 2; ++i) {
      r.packets[i] = flow.packets[i];
      r.frame_bytes[i] = flow.bytes[i];
      r.retransmissions[i] = flow.stream[i].retransmissions;
    }
    r.tcp_state = flow.tcp_state;
    r.midstream = flow.midstream;
    by_client_[r.client] = &r;
  }

  const Record* find(const std::string& client) const {
    auto it = by_client_.find(client);
    return it == by_client_.end() ? nullptr : it->second;
  }
  std::size_t flows() const { return by_client_.size(); }

 private:
  Direction& direction(const StreamContext& context) {
    if (context.flow.app_state == nullptr) {
      records_.push_back(std::make_unique<Record>());
      for (auto& d : records_.back()->stream) EVP_DigestInit_ex(d.sha.get(), EVP_sha256(), nullptr);
      context.flow.app_state = records_.back().get();
    }
    return static_cast<Record*>(context.flow.app_state)->stream[static_cast<int>(context.direction)];
  }

  std::vector<std::unique_ptr<Record>> records_;
  std::map<std::string, Record*> by_client_;
};

std::vector<std::string> expected_captures() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(DICOMSENTRY_PCAP_DIR "/expected")) {
    if (entry.path().extension() != ".json") continue;
    // The DICOM protocol captures' oracles describe associations, not TCP conversations;
    // their tests belong to the DICOM engine.
    std::ifstream in(entry.path());
    if (nlohmann::json::parse(in).contains("conversations")) {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class RealCaptureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealCaptureTest, FlowsAndStreamsMatchTshark) {
  const std::string name = GetParam();
  std::ifstream in(fmt::format("{}/expected/{}.json", DICOMSENTRY_PCAP_DIR, name));
  const nlohmann::json expected = nlohmann::json::parse(in);

  CaptureError error;
  auto file = CaptureFile::open(fmt::format("{}/{}", DICOMSENTRY_PCAP_DIR,
                                            expected["capture"].get<std::string>()), error);
  ASSERT_TRUE(file) << error.message();
  StreamRecorder recorder;
  std::uint64_t frames = 0;
  {
    Pipeline pipeline(PipelineConfig{}, recorder, &recorder);
    PacketView packet;
    while (file->next(packet) == ReadResult::kPacket) {
      ++frames;
      pipeline.process(packet);
    }
    ASSERT_EQ(file->next(packet), ReadResult::kEnd) << file->error().message();
    pipeline.finish();
    EXPECT_EQ(pipeline.decode_counters().malformed, 0u);
    EXPECT_EQ(pipeline.decode_counters().tcp, expected["file"]["tcp_frames"].get<std::uint64_t>());
    EXPECT_EQ(pipeline.reassembly_counters().gaps, 0u);
  }
  EXPECT_EQ(frames, expected["file"]["frames"].get<std::uint64_t>());

  const auto& conversations = expected["conversations"];
  ASSERT_EQ(recorder.flows(), conversations.size());
  for (const auto& c : conversations) {
    const std::string client = fmt::format("{}:{}", c["client"]["ip"].get<std::string>(),
                                           c["client"]["port"].get<int>());
    const std::string server = fmt::format("{}:{}", c["server"]["ip"].get<std::string>(),
                                           c["server"]["port"].get<int>());
    SCOPED_TRACE(name + " " + client + " -> " + server);
    const StreamRecorder::Record* r = recorder.find(client);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->server, server);
    EXPECT_EQ(r->ip_version, c["ip_version"].get<int>());
    EXPECT_FALSE(r->midstream);
    EXPECT_EQ(r->tcp_state, c["rst"].get<bool>() || c["fin"].get<bool>() ? TcpState::kClosed
                                                                         : TcpState::kEstablished);
    const char* sides[2] = {"toserver", "toclient"};
    for (int i = 0; i < 2; ++i) {
      const auto& side = c[sides[i]];
      SCOPED_TRACE(sides[i]);
      EXPECT_EQ(r->packets[i], side["frames"].get<std::uint64_t>());
      EXPECT_EQ(r->frame_bytes[i], side["frame_bytes"].get<std::uint64_t>());
      EXPECT_EQ(r->retransmissions[i], side["retransmitted_frames"].get<std::uint32_t>());
      EXPECT_EQ(r->stream[i].bytes, side["stream_bytes"].get<std::uint64_t>());
      EXPECT_EQ(r->stream[i].gaps, 0u);
      EXPECT_EQ(r->stream[i].ends, side["stream_bytes"].get<std::uint64_t>() > 0 ? 1 : 0);
      if (side["stream_bytes"].get<std::uint64_t>() > 0) {
        EXPECT_EQ(r->stream[i].digest, side["stream_sha256"].get<std::string>());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pcaps, RealCaptureTest, ::testing::ValuesIn(expected_captures()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace dicomsentry
