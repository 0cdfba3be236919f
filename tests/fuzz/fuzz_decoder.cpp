// libFuzzer target for the packet decoder: byte 0 picks link type and options, the rest is the frame.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "decode/decoder.hpp"

namespace {

using dicomsentry::LinkType;

// Every link type we decode plus one we do not (LINKTYPE_IEEE802_11).
constexpr std::array<LinkType, 9> kLinkTypes = {
    LinkType::kEthernet, LinkType::kLinuxSll, LinkType::kLinuxSll2,
    LinkType::kNull,     LinkType::kLoop,     LinkType::kRaw,
    LinkType::kIpv4,     LinkType::kIpv6,     static_cast<LinkType>(105),
};

// A broken invariant is a bug even when nothing crashed: abort so libFuzzer keeps the input.
void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(dicomsentry::ByteView part, dicomsentry::ByteView whole) {
  return part.empty() || (part.data() >= whole.data() &&
                          part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  dicomsentry::PacketView packet;
  packet.bytes = dicomsentry::as_byte_view(data + 1, size - 1);
  packet.link_type = kLinkTypes[(selector & 0x0f) % kLinkTypes.size()];
  // Bit 5: pretend the snap length cut the frame, so length fields may point past the end.
  packet.original_length = static_cast<std::uint32_t>(size - 1) + ((selector & 0x20) ? 4000 : 0);
  dicomsentry::DecodeOptions options;
  options.validate_checksums = (selector & 0x10) != 0;

  dicomsentry::DecodedPacket out;
  dicomsentry::DecodeCounters counters;
  const auto result = dicomsentry::decode_packet(packet, options, out, counters);

  check(out.result == result);
  check(counters.packets == 1);
  check(counters.tcp + counters.udp + counters.other_ip + counters.not_ip + counters.malformed == 1);
  std::uint64_t reasons = 0;
  for (auto n : counters.by_reason) reasons += n;
  check(reasons == counters.malformed);
  check((result == dicomsentry::DecodeResult::kMalformed) ==
        (out.reason != dicomsentry::DecodeReason::kCount));
  check(out.vlan_count <= dicomsentry::kMaxVlans && out.vlan_count <= out.vlan_depth);
  check(inside(out.ip_packet, packet.bytes));
  check(inside(out.payload, packet.bytes));
  if (result == dicomsentry::DecodeResult::kTcp || result == dicomsentry::DecodeResult::kUdp) {
    check(inside(out.payload, out.ip_packet));
    check(out.payload.size() <= out.payload_wire_length);
  }
  return 0;
}
