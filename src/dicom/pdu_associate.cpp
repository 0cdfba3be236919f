// A-ASSOCIATE-RQ/AC parsing: fixed fields, then the items, each inside its container's bytes.
#include "dicom/pdu_associate.hpp"

#include <algorithm>
#include <bitset>

namespace dicomsentry::dicom {

std::string_view context_result_text(std::uint8_t result) {
  switch (result) {
    case 0:
      return "acceptance";
    case 1:
      return "user-rejection";
    case 2:
      return "no-reason (provider rejection)";
    case 3:
      return "abstract-syntax-not-supported (provider rejection)";
    case 4:
      return "transfer-syntaxes-not-supported (provider rejection)";
    default:
      return "reserved";
  }
}

void AssociatePdu::clear() {
  parse = PduParse{};
  is_request = false;
  protocol_version = 0;
  called_ae = {};
  calling_ae = {};
  application_context = {};
  application_context_count = 0;
  rq_contexts.clear();
  ac_contexts.clear();
  transfer_syntaxes.clear();
  presentation_contexts_seen = 0;
  user_info.clear();
}

namespace {

// Offsets in the PDU of the fixed A-ASSOCIATE fields (§9.3.2, Table 9-11).
constexpr std::size_t kVersionOffset = kPduHeaderLength;
constexpr std::size_t kCalledAeOffset = kPduHeaderLength + 4;
constexpr std::size_t kCallingAeOffset = kCalledAeOffset + kAeTitleFieldLength;
constexpr std::size_t kFirstItemOffset = kPduHeaderLength + kAssociateFixedLength;
// §9.3.2.2 / §9.3.3.2: id (1) and three bytes (reserved, or result/reason in an AC).
constexpr std::size_t kContextFixedLength = 4;

struct Walk {
  AssociatePdu& out;
  ItemContext& ctx;
  std::bitset<256> ids;  // context ids seen in this PDU
};

// Reads a context item's fixed part; flags a bad or reused id. False: item too short.
bool context_head(const Item& item, Walk& w, std::uint8_t& id, std::uint8_t& result) {
  if (item.value.size() < kContextFixedLength) {
    w.ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
    return false;
  }
  id = load_u8(item.value.data());
  result = load_u8(item.value.data() + 2);
  if (id % 2 == 0) w.ctx.flag(DicomAnomaly::kPctxBadId, item.start);
  if (w.ids.test(id)) w.ctx.flag(DicomAnomaly::kPctxDuplicateId, item.start);
  w.ids.set(id);
  if (++w.out.presentation_contexts_seen == kMaxPresentationContexts + 1) {
    w.ctx.flag(DicomAnomaly::kAssocTooManyPresentationContexts, item.start);
  }
  return true;
}

void saturating_increment(std::uint8_t& n) {
  if (n < 255) ++n;
}

// §9.3.2.2: one abstract syntax (0x30), one or more transfer syntaxes (0x40).
void parse_context_rq(const Item& item, Walk& w) {
  std::uint8_t id = 0, reserved = 0;
  if (!context_head(item, w, id, reserved)) return;
  PresentationContextRq* pc = w.out.rq_contexts.push();
  if (pc == nullptr) return;  // beyond the cap: counted and flagged in context_head
  pc->id = id;
  pc->abstract_syntax = {};
  pc->abstract_syntax_count = 0;
  pc->transfer_syntax_first = static_cast<std::uint16_t>(w.out.transfer_syntaxes.size());
  pc->transfer_syntax_count = 0;
  pc->transfer_syntaxes_seen = 0;

  ItemWalker walker(item.value.subspan(kContextFixedLength));
  Item sub;
  for (;;) {
    const ItemWalker::Step step = walker.next(sub);
    if (step == ItemWalker::Step::kEnd) break;
    if (step == ItemWalker::Step::kOverrun) {
      w.ctx.overrun(sub.start);
      return;
    }
    if (sub.type == item_type::kAbstractSyntax) {
      if (pc->abstract_syntax_count == 0) take_uid(sub.value, pc->abstract_syntax, w.ctx);
      saturating_increment(pc->abstract_syntax_count);
    } else if (sub.type == item_type::kTransferSyntax) {
      if (pc->transfer_syntaxes_seen < 0xffff) ++pc->transfer_syntaxes_seen;
      std::string_view* ts = w.out.transfer_syntaxes.push();
      if (ts == nullptr) {
        if (!w.ctx.anomalies->has(DicomAnomaly::kPctxTooManyTransferSyntaxes)) {
          w.ctx.flag(DicomAnomaly::kPctxTooManyTransferSyntaxes, sub.start);
        }
        continue;
      }
      take_uid(sub.value, *ts, w.ctx);
      ++pc->transfer_syntax_count;
    } else {
      w.ctx.flag(DicomAnomaly::kItemUnknownType, sub.start);
    }
  }
  if (pc->abstract_syntax_count == 0) w.ctx.flag(DicomAnomaly::kPctxNoAbstractSyntax, item.start);
  if (pc->abstract_syntax_count > 1) {
    w.ctx.flag(DicomAnomaly::kPctxSeveralAbstractSyntaxes, item.start);
  }
  if (pc->transfer_syntaxes_seen == 0) w.ctx.flag(DicomAnomaly::kPctxNoTransferSyntax, item.start);
}

// §9.3.3.2: result/reason, then exactly one transfer syntax (not tested unless accepted).
void parse_context_ac(const Item& item, Walk& w) {
  std::uint8_t id = 0, result = 0;
  if (!context_head(item, w, id, result)) return;
  if (result > 4) w.ctx.flag(DicomAnomaly::kPctxBadResult, item.start);
  PresentationContextAc* pc = w.out.ac_contexts.push();
  if (pc == nullptr) return;
  pc->id = id;
  pc->result = result;
  pc->transfer_syntax = {};
  pc->transfer_syntax_count = 0;

  ItemWalker walker(item.value.subspan(kContextFixedLength));
  Item sub;
  for (;;) {
    const ItemWalker::Step step = walker.next(sub);
    if (step == ItemWalker::Step::kEnd) break;
    if (step == ItemWalker::Step::kOverrun) {
      w.ctx.overrun(sub.start);
      return;
    }
    if (sub.type == item_type::kTransferSyntax) {
      if (pc->transfer_syntax_count == 0) take_uid(sub.value, pc->transfer_syntax, w.ctx);
      saturating_increment(pc->transfer_syntax_count);
    } else {
      w.ctx.flag(DicomAnomaly::kItemUnknownType, sub.start);
    }
  }
  if (pc->transfer_syntax_count > 1) {
    w.ctx.flag(DicomAnomaly::kPctxSeveralTransferSyntaxes, item.start);
  }
  if (result == 0 && pc->transfer_syntax_count == 0) {
    w.ctx.flag(DicomAnomaly::kPctxNoTransferSyntax, item.start);
  }
}

ParseStatus parse_associate(ByteView pdu, PduType type, AssociatePdu& out) {
  out.clear();
  ByteView body;
  if (!open_pdu(pdu, {type}, out.parse, body)) return out.parse.status;
  out.is_request = type == PduType::kAssociateRq;
  ItemContext ctx{pdu.data(), &out.parse.anomalies};

  // The fixed part fits: classify() guaranteed length >= kAssociateFixedLength.
  out.protocol_version = load_be16(pdu.data() + kVersionOffset);
  take_ae_title(pdu.subspan(kCalledAeOffset, kAeTitleFieldLength), out.called_ae);
  take_ae_title(pdu.subspan(kCallingAeOffset, kAeTitleFieldLength), out.calling_ae);
  if ((out.protocol_version & kProtocolVersion1) == 0) {
    ctx.flag(DicomAnomaly::kAssocBadProtocolVersion, pdu.data() + kVersionOffset);
  }
  if (out.is_request) {  // an AC only echoes these, untested (§9.3.3)
    for (const auto* ae : {&out.called_ae, &out.calling_ae}) {
      const std::byte* at =
          pdu.data() + (ae == &out.called_ae ? kCalledAeOffset : kCallingAeOffset);
      if (ae->non_printable) ctx.flag(DicomAnomaly::kAeNonPrintable, at);
      if (ae->trimmed.empty()) ctx.flag(DicomAnomaly::kAeEmpty, at);
    }
  }

  Walk w{out, ctx, {}};
  const std::uint8_t context_item =
      out.is_request ? item_type::kPresentationContextRq : item_type::kPresentationContextAc;
  bool user_info_seen = false;
  ItemWalker walker(body.subspan(kAssociateFixedLength));
  Item item;
  for (;;) {
    const ItemWalker::Step step = walker.next(item);
    if (step == ItemWalker::Step::kEnd) break;
    if (step == ItemWalker::Step::kOverrun) {
      ctx.overrun(item.start);
      break;
    }
    if (item.type == item_type::kApplicationContext) {
      if (out.application_context_count == 0) {
        take_uid(item.value, out.application_context, ctx);
      } else {
        ctx.flag(DicomAnomaly::kItemDuplicate, item.start);
      }
      saturating_increment(out.application_context_count);
    } else if (item.type == context_item) {
      out.is_request ? parse_context_rq(item, w) : parse_context_ac(item, w);
    } else if (item.type == item_type::kUserInformation) {
      if (user_info_seen) {
        ctx.flag(DicomAnomaly::kItemDuplicate, item.start);
        continue;
      }
      user_info_seen = true;
      out.user_info.present = true;
      parse_user_information(item.value, out.is_request, out.user_info, ctx);
    } else {
      ctx.flag(DicomAnomaly::kItemUnknownType, item.start);
    }
  }

  if (ctx.malformed) {
    out.parse.status = ParseStatus::kMalformed;
    return out.parse.status;
  }
  // What must be there (§9.3.2, PS3.7 D.1 and D.3.3.2), judged only on a complete walk.
  const std::byte* end = pdu.data() + out.parse.header.total_length();
  if (out.application_context_count == 0) ctx.flag(DicomAnomaly::kAssocNoApplicationContext, end);
  if (out.presentation_contexts_seen == 0) ctx.flag(DicomAnomaly::kAssocNoPresentationContext, end);
  if (!user_info_seen) {
    ctx.flag(DicomAnomaly::kAssocNoUserInformation, end);
  } else {
    if (!out.user_info.has_max_length) ctx.flag(DicomAnomaly::kUserInfoNoMaxLength, end);
    if (!out.user_info.has_implementation_class_uid) {
      ctx.flag(DicomAnomaly::kUserInfoNoImplementationUid, end);
    }
  }
  return out.parse.status;
}

bool printable_title(ByteView field) {
  bool blank = true;
  for (std::byte b : field) {
    const auto c = std::to_integer<std::uint8_t>(b);
    if (c < 0x20 || c > 0x7e) return false;
    blank = blank && c == ' ';
  }
  return !blank;
}

}  // namespace

ParseStatus parse_associate_rq(ByteView pdu, AssociatePdu& out) {
  return parse_associate(pdu, PduType::kAssociateRq, out);
}

ParseStatus parse_associate_ac(ByteView pdu, AssociatePdu& out) {
  return parse_associate(pdu, PduType::kAssociateAc, out);
}

bool looks_like_associate_rq(ByteView first_bytes) {
  if (first_bytes.size() < kDetectMinBytes) return false;
  const PduHeader h = parse_pdu_header(first_bytes);
  if (h.type != 0x01 || h.reserved != 0 || classify(h) != HeaderVerdict::kValid) return false;
  if (load_be16(first_bytes.data() + kVersionOffset) != kProtocolVersion1) return false;
  if (!printable_title(first_bytes.subspan(kCalledAeOffset, kAeTitleFieldLength)) ||
      !printable_title(first_bytes.subspan(kCallingAeOffset, kAeTitleFieldLength))) {
    return false;
  }
  // The first item, as far as the bytes reach: type 0x10, reserved 0, the DICOM context name
  // (optionally NUL padded). Everything read stays within the bytes given and the PDU.
  const ByteView rest = first_bytes.subspan(0, std::min(first_bytes.size(), h.total_length()));
  if (rest.size() <= kFirstItemOffset) return true;
  ByteCursor c(rest.subspan(kFirstItemOffset));
  std::uint8_t type = 0, reserved = 0;
  if (!c.read_u8(type)) return true;
  if (type != item_type::kApplicationContext) return false;
  if (!c.read_u8(reserved)) return true;
  if (reserved != 0) return false;
  std::uint16_t length = 0;
  if (!c.read_be16(length)) return true;
  const std::size_t name_length = kDicomApplicationContext.size();
  if (length != name_length && length != name_length + 1) return false;
  const ByteView have = c.rest().subspan(0, std::min<std::size_t>(c.remaining(), length));
  for (std::size_t i = 0; i < have.size(); ++i) {
    const char expected = i < name_length ? kDicomApplicationContext[i] : '\0';
    if (std::to_integer<char>(have[i]) != expected) return false;
  }
  return true;
}

}  // namespace dicomsentry::dicom
