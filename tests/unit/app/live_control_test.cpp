// The live sensor's control plane end to end on `lo`: SIGINT writes the final stats of the
// traffic sent (a DCMTK C-ECHO association), SIGHUP reopens a rotated eve.json, SIGUSR1 writes
// the inventory, idle flows end on timeout while no packet arrives, /metrics answers scrapes,
// and live events equal those of a tcpdump capture of the same traffic read offline. Every
// wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// How long libpcap takes to start delivering after the inspector starts (measured: < 0.5 s).
constexpr auto kCaptureStart = std::chrono::milliseconds(1500);

int listen_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

bool connect_loopback(std::uint16_t port, int& fd) {
  fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
  ::close(fd);
  return false;
}

// One closed TCP conversation: `request` bytes to the server, `reply` bytes back.
void converse(int listener, std::uint16_t port, std::size_t request, std::size_t reply) {
  int client = -1;
  ASSERT_TRUE(connect_loopback(port, client));
  const int server = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(server, 0);
  const std::string out(request, 'q'), back(reply, 'r');
  ASSERT_EQ(::send(client, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  std::string buffer(request, '\0');
  std::size_t got = 0;
  while (got < request) {
    const ssize_t n = ::recv(server, buffer.data() + got, request - got, 0);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  ASSERT_EQ(::send(server, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  got = 0;
  while (got < reply) {
    const ssize_t n = ::recv(client, buffer.data(), buffer.size(), 0);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  ::close(client);
  ::close(server);
}

// Starts a program with stdout and stderr to `log`; -1 on failure.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits up to `limit` for `pid`; kills it if it does not exit. Its exit status, or -1.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::vector<json> read_eve(const fs::path& path) {
  std::vector<json> events;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) events.push_back(json::parse(line));
  return events;
}

std::vector<json> of_type(const std::vector<json>& events, const std::string& type) {
  std::vector<json> out;
  for (const json& e : events) {
    if (e["event_type"] == type) out.push_back(e);
  }
  return out;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class LiveControl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "live capture on lo needs root (CAP_NET_RAW)";
    dir_ = fs::temp_directory_path() /
           fmt::format("dicomsentry_live_control_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (inspector_ > 0) wait_exit(inspector_, std::chrono::seconds(1));
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }
  // The inspector on lo for one TCP port, writing to dir_/eve.json; waits for capture start.
  void start_inspector(std::uint16_t port, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        DICOMSENTRY_BINARY, "-i",         "lo", "-f", fmt::format("tcp port {}", port), "-l",
        dir_.string(),      "--duration", "60"};
    args.insert(args.end(), extra.begin(), extra.end());
    inspector_ = spawn(args, dir_ / "stderr.txt");
    ASSERT_GT(inspector_, 0);
    std::this_thread::sleep_for(kCaptureStart);
  }
  // SIGINT, then the exit status (bounded).
  int interrupt() {
    ::kill(inspector_, SIGINT);
    const int status = wait_exit(inspector_, std::chrono::seconds(20));
    inspector_ = -1;
    return status;
  }
  fs::path eve() const { return dir_ / "eve.json"; }

  fs::path dir_;
  pid_t inspector_ = -1;
};

TEST_F(LiveControl, SigintWritesTheFinalStatsOfAnEchoAssociation) {
  std::uint16_t port = 0;
  const int probe = listen_loopback(port);
  ASSERT_GE(probe, 0);
  ::close(probe);  // the port storescp will take
  const pid_t storescp =
      spawn({"timeout", "60", "storescp", "--aetitle", "STORESCP", std::to_string(port)},
            dir_ / "storescp.txt");
  ASSERT_GT(storescp, 0);
  // Ready once it accepts a connection (made before capture starts, so not seen).
  int fd = -1;
  ASSERT_TRUE(wait_until([&] { return connect_loopback(port, fd) && ::close(fd) == 0; },
                         std::chrono::seconds(10)));
  start_inspector(port);
  const std::string echo =
      fmt::format("timeout 20 echoscu -aet ECHOSCU -aec STORESCP 127.0.0.1 {}", port);
  EXPECT_EQ(std::system(echo.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(interrupt(), 0) << slurp(dir_ / "stderr.txt");
  ::kill(storescp, SIGTERM);
  wait_exit(storescp, std::chrono::seconds(5));

  const std::vector<json> events = read_eve(eve());
  const auto flows = of_type(events, "flow");
  const auto associations = of_type(events, "dicom_association");
  const auto transactions = of_type(events, "dicom");
  const auto stats = of_type(events, "stats");
  ASSERT_EQ(flows.size(), 1u);
  ASSERT_EQ(associations.size(), 1u);
  ASSERT_EQ(transactions.size(), 1u);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(flows[0]["dest_port"], port);
  EXPECT_EQ(flows[0]["app_proto"], "dicom");
  EXPECT_EQ(flows[0]["flow"]["state"], "closed");
  EXPECT_EQ(flows[0]["flow"]["reason"], "shutdown");
  const json& a = associations[0]["dicom_association"];
  EXPECT_EQ(a["calling_ae"], "ECHOSCU");
  EXPECT_EQ(a["called_ae"], "STORESCP");
  EXPECT_EQ(a["state"], "released");
  EXPECT_EQ(a["commands"], json({{"C-ECHO", 1}}));
  EXPECT_EQ(transactions[0]["dicom"]["command"], "C-ECHO");
  // The final stats count exactly the association's packets (the BPF filter let nothing else in).
  const json& s = stats[0]["stats"];
  const std::uint64_t packets = flows[0]["flow"]["pkts_toserver"].get<std::uint64_t>() +
                                flows[0]["flow"]["pkts_toclient"].get<std::uint64_t>();
  EXPECT_EQ(s["capture"]["packets"], packets);
  EXPECT_EQ(s["decoder"]["tcp"], packets);
  // On lo the kernel counts each packet twice (its outgoing and incoming copies); libpcap
  // hands over one.
  EXPECT_EQ(s["capture"]["kernel_packets"], 2 * packets);
  EXPECT_EQ(s["capture"]["kernel_drops"], 0);
  EXPECT_EQ(s["flow"]["created"], 1);
  EXPECT_EQ(s["flow"]["ended_timeout"], 0);
  EXPECT_EQ(s["app_layer"]["flow"]["dicom"], 1);
  EXPECT_EQ(s["app_layer"]["associations"], 1);
  EXPECT_EQ(s["app_layer"]["transactions"], 1);
}

// --metrics-listen with two workers: while the sensor runs, curl scrapes /metrics and sees
// the two C-ECHO associations it has seen; a garbage request gets 400 and POST 405, and
// capture goes on (the final stats count every packet).
TEST_F(LiveControl, MetricsEndpointAnswersScrapesWhileCapturing) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no curl";
  std::uint16_t port = 0, metrics_port = 0;
  const int probe = listen_loopback(port);
  ASSERT_GE(probe, 0);
  ::close(probe);
  const int metrics_probe = listen_loopback(metrics_port);
  ASSERT_GE(metrics_probe, 0);
  ::close(metrics_probe);
  const pid_t storescp =
      spawn({"timeout", "60", "storescp", "--aetitle", "STORESCP", std::to_string(port)},
            dir_ / "storescp.txt");
  ASSERT_GT(storescp, 0);
  int fd = -1;
  ASSERT_TRUE(wait_until([&] { return connect_loopback(port, fd) && ::close(fd) == 0; },
                         std::chrono::seconds(10)));
  start_inspector(port, {"--workers", "2", "--metrics-listen",
                         fmt::format("127.0.0.1:{}", metrics_port)});
  const std::string echo =
      fmt::format("timeout 20 echoscu -aet ECHOSCU -aec STORESCP 127.0.0.1 {}", port);
  EXPECT_EQ(std::system(echo.c_str()), 0);
  EXPECT_EQ(std::system(echo.c_str()), 0);
  // Workers publish their counts once a second: scrape until both echoes show (bounded).
  const fs::path scrape = dir_ / "metrics.txt";
  const std::string curl = fmt::format("curl -s --max-time 5 -o {} http://127.0.0.1:{}/metrics",
                                       scrape.string(), metrics_port);
  const std::string echoes =
      "dicomsentry_dicom_transactions_total{command=\"C-ECHO\",status=\"success\"} 2\n";
  EXPECT_TRUE(wait_until(
      [&] { return std::system(curl.c_str()) == 0 && slurp(scrape).find(echoes) != std::string::npos; },
      std::chrono::seconds(10)))
      << slurp(scrape);
  const std::string text = slurp(scrape);
  EXPECT_NE(text.find("dicomsentry_dicom_associations_total{state=\"released\"} 2\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("dicomsentry_worker_packets_total{worker=\"1\"}"), std::string::npos) << text;
  // A POST and a garbage request line: 405 and 400.
  const std::string post = fmt::format(
      "curl -s --max-time 5 -o /dev/null -w '%{{http_code}}' -X POST http://127.0.0.1:{}/metrics > {}",
      metrics_port, (dir_ / "post.txt").string());
  ASSERT_EQ(std::system(post.c_str()), 0);
  EXPECT_EQ(slurp(dir_ / "post.txt"), "405");
  int garbage = -1;
  ASSERT_TRUE(connect_loopback(metrics_port, garbage));
  const std::string junk = "\x16\x03\x01 not http at all\r\n\r\n";
  ASSERT_EQ(::send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL), static_cast<ssize_t>(junk.size()));
  char reply[64] = {};
  timeval tv{5, 0};
  ::setsockopt(garbage, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const ssize_t n = ::recv(garbage, reply, sizeof reply - 1, 0);
  ::close(garbage);
  ASSERT_GT(n, 12);
  EXPECT_EQ(std::string(reply, 12), "HTTP/1.1 400");
  // Capture carried on: a third echo after the bad requests is counted too.
  EXPECT_EQ(std::system(echo.c_str()), 0);
  // The workers carry their names for top -H, ps -L and perf; the ingest thread keeps the
  // program's (renaming it would rename the process).
  std::multiset<std::string> threads;
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", inspector_))) {
    std::string name = slurp(task.path() / "comm");
    if (!name.empty() && name.back() == '\n') name.pop_back();
    threads.insert(name);
  }
  EXPECT_EQ(threads.count("ds-worker-0"), 1u);
  EXPECT_EQ(threads.count("ds-worker-1"), 1u);
  EXPECT_EQ(threads.count("ds-worker-2"), 0u);
  EXPECT_GE(threads.count("dicomsentry"), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(interrupt(), 0) << slurp(dir_ / "stderr.txt");
  ::kill(storescp, SIGTERM);
  wait_exit(storescp, std::chrono::seconds(5));
  const std::vector<json> events = read_eve(eve());
  EXPECT_EQ(of_type(events, "dicom_association").size(), 3u);
  const auto stats = of_type(events, "stats");
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0]["stats"]["app_layer"]["transactions"], 3);
}

// A small CT object as a Part 10 file, for storescu to send.
bool write_ct_file(const fs::path& path) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.9.7433.77.1");
  ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.9.7433.77.2");
  ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.77.3");
  ds->putAndInsertString(DCM_Modality, "CT");
  ds->putAndInsertString(DCM_PatientName, "LIVE^TEST");
  ds->putAndInsertUint16(DCM_Rows, 64);
  ds->putAndInsertUint16(DCM_Columns, 64);
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, 12);
  ds->putAndInsertUint16(DCM_HighBit, 11);
  ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  std::vector<Uint16> pixels(64 * 64, 0x0123);
  ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
  return file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good();
}

// Live against offline: the inspector (two workers) on lo and tcpdump on lo see the same
// echoscu, storescu and echoscu associations; the tcpdump file read afterwards gives the same
// flow, association and transaction events. SIGUSR1 mid-run writes the inventory without
// stopping.
TEST_F(LiveControl, LiveEventsEqualThoseOfATcpdumpCaptureOfTheSameTraffic) {
  if (std::system("tcpdump --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no tcpdump";
  std::uint16_t port = 0;
  const int probe = listen_loopback(port);
  ASSERT_GE(probe, 0);
  ::close(probe);
  fs::create_directories(dir_ / "received");
  const pid_t storescp = spawn({"timeout", "60", "storescp", "--aetitle", "STORESCP",
                                "--output-directory", (dir_ / "received").string(),
                                std::to_string(port)},
                               dir_ / "storescp.txt");
  ASSERT_GT(storescp, 0);
  int fd = -1;
  ASSERT_TRUE(wait_until([&] { return connect_loopback(port, fd) && ::close(fd) == 0; },
                         std::chrono::seconds(10)));
  const fs::path object = dir_ / "ct.dcm";
  ASSERT_TRUE(write_ct_file(object));
  const fs::path capture = dir_ / "tcpdump.pcap";
  const pid_t tcpdump = spawn({"timeout", "60", "tcpdump", "-i", "lo", "-U", "-s", "0",
                               "--time-stamp-precision=nano", "--immediate-mode", "-w",
                               capture.string(), fmt::format("tcp port {}", port)},
                              dir_ / "tcpdump.txt");
  ASSERT_GT(tcpdump, 0);
  // Both captures must be running before the first packet (on a busy machine tcpdump may take
  // longer than the inspector's start-up pause).
  ASSERT_TRUE(wait_until(
      [&] { return slurp(dir_ / "tcpdump.txt").find("listening on") != std::string::npos; },
      std::chrono::seconds(10)));
  start_inspector(port, {"--workers", "2"});
  const std::string echo =
      fmt::format("timeout 20 echoscu -aet ECHOSCU -aec STORESCP 127.0.0.1 {}", port);
  EXPECT_EQ(std::system(echo.c_str()), 0);
  EXPECT_EQ(std::system(fmt::format("timeout 20 storescu -aet STORESCU -aec STORESCP 127.0.0.1 {} {}",
                                    port, object.string()).c_str()),
            0);
  EXPECT_EQ(std::system(echo.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // SIGUSR1: the inventory now, with the storing client's AE title, while capture goes on.
  ::kill(inspector_, SIGUSR1);
  EXPECT_TRUE(wait_until(
      [&] { return slurp(dir_ / "inventory.json").find("\"STORESCU\"") != std::string::npos; },
      std::chrono::seconds(5)));
  EXPECT_EQ(interrupt(), 0) << slurp(dir_ / "stderr.txt");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // tcpdump writes what it has
  ::kill(tcpdump, SIGINT);
  EXPECT_EQ(wait_exit(tcpdump, std::chrono::seconds(10)), 0) << slurp(dir_ / "tcpdump.txt");
  ::kill(storescp, SIGTERM);
  wait_exit(storescp, std::chrono::seconds(5));

  const fs::path offline = dir_ / "offline.json";
  ASSERT_EQ(std::system(fmt::format("{} --workers 1 --no-summary -r {} --eve {} 2>/dev/null",
                                    DICOMSENTRY_BINARY, capture.string(), offline.string())
                            .c_str()),
            0);
  // Everything but `stats` (whose capture section has the kernel's counters only live) and
  // the times: each packet socket stamps its own copy of a packet, a microsecond or so apart,
  // so times (and flow_id, which hashes the first packet's time) differ; what was seen may not.
  const auto events_of = [](const fs::path& path) {
    std::multiset<std::string> out;
    for (json e : read_eve(path)) {
      if (e["event_type"] == "stats") continue;
      const std::function<void(json&)> drop_times = [&](json& j) {
        if (!j.is_object()) return;
        for (const char* key : {"timestamp", "flow_id", "request_ts", "response_ts", "latency_ms",
                                "start", "end", "duration", "age"}) {
          j.erase(key);
        }
        for (auto& [key, value] : j.items()) drop_times(value);
      };
      drop_times(e);
      out.insert(e.dump());
    }
    return out;
  };
  const std::multiset<std::string> live = events_of(eve());
  const std::multiset<std::string> from_file = events_of(offline);
  std::size_t associations = 0;
  for (const std::string& e : live) associations += e.find("\"event_type\":\"dicom_association\"") != std::string::npos;
  EXPECT_EQ(associations, 3u);
  EXPECT_EQ(live.size(), 9u);  // 3 flows, 3 associations, 3 transactions
  std::vector<std::string> only_live, only_file;
  std::set_difference(live.begin(), live.end(), from_file.begin(), from_file.end(),
                      std::back_inserter(only_live));
  std::set_difference(from_file.begin(), from_file.end(), live.begin(), live.end(),
                      std::back_inserter(only_file));
  EXPECT_TRUE(only_live.empty() && only_file.empty())
      << only_live.size() << " only live, e.g. " << (only_live.empty() ? "" : only_live[0].substr(0, 1500))
      << "\n" << only_file.size() << " only offline, e.g. "
      << (only_file.empty() ? "" : only_file[0].substr(0, 1500));
}

TEST_F(LiveControl, SighupReopensARotatedEveFile) {
  std::uint16_t port = 0;
  const int listener = listen_loopback(port);
  ASSERT_GE(listener, 0);
  start_inspector(port, {"--stats-interval", "1"});
  converse(listener, port, 1000, 10);
  // Periodic stats reach the file within a couple of seconds (the sink is flushed each second).
  ASSERT_TRUE(wait_until([&] { return !of_type(read_eve(eve()), "stats").empty(); },
                         std::chrono::seconds(10)));
  const fs::path rotated = dir_ / "eve.json.1";
  fs::rename(eve(), rotated);
  ::kill(inspector_, SIGHUP);
  ASSERT_TRUE(wait_until([&] { return fs::exists(eve()); }, std::chrono::seconds(5)));
  converse(listener, port, 2000, 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(interrupt(), 0) << slurp(dir_ / "stderr.txt");
  ::close(listener);

  const std::vector<json> before = read_eve(rotated);
  const std::vector<json> after = read_eve(eve());
  ASSERT_FALSE(before.empty());
  ASSERT_FALSE(after.empty());
  // Nothing but periodic stats was due before the rotation; both flows end at shutdown.
  EXPECT_EQ(of_type(before, "stats").size(), before.size());
  const auto flows = of_type(after, "flow");
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0]["reassembly"]["toserver"]["bytes"].get<int>() +
                flows[1]["reassembly"]["toserver"]["bytes"].get<int>(),
            3000);
  // Stats records in the new file are later than every record in the rotated one (a flow
  // record's time is its last packet's, so the first flow's may be older).
  const std::string last_before = before.back()["timestamp"];
  for (const json& e : of_type(after, "stats")) {
    EXPECT_GE(e["timestamp"].get<std::string>(), last_before);
  }
  const std::vector<json> after_stats = of_type(after, "stats");
  const json& final_stats = after_stats.back()["stats"];
  EXPECT_EQ(final_stats["flow"]["created"], 2);
}

TEST_F(LiveControl, IdleFlowsEndOnTimeoutWithoutAnotherPacket) {
  std::uint16_t port = 0;
  const int listener = listen_loopback(port);
  ASSERT_GE(listener, 0);
  start_inspector(port);
  converse(listener, port, 500, 50);
  ::close(listener);
  // A closed flow times out after 10 s; the once-a-second tick (1 s behind the wall clock)
  // ends it and flushes the record with no packet arriving. Well before SIGINT:
  ASSERT_TRUE(wait_until([&] { return of_type(read_eve(eve()), "flow").size() == 1; },
                         std::chrono::seconds(20)));
  const auto early = of_type(read_eve(eve()), "flow");
  EXPECT_EQ(early[0]["flow"]["reason"], "timeout");
  EXPECT_EQ(early[0]["flow"]["state"], "closed");
  EXPECT_EQ(early[0]["reassembly"]["toserver"]["bytes"], 500);
  EXPECT_EQ(early[0]["reassembly"]["toclient"]["bytes"], 50);
  EXPECT_EQ(interrupt(), 0) << slurp(dir_ / "stderr.txt");

  const std::vector<json> events = read_eve(eve());
  EXPECT_EQ(of_type(events, "flow").size(), 1u);
  const auto stats = of_type(events, "stats");
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0]["stats"]["flow"]["ended_timeout"], 1);
  EXPECT_EQ(stats[0]["stats"]["flow"]["active"], 0);
}

// Not live: a long file run stops at SIGINT between batches, and what it read is still
// reported (every flow gets its record, then the stats). 3,000 readings of one capture take
// about 12 s here; the signal comes half a second after the EVE file is opened.
TEST(FileRunSignal, SigintStopsReadingAndStillWritesEveryFlowAndTheStats) {
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("dicomsentry_file_sigint_{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string capture = std::string(DICOMSENTRY_PCAP_DIR) + "/storescu_many.pcap";
  constexpr int kReadings = 3000;
  std::vector<std::string> args = {DICOMSENTRY_BINARY, "-l", dir.string()};
  for (int i = 0; i < kReadings; ++i) {
    args.push_back("-r");
    args.push_back(capture);
  }
  const pid_t pid = spawn(args, dir / "stderr.txt");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "eve.json"); }, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid, std::chrono::seconds(30)), 0);
  const std::string errors = slurp(dir / "stderr.txt");
  EXPECT_NE(errors.find("dicomsentry: stopped by a signal while reading " + capture),
            std::string::npos)
      << errors;

  const std::vector<json> events = read_eve(dir / "eve.json");
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back()["event_type"], "stats");
  const json& s = events.back()["stats"];
  EXPECT_GE(s["capture"]["inputs"].get<int>(), 1);
  EXPECT_LT(s["capture"]["inputs"].get<int>(), kReadings);
  EXPECT_EQ(s["capture"]["packets"], s["decoder"]["pkts"]);
  EXPECT_EQ(s["flow"]["active"], 0);
  EXPECT_EQ(of_type(events, "flow").size(), s["flow"]["created"].get<std::size_t>());
  EXPECT_EQ(of_type(events, "dicom_association").size(),
            s["app_layer"]["associations"].get<std::size_t>());
  fs::remove_all(dir);
}

}  // namespace
