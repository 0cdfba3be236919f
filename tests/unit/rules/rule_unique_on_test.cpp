// `unique_on` in threshold and detection_filter: each field, the DICOM tie of dicom.* fields,
// repeated parts and every error message.
#include <gtest/gtest.h>

#include "rule_test_util.hpp"

namespace dicomsentry::rules {
namespace {

using testing::parse_error;
using testing::parse_ok;
using testing::tcp_rule;

TEST(RuleUniqueOn, AbsentMeansEveryMatchCounts) {
  Rule r = parse_ok(tcp_rule("detection_filter:track by_src, count 5, seconds 60; sid:1;"));
  ASSERT_TRUE(r.detection_filter.has_value());
  EXPECT_EQ(r.detection_filter->unique_on, UniqueOn::kNone);
  r = parse_ok(tcp_rule("threshold:type limit, track by_src, count 1, seconds 60; sid:1;"));
  EXPECT_EQ(r.threshold->unique_on, UniqueOn::kNone);
}

TEST(RuleUniqueOn, EachFieldOnDetectionFilter) {
  struct Case {
    const char* field;
    UniqueOn expected;
    Protocol bound;
  };
  const Case cases[] = {
      {"dst_ip", UniqueOn::kDstIp, Protocol::kTcp},
      {"dst_port", UniqueOn::kDstPort, Protocol::kTcp},
      {"dicom.called_ae", UniqueOn::kCalledAe, Protocol::kDicom},
      {"dicom.calling_ae", UniqueOn::kCallingAe, Protocol::kDicom},
  };
  for (const Case& c : cases) {
    const std::string options =
        std::string("detection_filter:track by_src, count 5, seconds 60, unique_on ") + c.field +
        "; sid:1;";
    Rule r = parse_ok(tcp_rule(options));
    ASSERT_TRUE(r.detection_filter.has_value()) << c.field;
    EXPECT_EQ(r.detection_filter->unique_on, c.expected) << c.field;
    EXPECT_EQ(r.detection_filter->track, Track::kBySrc) << c.field;
    EXPECT_EQ(r.detection_filter->count, 5u) << c.field;
    EXPECT_EQ(r.detection_filter->seconds, 60u) << c.field;
    EXPECT_EQ(r.bound_protocol, c.bound) << c.field;
  }
  // src_ip is distinct only when the source is not the tracked key.
  Rule r =
      parse_ok(tcp_rule("detection_filter:track by_dst, count 5, seconds 60, "
                        "unique_on src_ip; sid:1;"));
  EXPECT_EQ(r.detection_filter->unique_on, UniqueOn::kSrcIp);
  r =
      parse_ok(tcp_rule("detection_filter:unique_on src_ip, track by_rule, count 3, seconds 9; "
                        "sid:1;"));
  EXPECT_EQ(r.detection_filter->unique_on, UniqueOn::kSrcIp);
  EXPECT_EQ(r.detection_filter->track, Track::kByRule);
}

TEST(RuleUniqueOn, OnThresholdAndOnDicomRules) {
  Rule r = parse_ok(
      "alert dicom any any -> any any (dicom.command:C-ECHO-RQ; threshold:type threshold, "
      "track by_both, count 4, seconds 10, unique_on dicom.called_ae; sid:1;)");
  ASSERT_TRUE(r.threshold.has_value());
  EXPECT_EQ(r.threshold->type, ThresholdType::kThreshold);
  EXPECT_EQ(r.threshold->track, Track::kByBoth);
  EXPECT_EQ(r.threshold->unique_on, UniqueOn::kCalledAe);
  EXPECT_EQ(r.bound_protocol, Protocol::kDicom);
  r = parse_ok(
      "alert tls any any -> any any (tls.sni; content:\"pacs\"; detection_filter:"
      "track by_src, count 5, seconds 60, unique_on dst_port; sid:2;)");
  EXPECT_EQ(r.detection_filter->unique_on, UniqueOn::kDstPort);
  EXPECT_EQ(r.bound_protocol, Protocol::kTls);
}

TEST(RuleUniqueOn, Errors) {
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 5, seconds 60, "
                                 "unique_on src_port; sid:1;")),
            "unknown detection_filter unique_on field \"src_port\"");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, track by_src, count 5, seconds 60, "
                                 "unique_on; sid:1;")),
            "unknown threshold unique_on field \"\"");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 5, seconds 60, "
                                 "unique_on dst_ip, unique_on dst_port; sid:1;")),
            "detection_filter unique_on given twice");
  EXPECT_EQ(parse_error("alert tls any any -> any any (detection_filter:track by_src, count 5, "
                        "seconds 60, unique_on dicom.called_ae; sid:1;)"),
            "unique_on dicom.called_ae does not apply to protocol tls");
  EXPECT_EQ(parse_error(tcp_rule("tls.sni; content:\"x\"; detection_filter:track by_src, "
                                 "count 5, seconds 60, unique_on dicom.calling_ae; sid:1;")),
            "unique_on dicom.calling_ae cannot be combined with tls keywords");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 5, seconds 60, "
                                 "unique_on dicom.calling_ae; tls.version:1.2; sid:1;")),
            "tls.version cannot be combined with dicom keywords");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 5, seconds 60, "
                                 "unique_on src_ip; sid:1;")),
            "detection_filter unique_on src_ip is the tracked address (one value per key)");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type both, track by_both, count 5, seconds 60, "
                                 "unique_on dst_ip; sid:1;")),
            "threshold unique_on dst_ip is the tracked address (one value per key)");
}

TEST(RuleUniqueOn, EveryPartAtMostOnce) {
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, type both, track by_src, count 1, "
                                 "seconds 1; sid:1;")),
            "threshold type given twice");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, track by_src, track by_dst, count 1, "
                                 "seconds 1; sid:1;")),
            "threshold track given twice");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 1, count 2, seconds 1; "
                                 "sid:1;")),
            "detection_filter count given twice");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 1, seconds 1, "
                                 "seconds 2; sid:1;")),
            "detection_filter seconds given twice");
}

TEST(RuleUniqueOn, ReadmeExamples) {
  Rule r = parse_ok(
      "alert dicom $EXTERNAL_NET any -> $PACS_NET $DICOM_PORTS (msg:\"Called AE title "
      "guessing\"; dicom.assoc_state:rejected; detection_filter:track by_src, count 5, "
      "seconds 60, unique_on dicom.called_ae; sid:2000020;)");
  EXPECT_EQ(r.detection_filter->unique_on, UniqueOn::kCalledAe);
  r = parse_ok(
      "alert dicom $HOME_NET any -> $HOME_NET any (msg:\"DICOM association sweep\"; "
      "dicom.assoc_state:requested; detection_filter:track by_src, count 5, seconds 60, "
      "unique_on dst_ip; sid:2000021;)");
  EXPECT_EQ(r.detection_filter->unique_on, UniqueOn::kDstIp);
  EXPECT_EQ(r.detection_filter->track, Track::kBySrc);
}

}  // namespace
}  // namespace dicomsentry::rules
