// Classtypes: Suricata's table as shipped, dicomsentry's own, and the severity rule.
#include "detect/classification.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace dicomsentry::detect {
namespace {

TEST(Classification, SuricataClasstypesKeepTheirDescriptionAndPriority) {
  const auto expect = [](std::string_view name, std::string_view description,
                         std::uint8_t priority) {
    const auto c = find_classification(name);
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_EQ(c->description, description);
    EXPECT_EQ(c->priority, priority);
  };
  expect("policy-violation", "Potential Corporate Privacy Violation", 1);
  expect("attempted-recon", "Attempted Information Leak", 2);
  expect("bad-unknown", "Potentially Bad Traffic", 2);
  expect("protocol-command-decode", "Generic Protocol Command Decode", 3);
  expect("misc-activity", "Misc activity", 3);
  expect("attempted-admin", "Attempted Administrator Privilege Gain", 1);
  expect("trojan-activity", "A Network Trojan was detected", 1);
  expect("tcp-connection", "A TCP connection was detected", 4);
  expect("network-scan", "Detection of a Network Scan", 3);
  expect("default-login-attempt", "Attempt to login by a default username and password", 2);
  expect("command-and-control", "Malware Command and Control Activity Detected", 1);
  expect("dicom-unauthenticated", "Unauthenticated DICOM Association", 2);
  expect("asset-change", "Asset inventory change", 3);
  EXPECT_FALSE(find_classification("no-such-class").has_value());
  EXPECT_FALSE(find_classification("").has_value());
}

TEST(Classification, NamesAreUnique) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < classification_count(); ++i) {
    EXPECT_TRUE(names.insert(std::string(classification_at(i).name)).second)
        << classification_at(i).name;
  }
  EXPECT_EQ(names.size(), 49u);
}

TEST(Classification, SeverityIsRulePriorityElseClasstypeElseThree) {
  AlertClass c = classify("attempted-recon", std::nullopt);
  EXPECT_EQ(c.category, "Attempted Information Leak");
  EXPECT_EQ(c.severity, 2);
  c = classify("attempted-recon", 1);  // the rule's priority wins
  EXPECT_EQ(c.category, "Attempted Information Leak");
  EXPECT_EQ(c.severity, 1);
  c = classify("made-up-class", std::nullopt);  // unknown: its own name, priority 3
  EXPECT_EQ(c.category, "made-up-class");
  EXPECT_EQ(c.severity, 3);
  c = classify("made-up-class", 2);
  EXPECT_EQ(c.severity, 2);
  c = classify("", std::nullopt);  // no classtype: no category
  EXPECT_EQ(c.category, "");
  EXPECT_EQ(c.severity, 3);
  c = classify("", 4);
  EXPECT_EQ(c.severity, 4);
}

}  // namespace
}  // namespace dicomsentry::detect
