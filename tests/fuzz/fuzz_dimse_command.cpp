// libFuzzer target for the DIMSE command-set parser, peek and plausibility check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dicom/dimse_command.hpp"
#include "dicom/dimse_names.hpp"

namespace {

// A broken invariant is a bug even when nothing crashed: abort so libFuzzer keeps the input.
void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, dicomsentry::ByteView whole) {
  const auto* p = reinterpret_cast<const std::byte*>(part.data());
  return part.empty() || (p >= whole.data() && p + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsentry::dicom;
  const dicomsentry::ByteView bytes = dicomsentry::as_byte_view(data, size);
  const DimseCommand c = parse_command_set(bytes);
  check(c.anomaly_count <= DimseCommand::kMaxAnomalies);
  check(c.anomaly_count == DimseCommand::kMaxAnomalies || c.anomalies_dropped == 0);
  for (std::size_t i = 0; i < c.anomaly_count; ++i) {
    check(c.anomalies[i].kind < DimseAnomaly::kCount);
    check(c.anomalies[i].offset <= size);
    check(!dimse_anomaly_name(c.anomalies[i].kind).empty());
  }
  for (std::string_view s : {c.affected_sop_class_uid, c.requested_sop_class_uid,
                             c.affected_sop_instance_uid, c.requested_sop_instance_uid,
                             c.move_destination, c.move_originator_ae_title, c.error_comment}) {
    check(inside(s, bytes));
  }
  for (std::size_t i = 0; i < c.offending_element.size(); ++i) (void)c.offending_element.at(i);
  for (std::size_t i = 0; i < c.attribute_identifier_list.size(); ++i) {
    (void)c.attribute_identifier_list.at(i);
  }
  check(c.anomaly_count > 0 || c.has_field(DimseCommand::kHasCommandField));
  check(!status_text(c.status, c.command).empty());
  check(!command_name(c.command).empty());

  const CommandPeek peek = peek_command_field(bytes);
  // Both read the same (0000,0100) when the set is clean.
  if (c.anomaly_count == 0) check(peek.found && peek.command_field_raw == c.command_field_raw);
  if (looks_like_command_set(bytes)) {
    // A whole, plausible set parses with at most value-level and required-field anomalies.
    for (std::size_t i = 0; i < c.anomaly_count; ++i) {
      const DimseAnomaly k = c.anomalies[i].kind;
      check(k != DimseAnomaly::kGroupLengthMissing && k != DimseAnomaly::kNotCommandGroup &&
            k != DimseAnomaly::kOutOfOrder && k != DimseAnomaly::kDuplicateTag);
    }
  }
  return 0;
}
