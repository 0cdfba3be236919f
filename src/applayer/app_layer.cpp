#include "applayer/app_layer.hpp"

#include <algorithm>
#include <limits>

#include "dicom/dataset_summary.hpp"
#include "dicom/engine_anomaly.hpp"
#include "dicom/pdu_associate.hpp"

namespace dicomsentry {

struct AppLayer::Session {
  explicit Session(dicom::AssociationShared& shared) : association(shared) {}
  AppProto proto = AppProto::kUnknown;
  std::uint32_t slot = 0;  // index in sessions_; in the padding after proto, so free of cost
  dicom::Association association;
  TlsSession tls;
};

namespace {

// Flows decided to be neither DICOM nor TLS point here: one compare per delivery after that.
char g_not_ours = 0;
void* const kNotOurs = &g_not_ours;
// An association that was reported (released, rejected, aborted): its session went back to
// the pool at once, so a long TCP close does not hold it. Bytes after that are reported once.
char g_ended = 0;
char g_ended_reported = 0;
void* const kEnded = &g_ended;
void* const kEndedReported = &g_ended_reported;
// A DICOM or TLS flow found while the memcap was reached: never parsed, its bytes skipped.
// Its app_proto keeps what was detected (as Suricata keeps alproto when a parser cannot
// allocate state), so flow records and rules still see what it was.
char g_refused = 0;
void* const kRefused = &g_refused;

bool is_sentinel(void* state) {
  return state == kNotOurs || state == kEnded || state == kEndedReported || state == kRefused;
}

bool starts_with(ByteView data, std::string_view text) {
  if (data.size() < text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (static_cast<char>(data[i]) != text[i]) return false;
  }
  return true;
}

constexpr std::string_view kForeignNames[] = {"http", "ssh", "tls", "text", "binary"};
constexpr std::string_view kForeignMessages[] = {
    "traffic on a DICOM port is not DICOM: an HTTP request or response",
    "traffic on a DICOM port is not DICOM: an SSH banner",
    "traffic on a DICOM port is not DICOM: TLS",
    "traffic on a DICOM port is not DICOM: printable text",
    "traffic on a DICOM port is not DICOM: binary bytes",
};

}  // namespace

ForeignKind classify_foreign_bytes(ByteView first) {
  for (std::string_view method : {"GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "DELETE ", "HTTP/"}) {
    if (starts_with(first, method)) return ForeignKind::kHttp;
  }
  if (starts_with(first, "SSH-")) return ForeignKind::kSsh;
  if (tls::looks_like_tls_record(first)) return ForeignKind::kTls;
  const std::size_t n = std::min<std::size_t>(first.size(), 16);
  bool text = n > 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(first[i]);
    if (!(c >= 0x20 && c < 0x7f) && c != '\r' && c != '\n' && c != '\t') text = false;
  }
  return text ? ForeignKind::kText : ForeignKind::kBinary;
}

std::string_view foreign_kind_name(ForeignKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kForeignNames) ? kForeignNames[i] : "binary";
}

AppLayer::AppLayer(const AppLayerConfig& config, dicom::EventSink& events,
                   dicom::ObjectSink* objects)
    : config_(config),
      events_(events),
      associate_scratch_(std::make_unique<dicom::AssociatePdu>()),
      tls_scratch_(tls::kMaxHelloBytes) {
  for (std::uint16_t port : config_.dicom_ports) dicom_ports_.set(port);
  for (std::uint16_t port : config_.tls_ports) tls_ports_.set(port);
  dicom::load_data_dictionary();
  shared_.events = this;
  shared_.objects = objects;
  shared_.associate_scratch = associate_scratch_.get();
  shared_.transactions = &transactions_;
  shared_.max_anomaly_events = config_.max_anomaly_events;
  counters_.memcap = config_.memcap_bytes;
}

AppLayer::~AppLayer() = default;

std::uint64_t AppLayer::session_charge() { return sizeof(Session) + kSessionHeapEstimate; }

AppLayer::Session* AppLayer::acquire(Flow& flow, AppProto proto) {
  const std::uint64_t charge = session_charge();
  if (counters_.memuse + charge > config_.memcap_bytes) return nullptr;
  Session* session;
  if (free_.empty()) {
    if (sessions_.size() > std::numeric_limits<std::uint32_t>::max()) return nullptr;  // slot range
    auto owned = std::make_unique<Session>(shared_);
    owned->slot = static_cast<std::uint32_t>(sessions_.size());
    session = sessions_.emplace_back(std::move(owned)).get();
  } else {
    session = free_.back();
    free_.pop_back();
  }
  session->proto = proto;
  flow.app_proto = proto;
  flow.app_state = session;
  ++counters_.sessions_in_use;
  span_peak_ = std::max(span_peak_, counters_.sessions_in_use);
  if (++span_acquisitions_ >= config_.pool_span) {
    // A new span: the peak before last is forgotten, and free sessions beyond what the two
    // recent peaks need are released, the least recently used first.
    previous_span_peak_ = span_peak_;
    span_peak_ = counters_.sessions_in_use;
    span_acquisitions_ = 0;
    const std::uint64_t keep = pool_target();
    const std::size_t excess = free_.size() > keep ? free_.size() - static_cast<std::size_t>(keep) : 0;
    for (std::size_t i = 0; i < excess; ++i) destroy(free_[i]);
    free_.erase(free_.begin(), free_.begin() + static_cast<std::ptrdiff_t>(excess));
  }
  counters_.sessions_free = free_.size();
  counters_.memuse += charge;
  counters_.memuse_high_water = std::max(counters_.memuse_high_water, counters_.memuse);
  return session;
}

// Free sessions to keep: enough to serve the recent peak again, and at least the floor.
std::uint64_t AppLayer::pool_target() const {
  const std::uint64_t peak = std::max(span_peak_, previous_span_peak_);
  const std::uint64_t in_use = counters_.sessions_in_use;
  return std::max<std::uint64_t>(config_.max_free_sessions, peak > in_use ? peak - in_use : 0);
}

// Destroys a session that is in no list: its slot is taken by the last session.
void AppLayer::destroy(Session* session) {
  const std::uint32_t slot = session->slot;
  sessions_[slot] = std::move(sessions_.back());
  sessions_[slot]->slot = slot;
  sessions_.pop_back();
}

void AppLayer::release(Session* session) {
  --counters_.sessions_in_use;
  counters_.memuse -= session_charge();
  if (free_.size() < pool_target()) {
    free_.push_back(session);
  } else {
    destroy(session);
  }
  counters_.sessions_free = free_.size();
}

// One anomaly per refused flow: each refused flow writes a `flow` record anyway, so this at
// most doubles the lines a flood of associations causes, and a rule can see which flow it was.
Consumed AppLayer::refuse(const StreamContext& context, ByteView data, AppProto proto) {
  Flow& flow = context.flow;
  flow.app_proto = proto;
  flow.app_state = kRefused;
  ++counters_.memcap_refused;
  dicom::AnomalyRecord r;
  r.flow = &flow;
  r.ts = context.ts;
  r.direction = context.direction;
  r.layer = "app";
  r.name = "app.memcap";
  r.message = "application layer memcap reached: the flow is not parsed";
  r.stream_offset = context.offset;
  on_anomaly(r);
  return {static_cast<std::uint32_t>(data.size()), 0};
}

void AppLayer::fail(const StreamContext& context, ByteView data) {
  Flow& flow = context.flow;
  flow.app_proto = AppProto::kFailed;
  flow.app_state = kNotOurs;
  ++counters_.flows_failed;
  const ForeignKind kind = classify_foreign_bytes(data);
  dicom::AnomalyRecord r;
  r.flow = &flow;
  r.ts = context.ts;
  r.direction = context.direction;
  r.layer = "app";
  r.name = dicom::engine_anomaly_name(dicom::EngineAnomaly::kNotDicom);
  r.message = kForeignMessages[static_cast<std::size_t>(kind)];
  r.stream_offset = context.offset;
  on_anomaly(r);
}

// Decides on the first delivery that can decide; keeps no state before that (the reassembler
// holds the few bytes a decision may need), so flows that are not ours never allocate.
Consumed AppLayer::detect(const StreamContext& context, ByteView data) {
  Flow& flow = context.flow;
  const auto all = static_cast<std::uint32_t>(data.size());
  const std::uint16_t server_port = flow.client_is_lo ? flow.key.hi_port : flow.key.lo_port;
  const bool dicom_port = dicom_ports_.test(server_port);
  const bool tls_port = tls_ports_.test(server_port);
  const bool midstream = flow.midstream || context.offset != 0;

  if (dicom_port || tls_port) {
    if (midstream) {
      // Picked up mid-way: TLS shows itself in any record header; otherwise hunt for PDUs.
      if (tls::looks_like_tls_record(data)) {
        ++counters_.flows_tls;
        Session* s = acquire(flow, AppProto::kTls);
        if (s == nullptr) return refuse(context, data, AppProto::kTls);
        s->tls.start(flow);
        return {all, 0};  // no hello to see any more
      }
      if (context.direction == Direction::kToServer && context.offset == 0 &&
          data.size() < dicom::kDetectMinBytes && static_cast<std::uint8_t>(data[0]) == 0x01) {
        return {0, static_cast<std::uint32_t>(dicom::kDetectMinBytes)};  // an RQ, perhaps
      }
      // The TCP handshake was missed but the association starts right here: not mid-stream.
      const bool starts_here = context.direction == Direction::kToServer &&
                               context.offset == 0 && dicom::looks_like_associate_rq(data);
      ++counters_.flows_dicom;
      if (!starts_here) ++counters_.flows_dicom_midstream;
      Session* s = acquire(flow, AppProto::kDicom);
      if (s == nullptr) return refuse(context, data, AppProto::kDicom);
      s->association.start(flow, context.ts, !starts_here, dicom_port);
      return s->association.on_data(context, data);
    }
    if (context.direction == Direction::kToClient) {
      // DICOM and TLS clients speak first.
      fail(context, data);
      return {all, 0};
    }
    tls::RecordHeader record;
    const tls::RecordCheck check = tls::check_record_header(data, record);
    if (check == tls::RecordCheck::kTls) {
      ++counters_.flows_tls;
      Session* s = acquire(flow, AppProto::kTls);
      if (s == nullptr) return refuse(context, data, AppProto::kTls);
      s->tls.start(flow);
      return s->tls.on_data(context, data, tls_scratch_, *this);
    }
    if (data.size() < dicom::kPduHeaderLength) {
      return {0, static_cast<std::uint32_t>(dicom::kPduHeaderLength)};
    }
    const dicom::PduHeader header = dicom::parse_pdu_header(data);
    if (!dicom::is_usable(dicom::classify(header))) {
      fail(context, data);
      return {all, 0};
    }
    ++counters_.flows_dicom;
    if (!dicom_port) ++counters_.flows_dicom_unconfigured_port;
    Session* s = acquire(flow, AppProto::kDicom);
    if (s == nullptr) return refuse(context, data, AppProto::kDicom);
    s->association.start(flow, context.ts, false, dicom_port);
    return s->association.on_data(context, data);
  }

  // Any other port: only an unmistakable A-ASSOCIATE-RQ from the client makes it DICOM.
  if (!config_.detect_on_any_port || midstream || context.direction != Direction::kToServer) {
    flow.app_state = kNotOurs;
    return {all, 0};
  }
  if (data.size() < dicom::kDetectMinBytes && static_cast<std::uint8_t>(data[0]) == 0x01) {
    return {0, static_cast<std::uint32_t>(dicom::kDetectMinBytes)};
  }
  if (!dicom::looks_like_associate_rq(data)) {
    flow.app_state = kNotOurs;
    return {all, 0};
  }
  ++counters_.flows_dicom;
  ++counters_.flows_dicom_unconfigured_port;
  Session* s = acquire(flow, AppProto::kDicom);
  if (s == nullptr) return refuse(context, data, AppProto::kDicom);
  s->association.start(flow, context.ts, false, false);
  return s->association.on_data(context, data);
}

Consumed AppLayer::on_data(const StreamContext& context, ByteView data) {
  void* state = context.flow.app_state;
  const auto all = static_cast<std::uint32_t>(data.size());
  if (state == kNotOurs || state == kEndedReported || state == kRefused) return {all, 0};
  if (state == kEnded) {
    after_end(context);
    return {all, 0};
  }
  if (state == nullptr) {
    const Consumed c = detect(context, data);
    recycle_if_done(context.flow);
    return c;
  }
  // The per-delivery path: the session's own flag says whether it is done, and only then is
  // the general recycle_if_done consulted (a call per delivery cost more than the check).
  Session& s = *static_cast<Session*>(state);
  if (s.proto == AppProto::kDicom) {
    const Consumed c = s.association.on_data(context, data);
    if (s.association.reported()) recycle_if_done(context.flow);
    return c;
  }
  const Consumed c = s.tls.on_data(context, data, tls_scratch_, *this);
  if (s.tls.done()) recycle_if_done(context.flow);
  return c;
}

void AppLayer::recycle_if_done(Flow& flow) {
  void* state = flow.app_state;
  if (state == nullptr || is_sentinel(state)) return;
  Session* s = static_cast<Session*>(state);
  if (s->proto == AppProto::kDicom && s->association.reported()) {
    flow.app_state = kEnded;
  } else if (s->proto == AppProto::kTls && s->tls.done()) {
    flow.app_state = kNotOurs;
  } else {
    return;
  }
  release(s);
}

void AppLayer::after_end(const StreamContext& context) {
  context.flow.app_state = kEndedReported;
  dicom::AnomalyRecord r;
  r.flow = &context.flow;
  r.ts = context.ts;
  r.direction = context.direction;
  r.layer = "dicom.ul";
  r.name = dicom::engine_anomaly_name(dicom::EngineAnomaly::kPduAfterEnd);
  r.message = dicom::engine_anomaly_message(dicom::EngineAnomaly::kPduAfterEnd);
  r.stream_offset = context.offset;
  on_anomaly(r);
}

void AppLayer::on_gap(const StreamContext& context, std::uint64_t bytes) {
  void* state = context.flow.app_state;
  if (state == nullptr || is_sentinel(state)) return;
  Session& s = *static_cast<Session*>(state);
  if (s.proto == AppProto::kDicom) {
    s.association.on_gap(context, bytes);
  } else {
    s.tls.on_gap(context);
  }
}

void AppLayer::on_end(const StreamContext&) {}

void AppLayer::on_flow_end(Flow& flow) {
  void* state = flow.app_state;
  if (state == nullptr || is_sentinel(state)) {
    flow.app_state = nullptr;
    return;
  }
  Session* s = static_cast<Session*>(state);
  flow.app_state = nullptr;
  if (s->proto == AppProto::kDicom) {
    s->association.finish(flow.last_ts);
  } else {
    s->tls.finish(*this);
  }
  release(s);
}

void AppLayer::on_association(const dicom::AssociationRecord& record) {
  ++counters_.associations;
  events_.on_association(record);
}

void AppLayer::on_transaction(const dicom::TransactionRecord& record) {
  ++counters_.transactions;
  events_.on_transaction(record);
}

void AppLayer::on_anomaly(const dicom::AnomalyRecord& record) {
  ++counters_.anomalies;
  events_.on_anomaly(record);
}

void AppLayer::on_tls(const dicom::TlsRecord& record) {
  ++counters_.tls_handshakes;
  events_.on_tls(record);
}

}  // namespace dicomsentry
