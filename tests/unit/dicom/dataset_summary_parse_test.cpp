// summarize_data_set on data sets DCMTK itself encoded: identifiers in every uncompressed
// transfer syntax and deflated, C-STORE heads, and hostile bytes (garbage, absurd lengths,
// deep nesting, every cut of an identifier).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcelem.h"
#include "dcmtk/dcmdata/dcitem.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk_encode.hpp"
#include "dicom/dataset_summary.hpp"

#if defined(__SANITIZE_ADDRESS__)
// The sanitizer runtime reports every allocation to an installed hook: the absurd-length
// tests use it to prove DCMTK never allocates what a hostile length field declares.
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, std::size_t), void (*free_hook)(const volatile void*));
#define DS_TRACK_ALLOCATIONS 1
#endif

namespace dicomsentry::dicom {
namespace {

using testkit::encode_data_set;

constexpr const char* kImplicitLe = UID_LittleEndianImplicitTransferSyntax;
constexpr const char* kExplicitLe = UID_LittleEndianExplicitTransferSyntax;
constexpr const char* kExplicitBe = UID_BigEndianExplicitTransferSyntax;
constexpr const char* kDeflated = UID_DeflatedExplicitVRLittleEndianTransferSyntax;

std::atomic<std::size_t> largest_allocation{0};
#ifdef DS_TRACK_ALLOCATIONS
void on_malloc(const volatile void*, std::size_t size) {
  std::size_t seen = largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {
  }
}
void on_free(const volatile void*) {}
const bool hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
#endif

ByteView view(const std::vector<std::byte>& bytes) { return {bytes.data(), bytes.size()}; }

// A study-level C-FIND identifier with one key of every match kind.
void fill_find_identifier(DcmDataset& ds) {
  ds.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
  ds.putAndInsertString(DCM_StudyDate, "20200101-20201231");
  ds.putAndInsertString(DCM_AccessionNumber, "*");
  ds.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  ds.putAndInsertString(DCM_ModalitiesInStudy, "CT\\MR");
  ds.putAndInsertString(DCM_PatientName, "DOE^J*");
  ds.putAndInsertString(DCM_PatientID, "");
  ds.putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4\\1.2.3.5");
  ds.putAndInsertString(DCM_StudyID, "");
  ds.insertEmptyElement(DCM_ReferencedStudySequence);
}

struct ExpectedKey {
  std::uint32_t tag;
  const char* keyword;
  const char* vr;
  const char* value;
  KeyMatch match;
  bool phi;
};

const ExpectedKey kFindKeys[] = {
    {0x00080005, "SpecificCharacterSet", "CS", "ISO_IR 100", KeyMatch::kSingle, false},
    {0x00080020, "StudyDate", "DA", "20200101-20201231", KeyMatch::kRange, true},
    {0x00080050, "AccessionNumber", "SH", "*", KeyMatch::kWildcardOnly, true},
    {0x00080052, "QueryRetrieveLevel", "CS", "STUDY", KeyMatch::kSingle, false},
    {0x00080061, "ModalitiesInStudy", "CS", "CT\\MR", KeyMatch::kSingle, false},
    {0x00081110, "ReferencedStudySequence", "SQ", "", KeyMatch::kUniversal, true},
    {0x00100010, "PatientName", "PN", "DOE^J*", KeyMatch::kWildcard, true},
    {0x00100020, "PatientID", "LO", "", KeyMatch::kUniversal, true},
    {0x0020000D, "StudyInstanceUID", "UI", "1.2.3.4\\1.2.3.5", KeyMatch::kList, false},
    {0x00200010, "StudyID", "SH", "", KeyMatch::kUniversal, true},
};

void expect_find_keys(const DataSetSummary& s) {
  ASSERT_EQ(s.keys.size(), std::size(kFindKeys));
  for (std::size_t i = 0; i < std::size(kFindKeys); ++i) {
    const ExpectedKey& want = kFindKeys[i];
    const QueryKey& got = s.keys[i];
    SCOPED_TRACE(want.keyword);
    EXPECT_EQ(got.tag, want.tag);
    EXPECT_EQ(got.keyword, want.keyword);
    EXPECT_EQ(got.vr, want.vr);
    EXPECT_EQ(got.value, want.value);
    EXPECT_EQ(key_match_name(got.match), key_match_name(want.match));
    EXPECT_EQ(got.phi, want.phi);
  }
}

class FindIdentifier : public ::testing::TestWithParam<std::pair<E_TransferSyntax, const char*>> {};

TEST_P(FindIdentifier, EveryKeyValueMatchAndPhiFlag) {
  DcmDataset ds;
  fill_find_identifier(ds);
  const auto bytes = encode_data_set(ds, GetParam().first);
  ASSERT_FALSE(bytes.empty());
  DataSetSummary s;
  summarize_data_set(view(bytes), GetParam().second, /*complete=*/true, /*want_keys=*/true, s);
  EXPECT_TRUE(s.parsed);
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.query_level, "STUDY");
  EXPECT_EQ(s.sop_class_uid, "");
  expect_find_keys(s);
}

INSTANTIATE_TEST_SUITE_P(TransferSyntaxes, FindIdentifier,
                         ::testing::Values(std::pair{EXS_LittleEndianImplicit, kImplicitLe},
                                           std::pair{EXS_LittleEndianExplicit, kExplicitLe},
                                           std::pair{EXS_BigEndianExplicit, kExplicitBe},
                                           std::pair{EXS_DeflatedLittleEndianExplicit,
                                                     kDeflated}));

TEST(SummarizeDataSet, KeysAreSkippedUnlessWantedAndBuffersAreReused) {
  DcmDataset ds;
  fill_find_identifier(ds);
  const auto bytes = encode_data_set(ds, EXS_LittleEndianExplicit);
  DataSetSummary s;
  summarize_data_set(view(bytes), kExplicitLe, true, false, s);
  EXPECT_TRUE(s.parsed);
  EXPECT_EQ(s.query_level, "STUDY");
  EXPECT_TRUE(s.keys.empty());
  summarize_data_set(view(bytes), kExplicitLe, true, true, s);
  expect_find_keys(s);
  summarize_data_set({}, kExplicitLe, true, true, s);  // the previous result is cleared
  EXPECT_FALSE(s.parsed);
  EXPECT_TRUE(s.keys.empty());
  EXPECT_EQ(s.query_level, "");
  EXPECT_EQ(s.error, "empty data set");
}

TEST(SummarizeDataSet, PaddedTransferSyntaxUidAndValuesAreTrimmed) {
  DcmDataset ds;
  ds.putAndInsertString(DCM_QueryRetrieveLevel, " SERIES ");
  ds.putAndInsertString(DCM_SeriesDescription, "  head  ");
  const auto bytes = encode_data_set(ds, EXS_LittleEndianImplicit);
  DataSetSummary s;
  summarize_data_set(view(bytes), std::string(kImplicitLe) + '\0', true, true, s);
  EXPECT_TRUE(s.parsed);
  EXPECT_EQ(s.query_level, "SERIES");
  ASSERT_EQ(s.keys.size(), 2u);
  EXPECT_EQ(s.keys[0].value, "SERIES");
  EXPECT_FALSE(s.keys[0].phi);
  EXPECT_EQ(s.keys[1].value, "head");
  EXPECT_TRUE(s.keys[1].phi);  // Series Description is in Annex E
}

TEST(SummarizeDataSet, NumbersBinaryPrivateAndUnknownTags) {
  DcmDataset ds;
  ds.putAndInsertUint16(DCM_Rows, 512);
  ds.putAndInsertString(DCM_PatientName, "A^B");
  const Uint8 blob[4] = {1, 2, 3, 4};
  ds.putAndInsertUint8Array(DcmTag(0x0009, 0x1001, EVR_OB), blob, 4);  // private data
  ds.putAndInsertString(DcmTagKey(0x0009, 0x0010), "ACME");        // its creator
  const auto bytes = encode_data_set(ds, EXS_LittleEndianExplicit);
  DataSetSummary s;
  summarize_data_set(view(bytes), kExplicitLe, true, true, s);
  ASSERT_EQ(s.keys.size(), 4u);
  EXPECT_EQ(s.keys[0].tag, 0x00090010u);
  EXPECT_EQ(s.keys[0].keyword, "PrivateCreator");
  EXPECT_EQ(s.keys[0].value, "ACME");
  EXPECT_FALSE(s.keys[0].phi);
  EXPECT_EQ(s.keys[1].tag, 0x00091001u);
  EXPECT_EQ(s.keys[1].keyword, "");  // ACME's dictionary is unknown
  EXPECT_EQ(s.keys[1].value, "");   // binary values are not rendered
  EXPECT_EQ(s.keys[1].match, KeyMatch::kSingle);
  EXPECT_TRUE(s.keys[1].phi);
  EXPECT_EQ(s.keys[2].keyword, "PatientName");
  EXPECT_EQ(s.keys[3].keyword, "Rows");
  EXPECT_EQ(s.keys[3].vr, "US");
  EXPECT_EQ(s.keys[3].value, "512");
}

// A CT object whose pixel data (1 MB) lies far beyond the head the engine keeps.
DcmDataset make_ct_object() {
  DcmDataset ds;
  ds.putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  ds.putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.1.42");
  ds.putAndInsertString(DCM_Modality, "CT");
  ds.putAndInsertString(DCM_PatientName, "DOE^JANE");
  ds.putAndInsertString(DCM_PatientID, "PID-7");
  ds.putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.1");
  ds.putAndInsertUint16(DCM_Rows, 512);
  ds.putAndInsertUint16(DCM_Columns, 1024);
  ds.putAndInsertUint16(DCM_BitsAllocated, 16);
  std::vector<Uint16> pixels(512 * 1024);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<Uint16>(i * 7);
  ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
  return ds;
}

class StoreHead : public ::testing::TestWithParam<std::pair<E_TransferSyntax, const char*>> {};

TEST_P(StoreHead, FirstBytesGiveClassInstanceAndModality) {
  DcmDataset ds = make_ct_object();
  const auto bytes = encode_data_set(ds, GetParam().first);
  ASSERT_GT(bytes.size(), 1024u * 1024u);
  largest_allocation = 0;
  DataSetSummary s;
  summarize_data_set(ByteView(bytes.data(), kStoreHeadBytes), GetParam().second,
                     /*complete=*/false, /*want_keys=*/false, s);
  EXPECT_TRUE(s.parsed);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.sop_class_uid, UID_CTImageStorage);
  EXPECT_EQ(s.sop_instance_uid, "1.2.826.0.1.3680043.2.1125.1.42");
  EXPECT_EQ(s.modality, "CT");
  EXPECT_TRUE(s.keys.empty());
#ifdef DS_TRACK_ALLOCATIONS
  // The 1 MB pixel data value was skipped, not allocated; the largest block is at most the
  // inflate buffer of a deflated head (kMaxIdentifierBytes).
  EXPECT_LE(largest_allocation.load(), kMaxIdentifierBytes);
#endif
}

TEST_P(StoreHead, WholeObjectGivenCompleteIsNotTruncated) {
  DcmDataset ds = make_ct_object();
  const auto bytes = encode_data_set(ds, GetParam().first);
  DataSetSummary s;
  summarize_data_set(view(bytes), GetParam().second, true, true, s);
  EXPECT_TRUE(s.parsed);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.modality, "CT");
  if (GetParam().first == EXS_DeflatedLittleEndianExplicit) {
    // Only the first kMaxIdentifierBytes inflated bytes are read: the pixel data is cut.
    EXPECT_TRUE(s.truncated);
    ASSERT_EQ(s.keys.size(), 9u);
    EXPECT_EQ(s.keys.back().keyword, "BitsAllocated");
    return;
  }
  EXPECT_FALSE(s.truncated);
  ASSERT_EQ(s.keys.size(), 10u);
  EXPECT_EQ(s.keys.back().keyword, "PixelData");
  EXPECT_EQ(s.keys.back().vr, "OW");
  EXPECT_EQ(s.keys.back().value, "");
  EXPECT_EQ(s.keys.back().match, KeyMatch::kSingle);
}

INSTANTIATE_TEST_SUITE_P(TransferSyntaxes, StoreHead,
                         ::testing::Values(std::pair{EXS_LittleEndianImplicit, kImplicitLe},
                                           std::pair{EXS_LittleEndianExplicit, kExplicitLe},
                                           std::pair{EXS_BigEndianExplicit, kExplicitBe},
                                           std::pair{EXS_DeflatedLittleEndianExplicit,
                                                     kDeflated}));

TEST(SummarizeDataSet, UnknownAndEmptyTransferSyntaxes) {
  const std::byte bytes[8] = {};
  DataSetSummary s;
  summarize_data_set(ByteView(bytes, 8), "1.2.3.4.5", true, true, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_EQ(s.error, "unknown transfer syntax");
  summarize_data_set(ByteView(bytes, 8), "", true, true, s);
  EXPECT_EQ(s.error, "unknown transfer syntax");
  summarize_data_set(ByteView(bytes, 8), std::string(80, '1'), true, true, s);
  EXPECT_EQ(s.error, "unknown transfer syntax");
}

TEST(SummarizeDataSet, EmptyInput) {
  DataSetSummary s;
  summarize_data_set({}, kExplicitLe, true, true, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(s.error, "empty data set");
  summarize_data_set({}, kExplicitLe, false, false, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_TRUE(s.truncated);
  summarize_data_set({}, kDeflated, true, true, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_EQ(s.error.rfind("deflated", 0), 0u) << s.error;
}

TEST(SummarizeDataSet, GarbageNeverCrashesAndStaysConsistent) {
  std::uint32_t x = 12345;
  std::vector<std::byte> bytes(4096);
  for (int round = 0; round < 200; ++round) {
    for (auto& b : bytes) {
      x = x * 1103515245u + 12345u;
      b = static_cast<std::byte>(x >> 24);
    }
    for (const char* ts : {kImplicitLe, kExplicitLe, kExplicitBe, kDeflated}) {
      DataSetSummary s;
      summarize_data_set(view(bytes), ts, round % 2 == 0, true, s);
      EXPECT_LE(s.keys.size(), bytes.size() / 8);
      if (!s.parsed) {
        EXPECT_TRUE(s.keys.empty());
        EXPECT_FALSE(s.error.empty() && !s.truncated) << ts;
      }
    }
  }
}

// (0010,0010) PN with a 32-bit length near 4 GiB: explicit VR forces it into a UN header.
std::vector<std::byte> absurd_length_element(bool explicit_vr) {
  std::vector<std::byte> b;
  auto put = [&](std::initializer_list<int> values) {
    for (int v : values) b.push_back(static_cast<std::byte>(v));
  };
  put({0x08, 0x00, 0x60, 0x00});  // (0008,0060) Modality "CT"
  if (explicit_vr) put({'C', 'S', 0x02, 0x00});
  else put({0x02, 0x00, 0x00, 0x00});
  put({'C', 'T'});
  put({0x10, 0x00, 0x10, 0x00});  // (0010,0010)
  if (explicit_vr) put({'U', 'N', 0x00, 0x00});
  put({0xF0, 0xFF, 0xFF, 0xFF});  // 0xFFFFFFF0 bytes claimed
  put({'D', 'O', 'E', ' '});
  return b;
}

TEST(SummarizeDataSet, AbsurdLengthIsNeitherAllocatedNorTrusted) {
  for (bool explicit_vr : {false, true}) {
    for (bool complete : {false, true}) {
      SCOPED_TRACE(explicit_vr ? "explicit" : "implicit");
      const auto bytes = absurd_length_element(explicit_vr);
      largest_allocation = 0;
      const auto start = std::chrono::steady_clock::now();
      DataSetSummary s;
      summarize_data_set(view(bytes), explicit_vr ? kExplicitLe : kImplicitLe, complete, true, s);
      // Not a timing test: a generous bound that only a 4 GiB allocation or walk would break.
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
      EXPECT_TRUE(s.parsed);
      EXPECT_TRUE(s.truncated);
      EXPECT_EQ(s.modality, "CT");
      EXPECT_EQ(s.error.empty(), !complete) << s.error;
      ASSERT_EQ(s.keys.size(), 1u);  // the element that claimed 4 GiB is left out
      EXPECT_EQ(s.keys[0].tag, 0x00080060u);
#ifdef DS_TRACK_ALLOCATIONS
      EXPECT_LT(largest_allocation.load(), 64u * 1024u);
#endif
    }
  }
}

// Found by fuzz_data_set_summary: an odd length at the very end of the bytes. DCMTK evens it
// out (5 → 6), reads the 5 bytes there are and calls the read "normal"; the element is still
// one byte short, so it is no key and the summary says truncated.
TEST(SummarizeDataSet, OddLengthElementEndingTheBytesIsTruncatedNotAKey) {
  const std::uint8_t raw[] = {0x08, 0x00, 0x53, 0x55, 0x05, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x35};
  DataSetSummary s;
  summarize_data_set(as_byte_view(raw, sizeof raw), kImplicitLe, true, true, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_TRUE(s.truncated);
  EXPECT_TRUE(s.keys.empty());
  EXPECT_EQ(s.error, "");
}

// Sequences nested as deep as an identifier's bytes allow: undefined-length SQ → item → SQ ...
TEST(SummarizeDataSet, DeepNestingWithinTheIdentifierBoundDoesNotExhaustTheStack) {
  std::vector<std::byte> b;
  auto put = [&](std::initializer_list<int> values) {
    for (int v : values) b.push_back(static_cast<std::byte>(v));
  };
  while (b.size() + 20 <= kMaxIdentifierBytes) {
    put({0x08, 0x00, 0x15, 0x11, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF});  // (0008,1115)
    put({0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF});                  // item
  }
  DataSetSummary s;
  summarize_data_set(view(b), kExplicitLe, /*complete=*/false, true, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.error, "");
  summarize_data_set(view(b), kExplicitLe, /*complete=*/true, true, s);
  EXPECT_FALSE(s.parsed);
  EXPECT_TRUE(s.truncated);  // the bytes end inside the outermost sequence
  EXPECT_EQ(s.error, "Sequence Delimitation Item missing");
  EXPECT_TRUE(s.keys.empty());
}

// Bytes the first `count` elements of `ds` take in `syntax` (encoding a copy without the rest).
std::size_t encode_prefix_length(DcmDataset& ds, E_TransferSyntax syntax, std::size_t count) {
  DcmDataset prefix(ds);
  while (prefix.card() > count) delete prefix.remove(prefix.card() - 1);
  return encode_data_set(prefix, syntax).size();
}

TEST(SummarizeDataSet, CutAtEveryByteOfAnIdentifier) {
  for (auto [syntax, uid] : {std::pair{EXS_LittleEndianImplicit, kImplicitLe},
                             std::pair{EXS_LittleEndianExplicit, kExplicitLe},
                             std::pair{EXS_BigEndianExplicit, kExplicitBe}}) {
    DcmDataset ds;
    fill_find_identifier(ds);
    const auto bytes = encode_data_set(ds, syntax);
    DataSetSummary whole;
    summarize_data_set(view(bytes), uid, true, true, whole);
    ASSERT_EQ(whole.keys.size(), std::size(kFindKeys));
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      SCOPED_TRACE(cut);
      for (bool complete : {false, true}) {
        DataSetSummary s;
        summarize_data_set(ByteView(bytes.data(), cut), uid, complete, true, s);
        // Whatever was read is a prefix of the whole identifier's keys, values intact.
        ASSERT_LE(s.keys.size(), whole.keys.size());
        EXPECT_EQ(s.parsed, !s.keys.empty());
        for (std::size_t i = 0; i < s.keys.size(); ++i) {
          EXPECT_EQ(s.keys[i].tag, whole.keys[i].tag);
          EXPECT_EQ(s.keys[i].value, whole.keys[i].value);
          EXPECT_EQ(s.keys[i].match, whole.keys[i].match);
        }
        if (!complete) {
          EXPECT_TRUE(s.truncated);
          EXPECT_EQ(s.error, cut == 0 ? "empty data set" : "");
        } else if (!s.truncated && s.error.empty()) {
          // A cut between two elements is a shorter, valid identifier; any other cut is not.
          EXPECT_GT(cut, 0u);
          EXPECT_EQ(cut, encode_prefix_length(ds, syntax, s.keys.size()));
        }
      }
    }
  }
}

}  // namespace
}  // namespace dicomsentry::dicom
