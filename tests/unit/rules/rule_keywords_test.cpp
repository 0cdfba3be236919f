// DICOM and TLS value keywords: enumerations, reject reasons, status and version comparisons.
#include <gtest/gtest.h>

#include "dicom/dicom_events.hpp"
#include "dicom/dimse_command.hpp"
#include "dicom/dimse_names.hpp"
#include "rule_test_util.hpp"

namespace dicomsentry::rules {
namespace {

using testing::parse_error;

std::string dicom_rule(std::string_view options) {
  return "alert dicom any any -> any any (" + std::string(options) + " sid:1;)";
}

ValueCondition only_condition(std::string_view options, bool tls = false) {
  const Rule r =
      testing::parse_ok(tls ? "alert tls any any -> any any (" + std::string(options) + " sid:1;)"
                            : dicom_rule(options));
  EXPECT_EQ(r.conditions.size(), 1u) << options;
  return r.conditions.empty() ? ValueCondition{} : r.conditions[0];
}

std::vector<std::uint16_t> codes(std::initializer_list<int> values) {
  std::vector<std::uint16_t> out;
  for (int v : values) out.push_back(static_cast<std::uint16_t>(v));
  return out;
}

TEST(RuleKeywords, UserIdentity) {
  ValueCondition c = only_condition("dicom.user_identity:none, username,username_passcode;");
  EXPECT_EQ(c.keyword, ValueKeyword::kDicomUserIdentity);
  EXPECT_FALSE(c.negated);
  EXPECT_EQ(c.values, codes({0, 1, 2}));
  c = only_condition("dicom.user_identity:!kerberos,SAML,jwt;");
  EXPECT_TRUE(c.negated);
  EXPECT_EQ(c.values, codes({3, 4, 5}));
  EXPECT_EQ(parse_error(dicom_rule("dicom.user_identity:password;")),
            "unknown dicom.user_identity value \"password\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.user_identity:none,;")),
            "empty value in dicom.user_identity");
  EXPECT_EQ(parse_error(dicom_rule("dicom.user_identity;")), "dicom.user_identity needs a value");
}

TEST(RuleKeywords, AssocState) {
  using dicom::AssociationState;
  const ValueCondition c = only_condition(
      "dicom.assoc_state:accepted,established,rejected,aborted,released,"
      "releasing,requested,incomplete,midstream;");
  EXPECT_EQ(c.keyword, ValueKeyword::kDicomAssocState);
  EXPECT_EQ(c.values,
            codes({int(AssociationState::kEstablished), int(AssociationState::kEstablished),
                   int(AssociationState::kRejected), int(AssociationState::kAborted),
                   int(AssociationState::kReleased), int(AssociationState::kReleasing),
                   int(AssociationState::kRequested), int(AssociationState::kIncomplete),
                   int(AssociationState::kMidstream)}));
  EXPECT_TRUE(only_condition("dicom.assoc_state:!released;").negated);
  EXPECT_EQ(parse_error(dicom_rule("dicom.assoc_state:open;")),
            "unknown dicom.assoc_state value \"open\"");
}

TEST(RuleKeywords, RejectReason) {
  const ValueCondition c = only_condition("dicom.reject_reason:3,7;");
  EXPECT_EQ(c.keyword, ValueKeyword::kDicomRejectReason);
  EXPECT_EQ(c.values, codes({3, 7}));
  EXPECT_EQ(parse_error(dicom_rule("dicom.reject_reason:8;")), "bad dicom.reject_reason \"8\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.reject_reason:0;")), "bad dicom.reject_reason \"0\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.reject_reason:x;")), "bad dicom.reject_reason \"x\"");
}

TEST(RuleKeywords, Command) {
  using dicom::CommandField;
  ValueCondition c = only_condition("dicom.command:C-MOVE-RQ;");
  EXPECT_EQ(c.keyword, ValueKeyword::kDicomCommand);
  EXPECT_EQ(c.values, codes({int(CommandField::kCMoveRq)}));
  // The service name covers request and response; names are case-insensitive.
  c = only_condition("dicom.command:!c-find,N-ACTION-RSP,C-CANCEL-RQ;");
  EXPECT_TRUE(c.negated);
  EXPECT_EQ(c.values, codes({int(CommandField::kCFindRq), int(CommandField::kCFindRsp),
                             int(CommandField::kNActionRsp), int(CommandField::kCCancelRq)}));
  EXPECT_EQ(parse_error(dicom_rule("dicom.command:[C-ECHO;")), "bad dicom.command \"[C-ECHO\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.command:C-FOO-RQ;")),
            "unknown dicom.command value \"C-FOO-RQ\"");
}

TEST(RuleKeywords, QueryLevel) {
  const ValueCondition c = only_condition("dicom.query_level:PATIENT,study,Series,IMAGE;");
  EXPECT_EQ(c.keyword, ValueKeyword::kDicomQueryLevel);
  EXPECT_EQ(c.values, codes({0, 1, 2, 3}));
  EXPECT_EQ(parse_error(dicom_rule("dicom.query_level:WORKLIST;")),
            "unknown dicom.query_level value \"WORKLIST\"");
}

TEST(RuleKeywords, StatusNumbers) {
  struct Case {
    const char* text;
    NumericCondition expected;
  };
  const Case cases[] = {
      {"0xA801", {CompareOp::kEq, 0xA801, 0xA801}},
      {"=0", {CompareOp::kEq, 0, 0}},
      {"!=0", {CompareOp::kNe, 0, 0}},
      {"!0xFF00", {CompareOp::kNe, 0xFF00, 0xFF00}},
      {"<0x0100", {CompareOp::kLt, 0x100, 0x100}},
      {"<=5", {CompareOp::kLe, 5, 5}},
      {">0xA000", {CompareOp::kGt, 0xA000, 0xA000}},
      {">= 0xC000", {CompareOp::kGe, 0xC000, 0xC000}},
      {"0xA700-0xA7FF", {CompareOp::kRange, 0xA700, 0xA7FF}},
      {"65535", {CompareOp::kEq, 0xFFFF, 0xFFFF}},
  };
  for (const Case& k : cases) {
    const ValueCondition c = only_condition(std::string("dicom.status:") + k.text + ";");
    EXPECT_EQ(c.keyword, ValueKeyword::kDicomStatus);
    ASSERT_TRUE(c.number.has_value()) << k.text;
    EXPECT_EQ(*c.number, k.expected) << k.text;
    EXPECT_FALSE(c.category.has_value());
  }
}

TEST(RuleKeywords, StatusCategories) {
  using dicom::StatusCategory;
  const std::pair<const char*, StatusCategory> cases[] = {{"success", StatusCategory::kSuccess},
                                                          {"warning", StatusCategory::kWarning},
                                                          {"failure", StatusCategory::kFailure},
                                                          {"cancel", StatusCategory::kCancel},
                                                          {"Pending", StatusCategory::kPending}};
  for (const auto& [name, category] : cases) {
    const ValueCondition c = only_condition(std::string("dicom.status:") + name + ";");
    ASSERT_TRUE(c.category.has_value()) << name;
    EXPECT_EQ(*c.category, static_cast<std::uint8_t>(category));
    EXPECT_FALSE(c.negated);
    EXPECT_FALSE(c.number.has_value());
  }
  const ValueCondition n = only_condition("dicom.status:!success;");
  EXPECT_TRUE(n.negated);
  EXPECT_EQ(n.category, static_cast<std::uint8_t>(StatusCategory::kSuccess));
}

TEST(RuleKeywords, StatusErrors) {
  EXPECT_EQ(parse_error(dicom_rule("dicom.status:0x1FFFF;")), "bad dicom.status \"0x1FFFF\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.status:0xA7FF-0xA700;")),
            "bad dicom.status \"0xA7FF-0xA700\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.status:bad;")), "bad dicom.status \"bad\"");
  EXPECT_EQ(parse_error(dicom_rule("dicom.status:<;")), "bad dicom.status \"<\"");
}

TEST(RuleKeywords, SubOperations) {
  const ValueCondition c = only_condition("dicom.sub_operations:>1000;");
  EXPECT_EQ(c.keyword, ValueKeyword::kDicomSubOperations);
  ASSERT_TRUE(c.number.has_value());
  EXPECT_EQ(*c.number, (NumericCondition{CompareOp::kGt, 1000, 1000}));
  EXPECT_EQ(*only_condition("dicom.sub_operations:100-262143;").number,
            (NumericCondition{CompareOp::kRange, 100, 262143}));
  EXPECT_EQ(testing::parse_error(dicom_rule("dicom.sub_operations:success;")),
            "bad dicom.sub_operations \"success\"");
  EXPECT_EQ(testing::parse_error(dicom_rule("dicom.sub_operations:>262144;")),
            "bad dicom.sub_operations \">262144\"");
}

TEST(RuleKeywords, ContextsAndRequests) {
  const ValueCondition contexts = only_condition("dicom.contexts:1;");
  EXPECT_EQ(contexts.keyword, ValueKeyword::kDicomContexts);
  EXPECT_EQ(*contexts.number, (NumericCondition{CompareOp::kEq, 1, 1}));
  const ValueCondition requests = only_condition("dicom.requests:>=10;");
  EXPECT_EQ(requests.keyword, ValueKeyword::kDicomRequests);
  EXPECT_EQ(*requests.number, (NumericCondition{CompareOp::kGe, 10, 10}));
  EXPECT_EQ(testing::parse_error(dicom_rule("dicom.requests:many;")), "bad dicom.requests \"many\"");
}

TEST(RuleKeywords, AppLayerEvent) {
  EXPECT_EQ(testing::parse_ok(dicom_rule("app-layer-event:ul.pdata_before_acceptance;")).app_layer_event,
            std::optional<std::string>("ul.pdata_before_acceptance"));
  EXPECT_EQ(testing::parse_ok(dicom_rule("app-layer-event:dimse.*;")).app_layer_event,
            std::optional<std::string>("dimse.*"));
  EXPECT_EQ(testing::parse_error(dicom_rule("app-layer-event:UL.x;")), "bad app-layer-event \"UL.x\"");
  EXPECT_EQ(testing::parse_error(dicom_rule("app-layer-event:*;")), "bad app-layer-event \"*\"");
  EXPECT_EQ(testing::parse_error(dicom_rule("app-layer-event:ul.a; app-layer-event:ul.b;")),
            "app-layer-event given twice");
}

TEST(RuleKeywords, TlsVersion) {
  struct Case {
    const char* text;
    NumericCondition expected;
  };
  const Case cases[] = {
      {"1.2", {CompareOp::kEq, 0x0303, 0x0303}},
      {"<1.2", {CompareOp::kLt, 0x0303, 0x0303}},
      {">=1.3", {CompareOp::kGe, 0x0304, 0x0304}},
      {"!1.0", {CompareOp::kNe, 0x0301, 0x0301}},
      {"1.1", {CompareOp::kEq, 0x0302, 0x0302}},
      {"sslv3", {CompareOp::kEq, 0x0300, 0x0300}},
      {"SSL3", {CompareOp::kEq, 0x0300, 0x0300}},
      {"0x0303", {CompareOp::kEq, 0x0303, 0x0303}},
      {"1.0-1.1", {CompareOp::kRange, 0x0301, 0x0302}},
  };
  for (const Case& k : cases) {
    const ValueCondition c = only_condition(std::string("tls.version:") + k.text + ";", true);
    EXPECT_EQ(c.keyword, ValueKeyword::kTlsVersion);
    ASSERT_TRUE(c.number.has_value()) << k.text;
    EXPECT_EQ(*c.number, k.expected) << k.text;
  }
  EXPECT_EQ(parse_error("alert tls any any -> any any (tls.version:1.4; sid:1;)"),
            "bad tls.version \"1.4\"");
  EXPECT_EQ(parse_error("alert tls any any -> any any (tls.version:success; sid:1;)"),
            "bad tls.version \"success\"");
}

TEST(RuleKeywords, ProtocolFamilies) {
  EXPECT_EQ(parse_error("alert tls any any -> any any (dicom.command:C-ECHO; sid:1;)"),
            "dicom.command does not apply to protocol tls");
  EXPECT_EQ(parse_error(dicom_rule("tls.version:1.2;")),
            "tls.version does not apply to protocol dicom");
  EXPECT_EQ(
      parse_error("alert tcp any any -> any any (tls.version:1.2; dicom.command:C-ECHO; sid:1;)"),
      "dicom.command cannot be combined with tls keywords");
  // tcp rules take either family and are bound to it.
  const Rule dicom =
      testing::parse_ok("alert tcp any any -> any any (dicom.command:C-ECHO; sid:1;)");
  EXPECT_EQ(dicom.conditions.size(), 1u);
  EXPECT_EQ(dicom.protocol, Protocol::kTcp);
  EXPECT_EQ(dicom.bound_protocol, Protocol::kDicom);
  const Rule tls =
      testing::parse_ok("alert tcp any any -> any any (tls.sni; content:\"x\"; sid:1;)");
  EXPECT_EQ(tls.bound_protocol, Protocol::kTls);
  EXPECT_EQ(
      testing::parse_ok("alert tcp any any -> any any (content:\"x\"; sid:1;)").bound_protocol,
      Protocol::kTcp);
  EXPECT_EQ(testing::parse_ok("alert dicom any any -> any any (sid:1;)").bound_protocol,
            Protocol::kDicom);
  EXPECT_EQ(testing::parse_ok("alert tls any any -> any any (sid:1;)").bound_protocol,
            Protocol::kTls);
}

TEST(RuleKeywords, SeveralConditionsKeepTheirOrder) {
  const Rule r = testing::parse_ok(dicom_rule(
      "dicom.command:C-MOVE-RSP; dicom.status:0xA801; dicom.calling_ae; content:\"X\";"));
  ASSERT_EQ(r.conditions.size(), 2u);
  EXPECT_EQ(r.conditions[0].keyword, ValueKeyword::kDicomCommand);
  EXPECT_EQ(r.conditions[1].keyword, ValueKeyword::kDicomStatus);
  EXPECT_EQ(r.matches.size(), 1u);
}

}  // namespace
}  // namespace dicomsentry::rules
