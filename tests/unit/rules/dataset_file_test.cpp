// Dataset files: line parsing, limits, path resolution, and the rules-file loader sharing one
// loaded set per name across rules and files, with every file error as file:line: reason.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rule_test_util.hpp"
#include "rules/dataset_file.hpp"
#include "rules/rule_file.hpp"

namespace dicomsentry::rules {
namespace {

namespace fs = std::filesystem;
using Values = std::vector<std::string>;

TEST(DatasetText, CommentsBlankLinesTrimmingSortingAndDuplicates) {
  Values values;
  std::string error;
  ASSERT_TRUE(
      parse_dataset_text("# outdated DCMTK builds\n"
                         "OFFIS_DCMTK_360 \r\n"
                         "\n"
                         "   \t\r\n"
                         "OFFIS_DCMTK_354\t\n"
                         " LEADING_KEPT\n"
                         "OFFIS_DCMTK_360\n"
                         "x#not-a-comment\n"
                         "  # leading spaces: a value, not a comment\n"
                         "LAST_WITHOUT_NEWLINE",
                         values, error));
  EXPECT_EQ(values, (Values{"  # leading spaces: a value, not a comment", " LEADING_KEPT",
                            "LAST_WITHOUT_NEWLINE", "OFFIS_DCMTK_354", "OFFIS_DCMTK_360",
                            "x#not-a-comment"}));
  EXPECT_TRUE(error.empty());
  ASSERT_TRUE(parse_dataset_text("", values, error));
  EXPECT_TRUE(values.empty());
}

TEST(DatasetText, AtMostOneHundredThousandLines) {
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += fmt::format("v{}\n", i % 7);
  Values values;
  std::string error;
  ASSERT_TRUE(parse_dataset_text(text, values, error));
  EXPECT_EQ(values, (Values{"v0", "v1", "v2", "v3", "v4", "v5", "v6"}));
  text += "#\n";  // comment lines count too: the bound is on work, not on values
  EXPECT_FALSE(parse_dataset_text(text, values, error));
  EXPECT_EQ(error, "more than 100000 lines");
  EXPECT_TRUE(values.empty());
}

TEST(DatasetText, PathsRelativeToTheBaseDirectory) {
  EXPECT_EQ(resolve_dataset_path("sets/ae.txt", "/opt/rules"), "/opt/rules/sets/ae.txt");
  EXPECT_EQ(resolve_dataset_path("../sets/./ae.txt", "/opt/rules/"), "/opt/sets/ae.txt");
  EXPECT_EQ(resolve_dataset_path("/srv/ae.txt", "/opt/rules"), "/srv/ae.txt");
  EXPECT_EQ(resolve_dataset_path("ae.txt", ""), (fs::current_path() / "ae.txt").string());
}

class DatasetOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("dicomsentry_datasets_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string rule(std::uint32_t sid, std::string_view name, std::string_view file,
                          std::string_view op = "isset") {
    return fmt::format(
        "alert dicom any any -> any any (dicom.impl_version; dataset:{},{},type string,load {}; "
        "sid:{};)\n",
        op, name, file, sid);
  }

  fs::path dir_;
};

TEST_F(DatasetOnDisk, OneSetPerNameSharedAcrossRulesAndFiles) {
  write("outdated.txt", "# versions with known CVEs\nOFFIS_DCMTK_360\nOFFIS_DCMTK_354\n");
  const std::string a = write("a.rules", rule(1, "outdated", "outdated.txt") +
                                             rule(2, "outdated", "outdated.txt", "isnotset"));
  // The same file named from a subdirectory, and absolutely from text with no directory.
  const std::string b = write("sub/b.rules", rule(3, "outdated", "../outdated.txt"));
  RuleSet set;
  ASSERT_TRUE(load_rule_file(a, testing::test_vars(), set));
  ASSERT_TRUE(load_rule_file(b, testing::test_vars(), set));
  load_rule_text(rule(4, "outdated", path("outdated.txt")), "inline.rules", testing::test_vars(),
                 set);
  EXPECT_EQ(set.errors, Values{});
  ASSERT_EQ(set.loaded, 4u);
  const Values expected{"OFFIS_DCMTK_354", "OFFIS_DCMTK_360"};
  for (const Rule& r : set.rules) {
    ASSERT_EQ(r.datasets.size(), 1u) << r.sid;
    ASSERT_NE(r.datasets[0].values, nullptr) << r.sid;
    EXPECT_EQ(*r.datasets[0].values, expected) << r.sid;
    EXPECT_EQ(r.datasets[0].values, set.rules[0].datasets[0].values) << r.sid;  // one copy
  }
  EXPECT_FALSE(set.rules[0].datasets[0].negated);
  EXPECT_TRUE(set.rules[1].datasets[0].negated);
  ASSERT_EQ(set.datasets.size(), 1u);
  EXPECT_EQ(set.datasets.at("outdated").path, path("outdated.txt"));
  EXPECT_EQ(set.datasets.at("outdated").values, set.rules[0].datasets[0].values);
}

TEST_F(DatasetOnDisk, BaseDirectoryArgumentAndNameDirectory) {
  write("sub/ae.txt", "CT01\nMR02\n");
  RuleSet set;
  load_rule_text(rule(1, "ae", "ae.txt"), "whatever.rules", testing::test_vars(), set,
                 (dir_ / "sub").string());
  load_rule_text(rule(2, "ae", "sub/ae.txt"), path("x.rules"), testing::test_vars(), set);
  EXPECT_EQ(set.errors, Values{});
  ASSERT_EQ(set.loaded, 2u);
  EXPECT_EQ(*set.rules[1].datasets[0].values, (Values{"CT01", "MR02"}));
}

TEST_F(DatasetOnDisk, AnotherFileUnderTheSameNameIsAnError) {
  write("one.txt", "A\n");
  write("two.txt", "B\n");
  RuleSet set;
  load_rule_text(rule(1, "s", "one.txt") + rule(2, "s", "two.txt") + rule(2, "t", "two.txt"),
                 path("r.rules"), testing::test_vars(), set);
  EXPECT_EQ(set.loaded, 2u);
  EXPECT_EQ(set.failed, 1u);
  EXPECT_EQ(set.errors, Values{fmt::format("{}:2: dataset \"s\" is loaded from {}, not {}",
                                           path("r.rules"), path("one.txt"), path("two.txt"))});
  // The failed rule's sid was not taken: sid 2 loads on line 3 with set t.
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(set.rules[1].sid, 2u);
  EXPECT_EQ(*set.rules[1].datasets[0].values, Values{"B"});
}

TEST_F(DatasetOnDisk, UnreadableFilesFailEachRuleThatNamesThem) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  RuleSet set;
  load_rule_text(rule(1, "missing", "missing.txt") + rule(2, "missing", "missing.txt") +
                     rule(3, "dir", "sub") + rule(4, "fifo", "fifo"),
                 path("r.rules"), testing::test_vars(), set);
  EXPECT_EQ(set.loaded, 0u);
  EXPECT_EQ(set.failed, 4u);
  const std::string r = path("r.rules");
  EXPECT_EQ(
      set.errors,
      (Values{
          fmt::format("{}:1: cannot read dataset file {}: No such file or directory", r,
                      path("missing.txt")),
          fmt::format("{}:2: cannot read dataset file {}: No such file or directory", r,
                      path("missing.txt")),
          fmt::format("{}:3: cannot read dataset file {}: is a directory", r, path("sub")),
          fmt::format("{}:4: cannot read dataset file {}: not a regular file", r, path("fifo")),
      }));
  EXPECT_TRUE(set.sid_origin.empty());
}

TEST_F(DatasetOnDisk, SizeAndLineLimits) {
  {
    std::ofstream big(path("big.txt"), std::ios::binary);
    const std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 16; ++i) big << chunk;
    big << '\n';  // one byte past 16 MiB
  }
  std::string many;
  for (int i = 0; i <= 100'000; ++i) many += "x\n";
  write("many.txt", many);
  RuleSet set;
  load_rule_text(rule(1, "big", "big.txt") + rule(2, "many", "many.txt"), path("r.rules"),
                 testing::test_vars(), set);
  EXPECT_EQ(set.failed, 2u);
  EXPECT_EQ(set.errors, (Values{fmt::format("{}:1: dataset file {} is larger than 16777216 bytes",
                                            path("r.rules"), path("big.txt")),
                                fmt::format("{}:2: dataset file {} has more than 100000 lines",
                                            path("r.rules"), path("many.txt"))}));
}

TEST_F(DatasetOnDisk, AParseErrorComesBeforeAnyFileIsRead) {
  RuleSet set;
  load_rule_text(rule(1, "s", "missing.txt", "set"), path("r.rules"), testing::test_vars(), set);
  EXPECT_EQ(set.errors, Values{fmt::format("{}:1: bad dataset operation \"set\" (isset or "
                                           "isnotset)",
                                           path("r.rules"))});
  EXPECT_TRUE(set.datasets.empty());
}

}  // namespace
}  // namespace dicomsentry::rules
