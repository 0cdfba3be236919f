// DIMSE command sets and hand-encoded data sets (PS3.5 §7.1, PS3.7 Annex E).
#include "dimse_builder.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace dicomsentry::synth {
namespace {

// ---- implicit VR little endian command elements: tag (4), length (4), value ----------------

void element_header(Bytes& out, std::uint16_t element, std::size_t length) {
  append_le16(out, 0x0000);
  append_le16(out, element);
  append_le32(out, static_cast<std::uint32_t>(length));
}
void us_element(Bytes& out, std::uint16_t element, const std::optional<std::uint16_t>& v) {
  if (!v) return;
  element_header(out, element, 2);
  append_le16(out, *v);
}
void text_element(Bytes& out, std::uint16_t element, std::string_view s, char pad) {
  if (s.empty()) return;
  element_header(out, element, s.size() + s.size() % 2);
  append_text(out, s);
  if (s.size() % 2 != 0) append_u8(out, static_cast<unsigned char>(pad));
}
void at_element(Bytes& out, std::uint16_t element, const std::vector<std::uint32_t>& tags) {
  if (tags.empty()) return;
  element_header(out, element, 4 * tags.size());
  for (std::uint32_t tag : tags) {
    append_le16(out, tag >> 16);
    append_le16(out, tag & 0xffff);
  }
}

bool is_pending(std::uint16_t s) {
  return s == status::kPending || s == status::kPendingWarning;
}

// ---- explicit VR little endian ----------------------------------------------------------------

// PS3.5 Table 7.1-1: these VRs have 2 reserved bytes and a 4-byte length.
bool long_length_vr(std::string_view vr) {
  static constexpr std::array<std::string_view, 11> kLong = {"OB", "OD", "OF", "OL", "OV", "OW",
                                                             "SQ", "UC", "UN", "UR", "UT"};
  return std::find(kLong.begin(), kLong.end(), vr) != kLong.end();
}
char pad_for(std::string_view vr) {
  return vr == "UI" || vr == "OB" || vr == "OW" || vr == "UN" ? '\0' : ' ';
}

void data_element_header(Bytes& out, std::uint32_t tag, std::string_view vr, std::uint32_t length,
                         VrEncoding encoding) {
  append_le16(out, tag >> 16);
  append_le16(out, tag & 0xffff);
  if (encoding == VrEncoding::kImplicitLittle) {
    append_le32(out, length);
    return;
  }
  append_text(out, vr.substr(0, 2));
  if (long_length_vr(vr)) {
    append_le16(out, 0);
    append_le32(out, length);
  } else {
    append_le16(out, length);
  }
}

// The pixel bytes repeat every kPixelPeriod bytes (2048 16-bit samples); the table holds two
// periods so that one copy of up to a period can start anywhere in the first.
constexpr std::size_t kPixelSamples = 2048;
constexpr std::size_t kPixelPeriod = 2 * kPixelSamples;

const std::array<std::byte, 2 * kPixelPeriod>& pixel_table() {
  static const auto table = [] {
    std::array<std::byte, 2 * kPixelPeriod> t{};
    for (std::size_t i = 0; i < t.size(); i += 2) {
      // Sample k is 7k mod 2048: 11-bit values stored in 16 bits, low byte first, as a CT's are.
      const std::size_t value = (i / 2 * 7) % kPixelSamples;
      t[i] = static_cast<std::byte>(value & 0xff);
      t[i + 1] = static_cast<std::byte>(value >> 8);
    }
    return t;
  }();
  return table;
}

}  // namespace

Bytes command_set(const CommandSpec& s) {
  Bytes body;
  text_element(body, 0x0002, s.affected_sop_class_uid, '\0');
  text_element(body, 0x0003, s.requested_sop_class_uid, '\0');
  us_element(body, 0x0100, s.command_field);
  us_element(body, 0x0110, s.message_id);
  us_element(body, 0x0120, s.message_id_being_responded_to);
  text_element(body, 0x0600, s.move_destination, ' ');
  us_element(body, 0x0700, s.priority);
  us_element(body, 0x0800, s.data_set_type);
  us_element(body, 0x0900, s.status);
  at_element(body, 0x0901, s.offending_elements);
  text_element(body, 0x0902, s.error_comment, ' ');
  us_element(body, 0x0903, s.error_id);
  text_element(body, 0x1000, s.affected_sop_instance_uid, '\0');
  text_element(body, 0x1001, s.requested_sop_instance_uid, '\0');
  us_element(body, 0x1002, s.event_type_id);
  at_element(body, 0x1005, s.attribute_identifiers);
  us_element(body, 0x1008, s.action_type_id);
  us_element(body, 0x1020, s.remaining_sub_operations);
  us_element(body, 0x1021, s.completed_sub_operations);
  us_element(body, 0x1022, s.failed_sub_operations);
  us_element(body, 0x1023, s.warning_sub_operations);
  text_element(body, 0x1030, s.move_originator_ae_title, ' ');
  us_element(body, 0x1031, s.move_originator_message_id);
  Bytes out;
  out.reserve(12 + body.size());
  element_header(out, 0x0000, 4);
  append_le32(out, static_cast<std::uint32_t>(body.size()));
  append_bytes(out, body);
  return out;
}

DimseMessage dimse(std::uint8_t context_id, const CommandSpec& command, Bytes data_set) {
  return DimseMessage{context_id, command_set(command), std::move(data_set)};
}

namespace {

CommandSpec request(std::uint16_t field, std::string_view sop_class, std::uint16_t message_id) {
  CommandSpec s;
  s.command_field = field;
  s.affected_sop_class_uid = sop_class;
  s.message_id = message_id;
  return s;
}
CommandSpec response(std::uint16_t request_field, std::string_view sop_class,
                     std::uint16_t responded_to, std::uint16_t status_value) {
  CommandSpec s;
  s.command_field = request_field | command::kResponseBit;
  s.affected_sop_class_uid = sop_class;
  s.message_id_being_responded_to = responded_to;
  s.status = status_value;
  return s;
}
void sub_operations(CommandSpec& s, std::uint16_t status_value, const SubOperations& counts) {
  // PS3.4 C.4.2.1.6: remaining only while pending (or in a cancel response).
  if (is_pending(status_value) || status_value == status::kCancel) {
    s.remaining_sub_operations = counts.remaining;
  }
  s.completed_sub_operations = counts.completed;
  s.failed_sub_operations = counts.failed;
  s.warning_sub_operations = counts.warning;
}

}  // namespace

CommandSpec c_echo_rq(std::uint16_t message_id) {
  return request(command::kCEchoRq, uids::kVerification, message_id);
}
CommandSpec c_echo_rsp(std::uint16_t responded_to, std::uint16_t status_value) {
  return response(command::kCEchoRq, uids::kVerification, responded_to, status_value);
}
CommandSpec c_store_rq(std::string_view sop_class, std::string_view sop_instance,
                       std::uint16_t message_id, std::uint16_t priority) {
  CommandSpec s = request(command::kCStoreRq, sop_class, message_id);
  s.priority = priority;
  s.data_set_type = kDataSetPresent;
  s.affected_sop_instance_uid = sop_instance;
  return s;
}
CommandSpec c_store_rsp(std::string_view sop_class, std::string_view sop_instance,
                        std::uint16_t responded_to, std::uint16_t status_value) {
  CommandSpec s = response(command::kCStoreRq, sop_class, responded_to, status_value);
  s.affected_sop_instance_uid = sop_instance;
  return s;
}
CommandSpec c_find_rq(std::string_view sop_class, std::uint16_t message_id,
                      std::uint16_t priority) {
  CommandSpec s = request(command::kCFindRq, sop_class, message_id);
  s.priority = priority;
  s.data_set_type = kDataSetPresent;
  return s;
}
CommandSpec c_find_rsp(std::string_view sop_class, std::uint16_t responded_to,
                       std::uint16_t status_value) {
  CommandSpec s = response(command::kCFindRq, sop_class, responded_to, status_value);
  if (is_pending(status_value)) s.data_set_type = kDataSetPresent;
  return s;
}
CommandSpec c_move_rq(std::string_view sop_class, std::uint16_t message_id,
                      std::string_view move_destination, std::uint16_t priority) {
  CommandSpec s = request(command::kCMoveRq, sop_class, message_id);
  s.move_destination = move_destination;
  s.priority = priority;
  s.data_set_type = kDataSetPresent;
  return s;
}
CommandSpec c_move_rsp(std::string_view sop_class, std::uint16_t responded_to,
                       std::uint16_t status_value, const SubOperations& counts) {
  CommandSpec s = response(command::kCMoveRq, sop_class, responded_to, status_value);
  sub_operations(s, status_value, counts);
  return s;
}
CommandSpec c_get_rq(std::string_view sop_class, std::uint16_t message_id, std::uint16_t priority) {
  CommandSpec s = request(command::kCGetRq, sop_class, message_id);
  s.priority = priority;
  s.data_set_type = kDataSetPresent;
  return s;
}
CommandSpec c_get_rsp(std::string_view sop_class, std::uint16_t responded_to,
                      std::uint16_t status_value, const SubOperations& counts) {
  CommandSpec s = response(command::kCGetRq, sop_class, responded_to, status_value);
  sub_operations(s, status_value, counts);
  return s;
}
CommandSpec c_cancel_rq(std::uint16_t responded_to) {
  CommandSpec s;
  s.command_field = command::kCCancelRq;
  s.message_id_being_responded_to = responded_to;
  return s;
}
CommandSpec n_action_rq(std::string_view sop_class, std::string_view sop_instance,
                        std::uint16_t message_id, std::uint16_t action_type_id) {
  CommandSpec s;
  s.command_field = command::kNActionRq;
  s.requested_sop_class_uid = sop_class;
  s.message_id = message_id;
  s.data_set_type = kDataSetPresent;
  s.requested_sop_instance_uid = sop_instance;
  s.action_type_id = action_type_id;
  return s;
}
CommandSpec n_event_report_rq(std::string_view sop_class, std::string_view sop_instance,
                              std::uint16_t message_id, std::uint16_t event_type_id) {
  CommandSpec s = request(command::kNEventReportRq, sop_class, message_id);
  s.data_set_type = kDataSetPresent;
  s.affected_sop_instance_uid = sop_instance;
  s.event_type_id = event_type_id;
  return s;
}

std::string us_value(std::uint16_t v) {
  return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}

Bytes encode_data_set(std::span<const DataElement> elements, VrEncoding encoding) {
  std::vector<DataElement> sorted(elements.begin(), elements.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const DataElement& a, const DataElement& b) { return a.tag < b.tag; });
  Bytes out;
  for (const DataElement& e : sorted) {
    const std::size_t padded = e.value.size() + e.value.size() % 2;
    data_element_header(out, e.tag, e.vr, static_cast<std::uint32_t>(padded), encoding);
    append_text(out, e.value);
    if (padded != e.value.size()) append_u8(out, static_cast<unsigned char>(pad_for(e.vr)));
  }
  return out;
}

std::uint32_t ImageSpec::pixel_length() const {
  const std::uint32_t n =
      pixel_bytes.value_or(std::uint32_t{rows} * columns * (bits_allocated / 8u));
  return n + n % 2;
}

Bytes image_head(const ImageSpec& s) {
  const std::uint16_t bits_stored = s.bits_allocated == 16 ? 12 : s.bits_allocated;
  const std::vector<DataElement> elements = {
      {0x00080005, "CS", "ISO_IR 100"},
      {0x00080016, "UI", s.sop_class_uid},
      {0x00080018, "UI", s.sop_instance_uid},
      {0x00080020, "DA", s.study_date},
      {0x00080060, "CS", s.modality},
      {0x00100010, "PN", s.patient_name},
      {0x00100020, "LO", s.patient_id},
      {0x0020000D, "UI", s.study_instance_uid},
      {0x0020000E, "UI", s.series_instance_uid},
      {0x00200013, "IS", "1"},
      {0x00280002, "US", us_value(1)},
      {0x00280004, "CS", "MONOCHROME2"},
      {0x00280010, "US", us_value(s.rows)},
      {0x00280011, "US", us_value(s.columns)},
      {0x00280100, "US", us_value(s.bits_allocated)},
      {0x00280101, "US", us_value(bits_stored)},
      {0x00280102, "US", us_value(static_cast<std::uint16_t>(bits_stored - 1))},
      {0x00280103, "US", us_value(0)},
  };
  Bytes out = encode_data_set(elements, VrEncoding::kExplicitLittle);
  data_element_header(out, 0x7FE00010, s.pixel_data_ob ? "OB" : "OW", s.pixel_length(),
                      VrEncoding::kExplicitLittle);
  return out;
}

Bytes image_data_set(const ImageSpec& spec) {
  Bytes out = image_head(spec);
  const std::size_t head = out.size();
  out.resize(head + spec.pixel_length());
  fill_pixels(0, std::span<std::byte>(out).subspan(head));
  return out;
}

void fill_pixels(std::uint64_t offset, std::span<std::byte> out) {
  const auto& table = pixel_table();
  std::size_t done = 0;
  while (done < out.size()) {  // each pass copies up to one period: bounded by size / period
    const std::size_t from = static_cast<std::size_t>((offset + done) % kPixelPeriod);
    const std::size_t n = std::min(out.size() - done, kPixelPeriod);
    std::copy_n(table.begin() + static_cast<std::ptrdiff_t>(from), n,
                out.begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
  }
}

Bytes identifier(const QuerySpec& spec) {
  std::vector<DataElement> elements = spec.keys;
  elements.push_back({0x00080052, "CS", spec.level});
  return encode_data_set(elements, spec.encoding);
}

}  // namespace dicomsentry::synth
