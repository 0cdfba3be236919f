// Event type selection: the type read from real writer output and from hand-made lines, and
// FilteredOutput passing exactly the selected lines on, consecutive ones in one call.
#include "output/eve_output_filter.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "output/eve_sink.hpp"
#include "output/eve_writer.hpp"

namespace dicomsentry {
namespace {

namespace fs = std::filesystem;

TEST(EveEventType, ReadsTheTypeOfHandMadeLines) {
  EXPECT_EQ(eve_event_type(
                R"({"timestamp":"2026-11-28T13:00:56.485931+0000","event_type":"flow","flow_id":1})"),
            "flow");
  EXPECT_EQ(eve_event_type(R"({"timestamp":"t","event_type":"dicom_association"})" "\n"),
            "dicom_association");
  // A string value that quotes the key comes after the real one and is escaped anyway.
  EXPECT_EQ(eve_event_type(R"({"timestamp":"t","event_type":"dicom","x":"\"event_type\":\"alert\""})"),
            "dicom");
  EXPECT_EQ(eve_event_type(R"({"timestamp":"t","flow_id":1})"), "");
  EXPECT_EQ(eve_event_type(R"({"timestamp":"t","event_type":"unterminated)"), "");
  EXPECT_EQ(eve_event_type(R"({"event_type":""})"), "");
  EXPECT_EQ(eve_event_type(""), "");
}

TEST(EveEventType, AgreesWithAJsonParserOnWriterOutput) {
  std::string templ = (fs::temp_directory_path() / "eve_filter_test.XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const std::string file = templ + "/eve.json";
  {
    EveSink sink;
    ASSERT_TRUE(sink.open(file));
    EveWriter writer(sink);
    Flow flow;
    flow.key.ip_version = 4;
    flow.key.ip_proto = 6;
    flow.key.lo_ip.bytes = {192, 168, 10, 5};
    flow.key.lo_port = 104;
    flow.key.hi_ip.bytes = {192, 168, 10, 20};
    flow.key.hi_port = 51512;
    flow.first_ts = 1'795'870'856'107'368'000;
    flow.last_ts = flow.first_ts + 1000;
    writer.on_flow_end(flow);
    StatsSnapshot stats;
    stats.ts = flow.last_ts;
    writer.write_stats(stats);
  }
  std::ifstream in(file);
  std::vector<std::string> types;
  for (std::string line; std::getline(in, line);) {
    types.emplace_back(eve_event_type(line));
    EXPECT_EQ(types.back(), nlohmann::json::parse(line)["event_type"].get<std::string>());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"flow", "stats"}));
  fs::remove_all(templ);
}

// Records each chunk it is given.
class RecordingOutput final : public EveOutput {
 public:
  void write_lines(std::string_view lines) override {
    chunks.emplace_back(lines);
    stats_.lines_sent += static_cast<std::uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
  }
  const EveOutputStats& stats() const override { return stats_; }
  std::string_view name() const override { return "recording"; }
  std::vector<std::string> chunks;
  EveOutputStats stats_;
};

std::string line(std::string_view type, int n) {
  return fmt::format(R"({{"timestamp":"t","event_type":"{}","n":{}}})" "\n", type, n);
}

TEST(FilteredOutput, PassesExactlyTheSelectedLinesInRuns) {
  auto inner = std::make_unique<RecordingOutput>();
  RecordingOutput* seen = inner.get();
  FilteredOutput out(EventTypeFilter({"alert", "stats"}), std::move(inner));
  out.write_lines(line("flow", 1) + line("alert", 2) + line("alert", 3) + line("dicom", 4) +
                  line("stats", 5));
  out.write_lines(line("alert", 6));
  out.write_lines(line("tls", 7));
  out.write_lines(R"({"no_type":1})" "\n");
  EXPECT_EQ(seen->chunks,
            (std::vector<std::string>{line("alert", 2) + line("alert", 3), line("stats", 5),
                                      line("alert", 6)}));
  EXPECT_EQ(out.stats().lines_sent, 4u);
  EXPECT_EQ(out.stats().lines_filtered, 4u);  // flow, dicom, tls, no type
  EXPECT_EQ(out.name(), "recording");
}

TEST(FilteredOutput, AnEmptyFilterPassesTheChunkWhole) {
  auto inner = std::make_unique<RecordingOutput>();
  RecordingOutput* seen = inner.get();
  FilteredOutput out(EventTypeFilter{}, std::move(inner));
  const std::string chunk = line("flow", 1) + R"({"no_type":1})" "\n";
  out.write_lines(chunk);
  EXPECT_EQ(seen->chunks, (std::vector<std::string>{chunk}));
  EXPECT_EQ(out.stats().lines_filtered, 0u);
}

}  // namespace
}  // namespace dicomsentry
