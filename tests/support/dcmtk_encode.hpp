// Test helper: serialises a DCMTK data set into its wire bytes in a given transfer syntax,
// exactly as a DIMSE sender streams it (DcmDataset::write into a buffer stream, deflate
// included), so tests can feed real encodings to the adapter.
#pragma once

#include <cstddef>
#include <vector>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"

namespace dicomsentry::testkit {

// Returns the encoded data set (no preamble, no meta header); empty if DCMTK failed.
std::vector<std::byte> encode_data_set(DcmDataset& data_set, E_TransferSyntax syntax);

}  // namespace dicomsentry::testkit
