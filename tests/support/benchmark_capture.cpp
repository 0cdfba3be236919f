// Streams a large mixed capture (C-STORE transfers + many short C-ECHO/C-FIND associations).
#include "benchmark_capture.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include "benchmark_associations.hpp"
#include "capture/pcap_writer.hpp"
#include "frame_builder.hpp"

namespace dicomsentry::synth {
namespace {

constexpr double kVlanFlowShare = 0.1;
constexpr double kIpv6FlowShare = 0.1;
constexpr double kEchoShare = 0.4;  // of the short associations; the others are C-FIND queries
// Payload per full segment at a 1500-byte MTU with the timestamps option (12 bytes):
// 1500 - 20 (IPv4) - 20 (TCP) - 12 and 1500 - 40 (IPv6) - 20 - 12.
constexpr std::uint32_t kPayloadV4 = 1448;
constexpr std::uint32_t kPayloadV6 = 1428;
constexpr TimestampNs kStart = 1'700'000'000'000'000'000;
constexpr TimestampNs kPacketGap = 1'000;  // 1 Mpps of capture time
constexpr std::uint16_t kServerPorts[] = {104, 11112};

enum class Phase : std::uint8_t {
  kSyn,
  kSynAck,
  kAck,
  kData,
  kFinClient,
  kFinServer,
  kFinalAck,
  kDone
};

struct BenchFlow {
  bool bulk = false;
  Phase phase = Phase::kDone;
  std::uint8_t ip_version = 4;
  bool tagged = false;
  VlanTag vlan;
  IpAddress client;
  IpAddress server;
  std::uint16_t client_port = 0;
  std::uint16_t server_port = 0;
  MacAddress client_mac{};
  std::array<std::uint32_t, 2> next_seq{};  // [0] client, [1] server
  std::array<std::uint16_t, 2> ip_id{};
  Association association;  // what the two peers send, turn by turn
  std::size_t turn = 0;
  std::uint64_t turn_offset = 0;                  // bytes of the current turn already sent
  Direction sender = Direction::kClientToServer;  // of the last data segment
  std::uint8_t unacked = 0;  // the sender's segments since the receiver's last ACK
};

class Generator {
 public:
  Generator(PcapWriter& writer, BenchmarkCaptureSummary& summary, std::uint64_t seed,
            double bulk_share)
      : writer_(writer), summary_(summary), rng_(seed), bulk_share_(bulk_share) {
    payload_.reserve(2048);
    frame_.reserve(2048);
  }

  void run(std::uint64_t min_packets) {
    // A handful of modalities send at once: each C-STORE association is thousands of packets,
    // and more slots would leave most of them unfinished when the capture ends.
    const std::size_t bulk_slots = std::clamp<std::uint64_t>(min_packets / 40000, 2, 64);
    const std::size_t short_slots = std::clamp<std::uint64_t>(min_packets / 250, 64, 4096);
    std::vector<BenchFlow> bulk(bulk_slots);
    std::vector<BenchFlow> conversations(short_slots);
    for (auto& f : bulk) start(f, true);
    for (auto& f : conversations) start(f, false);
    while (summary_.packets < min_packets) {
      const bool pick_bulk = unit() < bulk_share_;
      auto& pool = pick_bulk ? bulk : conversations;
      BenchFlow& f = pool[rng_() % pool.size()];
      step(f);
      if (f.phase == Phase::kDone) start(f, pick_bulk);
    }
    for (auto* pool : {&bulk, &conversations}) {
      for (auto& f : *pool) close(f);
    }
  }

 private:
  double unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

  void start(BenchFlow& f, bool bulk) {
    const auto n = static_cast<std::uint32_t>(flow_number_++);
    f = BenchFlow{};
    f.bulk = bulk;
    f.phase = Phase::kSyn;
    f.ip_version = unit() < kIpv6FlowShare ? 6 : 4;
    f.tagged = unit() < kVlanFlowShare;
    f.vlan.id = static_cast<std::uint16_t>(100 + n % 8);
    // Every flow has its own client address, so the 5-tuples never repeat.
    const auto b1 = static_cast<std::uint8_t>(n >> 16);
    const auto b2 = static_cast<std::uint8_t>(n >> 8);
    const auto b3 = static_cast<std::uint8_t>(n);
    // Servers: 16 archives (host 20) receive the C-STORE flows, 16 others (host 10) the rest.
    const std::uint8_t host = bulk ? 20 : 10;
    if (f.ip_version == 4) {
      f.client = ipv4_address(10, b1, b2, b3);
      f.server = ipv4_address(172, 16, static_cast<std::uint8_t>(n % 16), host);
    } else {
      f.client = ipv6_address({0xfd00, 0, 0, 1, 0, 0, static_cast<std::uint16_t>(n >> 16),
                               static_cast<std::uint16_t>(n)});
      f.server =
          ipv6_address({0xfd00, 0, 0, 2, 0, 0, host, static_cast<std::uint16_t>(10 + n % 16)});
    }
    f.client_port = static_cast<std::uint16_t>(32768 + n % 28000);
    f.server_port = kServerPorts[n % 2];
    f.client_mac = {0x02, 0x10, 0x00, b1, b2, b3};
    f.next_seq = {static_cast<std::uint32_t>(rng_()), static_cast<std::uint32_t>(rng_())};
    f.ip_id = {static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(n * 3)};
    if (bulk) {
      f.association = store_association(rng_, n);
    } else if (unit() < kEchoShare) {
      f.association = echo_association(rng_, n);
    } else {
      f.association = find_association(rng_, n);
    }
  }

  // A flow counts once its SYN is out: a slot refilled just before the end sends nothing.
  void count_flow(const BenchFlow& f) {
    ++summary_.flows;
    ++(f.bulk ? summary_.bulk_flows : summary_.short_flows);
    summary_.vlan_flows += f.tagged;
    summary_.ipv6_flows += f.ip_version == 6;
  }

  // Emits the flow's next packet and advances its phase.
  void step(BenchFlow& f) {
    using namespace tcp_flag;
    payload_.clear();
    switch (f.phase) {
      case Phase::kSyn:
        count_flow(f);
        send(f, true, kSyn);
        f.phase = Phase::kSynAck;
        return;
      case Phase::kSynAck:
        send(f, false, kSyn | kAck);
        f.phase = Phase::kAck;
        return;
      case Phase::kAck:
        send(f, true, kAck);
        f.phase = Phase::kData;
        return;
      case Phase::kData:
        data_step(f);
        return;
      case Phase::kFinClient:
        send(f, true, kFin | kAck);
        f.phase = Phase::kFinServer;
        return;
      case Phase::kFinServer:
        send(f, false, kFin | kAck);
        f.phase = Phase::kFinalAck;
        return;
      case Phase::kFinalAck:
        send(f, true, kAck);
        f.phase = Phase::kDone;
        return;
      case Phase::kDone:
        return;
    }
  }

  // The next packet of the association: a pure ACK from the receiver after every second
  // segment of a sender (Linux's delayed ACK), else the next segment of the current turn, cut
  // at the MSS wherever that falls in its PDUs. A turn from the other peer carries the ACK.
  void data_step(BenchFlow& f) {
    using namespace tcp_flag;
    if (f.unacked >= 2) {
      f.unacked = 0;
      ++summary_.pure_acks;
      send(f, f.sender == Direction::kServerToClient, kAck);
      return;
    }
    if (f.turn == f.association.size()) {
      f.phase = Phase::kFinClient;
      step(f);
      return;
    }
    const Turn& t = f.association[f.turn];
    if (t.from != f.sender) {
      f.sender = t.from;
      f.unacked = 0;
    }
    const std::uint64_t mss = f.ip_version == 4 ? kPayloadV4 : kPayloadV6;
    const std::uint64_t length = t.length();
    payload_.resize(static_cast<std::size_t>(std::min(mss, length - f.turn_offset)));
    t.write(f.turn_offset, payload_);
    f.turn_offset += payload_.size();
    ++f.unacked;
    const bool last = f.turn_offset == length;
    send(f, t.from == Direction::kClientToServer, kAck | (last ? kPsh : 0));
    if (last) {
      count_turn(t);
      ++f.turn;
      f.turn_offset = 0;
    }
  }

  // A turn counts once its last byte is in the capture.
  void count_turn(const Turn& t) {
    BenchmarkCaptureSummary& s = summary_;
    switch (t.kind) {
      case TurnKind::kAssociateRq:
        ++s.associations;
        return;
      case TurnKind::kAssociateAc:
        return;
      case TurnKind::kEchoRq:
        ++s.c_echo_rq;
        return;
      case TurnKind::kEchoRsp:
        ++s.c_echo_rsp;
        return;
      case TurnKind::kStoreRq:
        ++s.c_store_rq;
        s.c_store_bytes += t.data_set_length();
        return;
      case TurnKind::kStoreRsp:
        ++s.c_store_rsp;
        return;
      case TurnKind::kFindRq:
        ++s.c_find_rq;
        return;
      case TurnKind::kFindRsp:
        ++s.c_find_rsp;
        return;
      case TurnKind::kReleaseRq:
        return;
      case TurnKind::kReleaseRp:
        ++s.releases;
        return;
    }
  }

  // Ends an open flow at the end of the capture: FIN exchange, or RST before the handshake.
  void close(BenchFlow& f) {
    if (f.phase == Phase::kDone || f.phase == Phase::kSyn) return;
    if (f.phase == Phase::kSynAck || f.phase == Phase::kAck) {
      payload_.clear();
      send(f, true, tcp_flag::kRst | tcp_flag::kAck);
      f.phase = Phase::kDone;
      return;
    }
    if (f.phase == Phase::kData) f.phase = Phase::kFinClient;
    for (int guard = 0; guard < 3 && f.phase != Phase::kDone; ++guard) step(f);
  }

  void send(BenchFlow& f, bool from_client, std::uint8_t flags) {
    const int s = from_client ? 0 : 1;
    const int r = 1 - s;
    const bool syn = (flags & tcp_flag::kSyn) != 0;
    const MacAddress server_mac{0x02, 0x20, 0x00, 0x00, 0x00, 0x01};
    FrameSpec spec;
    spec.src_mac = from_client ? f.client_mac : server_mac;
    spec.dst_mac = from_client ? server_mac : f.client_mac;
    if (f.tagged) spec.vlans = std::span<const VlanTag>(&f.vlan, 1);
    spec.ip_version = f.ip_version;
    spec.src_ip = from_client ? f.client : f.server;
    spec.dst_ip = from_client ? f.server : f.client;
    spec.ttl = from_client ? 64 : 63;
    spec.ipv4_id = f.ip_id[s]++;
    spec.src_port = from_client ? f.client_port : f.server_port;
    spec.dst_port = from_client ? f.server_port : f.client_port;
    spec.tcp.seq = f.next_seq[s];
    spec.tcp.ack = f.phase == Phase::kSyn ? 0 : f.next_seq[r];
    spec.tcp.flags = flags;
    spec.tcp.window = syn ? 64240 : 502;
    if (syn) {
      spec.tcp.options.mss = f.ip_version == 4 ? 1460 : 1440;
      spec.tcp.options.sack_permitted = true;
      spec.tcp.options.window_scale = 7;
    }
    spec.tcp.options.has_timestamps = true;
    spec.tcp.options.ts_value = static_cast<std::uint32_t>(now_ / 1'000'000);
    spec.tcp.options.ts_echo = syn && from_client ? 0 : spec.tcp.options.ts_value - 1;
    spec.payload = payload_;
    build_frame(spec, frame_);
    // SYN and FIN take one sequence number each.
    f.next_seq[s] += static_cast<std::uint32_t>(payload_.size()) +
                     ((flags & (tcp_flag::kSyn | tcp_flag::kFin)) != 0 ? 1 : 0);
    writer_.add(now_, frame_);
    now_ += kPacketGap;
    ++summary_.packets;
    summary_.bytes += frame_.size();
    summary_.tcp_payload_bytes += payload_.size();
    (f.bulk ? summary_.bulk_packets : summary_.short_packets) += 1;
  }

  PcapWriter& writer_;
  BenchmarkCaptureSummary& summary_;
  std::mt19937_64 rng_;
  std::vector<std::byte> payload_;
  std::vector<std::byte> frame_;
  TimestampNs now_ = kStart;
  std::uint64_t flow_number_ = 0;
  double bulk_share_;
};

}  // namespace

BenchmarkCaptureSummary write_benchmark_capture(const std::string& path, std::uint64_t min_packets,
                                                std::uint64_t seed, double bulk_share) {
  BenchmarkCaptureSummary summary;
  PcapWriter writer(LinkType::kEthernet);
  if (!writer.stream_to(path, summary.error)) return summary;
  Generator(writer, summary, seed, std::clamp(bulk_share, 0.0, 1.0)).run(min_packets);
  summary.ok = writer.finish(summary.error);
  return summary;
}

std::string describe(const BenchmarkCaptureSummary& s) {
  if (!s.ok) return "error: " + s.error;
  std::string out;
  const auto field = [&out](const char* name, std::uint64_t value) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += std::to_string(value);
  };
  field("packets", s.packets);
  field("bytes", s.bytes);
  field("flows", s.flows);
  field("tcp_payload_bytes", s.tcp_payload_bytes);
  field("bulk_packets", s.bulk_packets);
  field("short_packets", s.short_packets);
  field("bulk_flows", s.bulk_flows);
  field("short_flows", s.short_flows);
  field("vlan_flows", s.vlan_flows);
  field("ipv6_flows", s.ipv6_flows);
  field("pure_acks", s.pure_acks);
  field("associations", s.associations);
  field("releases", s.releases);
  field("c_echo_rq", s.c_echo_rq);
  field("c_echo_rsp", s.c_echo_rsp);
  field("c_store_rq", s.c_store_rq);
  field("c_store_rsp", s.c_store_rsp);
  field("c_store_bytes", s.c_store_bytes);
  field("c_find_rq", s.c_find_rq);
  field("c_find_rsp", s.c_find_rsp);
  return out;
}

}  // namespace dicomsentry::synth
