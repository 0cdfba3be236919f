// libFuzzer target: the TCP reassembler driven by a byte-coded script of segments, ACKs,
// flags and flow ends, with a consumer that consumes partially and asks for contiguity.
// Checks: no crash or leak, offsets handed to the consumer are consistent, every delivery
// respects the stash contract, and held memory never exceeds the configured caps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "reassembly/tcp_reassembler.hpp"

namespace ds = dicomsentry;

namespace {

class ScriptedConsumer final : public ds::StreamConsumer {
 public:
  std::uint8_t mood = 0;  // set by the script: how much to consume and what to ask for

  ds::Consumed on_data(const ds::StreamContext& c, ds::ByteView data) override {
    // Consumed bytes are never presented again (unconsumed ones are, from the first one on;
    // a stash the consumer stalled on may be dropped, so offsets may jump forward).
    auto& next = consumed_until_[static_cast<int>(c.direction)];
    if (c.offset < next || data.empty()) std::abort();
    ds::Consumed result;
    switch (mood & 3) {
      case 0: result = {static_cast<std::uint32_t>(data.size()), 0}; break;
      case 1: result = {static_cast<std::uint32_t>(data.size() / 2), 6}; break;
      case 2: result = {0, static_cast<std::uint32_t>(data.size() + 1 + (mood >> 2) * 97)}; break;
      default: result = {static_cast<std::uint32_t>(data.size() > 3 ? 3 : 0), 2}; break;
    }
    next = c.offset + result.bytes;
    return result;
  }
  void on_gap(const ds::StreamContext& c, std::uint64_t bytes) override {
    if (bytes == 0) std::abort();
    auto& next = consumed_until_[static_cast<int>(c.direction)];
    if (c.offset < next) std::abort();
    next = c.offset + bytes;
  }
  void on_end(const ds::StreamContext& c) override {
    if (++ends_[static_cast<int>(c.direction)] > 1) std::abort();  // at most once per direction
  }

 private:
  std::uint64_t consumed_until_[2] = {0, 0};
  int ends_[2] = {0, 0};
};

}  // namespace

// Script: 8-byte records {op, direction|flags, seq delta (2), length (2), ack delta, fill}.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ds::ReassemblyConfig config;
  config.memcap_bytes = 64 << 10;
  config.max_held_bytes_per_stream = 16 << 10;
  config.max_contiguous_need = 4 << 10;
  ScriptedConsumer consumer;
  ds::TcpReassembler reassembler(config, consumer);
  ds::Flow flow;
  std::vector<std::byte> payload(4096);
  std::uint32_t base[2] = {0xfffff000u, 0x7ffffff0u};
  bool ended = false;
  for (std::size_t i = 0; i + 8 <= size && !ended; i += 8) {
    const std::uint8_t* r = data + i;
    const auto direction = static_cast<ds::Direction>(r[1] & 1);
    const std::uint16_t seq_delta = static_cast<std::uint16_t>(r[2] | (r[3] << 8));
    const std::uint16_t length = static_cast<std::uint16_t>((r[4] | (r[5] << 8)) % payload.size());
    consumer.mood = r[7];
    for (std::size_t k = 0; k < length; ++k) payload[k] = static_cast<std::byte>(r[7] + k);
    ds::TcpHeader tcp;
    tcp.seq = base[static_cast<int>(direction)] + seq_delta;
    tcp.ack = base[1 - static_cast<int>(direction)] + static_cast<std::uint32_t>(r[6]) * 256;
    tcp.flags = ds::tcp_flag::kAck;
    switch (r[0] % 8) {
      case 0: tcp.flags |= ds::tcp_flag::kSyn; break;
      case 1: tcp.flags |= ds::tcp_flag::kFin; break;
      case 2: if ((r[1] & 0x80) != 0) tcp.flags |= ds::tcp_flag::kRst; break;
      case 3: tcp.flags = 0; break;  // no ACK
      case 7:
        reassembler.on_flow_end(flow, static_cast<ds::TimestampNs>(i));
        ended = true;
        continue;
      default: break;
    }
    const std::uint32_t wire = (r[1] & 0x40) != 0 ? length + (r[6] & 0x3f) : length;
    reassembler.on_packet(flow, direction, tcp, ds::ByteView(payload.data(), length), wire,
                          static_cast<ds::TimestampNs>(i));
    if (reassembler.pool().bytes_in_use() > config.memcap_bytes + (8 << 10)) std::abort();
  }
  if (!ended) reassembler.on_flow_end(flow, 0);
  if (reassembler.pool().bytes_in_use() != 0) std::abort();  // everything given back
  return 0;
}
