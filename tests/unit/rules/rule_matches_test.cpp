// content (hex, escapes, negation, modifiers), pcre, and sticky buffers.
#include <gtest/gtest.h>

#include "rule_test_util.hpp"

namespace dicomsentry::rules {
namespace {

using testing::parse_error;
using testing::parse_ok;
using testing::tcp_rule;

const ContentMatch& only_content(const Rule& r) {
  static const ContentMatch empty;
  EXPECT_EQ(r.matches.size(), 1u);
  if (r.matches.empty() || r.matches[0].kind != MatchKind::kContent) return empty;
  return r.matches[0].content;
}

TEST(RuleContent, PlainAndHex) {
  const Rule r = parse_ok(tcp_rule("content:\"MZ|90 00|\\\"x\\;\\\\\\:\\|y|0a0D|\"; sid:1;"));
  const ContentMatch& c = only_content(r);
  EXPECT_EQ(c.bytes, std::string("MZ\x90\x00\"x;\\:|y\x0a\x0d", 13));
  EXPECT_FALSE(c.negated);
  EXPECT_FALSE(c.nocase);
  EXPECT_FALSE(c.offset || c.depth || c.distance || c.within);
  EXPECT_EQ(r.matches[0].buffer, Buffer::kPayload);
}

TEST(RuleContent, OnlyHexAndSemicolonInQuotes) {
  EXPECT_EQ(only_content(parse_ok(tcp_rule("content:\"|00 01 02|\"; sid:1;"))).bytes,
            std::string("\x00\x01\x02", 3));
  // An unescaped ';' inside quotes does not end the option.
  EXPECT_EQ(only_content(parse_ok(tcp_rule("content:\"a;b\"; sid:1;"))).bytes, "a;b");
  EXPECT_EQ(only_content(parse_ok(tcp_rule("content:\"a()b\"; sid:1;"))).bytes, "a()b");
}

TEST(RuleContent, NegationAndModifiers) {
  const Rule r =
      parse_ok(tcp_rule("content:!\"ECHOSCU\"; nocase; offset:4; depth:20; fast_pattern; "
                        "content:\"B\"; distance:-2; within:10; sid:1;"));
  ASSERT_EQ(r.matches.size(), 2u);
  const ContentMatch& a = r.matches[0].content;
  EXPECT_EQ(a.bytes, "ECHOSCU");
  EXPECT_TRUE(a.negated);
  EXPECT_TRUE(a.nocase);
  EXPECT_TRUE(a.fast_pattern);
  EXPECT_EQ(a.offset, 4u);
  EXPECT_EQ(a.depth, 20u);
  EXPECT_FALSE(a.distance.has_value());
  const ContentMatch& b = r.matches[1].content;
  EXPECT_EQ(b.distance, -2);
  EXPECT_EQ(b.within, 10u);
  EXPECT_FALSE(b.nocase);
  EXPECT_EQ(parse_ok(tcp_rule("content:\"x\"; distance:0; sid:1;")).matches[0].content.distance, 0);
  EXPECT_EQ(parse_ok(tcp_rule("content:\"x\"; offset:0; sid:1;")).matches[0].content.offset, 0u);
}

TEST(RuleContent, Errors) {
  EXPECT_EQ(parse_error(tcp_rule("content:\"|41 4\"; sid:1;")), "unterminated |hex| in content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"|41 4|\"; sid:1;")),
            "odd number of hex digits in |hex| content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"|4G|\"; sid:1;")),
            "bad character 'G' in |hex| content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"\"; sid:1;")), "empty content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"||\"; sid:1;")), "empty content");
  EXPECT_EQ(parse_error(tcp_rule("content:abc; sid:1;")), "content needs a quoted string");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\\x\"; sid:1;")), "bad escape \"\\x\" in content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"\"b\"; sid:1;")), "unescaped quote in content");
  EXPECT_EQ(parse_error(tcp_rule("content; sid:1;")), "content needs a value");
}

TEST(RuleContent, ModifierErrors) {
  EXPECT_EQ(parse_error(tcp_rule("depth:4; sid:1;")), "depth needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("offset:4; sid:1;")), "offset needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("distance:4; sid:1;")), "distance needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("within:4; sid:1;")), "within needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("nocase; sid:1;")), "nocase needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("fast_pattern; sid:1;")),
            "fast_pattern needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("pcre:\"/a/\"; nocase; sid:1;")),
            "nocase needs a preceding content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; nocase:1; sid:1;")), "nocase takes no value");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; nocase; nocase; sid:1;")),
            "nocase given twice for one content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; depth:2; depth:3; sid:1;")),
            "depth given twice for one content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; offset:2; offset:3; sid:1;")),
            "offset given twice for one content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; distance:2; distance:3; sid:1;")),
            "distance given twice for one content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; within:2; within:3; sid:1;")),
            "within given twice for one content");
  EXPECT_EQ(parse_error(tcp_rule("content:\"abc\"; depth:2; sid:1;")),
            "depth 2 is shorter than the content (3 bytes)");
  EXPECT_EQ(parse_error(tcp_rule("content:\"abc\"; within:2; sid:1;")),
            "within 2 is shorter than the content (3 bytes)");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; depth:x; sid:1;")), "bad depth \"x\"");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; offset:-1; sid:1;")), "bad offset \"-1\"");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; within:-1; sid:1;")), "bad within \"-1\"");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; distance:1.5; sid:1;")), "bad distance \"1.5\"");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; depth:5; distance:1; sid:1;")),
            "distance cannot be combined with depth or offset");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; offset:5; within:1; sid:1;")),
            "within cannot be combined with depth or offset");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; within:5; depth:1; sid:1;")),
            "depth cannot be combined with distance or within");
  EXPECT_EQ(parse_error(tcp_rule("content:\"a\"; distance:5; offset:1; sid:1;")),
            "offset cannot be combined with distance or within");
}

TEST(RulePcre, PatternAndFlags) {
  const Rule r = parse_ok(tcp_rule("pcre:\"/^MZ.{2}\\x00\\;[a-z]+/ismxAEGR\"; sid:1;"));
  ASSERT_EQ(r.matches.size(), 1u);
  ASSERT_EQ(r.matches[0].kind, MatchKind::kPcre);
  const PcreMatch& p = r.matches[0].pcre;
  EXPECT_EQ(p.pattern, "^MZ.{2}\\x00\\;[a-z]+");
  EXPECT_EQ(p.flags, "ismxAEGR");
  EXPECT_TRUE(p.parsed.caseless && p.parsed.dotall && p.parsed.multiline && p.parsed.extended &&
              p.parsed.anchored && p.parsed.dollar_endonly && p.parsed.ungreedy &&
              p.parsed.relative);
  EXPECT_FALSE(p.negated);
  const Rule n = parse_ok(tcp_rule("pcre:!\"/a\\/b/\"; sid:1;"));
  EXPECT_TRUE(n.matches[0].pcre.negated);
  EXPECT_EQ(n.matches[0].pcre.pattern, "a\\/b");
  EXPECT_EQ(n.matches[0].pcre.flags, "");
  EXPECT_FALSE(n.matches[0].pcre.parsed.caseless);
}

TEST(RulePcre, Errors) {
  EXPECT_EQ(parse_error(tcp_rule("pcre:\"/a/U\"; sid:1;")), "unsupported pcre flag 'U'");
  EXPECT_EQ(parse_error(tcp_rule("pcre:\"//\"; sid:1;")), "empty pcre pattern");
  EXPECT_EQ(parse_error(tcp_rule("pcre:\"abc\"; sid:1;")), "pcre needs \"/pattern/flags\"");
  EXPECT_EQ(parse_error(tcp_rule("pcre:\"/abc\"; sid:1;")), "pcre needs \"/pattern/flags\"");
  EXPECT_EQ(parse_error(tcp_rule("pcre:/abc/; sid:1;")), "pcre needs a quoted string");
}

TEST(RuleStickyBuffers, EachMatchKeepsTheBufferSelectedBeforeIt) {
  const Rule r = parse_ok(
      "alert dicom any any -> any any (content:\"raw\"; dicom.calling_ae; content:\"ECHOSCU\"; "
      "pcre:\"/^ECHO/\"; dicom.dataset; content:\"MZ\"; pkt_data; content:\"tail\"; sid:1;)");
  ASSERT_EQ(r.matches.size(), 5u);
  EXPECT_EQ(r.matches[0].buffer, Buffer::kPayload);
  EXPECT_EQ(r.matches[1].buffer, Buffer::kDicomCallingAe);
  EXPECT_EQ(r.matches[2].buffer, Buffer::kDicomCallingAe);
  EXPECT_EQ(r.matches[2].kind, MatchKind::kPcre);
  EXPECT_EQ(r.matches[3].buffer, Buffer::kDicomDataset);
  EXPECT_EQ(r.matches[4].buffer, Buffer::kPayload);
}

TEST(RuleStickyBuffers, EveryBufferKeyword) {
  const std::pair<const char*, Buffer> dicom[] = {
      {"dicom.calling_ae", Buffer::kDicomCallingAe},
      {"dicom.called_ae", Buffer::kDicomCalledAe},
      {"dicom.abstract_syntax", Buffer::kDicomAbstractSyntax},
      {"dicom.transfer_syntax", Buffer::kDicomTransferSyntax},
      {"dicom.impl_class_uid", Buffer::kDicomImplClassUid},
      {"dicom.impl_version", Buffer::kDicomImplVersion},
      {"dicom.sop_class", Buffer::kDicomSopClass},
      {"dicom.move_destination", Buffer::kDicomMoveDestination},
      {"dicom.query", Buffer::kDicomQuery},
      {"dicom.dataset", Buffer::kDicomDataset},
  };
  for (const auto& [name, buffer] : dicom) {
    const Rule r = parse_ok(std::string("alert dicom any any -> any any (") + name +
                            "; content:\"x\"; sid:1;)");
    ASSERT_EQ(r.matches.size(), 1u) << name;
    EXPECT_EQ(r.matches[0].buffer, buffer) << name;
    EXPECT_EQ(buffer_name(buffer), name);
    // A tcp rule may use them too (it becomes a DICOM rule); a tls rule may not.
    EXPECT_EQ(
        parse_ok(std::string("alert tcp any any -> any any (") + name + "; content:\"x\"; sid:1;)")
            .matches[0]
            .buffer,
        buffer);
    EXPECT_EQ(parse_error(std::string("alert tls any any -> any any (") + name +
                          "; content:\"x\"; sid:1;)"),
              std::string(name) + " does not apply to protocol tls");
  }
  const std::pair<const char*, Buffer> tls[] = {{"tls.sni", Buffer::kTlsSni},
                                                {"tls.cipher", Buffer::kTlsCipher}};
  for (const auto& [name, buffer] : tls) {
    const Rule r =
        parse_ok(std::string("alert tls any any -> any any (") + name + "; content:\"x\"; sid:1;)");
    EXPECT_EQ(r.matches[0].buffer, buffer) << name;
    EXPECT_EQ(buffer_name(buffer), name);
    EXPECT_EQ(parse_error(std::string("alert dicom any any -> any any (") + name +
                          "; content:\"x\"; sid:1;)"),
              std::string(name) + " does not apply to protocol dicom");
  }
  EXPECT_EQ(buffer_name(Buffer::kPayload), "pkt_data");
}

TEST(RuleStickyBuffers, Errors) {
  EXPECT_EQ(parse_error("alert dicom any any -> any any (dicom.calling_ae; sid:1;)"),
            "dicom.calling_ae is not followed by content or pcre");
  EXPECT_EQ(parse_error("alert dicom any any -> any any (dicom.calling_ae; dicom.called_ae; "
                        "content:\"x\"; sid:1;)"),
            "dicom.calling_ae is not followed by content or pcre");
  EXPECT_EQ(parse_error("alert dicom any any -> any any (dicom.calling_ae:\"x\"; sid:1;)"),
            "dicom.calling_ae takes no value");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (dicom.calling_ae; content:\"x\"; "
                        "tls.sni; content:\"y\"; sid:1;)"),
            "tls.sni cannot be combined with dicom keywords");
}

}  // namespace
}  // namespace dicomsentry::rules
