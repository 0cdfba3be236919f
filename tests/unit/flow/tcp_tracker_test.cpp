// Observer-side TCP state: every transition of the simplified diagram and its timeout class.
#include <gtest/gtest.h>

#include "flow/tcp_tracker.hpp"

namespace dicomsentry {
namespace {

constexpr std::uint8_t kSyn = tcp_flag::kSyn;
constexpr std::uint8_t kAck = tcp_flag::kAck;
constexpr std::uint8_t kFin = tcp_flag::kFin;
constexpr std::uint8_t kRst = tcp_flag::kRst;
constexpr std::uint8_t kPsh = tcp_flag::kPsh;
constexpr Direction kToServer = Direction::kToServer;
constexpr Direction kToClient = Direction::kToClient;

struct Expect {
  TcpState state;
  TimeoutClass cls;
};

Expect step(Flow& flow, Direction d, std::uint8_t flags, bool payload = false) {
  const TimeoutClass cls = track_tcp(flow, d, flags, payload);
  return {flow.tcp_state, cls};
}

void expect(const Expect& got, TcpState state, TimeoutClass cls) {
  EXPECT_EQ(got.state, state) << tcp_state_name(got.state);
  EXPECT_EQ(got.cls, cls);
}

TEST(TcpTracker, FullHandshakeAndOrderlyClose) {
  Flow flow;
  expect(step(flow, kToServer, kSyn), TcpState::kSynSent, TimeoutClass::kNew);
  expect(step(flow, kToClient, kSyn | kAck), TcpState::kSynReceived, TimeoutClass::kNew);
  expect(step(flow, kToServer, kAck), TcpState::kEstablished, TimeoutClass::kEstablished);
  expect(step(flow, kToServer, kAck | kPsh, true), TcpState::kEstablished,
         TimeoutClass::kEstablished);
  expect(step(flow, kToServer, kFin | kAck), TcpState::kClosing, TimeoutClass::kEstablished);
  expect(step(flow, kToClient, kAck), TcpState::kClosing, TimeoutClass::kEstablished);
  expect(step(flow, kToClient, kFin | kAck), TcpState::kClosed, TimeoutClass::kClosed);
  expect(step(flow, kToServer, kAck), TcpState::kClosed, TimeoutClass::kClosed);
  EXPECT_EQ(flow.tcp_flags[0], kSyn | kAck | kPsh | kFin);
  EXPECT_EQ(flow.tcp_flags[1], kSyn | kAck | kFin);
}

TEST(TcpTracker, RetransmittedSynStaysSynSent) {
  Flow flow;
  step(flow, kToServer, kSyn);
  expect(step(flow, kToServer, kSyn), TcpState::kSynSent, TimeoutClass::kNew);
}

TEST(TcpTracker, SynAckSeenFirstIsSynReceived) {
  Flow flow;
  expect(step(flow, kToClient, kSyn | kAck), TcpState::kSynReceived, TimeoutClass::kNew);
  expect(step(flow, kToServer, kAck), TcpState::kEstablished, TimeoutClass::kEstablished);
}

TEST(TcpTracker, ServerAckAfterSynAckDoesNotEstablish) {
  Flow flow;
  step(flow, kToServer, kSyn);
  step(flow, kToClient, kSyn | kAck);
  expect(step(flow, kToClient, kAck), TcpState::kSynReceived, TimeoutClass::kNew);
}

TEST(TcpTracker, RstClosesFromAnyState) {
  const TcpState before[] = {TcpState::kNone, TcpState::kSynSent, TcpState::kSynReceived,
                             TcpState::kEstablished, TcpState::kClosing};
  for (TcpState state : before) {
    Flow flow;
    flow.tcp_state = state;
    expect(step(flow, kToClient, kRst), TcpState::kClosed, TimeoutClass::kClosed);
  }
}

TEST(TcpTracker, RstWithAckClosesToo) {
  Flow flow;
  step(flow, kToServer, kSyn);
  expect(step(flow, kToClient, kRst | kAck), TcpState::kClosed, TimeoutClass::kClosed);
}

TEST(TcpTracker, FinAfterRstStaysClosed) {
  Flow flow;
  step(flow, kToServer, kAck, true);
  step(flow, kToServer, kRst);
  expect(step(flow, kToClient, kFin | kAck), TcpState::kClosed, TimeoutClass::kClosed);
}

TEST(TcpTracker, MidstreamDataEstablishes) {
  Flow flow;
  expect(step(flow, kToClient, kAck | kPsh, true), TcpState::kEstablished,
         TimeoutClass::kEstablished);
}

TEST(TcpTracker, MidstreamPureAckStaysNone) {
  Flow flow;
  expect(step(flow, kToServer, kAck), TcpState::kNone, TimeoutClass::kNew);
}

TEST(TcpTracker, DataAfterASynWithoutSynAckEstablishes) {
  Flow flow;
  step(flow, kToServer, kSyn);
  expect(step(flow, kToServer, kAck | kPsh, true), TcpState::kEstablished,
         TimeoutClass::kEstablished);
}

TEST(TcpTracker, FinWithoutHandshakeIsClosing) {
  Flow flow;
  expect(step(flow, kToClient, kFin | kAck), TcpState::kClosing, TimeoutClass::kEstablished);
  expect(step(flow, kToServer, kFin | kAck), TcpState::kClosed, TimeoutClass::kClosed);
}

TEST(TcpTracker, SecondFinFromTheSameSideStaysClosing) {
  Flow flow;
  step(flow, kToServer, kAck, true);
  step(flow, kToServer, kFin | kAck);
  expect(step(flow, kToServer, kFin | kAck), TcpState::kClosing, TimeoutClass::kEstablished);
}

TEST(TcpTracker, DatagramIsNewUntilBothDirectionsSeen) {
  Flow flow;
  flow.packets[0] = 3;
  EXPECT_EQ(track_datagram(flow), TimeoutClass::kNew);
  flow.packets[1] = 1;
  EXPECT_EQ(track_datagram(flow), TimeoutClass::kEstablished);
}

TEST(TcpTracker, StateAndReasonNames) {
  EXPECT_EQ(tcp_state_name(TcpState::kNone), "none");
  EXPECT_EQ(tcp_state_name(TcpState::kSynSent), "syn_sent");
  EXPECT_EQ(tcp_state_name(TcpState::kSynReceived), "syn_recv");
  EXPECT_EQ(tcp_state_name(TcpState::kEstablished), "established");
  EXPECT_EQ(tcp_state_name(TcpState::kClosing), "closing");
  EXPECT_EQ(tcp_state_name(TcpState::kClosed), "closed");
  EXPECT_EQ(flow_end_reason_name(FlowEndReason::kTimeout), "timeout");
  EXPECT_EQ(flow_end_reason_name(FlowEndReason::kForced), "forced");
  EXPECT_EQ(flow_end_reason_name(FlowEndReason::kShutdown), "shutdown");
  EXPECT_EQ(flow_end_reason_name(FlowEndReason::kNone), "none");
}

}  // namespace
}  // namespace dicomsentry
