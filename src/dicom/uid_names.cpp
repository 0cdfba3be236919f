// UID names from DCMTK's dictionary of well-known UIDs (SOP classes, transfer syntaxes, ...).
#include <array>
#include <cstring>

#include "dicom/dataset_summary.hpp"
#include "dcmtk/dcmdata/dcuid.h"

namespace dicomsentry::dicom {

// PS3.5 §9.1: a UID is at most 64 characters.
inline constexpr std::size_t kMaxUidLength = 64;

std::string_view uid_name(std::string_view uid) {
  // UIDs on the wire are padded to even length with NUL; tolerate a space pad as well.
  while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.remove_suffix(1);
  if (uid.empty() || uid.size() > kMaxUidLength) return {};
  // DCMTK wants a NUL-terminated string; copy into a stack buffer (no allocation).
  std::array<char, kMaxUidLength + 1> terminated{};
  std::memcpy(terminated.data(), uid.data(), uid.size());
  // A linear scan of DCMTK's static table (a few hundred entries): called once per emitted
  // event, not per packet. The returned pointer is into that static table.
  const char* name = dcmFindNameOfUID(terminated.data(), nullptr);
  return name == nullptr ? std::string_view{} : std::string_view{name};
}

}  // namespace dicomsentry::dicom
