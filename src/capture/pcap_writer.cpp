// PcapWriter: header and record encoding in either byte order, buffered file output.
#include "capture/pcap_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "capture/pcap_reader.hpp"

namespace dicomsentry {
namespace {

constexpr std::size_t kFlushThreshold = std::size_t{1} << 20;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

}  // namespace

PcapWriter::PcapWriter(LinkType link_type, bool nanosecond, std::uint32_t snaplen,
                       std::endian byte_order)
    : big_endian_(byte_order == std::endian::big), nanosecond_(nanosecond), snaplen_(snaplen) {
  buffer_.reserve(kFlushThreshold + 65536);
  put32(nanosecond ? kPcapMagicNano : kPcapMagicMicro);
  put16(2);
  put16(4);
  put32(0);  // thiszone
  put32(0);  // sigfigs
  put32(snaplen);
  put32(static_cast<std::uint32_t>(link_type));
}

PcapWriter::~PcapWriter() {
  std::string ignored;
  if (fd_ >= 0) finish(ignored);
}

void PcapWriter::put32(std::uint32_t v) {
  if (big_endian_) v = __builtin_bswap32(v);
  const auto bytes = std::bit_cast<std::array<std::byte, 4>>(v);
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void PcapWriter::put16(std::uint16_t v) {
  if (big_endian_) v = __builtin_bswap16(v);
  const auto bytes = std::bit_cast<std::array<std::byte, 2>>(v);
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

bool PcapWriter::stream_to(const std::string& path, std::string& error) {
  if (fd_ >= 0) {
    error = "already streaming";
    return false;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = "cannot create: " + std::error_code(errno, std::generic_category()).message();
    return false;
  }
  return flush();
}

bool PcapWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size() && write_error_.empty()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_error_ = "write failed: " + std::error_code(errno, std::generic_category()).message();
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
  return write_error_.empty();
}

void PcapWriter::add(TimestampNs ts, ByteView frame, std::uint32_t original_length) {
  // Floor division, so times before 1970 still give a fraction in [0, 1 s).
  std::int64_t seconds = ts / kNsPerSecond;
  std::int64_t ns = ts % kNsPerSecond;
  if (ns < 0) {
    ns += kNsPerSecond;
    --seconds;
  }
  const std::size_t limit = snaplen_ == 0 ? frame.size() : snaplen_;
  const std::size_t captured = frame.size() < limit ? frame.size() : limit;
  put32(static_cast<std::uint32_t>(seconds));
  put32(static_cast<std::uint32_t>(nanosecond_ ? ns : ns / 1000));
  put32(static_cast<std::uint32_t>(captured));
  put32(original_length != 0 ? original_length : static_cast<std::uint32_t>(frame.size()));
  buffer_.insert(buffer_.end(), frame.begin(),
                 frame.begin() + static_cast<std::ptrdiff_t>(captured));
  ++records_;
  if (fd_ >= 0 && buffer_.size() >= kFlushThreshold) flush();
}

bool PcapWriter::finish(std::string& error) {
  if (fd_ < 0) return true;
  flush();
  if (::close(fd_) != 0 && write_error_.empty()) {
    write_error_ = "close failed: " + std::error_code(errno, std::generic_category()).message();
  }
  fd_ = -1;
  if (!write_error_.empty()) {
    error = write_error_;
    return false;
  }
  return true;
}

}  // namespace dicomsentry
