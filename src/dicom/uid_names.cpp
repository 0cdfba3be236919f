// UID names from DCMTK's dictionary of well-known UIDs (SOP classes, transfer syntaxes, ...).
#include <array>
#include <cstdint>
#include <cstring>

#include "dicom/dataset_summary.hpp"
#include "dicom/dimse_command.hpp"  // kMaxUidLength
#include "dcmtk/dcmdata/dcuid.h"

namespace dicomsentry::dicom {

namespace {

// DCMTK's table is scanned linearly with strcmp (a few hundred entries sharing the
// "1.2.840.10008." prefix): microseconds per lookup, and every association and transaction
// event asks for several. A small direct-mapped cache per thread makes repeats cost a hash.
struct CachedName {
  std::array<char, kMaxUidLength> uid{};
  std::uint8_t length = 0;
  bool valid = false;
  const char* name = nullptr;
};
constexpr std::size_t kCacheSlots = 256;

std::size_t slot_of(std::string_view uid) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : uid) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return static_cast<std::size_t>(h ^ (h >> 32)) & (kCacheSlots - 1);
}

bool is_plain_name(const char* name) {
  for (const char* p = name; *p != '\0'; ++p) {
    const auto byte = static_cast<unsigned char>(*p);
    if (byte < 0x20 || byte >= 0x7f || *p == '"' || *p == '\\') return false;
  }
  return true;
}

}  // namespace

std::string_view uid_name(std::string_view uid) {
  // UIDs on the wire are padded to even length with NUL; tolerate a space pad as well.
  while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.remove_suffix(1);
  if (uid.empty() || uid.size() > kMaxUidLength) return {};
  thread_local std::array<CachedName, kCacheSlots> cache;
  CachedName& entry = cache[slot_of(uid)];
  if (entry.valid && entry.length == uid.size() &&
      std::memcmp(entry.uid.data(), uid.data(), uid.size()) == 0) {
    return entry.name == nullptr ? std::string_view{} : std::string_view{entry.name};
  }
  // DCMTK wants a NUL-terminated string; copy into a stack buffer (no allocation).
  std::array<char, kMaxUidLength + 1> terminated{};
  std::memcpy(terminated.data(), uid.data(), uid.size());
  // The returned pointer is into DCMTK's static table.
  const char* name = dcmFindNameOfUID(terminated.data(), nullptr);
  // The EVE writers copy names without escaping: a name that is not plain printable ASCII
  // (none in DCMTK 3.6.7's table) is treated as unknown rather than trusted.
  if (name != nullptr && !is_plain_name(name)) name = nullptr;
  std::memcpy(entry.uid.data(), uid.data(), uid.size());
  entry.length = static_cast<std::uint8_t>(uid.size());
  entry.valid = true;
  entry.name = name;
  return name == nullptr ? std::string_view{} : std::string_view{name};
}

}  // namespace dicomsentry::dicom
