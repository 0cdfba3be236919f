// Micro-benchmarks of decode_packet: ns per packet for the frame shapes a DICOM network carries.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "decode/decoder.hpp"

namespace dicomsentry {
namespace {

using Frame = std::vector<std::uint8_t>;

void append(Frame& f, std::initializer_list<std::uint8_t> bytes) { f.insert(f.end(), bytes); }
void append16(Frame& f, std::size_t v) {
  f.push_back(static_cast<std::uint8_t>(v >> 8));
  f.push_back(static_cast<std::uint8_t>(v));
}

// TCP header with the timestamps option (NOP NOP TS), as Linux sends on an established flow.
void append_tcp_with_timestamps(Frame& f) {
  append(f, {0xc7, 0x38, 0x00, 0x68, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
             0x80, 0x18, 0x01, 0xf5, 0x00, 0x00, 0x00, 0x00,
             0x01, 0x01, 0x08, 0x0a, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x01, 0xe2, 0x3f});
}

// Ethernet [+ VLAN tags] + IPv4 + TCP(ts) + payload, `frame_length` bytes in all.
Frame ipv4_tcp_frame(std::size_t frame_length, int vlan_tags) {
  Frame f = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  for (int i = 0; i < vlan_tags; ++i) {
    append16(f, i == 0 ? 0x88a8 : 0x8100);
    append16(f, 100 + static_cast<std::size_t>(i));
  }
  append16(f, 0x0800);
  const std::size_t ip_length = frame_length - f.size();
  append(f, {0x45, 0x00});
  append16(f, ip_length);
  append(f, {0xbe, 0xef, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 4});
  append_tcp_with_timestamps(f);
  f.resize(frame_length, 0x5a);
  return f;
}

Frame ipv6_tcp_frame(std::size_t frame_length) {
  Frame f = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x86, 0xdd};
  append(f, {0x60, 0x00, 0x00, 0x00});
  append16(f, frame_length - f.size() - 40);
  append(f, {6, 64});
  for (int i = 0; i < 2; ++i) {
    append(f, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               static_cast<std::uint8_t>(i + 1)});
  }
  append_tcp_with_timestamps(f);
  f.resize(frame_length, 0x5a);
  return f;
}

void run(benchmark::State& state, const Frame& frame, DecodeResult expected) {
  PacketView packet;
  packet.bytes = as_byte_view(frame.data(), frame.size());
  packet.original_length = static_cast<std::uint32_t>(frame.size());
  const DecodeOptions options;
  DecodedPacket out;
  DecodeCounters counters;
  if (decode_packet(packet, options, out, counters) != expected) {
    state.SkipWithError("frame did not decode as expected");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode_packet(packet, options, out, counters));
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}

void BM_DecodeIpv4Tcp1514(benchmark::State& state) {
  run(state, ipv4_tcp_frame(1514, 0), DecodeResult::kTcp);
}
void BM_DecodeIpv4Tcp66(benchmark::State& state) {
  run(state, ipv4_tcp_frame(66, 0), DecodeResult::kTcp);
}
void BM_DecodeQinQIpv4Tcp1514(benchmark::State& state) {
  run(state, ipv4_tcp_frame(1514, 2), DecodeResult::kTcp);
}
void BM_DecodeIpv6Tcp1514(benchmark::State& state) {
  run(state, ipv6_tcp_frame(1514), DecodeResult::kTcp);
}

BENCHMARK(BM_DecodeIpv4Tcp1514);
BENCHMARK(BM_DecodeIpv4Tcp66);
BENCHMARK(BM_DecodeQinQIpv4Tcp1514);
BENCHMARK(BM_DecodeIpv6Tcp1514);

}  // namespace
}  // namespace dicomsentry
