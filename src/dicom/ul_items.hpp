// Upper Layer items (PS3.8 §9.3.2-9.3.3, PS3.7 Annex D): the item walker, UIDs, AE titles and
// the user information item with its sub-items. Used by the A-ASSOCIATE-RQ/AC parser.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dicom/dicom_anomaly.hpp"
#include "dicom/pdu_bounded_list.hpp"
#include "dicomsentry/bytes.hpp"

namespace dicomsentry::dicom {

// Item types, §9.3.2.1-9.3.3.3 and PS3.7 D.3.3.
namespace item_type {
inline constexpr std::uint8_t kApplicationContext = 0x10;
inline constexpr std::uint8_t kPresentationContextRq = 0x20;
inline constexpr std::uint8_t kPresentationContextAc = 0x21;
inline constexpr std::uint8_t kAbstractSyntax = 0x30;
inline constexpr std::uint8_t kTransferSyntax = 0x40;
inline constexpr std::uint8_t kUserInformation = 0x50;
inline constexpr std::uint8_t kMaxLength = 0x51;
inline constexpr std::uint8_t kImplementationClassUid = 0x52;
inline constexpr std::uint8_t kAsyncOperationsWindow = 0x53;
inline constexpr std::uint8_t kRoleSelection = 0x54;
inline constexpr std::uint8_t kImplementationVersionName = 0x55;
inline constexpr std::uint8_t kSopClassExtendedNegotiation = 0x56;
inline constexpr std::uint8_t kSopClassCommonExtendedNegotiation = 0x57;
inline constexpr std::uint8_t kUserIdentityRq = 0x58;
inline constexpr std::uint8_t kUserIdentityAc = 0x59;
}  // namespace item_type

// §9.3.2: item type (1), reserved (1), item length (2, big endian).
inline constexpr std::size_t kItemHeaderLength = 4;
// PS3.5 §9.1: a UID has at most 64 characters.
inline constexpr std::size_t kUidMaxChars = 64;
// PS3.8 §9.3.2: AE title fields are 16 bytes, space padded.
inline constexpr std::size_t kAeTitleFieldLength = 16;
// PS3.7 D.3.3.2: the implementation version name is 1..16 characters.
inline constexpr std::size_t kMaxImplementationVersionName = 16;
// PS3.7 D.3.3.4: at most one role selection per abstract syntax, so per context.
inline constexpr std::size_t kMaxRoleSelections = 128;
// PS3.7 D.3.3.5/D.3.3.6: one per SOP class; real associations carry a handful.
inline constexpr std::size_t kMaxExtendedNegotiations = 32;
// Service-class application information bytes kept of each 0x56 sub-item (the flags that
// PS3.4 defines fit in 7 bytes); the length says how many there were.
inline constexpr std::size_t kExtendedInfoKept = 8;

// Where findings go while one PDU is parsed; offsets count from the PDU's first byte.
struct ItemContext {
  const std::byte* pdu_start = nullptr;
  AnomalyList* anomalies = nullptr;
  bool malformed = false;  // a length overran its container somewhere

  void flag(DicomAnomaly reason, const std::byte* at) const {
    anomalies->add(reason, static_cast<std::size_t>(at - pdu_start));
  }
  void overrun(const std::byte* at) {
    flag(DicomAnomaly::kItemLengthOverrun, at);
    malformed = true;
  }
};

struct Item {
  std::uint8_t type = 0;
  std::uint8_t reserved = 0;  // the sub-item version for 0x57
  ByteView value;
  const std::byte* start = nullptr;  // the item's first header byte
};

// Walks the items of one container. Each value is a subspan of the container; a header or a
// length that would run past the container ends the walk with kOverrun.
class ItemWalker {
 public:
  enum class Step : std::uint8_t { kItem, kEnd, kOverrun };
  explicit ItemWalker(ByteView container) : cursor_(container) {}
  // Inline: an A-ASSOCIATE-RQ has a few hundred items and sub-items.
  Step next(Item& out) {
    if (cursor_.empty()) return Step::kEnd;
    out.start = cursor_.here();
    std::uint16_t length = 0;
    if (!cursor_.read_u8(out.type) || !cursor_.read_u8(out.reserved) ||
        !cursor_.read_be16(length) || !cursor_.read_view(length, out.value)) {
      return Step::kOverrun;
    }
    return Step::kItem;
  }
  const std::byte* here() const { return cursor_.here(); }

 private:
  ByteCursor cursor_;
};

// The UID characters of a UID field: a trailing NUL pad (some senders add one) is dropped.
std::string_view uid_chars(ByteView value);
// PS3.5 §9.1: 1..64 characters, dot-separated components of digits, no empty component, no
// leading zero in a multi-digit component.
bool is_valid_uid(std::string_view uid);
// The UID's characters as a view into `value`; flags uid.invalid at `value`.
void take_uid(ByteView value, std::string_view& out, const ItemContext& ctx);

// Views into the PDU, like every text of a parse result here: valid while its bytes are.
struct AeTitle {
  std::string_view raw;        // the 16 bytes as sent
  std::string_view trimmed;    // without leading and trailing spaces (PS3.5 AE: not significant)
  bool non_printable = false;  // a byte outside 0x20..0x7E (NUL padding included)
};
// Fills `out` from a 16-byte field.
void take_ae_title(ByteView field, AeTitle& out);

struct RoleSelection {
  std::string_view sop_class_uid;
  std::uint8_t scu_role = 0;  // 0 not supported / non-support, 1 supported / proposed
  std::uint8_t scp_role = 0;
};

struct ExtendedNegotiation {
  std::string_view sop_class_uid;
  std::uint16_t info_length = 0;
  std::array<std::uint8_t, kExtendedInfoKept> info{};  // the first bytes of the information
};

struct CommonExtendedNegotiation {
  std::string_view sop_class_uid;
  std::string_view service_class_uid;
  std::uint16_t related_count = 0;  // related general SOP class UIDs (not kept)
};

// PS3.7 D.3.3.7. Credentials are never kept: only the username (types 1 and 2) and lengths.
enum class UserIdentityType : std::uint8_t {
  kUsername = 1,
  kUsernamePasscode = 2,
  kKerberos = 3,
  kSaml = 4,
  kJwt = 5,
};
std::string_view user_identity_type_text(std::uint8_t type);

struct UserIdentityRq {
  std::uint8_t type = 0;
  bool positive_response_requested = false;
  std::string_view username;  // the primary field for types 1 and 2; empty for tokens
  std::uint16_t primary_length = 0;
  std::uint16_t secondary_length = 0;  // the passcode's length; its bytes are not kept
};

struct UserInformation {
  bool present = false;
  bool has_max_length = false;
  std::uint32_t max_length = 0;  // 0: unlimited (PS3.8 D.1)
  bool has_implementation_class_uid = false;
  std::string_view implementation_class_uid;
  bool has_async_window = false;
  std::uint16_t max_operations_invoked = 0;
  std::uint16_t max_operations_performed = 0;
  BoundedList<RoleSelection, kMaxRoleSelections> roles;
  bool has_implementation_version_name = false;
  std::string_view implementation_version_name;
  BoundedList<ExtendedNegotiation, kMaxExtendedNegotiations> extended;
  BoundedList<CommonExtendedNegotiation, kMaxExtendedNegotiations> common_extended;
  bool has_user_identity_rq = false;
  UserIdentityRq user_identity_rq;
  bool has_user_identity_ac = false;
  std::uint16_t server_response_length = 0;  // 0x59: the response's bytes are not kept
  std::uint16_t dropped_sub_items = 0;       // role/extended sub-items beyond the caps
  std::uint16_t unknown_sub_items = 0;

  void clear();
};

// Parses the value of a user information item (0x50). `is_request` decides which of the
// user identity sub-items (0x58 in an RQ, 0x59 in an AC) is expected.
void parse_user_information(ByteView value, bool is_request, UserInformation& out,
                            ItemContext& ctx);

}  // namespace dicomsentry::dicom
