// Micro-benchmarks of the DCMTK data set adapter: ns per C-STORE head and per identifier.
#include <benchmark/benchmark.h>

#include <vector>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk_encode.hpp"
#include "dicom/dataset_summary.hpp"

namespace dicomsentry {
namespace {

// The first kStoreHeadBytes of a CT object in explicit VR little endian.
std::vector<std::byte> store_head() {
  DcmDataset ds;
  ds.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
  ds.putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\AXIAL");
  ds.putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  ds.putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.1.42.7.1");
  ds.putAndInsertString(DCM_StudyDate, "20260101");
  ds.putAndInsertString(DCM_Modality, "CT");
  ds.putAndInsertString(DCM_Manufacturer, "ACME");
  ds.putAndInsertString(DCM_PatientName, "DOE^JANE");
  ds.putAndInsertString(DCM_PatientID, "PID-7");
  ds.putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.1");
  ds.putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1125.1.42");
  ds.putAndInsertUint16(DCM_Rows, 512);
  ds.putAndInsertUint16(DCM_Columns, 512);
  std::vector<Uint16> pixels(512 * 512);
  ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
  auto bytes = testkit::encode_data_set(ds, EXS_LittleEndianExplicit);
  bytes.resize(dicom::kStoreHeadBytes);
  return bytes;
}

// A study-level C-FIND identifier with six keys.
std::vector<std::byte> identifier() {
  DcmDataset ds;
  ds.putAndInsertString(DCM_StudyDate, "20260101-20261231");
  ds.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  ds.putAndInsertString(DCM_ModalitiesInStudy, "CT\\MR");
  ds.putAndInsertString(DCM_PatientName, "DOE*");
  ds.putAndInsertString(DCM_PatientID, "");
  ds.putAndInsertString(DCM_StudyInstanceUID, "");
  return testkit::encode_data_set(ds, EXS_LittleEndianImplicit);
}

void BM_SummarizeStoreHead(benchmark::State& state) {
  const auto bytes = store_head();
  dicom::DataSetSummary s;
  for (auto _ : state) {
    dicom::summarize_data_set(ByteView(bytes.data(), bytes.size()), "1.2.840.10008.1.2.1",
                              /*complete=*/false, /*want_keys=*/false, s);
    benchmark::DoNotOptimize(s.sop_instance_uid.data());
  }
  if (s.modality != "CT") state.SkipWithError("head not summarised");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_SummarizeStoreHead);

void BM_SummarizeIdentifier(benchmark::State& state) {
  const auto bytes = identifier();
  dicom::DataSetSummary s;
  for (auto _ : state) {
    dicom::summarize_data_set(ByteView(bytes.data(), bytes.size()), "1.2.840.10008.1.2",
                              /*complete=*/true, /*want_keys=*/true, s);
    benchmark::DoNotOptimize(s.keys.data());
  }
  if (s.keys.size() != 6) state.SkipWithError("identifier not summarised");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_SummarizeIdentifier);

void BM_UidName(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(dicom::uid_name("1.2.840.10008.5.1.4.1.2.2.1").data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UidName);

}  // namespace
}  // namespace dicomsentry
