// PcapngWriter: block framing (leading and trailing length), options, padding, byte order.
#include "capture/pcapng_writer.hpp"

#include <algorithm>
#include <array>

#include "capture/pcapng_reader.hpp"

namespace dicomsentry {
namespace {

constexpr std::uint16_t kOptEndOfOpt = 0;
constexpr std::uint16_t kOptIfTsresol = 9;
constexpr std::uint16_t kOptIfTsoffset = 14;

}  // namespace

PcapngWriter::PcapngWriter(std::endian byte_order) {
  add_section(byte_order);
}

void PcapngWriter::put32(std::uint32_t v) {
  if (big_endian_) v = __builtin_bswap32(v);
  const auto bytes = std::bit_cast<std::array<std::byte, 4>>(v);
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void PcapngWriter::put16(std::uint16_t v) {
  if (big_endian_) v = __builtin_bswap16(v);
  const auto bytes = std::bit_cast<std::array<std::byte, 2>>(v);
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void PcapngWriter::put_bytes(ByteView data) {
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  buffer_.resize(buffer_.size() + ((4 - data.size() % 4) % 4), std::byte{0});
}

std::size_t PcapngWriter::begin_block(std::uint32_t type) {
  const std::size_t start = buffer_.size();
  put32(type);
  put32(0);  // length, patched by end_block
  return start;
}

void PcapngWriter::end_block(std::size_t start) {
  const auto length = static_cast<std::uint32_t>(buffer_.size() + 4 - start);
  put32(length);
  std::uint32_t v = big_endian_ ? __builtin_bswap32(length) : length;
  const auto bytes = std::bit_cast<std::array<std::byte, 4>>(v);
  std::copy(bytes.begin(), bytes.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(start + 4));
}

void PcapngWriter::add_section(std::endian byte_order) {
  big_endian_ = byte_order == std::endian::big;
  interfaces_in_section_ = 0;
  const std::size_t start = begin_block(kPcapngSectionHeader);
  put32(kPcapngByteOrderMagic);
  put16(1);           // major
  put16(0);           // minor
  put32(0xffffffff);  // section length: -1, not given
  put32(0xffffffff);
  end_block(start);
}

std::uint32_t PcapngWriter::add_interface(std::uint16_t link_type, std::uint32_t snaplen,
                                          std::optional<std::uint8_t> tsresol,
                                          std::optional<std::int64_t> tsoffset_seconds) {
  const std::uint32_t id = interfaces_in_section_++;
  const std::size_t start = begin_block(kPcapngInterfaceDescription);
  put16(link_type);
  put16(0);
  put32(snaplen);
  if (tsresol || tsoffset_seconds) {
    if (tsresol) {
      put16(kOptIfTsresol);
      put16(1);
      const std::array<std::byte, 1> value{std::byte{*tsresol}};
      put_bytes(value);
    }
    if (tsoffset_seconds) {
      put16(kOptIfTsoffset);
      put16(8);
      const auto raw = static_cast<std::uint64_t>(*tsoffset_seconds);
      put32(big_endian_ ? static_cast<std::uint32_t>(raw >> 32) : static_cast<std::uint32_t>(raw));
      put32(big_endian_ ? static_cast<std::uint32_t>(raw) : static_cast<std::uint32_t>(raw >> 32));
    }
    put16(kOptEndOfOpt);
    put16(0);
  }
  end_block(start);
  return id;
}

void PcapngWriter::add_enhanced(std::uint32_t interface_id, std::uint64_t timestamp, ByteView frame,
                                std::uint32_t original_length) {
  const std::size_t start = begin_block(kPcapngEnhancedPacket);
  put32(interface_id);
  put32(static_cast<std::uint32_t>(timestamp >> 32));
  put32(static_cast<std::uint32_t>(timestamp));
  put32(static_cast<std::uint32_t>(frame.size()));
  put32(original_length != 0 ? original_length : static_cast<std::uint32_t>(frame.size()));
  put_bytes(frame);
  end_block(start);
}

void PcapngWriter::add_obsolete(std::uint16_t interface_id, std::uint64_t timestamp, ByteView frame,
                                std::uint32_t original_length) {
  const std::size_t start = begin_block(kPcapngObsoletePacket);
  put16(interface_id);
  put16(0);  // drops count
  put32(static_cast<std::uint32_t>(timestamp >> 32));
  put32(static_cast<std::uint32_t>(timestamp));
  put32(static_cast<std::uint32_t>(frame.size()));
  put32(original_length != 0 ? original_length : static_cast<std::uint32_t>(frame.size()));
  put_bytes(frame);
  end_block(start);
}

void PcapngWriter::add_simple(ByteView frame, std::uint32_t original_length) {
  const std::size_t start = begin_block(kPcapngSimplePacket);
  put32(original_length != 0 ? original_length : static_cast<std::uint32_t>(frame.size()));
  put_bytes(frame);
  end_block(start);
}

void PcapngWriter::add_block(std::uint32_t type, ByteView body) {
  const std::size_t start = begin_block(type);
  put_bytes(body);
  end_block(start);
}

}  // namespace dicomsentry
