// Whole synthetic TCP conversations (with impairments) and the stream a reassembler must deliver.
#include "synthetic_traffic.hpp"

#include <algorithm>
#include <random>

#include "capture/pcap_writer.hpp"

namespace dicomsentry::synth {
namespace {

constexpr std::uint16_t kSynWindow = 64240;
constexpr std::uint16_t kWindow = 502;  // with window scale 7, as Linux advertises
constexpr std::uint8_t kWindowScale = 7;

int index_of(Direction d) { return static_cast<int>(d); }
Direction other(Direction d) {
  return d == Direction::kClientToServer ? Direction::kServerToClient : Direction::kClientToServer;
}

// One packet before it becomes bytes: the order of these is the capture order.
struct Planned {
  FrameInfo info;
  std::uint8_t flags = 0;
  std::uint32_t ack = 0;
  std::uint16_t ip_id = 0;
  std::uint32_t ts_value = 0;
  std::uint32_t ts_echo = 0;
  std::vector<std::byte> payload;
};

struct Side {
  std::uint32_t isn = 0;
  std::uint64_t next_offset = 0;     // stream offset of the next new byte
  std::uint16_t ip_id = 0;
  std::uint32_t ts_value = 0;
  std::uint32_t unacked_segments = 0;  // data segments this side sent since the peer's last ACK
  std::vector<std::byte> sent;       // every stream byte generated so far (for overlaps)
  std::uint32_t next_seq() const { return static_cast<std::uint32_t>(isn + 1 + next_offset); }
};

class FlowGenerator {
 public:
  explicit FlowGenerator(const FlowSpec& spec) : spec_(spec), rng_(spec.seed) {
    side(Direction::kClientToServer).isn = spec.client_isn;
    side(Direction::kServerToClient).isn = spec.server_isn;
    side(Direction::kClientToServer).ip_id = static_cast<std::uint16_t>(spec.seed * 7919);
    side(Direction::kServerToClient).ip_id = static_cast<std::uint16_t>(spec.seed * 104729 + 1);
  }

  std::vector<Planned> run(FlowCounts& counts) {
    counts_ = &counts;
    if (spec_.handshake) handshake();
    for (const auto& message : spec_.messages) {
      send_message(message);
      flush_delayed();
    }
    close();
    return std::move(out_);
  }

 private:
  Side& side(Direction d) { return sides_[index_of(d)]; }
  // Spelled out rather than std::uniform_real_distribution, whose output the standard leaves
  // to the library: the same seed gives the same capture with any standard library.
  double unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

  Planned control(Direction from, SegmentKind kind, std::uint8_t flags, std::uint32_t seq,
                  std::uint32_t ack) {
    Planned p;
    p.info.direction = from;
    p.info.kind = kind;
    p.info.seq = seq;
    p.flags = flags;
    p.ack = ack;
    stamp(p);
    return p;
  }

  // IP ID and TCP timestamps advance per packet a side sends.
  void stamp(Planned& p) {
    Side& s = side(p.info.direction);
    p.ip_id = s.ip_id++;
    p.ts_value = ++s.ts_value + 1000 * (index_of(p.info.direction) + 1);
    p.ts_echo = side(other(p.info.direction)).ts_value;
  }

  void handshake() {
    using namespace tcp_flag;
    const Side& c = side(Direction::kClientToServer);
    const Side& s = side(Direction::kServerToClient);
    emit(control(Direction::kClientToServer, SegmentKind::kSyn, kSyn, c.isn, 0));
    emit(control(Direction::kServerToClient, SegmentKind::kSynAck, kSyn | kAck, s.isn, c.isn + 1));
    emit(control(Direction::kClientToServer, SegmentKind::kHandshakeAck, kAck, c.isn + 1,
                 s.isn + 1));
  }

  void send_message(const AppMessage& message) {
    const Direction d = message.direction;
    const std::size_t mss = spec_.mss == 0 ? 1 : spec_.mss;
    for (std::size_t at = 0; at < message.bytes.size(); at += mss) {
      const std::size_t len = std::min(mss, message.bytes.size() - at);
      const bool last = at + len == message.bytes.size();
      Side& s = side(d);
      const std::uint64_t offset = s.next_offset;
      Planned p;
      p.info.direction = d;
      p.info.kind = SegmentKind::kData;
      p.info.seq = s.next_seq();
      p.info.stream_offset = offset;
      p.info.payload_length = static_cast<std::uint32_t>(len);
      p.flags = tcp_flag::kAck | (last ? tcp_flag::kPsh : 0);
      p.ack = side(other(d)).next_seq();
      p.payload.assign(message.bytes.begin() + static_cast<std::ptrdiff_t>(at),
                       message.bytes.begin() + static_cast<std::ptrdiff_t>(at + len));
      s.sent.insert(s.sent.end(), p.payload.begin(), p.payload.end());
      s.next_offset += len;
      stamp(p);
      // Every decision is drawn for every segment so one impairment does not shift the others.
      const bool lost = chance(spec_.loss_probability);
      const bool reorder = chance(spec_.reorder_probability);
      const bool retransmit = chance(spec_.retransmit_probability);
      const double overlap_draw = unit();
      const int hold = reorder ? 1 + static_cast<int>(rng_() % 2) : 0;
      const int retransmit_hold = hold + 1 + static_cast<int>(rng_() % 3);
      if (lost) {
        ++counts_->lost_segments;  // missed by the capture: the receiver got it, ACKs cover it
      } else if (reorder) {
        p.info.reordered = true;
        delay(p, hold);
      }
      if (!lost && retransmit) {
        Planned dup = p;
        dup.info.kind = SegmentKind::kRetransmission;
        dup.info.reordered = false;
        delay(std::move(dup), retransmit_hold);
      }
      if (offset > 0) maybe_overlap(d, offset, len, overlap_draw);
      last_length_[index_of(d)] = len;
      if (!lost && !reorder) emit(std::move(p));
      // Loss is capture loss: the receiver got the segment, so it still counts toward ACKs.
      if (spec_.ack_every != 0 && ++s.unacked_segments >= spec_.ack_every) {
        s.unacked_segments = 0;
        const Side& r = side(other(d));
        ack(control(other(d), SegmentKind::kPureAck, tcp_flag::kAck, r.next_seq(), s.next_seq()));
      }
    }
  }

  // A segment over the seam between the previous segment and this one: the second half of
  // the previous segment and the first half of this one, sent after both.
  void maybe_overlap(Direction d, std::uint64_t offset, std::size_t len, double draw) {
    const double conflict = spec_.overlap_conflict_probability;
    const bool conflicting = draw < conflict;
    if (!conflicting && !(draw < conflict + spec_.overlap_probability)) return;
    Side& s = side(d);
    const std::uint64_t previous_length = std::min<std::uint64_t>(offset, last_length_[index_of(d)]);
    const std::uint64_t begin = offset - (previous_length + 1) / 2;
    const std::uint64_t end = offset + (len + 1) / 2;
    Planned p;
    p.info.direction = d;
    p.info.kind = conflicting ? SegmentKind::kConflictingOverlap : SegmentKind::kOverlap;
    p.info.seq = static_cast<std::uint32_t>(s.isn + 1 + begin);
    p.info.stream_offset = begin;
    p.info.payload_length = static_cast<std::uint32_t>(end - begin);
    p.flags = tcp_flag::kAck;
    p.ack = side(other(d)).next_seq();
    p.payload.assign(s.sent.begin() + static_cast<std::ptrdiff_t>(begin),
                     s.sent.begin() + static_cast<std::ptrdiff_t>(end));
    if (conflicting) {
      for (auto& b : p.payload) b = ~b;
    }
    stamp(p);
    // Three packets later: after this segment and a held-back previous one (holds are <= 2).
    delay(std::move(p), 3);
  }

  void close() {
    using namespace tcp_flag;
    flush_delayed();
    const Side& c = side(Direction::kClientToServer);
    const Side& s = side(Direction::kServerToClient);
    const auto c2s = Direction::kClientToServer;
    const auto s2c = Direction::kServerToClient;
    if (spec_.close == CloseKind::kFin) {
      emit(control(c2s, SegmentKind::kFin, kFin | kAck, c.next_seq(), s.next_seq()));
      emit(control(s2c, SegmentKind::kFin, kFin | kAck, s.next_seq(), c.next_seq() + 1));
      emit(control(c2s, SegmentKind::kFinalAck, kAck, c.next_seq() + 1, s.next_seq() + 1));
    } else if (spec_.close == CloseKind::kRst) {
      emit(control(c2s, SegmentKind::kRst, kRst | kAck, c.next_seq(), s.next_seq()));
    }
  }

  // A pure ACK covers every byte sent so far, so it waits for held-back segments it covers:
  // a capture never shows data being acknowledged before the data itself.
  void ack(Planned p) {
    int wait = 0;
    for (const auto& held : delayed_) {
      if (held.packet.info.kind == SegmentKind::kData && held.packet.info.direction != p.info.direction) {
        wait = std::max(wait, held.countdown);
      }
    }
    if (wait > 0) {
      delay(std::move(p), wait);
    } else {
      emit(std::move(p));
    }
  }

  void delay(Planned p, int packets) { delayed_.push_back({packets, std::move(p)}); }

  // Appends in capture order, then releases held packets whose turn has come.
  void emit(Planned p) {
    out_.push_back(std::move(p));
    for (auto& held : delayed_) --held.countdown;
    auto due = [](const Held& h) { return h.countdown <= 0; };
    for (auto& held : delayed_) {
      if (due(held)) out_.push_back(std::move(held.packet));
    }
    delayed_.erase(std::remove_if(delayed_.begin(), delayed_.end(), due), delayed_.end());
  }

  void flush_delayed() {
    for (auto& held : delayed_) out_.push_back(std::move(held.packet));
    delayed_.clear();
  }

  struct Held {
    int countdown = 0;
    Planned packet;
  };

  const FlowSpec& spec_;
  std::mt19937_64 rng_;
  std::array<Side, 2> sides_{};
  std::array<std::uint64_t, 2> last_length_{};
  FlowCounts* counts_ = nullptr;
  std::vector<Planned> out_;
  std::vector<Held> delayed_;
};

FrameSpec frame_spec(const FlowSpec& flow, const std::vector<VlanTag>& vlans, const Planned& p) {
  const bool c2s = p.info.direction == Direction::kClientToServer;
  FrameSpec f;
  f.src_mac = c2s ? flow.client_mac : flow.server_mac;
  f.dst_mac = c2s ? flow.server_mac : flow.client_mac;
  f.vlans = vlans;
  f.ip_version = flow.ip_version;
  f.src_ip = c2s ? flow.client_ip : flow.server_ip;
  f.dst_ip = c2s ? flow.server_ip : flow.client_ip;
  f.ttl = c2s ? 64 : 128;
  f.ipv4_id = p.ip_id;
  if (flow.ip_version == 6) f.ipv6_extensions = flow.ipv6_extensions;
  f.src_port = c2s ? flow.client_port : flow.server_port;
  f.dst_port = c2s ? flow.server_port : flow.client_port;
  f.tcp.seq = p.info.seq;
  f.tcp.ack = p.ack;
  f.tcp.flags = p.flags;
  const bool syn = (p.flags & tcp_flag::kSyn) != 0;
  f.tcp.window = syn ? kSynWindow : kWindow;
  if (syn) {
    f.tcp.options.mss = flow.mss;
    f.tcp.options.sack_permitted = true;
    f.tcp.options.window_scale = kWindowScale;
  }
  f.tcp.options.has_timestamps = flow.tcp_timestamps;
  f.tcp.options.ts_value = p.ts_value;
  f.tcp.options.ts_echo = p.ts_echo;
  f.payload = p.payload;
  return f;
}

}  // namespace

SyntheticFlow make_flow(const FlowSpec& spec) {
  SyntheticFlow flow;
  std::vector<Planned> planned = FlowGenerator(spec).run(flow.counts);
  std::vector<VlanTag> vlans;
  for (std::size_t i = 0; i < spec.vlans.size(); ++i) {
    const bool inner = i + 1 == spec.vlans.size();
    vlans.push_back({spec.vlans[i], inner ? kTpidDot1q : kTpidDot1ad, 0});
  }
  flow.frames.resize(planned.size());
  flow.info.resize(planned.size());
  for (std::size_t i = 0; i < planned.size(); ++i) {
    const FrameSpec f = frame_spec(spec, vlans, planned[i]);
    flow.frames[i].ts = spec.start_time + static_cast<TimestampNs>(i) * spec.gap;
    build_frame(f, flow.frames[i].bytes);
    flow.info[i] = planned[i].info;
    flow.info[i].payload_offset = static_cast<std::uint32_t>(payload_offset(f));
  }
  recompute_expected(flow);
  return flow;
}

void recompute_expected(SyntheticFlow& flow) {
  FlowCounts counts;
  counts.lost_segments = flow.counts.lost_segments;  // not visible in the frames
  counts.frames = flow.frames.size();
  for (const auto& info : flow.info) {
    counts.data_segments += info.kind == SegmentKind::kData;
    counts.reordered += info.reordered;
    counts.retransmissions += info.kind == SegmentKind::kRetransmission;
    counts.overlaps += info.kind == SegmentKind::kOverlap;
    counts.conflicting_overlaps += info.kind == SegmentKind::kConflictingOverlap;
    counts.pure_acks += info.kind == SegmentKind::kPureAck;
  }
  flow.counts = counts;

  for (const Direction d : {Direction::kClientToServer, Direction::kServerToClient}) {
    ExpectedStream stream;
    const SegmentKind syn = d == Direction::kClientToServer ? SegmentKind::kSyn
                                                             : SegmentKind::kSynAck;
    bool anchored = false;
    for (const auto& info : flow.info) {
      if (info.direction == d && info.kind == syn) {
        stream.start_seq = info.seq + 1;
        anchored = true;
        break;
      }
    }
    for (std::size_t i = 0; i < flow.info.size() && !anchored; ++i) {
      if (flow.info[i].direction == d && flow.info[i].payload_length > 0) {
        stream.start_seq = flow.info[i].seq;
        anchored = true;
      }
    }
    // Offsets relative to the anchor; a sequence number "before" it is negative (RFC 1982).
    auto relative = [&](std::uint32_t seq) {
      return static_cast<std::int64_t>(static_cast<std::int32_t>(seq - stream.start_seq));
    };
    std::int64_t end = 0;
    for (const auto& info : flow.info) {
      if (info.direction != d) continue;
      if (info.kind == SegmentKind::kFin) {
        stream.fin = true;
        end = std::max<std::int64_t>(relative(info.seq), 0);
        break;
      }
      end = std::max(end, relative(info.seq) + info.payload_length);
    }
    if (!anchored) end = 0;
    std::vector<std::byte> first(static_cast<std::size_t>(end));
    std::vector<bool> seen(static_cast<std::size_t>(end), false);
    for (std::size_t i = 0; i < flow.info.size(); ++i) {
      const auto& info = flow.info[i];
      if (info.direction != d || info.payload_length == 0) continue;
      const std::int64_t begin = relative(info.seq);
      const std::int64_t from = std::max<std::int64_t>(begin, 0);
      const std::int64_t to = std::min<std::int64_t>(begin + info.payload_length, end);
      const std::byte* payload = flow.frames[i].bytes.data() + info.payload_offset;
      for (std::int64_t at = from; at < to; ++at) {
        const auto k = static_cast<std::size_t>(at);
        if (!seen[k]) {
          seen[k] = true;
          first[k] = payload[at - begin];
        }
      }
    }
    stream.length = static_cast<std::uint64_t>(end);
    for (std::size_t k = 0; k < seen.size(); ++k) {
      if (seen[k]) {
        stream.bytes.push_back(first[k]);
      } else if (!stream.gaps.empty() && stream.gaps.back().offset + stream.gaps.back().length == k) {
        ++stream.gaps.back().length;
      } else {
        stream.gaps.push_back({k, 1});
      }
    }
    flow.expected[index_of(d)] = std::move(stream);
  }
}

SyntheticFlow drop_first_frames(const SyntheticFlow& flow, std::size_t k) {
  SyntheticFlow out;
  const std::size_t from = std::min(k, flow.frames.size());
  out.frames.assign(flow.frames.begin() + static_cast<std::ptrdiff_t>(from), flow.frames.end());
  out.info.assign(flow.info.begin() + static_cast<std::ptrdiff_t>(from), flow.info.end());
  out.counts.lost_segments = flow.counts.lost_segments;
  recompute_expected(out);
  return out;
}

std::vector<const Frame*> interleave(const std::vector<SyntheticFlow>& flows) {
  std::vector<const Frame*> order;
  for (const auto& flow : flows) {
    for (const auto& frame : flow.frames) order.push_back(&frame);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Frame* a, const Frame* b) { return a->ts < b->ts; });
  return order;
}

std::vector<Frame> fragment_ipv4(const Frame& frame, std::size_t first_bytes, std::uint16_t id) {
  constexpr std::size_t kEthernet = 14;
  const std::vector<std::byte>& b = frame.bytes;
  if (b.size() < kEthernet + 20 || b[12] != std::byte{0x08} || b[13] != std::byte{0x00}) return {frame};
  const std::size_t header = (std::to_integer<std::size_t>(b[kEthernet]) & 0x0f) * 4;
  const std::size_t total = (std::to_integer<std::size_t>(b[kEthernet + 2]) << 8) |
                            std::to_integer<std::size_t>(b[kEthernet + 3]);
  const std::size_t payload = total - header;
  const std::size_t first = std::max<std::size_t>(8, first_bytes / 8 * 8);
  if (total > b.size() - kEthernet || header < 20 || payload <= first) return {frame};
  auto piece = [&](std::size_t from, std::size_t length, bool more, TimestampNs ts) {
    Frame f;
    f.ts = ts;
    f.bytes.assign(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(kEthernet + header));
    const auto start = b.begin() + static_cast<std::ptrdiff_t>(kEthernet + header + from);
    f.bytes.insert(f.bytes.end(), start, start + static_cast<std::ptrdiff_t>(length));
    std::byte* ip = f.bytes.data() + kEthernet;
    const std::size_t ip_length = header + length;
    const std::uint16_t flags_offset = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (from / 8));
    ip[2] = static_cast<std::byte>(ip_length >> 8);
    ip[3] = static_cast<std::byte>(ip_length);
    ip[4] = static_cast<std::byte>(id >> 8);
    ip[5] = static_cast<std::byte>(id);
    ip[6] = static_cast<std::byte>(flags_offset >> 8);
    ip[7] = static_cast<std::byte>(flags_offset);
    ip[10] = ip[11] = std::byte{0};
    const std::uint16_t checksum = internet_checksum(ByteView(ip, header));
    ip[10] = static_cast<std::byte>(checksum >> 8);
    ip[11] = static_cast<std::byte>(checksum);
    return f;
  };
  return {piece(0, first, true, frame.ts), piece(first, payload - first, false, frame.ts + 1)};
}

bool write_pcap(const std::string& path, const std::vector<SyntheticFlow>& flows,
                std::string* error) {
  std::string message;
  PcapWriter writer(LinkType::kEthernet);
  bool ok = writer.stream_to(path, message);
  if (ok) {
    for (const Frame* frame : interleave(flows)) writer.add(frame->ts, frame->bytes);
    ok = writer.finish(message);
  }
  if (!ok && error != nullptr) *error = message;
  return ok;
}

}  // namespace dicomsentry::synth
