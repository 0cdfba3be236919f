// make_eve_outputs from config entries, and EveFileOutput: append, selection, reopen after
// rotation, an unopenable file.
#include "output/eve_outputs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "output/eve_file_output.hpp"
#include "output_test_util.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;
using policy::OutputConfig;
using policy::OutputType;

class EveOutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "eve_outputs_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

const std::string kFlow = R"({"timestamp":"t","event_type":"flow","n":1})" "\n";
const std::string kAlert = R"({"timestamp":"t","event_type":"alert","n":2})" "\n";

TEST_F(EveOutputsTest, BuildsEachTypeInOrderWithItsSelection) {
  const int reader = test::unix_listener(path("eve.dgram"), SOCK_DGRAM);
  ASSERT_GE(reader, 0);
  std::vector<OutputConfig> configs(3);
  configs[0].type = OutputType::kEveFile;
  configs[0].path = path("alerts.json");
  configs[0].types = {"alert"};
  configs[1].type = OutputType::kUnixDgram;
  configs[1].path = path("eve.dgram");
  configs[2].type = OutputType::kSyslog;
  configs[2].address = "::1";
  configs[2].port = 5514;
  configs[2].tcp = true;
  std::string error;
  auto outputs = make_eve_outputs(configs, error);
  ASSERT_EQ(outputs.size(), 3u) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(outputs[0]->name(), "eve-file:" + path("alerts.json"));
  EXPECT_EQ(outputs[1]->name(), "unix-dgram:" + path("eve.dgram"));
  EXPECT_EQ(outputs[2]->name(), "syslog-tcp:[::1]:5514");
  outputs[0]->write_lines(kFlow + kAlert);
  outputs[1]->write_lines(kFlow + kAlert);
  EXPECT_EQ(slurp(path("alerts.json")), kAlert);
  EXPECT_EQ(outputs[0]->stats().lines_sent, 1u);
  EXPECT_EQ(outputs[0]->stats().lines_filtered, 1u);
  EXPECT_EQ(test::read_datagram(reader), kFlow);
  EXPECT_EQ(test::read_datagram(reader), kAlert);
  ::close(reader);
}

TEST_F(EveOutputsTest, AFileThatCannotBeOpenedIsAnError) {
  std::vector<OutputConfig> configs(2);
  configs[0].type = OutputType::kUnixStream;
  configs[0].path = path("absent.sock");  // no reader yet: not an error
  configs[1].type = OutputType::kEveFile;
  configs[1].line = 7;
  configs[1].path = path("no-such-dir/alerts.json");
  std::string error;
  EXPECT_TRUE(make_eve_outputs(configs, error).empty());
  EXPECT_EQ(error, "output eve-file (line 7): cannot open " + path("no-such-dir/alerts.json") +
                       ": No such file or directory");
}

TEST_F(EveOutputsTest, AnAddressThatIsNotALiteralIsAnError) {
  std::vector<OutputConfig> configs(1);
  configs[0].type = OutputType::kSyslog;
  configs[0].line = 3;
  configs[0].address = "syslog.example.org";
  std::string error;
  EXPECT_TRUE(make_eve_outputs(configs, error).empty());
  EXPECT_EQ(error, "output syslog (line 3): 'syslog.example.org' is not an IP address");
}

TEST_F(EveOutputsTest, FileOutputAppendsAndReopensAfterRotation) {
  {
    std::ofstream(path("extra.json")) << "old\n";
  }
  EveFileOutput out(path("extra.json"));
  ASSERT_TRUE(out.open());
  out.write_lines(kFlow);
  fs::rename(path("extra.json"), path("extra.json.1"));
  out.write_lines(kAlert);  // still the renamed file
  out.reopen();
  out.write_lines(kFlow + kAlert);
  EXPECT_EQ(slurp(path("extra.json.1")), "old\n" + kFlow + kAlert);
  EXPECT_EQ(slurp(path("extra.json")), kFlow + kAlert);
  EXPECT_EQ(out.stats().lines_sent, 4u);
  EXPECT_EQ(out.stats().bytes_sent, 2 * (kFlow.size() + kAlert.size()));
  EXPECT_EQ(out.stats().reconnects, 1u);
  EXPECT_EQ(out.stats().lines_dropped, 0u);
}

TEST(OutputFlags, SyslogForms) {
  OutputConfig c;
  std::string error;
  ASSERT_TRUE(syslog_output_from_flag("udp:127.0.0.1:1514", &c, error)) << error;
  EXPECT_EQ(c.type, OutputType::kSyslog);
  EXPECT_FALSE(c.tcp);
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.port, 1514);
  EXPECT_EQ(c.facility, 21);
  EXPECT_EQ(c.severity, 6);
  ASSERT_TRUE(syslog_output_from_flag("tcp:[::1]:6514", &c, error)) << error;
  EXPECT_TRUE(c.tcp);
  EXPECT_EQ(c.address, "::1");
  EXPECT_EQ(c.port, 6514);
  ASSERT_TRUE(syslog_output_from_flag("udp:10.0.0.1", &c, error)) << error;
  EXPECT_EQ(c.port, 514);
  EXPECT_FALSE(syslog_output_from_flag("sctp:10.0.0.1", &c, error));
  EXPECT_FALSE(syslog_output_from_flag("10.0.0.1:514", &c, error));
  EXPECT_FALSE(syslog_output_from_flag("udp:loghost", &c, error));
  EXPECT_EQ(error,
            "'udp:loghost' is not udp:ADDRESS[:PORT] or tcp:ADDRESS[:PORT] (an IP literal; IPv6 "
            "in brackets with a port: tcp:[2001:db8::1]:6514)");
}

TEST(OutputFlags, SocketAndFileForms) {
  OutputConfig c;
  std::string error;
  ASSERT_TRUE(socket_output_from_flag("/run/eve.sock", &c, error)) << error;
  EXPECT_EQ(c.type, OutputType::kUnixStream);
  EXPECT_EQ(c.path, "/run/eve.sock");
  ASSERT_TRUE(socket_output_from_flag("unix-dgram:/run/eve.dgram", &c, error)) << error;
  EXPECT_EQ(c.type, OutputType::kUnixDgram);
  EXPECT_EQ(c.path, "/run/eve.dgram");
  ASSERT_TRUE(socket_output_from_flag("unix-stream:/run/s", &c, error)) << error;
  EXPECT_EQ(c.type, OutputType::kUnixStream);
  EXPECT_EQ(c.path, "/run/s");
  ASSERT_TRUE(socket_output_from_flag("eve-file:alerts.json", &c, error)) << error;
  EXPECT_EQ(c.type, OutputType::kEveFile);
  EXPECT_EQ(c.path, "alerts.json");
  EXPECT_FALSE(socket_output_from_flag("unix-dgram:", &c, error));
  EXPECT_FALSE(socket_output_from_flag("/" + std::string(107, 'a'), &c, error));
  EXPECT_EQ(error, "'/" + std::string(107, 'a') +
                       "' is not a usable path (a Unix socket path has 1 to 107 bytes)");
}

}  // namespace
}  // namespace dicomsentry
