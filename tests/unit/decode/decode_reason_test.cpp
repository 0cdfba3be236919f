#include <set>
#include <string>

#include <gtest/gtest.h>

#include "decode/decoded_packet.hpp"

namespace dicomsentry {

TEST(DecodeReasonTest, EveryReasonHasAUniqueDottedName) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < static_cast<std::size_t>(DecodeReason::kCount); ++i) {
    const auto name = std::string(decode_reason_name(static_cast<DecodeReason>(i)));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_NE(name.find('.'), std::string::npos) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(DecodeReason::kCount));
  EXPECT_EQ(decode_reason_name(DecodeReason::kCount), "unknown");
}

}  // namespace dicomsentry
