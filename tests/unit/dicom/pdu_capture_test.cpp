// Real traffic through the parsers: every PDU of every stream of the repo's DCMTK captures
// (counts checked against tshark's oracle in pcaps/expected/), and the public A-ASSOCIATE-RQs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture/capture_file.hpp"
#include "dicom/pdu.hpp"
#include "dicom/pdu_associate.hpp"
#include "dicom/pdu_data.hpp"
#include "pdu_test_bytes.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry::dicom {
namespace {

// Appends each direction of each TCP stream, in the order flows first carry data.
class StreamCollector final : public StreamConsumer {
 public:
  struct Streams {
    std::vector<std::byte> bytes[2];
    std::uint64_t gaps = 0;
  };

  Consumed on_data(const StreamContext& context, ByteView data) override {
    auto& out = streams(context).bytes[static_cast<int>(context.direction)];
    out.insert(out.end(), data.begin(), data.end());
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext& context, std::uint64_t bytes) override {
    streams(context).gaps += bytes;
  }
  void on_end(const StreamContext&) override {}

  const std::vector<std::unique_ptr<Streams>>& flows() const { return flows_; }

 private:
  Streams& streams(const StreamContext& context) {
    if (context.flow.app_state == nullptr) {
      flows_.push_back(std::make_unique<Streams>());
      context.flow.app_state = flows_.back().get();
    }
    return *static_cast<Streams*>(context.flow.app_state);
  }
  std::vector<std::unique_ptr<Streams>> flows_;
};

// Runs a capture through the pipeline; false (with a message) if it cannot be read.
bool collect(const std::string& path, StreamCollector& collector, std::string& error_text) {
  CaptureError error;
  auto file = CaptureFile::open(path, error);
  if (!file) {
    error_text = error.message();
    return false;
  }
  Pipeline pipeline(PipelineConfig{}, collector, nullptr);
  PacketView packet;
  for (int i = 0; i < 1'000'000 && file->next(packet) == ReadResult::kPacket; ++i) {
    pipeline.process(packet);
  }
  pipeline.finish();
  return true;
}

struct StreamSummary {
  std::map<std::string, int> by_type;  // "0x01" -> count, as in the oracle
  int count = 0;
  std::uint32_t max_length = 0;
  std::vector<std::string> problems;  // any PDU that did not parse cleanly
  std::unique_ptr<AssociatePdu> association = std::make_unique<AssociatePdu>();  // RQ or AC
};

// Walks a whole stream PDU by PDU with the parser of each type.
StreamSummary walk(const std::vector<std::byte>& stream) {
  StreamSummary s;
  const ByteView all(stream.data(), stream.size());
  std::size_t at = 0;
  for (int guard = 0; at < all.size() && guard < 100'000; ++guard) {
    const ByteView rest = all.subspan(at);
    const PduHeader h = parse_pdu_header(rest);
    if (!is_usable(classify(h)) || rest.size() < h.total_length()) {
      s.problems.push_back(fmt::format("bad or cut header at {}", at));
      break;
    }
    const ByteView one = rest.first(h.total_length());
    ++s.count;
    ++s.by_type[fmt::format("0x{:02x}", h.type)];
    s.max_length = std::max(s.max_length, h.length);
    PduParse parse;
    switch (h.pdu_type()) {
      case PduType::kAssociateRq:
        parse_associate_rq(one, *s.association);
        parse = s.association->parse;
        break;
      case PduType::kAssociateAc:
        parse_associate_ac(one, *s.association);
        parse = s.association->parse;
        break;
      case PduType::kAssociateRj:
        parse = parse_associate_rj(one).parse;
        break;
      case PduType::kReleaseRq:
      case PduType::kReleaseRp:
        parse = parse_release(one).parse;
        break;
      case PduType::kAbort:
        parse = parse_abort(one).parse;
        break;
      case PduType::kPDataTf: {
        const ByteView body = one.subspan(kPduHeaderLength);
        if (!validate_pdata_framing(body).ok)
          s.problems.push_back(fmt::format("framing at {}", at));
        PdvIterator it(body, &parse.anomalies, kPduHeaderLength);
        Pdv pdv;
        PdvIterator::Step step;
        while ((step = it.next(pdv)) == PdvIterator::Step::kPdv) {
        }
        if (step != PdvIterator::Step::kEnd) parse.status = ParseStatus::kMalformed;
        break;
      }
    }
    if (parse.status != ParseStatus::kOk || !parse.anomalies.empty()) {
      s.problems.push_back(fmt::format(
          "PDU type {} at {}: {} {}", h.type, at, parse_status_name(parse.status),
          parse.anomalies.empty() ? "" : dicom_anomaly_name(parse.anomalies[0].reason)));
    }
    at += h.total_length();
  }
  return s;
}

std::vector<std::string> oracle_captures() {
  std::vector<std::string> names;
  for (const char* name :
       {"echoscu", "storescu_small", "storescu_nodelay", "storescu_multi", "storescu_ipv6"}) {
    names.emplace_back(name);
  }
  return names;
}

class PduCaptureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PduCaptureTest, EveryPduParsesCleanlyAndCountsMatchTshark) {
  std::ifstream in(fmt::format("{}/expected/{}.json", DICOMSENTRY_PCAP_DIR, GetParam()));
  ASSERT_TRUE(in) << GetParam();
  const nlohmann::json expected = nlohmann::json::parse(in);
  StreamCollector collector;
  std::string error;
  ASSERT_TRUE(
      collect(fmt::format("{}/{}", DICOMSENTRY_PCAP_DIR, expected["capture"].get<std::string>()),
              collector, error))
      << error;
  const auto& conversations = expected["conversations"];
  ASSERT_EQ(collector.flows().size(), conversations.size());
  for (std::size_t i = 0; i < conversations.size(); ++i) {
    const auto& conv = conversations[i];
    const StreamCollector::Streams& flow = *collector.flows()[i];
    EXPECT_EQ(flow.gaps, 0u);
    const char* sides[2] = {"toserver", "toclient"};
    for (int d = 0; d < 2; ++d) {
      const StreamSummary s = walk(flow.bytes[d]);
      const auto& pdus = conv[sides[d]]["dicom_pdus"];
      EXPECT_TRUE(s.problems.empty()) << GetParam() << " " << sides[d] << ": " << s.problems[0];
      EXPECT_EQ(s.count, pdus["count"].get<int>()) << sides[d];
      EXPECT_EQ(s.max_length, pdus["max_length"].get<std::uint32_t>()) << sides[d];
      for (const auto& [type, n] : pdus["by_type"].items()) {
        EXPECT_EQ(s.by_type.count(type) ? s.by_type.at(type) : 0, n.get<int>()) << type;
      }
      const AssociatePdu& a = *s.association;
      EXPECT_EQ(a.calling_ae.trimmed, conv["dicom"]["calling_ae"].get<std::string>()) << sides[d];
      EXPECT_EQ(a.called_ae.trimmed, conv["dicom"]["called_ae"].get<std::string>()) << sides[d];
      EXPECT_EQ(a.user_info.implementation_class_uid, "1.2.276.0.7230010.3.0.3.6.7");
      EXPECT_EQ(a.user_info.implementation_version_name, "OFFIS_DCMTK_367");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dcmtk, PduCaptureTest, ::testing::ValuesIn(oracle_captures()));

// The first client stream of a capture, as the pipeline reassembled it.
std::vector<std::byte> first_stream_to_server(const std::string& path) {
  StreamCollector collector;
  std::string error;
  EXPECT_TRUE(collect(path, collector, error)) << error;
  if (collector.flows().empty()) return {};
  return collector.flows()[0]->bytes[0];
}

TEST(PduCapture, EchoscuRequestIsTheInlineLiteral) {
  const auto stream = first_stream_to_server(DICOMSENTRY_PCAP_DIR "/echoscu.pcap");
  const testing::Bytes literal = testing::echoscu_rq();
  ASSERT_GE(stream.size(), literal.size());
  EXPECT_TRUE(std::equal(literal.begin(), literal.end(), stream.begin()));
  EXPECT_TRUE(looks_like_associate_rq({stream.data(), stream.size()}));
}

TEST(PduCapture, StorescuProposesAll128Contexts) {
  const auto stream = first_stream_to_server(DICOMSENTRY_PCAP_DIR "/storescu_small.pcap");
  AssociatePdu rq;
  ASSERT_EQ(parse_associate_rq({stream.data(), stream.size()}, rq), ParseStatus::kOk);
  EXPECT_TRUE(rq.parse.anomalies.empty());
  EXPECT_EQ(rq.parse.header.length, 9609u);
  EXPECT_EQ(rq.calling_ae.trimmed, "STORESCU");
  ASSERT_EQ(rq.rq_contexts.size(), 128u);
  EXPECT_EQ(rq.rq_contexts[0].id, 1);
  EXPECT_EQ(rq.rq_contexts[127].id, 255);
  EXPECT_EQ(rq.rq_contexts[0].abstract_syntax, "1.2.840.10008.5.1.4.1.1.9.1.3");
  EXPECT_EQ(rq.rq_contexts[1].abstract_syntax, "1.2.840.10008.5.1.4.1.1.9.1.3");
  EXPECT_EQ(rq.user_info.max_length, 16384u);
  EXPECT_TRUE(looks_like_associate_rq({stream.data(), stream.size()}));
}

// ---- public captures (outside data; skipped when absent) ----

std::string public_pcap(const char* name) {
  return fmt::format("{}/{}", DICOMSENTRY_PUBLIC_PCAP_DIR, name);
}

// The stream that starts with an A-ASSOCIATE-RQ, whichever side the pipeline called client
// (these captures start mid-connection, without a handshake).
std::vector<std::byte> request_stream(const std::string& path) {
  StreamCollector collector;
  std::string error;
  EXPECT_TRUE(collect(path, collector, error)) << error;
  for (const auto& flow : collector.flows()) {
    for (const auto& bytes : flow->bytes) {
      if (!bytes.empty() && bytes[0] == std::byte{0x01}) return bytes;
    }
  }
  return {};
}

TEST(PduPublicCapture, FindRequestFromTestclient) {
  const std::string path = public_pcap("dicom_arq_1_find_testclient.pcap");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "public captures absent: " << path;
  const auto stream = request_stream(path);
  ASSERT_EQ(stream.size(), 683u);
  EXPECT_TRUE(looks_like_associate_rq({stream.data(), stream.size()}));
  AssociatePdu rq;
  ASSERT_EQ(parse_associate_rq({stream.data(), stream.size()}, rq), ParseStatus::kOk);
  EXPECT_TRUE(rq.parse.anomalies.empty());
  EXPECT_EQ(rq.called_ae.trimmed, "testserver");
  EXPECT_EQ(rq.calling_ae.trimmed, "testclient");
  EXPECT_EQ(rq.application_context, "1.2.840.10008.3.1.1.1");
  ASSERT_EQ(rq.rq_contexts.size(), 4u);
  EXPECT_EQ(rq.rq_contexts[0].abstract_syntax, "1.2.840.10008.5.1.4.1.2.1.1");
  EXPECT_EQ(rq.rq_contexts[1].abstract_syntax, "1.2.840.10008.5.1.4.1.2.2.1");
  EXPECT_EQ(rq.rq_contexts[2].abstract_syntax, "1.2.840.10008.5.1.4.1.2.3.1");
  EXPECT_EQ(rq.rq_contexts[3].abstract_syntax, "1.2.840.10008.5.1.4.31");
  EXPECT_EQ(rq.rq_contexts[3].id, 7);
  const auto ts = rq.transfer_syntaxes_of(rq.rq_contexts[3]);
  ASSERT_EQ(ts.size(), 4u);
  EXPECT_EQ(ts[0], "1.2.840.10008.1.2");
  EXPECT_EQ(ts[3], "1.2.840.10008.1.2.1.99");
  EXPECT_EQ(rq.user_info.max_length, 4194304u);
  EXPECT_EQ(rq.user_info.implementation_class_uid, "1.2.826.0.1.3680043.9.7133.1.1");
  EXPECT_EQ(rq.user_info.implementation_version_name, "GODICOM_1_1");
}

TEST(PduPublicCapture, GetRequestSplitOverTwoSegments) {
  const std::string path = public_pcap("dicom_arq_2_get_testclient.pcap");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "public captures absent: " << path;
  const auto stream = request_stream(path);
  const PduHeader h = parse_pdu_header({stream.data(), stream.size()});
  ASSERT_EQ(stream.size(), h.total_length());
  EXPECT_GT(h.length, 16'000u);
  AssociatePdu rq;
  ASSERT_EQ(parse_associate_rq({stream.data(), stream.size()}, rq), ParseStatus::kOk);
  EXPECT_TRUE(rq.parse.anomalies.empty());
  EXPECT_EQ(rq.calling_ae.trimmed, "testclient");
  EXPECT_EQ(rq.called_ae.trimmed, "testserver");
  ASSERT_EQ(rq.rq_contexts.size(), 123u);
  EXPECT_EQ(rq.presentation_contexts_seen, 123);
  EXPECT_EQ(rq.rq_contexts[0].abstract_syntax, "1.2.840.10008.5.1.4.1.2.1.3");
  EXPECT_EQ(rq.rq_contexts[1].abstract_syntax, "1.2.840.10008.5.1.4.1.2.2.3");
  EXPECT_EQ(rq.rq_contexts[122].id, 245);
  EXPECT_EQ(rq.transfer_syntaxes.size(), 123u * 4u);
  EXPECT_EQ(rq.user_info.implementation_version_name, "GODICOM_1_1");
  EXPECT_EQ(rq.user_info.max_length, 4194304u);
}

}  // namespace
}  // namespace dicomsentry::dicom
