// The `outputs:` section: every field of every output type loaded, the address forms, and
// each error with its exact text and place.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/config.hpp"

namespace dicomsentry::policy {
namespace {

TEST(ConfigOutputs, LoadsEveryTypeAndField) {
  const LoadResult r = load_config(R"y(outputs:
  - type: eve-file
    path: /var/log/dicomsentry/alerts.json
    types: [alert, policy_summary, alert]
  - type: unix-stream
    path: /run/dicomsentry/eve.sock
  - type: unix-dgram
    path: /run/dicomsentry/eve.dgram
    types: "[dicom, tls]"
    description: for the dashboard
  - type: syslog
    address: 192.0.2.10
  - type: syslog
    address: "[2001:db8::5]:1514"
    protocol: tcp
    facility: auth
    severity: warning
    types: [alert]
)y",
                                   "c.yaml");
  ASSERT_TRUE(r.ok) << r.error.text();
  const std::vector<OutputConfig>& o = r.config.outputs;
  ASSERT_EQ(o.size(), 5u);
  EXPECT_EQ(o[0].type, OutputType::kEveFile);
  EXPECT_EQ(o[0].line, 2u);
  EXPECT_EQ(o[0].path, "/var/log/dicomsentry/alerts.json");
  EXPECT_EQ(o[0].types, (std::vector<std::string>{"alert", "policy_summary"}));  // once each
  EXPECT_EQ(o[1].type, OutputType::kUnixStream);
  EXPECT_EQ(o[1].path, "/run/dicomsentry/eve.sock");
  EXPECT_TRUE(o[1].types.empty());
  EXPECT_EQ(o[2].type, OutputType::kUnixDgram);
  EXPECT_EQ(o[2].types, (std::vector<std::string>{"dicom", "tls"}));
  EXPECT_EQ(o[3].type, OutputType::kSyslog);
  EXPECT_EQ(o[3].address, "192.0.2.10");
  EXPECT_EQ(o[3].port, 514);
  EXPECT_FALSE(o[3].tcp);
  EXPECT_EQ(o[3].facility, 21);  // local5
  EXPECT_EQ(o[3].severity, 6);   // info
  EXPECT_EQ(o[4].line, 13u);
  EXPECT_EQ(o[4].address, "2001:db8::5");
  EXPECT_EQ(o[4].port, 1514);
  EXPECT_TRUE(o[4].tcp);
  EXPECT_EQ(o[4].facility, 4);
  EXPECT_EQ(o[4].severity, 4);
  EXPECT_EQ(o[4].types, (std::vector<std::string>{"alert"}));
  EXPECT_EQ(output_type_name(o[4].type), "syslog");
}

TEST(ConfigOutputs, IpPortForms) {
  std::string ip;
  std::uint16_t port = 0;
  EXPECT_TRUE(parse_ip_port("127.0.0.1", 514, &ip, &port));
  EXPECT_EQ(ip, "127.0.0.1");
  EXPECT_EQ(port, 514);
  EXPECT_TRUE(parse_ip_port("127.0.0.1:1514", 514, &ip, &port));
  EXPECT_EQ(port, 1514);
  EXPECT_TRUE(parse_ip_port("::1", 514, &ip, &port));
  EXPECT_EQ(ip, "::1");
  EXPECT_EQ(port, 514);
  EXPECT_TRUE(parse_ip_port("[::1]:6514", 514, &ip, &port));
  EXPECT_EQ(ip, "::1");
  EXPECT_EQ(port, 6514);
  EXPECT_TRUE(parse_ip_port("[fe80::1]", 514, &ip, &port));
  EXPECT_EQ(port, 514);
  for (const char* bad : {"", "localhost", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:x", "[::1", "[::1]x", "[::1]:", "[127.0.0.1]:514",
                          "1.2.3", "::1:514:x:y:z:w:v:u:t"}) {
    EXPECT_FALSE(parse_ip_port(bad, 514, &ip, &port)) << bad;
  }
}

struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* error;  // ConfigError::text()
};

const ErrorCase kCases[] = {
    {"not_list", "outputs: {type: syslog}\n",
     "o.yaml:1:10: 'outputs' must be a list of outputs, not a mapping"},
    {"entry_not_map", "outputs: [syslog]\n", "o.yaml:1:11: an output must be a mapping, not a scalar"},
    {"unknown_key", R"y(outputs:
  - type: syslog
    adress: 127.0.0.1
)y",
     "o.yaml:3:5: unknown key 'adress' in an output (expected one of: type, path, address, "
     "protocol, facility, severity, types, description)"},
    {"no_type", R"y(outputs:
  - path: /run/x.sock
)y",
     "o.yaml:2:5: an output has no 'type'"},
    {"bad_type", R"y(outputs:
  - type: kafka
)y",
     "o.yaml:2:11: 'kafka' is not an output type (eve-file, unix-stream, unix-dgram, syslog)"},
    {"no_path", R"y(outputs:
  - type: unix-stream
)y",
     "o.yaml:2:5: a unix-stream output has no 'path'"},
    {"empty_path", R"y(outputs:
  - type: eve-file
    path: ""
)y",
     "o.yaml:3:11: 'path' is empty"},
    {"long_socket_path", R"y(outputs:
  - type: unix-dgram
    path: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock
)y",
     "o.yaml:3:11: a Unix socket path may have at most 107 bytes, this one has 108"},
    {"path_for_syslog", R"y(outputs:
  - type: syslog
    path: /dev/log
)y",
     "o.yaml:3:5: 'path' does not apply to a syslog output (it has an 'address')"},
    {"syslog_key_for_socket", R"y(outputs:
  - type: unix-stream
    path: /run/x.sock
    protocol: tcp
)y",
     "o.yaml:4:5: 'protocol' applies to syslog outputs only, not unix-stream"},
    {"no_address", R"y(outputs:
  - type: syslog
    protocol: udp
)y",
     "o.yaml:2:5: a syslog output has no 'address'"},
    {"bad_address", R"y(outputs:
  - type: syslog
    address: syslog.example.org:514
)y",
     "o.yaml:3:14: 'syslog.example.org:514' is not an IP address with an optional port "
     "(192.0.2.1, 192.0.2.1:514, [2001:db8::1]:514)"},
    {"bad_protocol", R"y(outputs:
  - type: syslog
    address: 127.0.0.1
    protocol: tls
)y",
     "o.yaml:4:15: 'tls' is not a syslog protocol (udp, tcp)"},
    {"bad_facility", R"y(outputs:
  - type: syslog
    address: 127.0.0.1
    facility: local8
)y",
     "o.yaml:4:15: 'local8' is not a syslog facility (kern, user, mail, daemon, auth, syslog, "
     "lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock, local0, local1, local2, "
     "local3, local4, local5, local6, local7)"},
    {"bad_severity", R"y(outputs:
  - type: syslog
    address: 127.0.0.1
    severity: error
)y",
     "o.yaml:4:15: 'error' is not a syslog severity (emerg, alert, crit, err, warning, notice, "
     "info, debug)"},
    {"bad_event_type", R"y(outputs:
  - type: eve-file
    path: alerts.json
    types: [alert, alerts]
)y",
     "o.yaml:4:20: 'alerts' in 'types' is not an event type (flow, dicom_association, dicom, "
     "anomaly, tls, alert, policy_summary, stats)"},
    {"empty_types", R"y(outputs:
  - type: eve-file
    path: alerts.json
    types: []
)y",
     "o.yaml:4:12: 'types' is an empty list"},
    {"type_not_scalar", R"y(outputs:
  - type: [syslog]
)y",
     "o.yaml:2:11: 'type' must be a scalar, not a list"},
};

class ConfigOutputErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigOutputErrors, ReportsTheExactError) {
  const LoadResult r = load_config(GetParam().yaml, "o.yaml");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(All, ConfigOutputErrors, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigOutputs, AtMost16) {
  std::string yaml = "outputs:\n";
  for (int i = 0; i < 17; ++i) yaml += "  - {type: syslog, address: 127.0.0.1}\n";
  const LoadResult r = load_config(yaml, "o.yaml");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.text(), "o.yaml:18:5: more than 16 outputs");
}

// The commented example at the end of rules/dicomsentry.yaml, uncommented, loads as documented.
TEST(ConfigOutputs, TheDocumentedExampleLoads) {
  std::ifstream in(std::string(DICOMSENTRY_PCAP_DIR) + "/../rules/dicomsentry.yaml");
  ASSERT_TRUE(in);
  std::string example;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "# outputs:") inside = true;
    if (inside && line.rfind("# ", 0) == 0) example += line.substr(2) + "\n";
  }
  const LoadResult r = load_config(example, "example");
  ASSERT_TRUE(r.ok) << r.error.text() << "\n" << example;
  ASSERT_EQ(r.config.outputs.size(), 3u);
  EXPECT_EQ(r.config.outputs[0].type, OutputType::kSyslog);
  EXPECT_EQ(r.config.outputs[0].address, "192.0.2.50");
  EXPECT_TRUE(r.config.outputs[0].tcp);
  EXPECT_EQ(r.config.outputs[0].severity, 4);
  EXPECT_EQ(r.config.outputs[1].type, OutputType::kUnixStream);
  EXPECT_EQ(r.config.outputs[2].types, (std::vector<std::string>{"dicom_association"}));
}

}  // namespace
}  // namespace dicomsentry::policy
