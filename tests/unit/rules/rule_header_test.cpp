// Rule header: action, protocol, direction, address and port lists, variables, header errors.
#include <arpa/inet.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rule_test_util.hpp"

namespace dicomsentry::rules {
namespace {

using testing::parse_error;
using testing::parse_ok;
using testing::test_vars;

AddressEntry v4(const char* addr, int prefix, bool negated = false) {
  AddressEntry e;
  inet_pton(AF_INET, addr, e.network.bytes.data());
  e.network.prefix = static_cast<std::uint8_t>(prefix);
  e.negated = negated;
  return e;
}

AddressEntry v6(const char* addr, int prefix, bool negated = false) {
  AddressEntry e;
  inet_pton(AF_INET6, addr, e.network.bytes.data());
  e.network.prefix = static_cast<std::uint8_t>(prefix);
  e.network.v6 = true;
  e.negated = negated;
  return e;
}

std::vector<AddressEntry> addresses(std::string_view text) {
  AddressList list;
  std::string error;
  EXPECT_TRUE(parse_address_list(text, test_vars(), list, error)) << text << ": " << error;
  return list.entries;
}

std::string address_error(std::string_view text) {
  AddressList list;
  std::string error;
  EXPECT_FALSE(parse_address_list(text, test_vars(), list, error)) << text;
  return error;
}

std::vector<PortRange> ports(std::string_view text) {
  PortList list;
  std::string error;
  EXPECT_TRUE(parse_port_list(text, test_vars(), list, error)) << text << ": " << error;
  return list.ranges;
}

std::string port_error(std::string_view text) {
  PortList list;
  std::string error;
  EXPECT_FALSE(parse_port_list(text, test_vars(), list, error)) << text;
  return error;
}

TEST(RuleHeader, FullHeader) {
  Rule r = parse_ok("pass dicom 10.0.0.1 1024: <> [192.168.1.0/24,!192.168.1.7] 104 (sid:5;)");
  EXPECT_EQ(r.action, Action::kPass);
  EXPECT_EQ(r.protocol, Protocol::kDicom);
  EXPECT_EQ(r.direction, Direction::kBoth);
  EXPECT_EQ(r.src.entries, std::vector<AddressEntry>{v4("10.0.0.1", 32)});
  EXPECT_EQ(r.src_ports.ranges, (std::vector<PortRange>{{1024, 65535, false}}));
  EXPECT_EQ(r.dst.entries,
            (std::vector<AddressEntry>{v4("192.168.1.0", 24), v4("192.168.1.7", 32, true)}));
  EXPECT_EQ(r.dst_ports.ranges, (std::vector<PortRange>{{104, 104, false}}));
  EXPECT_EQ(r.sid, 5u);
}

TEST(RuleHeader, ProtocolsAndAny) {
  Rule r = parse_ok("alert tls any any -> any any (sid:1;)");
  EXPECT_EQ(r.action, Action::kAlert);
  EXPECT_EQ(r.protocol, Protocol::kTls);
  EXPECT_EQ(r.direction, Direction::kToDestination);
  EXPECT_TRUE(r.src.is_any());
  EXPECT_TRUE(r.dst.is_any());
  EXPECT_TRUE(r.src_ports.is_any());
  EXPECT_TRUE(r.dst_ports.is_any());
  EXPECT_EQ(parse_ok("alert tcp any any -> any any (sid:1;)").protocol, Protocol::kTcp);
}

TEST(RuleHeader, WhitespaceInsideListsAndAroundTokens) {
  Rule r =
      parse_ok("  alert\ttcp [10.0.0.0/8, 172.16.0.0/12]  any -> any [104, 11112] ( sid:1; )  ");
  EXPECT_EQ(r.src.entries, (std::vector<AddressEntry>{v4("10.0.0.0", 8), v4("172.16.0.0", 12)}));
  EXPECT_EQ(r.dst_ports.ranges, (std::vector<PortRange>{{104, 104, false}, {11112, 11112, false}}));
}

TEST(RuleHeader, CidrHostBitsAreCleared) {
  EXPECT_EQ(addresses("10.1.2.3/8"), std::vector<AddressEntry>{v4("10.0.0.0", 8)});
  EXPECT_EQ(addresses("0.0.0.0/0"), std::vector<AddressEntry>{v4("0.0.0.0", 0)});
}

TEST(RuleHeader, Ipv6) {
  EXPECT_EQ(addresses("2001:db8::/32"), std::vector<AddressEntry>{v6("2001:db8::", 32)});
  EXPECT_EQ(addresses("::1"), std::vector<AddressEntry>{v6("::1", 128)});
  EXPECT_EQ(addresses("[!2001:db8:1::5/48]"),
            std::vector<AddressEntry>{v6("2001:db8:1::", 48, true)});
}

TEST(RuleHeader, NegationAndNestedGroups) {
  EXPECT_EQ(addresses("!10.0.0.0/8"), std::vector<AddressEntry>{v4("10.0.0.0", 8, true)});
  // ![a,!b]: outside a and inside b.
  EXPECT_EQ(addresses("![10.0.0.0/8,!10.1.0.0/16]"),
            (std::vector<AddressEntry>{v4("10.0.0.0", 8, true), v4("10.1.0.0", 16)}));
  EXPECT_EQ(addresses("[1.1.1.1,[2.2.2.2,[3.3.3.3]]]"),
            (std::vector<AddressEntry>{v4("1.1.1.1", 32), v4("2.2.2.2", 32), v4("3.3.3.3", 32)}));
}

TEST(RuleHeader, Variables) {
  EXPECT_EQ(addresses("$HOME_NET"),
            (std::vector<AddressEntry>{v4("10.0.0.0", 8), v4("192.168.0.0", 16)}));
  EXPECT_EQ(addresses("$EXTERNAL_NET"),
            (std::vector<AddressEntry>{v4("10.0.0.0", 8, true), v4("192.168.0.0", 16, true)}));
  EXPECT_EQ(addresses("[$PACS_NET,!10.20.0.9]"),
            (std::vector<AddressEntry>{v4("10.20.0.0", 24), v4("10.20.0.9", 32, true)}));
  EXPECT_EQ(ports("$DICOM_PORTS"),
            (std::vector<PortRange>{{104, 104, false}, {11112, 11112, false}}));
  EXPECT_EQ(ports("!$DICOM_PORTS"),
            (std::vector<PortRange>{{104, 104, true}, {11112, 11112, true}}));
  Rule r = parse_ok("alert dicom $EXTERNAL_NET any -> $HOME_NET $DICOM_PORTS (sid:1;)");
  EXPECT_EQ(r.dst_ports.ranges.size(), 2u);
  EXPECT_EQ(r.src.entries.size(), 2u);
  EXPECT_TRUE(r.src.entries[0].negated);
}

TEST(RuleHeader, AnyInsideAListStillAdmitsEverything) {
  EXPECT_EQ(addresses("[any,10.0.0.0/8]"),
            (std::vector<AddressEntry>{v4("10.0.0.0", 8), v4("0.0.0.0", 0), v6("::", 0)}));
  EXPECT_TRUE(addresses("[any,!10.0.0.0/8]") == std::vector<AddressEntry>{v4("10.0.0.0", 8, true)});
  EXPECT_EQ(ports("[any,104]"), (std::vector<PortRange>{{104, 104, false}, {0, 65535, false}}));
}

TEST(RuleHeader, PortForms) {
  EXPECT_EQ(ports("1024:"), (std::vector<PortRange>{{1024, 65535, false}}));
  EXPECT_EQ(ports(":1023"), (std::vector<PortRange>{{0, 1023, false}}));
  EXPECT_EQ(ports("100:200"), (std::vector<PortRange>{{100, 200, false}}));
  EXPECT_EQ(ports("[1:10,!5,20]"),
            (std::vector<PortRange>{{1, 10, false}, {5, 5, true}, {20, 20, false}}));
  EXPECT_EQ(ports("0"), (std::vector<PortRange>{{0, 0, false}}));
  EXPECT_EQ(ports("65535"), (std::vector<PortRange>{{65535, 65535, false}}));
  EXPECT_EQ(ports("![104:105]"), (std::vector<PortRange>{{104, 105, true}}));
}

TEST(RuleHeader, PortErrors) {
  EXPECT_EQ(port_error("70000"), "bad port range 70000");
  EXPECT_EQ(port_error("1:70000"), "bad port range 70000");
  EXPECT_EQ(port_error("200:100"), "bad port range 200:100");
  EXPECT_EQ(port_error("http"), "bad port \"http\"");
  EXPECT_EQ(port_error("0x68"), "bad port \"0x68\"");
  EXPECT_EQ(port_error(":"), "bad port \":\"");
  EXPECT_EQ(port_error("-1"), "bad port \"-1\"");
  EXPECT_EQ(port_error("!any"), "\"!any\" matches no port");
  EXPECT_EQ(port_error("[104,"), "unterminated port list \"[104,\"");
  EXPECT_EQ(port_error("[104,]"), "empty port list");
  EXPECT_EQ(port_error("$NOPE"), "unknown variable $NOPE");
}

TEST(RuleHeader, AddressErrors) {
  EXPECT_EQ(address_error("1.2.3.400"), "bad address \"1.2.3.400\"");
  EXPECT_EQ(address_error("host.example"), "bad address \"host.example\"");
  EXPECT_EQ(address_error("10.0.0.0/33"), "bad CIDR prefix \"10.0.0.0/33\"");
  EXPECT_EQ(address_error("10.0.0.0/"), "bad CIDR prefix \"10.0.0.0/\"");
  EXPECT_EQ(address_error("::/129"), "bad CIDR prefix \"::/129\"");
  EXPECT_EQ(address_error("!any"), "\"!any\" matches no address");
  EXPECT_EQ(address_error("!$ANY_NET"), "\"!any\" matches no address");
  EXPECT_EQ(address_error("$NOPE"), "unknown variable $NOPE");
  EXPECT_EQ(address_error("$LOOP_A"), "variable $LOOP_A nests too deep");
  EXPECT_EQ(address_error("[1.1.1.1"), "unterminated address list \"[1.1.1.1\"");
  EXPECT_EQ(address_error("[1.1.1.1]]"), "unbalanced brackets in address list \"[1.1.1.1]]\"");
  EXPECT_EQ(address_error("[[[[[[[[[1.1.1.1]]]]]]]]]"), "address list nests too deep");
  EXPECT_EQ(address_error(""), "empty address list");
}

TEST(RuleHeader, ListEntryCap) {
  std::string big = "[";
  for (std::size_t i = 0; i <= kMaxListEntries; ++i)
    big += (i ? ",1.1.1." : "1.1.1.") + std::to_string(i % 256);
  big += "]";
  EXPECT_EQ(address_error(big), "address list has more than 1024 entries");
}

TEST(RuleHeader, VariableExpansionIsBounded) {
  Vars vars;
  vars["V0"] = "any";
  for (int i = 1; i <= 7; ++i) {
    vars["V" + std::to_string(i)] = fmt::format("[$V{0},$V{0},$V{0},$V{0}]", i - 1);
  }
  AddressList list;
  std::string error;
  EXPECT_TRUE(parse_address_list("$V5", vars, list, error)) << error;  // 4^5 = 1024 leaves
  EXPECT_TRUE(list.is_any());
  EXPECT_FALSE(parse_address_list("$V7", vars, list, error));  // 4^7 = 16384 leaves
  EXPECT_EQ(error, "address list expands too far");
  PortList ports;
  EXPECT_FALSE(parse_port_list("$V7", vars, ports, error));
  EXPECT_EQ(error, "port list expands too far");
}

TEST(RuleHeader, HeaderErrors) {
  EXPECT_EQ(parse_error("drop tcp any any -> any any (sid:1;)"), "unknown action \"drop\"");
  EXPECT_EQ(parse_error("alert udp any any -> any any (sid:1;)"), "unknown protocol \"udp\"");
  EXPECT_EQ(parse_error("alert tcp any any <- any any (sid:1;)"), "bad direction \"<-\"");
  EXPECT_EQ(
      parse_error("alert tcp any any -> any (sid:1;)"),
      "header needs 7 fields (action protocol source port direction destination port), got 6");
  EXPECT_EQ(parse_error("alert tcp [any any -> any any (sid:1;)"),
            "unbalanced brackets in the rule header");
  EXPECT_EQ(parse_error("alert tcp any any -> any any sid:1;"), "missing \"(\" before the options");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (sid:1;"),
            "missing \")\" at the end of the rule");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (sid:1;) x"),
            "missing \")\" at the end of the rule");
  EXPECT_EQ(parse_error("   "), "empty rule");
  EXPECT_EQ(parse_error("alert tcp any 99999 -> any any (sid:1;)"), "bad port range 99999");
  EXPECT_EQ(parse_error("alert tcp 300.1.1.1 any -> any any (sid:1;)"),
            "bad address \"300.1.1.1\"");
}

TEST(RuleHeader, LengthCap) {
  std::string msg(kMaxRuleLength, 'a');
  EXPECT_EQ(parse_error(testing::tcp_rule("msg:\"" + msg + "\"; sid:1;")),
            "rule longer than 8192 bytes");
}

TEST(RuleHeader, DefaultVars) {
  const Vars vars = default_vars("[104,11112]", "[2762]");
  AddressList home;
  std::string error;
  ASSERT_TRUE(parse_address_list("$EXTERNAL_NET", vars, home, error)) << error;
  ASSERT_EQ(home.entries.size(), 3u);
  EXPECT_TRUE(home.entries[0].negated);
  EXPECT_EQ(home.entries[1], v4("172.16.0.0", 12, true));
  AddressList pacs;
  ASSERT_TRUE(parse_address_list("$PACS_NET", vars, pacs, error));
  EXPECT_EQ(pacs.entries.size(), 3u);
  ASSERT_TRUE(parse_address_list("$MODALITY_NET", vars, pacs, error));
  PortList tls;
  ASSERT_TRUE(parse_port_list("$DICOM_TLS_PORTS", vars, tls, error));
  EXPECT_EQ(tls.ranges, (std::vector<PortRange>{{2762, 2762, false}}));
}

}  // namespace
}  // namespace dicomsentry::rules
