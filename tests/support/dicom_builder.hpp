// Exact DICOM Upper Layer PDUs (PS3.8 §9.3) from spec structs: A-ASSOCIATE-RQ/AC/RJ, release,
// abort, and P-DATA-TF packing of DIMSE messages the way DCMTK fragments them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "byte_append.hpp"

namespace dicomsentry::synth {

// UIDs the builders and tests use (PS3.6 Annex A, PS3.7 A.2.1).
namespace uids {
inline constexpr std::string_view kApplicationContext = "1.2.840.10008.3.1.1.1";
inline constexpr std::string_view kImplicitLittleEndian = "1.2.840.10008.1.2";
inline constexpr std::string_view kExplicitLittleEndian = "1.2.840.10008.1.2.1";
inline constexpr std::string_view kJpegLossless = "1.2.840.10008.1.2.4.70";
inline constexpr std::string_view kVerification = "1.2.840.10008.1.1";
inline constexpr std::string_view kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
inline constexpr std::string_view kMrImageStorage = "1.2.840.10008.5.1.4.1.1.4";
inline constexpr std::string_view kDigitalXRayStorage = "1.2.840.10008.5.1.4.1.1.1.1";
inline constexpr std::string_view kPatientRootFind = "1.2.840.10008.5.1.4.1.2.1.1";
inline constexpr std::string_view kStudyRootFind = "1.2.840.10008.5.1.4.1.2.2.1";
inline constexpr std::string_view kStudyRootMove = "1.2.840.10008.5.1.4.1.2.2.2";
inline constexpr std::string_view kStudyRootGet = "1.2.840.10008.5.1.4.1.2.2.3";
inline constexpr std::string_view kModalityWorklistFind = "1.2.840.10008.5.1.4.31";
inline constexpr std::string_view kStorageCommitment = "1.2.840.10008.1.20.1";
inline constexpr std::string_view kDcmtkImplementationClass = "1.2.276.0.7230010.3.0.3.6.7";
inline constexpr std::string_view kDcmtkVersionName = "OFFIS_DCMTK_367";
}  // namespace uids

// DCMTK's default maximum PDU length (both storescu and storescp offer it).
inline constexpr std::uint32_t kDcmtkMaxPdu = 16384;

// ---- A-ASSOCIATE-RQ / AC -------------------------------------------------------------------

struct ProposedContext {  // §9.3.2.2, item 0x20
  std::uint8_t id = 1;
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;
};

struct AcceptedContext {  // §9.3.3.2, item 0x21
  std::uint8_t id = 1;
  std::uint8_t result = 0;      // 0 acceptance, 1 user-rejection, 2 no-reason, 3/4 not supported
  std::string transfer_syntax;  // sent even when rejected (PS3.8 says "not significant")
};

struct RoleSelectionSpec {  // PS3.7 D.3.3.4, sub-item 0x54
  std::string sop_class_uid;
  std::uint8_t scu_role = 1;
  std::uint8_t scp_role = 0;
};

struct AsyncWindowSpec {  // PS3.7 D.3.3.3, sub-item 0x53
  std::uint16_t max_operations_invoked = 1;
  std::uint16_t max_operations_performed = 1;
};

struct UserIdentitySpec {  // PS3.7 D.3.3.7.1, sub-item 0x58 (RQ only)
  std::uint8_t type = 2;   // 1 username, 2 username + passcode, 3 Kerberos, 4 SAML, 5 JWT
  bool positive_response_requested = false;
  std::string primary;    // the username, or the token for types 3-5
  std::string secondary;  // the passcode (type 2); sent as a 0-length field otherwise
};

// Sub-items are written in PS3.7 D.3.3 order (0x51, 0x52, 0x53, 0x54..., 0x55, 0x58/0x59),
// the order DCMTK writes them; an absent optional (or empty string) is not written at all.
struct UserInfoSpec {
  std::optional<std::uint32_t> max_length = kDcmtkMaxPdu;                 // 0x51; 0 means unlimited
  std::string implementation_class_uid{uids::kDcmtkImplementationClass};  // 0x52
  std::optional<AsyncWindowSpec> async_window;                            // 0x53
  std::vector<RoleSelectionSpec> roles;                                   // 0x54, one each
  std::string implementation_version_name{uids::kDcmtkVersionName};       // 0x55
  std::optional<UserIdentitySpec> user_identity;                          // 0x58, RQ only
  std::optional<std::string> user_identity_response;  // 0x59, AC only: server response
  bool present = true;  // false: no user information item at all (a malformed association)
};

struct AssociateRqSpec {
  std::string called_ae = "STORESCP";  // padded with spaces to 16 bytes, cut at 16
  std::string calling_ae = "STORESCU";
  std::uint16_t protocol_version = 1;
  std::string application_context{uids::kApplicationContext};
  std::vector<ProposedContext> contexts;
  UserInfoSpec user_info;
};

struct AssociateAcSpec {
  std::string called_ae = "STORESCP";  // echoes the RQ (§9.3.3: not tested by receivers)
  std::string calling_ae = "STORESCU";
  std::uint16_t protocol_version = 1;
  std::string application_context{uids::kApplicationContext};
  std::vector<AcceptedContext> contexts;
  UserInfoSpec user_info;
};

Bytes associate_rq(const AssociateRqSpec& spec);
Bytes associate_ac(const AssociateAcSpec& spec);

// The AC an accepting peer sends for `rq`: same AE titles and application context, every
// context accepted with its first proposed transfer syntax, DCMTK's user information with
// `max_length`.
AssociateAcSpec accept_all(const AssociateRqSpec& rq, std::uint32_t max_length = kDcmtkMaxPdu);

// ---- fixed-size PDUs (§9.3.4, §9.3.6-9.3.8) --------------------------------------------------

Bytes associate_rj(std::uint8_t result, std::uint8_t source, std::uint8_t reason);
Bytes release_rq();
Bytes release_rp();
Bytes abort_pdu(std::uint8_t source, std::uint8_t reason);

// ---- P-DATA-TF (§9.3.5, Annex E) -------------------------------------------------------------

// How much of a maximum PDU length one fragment may use.
//  kDcmtk: max - 12, what DCMTK 3.6.7 does (it subtracts both the PDU and the PDV headers: a
//          16384 maximum gives 16378-byte PDUs carrying 16372-byte fragments, as in the
//          captures under pcaps/).
//  kStandardMaximum: max - 6, the largest fragment §9.3.5 allows (the PDU length field equals
//          the maximum exactly).
enum class PdvSizing : std::uint8_t { kDcmtk, kStandardMaximum };

// The largest fragment one PDV may carry under `max_pdu_length`, at least 2. A maximum of 0
// (unlimited, PS3.8 D.1) gives kUnlimitedFragment: each message part goes in one PDV.
inline constexpr std::uint32_t kUnlimitedFragment = 0x7fff'0000;
std::uint32_t max_fragment_length(std::uint32_t max_pdu_length,
                                  PdvSizing sizing = PdvSizing::kDcmtk);

// One P-DATA-TF holding the given PDVs (a test can put several PDVs in one PDU).
struct PdvSpec {
  std::uint8_t context_id = 1;
  std::uint8_t control = 0x03;  // bit 0 command, bit 1 last fragment
  Bytes fragment;
};
Bytes pdata_pdu(std::span<const PdvSpec> pdvs);

// A DIMSE message: its command set and, if the command says one follows, its data set.
struct DimseMessage {
  std::uint8_t context_id = 1;
  Bytes command;
  Bytes data_set;  // empty: no data set PDVs
};

// Appends the P-DATA-TF PDUs that carry `message` under `max_pdu_length`, as DCMTK does: one
// PDV per PDU; the command and the data set in separate PDVs; each fragmented at
// max_fragment_length(); the last-fragment bit on the final fragment of each.
void append_pdata(Bytes& out, const DimseMessage& message, std::uint32_t max_pdu_length,
                  PdvSizing sizing = PdvSizing::kDcmtk);
Bytes pack_pdata(const DimseMessage& message, std::uint32_t max_pdu_length,
                 PdvSizing sizing = PdvSizing::kDcmtk);
// The same PDUs one per element (to feed or corrupt them one at a time).
std::vector<Bytes> pdata_pdus(const DimseMessage& message, std::uint32_t max_pdu_length,
                              PdvSizing sizing = PdvSizing::kDcmtk);

// Where the bytes of a long message part lie in its packed P-DATA stream, without building
// it: part byte i is stream byte (i / fragment) * (fragment + 12) + 12 + i % fragment. Lets a
// generator produce multi-megabyte C-STORE streams piece by piece (see benchmark_capture.cpp).
struct PdataLayout {
  std::uint8_t context_id = 1;
  bool command = false;
  std::uint64_t part_length = 0;  // command or data set bytes
  std::uint32_t fragment = 0;     // max_fragment_length(); at least 2 when part_length > 0

  static constexpr std::uint32_t kOverhead = 12;  // PDU header (6) + PDV header (6)
  std::uint64_t pdu_count() const;
  std::uint64_t stream_length() const { return part_length + kOverhead * pdu_count(); }
  // Writes stream bytes [offset, offset + out.size()) (within stream_length()), taking part
  // bytes from `part_bytes(part_offset, span)`, which fills the span with part bytes
  // [part_offset, part_offset + span.size()).
  template <typename PartBytes>
  void write(std::uint64_t offset, std::span<std::byte> out, PartBytes&& part_bytes) const;
  // The 12 header bytes of PDU `index`.
  void header(std::uint64_t index, std::byte* twelve) const;
};

template <typename PartBytes>
void PdataLayout::write(std::uint64_t offset, std::span<std::byte> out,
                        PartBytes&& part_bytes) const {
  const std::uint64_t unit = std::uint64_t{fragment} + kOverhead;
  std::size_t done = 0;
  while (done < out.size()) {  // each pass ends a header or a fragment piece: bounded by size
    const std::uint64_t at = offset + done;
    const std::uint64_t index = at / unit;
    const std::uint64_t in_unit = at % unit;
    if (in_unit < kOverhead) {
      std::byte h[kOverhead];
      header(index, h);
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(kOverhead - in_unit, out.size() - done));
      for (std::size_t i = 0; i < n; ++i) out[done + i] = h[in_unit + i];
      done += n;
      continue;
    }
    const std::uint64_t part_at = index * fragment + (in_unit - kOverhead);
    const std::uint64_t fragment_end = std::min<std::uint64_t>((index + 1) * fragment, part_length);
    if (part_at >= fragment_end) break;  // past the stream: the caller asked for too much
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(fragment_end - part_at, out.size() - done));
    part_bytes(part_at, out.subspan(done, n));
    done += n;
  }
}

}  // namespace dicomsentry::synth
