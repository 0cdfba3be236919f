// Rules files (comments, continuations, file:line errors, duplicate sids) and
// `dicomsentry --test-rules` exit statuses.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rule_test_util.hpp"
#include "rules/rule_file.hpp"

namespace dicomsentry::rules {
namespace {

namespace fs = std::filesystem;

TEST(RuleFile, CommentsBlankLinesContinuationsAndErrors) {
  const std::string text =
      "# header comment\n"
      "\n"
      "   # indented comment\n"
      "alert dicom any any -> any $DICOM_PORTS (msg:\"one\"; \\\n"
      "    dicom.calling_ae; content:\"ECHOSCU\"; \\\n"
      "    sid:1; rev:1;)\n"
      "alert tcp any any -> any any (msg:\"typo\"; contnet:\"x\"; sid:2;)\r\n"
      "# alert tcp any any -> any any (msg:\"disabled\"; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"dup\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"two\"; sid:4;)\r\n"
      "alert tcp any any -> any any (msg:\"no sid\";)";
  RuleSet set;
  load_rule_text(text, "local.rules", testing::test_vars(), set);
  EXPECT_EQ(set.loaded, 2u);
  EXPECT_EQ(set.failed, 3u);
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(set.rules[0].sid, 1u);
  EXPECT_EQ(set.rules[0].msg, "one");
  ASSERT_EQ(set.rules[0].matches.size(), 1u);
  EXPECT_EQ(set.rules[0].matches[0].content.bytes, "ECHOSCU");
  EXPECT_EQ(set.rules[1].sid, 4u);
  EXPECT_EQ(set.errors, (std::vector<std::string>{
                            "local.rules:7: unknown keyword \"contnet\"",
                            "local.rules:9: duplicate sid 1 (first at local.rules:4)",
                            "local.rules:11: sid missing",
                        }));
}

TEST(RuleFile, SidsAreUniqueAcrossFiles) {
  RuleSet set;
  load_rule_text("alert tcp any any -> any any (sid:7;)\n", "a.rules", testing::test_vars(), set);
  load_rule_text("\nalert tcp any any -> any any (sid:7;)\n", "b.rules", testing::test_vars(), set);
  EXPECT_EQ(set.loaded, 1u);
  EXPECT_EQ(set.failed, 1u);
  EXPECT_EQ(set.errors,
            std::vector<std::string>{"b.rules:2: duplicate sid 7 (first at a.rules:1)"});
}

TEST(RuleFile, ContinuationAtEndOfFileAndOverlongJoinedRule) {
  RuleSet set;
  load_rule_text("alert tcp any any -> any any (sid:1; \\\n)\\", "c.rules", testing::test_vars(),
                 set);
  EXPECT_EQ(set.loaded, 1u);
  EXPECT_TRUE(set.errors.empty());
  std::string long_rule = "alert tcp any any -> any any (msg:\"";
  for (int i = 0; i < 100; ++i) long_rule += std::string(100, 'a') + "\\\n";
  long_rule += "\"; sid:2;)\nalert tcp any any -> any any (sid:3;)\n";
  load_rule_text(long_rule, "c.rules", testing::test_vars(), set);
  EXPECT_EQ(set.loaded, 2u);
  EXPECT_EQ(set.errors, std::vector<std::string>{"c.rules:1: rule longer than 8192 bytes"});
}

class RuleFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("dicomsentry_rules_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  struct Result {
    int status = -1;
    std::string output;
  };
  static Result run(const std::string& arguments) {
    Result result;
    const std::string command = fmt::format("{} --no-summary {} 2>&1", DICOMSENTRY_BINARY, arguments);
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    const int raw = pclose(pipe);
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return result;
  }

  fs::path dir_;
};

TEST_F(RuleFileOnDisk, LoadsAFileAndReportsUnreadableOnes) {
  const std::string good = write("good.rules", "alert tcp any any -> any any (sid:1;)\n");
  RuleSet set;
  EXPECT_TRUE(load_rule_file(good, testing::test_vars(), set));
  EXPECT_EQ(set.loaded, 1u);
  EXPECT_FALSE(load_rule_file((dir_ / "missing.rules").string(), testing::test_vars(), set));
  EXPECT_FALSE(load_rule_file(dir_.string(), testing::test_vars(), set));
  EXPECT_EQ(set.errors, (std::vector<std::string>{(dir_ / "missing.rules").string() +
                                                      ": cannot open: No such file or directory",
                                                  dir_.string() + ": is a directory"}));
  EXPECT_EQ(set.failed, 0u);
}

TEST_F(RuleFileOnDisk, TestRulesCleanFileExitsZero) {
  const std::string a =
      write("a.rules",
            "alert dicom $EXTERNAL_NET any -> $HOME_NET $DICOM_PORTS "
            "(msg:\"x\"; dicom.user_identity:none; sid:1;)\n"
            "alert tls any any -> any $DICOM_TLS_PORTS (tls.version:<1.2; sid:2;)\n");
  const std::string b = write("b.rules", "alert tcp any any -> $PACS_NET any (sid:3;)\n");
  const Result r = run(fmt::format("--test-rules -S {} -S {}", a, b));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "3 rules loaded, 0 failed\n");
}

TEST_F(RuleFileOnDisk, TestRulesWithErrorsExitsOne) {
  const std::string a = write("a.rules",
                              "alert tcp any any -> any any (sid:1;)\n"
                              "alert tcp any any -> any 70000 (sid:2;)\n");
  const Result r = run(fmt::format("--test-rules -S {}", a));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, fmt::format("dicomsentry: {}:2: bad port range 70000\n"
                                  "1 rules loaded, 1 failed\n",
                                  a));
}

TEST_F(RuleFileOnDisk, TestRulesMissingFileExitsOne) {
  const Result r = run(fmt::format("--test-rules -S {}", (dir_ / "none.rules").string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, fmt::format("dicomsentry: {}: cannot open: No such file or directory\n"
                                  "0 rules loaded, 0 failed\n",
                                  (dir_ / "none.rules").string()));
}

TEST_F(RuleFileOnDisk, TestRulesWithoutRulesIsAUsageError) {
  const Result r = run("--test-rules");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--test-rules: give one or more -S FILE"), std::string::npos) << r.output;
}

TEST_F(RuleFileOnDisk, DicomPortOptionFeedsTheVariable) {
  const std::string a = write("a.rules", "alert tcp any any -> any $DICOM_PORTS (sid:1;)\n");
  EXPECT_EQ(run(fmt::format("--dicom-ports 4242,104 --test-rules -S {}", a)).status, 0);
}

TEST_F(RuleFileOnDisk, ARunWithRulesReportsThemAndStillInspects) {
  const std::string a = write("a.rules",
                              "alert tcp any any -> any any (sid:1;)\n"
                              "alert tcp any any -> any any (sid:1;)\n");
  const std::string eve = (dir_ / "eve.json").string();
  const Result r =
      run(fmt::format("-r {}/echoscu.pcap --eve {} -S {}", DICOMSENTRY_PCAP_DIR, eve, a));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, fmt::format("dicomsentry: {0}:2: duplicate sid 1 (first at {0}:1)\n"
                                  "dicomsentry: 1 rules loaded, 1 failed\n",
                                  a));
  EXPECT_GT(fs::file_size(eve), 0u);
}

}  // namespace
}  // namespace dicomsentry::rules
