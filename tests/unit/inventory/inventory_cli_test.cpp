// End to end: dicomsentry -l DIR writes inventory.json and inventory.csv beside eve.json, and
// the two files say the same thing about the same devices.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(text);
  while (std::getline(in, field, separator)) out.push_back(field);
  if (!text.empty() && text.back() == separator) out.emplace_back();
  return out;
}

std::string joined(const Json& array) {
  std::string out;
  for (const Json& item : array) {
    if (!out.empty()) out += ';';
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

TEST(InventoryCli, LogDirGetsJsonAndCsvThatAgree) {
  std::string templ = (fs::temp_directory_path() / "dicomsentry_inventory.XXXXXX").string();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr);
  const fs::path dir = templ;
  const std::string command = fmt::format(
      "timeout 60 {} -r {}/orthanc_find_move_get.pcap -r {}/storescu_multi.pcap -l {} 2>/dev/null",
      DICOMSENTRY_BINARY, DICOMSENTRY_PCAP_DIR, DICOMSENTRY_PCAP_DIR, dir.string());
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_TRUE(fs::exists(dir / "eve.json"));
  std::ifstream json_in(dir / "inventory.json");
  const Json inventory = Json::parse(json_in);
  std::ifstream csv_in(dir / "inventory.csv");
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv_in, line);) lines.push_back(line);

  // What the devices are is checked against the oracles in inventory_capture_test.cpp; here
  // both files must hold the same devices, in the same order, with the same values.
  ASSERT_GE(inventory["devices"].size(), 1u);
  EXPECT_EQ(inventory["devices_total"], inventory["devices"].size());
  ASSERT_EQ(lines.size(), inventory["devices"].size() + 1);
  const std::vector<std::string> header = split(lines[0], ',');
  ASSERT_EQ(header.size(), 18u);
  EXPECT_EQ(header.back(), "macs");
  for (std::size_t d = 0; d < inventory["devices"].size(); ++d) {
    const std::vector<std::string> row = split(lines[d + 1], ',');  // no field here holds a comma
    ASSERT_EQ(row.size(), header.size());
    const Json& device = inventory["devices"][d];
    EXPECT_FALSE(device["ae_titles_scu"].empty());
    for (std::size_t i = 0; i < header.size(); ++i) {
      SCOPED_TRACE(header[i]);
      if (header[i] == "zone") {
        EXPECT_FALSE(device.contains("zone"));  // no -c
        EXPECT_EQ(row[i], "");
      } else if (device[header[i]].is_array()) {
        EXPECT_EQ(row[i], joined(device[header[i]]));
      } else if (device[header[i]].is_string()) {
        EXPECT_EQ(row[i], device[header[i]].get<std::string>());
      } else {
        EXPECT_EQ(row[i], device[header[i]].dump());
      }
    }
  }
  fs::remove_all(dir);
}

}  // namespace
