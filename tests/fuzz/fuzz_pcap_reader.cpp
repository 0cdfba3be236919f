// libFuzzer target for classic pcap: fuzzed records behind a valid or fuzzed file header.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture_fuzz_check.hpp"

// The first input byte picks the frame: bit 0 clear = the input is the whole file (header
// paths); set = a valid header (bit 1: big-endian, bit 2: ns, bits 3-4: snaplen choice)
// followed by the rest of the input as records, so every mutation reaches the record loop.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> bytes;
  if (size == 0 || (data[0] & 1) == 0) {
    const auto* begin = reinterpret_cast<const std::byte*>(data);
    bytes.assign(begin, begin + size);
  } else {
    const bool big = (data[0] & 2) != 0;
    const std::uint32_t magic = (data[0] & 4) != 0 ? 0xa1b23c4d : 0xa1b2c3d4;
    const std::uint32_t snaplens[] = {0, 64, 65535, 262144};
    const std::uint32_t fields[] = {magic, 0x00040002, 0, 0, snaplens[(data[0] >> 3) & 3], 1};
    for (std::size_t i = 0; i < 6; ++i) {
      std::uint32_t v = fields[i];
      if (i == 1 && big)
        v = 0x04000200;  // bytes 00 02 00 04: version 2.4, each half big-endian
      else if (big)
        v = __builtin_bswap32(v);
      for (int k = 0; k < 4; ++k)
        bytes.push_back(std::byte(static_cast<std::uint8_t>(v >> (8 * k))));
    }
    const auto* begin = reinterpret_cast<const std::byte*>(data + 1);
    bytes.insert(bytes.end(), begin, begin + (size - 1));
  }
  dicomsentry::fuzz::check_capture(bytes);
  return 0;
}
