// Pipeline::expire_idle: flows end on timeout when the clock moves without a packet (an idle
// live interface), at exactly the class's timeout and not before.
#include <array>
#include <cstddef>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/pipeline.hpp"
#include "null_consumer.hpp"

namespace dicomsentry {
namespace {

constexpr TimestampNs kSecond = 1'000'000'000;

using test::NullConsumer;

class EndedFlows final : public FlowEndHandler {
 public:
  void on_flow_end(Flow& flow) override { reasons.push_back(flow.end_reason); }
  std::vector<FlowEndReason> reasons;
};

// A raw IPv4 TCP SYN 10.0.0.1:40000 -> 10.0.0.2:104 (checksums are not validated by default).
std::array<std::byte, 40> syn_packet() {
  const unsigned char bytes[40] = {0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
                                   0x00, 0x00, 10,   0,    0,    1,    10,   0,    0,    2,
                                   0x9c, 0x40, 0x00, 0x68, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                   0x00, 0x00, 0x50, 0x02, 0x72, 0x10, 0x00, 0x00, 0x00, 0x00};
  std::array<std::byte, 40> out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(bytes[i]);
  return out;
}

TEST(PipelineExpireIdle, EndsANewFlowAtItsTimeoutWithoutAnotherPacket) {
  NullConsumer consumer;
  EndedFlows ended;
  Pipeline pipeline(PipelineConfig{}, consumer, &ended);
  const auto bytes = syn_packet();
  const TimestampNs t0 = 1'700'000'000 * kSecond;
  PacketView packet;
  packet.timestamp_ns = t0;
  packet.bytes = ByteView(bytes.data(), bytes.size());
  packet.original_length = bytes.size();
  packet.link_type = LinkType::kRaw;
  pipeline.process(packet);
  ASSERT_EQ(pipeline.flow_counters().active, 1u);

  // A flow without a completed handshake is in the `new` class: 60 s.
  pipeline.expire_idle(t0 + 59 * kSecond);
  EXPECT_TRUE(ended.reasons.empty());
  EXPECT_EQ(pipeline.last_ts(), t0 + 59 * kSecond);
  pipeline.expire_idle(t0 + 60 * kSecond);
  ASSERT_EQ(ended.reasons.size(), 1u);
  EXPECT_EQ(ended.reasons[0], FlowEndReason::kTimeout);
  EXPECT_EQ(pipeline.flow_counters().ended_timeout, 1u);
  EXPECT_EQ(pipeline.flow_counters().active, 0u);
  pipeline.finish();
  EXPECT_EQ(ended.reasons.size(), 1u);
}

TEST(PipelineExpireIdle, DoesNothingBeforeTheFirstPacketAndNeverMovesTheClockBack) {
  NullConsumer consumer;
  EndedFlows ended;
  Pipeline pipeline(PipelineConfig{}, consumer, &ended);
  pipeline.expire_idle(5 * kSecond);
  EXPECT_EQ(pipeline.last_ts(), 0);
  const auto bytes = syn_packet();
  PacketView packet;
  packet.timestamp_ns = 100 * kSecond;
  packet.bytes = ByteView(bytes.data(), bytes.size());
  packet.original_length = bytes.size();
  packet.link_type = LinkType::kRaw;
  pipeline.process(packet);
  pipeline.expire_idle(50 * kSecond);
  EXPECT_EQ(pipeline.last_ts(), 100 * kSecond);
  EXPECT_TRUE(ended.reasons.empty());
}

}  // namespace
}  // namespace dicomsentry
