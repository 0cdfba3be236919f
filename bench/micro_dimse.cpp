// Micro-benchmarks of DIMSE command-set parsing and TLS hello parsing: ns per item.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dicom/dimse_command.hpp"
#include "tls/tls_hello.hpp"
#include "tls/tls_record.hpp"

namespace dicomsentry {
namespace {

using Bytes = std::vector<std::byte>;

void put16le(Bytes& b, std::uint32_t v) {
  b.push_back(std::byte(v & 0xff));
  b.push_back(std::byte((v >> 8) & 0xff));
}
void element(Bytes& b, std::uint16_t tag, std::string_view value) {
  put16le(b, 0);
  put16le(b, tag);
  put16le(b, static_cast<std::uint32_t>(value.size()));
  put16le(b, 0);
  for (char c : value) b.push_back(std::byte(c));
}
void us(Bytes& b, std::uint16_t tag, std::uint16_t v) {
  const char value[2] = {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  element(b, tag, std::string_view(value, 2));
}

// A C-STORE-RQ shaped like DCMTK's (pcaps/storescu_small.pcap): 142 bytes.
Bytes c_store_rq() {
  Bytes body;
  element(body, 0x0002, std::string_view("1.2.840.10008.5.1.4.1.1.2\0", 26));
  us(body, 0x0100, 0x0001);
  us(body, 0x0110, 1);
  us(body, 0x0700, 0);
  us(body, 0x0800, 0);
  element(body, 0x1000, std::string_view("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322\0", 48));
  Bytes set;
  const std::uint32_t length = static_cast<std::uint32_t>(body.size());
  const char gl[4] = {static_cast<char>(length), static_cast<char>(length >> 8), 0, 0};
  element(set, 0x0000, std::string_view(gl, 4));
  set.insert(set.end(), body.begin(), body.end());
  return set;
}

// A command set from its elements, with the group length in front.
Bytes command_set(const Bytes& body) {
  Bytes set;
  const std::uint32_t length = static_cast<std::uint32_t>(body.size());
  const char gl[4] = {static_cast<char>(length), static_cast<char>(length >> 8), 0, 0};
  element(set, 0x0000, std::string_view(gl, 4));
  set.insert(set.end(), body.begin(), body.end());
  return set;
}

// The command sets of the short associations in the end-to-end capture, as peers order them.
std::vector<Bytes> command_mix() {
  // UIDs padded to even length with a NUL (PS3.5 §9.1).
  auto padded = [](std::string_view uid) {
    std::string s(uid);
    if (s.size() % 2 != 0) s.push_back('\0');
    return s;
  };
  const std::string verification = padded("1.2.840.10008.1.1");
  const std::string find = padded("1.2.840.10008.5.1.4.1.2.2.1");
  const std::string ct = padded("1.2.840.10008.5.1.4.1.1.2");
  const std::string instance = padded("1.2.826.0.1.3680043.9.7433.1.4711.2");
  std::vector<Bytes> sets;
  Bytes b;
  auto add = [&] { sets.push_back(command_set(b)); b.clear(); };
  element(b, 0x0002, verification); us(b, 0x0100, 0x0030); us(b, 0x0110, 1); us(b, 0x0800, 0x0101);
  add();
  element(b, 0x0002, verification); us(b, 0x0100, 0x8030); us(b, 0x0120, 1); us(b, 0x0800, 0x0101);
  us(b, 0x0900, 0);
  add();
  element(b, 0x0002, find); us(b, 0x0100, 0x0020); us(b, 0x0110, 1); us(b, 0x0700, 0);
  us(b, 0x0800, 0);
  add();
  element(b, 0x0002, find); us(b, 0x0100, 0x8020); us(b, 0x0120, 1); us(b, 0x0800, 0);
  us(b, 0x0900, 0xFF00);
  add();
  element(b, 0x0002, find); us(b, 0x0100, 0x8020); us(b, 0x0120, 1); us(b, 0x0800, 0x0101);
  us(b, 0x0900, 0);
  add();
  element(b, 0x0002, ct); us(b, 0x0100, 0x0001); us(b, 0x0110, 3); us(b, 0x0700, 0);
  us(b, 0x0800, 0); element(b, 0x1000, instance);
  add();
  element(b, 0x0002, ct); us(b, 0x0100, 0x8001); us(b, 0x0120, 3); us(b, 0x0800, 0x0101);
  us(b, 0x0900, 0); element(b, 0x1000, instance);
  add();
  return sets;
}

// The mix in a fixed pseudo-random order, so branches see what a sensor sees: a different
// command from one set to the next.
void BM_ParseCommandSet_Mix(benchmark::State& state) {
  const std::vector<Bytes> sets = command_mix();
  std::vector<std::uint8_t> order(4096);
  std::uint32_t x = 12345;
  for (auto& o : order) {
    x = x * 1103515245u + 12345u;
    // Pending C-FIND responses come in bursts: weight them as the capture does.
    const std::uint32_t draw = (x >> 16) % 10;
    o = static_cast<std::uint8_t>(draw < 3 ? 3 : draw - 3);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    dicom::DimseCommand c = dicom::parse_command_set(sets[order[i++ & 4095]]);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseCommandSet_Mix);

void BM_ParseCommandSet(benchmark::State& state) {
  const Bytes set = c_store_rq();
  for (auto _ : state) {
    dicom::DimseCommand c = dicom::parse_command_set(set);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(set.size()));
}
BENCHMARK(BM_ParseCommandSet);

void BM_PeekCommandField(benchmark::State& state) {
  const Bytes set = c_store_rq();
  for (auto _ : state) {
    dicom::CommandPeek p = dicom::peek_command_field(set);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PeekCommandField);

void BM_LooksLikeCommandSet(benchmark::State& state) {
  const Bytes set = c_store_rq();
  for (auto _ : state) benchmark::DoNotOptimize(dicom::looks_like_command_set(set));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LooksLikeCommandSet);

// A 300-byte TLS 1.3 ClientHello record like OpenSSL's, with SNI and ALPN.
Bytes client_hello_record() {
  std::vector<std::uint8_t> ext = {0x00, 0x00, 0x00, 0x15, 0x00, 0x13, 0x00, 0x00, 0x10};
  for (char c : std::string_view("pacs.example.org")) ext.push_back(static_cast<std::uint8_t>(c));
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{
           0x00, 0x10, 0x00, 0x08, 0x00, 0x06, 0x05, 'd',  'i',  'c',  'o',  'm',  0x00, 0x2b, 0x00,
           0x03, 0x02, 0x03, 0x04, 0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17}) {
    ext.push_back(b);
  }
  ext.push_back(0x00);  // an opaque extension (key_share-sized) to reach a realistic length
  ext.push_back(0x33);
  ext.push_back(0x00);
  ext.push_back(0x26);
  ext.insert(ext.end(), 0x26, 0x42);
  std::vector<std::uint8_t> body = {0x03, 0x03};
  body.insert(body.end(), 32, 0x11);
  body.push_back(32);
  body.insert(body.end(), 32, 0x22);
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{0x00, 0x08, 0x13, 0x02, 0x13, 0x03,
                                                            0x13, 0x01, 0x00, 0xff, 0x01, 0x00}) {
    body.push_back(b);
  }
  body.push_back(static_cast<std::uint8_t>(ext.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(ext.size()));
  body.insert(body.end(), ext.begin(), ext.end());
  std::vector<std::uint8_t> rec = {22, 3, 1, 0, 0, 1, 0, 0, 0};
  const std::size_t hs = body.size();
  rec[3] = static_cast<std::uint8_t>((hs + 4) >> 8);
  rec[4] = static_cast<std::uint8_t>(hs + 4);
  rec[7] = static_cast<std::uint8_t>(hs >> 8);
  rec[8] = static_cast<std::uint8_t>(hs);
  rec.insert(rec.end(), body.begin(), body.end());
  Bytes out(rec.size());
  for (std::size_t i = 0; i < rec.size(); ++i) out[i] = std::byte(rec[i]);
  return out;
}

void BM_ClientHello(benchmark::State& state) {
  const Bytes record = client_hello_record();
  std::array<std::byte, tls::kMaxHelloBytes> scratch;
  tls::ClientHello hello;
  if (tls::parse_client_hello(tls::extract_handshake_message(record, scratch).message, hello) !=
      tls::HelloError::kNone) {
    state.SkipWithError("benchmark hello does not parse");
    return;
  }
  for (auto _ : state) {
    const tls::HandshakeExtract x = tls::extract_handshake_message(record, scratch);
    benchmark::DoNotOptimize(tls::parse_client_hello(x.message, hello));
    benchmark::DoNotOptimize(hello);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(record.size()));
}
BENCHMARK(BM_ClientHello);

}  // namespace
}  // namespace dicomsentry
