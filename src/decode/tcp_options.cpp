// The full TCP option walk (RFC 9293 §3.2), for segments off the NOP NOP timestamps fast path.
#include "decode/transport_decode.hpp"

namespace dicomsentry::decode_detail {

namespace {

// TCP option kinds (IANA) whose values we keep, with their fixed lengths.
constexpr std::uint8_t kTcpOptEnd = 0;
constexpr std::uint8_t kTcpOptNop = 1;
constexpr std::uint8_t kTcpOptMss = 2;             // RFC 9293 §3.2
constexpr std::uint8_t kTcpOptWindowScale = 3;     // RFC 7323 §2.2
constexpr std::uint8_t kTcpOptSackPermitted = 4;   // RFC 2018 §2
constexpr std::uint8_t kTcpOptSack = 5;            // RFC 2018 §3: 2 + 8 per block, 1..4 blocks
constexpr std::uint8_t kTcpOptTimestamps = 8;      // RFC 7323 §3.2
constexpr std::size_t kTcpSackBlockLength = 8;
constexpr std::size_t kTcpMaxSackBlocks = 4;

}  // namespace

// Reads the option area into `options`. Returns false when an option had a length that does
// not fit its kind or the area; options read so far are kept. A length of 0 or 1, or one
// running past the area, ends the walk (nothing after it can be located); a wrong length on
// a known kind only drops that option.
bool parse_tcp_options(ByteView area, TcpOptions& options) {
  bool valid = true;
  std::size_t i = 0;
  while (i < area.size()) {
    const std::uint8_t kind = load_u8(area.data() + i);
    if (kind == kTcpOptEnd) break;
    if (kind == kTcpOptNop) {
      ++i;
      continue;
    }
    if (area.size() - i < 2) return false;
    const std::size_t length = load_u8(area.data() + i + 1);
    if (length < 2 || length > area.size() - i) return false;
    const std::byte* value = area.data() + i + 2;
    switch (kind) {
      case kTcpOptMss:
        if (length == 4) options.mss = load_be16(value); else valid = false;
        break;
      case kTcpOptWindowScale:
        if (length == 3) options.window_scale = load_u8(value); else valid = false;
        break;
      case kTcpOptSackPermitted:
        if (length == 2) options.sack_permitted = true; else valid = false;
        break;
      case kTcpOptSack: {
        const std::size_t blocks = (length - 2) / kTcpSackBlockLength;
        if ((length - 2) % kTcpSackBlockLength == 0 && blocks >= 1 &&
            blocks <= kTcpMaxSackBlocks) {
          options.sack_blocks = static_cast<std::uint8_t>(blocks);
        } else {
          valid = false;
        }
        break;
      }
      case kTcpOptTimestamps:
        if (length == 10) {
          options.has_timestamps = true;
          options.ts_value = load_be32(value);
          options.ts_echo = load_be32(value + 4);
        } else {
          valid = false;
        }
        break;
      default:
        break;  // skipped by its length
    }
    i += length;
  }
  return valid;
}

}  // namespace dicomsentry::decode_detail
