// The benchmark capture's associations: C-STORE sends, C-ECHO checks and C-FIND queries.
#include "benchmark_associations.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "dimse_builder.hpp"

namespace dicomsentry::synth {
namespace {

// Storage SOP classes a modality's storescu proposes (PS3.4 B.5); the first three are the ones
// it sends (CT, MR, DX) and must be accepted.
constexpr std::array<std::string_view, 30> kStorageClasses = {
    "1.2.840.10008.5.1.4.1.1.2",      "1.2.840.10008.5.1.4.1.1.4",
    "1.2.840.10008.5.1.4.1.1.1.1",    "1.2.840.10008.5.1.4.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.1.1",  "1.2.840.10008.5.1.4.1.1.1.2",
    "1.2.840.10008.5.1.4.1.1.1.2.1",  "1.2.840.10008.5.1.4.1.1.2.1",
    "1.2.840.10008.5.1.4.1.1.4.1",    "1.2.840.10008.5.1.4.1.1.6.1",
    "1.2.840.10008.5.1.4.1.1.3.1",    "1.2.840.10008.5.1.4.1.1.7",
    "1.2.840.10008.5.1.4.1.1.12.1",   "1.2.840.10008.5.1.4.1.1.12.2",
    "1.2.840.10008.5.1.4.1.1.20",     "1.2.840.10008.5.1.4.1.1.128",
    "1.2.840.10008.5.1.4.1.1.481.1",  "1.2.840.10008.5.1.4.1.1.481.2",
    "1.2.840.10008.5.1.4.1.1.481.3",  "1.2.840.10008.5.1.4.1.1.481.5",
    "1.2.840.10008.5.1.4.1.1.88.11",  "1.2.840.10008.5.1.4.1.1.88.22",
    "1.2.840.10008.5.1.4.1.1.88.33",  "1.2.840.10008.5.1.4.1.1.104.1",
    "1.2.840.10008.5.1.4.1.1.11.1",   "1.2.840.10008.5.1.4.1.1.66",
    "1.2.840.10008.5.1.4.1.1.77.1.6", "1.2.840.10008.5.1.4.1.1.9.1.1",
    "1.2.840.10008.5.1.4.1.1.13.1.3", "1.2.840.10008.5.1.4.1.1.130"};
constexpr std::array<std::string_view, 3> kSentModalities = {"CT", "MR", "DX"};
constexpr std::string_view kUidRoot = "1.2.826.0.1.3680043.9.7433.";

std::uint32_t between(std::mt19937_64& rng, std::uint32_t lo, std::uint32_t hi) {
  return lo + static_cast<std::uint32_t>(rng() % (hi - lo + 1));
}
std::string uid(std::string_view kind, std::uint32_t n, std::uint32_t k) {
  return std::string(kUidRoot) + std::string(kind) + "." + std::to_string(n) + "." +
         std::to_string(k);
}

Turn turn(Direction from, TurnKind kind, Bytes bytes) {
  Turn t;
  t.from = from;
  t.kind = kind;
  t.bytes = std::move(bytes);
  return t;
}
constexpr auto kClient = Direction::kClientToServer;
constexpr auto kServer = Direction::kServerToClient;

// The client sends under the AC's maximum, the server under the RQ's (PS3.8 D.1).
void open(Association& a, const AssociateRqSpec& rq, const AssociateAcSpec& ac) {
  a.push_back(turn(kClient, TurnKind::kAssociateRq, associate_rq(rq)));
  a.push_back(turn(kServer, TurnKind::kAssociateAc, associate_ac(ac)));
}
void close(Association& a) {
  a.push_back(turn(kClient, TurnKind::kReleaseRq, release_rq()));
  a.push_back(turn(kServer, TurnKind::kReleaseRp, release_rp()));
}

}  // namespace

void Turn::write(std::uint64_t offset, std::span<std::byte> out) const {
  std::size_t done = 0;
  if (offset < bytes.size()) {
    done = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), bytes.size() - offset));
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), done, out.begin());
  }
  if (done == out.size()) return;
  data_layout.write(
      offset + done - bytes.size(), out.subspan(done),
      [this](std::uint64_t at, std::span<std::byte> to) {
        std::size_t head = 0;
        if (at < data_head.size()) {
          head =
              static_cast<std::size_t>(std::min<std::uint64_t>(to.size(), data_head.size() - at));
          std::copy_n(data_head.begin() + static_cast<std::ptrdiff_t>(at), head, to.begin());
        }
        if (head < to.size()) {
          fill_pixels(at + head - data_head.size(), to.subspan(head));
        }
      });
}

Association store_association(std::mt19937_64& rng, std::uint32_t n) {
  AssociateRqSpec rq;
  rq.called_ae = "PACS_ARCHIVE";
  rq.calling_ae = "MODALITY_" + std::to_string(n % 64);
  const std::uint32_t contexts = between(rng, 20, 60);
  for (std::uint32_t i = 0; i < contexts; ++i) {
    // A second round of contexts offers JPEG Lossless, which the archive does not accept.
    const bool first_round = i < kStorageClasses.size();
    rq.contexts.push_back({static_cast<std::uint8_t>(2 * i + 1),
                           std::string(kStorageClasses[i % kStorageClasses.size()]),
                           first_round
                               ? std::vector<std::string>{std::string(uids::kExplicitLittleEndian),
                                                          std::string(uids::kImplicitLittleEndian)}
                               : std::vector<std::string>{std::string(uids::kJpegLossless)}});
  }
  const std::uint32_t draw = between(rng, 0, 19);
  const std::uint32_t client_max = draw < 12 ? 16384 : draw < 17 ? 65536 : 131072;
  AssociateAcSpec ac = accept_all(rq, client_max);
  for (AcceptedContext& pc : ac.contexts) {
    if (pc.transfer_syntax == uids::kJpegLossless)
      pc.result = 4;  // transfer syntaxes not supported
  }
  Association a;
  open(a, rq, ac);
  const std::uint32_t objects = between(rng, 1, 3);
  for (std::uint32_t k = 1; k <= objects; ++k) {
    const std::uint32_t c = between(rng, 0, 2);
    ImageSpec image;
    image.sop_class_uid = kStorageClasses[c];
    image.sop_instance_uid = uid("1", n, k);
    image.study_instance_uid = uid("2", n, 1);
    image.series_instance_uid = uid("3", n, c);
    image.modality = kSentModalities[c];
    image.patient_id = "PID" + std::to_string(n);
    // 1 MB (512 x 1024) to 8 MB (2048 x 2048) of 16-bit pixels.
    image.rows = static_cast<std::uint16_t>(512 * between(rng, 1, 4));
    image.columns = static_cast<std::uint16_t>(512 * between(rng, 2, 4));
    const auto context_id = static_cast<std::uint8_t>(2 * c + 1);
    const auto message_id = static_cast<std::uint16_t>(k);
    Turn store = turn(kClient, TurnKind::kStoreRq,
                      pack_pdata(dimse(context_id, c_store_rq(image.sop_class_uid,
                                                              image.sop_instance_uid, message_id)),
                                 client_max));
    store.data_head = image_head(image);
    store.data_layout =
        PdataLayout{context_id, false, store.data_head.size() + image.pixel_length(),
                    max_fragment_length(client_max)};
    a.push_back(std::move(store));
    a.push_back(turn(kServer, TurnKind::kStoreRsp,
                     pack_pdata(dimse(context_id, c_store_rsp(image.sop_class_uid,
                                                              image.sop_instance_uid, message_id)),
                                kDcmtkMaxPdu)));
  }
  close(a);
  return a;
}

Association echo_association(std::mt19937_64& rng, std::uint32_t n) {
  AssociateRqSpec rq;
  rq.called_ae = "PACS_ARCHIVE";
  rq.calling_ae = "MONITOR_" + std::to_string(n % 16);
  rq.contexts = {{1, std::string(uids::kVerification), {std::string(uids::kImplicitLittleEndian)}}};
  Association a;
  open(a, rq, accept_all(rq));
  const std::uint32_t echoes = between(rng, 1, 3);
  for (std::uint32_t k = 1; k <= echoes; ++k) {
    const auto id = static_cast<std::uint16_t>(k);
    a.push_back(
        turn(kClient, TurnKind::kEchoRq, pack_pdata(dimse(1, c_echo_rq(id)), kDcmtkMaxPdu)));
    a.push_back(
        turn(kServer, TurnKind::kEchoRsp, pack_pdata(dimse(1, c_echo_rsp(id)), kDcmtkMaxPdu)));
  }
  close(a);
  return a;
}

namespace {

// A study-level query as a workstation sends it, and one matching study as the archive answers.
QuerySpec study_query(std::uint32_t variant, VrEncoding encoding) {
  QuerySpec q;
  q.encoding = encoding;
  q.keys = {{0x00080020, "DA", "20240101-20241231"},
            {0x00080030, "TM", ""},
            {0x00080050, "SH", ""},
            {0x00080061, "CS", ""},
            {0x00081030, "LO", ""},
            {0x00100010, "PN", variant ? "DOE*" : "SMITH^J*"},
            {0x00100020, "LO", ""},
            {0x00100030, "DA", ""},
            {0x0020000D, "UI", ""},
            {0x00201208, "IS", ""}};
  return q;
}
QuerySpec study_match(std::uint32_t k, VrEncoding encoding) {
  QuerySpec q;
  q.encoding = encoding;
  q.keys = {{0x00080005, "CS", "ISO_IR 100"},
            {0x00080020, "DA", "202406" + std::to_string(10 + k % 19)},
            {0x00080030, "TM", "101530"},
            {0x00080050, "SH", "ACC" + std::to_string(100000 + k)},
            {0x00080054, "AE", "PACS_ARCHIVE"},
            {0x00080061, "CS", k % 2 ? "CT\\SR" : "MR"},
            {0x00081030, "LO", k % 2 ? "CT CHEST W/O CONTRAST" : "MR BRAIN"},
            {0x00100010, "PN", "DOE^JOHN^" + std::to_string(k)},
            {0x00100020, "LO", "PID" + std::to_string(1000 + k)},
            {0x00100030, "DA", "19700101"},
            {0x0020000D, "UI", uid("2", 7, k)},
            {0x00201208, "IS", std::to_string(40 + k)}};
  return q;
}

constexpr std::uint32_t kMaxMatches = 12;
constexpr std::uint16_t kMaxQueries = 2;

// The PDUs of one C-FIND exchange (message id, encoding), built once: a benchmark capture has
// tens of thousands of queries, and building identifiers element by element for each would
// take longer than writing the capture. The same studies answer every query.
struct FindExchange {
  std::array<Bytes, 2> query;  // two query variants
  std::array<Bytes, kMaxMatches> pending;
  Bytes final;
};
const FindExchange& find_exchange(VrEncoding encoding, std::uint16_t message_id) {
  static const std::array<FindExchange, 2 * kMaxQueries> table = [] {
    std::array<FindExchange, 2 * kMaxQueries> t;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const VrEncoding e =
          i < kMaxQueries ? VrEncoding::kExplicitLittle : VrEncoding::kImplicitLittle;
      const auto id = static_cast<std::uint16_t>(i % kMaxQueries + 1);
      for (std::uint32_t v = 0; v < 2; ++v) {
        t[i].query[v] =
            pack_pdata(dimse(3, c_find_rq(uids::kStudyRootFind, id), identifier(study_query(v, e))),
                       kDcmtkMaxPdu);
      }
      for (std::uint32_t k = 0; k < kMaxMatches; ++k) {
        t[i].pending[k] =
            pack_pdata(dimse(3, c_find_rsp(uids::kStudyRootFind, id, status::kPending),
                             identifier(study_match(k, e))),
                       kDcmtkMaxPdu);
      }
      t[i].final = pack_pdata(dimse(3, c_find_rsp(uids::kStudyRootFind, id, status::kSuccess)),
                              kDcmtkMaxPdu);
    }
    return t;
  }();
  return table[(encoding == VrEncoding::kImplicitLittle ? kMaxQueries : 0) + message_id - 1];
}

}  // namespace

Association find_association(std::mt19937_64& rng, std::uint32_t n) {
  // Half the workstations prefer implicit little endian; identifiers follow the accepted one.
  const bool implicit_first = rng() % 2 == 0;
  const std::vector<std::string> syntaxes =
      implicit_first ? std::vector<std::string>{std::string(uids::kImplicitLittleEndian),
                                                std::string(uids::kExplicitLittleEndian)}
                     : std::vector<std::string>{std::string(uids::kExplicitLittleEndian),
                                                std::string(uids::kImplicitLittleEndian)};
  const VrEncoding encoding =
      implicit_first ? VrEncoding::kImplicitLittle : VrEncoding::kExplicitLittle;
  AssociateRqSpec rq;
  rq.called_ae = "PACS_ARCHIVE";
  rq.calling_ae = "WORKSTATION_" + std::to_string(n % 32);
  rq.contexts = {{1, std::string(uids::kPatientRootFind), syntaxes},
                 {3, std::string(uids::kStudyRootFind), syntaxes},
                 {5, std::string(uids::kModalityWorklistFind), syntaxes}};
  Association a;
  open(a, rq, accept_all(rq));
  const std::uint32_t queries = between(rng, 1, kMaxQueries);
  for (std::uint16_t id = 1; id <= queries; ++id) {
    const FindExchange& x = find_exchange(encoding, id);
    a.push_back(turn(kClient, TurnKind::kFindRq, x.query[n % 2]));
    const std::uint32_t matches = between(rng, 0, kMaxMatches);
    for (std::uint32_t k = 0; k < matches; ++k) {
      a.push_back(turn(kServer, TurnKind::kFindRsp, x.pending[k]));
    }
    a.push_back(turn(kServer, TurnKind::kFindRsp, x.final));
  }
  close(a);
  return a;
}

}  // namespace dicomsentry::synth
