// Item walking, UID and AE title checks, and the user information sub-items (PS3.7 Annex D).
#include "dicom/ul_items.hpp"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dicomsentry::dicom {

std::string_view uid_chars(ByteView value) {
  std::size_t n = value.size();
  while (n > 0 && value[n - 1] == std::byte{0}) --n;
  return {reinterpret_cast<const char*>(value.data()), n};
}

namespace {

// PS3.5 §9.1 one component at a time: the check for UIDs shorter than one SSE2 block.
bool uid_components_valid(std::string_view uid) {
  const char* p = uid.data();
  const char* const end = p + uid.size();
  for (;;) {  // p is at the start of a component
    const char* const start = p;
    while (p != end && static_cast<unsigned char>(*p - '0') <= 9) ++p;
    if (p == start) return false;                      // empty component, or not a digit
    if (p - start > 1 && *start == '0') return false;  // leading zero
    if (p == end) return true;
    if (*p != '.') return false;
    ++p;
  }
}

#if defined(__SSE2__)
// One bit per character of the UID (bit i: character i).
struct UidMasks {
  std::uint64_t digit = 0, dot = 0, zero = 0;
};

// Classifies the 16 characters at `at` into bits `shift`..`shift + 15` of the masks.
void classify_block(const char* at, unsigned shift, UidMasks& m) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  // Signed compares: bytes above 0x7F are negative, so never digits.
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  const auto bits = [shift](__m128i mask) {
    return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(mask)))
           << shift;
  };
  m.digit |= bits(digit);
  m.dot |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
  m.zero |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('0')));
}
#endif

}  // namespace

bool is_valid_uid(std::string_view uid) {
  const std::size_t n = uid.size();
  if (n == 0 || n > kUidMaxChars) return false;
#if defined(__SSE2__)
  if (n < 16) return uid_components_valid(uid);
  // Every character is classified at once into bit masks and the rules become mask tests: an
  // A-ASSOCIATE-RQ holds dozens of UIDs, and the loop per component mispredicted its exits.
  // Four blocks at 0, 16, 32 and 48, each moved back to end at the UID's end when it would
  // pass it (an overlap sets the same bits again), cover 16..64 characters and read nothing
  // beyond them.
  const char* const p = uid.data();
  const auto last = static_cast<unsigned>(n - 16);
  UidMasks m;
  classify_block(p, 0, m);
  classify_block(p + std::min(16u, last), std::min(16u, last), m);
  classify_block(p + std::min(32u, last), std::min(32u, last), m);
  classify_block(p + last, last, m);
  const std::uint64_t used = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  if ((m.digit | m.dot) != used) return false;                    // neither a digit nor a dot
  if ((m.dot & (1 | (std::uint64_t{1} << (n - 1)))) != 0) return false;  // empty first/last
  if ((m.dot & (m.dot >> 1)) != 0) return false;                 // "..": an empty component
  const std::uint64_t component_start = 1 | (m.dot << 1);
  return (m.zero & component_start & (m.digit >> 1)) == 0;  // a leading zero ("02")
#else
  return uid_components_valid(uid);
#endif
}

void take_uid(ByteView value, std::string_view& out, const ItemContext& ctx) {
  out = uid_chars(value);
  if (!is_valid_uid(out)) ctx.flag(DicomAnomaly::kUidInvalid, value.data());
}

namespace {
bool printable(char c) {
  return c >= 0x20 && c <= 0x7e;
}
}  // namespace

void take_ae_title(ByteView field, AeTitle& out) {
  const char* const p = reinterpret_cast<const char*>(field.data());
  const std::size_t n = field.size();
  out.raw = {p, n};
#if defined(__SSE2__)
  if (n == kAeTitleFieldLength) {
    // The whole field in one block: a mask of printable bytes and one of spaces, and the
    // trimmed title runs from the first to the last non-space (four AE titles a PDU pair).
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i printable_bytes = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)),
                                                  _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
    out.non_printable = _mm_movemask_epi8(printable_bytes) != 0xffff;
    const auto other = static_cast<unsigned>(
        ~_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))) & 0xffff);
    if (other == 0) {
      out.trimmed = {};
      return;
    }
    const auto first = static_cast<std::size_t>(__builtin_ctz(other));
    const auto end = static_cast<std::size_t>(32 - __builtin_clz(other));
    out.trimmed = {p + first, end - first};
    return;
  }
#endif
  bool non_printable = false;
  for (std::size_t i = 0; i < n; ++i) non_printable |= !printable(p[i]);
  out.non_printable = non_printable;
  std::size_t first = 0, last = n;
  while (first < last && p[first] == ' ') ++first;
  while (last > first && p[last - 1] == ' ') --last;
  out.trimmed = {p + first, last - first};
}

std::string_view user_identity_type_text(std::uint8_t type) {
  switch (type) {
    case 1:
      return "username";
    case 2:
      return "username and passcode";
    case 3:
      return "Kerberos service ticket";
    case 4:
      return "SAML assertion";
    case 5:
      return "JSON Web Token";
    default:
      return "unknown";
  }
}

void UserInformation::clear() {
  present = false;
  has_max_length = false;
  max_length = 0;
  has_implementation_class_uid = false;
  implementation_class_uid = {};
  has_async_window = false;
  max_operations_invoked = 0;
  max_operations_performed = 0;
  roles.clear();
  has_implementation_version_name = false;
  implementation_version_name = {};
  extended.clear();
  common_extended.clear();
  has_user_identity_rq = false;
  user_identity_rq = {};
  has_user_identity_ac = false;
  server_response_length = 0;
  dropped_sub_items = 0;
  unknown_sub_items = 0;
}

namespace {

// A sub-item that may appear once: flags item.duplicate and says "skip" on a repeat.
bool first_time(bool& seen, const Item& item, const ItemContext& ctx) {
  if (seen) {
    ctx.flag(DicomAnomaly::kItemDuplicate, item.start);
    return false;
  }
  seen = true;
  return true;
}

// A field prefixed by a 2-byte length (PS3.7 D.3.3.4-D.3.3.7), read within the sub-item.
bool read_counted(ByteCursor& c, ByteView& out) {
  std::uint16_t n = 0;
  return c.read_be16(n) && c.read_view(n, out);
}

// D.3.3.4: UID length (2), SOP class UID, SCU role (1), SCP role (1).
void parse_role(const Item& item, UserInformation& ui, const ItemContext& ctx) {
  ByteCursor c(item.value);
  ByteView uid;
  std::uint8_t scu = 0, scp = 0;
  if (!read_counted(c, uid) || !c.read_u8(scu) || !c.read_u8(scp) || !c.empty()) {
    ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
    return;
  }
  if (scu > 1 || scp > 1) ctx.flag(DicomAnomaly::kRoleBadValue, item.start);
  RoleSelection* role = ui.roles.push();
  if (role == nullptr) {
    ++ui.dropped_sub_items;
    return;
  }
  take_uid(uid, role->sop_class_uid, ctx);
  role->scu_role = scu;
  role->scp_role = scp;
}

// D.3.3.5: UID length (2), SOP class UID, service-class-application-information (rest).
void parse_extended(const Item& item, UserInformation& ui, const ItemContext& ctx) {
  ByteCursor c(item.value);
  ByteView uid;
  if (!read_counted(c, uid)) {
    ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
    return;
  }
  ExtendedNegotiation* ext = ui.extended.push();
  if (ext == nullptr) {
    ++ui.dropped_sub_items;
    return;
  }
  take_uid(uid, ext->sop_class_uid, ctx);
  const ByteView info = c.rest();
  ext->info_length = static_cast<std::uint16_t>(info.size());
  ext->info.fill(0);
  for (std::size_t i = 0; i < std::min(info.size(), kExtendedInfoKept); ++i) {
    ext->info[i] = load_u8(info.data() + i);
  }
}

// D.3.3.6: SOP class UID, service class UID, then related general SOP class UIDs, each a
// counted field, filling exactly the related-identification length.
void parse_common_extended(const Item& item, UserInformation& ui, const ItemContext& ctx) {
  ByteCursor c(item.value);
  ByteView sop, service, related;
  if (!read_counted(c, sop) || !read_counted(c, service) || !read_counted(c, related) ||
      !c.empty()) {
    ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
    return;
  }
  std::uint16_t related_count = 0;
  ByteCursor r(related);
  while (!r.empty()) {
    ByteView uid;
    if (!read_counted(r, uid)) {
      ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
      return;
    }
    if (!is_valid_uid(uid_chars(uid))) ctx.flag(DicomAnomaly::kUidInvalid, uid.data());
    ++related_count;
  }
  CommonExtendedNegotiation* ext = ui.common_extended.push();
  if (ext == nullptr) {
    ++ui.dropped_sub_items;
    return;
  }
  take_uid(sop, ext->sop_class_uid, ctx);
  take_uid(service, ext->service_class_uid, ctx);
  ext->related_count = related_count;
}

// D.3.3.7.1: type (1), positive-response-requested (1), primary field (counted), secondary
// field (counted). Only the username of types 1 and 2 is kept; tokens and passcodes are not.
void parse_user_identity_rq(const Item& item, UserInformation& ui, const ItemContext& ctx) {
  ByteCursor c(item.value);
  std::uint8_t type = 0, positive = 0;
  ByteView primary, secondary;
  if (!c.read_u8(type) || !c.read_u8(positive) || !read_counted(c, primary) ||
      !read_counted(c, secondary) || !c.empty()) {
    ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
    return;
  }
  if (!first_time(ui.has_user_identity_rq, item, ctx)) return;
  UserIdentityRq& id = ui.user_identity_rq;
  id.type = type;
  id.positive_response_requested = positive == 1;
  id.primary_length = static_cast<std::uint16_t>(primary.size());
  id.secondary_length = static_cast<std::uint16_t>(secondary.size());
  const bool username = type == 1 || type == 2;
  if (username) {
    id.username = {reinterpret_cast<const char*>(primary.data()), primary.size()};
  } else {
    id.username = {};
  }
  if (type < 1 || type > 5) ctx.flag(DicomAnomaly::kUserIdentityBadType, item.start);
  if (primary.empty()) ctx.flag(DicomAnomaly::kUserIdentityEmptyPrimary, item.start);
  if ((type == 2) != !secondary.empty()) {
    ctx.flag(DicomAnomaly::kUserIdentityBadSecondary, item.start);
  }
}

// D.3.3.7.2: server response (counted); only its length is kept.
void parse_user_identity_ac(const Item& item, UserInformation& ui, const ItemContext& ctx) {
  ByteCursor c(item.value);
  ByteView response;
  if (!read_counted(c, response) || !c.empty()) {
    ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
    return;
  }
  if (!first_time(ui.has_user_identity_ac, item, ctx)) return;
  ui.server_response_length = static_cast<std::uint16_t>(response.size());
}

}  // namespace

void parse_user_information(ByteView value, bool is_request, UserInformation& ui,
                            ItemContext& ctx) {
  ItemWalker walker(value);
  Item item;
  for (;;) {
    const ItemWalker::Step step = walker.next(item);
    if (step == ItemWalker::Step::kEnd) return;
    if (step == ItemWalker::Step::kOverrun) {
      ctx.overrun(item.start);
      return;
    }
    const ByteView v = item.value;
    switch (item.type) {
      case item_type::kMaxLength:  // D.1: a 4-byte maximum length
        if (v.size() != 4) {
          ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
        } else if (first_time(ui.has_max_length, item, ctx)) {
          ui.max_length = load_be32(v.data());
        }
        break;
      case item_type::kImplementationClassUid:  // D.3.3.2
        if (first_time(ui.has_implementation_class_uid, item, ctx)) {
          take_uid(v, ui.implementation_class_uid, ctx);
        }
        break;
      case item_type::kAsyncOperationsWindow:  // D.3.3.3: invoked (2), performed (2)
        if (v.size() != 4) {
          ctx.flag(DicomAnomaly::kItemLengthMismatch, item.start);
        } else if (first_time(ui.has_async_window, item, ctx)) {
          ui.max_operations_invoked = load_be16(v.data());
          ui.max_operations_performed = load_be16(v.data() + 2);
        }
        break;
      case item_type::kRoleSelection:
        parse_role(item, ui, ctx);
        break;
      case item_type::kImplementationVersionName:  // D.3.3.2: 1..16 characters
        if (first_time(ui.has_implementation_version_name, item, ctx)) {
          const std::string_view name(reinterpret_cast<const char*>(v.data()), v.size());
          ui.implementation_version_name = name;
          if (name.empty() || name.size() > kMaxImplementationVersionName ||
              !std::all_of(name.begin(), name.end(), [](char c) { return printable(c); })) {
            ctx.flag(DicomAnomaly::kUserInfoBadVersionName, item.start);
          }
        }
        break;
      case item_type::kSopClassExtendedNegotiation:
        parse_extended(item, ui, ctx);
        break;
      case item_type::kSopClassCommonExtendedNegotiation:
        parse_common_extended(item, ui, ctx);
        break;
      case item_type::kUserIdentityRq:
        if (is_request) {
          parse_user_identity_rq(item, ui, ctx);
          break;
        }
        [[fallthrough]];
      case item_type::kUserIdentityAc:
        if (!is_request && item.type == item_type::kUserIdentityAc) {
          parse_user_identity_ac(item, ui, ctx);
          break;
        }
        [[fallthrough]];
      default:
        ++ui.unknown_sub_items;
        ctx.flag(DicomAnomaly::kItemUnknownType, item.start);
        break;
    }
  }
}

}  // namespace dicomsentry::dicom
