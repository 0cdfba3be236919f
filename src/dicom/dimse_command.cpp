// Walks a DIMSE command set element by element, filling DimseCommand and naming every anomaly.
#include "dicom/dimse_command.hpp"

namespace dicomsentry::dicom {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFF;
constexpr std::size_t kElementHeader = 8;  // group, element, 32-bit length (implicit VR)
constexpr std::size_t kGroupLengthElement = kElementHeader + 4;

enum class Vr : std::uint8_t { kUS, kUL, kUI, kAE, kLO, kAT };

// One known element of group 0000 and where its value goes.
struct ElementSpec {
  std::uint16_t element;
  Vr vr;
  DimseCommand::Field field;
};

// PS3.7 §E.1 and §E.2 (retired elements such as 0000,0001 are deliberately absent: skipped).
constexpr ElementSpec kElements[] = {
    {0x0000, Vr::kUL, DimseCommand::kHasGroupLength},
    {0x0002, Vr::kUI, DimseCommand::kHasAffectedSopClassUid},
    {0x0003, Vr::kUI, DimseCommand::kHasRequestedSopClassUid},
    {0x0100, Vr::kUS, DimseCommand::kHasCommandField},
    {0x0110, Vr::kUS, DimseCommand::kHasMessageId},
    {0x0120, Vr::kUS, DimseCommand::kHasMessageIdBeingRespondedTo},
    {0x0600, Vr::kAE, DimseCommand::kHasMoveDestination},
    {0x0700, Vr::kUS, DimseCommand::kHasPriority},
    {0x0800, Vr::kUS, DimseCommand::kHasDataSetType},
    {0x0900, Vr::kUS, DimseCommand::kHasStatus},
    {0x0901, Vr::kAT, DimseCommand::kHasOffendingElement},
    {0x0902, Vr::kLO, DimseCommand::kHasErrorComment},
    {0x0903, Vr::kUS, DimseCommand::kHasErrorId},
    {0x1000, Vr::kUI, DimseCommand::kHasAffectedSopInstanceUid},
    {0x1001, Vr::kUI, DimseCommand::kHasRequestedSopInstanceUid},
    {0x1002, Vr::kUS, DimseCommand::kHasEventTypeId},
    {0x1005, Vr::kAT, DimseCommand::kHasAttributeIdentifierList},
    {0x1008, Vr::kUS, DimseCommand::kHasActionTypeId},
    {0x1020, Vr::kUS, DimseCommand::kHasRemainingSubOperations},
    {0x1021, Vr::kUS, DimseCommand::kHasCompletedSubOperations},
    {0x1022, Vr::kUS, DimseCommand::kHasFailedSubOperations},
    {0x1023, Vr::kUS, DimseCommand::kHasWarningSubOperations},
    {0x1030, Vr::kAE, DimseCommand::kHasMoveOriginatorAeTitle},
    {0x1031, Vr::kUS, DimseCommand::kHasMoveOriginatorMessageId},
};

const ElementSpec* find_element(std::uint16_t element) {
  for (const ElementSpec& spec : kElements) {
    if (spec.element == element) return &spec;
  }
  return nullptr;
}

void add(DimseCommand& out, DimseAnomaly kind, std::uint32_t tag, std::size_t offset) {
  if (out.anomaly_count == DimseCommand::kMaxAnomalies) {
    ++out.anomalies_dropped;
    return;
  }
  out.anomalies[out.anomaly_count++] = {kind, tag, static_cast<std::uint32_t>(offset)};
}

// UI values are padded with a NUL, AE/LO values with spaces (PS3.5 §6.2); leading spaces in
// AE titles are not significant either.
std::string_view trimmed(ByteView value, bool leading_spaces) {
  std::string_view s(reinterpret_cast<const char*>(value.data()), value.size());
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.remove_suffix(1);
  while (leading_spaces && !s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

std::uint16_t* us_slot(DimseCommand& c, DimseCommand::Field f) {
  switch (f) {
    case DimseCommand::kHasCommandField:
      return &c.command_field_raw;
    case DimseCommand::kHasMessageId:
      return &c.message_id;
    case DimseCommand::kHasMessageIdBeingRespondedTo:
      return &c.message_id_being_responded_to;
    case DimseCommand::kHasPriority:
      return &c.priority;
    case DimseCommand::kHasDataSetType:
      return &c.data_set_type;
    case DimseCommand::kHasStatus:
      return &c.status;
    case DimseCommand::kHasErrorId:
      return &c.error_id;
    case DimseCommand::kHasEventTypeId:
      return &c.event_type_id;
    case DimseCommand::kHasActionTypeId:
      return &c.action_type_id;
    case DimseCommand::kHasRemainingSubOperations:
      return &c.remaining_sub_operations;
    case DimseCommand::kHasCompletedSubOperations:
      return &c.completed_sub_operations;
    case DimseCommand::kHasFailedSubOperations:
      return &c.failed_sub_operations;
    case DimseCommand::kHasWarningSubOperations:
      return &c.warning_sub_operations;
    case DimseCommand::kHasMoveOriginatorMessageId:
      return &c.move_originator_message_id;
    default:
      return nullptr;
  }
}

std::string_view* text_slot(DimseCommand& c, DimseCommand::Field f) {
  switch (f) {
    case DimseCommand::kHasAffectedSopClassUid:
      return &c.affected_sop_class_uid;
    case DimseCommand::kHasRequestedSopClassUid:
      return &c.requested_sop_class_uid;
    case DimseCommand::kHasAffectedSopInstanceUid:
      return &c.affected_sop_instance_uid;
    case DimseCommand::kHasRequestedSopInstanceUid:
      return &c.requested_sop_instance_uid;
    case DimseCommand::kHasMoveDestination:
      return &c.move_destination;
    case DimseCommand::kHasMoveOriginatorAeTitle:
      return &c.move_originator_ae_title;
    case DimseCommand::kHasErrorComment:
      return &c.error_comment;
    default:
      return nullptr;
  }
}

// Stores one known element's value; false when its length does not fit its VR.
bool store(DimseCommand& out, const ElementSpec& spec, ByteView value, std::size_t offset) {
  const std::uint32_t tag = spec.element;
  switch (spec.vr) {
    case Vr::kUS:
      if (value.size() != 2) return false;
      *us_slot(out, spec.field) = load_le16(value.data());
      break;
    case Vr::kUL:
      if (value.size() != 4) return false;
      out.group_length = load_le32(value.data());
      break;
    case Vr::kAT:
      if (value.size() % 4 != 0) return false;
      (spec.field == DimseCommand::kHasOffendingElement ? out.offending_element
                                                        : out.attribute_identifier_list) = {value};
      break;
    case Vr::kUI:
    case Vr::kAE:
    case Vr::kLO: {
      const std::string_view text = trimmed(value, spec.vr == Vr::kAE);
      const std::size_t limit = spec.vr == Vr::kUI   ? kMaxUidLength
                                : spec.vr == Vr::kAE ? kMaxAeLength
                                                     : 64;  // LO: 64 characters
      if (text.size() > limit) add(out, DimseAnomaly::kValueTooLong, tag, offset);
      *text_slot(out, spec.field) = text;
      break;
    }
  }
  out.has |= spec.field;
  return true;
}

// Which elements PS3.7 §9.3 and §10.3 make mandatory (M) for each command.
std::uint32_t required_fields(CommandField command) {
  using C = DimseCommand;
  constexpr std::uint32_t kRq = C::kHasMessageId | C::kHasDataSetType;
  constexpr std::uint32_t kRsp =
      C::kHasMessageIdBeingRespondedTo | C::kHasDataSetType | C::kHasStatus;
  switch (command) {
    case CommandField::kCStoreRq:
      return kRq | C::kHasAffectedSopClassUid | C::kHasPriority | C::kHasAffectedSopInstanceUid;
    case CommandField::kCFindRq:
    case CommandField::kCGetRq:
      return kRq | C::kHasAffectedSopClassUid | C::kHasPriority;
    case CommandField::kCMoveRq:
      return kRq | C::kHasAffectedSopClassUid | C::kHasPriority | C::kHasMoveDestination;
    case CommandField::kCEchoRq:
    case CommandField::kNCreateRq:
      return kRq | C::kHasAffectedSopClassUid;
    case CommandField::kCCancelRq:
      return C::kHasMessageIdBeingRespondedTo | C::kHasDataSetType;
    case CommandField::kNEventReportRq:
      return kRq | C::kHasAffectedSopClassUid | C::kHasAffectedSopInstanceUid | C::kHasEventTypeId;
    case CommandField::kNGetRq:
    case CommandField::kNSetRq:
    case CommandField::kNDeleteRq:
      return kRq | C::kHasRequestedSopClassUid | C::kHasRequestedSopInstanceUid;
    case CommandField::kNActionRq:
      return kRq | C::kHasRequestedSopClassUid | C::kHasRequestedSopInstanceUid |
             C::kHasActionTypeId;
    case CommandField::kUnknown:
      return 0;
    default:
      return kRsp;  // every response
  }
}

struct MissingName {
  DimseCommand::Field field;
  std::uint16_t element;
  DimseAnomaly anomaly;
};
constexpr MissingName kMissing[] = {
    {DimseCommand::kHasAffectedSopClassUid, 0x0002, DimseAnomaly::kMissingAffectedSopClassUid},
    {DimseCommand::kHasRequestedSopClassUid, 0x0003, DimseAnomaly::kMissingRequestedSopClassUid},
    {DimseCommand::kHasMessageId, 0x0110, DimseAnomaly::kMissingMessageId},
    {DimseCommand::kHasMessageIdBeingRespondedTo, 0x0120,
     DimseAnomaly::kMissingMessageIdBeingRespondedTo},
    {DimseCommand::kHasMoveDestination, 0x0600, DimseAnomaly::kMissingMoveDestination},
    {DimseCommand::kHasPriority, 0x0700, DimseAnomaly::kMissingPriority},
    {DimseCommand::kHasDataSetType, 0x0800, DimseAnomaly::kMissingDataSetType},
    {DimseCommand::kHasStatus, 0x0900, DimseAnomaly::kMissingStatus},
    {DimseCommand::kHasAffectedSopInstanceUid, 0x1000,
     DimseAnomaly::kMissingAffectedSopInstanceUid},
    {DimseCommand::kHasRequestedSopInstanceUid, 0x1001,
     DimseAnomaly::kMissingRequestedSopInstanceUid},
    {DimseCommand::kHasEventTypeId, 0x1002, DimseAnomaly::kMissingEventTypeId},
    {DimseCommand::kHasActionTypeId, 0x1008, DimseAnomaly::kMissingActionTypeId},
};

}  // namespace

CommandField to_command_field(std::uint16_t raw) {
  switch (raw & 0x7FFF) {
    case 0x0001:
    case 0x0010:
    case 0x0020:
    case 0x0021:
    case 0x0030:
    case 0x0100:
    case 0x0110:
    case 0x0120:
    case 0x0130:
    case 0x0140:
    case 0x0150:
      return static_cast<CommandField>(raw);
    case 0x0FFF:  // C-CANCEL has no response
      return raw == 0x0FFF ? CommandField::kCCancelRq : CommandField::kUnknown;
    default:
      return CommandField::kUnknown;
  }
}

bool DimseCommand::has_anomaly(DimseAnomaly kind) const {
  for (std::size_t i = 0; i < anomaly_count; ++i) {
    if (anomalies[i].kind == kind) return true;
  }
  return false;
}

DimseCommand parse_command_set(ByteView bytes) {
  DimseCommand out;
  if (bytes.empty()) {
    add(out, DimseAnomaly::kEmpty, 0, 0);
    out.stopped = true;
    return out;
  }
  ByteCursor cursor(bytes);
  std::int64_t previous_tag = -1;
  while (!cursor.empty()) {
    const std::size_t offset = cursor.offset();
    std::uint16_t group = 0;
    std::uint16_t element = 0;
    std::uint32_t length = 0;
    if (cursor.remaining() < kElementHeader) {
      add(out, DimseAnomaly::kTruncatedHeader, 0, offset);
      out.stopped = true;
      break;
    }
    cursor.read_le16(group);
    cursor.read_le16(element);
    cursor.read_le32(length);
    const std::uint32_t tag = (std::uint32_t{group} << 16) | element;
    if (offset == 0 && tag != 0) add(out, DimseAnomaly::kGroupLengthMissing, tag, offset);
    if (length == kUndefinedLength) {
      add(out, DimseAnomaly::kUndefinedLength, tag, offset);
      out.stopped = true;
      break;
    }
    ByteView value;
    if (!cursor.read_view(length, value)) {
      add(out, DimseAnomaly::kLengthOverrun, tag, offset);
      out.stopped = true;
      break;
    }
    if (length % 2 != 0) add(out, DimseAnomaly::kOddLength, tag, offset);
    const auto ordinal = static_cast<std::int64_t>(tag);
    if (ordinal == previous_tag) {
      add(out, DimseAnomaly::kDuplicateTag, tag, offset);
      continue;  // the first value stands
    }
    if (ordinal < previous_tag) {
      add(out, DimseAnomaly::kOutOfOrder, tag, offset);
    } else {
      previous_tag = ordinal;
    }
    if (group != 0) {
      add(out, DimseAnomaly::kNotCommandGroup, tag, offset);
      continue;
    }
    const ElementSpec* spec = find_element(element);
    if (spec == nullptr) continue;     // retired or unknown group-0000 element
    if (out.has_field(spec->field)) {  // a repeat that came back out of order
      add(out, DimseAnomaly::kDuplicateTag, tag, offset);
      continue;
    }
    if (!store(out, *spec, value, offset)) add(out, DimseAnomaly::kBadValueLength, tag, offset);
    if (spec->field == DimseCommand::kHasGroupLength && out.has_field(spec->field) &&
        out.group_length != bytes.size() - cursor.offset()) {
      add(out, DimseAnomaly::kGroupLengthMismatch, tag, offset);
    }
  }

  if (out.has_field(DimseCommand::kHasCommandField)) {
    out.command = to_command_field(out.command_field_raw);
    if (out.command == CommandField::kUnknown) {
      add(out, DimseAnomaly::kUnknownCommandField, 0x0100, 0);
    }
  } else if (!out.stopped) {
    add(out, DimseAnomaly::kMissingCommandField, 0x0100, 0);
  }
  if (!out.stopped) {
    const std::uint32_t missing = required_fields(out.command) & ~out.has;
    for (const MissingName& m : kMissing) {
      if (missing & m.field) add(out, m.anomaly, m.element, 0);
    }
  }
  return out;
}

CommandPeek peek_command_field(ByteView bytes) {
  CommandPeek peek;
  std::size_t pos = 0;
  // Only element headers are read; the walk stops past (0000,0120), the last element wanted.
  while (bytes.size() - pos >= kElementHeader) {
    const std::byte* p = bytes.data() + pos;
    const std::uint16_t group = load_le16(p);
    const std::uint16_t element = load_le16(p + 2);
    const std::uint32_t length = load_le32(p + 4);
    if (group != 0 || element > 0x0120 || length > bytes.size() - pos - kElementHeader) break;
    if (length == 2) {
      const std::uint16_t v = load_le16(p + kElementHeader);
      if (element == 0x0100) {
        peek.found = true;
        peek.command_field_raw = v;
        peek.command = to_command_field(v);
      } else if (element == 0x0110 || element == 0x0120) {
        peek.has_message_id = true;
        peek.message_id = v;
      }
    }
    pos += kElementHeader + length;
  }
  return peek;
}

bool looks_like_command_set(ByteView bytes) {
  if (bytes.size() < kGroupLengthElement) return false;
  const std::byte* p = bytes.data();
  if (load_le32(p) != 0 || load_le32(p + 4) != 4) return false;
  const std::uint32_t group_length = load_le32(p + 8);
  if (group_length < kElementHeader || group_length > kMaxCommandSetBytes) return false;
  const std::size_t end = kGroupLengthElement + group_length;
  if (bytes.size() > end) return false;  // a PDV never holds more than one command set
  const std::size_t seen = bytes.size();
  std::size_t pos = kGroupLengthElement;
  std::uint16_t previous = 0;
  while (pos + kElementHeader <= seen) {  // pos may pass `seen` when a value is cut
    const std::uint16_t group = load_le16(p + pos);
    const std::uint16_t element = load_le16(p + pos + 2);
    const std::uint32_t length = load_le32(p + pos + 4);
    if (group != 0 || element <= previous || length > end - pos - kElementHeader) return false;
    previous = element;
    pos += kElementHeader + length;
  }
  // All of the set is here: the last element must end exactly at the group's end.
  return bytes.size() < end || pos == end;
}

}  // namespace dicomsentry::dicom
