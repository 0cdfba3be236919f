// The `dataset` keyword as parse_rule sees it (no file is read): each operation, each buffer
// that may and may not carry one, and every error message.
#include <gtest/gtest.h>

#include "rule_test_util.hpp"

namespace dicomsentry::rules {
namespace {

using testing::parse_error;
using testing::parse_ok;
using testing::tcp_rule;

TEST(RuleDataset, IssetOnImplVersionWithoutContent) {
  Rule r = parse_ok(
      "alert dicom any any -> any any (dicom.impl_version; "
      "dataset:isset,outdated-versions,type string,load outdated-versions.txt; sid:1;)");
  ASSERT_EQ(r.datasets.size(), 1u);
  const DatasetMatch& d = r.datasets[0];
  EXPECT_EQ(d.buffer, Buffer::kDicomImplVersion);
  EXPECT_FALSE(d.negated);
  EXPECT_EQ(d.name, "outdated-versions");
  EXPECT_EQ(d.file, "outdated-versions.txt");
  EXPECT_EQ(d.values, nullptr);  // parse_rule reads no files
  EXPECT_TRUE(r.matches.empty());
  EXPECT_EQ(r.bound_protocol, Protocol::kDicom);
}

TEST(RuleDataset, IsnotsetOptionsInAnyOrderAndWithContent) {
  Rule r = parse_ok(tcp_rule(
      "dicom.calling_ae; content:\"CT\"; dataset:isnotset, known_ae, load /etc/ds/ae.txt, "
      "type string; dicom.called_ae; dataset:isset,pacs.names,type string,load pacs.txt; sid:1;"));
  ASSERT_EQ(r.datasets.size(), 2u);
  EXPECT_EQ(r.datasets[0].buffer, Buffer::kDicomCallingAe);
  EXPECT_TRUE(r.datasets[0].negated);
  EXPECT_EQ(r.datasets[0].name, "known_ae");
  EXPECT_EQ(r.datasets[0].file, "/etc/ds/ae.txt");
  EXPECT_EQ(r.datasets[1].buffer, Buffer::kDicomCalledAe);
  EXPECT_FALSE(r.datasets[1].negated);
  EXPECT_EQ(r.datasets[1].name, "pacs.names");
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].buffer, Buffer::kDicomCallingAe);
  EXPECT_EQ(r.bound_protocol, Protocol::kDicom);
}

TEST(RuleDataset, EveryBufferThatCarriesOne) {
  struct Case {
    const char* keyword;
    Buffer buffer;
  };
  const Case cases[] = {
      {"dicom.calling_ae", Buffer::kDicomCallingAe},
      {"dicom.called_ae", Buffer::kDicomCalledAe},
      {"dicom.impl_class_uid", Buffer::kDicomImplClassUid},
      {"dicom.impl_version", Buffer::kDicomImplVersion},
      {"dicom.move_destination", Buffer::kDicomMoveDestination},
      {"dicom.sop_class", Buffer::kDicomSopClass},
      {"dicom.abstract_syntax", Buffer::kDicomAbstractSyntax},
      {"dicom.transfer_syntax", Buffer::kDicomTransferSyntax},
      {"tls.sni", Buffer::kTlsSni},
      {"tls.cipher", Buffer::kTlsCipher},
  };
  for (const Case& c : cases) {
    Rule r = parse_ok(
        tcp_rule(std::string(c.keyword) + "; dataset:isset,s,type string,load s.txt; sid:1;"));
    ASSERT_EQ(r.datasets.size(), 1u) << c.keyword;
    EXPECT_EQ(r.datasets[0].buffer, c.buffer) << c.keyword;
  }
}

TEST(RuleDataset, BuffersThatDoNot) {
  EXPECT_EQ(parse_error(tcp_rule("dataset:isset,s,type string,load s.txt; sid:1;")),
            "dataset does not apply to pkt_data");
  EXPECT_EQ(parse_error(tcp_rule("dicom.sop_class; content:\"1.2\"; pkt_data; "
                                 "dataset:isset,s,type string,load s.txt; sid:1;")),
            "dataset does not apply to pkt_data");
  EXPECT_EQ(parse_error(tcp_rule("dicom.query; dataset:isset,s,type string,load s.txt; sid:1;")),
            "dataset does not apply to dicom.query");
  EXPECT_EQ(parse_error(tcp_rule("dicom.dataset; dataset:isset,s,type string,load s.txt; sid:1;")),
            "dataset does not apply to dicom.dataset");
}

TEST(RuleDataset, Errors) {
  auto error = [](std::string_view value) {
    return parse_error(tcp_rule("dicom.impl_version; dataset:" + std::string(value) + "; sid:1;"));
  };
  EXPECT_EQ(error("isset"), "dataset needs \"isset|isnotset,name,type string,load file\"");
  EXPECT_EQ(error("isset,[s"), "dataset needs \"isset|isnotset,name,type string,load file\"");
  EXPECT_EQ(error("set,s,type string,load s.txt"),
            "bad dataset operation \"set\" (isset or isnotset)");
  EXPECT_EQ(error("unset,s,type string,load s.txt"),
            "bad dataset operation \"unset\" (isset or isnotset)");
  EXPECT_EQ(error("isset,s s,type string,load s.txt"), "bad dataset name \"s s\"");
  EXPECT_EQ(error("isset,,type string,load s.txt"), "bad dataset name \"\"");
  EXPECT_EQ(error("isset,s,load s.txt"), "dataset needs \"type string\"");
  EXPECT_EQ(error("isset,s,type string"), "dataset needs \"load <file>\"");
  EXPECT_EQ(error("isset,s,type md5,load s.txt"),
            "dataset type \"md5\" is not supported (only string)");
  EXPECT_EQ(error("isset,s,type,load s.txt"), "dataset type \"\" is not supported (only string)");
  EXPECT_EQ(error("isset,s,type string,type string,load s.txt"), "dataset type given twice");
  EXPECT_EQ(error("isset,s,type string,load a.txt,load b.txt"), "dataset load given twice");
  EXPECT_EQ(error("isset,s,type string,load"), "dataset load needs a file name");
  EXPECT_EQ(error("isset,s,type string,load s.txt,save s.txt"), "unknown dataset option \"save\"");
  EXPECT_EQ(error("isset,s,type string,load s.txt,memcap 10mb"),
            "unknown dataset option \"memcap\"");
  EXPECT_EQ(parse_error(tcp_rule("dicom.impl_version; sid:1;")),
            "dicom.impl_version is not followed by content or pcre");
}

TEST(RuleDataset, ReadmeExample) {
  Rule r = parse_ok(
      "alert dicom any any -> $PACS_NET $DICOM_PORTS (msg:\"Unknown calling AE\"; "
      "dicom.calling_ae; dataset:isnotset,known-ae,type string,load known-ae.txt; "
      "sid:2000011;)");
  ASSERT_EQ(r.datasets.size(), 1u);
  EXPECT_EQ(r.datasets[0].buffer, Buffer::kDicomCallingAe);
  EXPECT_TRUE(r.datasets[0].negated);
  EXPECT_EQ(r.datasets[0].name, "known-ae");
  EXPECT_EQ(r.datasets[0].file, "known-ae.txt");
}

}  // namespace
}  // namespace dicomsentry::rules
