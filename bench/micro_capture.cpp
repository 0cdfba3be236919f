// Read-loop speed of the capture readers: records/s over ~100k short in-memory packets.
#include <benchmark/benchmark.h>

#include <vector>

#include "capture/capture_file.hpp"
#include "capture/pcap_writer.hpp"
#include "capture/pcapng_writer.hpp"

namespace dicomsentry {
namespace {

constexpr int kPackets = 100'000;
constexpr std::size_t kFrameSize = 60;  // a minimum Ethernet frame: the worst case per byte

std::vector<std::byte> frame() {
  std::vector<std::byte> f(kFrameSize);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = std::byte(static_cast<std::uint8_t>(i));
  return f;
}

const std::vector<std::byte>& pcap_capture() {
  static const std::vector<std::byte> bytes = [] {
    PcapWriter writer(LinkType::kEthernet);
    const auto f = frame();
    for (int i = 0; i < kPackets; ++i) writer.add(1'700'000'000'000'000'000 + i * 1000LL, f);
    return writer.bytes();
  }();
  return bytes;
}

const std::vector<std::byte>& pcapng_capture(bool power_of_two) {
  static const std::vector<std::byte> decimal = [] {
    PcapngWriter writer;
    writer.add_interface(1, 262144, 9);
    const auto f = frame();
    for (int i = 0; i < kPackets; ++i) writer.add_enhanced(0, 1'700'000'000'000'000'000u + i, f);
    return writer.bytes();
  }();
  static const std::vector<std::byte> binary = [] {
    PcapngWriter writer;
    writer.add_interface(1, 262144, 0x80 | 30);
    const auto f = frame();
    for (int i = 0; i < kPackets; ++i) {
      writer.add_enhanced(0, (std::uint64_t{1'700'000'000} << 30) + static_cast<std::uint64_t>(i),
                          f);
    }
    return writer.bytes();
  }();
  return power_of_two ? binary : decimal;
}

void read_loop(benchmark::State& state, const std::vector<std::byte>& bytes) {
  std::int64_t packets = 0;
  for (auto _ : state) {
    CaptureError error;
    auto capture = CaptureFile::open_memory(bytes, "bench", error);
    if (!capture) {
      state.SkipWithError(error.message().c_str());
      return;
    }
    PacketView p;
    std::uint64_t sum = 0;
    while (capture->next(p) == CaptureFile::Next::kPacket) {
      sum += p.bytes.size() + static_cast<std::uint64_t>(p.timestamp_ns);
      ++packets;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(packets);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes.size()));
}

void BM_CapturePcapRead(benchmark::State& state) {
  read_loop(state, pcap_capture());
}
void BM_CapturePcapngRead(benchmark::State& state) {
  read_loop(state, pcapng_capture(false));
}
void BM_CapturePcapngReadPow2Resolution(benchmark::State& state) {
  read_loop(state, pcapng_capture(true));
}

BENCHMARK(BM_CapturePcapRead);
BENCHMARK(BM_CapturePcapngRead);
BENCHMARK(BM_CapturePcapngReadPow2Resolution);

}  // namespace
}  // namespace dicomsentry
