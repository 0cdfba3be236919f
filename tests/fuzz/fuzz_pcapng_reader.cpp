// libFuzzer target for pcapng: fuzzed blocks behind a valid or fuzzed section header.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture_fuzz_check.hpp"

// The first input byte picks the frame: bit 0 clear = the input is the whole file; set = a
// valid 28-byte section header (bit 1: big-endian) followed by the rest of the input as
// blocks, so mutations go into interfaces, options and packet blocks.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> bytes;
  if (size == 0 || (data[0] & 1) == 0) {
    const auto* begin = reinterpret_cast<const std::byte*>(data);
    bytes.assign(begin, begin + size);
  } else {
    const bool big = (data[0] & 2) != 0;
    // Version 1.0: bytes 01 00 00 00 little-endian, 00 01 00 00 big-endian.
    const std::uint32_t version = big ? 0x00000100u : 0x00000001u;
    const std::uint32_t fields[] = {0x0a0d0d0a, 28, 0x1a2b3c4d, 0, 0xffffffff, 0xffffffff, 28};
    for (std::size_t i = 0; i < 7; ++i) {
      std::uint32_t v = i == 3 ? version : (big ? __builtin_bswap32(fields[i]) : fields[i]);
      for (int k = 0; k < 4; ++k)
        bytes.push_back(std::byte(static_cast<std::uint8_t>(v >> (8 * k))));
    }
    const auto* begin = reinterpret_cast<const std::byte*>(data + 1);
    bytes.insert(bytes.end(), begin, begin + (size - 1));
  }
  dicomsentry::fuzz::check_capture(bytes);
  return 0;
}
