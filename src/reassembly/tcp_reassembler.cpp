// TCP stream reassembly. Sequence arithmetic is modulo 2^32 through signed differences, so
// wrap-around needs no special case; stream offsets are 64-bit.
//
// Overlap policy: the first copy of a byte that the reassembler saw wins (Snort's "first").
// Bytes already delivered cannot be compared (they are not kept), so a segment that only
// repeats delivered bytes counts as a retransmission; overlaps with held (undelivered) bytes
// are compared, and a difference counts as an overlap conflict.
#include "reassembly/tcp_reassembler.hpp"

#include <algorithm>
#include <cstring>

namespace dicomsentry {

namespace {

std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b); }

// Segments further than this from the expected sequence number belong to no plausible
// window (the largest scaled TCP window is 2^30) and are dropped as out of window.
constexpr std::int32_t kMaxAhead = 1 << 30;

}  // namespace

TcpReassembler::TcpReassembler(const ReassemblyConfig& config, StreamConsumer& consumer)
    : config_(config), consumer_(consumer), pool_(config.memcap_bytes) {}

TcpReassembler::~TcpReassembler() = default;

StreamExtra* TcpReassembler::extra_of(StreamState& stream) {
  if (stream.extra == nullptr) stream.extra = pool_.allocate_extra();
  return stream.extra;
}

void TcpReassembler::release_extra_if_idle(StreamState& stream) {
  if (stream.extra != nullptr && stream.extra->held == nullptr && stream.extra->stash_size == 0) {
    pool_.release_extra(stream.extra);
    stream.extra = nullptr;
  }
}

void TcpReassembler::on_packet(Flow& flow, Direction direction, const TcpHeader& tcp,
                               ByteView payload, std::uint32_t wire_length, TimestampNs ts) {
  wire_length = std::max<std::uint32_t>(wire_length, static_cast<std::uint32_t>(payload.size()));
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  const bool syn = tcp.flags & tcp_flag::kSyn;
  const std::uint32_t seq = tcp.seq + (syn ? 1 : 0);  // the SYN occupies one sequence number
  if (!(stream.flags & StreamState::kInitialized)) {
    stream.next_seq = seq;
    stream.flags |= StreamState::kInitialized | (syn ? 0 : StreamState::kMidstream);
  }
  if ((tcp.flags & tcp_flag::kFin) && !(stream.flags & StreamState::kFinSeen)) {
    stream.fin_seq = seq + wire_length;
    stream.flags |= StreamState::kFinSeen;
  }
  if (!payload.empty() && !(stream.flags & StreamState::kEnded)) {
    on_payload(flow, direction, seq, payload, ts);
  }
  if (wire_length > payload.size() && !(stream.flags & StreamState::kEnded) &&
      seq_diff(seq + static_cast<std::uint32_t>(payload.size()), stream.next_seq) == 0) {
    ++counters_.gaps_by_snaplen;
    skip_to(flow, direction, seq + wire_length, ts);
  }
  if (tcp.flags & tcp_flag::kAck) check_ack(flow, opposite(direction), tcp.ack, ts);
  if (tcp.flags & tcp_flag::kRst) {
    // An observer takes RST at its word: both directions are over.
    on_flow_end(flow, ts);
    return;
  }
  maybe_end(flow, direction, ts);
}

void TcpReassembler::on_payload(Flow& flow, Direction direction, std::uint32_t seq,
                                ByteView payload, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  ++counters_.segments;
  const std::int32_t delta = seq_diff(seq, stream.next_seq);
  if (delta > kMaxAhead || delta < -kMaxAhead) {
    ++counters_.out_of_window;
    return;
  }
  if (delta > 0) {
    ++counters_.out_of_order;
    hold(flow, direction, seq, payload, ts);
    return;
  }
  const auto behind = static_cast<std::uint32_t>(-delta);
  if (behind >= payload.size()) {
    ++counters_.retransmissions;
    ++stream.retransmissions;
    return;
  }
  if (behind > 0) {
    ++counters_.overlaps;
    ++stream.overlaps;
    payload = payload.subspan(behind);
  }
  ++counters_.in_order;
  deliver_in_order(flow, direction, payload, ts);
}

void TcpReassembler::deliver_in_order(Flow& flow, Direction direction, ByteView data,
                                      TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  while (!data.empty()) {
    HeldSegment* held = stream.extra != nullptr ? stream.extra->held : nullptr;
    if (held == nullptr) {
      deliver(flow, direction, data, ts);  // the common case: a view into the packet
      break;
    }
    const std::int32_t start = seq_diff(held->seq, stream.next_seq);
    if (start > 0) {
      const ByteView piece = data.first(std::min<std::size_t>(static_cast<std::uint32_t>(start), data.size()));
      deliver(flow, direction, piece, ts);
      data = data.subspan(piece.size());
      continue;
    }
    // A held copy covers next_seq: it was seen first, so it wins; compare the newcomer.
    const auto skip = static_cast<std::uint32_t>(-start);
    const std::uint32_t available = held->length - skip;
    const std::size_t overlap = std::min<std::size_t>(available, data.size());
    ++counters_.overlaps;
    ++stream.overlaps;
    if (std::memcmp(held->data() + skip, data.data(), overlap) != 0) {
      ++counters_.overlap_conflicts;
      ++stream.overlap_conflicts;
    }
    StreamExtra& extra = *stream.extra;
    extra.held = held->next;
    extra.held_bytes -= held->length;
    --extra.held_count;
    deliver(flow, direction, ByteView(held->data() + skip, available), ts);
    pool_.release_segment(held);
    data = data.subspan(overlap);
  }
  drain_held(flow, direction, ts);
}

void TcpReassembler::drain_held(Flow& flow, Direction direction, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  while (stream.extra != nullptr && stream.extra->held != nullptr) {
    HeldSegment* held = stream.extra->held;
    if (seq_diff(held->seq, stream.next_seq) > 0) break;
    StreamExtra& extra = *stream.extra;
    extra.held = held->next;
    extra.held_bytes -= held->length;
    --extra.held_count;
    const std::int32_t end = seq_diff(held->seq + held->length, stream.next_seq);
    if (end > 0) {
      const auto fresh = static_cast<std::uint32_t>(end);
      deliver(flow, direction, ByteView(held->data() + (held->length - fresh), fresh), ts);
    }
    pool_.release_segment(held);
  }
  release_extra_if_idle(stream);
}

void TcpReassembler::deliver(Flow& flow, Direction direction, ByteView data, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  std::uint64_t position = stream.offset;  // stream offset of data[0]
  stream.next_seq += static_cast<std::uint32_t>(data.size());
  stream.offset += data.size();
  counters_.bytes_delivered += data.size();

  // First complete a pending stash: the consumer asked to see `need` bytes at once.
  StreamExtra* extra = stream.extra;
  while (extra != nullptr && extra->stash_size > 0) {
    if (extra->stash_size < extra->need) {
      const std::size_t take = std::min<std::size_t>(extra->need - extra->stash_size, data.size());
      std::memcpy(extra->stash + extra->stash_size, data.data(), take);
      extra->stash_size += static_cast<std::uint32_t>(take);
      counters_.stash_copies += take;
      data = data.subspan(take);
      position += take;
      if (extra->stash_size < extra->need) return;  // wait for more bytes
    }
    const StreamContext context{flow, direction, ts, position - extra->stash_size};
    const Consumed consumed = consumer_.on_data(context, ByteView(extra->stash, extra->stash_size));
    const std::uint32_t used = std::min(consumed.bytes, extra->stash_size);
    const std::uint32_t left = extra->stash_size - used;
    if (left == 0) {
      extra->stash_size = 0;
      break;
    }
    std::memmove(extra->stash, extra->stash + used, left);
    extra->stash_size = left;
    if (!set_need(*extra, used, consumed.need, left)) {
      // The consumer will not progress on these bytes: drop them, and say so, so that it
      // does not take the bytes after them for their continuation.
      extra->stash_size = 0;
      drop_stalled(flow, direction, ts, position - left, left);
      break;
    }
  }

  // Then hand the rest over as a view, stashing only what the consumer cannot judge yet.
  while (!data.empty()) {
    const StreamContext context{flow, direction, ts, position};
    const Consumed consumed = consumer_.on_data(context, data);
    const std::size_t used = std::min<std::size_t>(consumed.bytes, data.size());
    if (used == data.size()) break;
    data = data.subspan(used);
    position += used;
    if (consumed.need <= data.size()) {
      if (used == 0) {
        ++counters_.consumer_stalls;
        drop_stalled(flow, direction, ts, position, data.size());
        break;
      }
      continue;  // the consumer wants the rest presented again now
    }
    const std::uint32_t need = std::min(consumed.need, config_.max_contiguous_need);
    StreamExtra* stash_owner = need <= data.size() ? nullptr : extra_of(stream);
    if (stash_owner == nullptr || !pool_.reserve_stash(*stash_owner, need)) {
      ++counters_.consumer_stalls;
      drop_stalled(flow, direction, ts, position, data.size());
      release_extra_if_idle(stream);
      break;
    }
    std::memcpy(stash_owner->stash, data.data(), data.size());
    stash_owner->stash_size = static_cast<std::uint32_t>(data.size());
    stash_owner->need = need;
    counters_.stash_copies += data.size();
    break;
  }
  release_extra_if_idle(stream);
}

// Bytes the consumer would not take (a stall) are lost to it like bytes never captured: it is
// told of the hole, and the flow's gap counts include them.
void TcpReassembler::drop_stalled(Flow& flow, Direction direction, TimestampNs ts,
                                  std::uint64_t offset, std::uint64_t bytes) {
  if (bytes == 0) return;
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  consumer_.on_gap(StreamContext{flow, direction, ts, offset}, bytes);
  stream.gap_bytes += bytes;
  ++stream.gaps;
  ++counters_.gaps;
  counters_.gap_bytes += bytes;
  counters_.stall_bytes += bytes;
}

// After a stash delivery that left `left` bytes: decides how many contiguous bytes to wait
// for next. False when the consumer cannot make progress (it used nothing of all it asked
// for, or asks beyond the cap or the memcap).
bool TcpReassembler::set_need(StreamExtra& extra, std::uint32_t used, std::uint32_t need,
                              std::uint32_t left) {
  if (need <= left) {
    if (used == 0) {
      ++counters_.consumer_stalls;
      return false;
    }
    extra.need = need;  // present the remaining stash again at once
    return true;
  }
  need = std::min(need, config_.max_contiguous_need);
  if (need <= left || !pool_.reserve_stash(extra, need)) {
    ++counters_.consumer_stalls;
    return false;
  }
  extra.need = need;
  return true;
}

void TcpReassembler::hold(Flow& flow, Direction direction, std::uint32_t seq, ByteView data,
                          TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  if (extra_of(stream) == nullptr) {
    take_past_holes(flow, direction, seq, data, ts);
    return;
  }
  StreamExtra& extra = *stream.extra;
  // Positions relative to next_seq: every held segment lies strictly ahead of it.
  const std::uint32_t start = seq - stream.next_seq;
  const std::uint32_t end = start + static_cast<std::uint32_t>(data.size());
  std::uint32_t cursor = start;
  bool overlapped = false;
  bool conflicted = false;
  bool out_of_memory = false;
  HeldSegment** link = &extra.held;

  auto insert_piece = [&](std::uint32_t from, std::uint32_t to) {
    HeldSegment* piece = pool_.allocate_segment(to - from);
    if (piece == nullptr) {
      out_of_memory = true;
      return;
    }
    piece->seq = stream.next_seq + from;
    std::memcpy(piece->data(), data.data() + (from - start), to - from);
    piece->next = *link;
    *link = piece;
    link = &piece->next;
    extra.held_bytes += to - from;
    ++extra.held_count;
  };

  while (*link != nullptr && cursor < end && !out_of_memory) {
    HeldSegment* held = *link;
    const std::uint32_t held_start = held->seq - stream.next_seq;
    const std::uint32_t held_end = held_start + held->length;
    if (held_end <= cursor) {
      link = &held->next;
      continue;
    }
    if (held_start >= end) break;
    if (held_start > cursor) {
      insert_piece(cursor, held_start);
      if (out_of_memory) break;
    }
    // The held copy was first: keep it, compare the overlapping bytes.
    const std::uint32_t overlap_from = std::max(cursor, held_start);
    const std::uint32_t overlap_to = std::min(end, held_end);
    overlapped = true;
    if (std::memcmp(held->data() + (overlap_from - held_start), data.data() + (overlap_from - start),
                    overlap_to - overlap_from) != 0) {
      conflicted = true;
    }
    cursor = overlap_to;
    link = &held->next;
  }
  if (cursor < end && !out_of_memory) insert_piece(cursor, end);

  if (overlapped) {
    ++counters_.overlaps;
    ++stream.overlaps;
  }
  if (conflicted) {
    ++counters_.overlap_conflicts;
    ++stream.overlap_conflicts;
  }
  if (out_of_memory) {
    // Bytes from `cursor` on were not stored. The pieces before it sit in the held list.
    take_past_holes(flow, direction, stream.next_seq + cursor,
                    data.subspan(cursor - start), ts);
    return;
  }
  while (stream.extra != nullptr && stream.extra->held != nullptr &&
         stream.extra->held_bytes > config_.max_held_bytes_per_stream) {
    ++counters_.gaps_by_cap;
    skip_to(flow, direction, stream.extra->held->seq, ts);
  }
  release_extra_if_idle(stream);
}

// The global cap is reached and `data` (at `seq`, ahead of next_seq) cannot be held. Rather
// than lose captured bytes, give up the holes before it, delivering held segments on the way,
// and take `data` in order: the pool being full costs gaps, not the bytes we have.
void TcpReassembler::take_past_holes(Flow& flow, Direction direction, std::uint32_t seq,
                                     ByteView data, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  // Each pass skips one hole and drains the held run after it, so the loop ends at `seq`.
  while (seq_diff(seq, stream.next_seq) > 0) {
    std::uint32_t target = seq;
    if (stream.extra != nullptr && stream.extra->held != nullptr &&
        seq_diff(stream.extra->held->seq, seq) < 0) {
      target = stream.extra->held->seq;
    }
    ++counters_.gaps_by_cap;
    const std::uint32_t before = stream.next_seq;
    skip_to(flow, direction, target, ts);
    if (stream.next_seq == before) break;  // defensive: held data always lies ahead
  }
  if (seq_diff(seq, stream.next_seq) > 0) return;
  const auto behind = static_cast<std::uint32_t>(-seq_diff(seq, stream.next_seq));
  if (behind < data.size()) deliver_in_order(flow, direction, data.subspan(behind), ts);
  release_extra_if_idle(stream);
}

void TcpReassembler::skip_to(Flow& flow, Direction direction, std::uint32_t seq, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  const std::int32_t delta = seq_diff(seq, stream.next_seq);
  if (delta <= 0) return;
  const auto gap = static_cast<std::uint32_t>(delta);
  if (stream.extra != nullptr) stream.extra->stash_size = 0;  // a unit cut by a hole is lost
  const StreamContext context{flow, direction, ts, stream.offset};
  consumer_.on_gap(context, gap);
  stream.offset += gap;
  stream.next_seq = seq;
  stream.gap_bytes += gap;
  ++stream.gaps;
  ++counters_.gaps;
  counters_.gap_bytes += gap;
  drain_held(flow, direction, ts);
}

void TcpReassembler::check_ack(Flow& flow, Direction acked, std::uint32_t ack, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(acked)];
  if (!(stream.flags & StreamState::kInitialized) || (stream.flags & StreamState::kEnded)) return;
  std::uint32_t limit = ack;
  if ((stream.flags & StreamState::kFinSeen) && ack == stream.fin_seq + 1) limit = stream.fin_seq;
  const std::int32_t ahead = seq_diff(limit, stream.next_seq);
  if (ahead <= 0 || ahead > kMaxAhead) return;
  // The receiver holds bytes the capture never showed us: skip them, but deliver whatever
  // held segments lie inside the acknowledged range.
  while (stream.extra != nullptr && stream.extra->held != nullptr &&
         seq_diff(stream.extra->held->seq, limit) < 0) {
    ++counters_.gaps_by_ack;
    skip_to(flow, acked, stream.extra->held->seq, ts);
  }
  if (seq_diff(limit, stream.next_seq) > 0) {
    ++counters_.gaps_by_ack;
    skip_to(flow, acked, limit, ts);
  }
  maybe_end(flow, acked, ts);
}

void TcpReassembler::maybe_end(Flow& flow, Direction direction, TimestampNs ts) {
  const StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  if ((stream.flags & StreamState::kFinSeen) && !(stream.flags & StreamState::kEnded) &&
      stream.next_seq == stream.fin_seq &&
      (stream.extra == nullptr || stream.extra->held == nullptr)) {
    end_stream(flow, direction, ts);
  }
}

void TcpReassembler::end_stream(Flow& flow, Direction direction, TimestampNs ts) {
  StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
  if (stream.flags & StreamState::kEnded) return;
  // Whatever is still held after a hole is delivered after an explicit gap.
  while (stream.extra != nullptr && stream.extra->held != nullptr) {
    ++counters_.gaps_at_close;
    skip_to(flow, direction, stream.extra->held->seq, ts);
  }
  stream.flags |= StreamState::kEnded;
  const StreamContext context{flow, direction, ts, stream.offset};
  consumer_.on_end(context);
  if (stream.extra != nullptr) {
    pool_.release_extra(stream.extra);
    stream.extra = nullptr;
  }
}

void TcpReassembler::on_flow_end(Flow& flow, TimestampNs ts) {
  for (Direction direction : {Direction::kToServer, Direction::kToClient}) {
    StreamState& stream = flow.stream[static_cast<std::size_t>(direction)];
    if (stream.flags & StreamState::kInitialized) end_stream(flow, direction, ts);
  }
}

void TcpReassembler::release(Flow& flow) {
  for (StreamState& stream : flow.stream) {
    if (stream.extra != nullptr) {
      pool_.release_extra(stream.extra);
      stream.extra = nullptr;
    }
  }
}

}  // namespace dicomsentry
