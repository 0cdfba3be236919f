// Classic pcap writer for tests, benchmarks and synthetic captures: to memory or a file.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "dicomsentry/bytes.hpp"
#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// Writes the file header at construction, then one record per add(). In memory by default;
// stream_to() sends everything to a file through a 1 MiB buffer (a 1 GB capture is written
// in ~1000 write calls). Frames longer than the snap length are cut, as a capture would.
class PcapWriter {
 public:
  explicit PcapWriter(LinkType link_type, bool nanosecond = true, std::uint32_t snaplen = 262144,
                      std::endian byte_order = std::endian::little);
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();

  // Switches to streaming into `path` (created or truncated). Call before or after adds.
  bool stream_to(const std::string& path, std::string& error);
  // original_length 0 means frame.size().
  void add(TimestampNs ts, ByteView frame, std::uint32_t original_length = 0);
  // Flushes and closes a streamed file; false with the first write error if any failed.
  bool finish(std::string& error);

  // The capture so far (in-memory mode only; empty view semantics after stream_to()).
  const std::vector<std::byte>& bytes() const { return buffer_; }
  std::uint64_t records() const { return records_; }

 private:
  void put32(std::uint32_t v);
  void put16(std::uint16_t v);
  bool flush();

  std::vector<std::byte> buffer_;
  bool big_endian_ = false;
  bool nanosecond_ = true;
  std::uint32_t snaplen_ = 0;
  int fd_ = -1;
  std::string write_error_;
  std::uint64_t records_ = 0;
};

}  // namespace dicomsentry
