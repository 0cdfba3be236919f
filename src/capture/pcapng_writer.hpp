// Small in-memory pcapng writer: sections, interfaces and EPB/SPB/OPB, in either byte order.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "dicomsentry/bytes.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// Built for tests and synthetic captures: every field the reader interprets can be chosen,
// including timestamps in raw interface units, so each reader case can be produced exactly.
class PcapngWriter {
 public:
  // Starts the first section.
  explicit PcapngWriter(std::endian byte_order = std::endian::little);

  // Starts a new section (new SHB, interface ids restart at 0), possibly in another order.
  void add_section(std::endian byte_order);
  // Returns the new interface's id within the section. `tsresol` is the raw if_tsresol
  // byte (bit 7 set: power of 2); nullopt leaves the option out (default 10^-6).
  std::uint32_t add_interface(std::uint16_t link_type, std::uint32_t snaplen = 262144,
                              std::optional<std::uint8_t> tsresol = std::nullopt,
                              std::optional<std::int64_t> tsoffset_seconds = std::nullopt);
  // `timestamp` is in the interface's units. original_length 0 means frame.size().
  void add_enhanced(std::uint32_t interface_id, std::uint64_t timestamp, ByteView frame,
                    std::uint32_t original_length = 0);
  void add_obsolete(std::uint16_t interface_id, std::uint64_t timestamp, ByteView frame,
                    std::uint32_t original_length = 0);
  void add_simple(ByteView frame, std::uint32_t original_length = 0);
  // Any block: `body` is padded to 4 bytes and framed with the lengths.
  void add_block(std::uint32_t type, ByteView body);

  const std::vector<std::byte>& bytes() const { return buffer_; }

 private:
  void put32(std::uint32_t v);
  void put16(std::uint16_t v);
  void put_bytes(ByteView data);  // padded to a multiple of 4
  std::size_t begin_block(std::uint32_t type);
  void end_block(std::size_t start);

  std::vector<std::byte> buffer_;
  bool big_endian_ = false;
  std::uint32_t interfaces_in_section_ = 0;
};

}  // namespace dicomsentry
