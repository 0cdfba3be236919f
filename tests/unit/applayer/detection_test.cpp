// What the application layer decides a flow carries: TLS on the DICOM-TLS port (with the
// hello summarised), DICOM picked up mid-stream, and foreign bytes on a DICOM port.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "app_test_util.hpp"
#include "capture/capture_file.hpp"
#include "decode/decoder.hpp"
#include <cstring>
#include "dicom/dimse_names.hpp"
#include "tls/cipher_suites.hpp"

namespace dicomsentry::testing {
namespace {

TEST(TlsDetection, DcmtkTlsAssociationIsTls13WithTheLoggedCipher) {
  RecordingSink sink;
  const CaptureRun run = run_capture(pcap_path("tls.pcap"), AppLayerConfig{}, sink);
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.counters.flows_tls, 1u);
  EXPECT_EQ(run.counters.flows_dicom, 0u);
  EXPECT_TRUE(sink.associations.empty());  // encrypted: nothing to see
  ASSERT_EQ(sink.tls.size(), 1u);
  const dicom::TlsRecord& t = sink.tls[0];
  EXPECT_TRUE(t.has_client_hello);
  EXPECT_TRUE(t.has_server_hello);
  EXPECT_EQ(t.version, tls::kTls13);  // storescp logged TLSv1.3
  EXPECT_EQ(t.cipher_suite, 4866);    // TLS_AES_256_GCM_SHA384, as both peers logged
  EXPECT_EQ(tls::cipher_suite_name(t.cipher_suite), "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(t.client_highest_version, tls::kTls13);
  EXPECT_EQ(t.client_legacy_version, tls::kTls12);
  EXPECT_EQ(t.weak_suites_offered, 0);
  EXPECT_EQ(t.cipher_weakness & tls::weakness::kWeakMask, 0);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(TlsDetection, NotOnOtherPorts) {
  // tls13_sni_alpn.pcap is openssl s_client/s_server on an unconfigured port: not ours.
  RecordingSink sink;
  const CaptureRun run = run_capture(
      std::string(DICOMSENTRY_PCAP_DIR) + "/../tests/data/tls/tls13_sni_alpn.pcap", AppLayerConfig{}, sink);
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.counters.flows_tls, 0u);
  EXPECT_TRUE(sink.tls.empty());
}

TEST(TlsDetection, OnAConfiguredPortWithSniAndAlpn) {
  // The same capture with its port declared a DICOM-TLS port.
  RecordingSink sink;
  AppLayerConfig config;
  std::unique_ptr<CaptureFile> probe;
  CaptureError error;
  const std::string path = std::string(DICOMSENTRY_PCAP_DIR) + "/../tests/data/tls/tls13_sni_alpn.pcap";
  probe = CaptureFile::open(path, error);
  ASSERT_TRUE(probe);
  // The server port is the SYN's destination: read it from the first frame's TCP header.
  PacketView first;
  ASSERT_EQ(probe->next(first), ReadResult::kPacket);
  DecodedPacket decoded;
  DecodeCounters counters;
  ASSERT_EQ(decode_packet(first, DecodeOptions{}, decoded, counters), DecodeResult::kTcp);
  config.tls_ports = {decoded.dst_port};
  const CaptureRun run = run_capture(path, config, sink);
  ASSERT_TRUE(run.ok);
  ASSERT_EQ(sink.tls.size(), 1u);
  EXPECT_EQ(sink.tls[0].sni, "pacs.example.org");
  ASSERT_EQ(sink.tls[0].alpn.size(), 1u);
  EXPECT_EQ(sink.tls[0].alpn[0], "dicom");
  EXPECT_EQ(tls::cipher_suite_name(sink.tls[0].cipher_suite), "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(sink.tls[0].version, tls::kTls13);
}

// Mid-stream pickup: the capture of 28 C-STOREs with its first packets cut off.
std::string write_without_first(std::size_t skip) {
  const std::string in = pcap_path("storescu_many.pcap");
  const std::string out = ::testing::TempDir() + "/midstream_" + std::to_string(skip) + ".pcap";
  std::ifstream src(in, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
  // Classic pcap: 24-byte file header, then 16-byte record headers with incl_len at +8.
  std::size_t pos = 24;
  for (std::size_t i = 0; i < skip && pos + 16 <= bytes.size(); ++i) {
    std::uint32_t incl = 0;
    std::memcpy(&incl, bytes.data() + pos + 8, 4);
    pos += 16 + incl;
  }
  std::ofstream dst(out, std::ios::binary);
  dst.write(bytes.data(), 24);
  dst.write(bytes.data() + pos, static_cast<std::streamsize>(bytes.size() - pos));
  return out;
}

std::vector<std::string> oracle_instances() {
  std::ifstream in(pcap_path("expected/storescu_many.json"));
  const nlohmann::json oracle = nlohmann::json::parse(in);
  std::vector<std::string> uids;
  for (const auto& m : oracle.at("associations")[0].at("dimse")) {
    if (m.at("command") == "C-STORE-RQ") uids.push_back(m.at("affected_sop_instance_uid"));
  }
  return uids;
}

class MidstreamTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(MidstreamTest, PicksUpTheAssociationAndItsLaterStores) {
  const std::vector<std::string> all = oracle_instances();
  ASSERT_EQ(all.size(), 28u);
  RecordingSink sink;
  const CaptureRun run = run_capture(write_without_first(GetParam()), AppLayerConfig{}, sink);
  ASSERT_TRUE(run.ok) << run.error;
  ASSERT_EQ(sink.associations.size(), 1u);
  const dicom::AssociationRecord& a = sink.associations[0].record;
  EXPECT_TRUE(a.midstream);
  EXPECT_EQ(a.state, dicom::AssociationState::kReleased);  // the release was seen
  EXPECT_EQ(run.counters.flows_dicom_midstream, 1u);
  // Every store whose command was seen is one of the oracle's, in order, ending with the last.
  std::vector<std::string> seen;
  std::size_t unseen_requests = 0;
  for (const SeenTransaction& t : sink.transactions) {
    EXPECT_EQ(dicom::command_base_name(t.record.command), "C-STORE");
    EXPECT_TRUE(t.record.has_response);
    EXPECT_EQ(t.record.status, 0);
    if (t.record.request_seen) {
      seen.push_back(t.record.sop_instance_uid);
    } else {
      ++unseen_requests;
    }
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_LE(unseen_requests, 1u);  // at most the store that was in flight at the cut
  ASSERT_LE(seen.size(), all.size());
  const std::vector<std::string> tail(all.end() - static_cast<std::ptrdiff_t>(seen.size()), all.end());
  EXPECT_EQ(seen, tail);
  // Data set sizes are exact for stores seen whole; the transfer syntax came from the bytes.
  for (const SeenTransaction& t : sink.transactions) {
    if (t.record.request_seen) {
      EXPECT_GT(t.record.request_data_set_bytes, 0u);
    }
  }
  for (const SeenAnomaly& an : sink.anomalies) ADD_FAILURE() << an.name;
}

INSTANTIATE_TEST_SUITE_P(CutPoints, MidstreamTest, ::testing::Values(4, 9, 40, 101, 200, 300));

}  // namespace
}  // namespace dicomsentry::testing

namespace dicomsentry::testing {
namespace {

// Captures other projects made (../shared/public-pcaps, not in the repository): skipped when
// the folder is absent.
std::string public_pcap(const std::string& name) {
  return std::string(DICOMSENTRY_PUBLIC_PCAP_DIR) + "/" + name;
}

TEST(PublicCaptures, AssociateRequestWithoutHandshakeIsNotMidstream) {
  struct Case {
    const char* file;
    const char* calling;
    const char* called;
    std::size_t contexts;
  };
  for (const Case& c : {Case{"dicom_arq_1_find_testclient.pcap", "testclient", "testserver", 4},
                        Case{"dicom_arq_2_get_testclient.pcap", "testclient", "testserver", 123},
                        Case{"dicom_arq_3_find_bogus_local.pcap", "bogus_local", "bogus_remote", 4},
                        Case{"dicom_arq_4_get_bogus_local.pcap", "testclient", "testserver", 123}}) {
    if (!std::filesystem::exists(public_pcap(c.file))) GTEST_SKIP() << "no public captures here";
    SCOPED_TRACE(c.file);
    RecordingSink sink;
    const CaptureRun run = run_capture(public_pcap(c.file), AppLayerConfig{}, sink);
    ASSERT_TRUE(run.ok) << run.error;
    ASSERT_EQ(sink.associations.size(), 1u);
    const dicom::AssociationRecord& a = sink.associations[0].record;
    EXPECT_FALSE(a.midstream);
    EXPECT_EQ(a.state, dicom::AssociationState::kIncomplete);  // the capture ends after the RQ
    EXPECT_EQ(a.calling_ae, c.calling);
    EXPECT_EQ(a.called_ae, c.called);
    EXPECT_EQ(a.contexts.size(), c.contexts);
    EXPECT_EQ(a.requestor.implementation_version_name, "GODICOM_1_1");
    EXPECT_EQ(run.counters.flows_dicom_midstream, 0u);
  }
}

TEST(PublicCaptures, CtToPacsScenarioStoresOneCt) {
  const std::string path = public_pcap("ct_to_pacs_scenario.pcap");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no public captures here";
  RecordingSink sink;
  const CaptureRun run = run_capture(path, AppLayerConfig{}, sink);
  ASSERT_TRUE(run.ok) << run.error;
  ASSERT_EQ(sink.associations.size(), 1u);
  EXPECT_EQ(sink.associations[0].record.calling_ae, "BRIGHTSPEED01");
  EXPECT_EQ(sink.associations[0].record.called_ae, "CENTRICITY001");
  ASSERT_EQ(sink.transactions.size(), 1u);
  EXPECT_EQ(sink.transactions[0].record.command, dicom::CommandField::kCStoreRq);
  EXPECT_EQ(sink.transactions[0].record.sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(sink.transactions[0].record.status, 0);
  EXPECT_TRUE(sink.anomalies.empty());
}

}  // namespace
}  // namespace dicomsentry::testing
