// Micro-benchmarks of the DICOM stream path on builder-made traffic: the per-PDU work of a
// splitter (header verdict, then P-DATA-TF framing) over real-sized PDU streams, and the command
// set of a C-FIND-RSP (the C-STORE-RQ one is BM_ParseCommandSet in micro_dimse.cpp).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "dicom/dimse_command.hpp"
#include "dicom/pdu.hpp"
#include "dicom/pdu_data.hpp"
#include "dimse_builder.hpp"

namespace dicomsentry {
namespace {

using synth::Bytes;

// A C-STORE of a 4 MB image (1024 x 2048 x 16 bits) under `max_pdu`, P-DATA-TF PDUs only: the
// command PDU, then data set PDUs whose length field is max_pdu - 6, as DCMTK sends them.
Bytes store_pdus(std::uint32_t max_pdu) {
  synth::ImageSpec image;
  image.rows = 1024;
  image.columns = 2048;
  return synth::pack_pdata(
      synth::dimse(1, synth::c_store_rq(image.sop_class_uid, image.sop_instance_uid, 1),
                   synth::image_data_set(image)),
      max_pdu);
}

// A C-FIND answer of 40 matches: for each, a 100-byte command PDU and an identifier PDU of
// about 200 bytes; then the final response.
Bytes find_burst_pdus() {
  Bytes out;
  for (std::uint16_t i = 0; i < 40; ++i) {
    synth::QuerySpec match;
    match.keys = {{0x00080020, "DA", "20240611"},
                  {0x00080050, "SH", "ACC" + std::to_string(100000 + i)},
                  {0x00080061, "CS", "CT\\SR"},
                  {0x00081030, "LO", "CT CHEST W/O CONTRAST"},
                  {0x00100010, "PN", "DOE^JOHN^" + std::to_string(i)},
                  {0x00100020, "LO", "PID" + std::to_string(i)},
                  {0x0020000D, "UI", "1.2.826.0.1.3680043.9.7433.2." + std::to_string(i)}};
    synth::append_pdata(
        out,
        synth::dimse(3, synth::c_find_rsp(synth::uids::kStudyRootFind, 7, synth::status::kPending),
                     synth::identifier(match)),
        synth::kDcmtkMaxPdu);
  }
  synth::append_pdata(
      out,
      synth::dimse(3, synth::c_find_rsp(synth::uids::kStudyRootFind, 7, synth::status::kSuccess)),
      synth::kDcmtkMaxPdu);
  return out;
}

// What a splitter does per PDU once the PDU is contiguous: read and judge the header, confirm
// the PDV framing of the body. Items/s = PDUs/s.
void walk_pdus(benchmark::State& state, const Bytes& stream) {
  const ByteView all(stream);
  std::uint64_t pdus = 0;
  for (auto _ : state) {
    std::size_t at = 0;
    while (at + dicom::kPduHeaderLength <= all.size()) {  // bounded: each pass moves >= 6 bytes
      const dicom::PduHeader header = dicom::parse_pdu_header(all.subspan(at));
      if (!dicom::is_usable(dicom::classify(header)) || header.total_length() > all.size() - at) {
        state.SkipWithError("the stream does not walk");
        return;
      }
      const dicom::PdataFraming framing =
          dicom::validate_pdata_framing(all.subspan(at + dicom::kPduHeaderLength, header.length));
      benchmark::DoNotOptimize(framing);
      at += header.total_length();
      ++pdus;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(pdus));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}

void BM_PduHeaderAndFraming_Store(benchmark::State& state) {
  const Bytes stream = store_pdus(static_cast<std::uint32_t>(state.range(0)));
  walk_pdus(state, stream);
}
BENCHMARK(BM_PduHeaderAndFraming_Store)->Arg(16384)->Arg(65536)->Arg(131072);

void BM_PduHeaderAndFraming_FindBurst(benchmark::State& state) {
  const Bytes stream = find_burst_pdus();
  walk_pdus(state, stream);
}
BENCHMARK(BM_PduHeaderAndFraming_FindBurst);

void BM_ParseCommandSet_CFindRsp(benchmark::State& state) {
  const Bytes set = synth::command_set(
      synth::c_find_rsp(synth::uids::kStudyRootFind, 7, synth::status::kPending));
  if (dicom::parse_command_set(set).anomaly_count != 0) {
    state.SkipWithError("the C-FIND-RSP does not parse cleanly");
    return;
  }
  for (auto _ : state) {
    dicom::DimseCommand c = dicom::parse_command_set(set);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(set.size()));
}
BENCHMARK(BM_ParseCommandSet_CFindRsp);

}  // namespace
}  // namespace dicomsentry
