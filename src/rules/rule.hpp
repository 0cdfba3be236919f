// One parsed detection rule as plain data: header (action, protocol, addresses, ports,
// direction), meta options, flow, ordered content/pcre matches per buffer, keyword conditions.
// Nothing here matches traffic; the engine compiles and evaluates these values.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dicomsentry::rules {

enum class Action : std::uint8_t { kAlert, kPass };
enum class Protocol : std::uint8_t { kTcp, kDicom, kTls };
// `->` matches source to destination; `<>` matches either way round.
enum class Direction : std::uint8_t { kToDestination, kBoth };

// An IPv4 or IPv6 network; host bits beyond `prefix` are zero. IPv4 uses bytes 0..3.
struct IpNetwork {
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t prefix = 0;  // 0..32 for IPv4, 0..128 for IPv6
  bool v6 = false;
  bool operator==(const IpNetwork&) const = default;
};

struct AddressEntry {
  IpNetwork network;
  bool negated = false;  // `!10.0.0.0/8`, or inside a negated group `![a,b]`
  bool operator==(const AddressEntry&) const = default;
};

// `any` is an empty list. An address matches when it is inside some non-negated entry (or
// there is none) and inside no negated entry: Suricata's meaning of `[10.0.0.0/8,!10.1.0.0/16]`.
struct AddressList {
  std::vector<AddressEntry> entries;
  bool is_any() const { return entries.empty(); }
};

// Inclusive range; a single port is lo == hi. `1024:` is 1024..65535, `:1023` is 0..1023.
struct PortRange {
  std::uint16_t lo = 0;
  std::uint16_t hi = 65535;
  bool negated = false;
  bool operator==(const PortRange&) const = default;
};

// Same semantics as AddressList: empty is `any`.
struct PortList {
  std::vector<PortRange> ranges;
  bool is_any() const { return ranges.empty(); }
};

struct Reference {
  std::string type;   // "cve", "url", ...
  std::string value;  // "2019-11687"
};

// `flow:` options. to_server and to_client are exclusive, as are established/not_established.
struct FlowOptions {
  bool to_server = false;  // also written from_client
  bool to_client = false;  // also written from_server
  bool established = false;
  bool not_established = false;
  bool stateless = false;
  bool only_stream = false;  // match only reassembled stream data
  bool no_stream = false;    // match only single packets
};

// Where a content or pcre looks. kPayload is the raw (reassembled) TCP payload, the buffer a
// rule starts with and returns to after `pkt_data`. The others are sticky buffers.
enum class Buffer : std::uint8_t {
  kPayload,
  kDicomCallingAe,
  kDicomCalledAe,
  kDicomAbstractSyntax,
  kDicomTransferSyntax,
  kDicomImplClassUid,
  kDicomImplVersion,
  kDicomSopClass,
  kDicomMoveDestination,
  kDicomQuery,
  kDicomDataset,
  kTlsSni,
  kTlsCipher,
};

// Literal bytes, ready for hs_compile_lit_multi (HS_FLAG_CASELESS when nocase). Positions are
// Suricata's: offset/depth from the buffer start; distance/within after the previous match.
struct ContentMatch {
  std::string bytes;  // |hex| and escapes decoded
  bool negated = false;
  bool nocase = false;
  bool fast_pattern = false;
  std::optional<std::uint32_t> offset;
  std::optional<std::uint32_t> depth;
  std::optional<std::int32_t> distance;  // may be negative, as in Suricata
  std::optional<std::uint32_t> within;
};

// PCRE flags the language accepts. caseless/dotall/multiline map to HS_FLAG_CASELESS,
// HS_FLAG_DOTALL, HS_FLAG_MULTILINE; the others are for the compile step to honour or refuse.
struct PcreFlags {
  bool caseless = false;        // i
  bool dotall = false;          // s
  bool multiline = false;       // m
  bool extended = false;        // x
  bool anchored = false;        // A
  bool dollar_endonly = false;  // E
  bool ungreedy = false;        // G
  bool relative = false;        // R: after the previous match
};

struct PcreMatch {
  std::string pattern;  // between the delimiters, unchanged (regex escapes kept)
  std::string flags;    // as written after the closing '/'
  PcreFlags parsed;
  bool negated = false;
};

enum class MatchKind : std::uint8_t { kContent, kPcre };

// One content or pcre, in rule order, with the buffer that was selected when it appeared.
struct MatchItem {
  Buffer buffer = Buffer::kPayload;
  MatchKind kind = MatchKind::kContent;
  ContentMatch content;  // when kind == kContent
  PcreMatch pcre;        // when kind == kPcre
};

// Keywords that carry their own value (no content follows them).
enum class ValueKeyword : std::uint8_t {
  kDicomUserIdentity,  // values: UserIdentityCode
  kDicomAssocState,    // values: dicom::AssociationState
  kDicomRejectReason,  // values: PS3.8 9.3.4 reason/diag codes 1..7
  kDicomCommand,       // values: dicom::CommandField (a base name adds both RQ and RSP)
  kDicomStatus,        // number or category
  kDicomQueryLevel,    // values: QueryLevelCode
  kTlsVersion,         // number: the 16-bit wire version (0x0303 is TLS 1.2)
  kDicomSubOperations,  // number: C-MOVE/C-GET sub-operations (completed + failed + warning + remaining)
  kDicomContexts,       // number: presentation contexts the A-ASSOCIATE-RQ proposed
  kDicomRequests,       // number: DIMSE requests seen in the association
};

// User Identity Type (PS3.7 D.3.3.7); 0 stands for "no user identity item".
enum class UserIdentityCode : std::uint16_t {
  kNone = 0,
  kUsername = 1,
  kUsernamePasscode = 2,
  kKerberos = 3,
  kSaml = 4,
  kJwt = 5
};
enum class QueryLevelCode : std::uint16_t { kPatient, kStudy, kSeries, kImage };

enum class CompareOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kRange };

// `lo` is the operand; kRange is lo..hi inclusive.
struct NumericCondition {
  CompareOp op = CompareOp::kEq;
  std::uint32_t lo = 0;
  std::uint32_t hi = 0;
  bool operator==(const NumericCondition&) const = default;
};

struct ValueCondition {
  ValueKeyword keyword = ValueKeyword::kDicomCommand;
  bool negated = false;               // `!` before the value list or category
  std::vector<std::uint16_t> values;  // enumerated keywords: matches any of them
  std::optional<NumericCondition> number;
  std::optional<std::uint8_t> category;  // dicom.status: dicom::StatusCategory
};

struct AppLayerCondition {
  std::string protocol;  // "dicom", "tls", "failed", "unknown"
  bool negated = false;
};

enum class ThresholdType : std::uint8_t { kLimit, kThreshold, kBoth };
enum class Track : std::uint8_t { kBySrc, kByDst, kByRule, kByBoth };

// `unique_on` (a dicomsentry extension): only distinct values of this field count towards
// `count`, per tracked key and window. kNone counts every match, as Suricata does.
enum class UniqueOn : std::uint8_t { kNone, kSrcIp, kDstIp, kDstPort, kCalledAe, kCallingAe };

// threshold: type/track/count/seconds; detection_filter: track/count/seconds (type unused).
struct Threshold {
  ThresholdType type = ThresholdType::kThreshold;
  Track track = Track::kBySrc;
  std::uint32_t count = 0;
  std::uint32_t seconds = 0;
  UniqueOn unique_on = UniqueOn::kNone;
};

// `dataset:isset|isnotset,name,type string,load file` on a sticky buffer: matches when the
// buffer's whole value is (isset) or is not (isnotset) one of `values`. parse_rule leaves
// `values` empty (it reads no files); the rules-file loader fills it, one shared set per name.
struct DatasetMatch {
  Buffer buffer = Buffer::kPayload;
  bool negated = false;  // isnotset
  std::string name;
  std::shared_ptr<const std::vector<std::string>> values;  // sorted, unique
  std::string file;  // the `load` argument as written; the loader resolves it
};

struct Rule {
  Action action = Action::kAlert;
  Protocol protocol = Protocol::kTcp;
  // The protocol the rule's keywords tie it to: a tcp rule with dicom.* keywords is a DICOM
  // rule (as a Suricata tcp rule with an app-layer keyword is); otherwise `protocol`.
  Protocol bound_protocol = Protocol::kTcp;
  AddressList src;
  PortList src_ports;
  Direction direction = Direction::kToDestination;
  AddressList dst;
  PortList dst_ports;

  std::string msg;
  std::uint32_t sid = 0;
  std::uint32_t rev = 0;  // 0 when not given, as Suricata reports it
  std::string classtype;
  std::optional<std::uint8_t> priority;  // 1..255
  std::vector<Reference> references;
  std::vector<std::string> metadata;  // one entry per comma-separated item

  std::optional<FlowOptions> flow;
  std::vector<MatchItem> matches;
  std::vector<ValueCondition> conditions;
  std::vector<DatasetMatch> datasets;  // all must hold, in addition to the matches
  std::optional<AppLayerCondition> app_layer;
  // `app-layer-event`: the EVE anomaly name the rule fires on ("ul.pdata_before_acceptance"),
  // or a prefix of it ending in '*' ("dimse.*").
  std::optional<std::string> app_layer_event;
  std::optional<Threshold> threshold;
  std::optional<Threshold> detection_filter;
};

std::string_view buffer_name(Buffer buffer);  // "pkt_data", "dicom.calling_ae", ...

}  // namespace dicomsentry::rules
