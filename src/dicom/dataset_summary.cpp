// The DCMTK adapter for data sets: summarises the head of a C-STORE object or a query
// identifier from the bytes received, in their transfer syntax.
#include "dicom/dataset_summary.hpp"

namespace dicomsentry::dicom {

std::string_view key_match_name(KeyMatch match) {
  switch (match) {
    case KeyMatch::kUniversal: return "universal";
    case KeyMatch::kWildcardOnly: return "wildcard_only";
    case KeyMatch::kWildcard: return "wildcard";
    case KeyMatch::kRange: return "range";
    case KeyMatch::kList: return "list";
    case KeyMatch::kSingle: return "single";
  }
  return "unknown";
}

void summarize_data_set(ByteView, std::string_view, bool, bool, DataSetSummary& out) {
  out.clear();
  out.error = "not implemented";  // replaced by the DCMTK parser in the next commit
}

}  // namespace dicomsentry::dicom
