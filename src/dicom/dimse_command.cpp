// Walks a DIMSE command set element by element, filling DimseCommand and naming every anomaly.
#include "dicom/dimse_command.hpp"

namespace dicomsentry::dicom {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFF;
constexpr std::size_t kElementHeader = 8;  // group, element, 32-bit length (implicit VR)
constexpr std::size_t kGroupLengthElement = kElementHeader + 4;

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

// What became of one known element: kept, a repeat of one already kept (the first value
// stands), or a length its VR does not allow (not kept).
enum class Stored : std::uint8_t { kKept, kDuplicate, kBadLength };

// One store per VR (PS3.7 §E.1). Each is called straight from the element switch in
// parse_command_set: a command set has about ten elements and runs once per DIMSE message,
// so no table is searched per element.
Stored store_us(DimseCommand& out, DimseCommand::Field field, std::uint16_t& slot, ByteView value) {
  if (out.has_field(field)) return Stored::kDuplicate;
  if (value.size() != 2) return Stored::kBadLength;
  slot = load_le16(value.data());
  out.has |= field;
  return Stored::kKept;
}

Stored store_ul(DimseCommand& out, DimseCommand::Field field, std::uint32_t& slot, ByteView value) {
  if (out.has_field(field)) return Stored::kDuplicate;
  if (value.size() != 4) return Stored::kBadLength;
  slot = load_le32(value.data());
  out.has |= field;
  return Stored::kKept;
}

Stored store_at(DimseCommand& out, DimseCommand::Field field, TagList& slot, ByteView value) {
  if (out.has_field(field)) return Stored::kDuplicate;
  if (value.size() % 4 != 0) return Stored::kBadLength;
  slot = {value};
  out.has |= field;
  return Stored::kKept;
}

// UI (at most kMaxUidLength characters), AE (kMaxAeLength, leading spaces dropped) and LO (64
// characters): a longer value is kept and flagged.
enum class Text : std::uint8_t { kUI, kAE, kLO };
Stored store_text(DimseCommand& out, DimseCommand::Field field, std::string_view& slot,
                  ByteView value, Text vr, std::uint32_t tag, std::size_t offset) {
  if (out.has_field(field)) return Stored::kDuplicate;
  const std::string_view text = trimmed(value, vr == Text::kAE);
  const std::size_t limit = vr == Text::kUI   ? kMaxUidLength
                            : vr == Text::kAE ? kMaxAeLength
                                              : 64;  // LO: 64 characters
  if (text.size() > limit) add(out, DimseAnomaly::kValueTooLong, tag, offset);
  slot = text;
  out.has |= field;
  return Stored::kKept;
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
  // Element headers are read straight from the bytes: every read is checked against `size`
  // first, and this loop runs for each of a command set's ten or so elements.
  const std::byte* const base = bytes.data();
  const std::size_t size = bytes.size();
  if (size >= kElementHeader && load_le32(base) != 0) {
    const std::uint32_t first = (std::uint32_t{load_le16(base)} << 16) | load_le16(base + 2);
    add(out, DimseAnomaly::kGroupLengthMissing, first, 0);
  }
  std::size_t pos = 0;
  std::int64_t previous_tag = -1;
  while (pos < size) {
    const std::size_t offset = pos;
    if (size - pos < kElementHeader) {
      add(out, DimseAnomaly::kTruncatedHeader, 0, offset);
      out.stopped = true;
      break;
    }
    const std::byte* const header = base + pos;
    const std::uint16_t group = load_le16(header);
    const std::uint16_t element = load_le16(header + 2);
    const std::uint32_t length = load_le32(header + 4);
    const std::uint32_t tag = (std::uint32_t{group} << 16) | element;
    pos += kElementHeader;
    if (length == kUndefinedLength) {
      add(out, DimseAnomaly::kUndefinedLength, tag, offset);
      out.stopped = true;
      break;
    }
    if (length > size - pos) {
      add(out, DimseAnomaly::kLengthOverrun, tag, offset);
      out.stopped = true;
      break;
    }
    const ByteView value(base + pos, length);
    pos += length;
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
    using C = DimseCommand;
    Stored stored = Stored::kKept;
    // PS3.7 §E.1 and §E.2; retired elements such as (0000,0001) are deliberately skipped.
    switch (element) {
      case 0x0000:
        stored = store_ul(out, C::kHasGroupLength, out.group_length, value);
        break;
      case 0x0002:
        stored = store_text(out, C::kHasAffectedSopClassUid, out.affected_sop_class_uid, value,
                            Text::kUI, tag, offset);
        break;
      case 0x0003:
        stored = store_text(out, C::kHasRequestedSopClassUid, out.requested_sop_class_uid, value,
                            Text::kUI, tag, offset);
        break;
      case 0x0100:
        stored = store_us(out, C::kHasCommandField, out.command_field_raw, value);
        break;
      case 0x0110:
        stored = store_us(out, C::kHasMessageId, out.message_id, value);
        break;
      case 0x0120:
        stored = store_us(out, C::kHasMessageIdBeingRespondedTo, out.message_id_being_responded_to,
                          value);
        break;
      case 0x0600:
        stored = store_text(out, C::kHasMoveDestination, out.move_destination, value, Text::kAE,
                            tag, offset);
        break;
      case 0x0700:
        stored = store_us(out, C::kHasPriority, out.priority, value);
        break;
      case 0x0800:
        stored = store_us(out, C::kHasDataSetType, out.data_set_type, value);
        break;
      case 0x0900:
        stored = store_us(out, C::kHasStatus, out.status, value);
        break;
      case 0x0901:
        stored = store_at(out, C::kHasOffendingElement, out.offending_element, value);
        break;
      case 0x0902:
        stored =
            store_text(out, C::kHasErrorComment, out.error_comment, value, Text::kLO, tag, offset);
        break;
      case 0x0903:
        stored = store_us(out, C::kHasErrorId, out.error_id, value);
        break;
      case 0x1000:
        stored = store_text(out, C::kHasAffectedSopInstanceUid, out.affected_sop_instance_uid,
                            value, Text::kUI, tag, offset);
        break;
      case 0x1001:
        stored = store_text(out, C::kHasRequestedSopInstanceUid, out.requested_sop_instance_uid,
                            value, Text::kUI, tag, offset);
        break;
      case 0x1002:
        stored = store_us(out, C::kHasEventTypeId, out.event_type_id, value);
        break;
      case 0x1005:
        stored =
            store_at(out, C::kHasAttributeIdentifierList, out.attribute_identifier_list, value);
        break;
      case 0x1008:
        stored = store_us(out, C::kHasActionTypeId, out.action_type_id, value);
        break;
      case 0x1020:
        stored = store_us(out, C::kHasRemainingSubOperations, out.remaining_sub_operations, value);
        break;
      case 0x1021:
        stored = store_us(out, C::kHasCompletedSubOperations, out.completed_sub_operations, value);
        break;
      case 0x1022:
        stored = store_us(out, C::kHasFailedSubOperations, out.failed_sub_operations, value);
        break;
      case 0x1023:
        stored = store_us(out, C::kHasWarningSubOperations, out.warning_sub_operations, value);
        break;
      case 0x1030:
        stored = store_text(out, C::kHasMoveOriginatorAeTitle, out.move_originator_ae_title, value,
                            Text::kAE, tag, offset);
        break;
      case 0x1031:
        stored =
            store_us(out, C::kHasMoveOriginatorMessageId, out.move_originator_message_id, value);
        break;
      default:
        continue;  // retired or unknown group-0000 element
    }
    if (stored == Stored::kDuplicate) {  // a repeat that came back out of order
      add(out, DimseAnomaly::kDuplicateTag, tag, offset);
    } else if (stored == Stored::kBadLength) {
      add(out, DimseAnomaly::kBadValueLength, tag, offset);
    } else if (element == 0x0000 && out.group_length != size - pos) {
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
  const std::uint32_t missing = out.stopped ? 0 : required_fields(out.command) & ~out.has;
  if (missing != 0) {
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
