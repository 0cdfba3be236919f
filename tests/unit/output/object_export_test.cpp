// ObjectExporter: Part 10 files DCMTK reads back with the sent meta and data set, the data set
// bytes identical to those streamed in, and no file left behind by abandoned, oversized or
// failed objects.
#include "output/object_export.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk_encode.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using testkit::encode_data_set;

constexpr const char* kInstanceUid = "1.2.826.0.1.3680043.2.1125.7.3";

class ObjectExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("dicomsentry_objexport_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::set<std::string> files() const {
    std::set<std::string> names;
    if (!fs::exists(dir_)) return names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
};

DcmDataset make_ct(const char* instance_uid, std::size_t pixel_count) {
  DcmDataset ds;
  ds.putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  ds.putAndInsertString(DCM_SOPInstanceUID, instance_uid);
  ds.putAndInsertString(DCM_Modality, "CT");
  ds.putAndInsertString(DCM_PatientName, "DOE^JANE");
  ds.putAndInsertString(DCM_PatientID, "PID-7");
  ds.putAndInsertUint16(DCM_Rows, 1);
  ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(pixel_count));
  std::vector<Uint16> pixels(pixel_count);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<Uint16>(i * 31 + 5);
  ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
  return ds;
}

ExportMeta meta_for(const char* instance_uid, const char* transfer_syntax) {
  return ExportMeta{UID_CTImageStorage, instance_uid, transfer_syntax, "STORESCU", "ARCHIVE"};
}

// Streams `bytes` in chunks of 1, 7, 13, 4097, 1, 7, ... bytes (odd sizes, across the buffer).
void stream_in_odd_chunks(ObjectExporter& exporter, ExportFile* file,
                          const std::vector<std::byte>& bytes) {
  constexpr std::size_t kChunks[] = {1, 7, 13, 4097};
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < bytes.size(); ++i) {
    const std::size_t n = std::min(kChunks[i % 4], bytes.size() - offset);
    exporter.write(file, ByteView(bytes.data() + offset, n));
    offset += n;
  }
}

std::vector<std::byte> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

std::string get(DcmItem* item, const DcmTagKey& tag) {
  OFString value;
  if (item->findAndGetOFStringArray(tag, value).bad()) return "<missing>";
  return value.c_str();
}

// Bytes of the file before the data set: preamble, "DICM", the group length element (12
// bytes in explicit VR LE) and the group it counts.
std::size_t meta_size(const std::vector<std::byte>& file) {
  const std::size_t group_length_value = 132 + 8;
  std::uint32_t group_length = 0;
  std::memcpy(&group_length, file.data() + group_length_value, 4);
  return 132 + 12 + group_length;
}

TEST_F(ObjectExportTest, WritesAPart10FileWithTheDataSetBytesAsReceived) {
  DcmDataset sent = make_ct(kInstanceUid, 100000);  // 200 KB of pixels: several buffer flushes
  const auto bytes = encode_data_set(sent, EXS_LittleEndianExplicit);
  ObjectExporter exporter((dir_ / "nested" / "objects").string(), 1 << 30);
  ExportFile* file = exporter.begin(meta_for(kInstanceUid, UID_LittleEndianExplicitTransferSyntax));
  ASSERT_NE(file, nullptr) << exporter.last_error();
  stream_in_odd_chunks(exporter, file, bytes);
  const std::string path = exporter.finish(file);
  const fs::path expected = dir_ / "nested" / "objects" / (std::string(kInstanceUid) + ".dcm");
  EXPECT_EQ(path, expected.string());
  EXPECT_EQ(exporter.counters().objects_written, 1u);
  EXPECT_EQ(exporter.counters().bytes_written, bytes.size());
  EXPECT_EQ(exporter.counters().write_errors, 0u);
  EXPECT_EQ(exporter.open_objects(), 0u);
  // Only the finished file: the temporary one was renamed.
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(expected.parent_path())) {
    names.insert(e.path().filename().string());
  }
  EXPECT_EQ(names, std::set<std::string>{std::string(kInstanceUid) + ".dcm"});
  EXPECT_EQ(fs::status(expected).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  DcmFileFormat loaded;
  ASSERT_TRUE(loaded.loadFile(path.c_str()).good());
  DcmMetaInfo* meta = loaded.getMetaInfo();
  EXPECT_EQ(get(meta, DCM_MediaStorageSOPClassUID), UID_CTImageStorage);
  EXPECT_EQ(get(meta, DCM_MediaStorageSOPInstanceUID), kInstanceUid);
  EXPECT_EQ(get(meta, DCM_TransferSyntaxUID), UID_LittleEndianExplicitTransferSyntax);
  EXPECT_EQ(get(meta, DCM_ImplementationClassUID), OFFIS_IMPLEMENTATION_CLASS_UID);
  EXPECT_EQ(get(meta, DCM_ImplementationVersionName), OFFIS_DTK_IMPLEMENTATION_VERSION_NAME);
  EXPECT_EQ(get(meta, DCM_SourceApplicationEntityTitle), "STORESCU");
  EXPECT_EQ(get(meta, DCM_SendingApplicationEntityTitle), "STORESCU");
  EXPECT_EQ(get(meta, DCM_ReceivingApplicationEntityTitle), "ARCHIVE");
  EXPECT_EQ(get(meta, DCM_FileMetaInformationVersion), "00\\01");
  // The data set DCMTK reads from the file is the one sent, element by element.
  DcmDataset* data_set = loaded.getDataset();
  ASSERT_EQ(data_set->card(), sent.card());
  for (unsigned long i = 0; i < sent.card(); ++i) {
    DcmElement* want = sent.getElement(i);
    DcmElement* got = data_set->getElement(i);
    EXPECT_EQ(got->getTag().getXTag(), want->getTag().getXTag());
    EXPECT_EQ(got->getLength(), want->getLength());
    EXPECT_EQ(got->compare(*want), 0) << DcmTag(want->getTag()).getTagName();
  }

  // After the meta group, the file is byte for byte what was streamed in.
  const auto on_disk = read_file(path);
  const std::size_t head = meta_size(on_disk);
  EXPECT_EQ(std::memcmp(on_disk.data() + 128, "DICM", 4), 0);
  ASSERT_EQ(on_disk.size(), head + bytes.size());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), on_disk.begin() + static_cast<long>(head)));
}

TEST_F(ObjectExportTest, DeflatedDataSetStaysDeflatedAndReadsBack) {
  DcmDataset sent = make_ct(kInstanceUid, 5000);
  const auto bytes = encode_data_set(sent, EXS_DeflatedLittleEndianExplicit);
  ObjectExporter exporter(dir_.string(), 1 << 30);
  ExportFile* file =
      exporter.begin(meta_for(kInstanceUid, UID_DeflatedExplicitVRLittleEndianTransferSyntax));
  stream_in_odd_chunks(exporter, file, bytes);
  const std::string path = exporter.finish(file);
  ASSERT_FALSE(path.empty()) << exporter.last_error();
  const auto on_disk = read_file(path);
  const std::size_t head = meta_size(on_disk);
  ASSERT_EQ(on_disk.size(), head + bytes.size());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), on_disk.begin() + static_cast<long>(head)));
  DcmFileFormat loaded;
  ASSERT_TRUE(loaded.loadFile(path.c_str()).good());
  EXPECT_EQ(get(loaded.getDataset(), DCM_PatientName), "DOE^JANE");
  EXPECT_EQ(get(loaded.getDataset(), DCM_SOPInstanceUID), kInstanceUid);
  EXPECT_EQ(loaded.getDataset()->getOriginalXfer(), EXS_DeflatedLittleEndianExplicit);
}

TEST_F(ObjectExportTest, InterleavedObjectsEachGetTheirOwnBytes) {
  DcmDataset a = make_ct("1.2.3.1", 3000);
  DcmDataset b = make_ct("1.2.3.2", 7001);
  const auto bytes_a = encode_data_set(a, EXS_LittleEndianImplicit);
  const auto bytes_b = encode_data_set(b, EXS_BigEndianExplicit);
  ObjectExporter exporter(dir_.string(), 1 << 30);
  ExportFile* fa = exporter.begin(meta_for("1.2.3.1", UID_LittleEndianImplicitTransferSyntax));
  ExportFile* fb = exporter.begin(meta_for("1.2.3.2", UID_BigEndianExplicitTransferSyntax));
  ASSERT_NE(fa, nullptr);
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(exporter.open_objects(), 2u);
  std::size_t oa = 0;
  std::size_t ob = 0;
  while (oa < bytes_a.size() || ob < bytes_b.size()) {
    const std::size_t na = std::min<std::size_t>(997, bytes_a.size() - oa);
    const std::size_t nb = std::min<std::size_t>(1499, bytes_b.size() - ob);
    exporter.write(fa, ByteView(bytes_a.data() + oa, na));
    exporter.write(fb, ByteView(bytes_b.data() + ob, nb));
    oa += na;
    ob += nb;
  }
  const std::string pb = exporter.finish(fb);
  const std::string pa = exporter.finish(fa);
  EXPECT_EQ(pa, (dir_ / "1.2.3.1.dcm").string());
  EXPECT_EQ(pb, (dir_ / "1.2.3.2.dcm").string());
  for (auto [path, bytes, syntax] : {std::tuple{pa, &bytes_a, EXS_LittleEndianImplicit},
                                     std::tuple{pb, &bytes_b, EXS_BigEndianExplicit}}) {
    const auto on_disk = read_file(path);
    const std::size_t head = meta_size(on_disk);
    ASSERT_EQ(on_disk.size(), head + bytes->size());
    EXPECT_TRUE(std::equal(bytes->begin(), bytes->end(), on_disk.begin() + static_cast<long>(head)));
    DcmFileFormat loaded;
    ASSERT_TRUE(loaded.loadFile(path.c_str()).good());
    EXPECT_EQ(loaded.getDataset()->getOriginalXfer(), syntax);
  }
  EXPECT_EQ(exporter.counters().objects_written, 2u);
}

TEST_F(ObjectExportTest, AbandonedObjectLeavesNoFile) {
  DcmDataset sent = make_ct("1.2.3", 9000);
  const auto bytes = encode_data_set(sent, EXS_LittleEndianExplicit);
  ObjectExporter exporter(dir_.string(), 1 << 30);
  ExportFile* file = exporter.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax));
  exporter.write(file, ByteView(bytes.data(), bytes.size() / 2));
  EXPECT_EQ(files().size(), 1u);  // the temporary file
  exporter.abandon(file);
  EXPECT_TRUE(files().empty());
  EXPECT_EQ(exporter.counters().objects_abandoned, 1u);
  EXPECT_EQ(exporter.counters().objects_written, 0u);
  EXPECT_EQ(exporter.open_objects(), 0u);
}

TEST_F(ObjectExportTest, TooLargeObjectIsDroppedAndLeavesNoFile) {
  DcmDataset sent = make_ct("1.2.3", 2000);
  const auto bytes = encode_data_set(sent, EXS_LittleEndianExplicit);
  ObjectExporter exporter(dir_.string(), bytes.size() - 1);
  ExportFile* file = exporter.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax));
  stream_in_odd_chunks(exporter, file, bytes);
  EXPECT_TRUE(files().empty());  // deleted as soon as the cap was passed
  EXPECT_EQ(exporter.finish(file), "");
  EXPECT_TRUE(files().empty());
  EXPECT_EQ(exporter.counters().objects_skipped_too_large, 1u);
  EXPECT_EQ(exporter.counters().objects_written, 0u);
  EXPECT_EQ(exporter.counters().objects_abandoned, 0u);

  // Exactly at the cap is still written.
  ObjectExporter exact(dir_.string(), bytes.size());
  ExportFile* f2 = exact.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax));
  stream_in_odd_chunks(exact, f2, bytes);
  EXPECT_EQ(exact.finish(f2), (dir_ / "1.2.3.dcm").string());
}

TEST_F(ObjectExportTest, NameCollisionsGetASuffixAndNeverOverwrite) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "1.2.3.dcm") << "someone else's file";
  ObjectExporter exporter(dir_.string(), 1 << 30);
  const std::byte payload[4] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    ExportFile* file = exporter.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax));
    exporter.write(file, ByteView(payload, 4));
    paths.push_back(exporter.finish(file));
  }
  EXPECT_EQ(paths, (std::vector<std::string>{(dir_ / "1.2.3-1.dcm").string(),
                                             (dir_ / "1.2.3-2.dcm").string(),
                                             (dir_ / "1.2.3-3.dcm").string()}));
  std::ifstream in(dir_ / "1.2.3.dcm");
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "someone else's file");
}

TEST(ExportFileStem, UnsafeCharactersPaddingAndLength) {
  EXPECT_EQ(export_file_stem("1.2.840.10008.1.2"), "1.2.840.10008.1.2");
  EXPECT_EQ(export_file_stem(std::string("1.2.3\0", 6)), "1.2.3");
  EXPECT_EQ(export_file_stem("../../etc/passwd"), "_._.._etc_passwd");
  EXPECT_EQ(export_file_stem(".."), "_.");
  EXPECT_EQ(export_file_stem(""), "unknown");
  EXPECT_EQ(export_file_stem(std::string("\0\0", 2)), "unknown");
  EXPECT_EQ(export_file_stem("a b/c\\d\xff"), "a_b_c_d_");
  EXPECT_EQ(export_file_stem(std::string(100, '7')), std::string(64, '7'));
}

TEST_F(ObjectExportTest, UnusableDirectoryIsCountedNotThrown) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "plain_file") << "x";
  ObjectExporter exporter((dir_ / "plain_file" / "objects").string(), 1 << 30);
  EXPECT_EQ(exporter.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax)), nullptr);
  EXPECT_EQ(exporter.counters().write_errors, 1u);
  EXPECT_NE(exporter.last_error().find("create directory"), std::string::npos)
      << exporter.last_error();
  // Null handles are ignored everywhere.
  const std::byte one[1] = {};
  exporter.write(nullptr, ByteView(one, 1));
  exporter.abandon(nullptr);
  EXPECT_EQ(exporter.finish(nullptr), "");
}

TEST_F(ObjectExportTest, OpenObjectsAreBoundedAndDeletedWithTheExporter) {
  {
    ObjectExporter exporter(dir_.string(), 1 << 30);
    for (std::size_t i = 0; i < ObjectExporter::kMaxOpenObjects; ++i) {
      ASSERT_NE(exporter.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax)),
                nullptr);
    }
    EXPECT_EQ(exporter.begin(meta_for("1.2.3", UID_LittleEndianExplicitTransferSyntax)), nullptr);
    EXPECT_EQ(exporter.counters().objects_skipped_open_limit, 1u);
    EXPECT_EQ(files().size(), ObjectExporter::kMaxOpenObjects);
  }
  EXPECT_TRUE(files().empty());
}

}  // namespace
}  // namespace dicomsentry
