// --export-objects end to end: the dicomsentry program run over storescu's capture of four
// objects of our own (pcaps/make_export_capture.sh) must write each as a Part 10 file whose
// meta and data set equal the file that was sent; a lost segment and the size cap skip
// exactly the object they concern.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "export_test_util.hpp"
#include "output/object_export.hpp"

namespace {

using namespace dicomsentry::export_test;
namespace fs = std::filesystem;
const std::string kPcaps = DICOMSENTRY_PCAP_DIR;
const fs::path kSentDir = fs::path(DICOMSENTRY_PCAP_DIR) / ".." / "tests" / "data" / "export";
const std::string kCapture = kPcaps + "/export_store.pcap";

// What make_export_capture.sh sent, in order, and the facts the test relies on.
struct SentObject {
  std::string file;
  std::string transfer_syntax;
  std::uint64_t data_set_bytes;
};
const std::vector<SentObject> kSent = {
    {"mr_explicit.dcm", UID_LittleEndianExplicitTransferSyntax, 8912},
    {"ct_implicit.dcm", UID_LittleEndianImplicitTransferSyntax, 33464},
    {"sc_explicit.dcm", UID_LittleEndianExplicitTransferSyntax, 3810},
    {"pdf_explicit.dcm", UID_LittleEndianExplicitTransferSyntax, 1244},
};
constexpr std::size_t kCt = 1;  // the largest, and the one spread over three P-DATA PDUs

// The exported file of each sent object, by the name the exporter gives it.
struct Sent {
  SentObject object;
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

std::vector<Sent> load_sent() {
  std::vector<Sent> sent;
  for (const SentObject& object : kSent) {
    DcmFileFormat file;
    const OFCondition status = file.loadFile((kSentDir / object.file).c_str());
    EXPECT_TRUE(status.good()) << object.file << ": " << status.text();
    sent.push_back({object, string_of(*file.getDataset(), DCM_SOPClassUID),
                    string_of(*file.getDataset(), DCM_SOPInstanceUID)});
  }
  return sent;
}

// The line run() prints at the end of an exporting run.
std::string summary(const fs::path& dir, int written, std::uint64_t bytes, int incomplete,
                    int too_large, std::uint64_t max_bytes) {
  return fmt::format(
      "dicomsentry: exported {} objects ({} data set bytes) to {}; not exported: {} incomplete, "
      "{} over {} bytes, 0 without a negotiated transfer syntax, 0 over the open-object limit, "
      "0 write errors\n",
      written, bytes, dir.string(), incomplete, too_large, max_bytes);
}
constexpr std::uint64_t kDefaultMaxBytes = 256ull << 20;

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("dicomsentry_export_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    sent_ = load_sent();
    ASSERT_EQ(sent_.size(), 4u);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result run_export(const std::string& capture, const std::string& extra = "") {
    return run(fmt::format("-r {} -l {} --export-objects {} {}", capture, (dir_ / "logs").string(),
                           objects().string(), extra));
  }
  fs::path objects() const { return dir_ / "objects"; }
  std::string exported_name(const Sent& s) const { return expected_file_name(s); }
  static std::string expected_file_name(const Sent& s);

  // The exported file must be the sent one: meta, data set element by element, and (same
  // transfer syntax) the data set bytes exactly.
  void expect_same_object(const Sent& s) {
    SCOPED_TRACE(s.object.file);
    const fs::path path = objects() / exported_name(s);
    DcmFileFormat got;
    const OFCondition status = got.loadFile(path.c_str());
    ASSERT_TRUE(status.good()) << path << ": " << status.text();
    DcmMetaInfo& meta = *got.getMetaInfo();
    EXPECT_EQ(string_of(meta, DCM_MediaStorageSOPClassUID), s.sop_class_uid);
    EXPECT_EQ(string_of(meta, DCM_MediaStorageSOPInstanceUID), s.sop_instance_uid);
    EXPECT_EQ(string_of(meta, DCM_TransferSyntaxUID), s.object.transfer_syntax);

    DcmFileFormat want;
    ASSERT_TRUE(want.loadFile((kSentDir / s.object.file).c_str()).good());
    const E_TransferSyntax syntax = DcmXfer(s.object.transfer_syntax.c_str()).getXfer();
    EXPECT_EQ(got.getDataset()->getOriginalXfer(), syntax);
    std::vector<std::string> differences;
    compare_items(*got.getDataset(), *want.getDataset(), syntax, "", differences);
    EXPECT_TRUE(differences.empty()) << fmt::format("{}", fmt::join(differences, "\n"));
    EXPECT_GT(want.getDataset()->card(), 20u);  // the comparison above compared something

    const auto got_bytes = data_set_bytes(read_bytes(path));
    const auto want_bytes = data_set_bytes(read_bytes(kSentDir / s.object.file));
    EXPECT_EQ(want_bytes.size(), s.object.data_set_bytes);
    EXPECT_EQ(got_bytes.size(), want_bytes.size());
    EXPECT_TRUE(got_bytes == want_bytes) << "data set bytes differ";
  }

  fs::path dir_;
  std::vector<Sent> sent_;
};

std::string ExportTest::expected_file_name(const Sent& s) {
  return dicomsentry::export_file_stem(s.sop_instance_uid) + ".dcm";
}

TEST_F(ExportTest, EveryStoredObjectIsWrittenAsTheFileThatWasSent) {
  const Result r = run_export(kCapture);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, summary(objects(), 4, 8912 + 33464 + 3810 + 1244, 0, 0, kDefaultMaxBytes));
  std::set<std::string> want;
  for (const Sent& s : sent_) want.insert(exported_name(s));
  ASSERT_EQ(files_in(objects()), want);
  for (const Sent& s : sent_) expect_same_object(s);
  const auto records = dicom_records(dir_ / "logs" / "eve.json");
  ASSERT_EQ(records.size(), 4u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["sop_instance_uid"], sent_[i].sop_instance_uid);
    EXPECT_EQ(records[i]["request_data_set_bytes"], sent_[i].object.data_set_bytes);
    EXPECT_EQ(records[i]["exported"], true);
  }
}

// The comparison itself: a copy of the MR with one letter of the patient's name and the last
// pixel byte changed differs in exactly those two elements.
TEST_F(ExportTest, ComparisonFindsAChangedStringAndAChangedPixelByte) {
  auto bytes = read_bytes(kSentDir / kSent[0].file);
  const std::string name = "DICOMSENTRY^EXPORT";
  auto at = std::search(bytes.begin(), bytes.end(), name.begin(), name.end());
  ASSERT_NE(at, bytes.end());
  *(at + static_cast<std::ptrdiff_t>(name.size()) - 1) = 'X';
  bytes.back() ^= 0x01;
  write_bytes(dir_ / "changed.dcm", bytes);
  DcmFileFormat changed, sent;
  ASSERT_TRUE(changed.loadFile((dir_ / "changed.dcm").c_str()).good());
  ASSERT_TRUE(sent.loadFile((kSentDir / kSent[0].file).c_str()).good());
  std::vector<std::string> differences;
  compare_items(*changed.getDataset(), *sent.getDataset(), EXS_LittleEndianExplicit, "",
                differences);
  EXPECT_EQ(differences, (std::vector<std::string>{
                             "(0010,0010): \"DICOMSENTRY^EXPORX\", want \"DICOMSENTRY^EXPORT\"",
                             "(7fe0,0010): value bytes differ (8192 and 8192 bytes)"}));
  differences.clear();
  compare_items(*sent.getDataset(), *sent.getDataset(), EXS_LittleEndianExplicit, "", differences);
  EXPECT_TRUE(differences.empty());
}

TEST_F(ExportTest, WithoutTheOptionNothingIsExported) {
  const Result r = run(fmt::format("-r {} -l {}", kCapture, (dir_ / "logs").string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(files_in(dir_), std::set<std::string>{"logs"});
  const auto records = dicom_records(dir_ / "logs" / "eve.json");
  ASSERT_EQ(records.size(), 4u);
  for (const auto& record : records) EXPECT_EQ(record["exported"], false);
}

TEST_F(ExportTest, LostSegmentInADataSetSkipsThatObjectOnly) {
  // Drop the one frame that carries the middle of the CT's pixel data.
  Pcap pcap = split_pcap(read_bytes(kCapture));
  ASSERT_EQ(pcap.records.size(), 78u);
  const auto ct = read_bytes(kSentDir / kSent[kCt].file);
  const std::vector<std::uint8_t> needle(
      ct.begin() + static_cast<std::ptrdiff_t>(ct.size() / 2),
      ct.begin() + static_cast<std::ptrdiff_t>(ct.size() / 2 + 64));
  std::vector<std::size_t> carriers;
  for (std::size_t i = 0; i < pcap.records.size(); ++i) {
    const auto& r = pcap.records[i];
    if (std::search(r.begin(), r.end(), needle.begin(), needle.end()) != r.end())
      carriers.push_back(i);
  }
  ASSERT_EQ(carriers.size(), 1u);
  std::vector<std::uint8_t> cut = pcap.header;
  for (std::size_t i = 0; i < pcap.records.size(); ++i) {
    if (i != carriers[0]) cut.insert(cut.end(), pcap.records[i].begin(), pcap.records[i].end());
  }
  const fs::path cut_path = dir_ / "lost_segment.pcap";
  write_bytes(cut_path, cut);

  const Result r = run_export(cut_path.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, summary(objects(), 3, 8912 + 3810 + 1244, 1, 0, kDefaultMaxBytes));
  std::set<std::string> want;
  for (std::size_t i = 0; i < sent_.size(); ++i) {
    if (i != kCt) want.insert(exported_name(sent_[i]));
  }
  ASSERT_EQ(files_in(objects()), want);
  for (std::size_t i = 0; i < sent_.size(); ++i) {
    if (i != kCt) expect_same_object(sent_[i]);
  }
  const auto records = dicom_records(dir_ / "logs" / "eve.json");
  ASSERT_EQ(records.size(), 4u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE(sent_[i].object.file);
    EXPECT_EQ(records[i]["sop_instance_uid"], sent_[i].sop_instance_uid);
    EXPECT_EQ(records[i]["data_set_gap"], i == kCt);
    EXPECT_EQ(records[i]["exported"], i != kCt);
  }
}

TEST_F(ExportTest, ObjectsOverTheSizeCapAreSkipped) {
  // One byte under the CT's data set: only it is over the cap.
  const std::uint64_t cap = kSent[kCt].data_set_bytes - 1;
  const Result r = run_export(kCapture, fmt::format("--export-max-bytes {}", cap));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, summary(objects(), 3, 8912 + 3810 + 1244, 0, 1, cap));
  std::set<std::string> want;
  for (std::size_t i = 0; i < sent_.size(); ++i) {
    if (i != kCt) want.insert(exported_name(sent_[i]));
  }
  ASSERT_EQ(files_in(objects()), want);
  for (std::size_t i = 0; i < sent_.size(); ++i) {
    if (i != kCt) expect_same_object(sent_[i]);
  }
  const auto records = dicom_records(dir_ / "logs" / "eve.json");
  ASSERT_EQ(records.size(), 4u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i]["exported"], i != kCt);
  // The same counts in the stats record.
  std::ifstream eve(dir_ / "logs" / "eve.json");
  std::string line, last;
  while (std::getline(eve, line)) last = line;
  const auto exported = nlohmann::json::parse(last)["stats"]["export"];
  EXPECT_EQ(exported["written"], 3);
  EXPECT_EQ(exported["bytes"], 8912 + 3810 + 1244);
  EXPECT_EQ(exported["too_large"], 1);
  EXPECT_EQ(exported["incomplete"], 0);
  EXPECT_EQ(exported["write_errors"], 0);
}

TEST_F(ExportTest, ACapOfExactlyTheLargestDataSetWritesEveryObject) {
  const std::uint64_t cap = kSent[kCt].data_set_bytes;
  const Result r = run_export(kCapture, fmt::format("--export-max-bytes {}", cap));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, summary(objects(), 4, 8912 + 33464 + 3810 + 1244, 0, 0, cap));
  EXPECT_EQ(files_in(objects()).size(), 4u);
  expect_same_object(sent_[kCt]);
}

TEST_F(ExportTest, AnExportDirectoryThatCannotBeMadeStopsTheRun) {
  write_bytes(dir_ / "plain_file", {0x00});
  const fs::path bad = dir_ / "plain_file" / "objects";
  const Result r = run(fmt::format("-r {} -l {} --export-objects {}", kCapture,
                                   (dir_ / "logs").string(), bad.string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output,
            fmt::format("dicomsentry: cannot create export directory {}: Not a directory\n",
                        bad.string()));
}

// The C-STORE sub-operation of a C-GET goes from the acceptor (Orthanc) to the requestor: its
// file names Orthanc as source and the C-GET SCU as receiver. The same instance was stored
// into Orthanc earlier in the capture, so this second file of it gets the "-1" name.
TEST_F(ExportTest, CGetSubOperationNamesTheAcceptorAsSource) {
  const Result r = run_export(kPcaps + "/orthanc_find_move_get.pcap");
  ASSERT_EQ(r.status, 0) << r.output;
  std::vector<std::string> get_instances;
  std::size_t stores = 0;
  for (const auto& record : dicom_records(dir_ / "logs" / "eve.json")) {
    if (record["command"] != "C-STORE") continue;
    ++stores;
    EXPECT_EQ(record["exported"], true);
    if (record["request_direction"] == "to_client")
      get_instances.push_back(record["sop_instance_uid"]);
  }
  EXPECT_EQ(stores, 7u);  // 4 loaded into Orthanc, 2 C-MOVE and 1 C-GET sub-operations
  EXPECT_EQ(files_in(objects()).size(), 7u);
  ASSERT_EQ(get_instances.size(), 1u);
  const auto meta_of = [&](const std::string& name) {
    DcmFileFormat file;
    EXPECT_TRUE(file.loadFile((objects() / name).c_str()).good()) << name;
    DcmMetaInfo& meta = *file.getMetaInfo();
    return std::vector<std::string>{string_of(meta, DCM_MediaStorageSOPInstanceUID),
                                    string_of(meta, DCM_SourceApplicationEntityTitle),
                                    string_of(meta, DCM_ReceivingApplicationEntityTitle)};
  };
  const std::string uid = get_instances[0];
  EXPECT_EQ(meta_of(uid + ".dcm"), (std::vector<std::string>{uid, "QR_SCU", "ORTHANC"}));
  EXPECT_EQ(meta_of(uid + "-1.dcm"), (std::vector<std::string>{uid, "ORTHANC", "QR_SCU"}));
}

// Picked up after the A-ASSOCIATE exchange, no transfer syntax was negotiated in view: a file
// meta header would have to guess it, so nothing is exported and the requests are counted.
TEST_F(ExportTest, MidstreamPickupExportsNothing) {
  Pcap pcap = split_pcap(read_bytes(kCapture));
  ASSERT_EQ(pcap.records.size(), 78u);
  // Frames 1-8: the TCP handshake, A-ASSOCIATE-RQ/AC and their ACKs; frame 9 is the first
  // C-STORE-RQ's command.
  std::vector<std::uint8_t> cut = pcap.header;
  for (std::size_t i = 8; i < pcap.records.size(); ++i) {
    cut.insert(cut.end(), pcap.records[i].begin(), pcap.records[i].end());
  }
  write_bytes(dir_ / "midstream.pcap", cut);
  const Result r = run_export((dir_ / "midstream.pcap").string());
  ASSERT_EQ(r.status, 0) << r.output;
  // The first request is known only from its response (the engine does not trust the first
  // command after a pickup), so three requests reached the exporter's sink.
  EXPECT_EQ(r.output, fmt::format("dicomsentry: exported 0 objects (0 data set bytes) to {}; not "
                                  "exported: 0 incomplete, 0 over {} bytes, 3 without a negotiated "
                                  "transfer syntax, 0 over the open-object limit, 0 write errors\n",
                                  objects().string(), kDefaultMaxBytes));
  EXPECT_TRUE(files_in(objects()).empty());
  const auto records = dicom_records(dir_ / "logs" / "eve.json");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0]["request_seen"], false);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["sop_instance_uid"], sent_[i].sop_instance_uid);
    EXPECT_EQ(records[i]["exported"], false);
  }
}

}  // namespace
