// Meta options, flow, app-layer-protocol, threshold, detection_filter and option splitting.
#include <gtest/gtest.h>

#include "rule_test_util.hpp"

namespace dicomsentry::rules {
namespace {

using testing::parse_error;
using testing::parse_ok;
using testing::tcp_rule;

TEST(RuleOptions, Meta) {
  Rule r =
      parse_ok(tcp_rule("msg:\"DICOM \\\"quoted\\\" a\\;b c\\\\d e:f\"; sid:2000001; rev:3; "
                        "classtype:policy-violation; "
                        "priority:2; reference:cve,2019-11687; reference:url,dicom.nema.org/x; "
                        "metadata:created_at 2026_12_01, hygiene segmenting; metadata:tag x;"));
  EXPECT_EQ(r.msg, "DICOM \"quoted\" a;b c\\d e:f");
  EXPECT_EQ(r.sid, 2000001u);
  EXPECT_EQ(r.rev, 3u);
  EXPECT_EQ(r.classtype, "policy-violation");
  ASSERT_TRUE(r.priority.has_value());
  EXPECT_EQ(*r.priority, 2);
  ASSERT_EQ(r.references.size(), 2u);
  EXPECT_EQ(r.references[0].type, "cve");
  EXPECT_EQ(r.references[0].value, "2019-11687");
  EXPECT_EQ(r.references[1].type, "url");
  EXPECT_EQ(r.references[1].value, "dicom.nema.org/x");
  EXPECT_EQ(r.metadata,
            (std::vector<std::string>{"created_at 2026_12_01", "hygiene segmenting", "tag x"}));
}

TEST(RuleOptions, Defaults) {
  Rule r = parse_ok(tcp_rule("sid:1"));  // the last ';' may be left out
  EXPECT_EQ(r.msg, "");
  EXPECT_EQ(r.rev, 0u);
  EXPECT_FALSE(r.priority.has_value());
  EXPECT_FALSE(r.flow.has_value());
  EXPECT_FALSE(r.app_layer.has_value());
  EXPECT_FALSE(r.threshold.has_value());
  EXPECT_FALSE(r.detection_filter.has_value());
  EXPECT_TRUE(r.matches.empty());
  EXPECT_TRUE(r.conditions.empty());
  EXPECT_EQ(parse_ok(tcp_rule("sid:4294967295;")).sid, 4294967295u);
}

TEST(RuleOptions, MetaErrors) {
  EXPECT_EQ(parse_error(tcp_rule("msg:\"x\";")), "sid missing");
  EXPECT_EQ(parse_error(tcp_rule("sid:0;")), "bad sid \"0\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:abc;")), "bad sid \"abc\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:4294967296;")), "bad sid \"4294967296\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:0x10;")), "bad sid \"0x10\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; sid:2;")), "sid given twice");
  EXPECT_EQ(parse_error(tcp_rule("sid:;")), "sid needs a value");
  EXPECT_EQ(parse_error(tcp_rule("sid;")), "sid needs a value");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; rev:x;")), "bad rev \"x\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; rev:1; rev:2;")), "rev given twice");
  EXPECT_EQ(parse_error(tcp_rule("msg:x; sid:1;")), "msg needs a quoted string");
  EXPECT_EQ(parse_error(tcp_rule("msg:\"a\"; msg:\"b\"; sid:1;")), "msg given twice");
  EXPECT_EQ(parse_error(tcp_rule("msg:\"a\\nb\"; sid:1;")), "bad escape \"\\n\" in msg");
  EXPECT_EQ(parse_error(tcp_rule("msg:\"a\"b\"; sid:1;")), "unterminated quoted string");
  EXPECT_EQ(parse_error(tcp_rule("msg:\"a\"\"b\"; sid:1;")), "unescaped quote in msg");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; classtype:bad class;")), "bad classtype \"bad class\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; classtype:a; classtype:b;")), "classtype given twice");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; priority:0;")), "bad priority \"0\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; priority:256;")), "bad priority \"256\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; priority:1; priority:2;")), "priority given twice");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; reference:cve;")), "reference needs \"type,value\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; reference:cve,;")), "reference needs \"type,value\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; metadata:a,,b;")), "empty metadata entry");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; contnet:\"x\";")), "unknown keyword \"contnet\"");
  EXPECT_EQ(parse_error(tcp_rule("sid:1;; msg:\"x\";")), "empty option");
  EXPECT_EQ(parse_error(tcp_rule("sid:1; metadata:a],b;")), "bad metadata");
}

TEST(RuleOptions, OptionCap) {
  std::string options = "sid:1;";
  for (std::size_t i = 0; i < kMaxOptions; ++i) options += " metadata:a;";
  EXPECT_EQ(parse_error(tcp_rule(options)), "more than 256 options");
  std::string fits = "sid:1;";
  for (std::size_t i = 1; i < kMaxOptions; ++i) fits += " metadata:a;";
  EXPECT_EQ(parse_ok(tcp_rule(fits)).metadata.size(), kMaxOptions - 1);
}

TEST(RuleOptions, Flow) {
  Rule r = parse_ok(tcp_rule("flow:to_server,established; sid:1;"));
  ASSERT_TRUE(r.flow.has_value());
  EXPECT_TRUE(r.flow->to_server);
  EXPECT_FALSE(r.flow->to_client);
  EXPECT_TRUE(r.flow->established);
  EXPECT_FALSE(r.flow->not_established);
  r = parse_ok(tcp_rule("flow: from_server , not_established, only_stream; sid:1;"));
  EXPECT_TRUE(r.flow->to_client);
  EXPECT_TRUE(r.flow->not_established);
  EXPECT_TRUE(r.flow->only_stream);
  r = parse_ok(tcp_rule("flow:from_client,stateless,no_stream; sid:1;"));
  EXPECT_TRUE(r.flow->to_server);
  EXPECT_TRUE(r.flow->stateless);
  EXPECT_TRUE(r.flow->no_stream);
  EXPECT_TRUE(parse_ok(tcp_rule("flow:to_client; sid:1;")).flow->to_client);
}

TEST(RuleOptions, FlowErrors) {
  EXPECT_EQ(parse_error(tcp_rule("flow:to_sever; sid:1;")), "unknown flow option \"to_sever\"");
  EXPECT_EQ(parse_error(tcp_rule("flow:to_server,to_client; sid:1;")),
            "flow cannot be both to_server and to_client");
  EXPECT_EQ(parse_error(tcp_rule("flow:established,not_established; sid:1;")),
            "flow cannot be both established and not_established");
  EXPECT_EQ(parse_error(tcp_rule("flow:only_stream,no_stream; sid:1;")),
            "flow cannot be both only_stream and no_stream");
  EXPECT_EQ(parse_error(tcp_rule("flow:established; flow:to_server; sid:1;")), "flow given twice");
  EXPECT_EQ(parse_error(tcp_rule("flow; sid:1;")), "flow needs a value");
  EXPECT_EQ(parse_error(tcp_rule("flow:[to_server; sid:1;")), "bad flow");
}

TEST(RuleOptions, AppLayerProtocol) {
  Rule r = parse_ok("alert tcp any any -> any $DICOM_PORTS (app-layer-protocol:!dicom; sid:1;)");
  ASSERT_TRUE(r.app_layer.has_value());
  EXPECT_EQ(r.app_layer->protocol, "dicom");
  EXPECT_TRUE(r.app_layer->negated);
  r = parse_ok(tcp_rule("app-layer-protocol:failed; sid:1;"));
  EXPECT_EQ(r.app_layer->protocol, "failed");
  EXPECT_FALSE(r.app_layer->negated);
  EXPECT_EQ(parse_ok(tcp_rule("app-layer-protocol:tls; sid:1;")).app_layer->protocol, "tls");
  EXPECT_EQ(parse_ok(tcp_rule("app-layer-protocol:unknown; sid:1;")).app_layer->protocol,
            "unknown");
  EXPECT_EQ(parse_error(tcp_rule("app-layer-protocol:http; sid:1;")),
            "unknown app-layer protocol \"http\"");
  EXPECT_EQ(parse_error(tcp_rule("app-layer-protocol:tls; app-layer-protocol:dicom; sid:1;")),
            "app-layer-protocol given twice");
}

TEST(RuleOptions, Threshold) {
  Rule r =
      parse_ok(tcp_rule("threshold: type threshold, track by_src, count 10, seconds 60; sid:1;"));
  ASSERT_TRUE(r.threshold.has_value());
  EXPECT_EQ(r.threshold->type, ThresholdType::kThreshold);
  EXPECT_EQ(r.threshold->track, Track::kBySrc);
  EXPECT_EQ(r.threshold->count, 10u);
  EXPECT_EQ(r.threshold->seconds, 60u);
  r = parse_ok(tcp_rule("threshold:seconds 5,count 1,track by_dst,type limit; sid:1;"));
  EXPECT_EQ(r.threshold->type, ThresholdType::kLimit);
  EXPECT_EQ(r.threshold->track, Track::kByDst);
  r = parse_ok(tcp_rule("threshold:type both,track by_rule,count 2,seconds 3; sid:1;"));
  EXPECT_EQ(r.threshold->type, ThresholdType::kBoth);
  EXPECT_EQ(r.threshold->track, Track::kByRule);
  r = parse_ok(tcp_rule("threshold:type both,track by_both,count 2,seconds 3; sid:1;"));
  EXPECT_EQ(r.threshold->track, Track::kByBoth);
}

TEST(RuleOptions, DetectionFilter) {
  Rule r = parse_ok(tcp_rule("detection_filter:track by_dst, count 20, seconds 30; sid:1;"));
  ASSERT_TRUE(r.detection_filter.has_value());
  EXPECT_EQ(r.detection_filter->track, Track::kByDst);
  EXPECT_EQ(r.detection_filter->count, 20u);
  EXPECT_EQ(r.detection_filter->seconds, 30u);
  EXPECT_FALSE(r.threshold.has_value());
}

TEST(RuleOptions, ThresholdErrors) {
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, track by_src, count 1; sid:1;")),
            "threshold needs type, track, count and seconds");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type maybe, track by_src, count 1, seconds 1; sid:1;")),
            "bad threshold type \"maybe\"");
  EXPECT_EQ(
      parse_error(tcp_rule("threshold:type limit, track by_host, count 1, seconds 1; sid:1;")),
      "bad threshold track \"by_host\"");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, track by_src, count 0, seconds 1; sid:1;")),
            "bad threshold count \"0\"");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, track by_src, count 1, seconds x; sid:1;")),
            "bad threshold seconds \"x\"");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit, track by_src, count 1, seconds 1, "
                                 "burst 2; sid:1;")),
            "unknown threshold option \"burst\"");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit,[; sid:1;")),
            "bad threshold \"type limit,[\"");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count 1; sid:1;")),
            "detection_filter needs track, count and seconds");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:type limit, track by_src, count 1, seconds 1; "
                                 "sid:1;")),
            "unknown detection_filter option \"type\"");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src, count -1, seconds 1; sid:1;")),
            "bad detection_filter count \"-1\"");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit,track by_src,count 1,seconds 1; "
                                 "detection_filter:track by_src,count 1,seconds 1; sid:1;")),
            "threshold and detection_filter cannot be combined");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src,count 1,seconds 1; "
                                 "threshold:type limit,track by_src,count 1,seconds 1; sid:1;")),
            "threshold and detection_filter cannot be combined");
  EXPECT_EQ(parse_error(tcp_rule("threshold:type limit,track by_src,count 1,seconds 1; "
                                 "threshold:type limit,track by_src,count 1,seconds 1; sid:1;")),
            "threshold given twice");
  EXPECT_EQ(parse_error(tcp_rule("detection_filter:track by_src,count 1,seconds 1; "
                                 "detection_filter:track by_src,count 1,seconds 1; sid:1;")),
            "detection_filter given twice");
}

}  // namespace
}  // namespace dicomsentry::rules
