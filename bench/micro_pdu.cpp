// Micro-benchmarks of the PS3.8 PDU parsers: A-ASSOCIATE-RQ parse, detection, PDV iteration.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "dicom/pdu_associate.hpp"
#include "dicom/pdu_data.hpp"

namespace dicomsentry::dicom {
namespace {

using Bytes = std::vector<std::byte>;

void put8(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::byte>(v));
}
void put16(Bytes& b, std::size_t v) {
  put8(b, v >> 8);
  put8(b, v & 0xff);
}
void put32(Bytes& b, std::size_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
void put_text(Bytes& b, std::string_view s) {
  for (char c : s) put8(b, static_cast<unsigned char>(c));
}
void put_item(Bytes& b, std::uint8_t type, const Bytes& value) {
  put8(b, type);
  put8(b, 0);
  put16(b, value.size());
  b.insert(b.end(), value.begin(), value.end());
}
Bytes uid(std::string_view s) {
  Bytes b;
  put_text(b, s);
  return b;
}

// A modality's A-ASSOCIATE-RQ: ten storage contexts with three transfer syntaxes each, and
// DCMTK's user information.
Bytes realistic_rq() {
  static constexpr std::string_view kSopClasses[] = {
      "1.2.840.10008.5.1.4.1.1.2",    "1.2.840.10008.5.1.4.1.1.2.1",
      "1.2.840.10008.5.1.4.1.1.4",    "1.2.840.10008.5.1.4.1.1.4.1",
      "1.2.840.10008.5.1.4.1.1.7",    "1.2.840.10008.5.1.4.1.1.1.2",
      "1.2.840.10008.5.1.4.1.1.128",  "1.2.840.10008.5.1.4.1.1.88.22",
      "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.1.1"};
  Bytes body;
  put16(body, 1);
  put16(body, 0);
  put_text(body, "PACS_ARCHIVE    CT_SCANNER_01   ");
  body.resize(body.size() + 32);
  put_item(body, 0x10, uid("1.2.840.10008.3.1.1.1"));
  std::uint8_t id = 1;
  for (std::string_view sop : kSopClasses) {
    Bytes pc = {std::byte{id}, std::byte{0}, std::byte{0}, std::byte{0}};
    put_item(pc, 0x30, uid(sop));
    put_item(pc, 0x40, uid("1.2.840.10008.1.2.1"));
    put_item(pc, 0x40, uid("1.2.840.10008.1.2"));
    put_item(pc, 0x40, uid("1.2.840.10008.1.2.4.70"));
    put_item(body, 0x20, pc);
    id = static_cast<std::uint8_t>(id + 2);
  }
  Bytes ui;
  put_item(ui, 0x51, {std::byte{0}, std::byte{0}, std::byte{0x40}, std::byte{0}});
  put_item(ui, 0x52, uid("1.2.276.0.7230010.3.0.3.6.7"));
  put_item(ui, 0x55, uid("OFFIS_DCMTK_367"));
  put_item(body, 0x50, ui);
  Bytes pdu;
  put8(pdu, 0x01);
  put8(pdu, 0);
  put32(pdu, body.size());
  pdu.insert(pdu.end(), body.begin(), body.end());
  return pdu;
}

void BM_ParseAssociateRq(benchmark::State& state) {
  const Bytes rq = realistic_rq();
  auto out = std::make_unique<AssociatePdu>();  // reused: strings keep their buffers
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_associate_rq({rq.data(), rq.size()}, *out));
    benchmark::ClobberMemory();
  }
  if (out->rq_contexts.size() != 10 || !out->parse.anomalies.empty()) state.SkipWithError("bad RQ");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * rq.size()));
}
BENCHMARK(BM_ParseAssociateRq);

void BM_LooksLikeAssociateRq(benchmark::State& state) {
  const Bytes rq = realistic_rq();
  for (auto _ : state) benchmark::DoNotOptimize(looks_like_associate_rq({rq.data(), rq.size()}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LooksLikeAssociateRq);

// A P-DATA-TF body of `state.range(0)`-byte PDVs filling 16 KB, the common maximum length.
Bytes pdata_body(std::size_t pdv_length) {
  Bytes body;
  const std::size_t count = 16378 / (4 + pdv_length);
  for (std::size_t i = 0; i < count; ++i) {
    put32(body, pdv_length);
    put8(body, 1);
    put8(body, i + 1 == count ? 2 : 0);
    body.resize(body.size() + pdv_length - 2, std::byte{0x5a});
  }
  return body;
}

void BM_PdvIteration(benchmark::State& state) {
  const Bytes body = pdata_body(static_cast<std::size_t>(state.range(0)));
  std::size_t pdvs = 0;
  for (auto _ : state) {
    PdvIterator it({body.data(), body.size()});
    Pdv pdv;
    while (it.next(pdv) == PdvIterator::Step::kPdv) {
      benchmark::DoNotOptimize(pdv.fragment.data());
      ++pdvs;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(pdvs));  // items/s = PDVs/s
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_PdvIteration)->Arg(16372)->Arg(1024)->Arg(64);

void BM_ValidatePdataFraming(benchmark::State& state) {
  const Bytes body = pdata_body(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(validate_pdata_framing({body.data(), body.size()}));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ValidatePdataFraming)->Arg(16372)->Arg(64);

}  // namespace
}  // namespace dicomsentry::dicom
