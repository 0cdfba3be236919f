// The error a capture source reports, and the three outcomes of asking it for a packet.
#pragma once

#include <cstdint>
#include <string>

namespace dicomsentry {

// What a reader's next() returns. After kEnd or kError every further call returns the same.
enum class ReadResult : std::uint8_t { kPacket, kEnd, kError };

// One problem in one capture file: where it is and what is wrong, for a one-line report.
struct CaptureError {
  std::string file;          // the path or the name given to an in-memory capture
  std::uint64_t offset = 0;  // byte offset of the bad header, record or block
  std::string reason;        // what is wrong, without the file name or offset

  // "FILE: offset N: reason", e.g. "x.pcap: offset 1234: truncated record: header says
  // 1514 bytes, 200 remain".
  std::string message() const;
};

}  // namespace dicomsentry
