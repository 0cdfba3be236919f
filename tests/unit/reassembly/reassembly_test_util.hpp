// Helpers for the reassembler tests: a consumer that records every call, and a fixture that
// feeds TCP segments of one flow from byte strings the test keeps alive.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "reassembly/tcp_reassembler.hpp"

namespace dicomsentry::reassembly_test {

constexpr Direction kToServer = Direction::kToServer;
constexpr Direction kToClient = Direction::kToClient;

struct Event {
  enum Kind : std::uint8_t { kData, kGap, kEnd };
  Kind kind;
  Direction direction;
  std::uint64_t offset;
  std::uint64_t length;      // bytes delivered or skipped; 0 for kEnd
  const std::byte* pointer;  // the view handed over (kData)
  friend bool operator==(const Event&, const Event&) = default;
};

inline Event data_event(Direction d, std::uint64_t offset, std::uint64_t length,
                        const std::byte* pointer = nullptr) {
  return {Event::kData, d, offset, length, pointer};
}
inline Event gap_event(Direction d, std::uint64_t offset, std::uint64_t length) {
  return {Event::kGap, d, offset, length, nullptr};
}
inline Event end_event(Direction d, std::uint64_t offset) {
  return {Event::kEnd, d, offset, 0, nullptr};
}

inline std::ostream& operator<<(std::ostream& os, const Event& e) {
  static constexpr const char* kKinds[] = {"data", "gap", "end"};
  return os << kKinds[e.kind] << "(dir=" << static_cast<int>(e.direction) << " off=" << e.offset
            << " len=" << e.length << ")";
}

// Consumes everything; remembers the bytes of each direction and every call in order.
class RecordingConsumer : public StreamConsumer {
 public:
  Consumed on_data(const StreamContext& context, ByteView data) override {
    bytes[static_cast<std::size_t>(context.direction)].append(
        reinterpret_cast<const char*>(data.data()), data.size());
    events.push_back(data_event(context.direction, context.offset, data.size(), data.data()));
    return {static_cast<std::uint32_t>(data.size()), 0};
  }
  void on_gap(const StreamContext& context, std::uint64_t length) override {
    events.push_back(gap_event(context.direction, context.offset, length));
  }
  void on_end(const StreamContext& context) override {
    events.push_back(end_event(context.direction, context.offset));
  }

  // Events with the data pointers blanked, for comparing shapes.
  std::vector<Event> shapes() const {
    std::vector<Event> out = events;
    for (Event& e : out) e.pointer = nullptr;
    return out;
  }
  std::size_t ends(Direction d) const {
    std::size_t n = 0;
    for (const Event& e : events) n += e.kind == Event::kEnd && e.direction == d;
    return n;
  }

  std::string bytes[2];
  std::vector<Event> events;
};

// `count` bytes of a recognisable pattern: byte i is 'a' + (start + i) % 26.
inline std::string pattern(std::size_t start, std::size_t count) {
  std::string s(count, '\0');
  for (std::size_t i = 0; i < count; ++i) s[i] = static_cast<char>('a' + (start + i) % 26);
  return s;
}

// Drives one flow's two streams. Payload strings are stored in a deque so that views into
// them stay valid and pointer equality shows zero-copy delivery.
class ReassemblerFixture {
 public:
  explicit ReassemblerFixture(const ReassemblyConfig& config = ReassemblyConfig{},
                              StreamConsumer* consumer = nullptr)
      : reassembler_(config, consumer != nullptr ? *consumer : recorder_) {}
  ~ReassemblerFixture() { reassembler_.release(flow_); }

  // Sends one segment; returns a pointer to the first byte of the stored payload.
  const std::byte* send(Direction d, std::uint32_t seq, std::string_view payload,
                        std::uint8_t flags = tcp_flag::kPsh, std::uint32_t ack = 0,
                        std::uint32_t wire_length = 0, TimestampNs ts = 1) {
    payloads_.emplace_back(payload);
    const std::string& stored = payloads_.back();
    TcpHeader tcp;
    tcp.seq = seq;
    tcp.ack = ack;
    tcp.flags = flags;
    const ByteView view = as_byte_view(stored);
    reassembler_.on_packet(flow_, d, tcp, view,
                           wire_length != 0 ? wire_length : static_cast<std::uint32_t>(view.size()),
                           ts);
    return view.data();
  }
  // A bare SYN: the reassembler only needs it to place the first data byte at isn + 1.
  void syn(Direction d, std::uint32_t isn) { send(d, isn, {}, tcp_flag::kSyn); }
  void ack(Direction from, std::uint32_t ack_number, std::uint32_t seq = 0) {
    send(from, seq, {}, tcp_flag::kAck, ack_number);
  }

  Flow flow_;
  RecordingConsumer recorder_;
  TcpReassembler reassembler_;
  std::deque<std::string> payloads_;
};

}  // namespace dicomsentry::reassembly_test
