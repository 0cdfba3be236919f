// Streams a large mixed capture (bulk DICOM transfers + many short associations) for benchmarks.
#include "benchmark_capture.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <string_view>
#include <vector>

#include "capture/pcap_writer.hpp"
#include "frame_builder.hpp"

namespace dicomsentry::synth {
namespace {

constexpr double kBulkPacketShare = 0.6;
constexpr double kVlanFlowShare = 0.1;
constexpr double kIpv6FlowShare = 0.1;
// Payload per full segment at a 1500-byte MTU with the timestamps option (12 bytes):
// 1500 - 20 (IPv4) - 20 (TCP) - 12 and 1500 - 40 (IPv6) - 20 - 12.
constexpr std::uint32_t kBulkPayloadV4 = 1448;
constexpr std::uint32_t kBulkPayloadV6 = 1428;
constexpr std::uint64_t kBulkPdu = 16384 + 6;  // P-DATA-TF of the common 16 KiB max PDU length
constexpr std::size_t kFillerPeriod = 4096;
constexpr TimestampNs kStart = 1'700'000'000'000'000'000;
constexpr TimestampNs kPacketGap = 1'000;       // 1 Mpps of capture time
constexpr std::uint16_t kServerPorts[] = {104, 11112};

enum class Phase : std::uint8_t { kSyn, kSynAck, kAck, kData, kFinClient, kFinServer, kFinalAck, kDone };

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
  std::uint64_t bulk_offset = 0;
  std::uint64_t bulk_total = 0;
  std::uint8_t unacked = 0;
  std::uint8_t message_index = 0;
  std::uint8_t message_count = 0;
};

class Generator {
 public:
  Generator(PcapWriter& writer, BenchmarkCaptureSummary& summary, std::uint64_t seed)
      : writer_(writer), summary_(summary), rng_(seed) {
    filler_.resize(kFillerPeriod + kBulkPayloadV4);
    for (std::size_t i = 0; i < filler_.size(); ++i) {
      filler_[i] = std::byte{static_cast<std::uint8_t>(0x20 + (i * 7 + i / 97) % 95)};
    }
    payload_.reserve(2048);
    frame_.reserve(2048);
  }

  void run(std::uint64_t min_packets) {
    const std::size_t bulk_slots = std::clamp<std::uint64_t>(min_packets / 4000, 4, 256);
    const std::size_t short_slots = std::clamp<std::uint64_t>(min_packets / 250, 64, 4096);
    std::vector<BenchFlow> bulk(bulk_slots);
    std::vector<BenchFlow> conversations(short_slots);
    for (auto& f : bulk) start(f, true);
    for (auto& f : conversations) start(f, false);
    while (summary_.packets < min_packets) {
      const bool pick_bulk = unit() < kBulkPacketShare;
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
  std::uint32_t between(std::uint32_t lo, std::uint32_t hi) {
    return lo + static_cast<std::uint32_t>(rng_() % (hi - lo + 1));
  }

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
    if (f.ip_version == 4) {
      f.client = ipv4_address(10, b1, b2, b3);
      f.server = ipv4_address(172, 16, static_cast<std::uint8_t>(n % 16), 10);
    } else {
      f.client = ipv6_address({0xfd00, 0, 0, 1, 0, 0, static_cast<std::uint16_t>(n >> 16),
                               static_cast<std::uint16_t>(n)});
      f.server = ipv6_address({0xfd00, 0, 0, 2, 0, 0, 0, static_cast<std::uint16_t>(10 + n % 16)});
    }
    f.client_port = static_cast<std::uint16_t>(32768 + n % 28000);
    f.server_port = kServerPorts[n % 2];
    f.client_mac = {0x02, 0x10, 0x00, b1, b2, b3};
    f.next_seq = {static_cast<std::uint32_t>(rng_()), static_cast<std::uint32_t>(rng_())};
    f.ip_id = {static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(n * 3)};
    if (bulk) {
      const std::uint32_t mss = f.ip_version == 4 ? kBulkPayloadV4 : kBulkPayloadV6;
      f.bulk_total = std::uint64_t{between(200, 2000)} * mss - between(0, mss - 1);
    } else {
      f.message_count = static_cast<std::uint8_t>(4 + 2 * between(1, 4));
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
        if (f.bulk) {
          bulk_step(f);
        } else {
          short_step(f);
        }
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

  void bulk_step(BenchFlow& f) {
    using namespace tcp_flag;
    if (f.unacked >= 2 || (f.unacked > 0 && f.bulk_offset == f.bulk_total)) {
      f.unacked = 0;
      ++summary_.pure_acks;
      send(f, false, kAck);
      return;
    }
    if (f.bulk_offset == f.bulk_total) {
      f.phase = Phase::kFinClient;
      step(f);
      return;
    }
    const std::uint64_t mss = f.ip_version == 4 ? kBulkPayloadV4 : kBulkPayloadV6;
    const std::uint64_t len = std::min(mss, f.bulk_total - f.bulk_offset);
    bulk_payload(f.bulk_offset, len);
    f.bulk_offset += len;
    ++f.unacked;
    send(f, true, kAck | (f.bulk_offset == f.bulk_total ? kPsh : 0));
  }

  // A P-DATA-TF stream of 16 KiB PDUs, one PDV each: filler with the 12 header bytes
  // (type, reserved, PDU length, PDV length, context id, control header) patched in.
  void bulk_payload(std::uint64_t offset, std::uint64_t len) {
    const std::size_t from = offset % kFillerPeriod;
    payload_.assign(filler_.begin() + static_cast<std::ptrdiff_t>(from),
                    filler_.begin() + static_cast<std::ptrdiff_t>(from + len));
    static constexpr std::array<std::uint8_t, 12> kHeader = {
        0x04, 0x00, 0x00, 0x00, 0x40, 0x00,  // P-DATA-TF, length 16384
        0x00, 0x00, 0x3f, 0xfc, 0x01, 0x00}; // PDV length 16380, context 1, data not last
    for (std::uint64_t pdu = offset / kBulkPdu * kBulkPdu; pdu < offset + len; pdu += kBulkPdu) {
      for (std::uint64_t j = 0; j < kHeader.size(); ++j) {
        if (pdu + j >= offset && pdu + j < offset + len) {
          payload_[pdu + j - offset] = std::byte{kHeader[j]};
        }
      }
    }
  }

  // Association-like exchange: RQ/AC, P-DATA request/response pairs, release RQ/RP.
  void short_step(BenchFlow& f) {
    using namespace tcp_flag;
    if (f.message_index == f.message_count) {
      f.phase = Phase::kFinClient;
      step(f);
      return;
    }
    const std::uint8_t i = f.message_index++;
    const bool from_client = i % 2 == 0;
    if (i == 0) {
      association_pdu(0x01, between(200, 600));
    } else if (i == 1) {
      association_pdu(0x02, between(150, 400));
    } else if (i + 2 >= f.message_count) {
      release_pdu(from_client ? 0x05 : 0x06);
    } else {
      data_pdu(between(50, 600));
    }
    send(f, from_client, kAck | kPsh);
  }

  void pdu_header(std::uint8_t type, std::uint32_t size) {
    payload_.assign(filler_.begin(), filler_.begin() + size);
    payload_[0] = std::byte{type};
    payload_[1] = std::byte{0};
    store_be32(2, size - 6);
  }
  void association_pdu(std::uint8_t type, std::uint32_t size) {
    pdu_header(type, size);
    store_be32(6, 0x00010000);  // protocol version 1, reserved
    static constexpr std::string_view kAets = "DICOMSENTRY     SYNTHETIC       ";
    for (std::size_t i = 0; i < kAets.size(); ++i) {
      payload_[10 + i] = std::byte{static_cast<std::uint8_t>(kAets[i])};
    }
  }
  void data_pdu(std::uint32_t size) {
    pdu_header(0x04, size);
    store_be32(6, size - 10);
    payload_[10] = std::byte{1};
    payload_[11] = std::byte{0x03};  // command, last fragment
  }
  void release_pdu(std::uint8_t type) {
    pdu_header(type, 10);
    store_be32(6, 0);
  }
  void store_be32(std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      payload_[at + static_cast<std::size_t>(i)] = std::byte{static_cast<std::uint8_t>(v >> (24 - 8 * i))};
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
  std::vector<std::byte> filler_;
  std::vector<std::byte> payload_;
  std::vector<std::byte> frame_;
  TimestampNs now_ = kStart;
  std::uint64_t flow_number_ = 0;
};

}  // namespace

BenchmarkCaptureSummary write_benchmark_capture(const std::string& path, std::uint64_t min_packets,
                                                std::uint64_t seed) {
  BenchmarkCaptureSummary summary;
  PcapWriter writer(LinkType::kEthernet);
  if (!writer.stream_to(path, summary.error)) return summary;
  Generator(writer, summary, seed).run(min_packets);
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
  return out;
}

}  // namespace dicomsentry::synth
