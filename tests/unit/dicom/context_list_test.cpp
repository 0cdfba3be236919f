// ContextList: the association record's presentation contexts, refilled in place by the next
// association of a pooled session.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "dicom/dicom_events.hpp"

namespace dicomsentry::dicom {
namespace {

constexpr const char* kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char* kMr = "1.2.840.10008.5.1.4.1.1.4";
constexpr const char* kExplicit = "1.2.840.10008.1.2.1";
constexpr const char* kImplicit = "1.2.840.10008.1.2";

ContextList three_answered() {
  ContextList list;
  for (std::uint8_t id : {1, 3, 5}) {
    ContextSummary& c = list.emplace_back();
    c.id = id;
    c.abstract_syntax = kCt;
    c.proposed_transfer_syntaxes = {kExplicit, kImplicit};
    c.answered = true;
    c.result = 0;
    c.accepted_transfer_syntax = kExplicit;
  }
  return list;
}

TEST(ContextList, NextAfterClearResetsAllButTheProposedSyntaxes) {
  ContextList list = three_answered();
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.begin(), list.end());
  ContextSummary& c = list.next();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(c.id, 0);
  EXPECT_TRUE(c.abstract_syntax.empty());
  EXPECT_FALSE(c.answered);
  EXPECT_EQ(c.result, 0);
  EXPECT_TRUE(c.accepted_transfer_syntax.empty());
  // Kept for the caller to assign over, with their buffers.
  EXPECT_EQ(c.proposed_transfer_syntaxes.size(), 2u);
  ContextSummary& d = list.emplace_back();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(d.proposed_transfer_syntaxes.empty());
  EXPECT_TRUE(d.abstract_syntax.empty());
}

TEST(ContextList, CopiesHoldOnlyTheContextsInUse) {
  ContextList list = three_answered();
  list.clear();
  list.next().id = 7;
  const ContextList copy = list;
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy[0].id, 7);
  ContextList assigned = three_answered();
  assigned = list;
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].id, 7);
  EXPECT_EQ(assigned.end() - assigned.begin(), 1);
}

TEST(ContextList, MoveLeavesTheSourceEmpty) {
  ContextList list = three_answered();
  ContextList moved = std::move(list);
  EXPECT_EQ(moved.size(), 3u);
  EXPECT_TRUE(list.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  ContextList target;
  target = std::move(moved);
  EXPECT_EQ(target.size(), 3u);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(target.back().id, 5);
}

TEST(ContextList, PushBackOfItsOwnElementSurvivesGrowth) {
  ContextList list;
  ContextSummary& first = list.emplace_back();
  first.id = 9;
  first.abstract_syntax = kMr;  // longer than the short-string buffer: on the heap
  for (int i = 0; i < 40; ++i) list.push_back(list[0]);  // grows past several capacities
  ASSERT_EQ(list.size(), 41u);
  for (const ContextSummary& c : list) {
    EXPECT_EQ(c.id, 9);
    EXPECT_EQ(c.abstract_syntax, kMr);
  }
}

TEST(ContextList, InitializerListReplacesTheContents) {
  ContextList list = three_answered();
  list = {ContextSummary{11, kCt, {kImplicit}, true, 0, kImplicit}};
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, 11);
  EXPECT_EQ(list[0].proposed_transfer_syntaxes, std::vector<std::string>{kImplicit});
}

}  // namespace
}  // namespace dicomsentry::dicom
