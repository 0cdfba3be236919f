// libFuzzer target for the DCMTK data set adapter (summarize_data_set). The first byte picks
// the transfer syntax (bits 0-1), whether the bytes are the whole data set (bit 2) and
// whether keys are wanted (bit 3); the rest is the data set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dicom/dataset_summary.hpp"
#include "output/json_writer.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();  // a broken invariant is a finding even without a crash
}

constexpr std::string_view kSyntaxes[4] = {
    "1.2.840.10008.1.2",       // implicit VR little endian
    "1.2.840.10008.1.2.1",     // explicit VR little endian
    "1.2.840.10008.1.2.2",     // explicit VR big endian (retired, still accepted)
    "1.2.840.10008.1.2.1.99",  // deflated explicit VR little endian
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsentry::dicom;
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const dicomsentry::ByteView bytes = dicomsentry::as_byte_view(data + 1, size - 1);
  const bool complete = (selector & 4) != 0;
  const bool want_keys = (selector & 8) != 0;
  static DataSetSummary s;  // reused across runs, as the engine reuses it
  summarize_data_set(bytes, kSyntaxes[selector & 3], complete, want_keys, s);

  check(s.parsed || s.keys.empty());
  check(want_keys || s.keys.empty());
  check(s.parsed || !s.error.empty() || s.truncated || bytes.empty() || (selector & 3) == 3);
  // Deflated input may inflate to at most kMaxIdentifierBytes; each key needs 8 bytes.
  check(s.keys.size() <= (bytes.size() + kMaxIdentifierBytes) / 8);
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < s.keys.size(); ++i) {
    const QueryKey& k = s.keys[i];
    check(i == 0 || k.tag > previous);  // DCMTK keeps a data set sorted and unique
    previous = k.tag;
    check(k.vr.size() == 2);
    // The EVE writer copies the VR name without escaping it (JsonWriter::key_plain_value).
    check(dicomsentry::JsonWriter::is_plain(k.vr));
    check(k.value.size() <= 1024);
    check(k.phi == is_phi_attribute(k.tag));
    check(key_match_name(k.match) != "unknown");
    check(!k.value.empty() || k.match == KeyMatch::kUniversal || k.match == KeyMatch::kSingle);
  }
  (void)uid_name(s.sop_class_uid);
  (void)uid_name(s.sop_instance_uid);
  return 0;
}
