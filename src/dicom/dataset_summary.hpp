// What the inspector keeps of a DIMSE data set: the head of a C-STORE object (which instance,
// which modality) and the keys of a C-FIND/C-GET/C-MOVE identifier. Parsed with DCMTK from
// bytes in the accepted transfer syntax; patient-identifying values are flagged, never hidden
// here: the EVE writer decides what to print (--log-phi).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom {

// How a query key constrains the match (PS3.4 C.2.2.2): universal (empty), wildcard-only
// ("*" or "?" only), wildcard (contains * or ?), range ("-" in a date/time), list
// ("\\" separated UIDs) or a single value.
enum class KeyMatch : std::uint8_t { kUniversal, kWildcardOnly, kWildcard, kRange, kList, kSingle };
std::string_view key_match_name(KeyMatch match);

// "(0010,0010)": DCMTK's and the standard's spelling of a tag, fixed length, upper-case hex.
struct TagText {
  std::array<char, 11> chars{};
  std::string_view view() const { return {chars.data(), chars.size()}; }
};
TagText tag_text(std::uint32_t tag);

struct QueryKey {
  std::uint32_t tag = 0;   // (group << 16) | element
  std::string keyword;     // DCMTK's dictionary name, e.g. "PatientName"; empty if unknown
  std::string vr;          // "PN"; for sequences "SQ" (their items are not summarised)
  std::string value;       // trimmed value as sent (multi-values joined by '\\'); may be PHI
  KeyMatch match = KeyMatch::kUniversal;
  bool phi = false;        // in the PS3.15 Basic Application Level Confidentiality list
};

// What was read from the start of a data set (bounded: only the first bytes are parsed).
struct DataSetSummary {
  bool parsed = false;       // DCMTK read at least one element
  bool truncated = false;    // the bytes given ended inside the data set (normal for C-STORE)
  std::string error;         // DCMTK's reason when nothing could be read
  std::string sop_class_uid;     // (0008,0016)
  std::string sop_instance_uid;  // (0008,0018)
  std::string modality;          // (0008,0060)
  std::string query_level;       // (0008,0052) QueryRetrieveLevel, trimmed
  std::vector<QueryKey> keys;    // identifiers only: every top-level element, in tag order
  void clear() {  // keeps the buffers
    parsed = truncated = false;
    error.clear();
    sop_class_uid.clear();
    sop_instance_uid.clear();
    modality.clear();
    query_level.clear();
    keys.clear();
  }
};

// Upper bound on the bytes of one identifier the engine buffers for parsing (longer
// identifiers are summarised from their first kMaxIdentifierBytes bytes, `truncated` set).
inline constexpr std::size_t kMaxIdentifierBytes = 64 * 1024;
// Bytes of a C-STORE data set kept for its head (SOP class, instance, modality live in group
// 0008, well inside this for every real object).
inline constexpr std::size_t kStoreHeadBytes = 4096;

// Parses `bytes` as a data set encoded in `transfer_syntax_uid`. `complete` says whether the
// bytes are the whole data set (identifiers) or only its head (C-STORE). `want_keys`: fill
// `keys` (identifiers). Never throws; a data set DCMTK cannot read leaves parsed == false and
// `error` set. Deflated transfer syntaxes are summarised as unparsed ("deflated").
void summarize_data_set(ByteView bytes, std::string_view transfer_syntax_uid, bool complete,
                        bool want_keys, DataSetSummary& out);

// Loads DCMTK's data dictionary now (once per process) instead of inside the first data set
// summarised: reading the dictionary takes about 120 million instructions, a stall of tens of
// milliseconds that would otherwise fall on the first C-FIND seen on a live port.
void load_data_dictionary();

// True for attributes of the PS3.15 Annex E Basic Application Level Confidentiality Profile
// that can appear as query keys or in an object's head (Patient's Name, ID, Birth Date, ...).
bool is_phi_attribute(std::uint32_t tag);

// DCMTK's name for a UID ("CTImageStorage", "LittleEndianExplicit"); empty when unknown.
std::string_view uid_name(std::string_view uid);

}  // namespace dicomsentry::dicom
