// Test helper: DCMTK data set → wire bytes (see dcmtk_encode.hpp).
#include "dcmtk_encode.hpp"

#include "dcmtk/dcmdata/dcostrmb.h"

namespace dicomsentry::testkit {

std::vector<std::byte> encode_data_set(DcmDataset& data_set, E_TransferSyntax syntax) {
  std::vector<std::byte> out;
  std::vector<Uint8> chunk(64 * 1024);
  DcmOutputBufferStream stream(chunk.data(), static_cast<offile_off_t>(chunk.size()));
  auto drain = [&] {
    void* data = nullptr;
    offile_off_t length = 0;
    stream.flushBuffer(data, length);
    const auto* bytes = static_cast<const std::byte*>(data);
    out.insert(out.end(), bytes, bytes + length);
  };
  data_set.transferInit();
  OFCondition status = EC_StreamNotifyClient;
  // Each round writes up to one chunk; an object of N bytes needs about N / 64 KiB rounds.
  for (int round = 0; round < 100000 && status == EC_StreamNotifyClient; ++round) {
    status = data_set.write(stream, syntax, EET_ExplicitLength, nullptr);
    if (status.good() || status == EC_StreamNotifyClient) drain();
  }
  // Finish a compression filter (deflate) and hand over what it still holds.
  for (int round = 0; round < 1000 && status.good() && !stream.isFlushed(); ++round) {
    stream.flush();
    drain();
  }
  data_set.transferEnd();
  if (status.bad()) out.clear();
  return out;
}

}  // namespace dicomsentry::testkit
