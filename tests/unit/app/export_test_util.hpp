// Helpers of the --export-objects tests: run the program, read and cut pcaps and Part 10
// files, compare two DCMTK data sets element by element.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dcmtk/dcmdata/dcitem.h"

namespace dicomsentry::export_test {

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs the dicomsentry program with these arguments.
Result run(const std::string& arguments);

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);
std::uint32_t load_le32(const std::uint8_t* p);

// The bytes after the file meta group: preamble (128), "DICM", then (0002,0000) UL 4 whose
// value is the length of the rest of the group (PS3.10 7.1). Empty if the file is not so.
std::vector<std::uint8_t> data_set_bytes(const std::vector<std::uint8_t>& file);

std::string string_of(DcmItem& item, const DcmTagKey& tag);

// Element by element: same tags in the same order, same VR, same value (strings compared as
// strings, every other leaf as its encoded bytes in `syntax`), sequences item by item.
// Appends one line per difference, so a failure says where.
void compare_items(DcmItem& got, DcmItem& want, E_TransferSyntax syntax, const std::string& where,
                   std::vector<std::string>& differences);

// Names of the entries of a directory (hidden ones too); empty if it does not exist.
std::set<std::string> files_in(const std::filesystem::path& dir);
// The `dicom` objects of the EVE records in a file, in order.
std::vector<nlohmann::json> dicom_records(const std::filesystem::path& eve);

// A classic little-endian pcap (as tcpdump writes it) split into its global header and records.
struct Pcap {
  std::vector<std::uint8_t> header;
  std::vector<std::vector<std::uint8_t>> records;  // record header and frame
};
Pcap split_pcap(const std::vector<std::uint8_t>& bytes);

}  // namespace dicomsentry::export_test
