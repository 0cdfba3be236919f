// Exact DICOM Upper Layer PDUs (PS3.8 §9.3) from spec structs, and P-DATA-TF packing.
#include "dicom_builder.hpp"

#include "dicomsentry/bytes.hpp"

namespace dicomsentry::synth {
namespace {

constexpr std::size_t kAeFieldLength = 16;

// §9.3.1: type, reserved, 4-byte big-endian length of the body.
Bytes pdu(std::uint8_t type, const Bytes& body) {
  Bytes out;
  out.reserve(6 + body.size());
  append_u8(out, type);
  append_u8(out, 0);
  append_be32(out, static_cast<std::uint32_t>(body.size()));
  append_bytes(out, body);
  return out;
}

// §9.3.2: item type, reserved, 2-byte big-endian length. `start` is where the header went,
// patched once the value is written.
std::size_t open_item(Bytes& out, std::uint8_t type) {
  const std::size_t start = out.size();
  append_u8(out, type);
  append_u8(out, 0);
  append_be16(out, 0);
  return start;
}
void close_item(Bytes& out, std::size_t start) {
  store_be16(out, start + 2, static_cast<std::uint32_t>(out.size() - start - 4));
}
void text_item(Bytes& out, std::uint8_t type, std::string_view value) {
  const std::size_t start = open_item(out, type);
  append_text(out, value);
  close_item(out, start);
}

void ae_field(Bytes& out, std::string_view title) {
  const std::string_view cut = title.substr(0, std::min(title.size(), kAeFieldLength));
  append_text(out, cut);
  out.insert(out.end(), kAeFieldLength - cut.size(), std::byte{' '});
}

// Version, reserved, called AE, calling AE, 32 reserved bytes, application context item.
void associate_head(Bytes& out, std::uint16_t version, std::string_view called,
                    std::string_view calling, std::string_view application_context) {
  append_be16(out, version);
  append_be16(out, 0);
  ae_field(out, called);
  ae_field(out, calling);
  out.insert(out.end(), 32, std::byte{0});
  text_item(out, 0x10, application_context);
}

void user_information(Bytes& out, const UserInfoSpec& u, bool is_request) {
  if (!u.present) return;
  const std::size_t item = open_item(out, 0x50);
  if (u.max_length) {
    const std::size_t sub = open_item(out, 0x51);
    append_be32(out, *u.max_length);
    close_item(out, sub);
  }
  if (!u.implementation_class_uid.empty()) text_item(out, 0x52, u.implementation_class_uid);
  if (u.async_window) {
    const std::size_t sub = open_item(out, 0x53);
    append_be16(out, u.async_window->max_operations_invoked);
    append_be16(out, u.async_window->max_operations_performed);
    close_item(out, sub);
  }
  for (const RoleSelectionSpec& role : u.roles) {
    const std::size_t sub = open_item(out, 0x54);
    append_be16(out, static_cast<std::uint32_t>(role.sop_class_uid.size()));
    append_text(out, role.sop_class_uid);
    append_u8(out, role.scu_role);
    append_u8(out, role.scp_role);
    close_item(out, sub);
  }
  if (!u.implementation_version_name.empty()) text_item(out, 0x55, u.implementation_version_name);
  if (is_request && u.user_identity) {
    const UserIdentitySpec& id = *u.user_identity;
    const std::size_t sub = open_item(out, 0x58);
    append_u8(out, id.type);
    append_u8(out, id.positive_response_requested ? 1 : 0);
    append_be16(out, static_cast<std::uint32_t>(id.primary.size()));
    append_text(out, id.primary);
    append_be16(out, static_cast<std::uint32_t>(id.secondary.size()));
    append_text(out, id.secondary);
    close_item(out, sub);
  }
  if (!is_request && u.user_identity_response) {
    const std::size_t sub = open_item(out, 0x59);
    append_be16(out, static_cast<std::uint32_t>(u.user_identity_response->size()));
    append_text(out, *u.user_identity_response);
    close_item(out, sub);
  }
  close_item(out, item);
}

}  // namespace

Bytes associate_rq(const AssociateRqSpec& spec) {
  Bytes body;
  associate_head(body, spec.protocol_version, spec.called_ae, spec.calling_ae,
                 spec.application_context);
  for (const ProposedContext& pc : spec.contexts) {
    const std::size_t item = open_item(body, 0x20);
    append_u8(body, pc.id);
    append_u8(body, 0);
    append_be16(body, 0);
    text_item(body, 0x30, pc.abstract_syntax);
    for (const std::string& ts : pc.transfer_syntaxes) text_item(body, 0x40, ts);
    close_item(body, item);
  }
  user_information(body, spec.user_info, true);
  return pdu(0x01, body);
}

Bytes associate_ac(const AssociateAcSpec& spec) {
  Bytes body;
  associate_head(body, spec.protocol_version, spec.called_ae, spec.calling_ae,
                 spec.application_context);
  for (const AcceptedContext& pc : spec.contexts) {
    const std::size_t item = open_item(body, 0x21);
    append_u8(body, pc.id);
    append_u8(body, 0);
    append_u8(body, pc.result);
    append_u8(body, 0);
    text_item(body, 0x40, pc.transfer_syntax);
    close_item(body, item);
  }
  user_information(body, spec.user_info, false);
  return pdu(0x02, body);
}

AssociateAcSpec accept_all(const AssociateRqSpec& rq, std::uint32_t max_length) {
  AssociateAcSpec ac;
  ac.called_ae = rq.called_ae;
  ac.calling_ae = rq.calling_ae;
  ac.protocol_version = rq.protocol_version;
  ac.application_context = rq.application_context;
  for (const ProposedContext& pc : rq.contexts) {
    ac.contexts.push_back(AcceptedContext{
        pc.id, 0, pc.transfer_syntaxes.empty() ? std::string() : pc.transfer_syntaxes.front()});
  }
  ac.user_info.max_length = max_length;
  return ac;
}

Bytes associate_rj(std::uint8_t result, std::uint8_t source, std::uint8_t reason) {
  return pdu(0x03, Bytes{std::byte{0}, std::byte{result}, std::byte{source}, std::byte{reason}});
}
Bytes release_rq() {
  return pdu(0x05, Bytes(4));
}
Bytes release_rp() {
  return pdu(0x06, Bytes(4));
}
Bytes abort_pdu(std::uint8_t source, std::uint8_t reason) {
  return pdu(0x07, Bytes{std::byte{0}, std::byte{0}, std::byte{source}, std::byte{reason}});
}

std::uint32_t max_fragment_length(std::uint32_t max_pdu_length, PdvSizing sizing) {
  if (max_pdu_length == 0) return kUnlimitedFragment;
  const std::uint32_t overhead = sizing == PdvSizing::kDcmtk ? 12 : 6;
  return max_pdu_length > overhead + 2 ? max_pdu_length - overhead : 2;
}

Bytes pdata_pdu(std::span<const PdvSpec> pdvs) {
  Bytes body;
  for (const PdvSpec& pdv : pdvs) {
    append_be32(body, static_cast<std::uint32_t>(pdv.fragment.size() + 2));
    append_u8(body, pdv.context_id);
    append_u8(body, pdv.control);
    append_bytes(body, pdv.fragment);
  }
  return pdu(0x04, body);
}

std::uint64_t PdataLayout::pdu_count() const {
  if (part_length == 0 || fragment == 0) return 1;  // an empty part still takes one (last) PDV
  return (part_length + fragment - 1) / fragment;
}

void PdataLayout::header(std::uint64_t index, std::byte* twelve) const {
  const std::uint64_t first = index * fragment;
  const std::uint64_t length = std::min<std::uint64_t>(fragment, part_length - first);
  const bool last = index + 1 == pdu_count();
  twelve[0] = std::byte{0x04};
  twelve[1] = std::byte{0};
  store_be32(twelve + 2, static_cast<std::uint32_t>(length + 6));
  store_be32(twelve + 6, static_cast<std::uint32_t>(length + 2));
  twelve[10] = std::byte{context_id};
  twelve[11] = std::byte{static_cast<std::uint8_t>((command ? 0x01 : 0) | (last ? 0x02 : 0))};
}

namespace {

void append_part(Bytes& out, std::uint8_t context_id, bool command, const Bytes& part,
                 std::uint32_t fragment) {
  const PdataLayout layout{context_id, command, part.size(), fragment};
  const std::size_t start = out.size();
  out.resize(start + layout.stream_length());
  layout.write(0, std::span<std::byte>(out).subspan(start),
               [&part](std::uint64_t at, std::span<std::byte> to) {
                 std::copy_n(part.begin() + static_cast<std::ptrdiff_t>(at), to.size(), to.begin());
               });
}

}  // namespace

void append_pdata(Bytes& out, const DimseMessage& message, std::uint32_t max_pdu_length,
                  PdvSizing sizing) {
  const std::uint32_t fragment = max_fragment_length(max_pdu_length, sizing);
  append_part(out, message.context_id, true, message.command, fragment);
  if (!message.data_set.empty()) {
    append_part(out, message.context_id, false, message.data_set, fragment);
  }
}

Bytes pack_pdata(const DimseMessage& message, std::uint32_t max_pdu_length, PdvSizing sizing) {
  Bytes out;
  append_pdata(out, message, max_pdu_length, sizing);
  return out;
}

std::vector<Bytes> pdata_pdus(const DimseMessage& message, std::uint32_t max_pdu_length,
                              PdvSizing sizing) {
  const Bytes stream = pack_pdata(message, max_pdu_length, sizing);
  std::vector<Bytes> out;
  std::size_t at = 0;
  while (at + 6 <= stream.size()) {  // each pass consumes one whole PDU we just wrote
    const std::size_t length = 6 + std::size_t{load_be32(stream.data() + at + 2)};
    out.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(at),
                     stream.begin() + static_cast<std::ptrdiff_t>(at + length));
    at += length;
  }
  return out;
}

}  // namespace dicomsentry::synth
