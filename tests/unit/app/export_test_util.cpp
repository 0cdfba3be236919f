// Helpers of the --export-objects tests (see export_test_util.hpp).
#include "export_test_util.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "dcmtk/dcmdata/dcostrmb.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmdata/dcvr.h"

namespace dicomsentry::export_test {

Result run(const std::string& arguments) {
  Result result;
  const std::string command = fmt::format("{} --no-summary {} 2>&1", DICOMSENTRY_BINARY, arguments);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::vector<std::uint8_t> data_set_bytes(const std::vector<std::uint8_t>& file) {
  static constexpr std::uint8_t kGroupLength[] = {0x02, 0x00, 0x00, 0x00, 'U', 'L', 0x04, 0x00};
  if (file.size() < 144 || std::memcmp(file.data() + 128, "DICM", 4) != 0 ||
      std::memcmp(file.data() + 132, kGroupLength, sizeof kGroupLength) != 0) {
    return {};
  }
  const std::uint64_t start = 144 + std::uint64_t{load_le32(file.data() + 140)};
  if (start > file.size()) return {};
  return {file.begin() + static_cast<std::ptrdiff_t>(start), file.end()};
}

std::string string_of(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

namespace {

// One element as it is encoded in `syntax` (tag, VR, length, value).
std::vector<Uint8> encode_element(DcmElement& element, E_TransferSyntax syntax) {
  std::vector<Uint8> buffer(element.calcElementLength(syntax, EET_ExplicitLength) + 16);
  DcmOutputBufferStream stream(buffer.data(), static_cast<offile_off_t>(buffer.size()));
  element.transferInit();
  const OFCondition status = element.write(stream, syntax, EET_ExplicitLength, nullptr);
  element.transferEnd();
  void* data = nullptr;
  offile_off_t length = 0;
  stream.flushBuffer(data, length);
  if (status.bad()) return {};
  const auto* bytes = static_cast<const Uint8*>(data);
  return {bytes, bytes + length};
}

}  // namespace

void compare_items(DcmItem& got, DcmItem& want, E_TransferSyntax syntax, const std::string& where,
                   std::vector<std::string>& differences) {
  if (got.card() != want.card()) {
    differences.push_back(fmt::format("{}: {} elements, want {}", where, got.card(), want.card()));
    return;
  }
  for (unsigned long i = 0; i < want.card(); ++i) {
    DcmElement* a = got.getElement(i);
    DcmElement* b = want.getElement(i);
    const std::string at = fmt::format("{}{}", where, b->getTag().toString().c_str());
    if (a->getTag() != b->getTag()) {
      differences.push_back(fmt::format("{}: tag {}", at, a->getTag().toString().c_str()));
      continue;
    }
    if (a->getVR() != b->getVR()) {
      differences.push_back(fmt::format("{}: VR {}, want {}", at, DcmVR(a->getVR()).getVRName(),
                                        DcmVR(b->getVR()).getVRName()));
      continue;
    }
    if (b->ident() == EVR_SQ) {
      auto* sa = static_cast<DcmSequenceOfItems*>(a);
      auto* sb = static_cast<DcmSequenceOfItems*>(b);
      if (sa->card() != sb->card()) {
        differences.push_back(fmt::format("{}: {} items, want {}", at, sa->card(), sb->card()));
        continue;
      }
      for (unsigned long k = 0; k < sb->card(); ++k) {
        compare_items(*sa->getItem(k), *sb->getItem(k), syntax, fmt::format("{}[{}]", at, k),
                      differences);
      }
      continue;
    }
    if (b->isaString()) {
      OFString va, vb;
      a->getOFStringArray(va);
      b->getOFStringArray(vb);
      if (va != vb) {
        differences.push_back(fmt::format("{}: \"{}\", want \"{}\"", at, va.c_str(), vb.c_str()));
        continue;
      }
    }
    if (a->getLength() != b->getLength() ||
        encode_element(*a, syntax) != encode_element(*b, syntax)) {
      differences.push_back(fmt::format("{}: value bytes differ ({} and {} bytes)", at,
                                        a->getLength(), b->getLength()));
    }
  }
}

std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

std::vector<nlohmann::json> dicom_records(const std::filesystem::path& eve) {
  std::vector<nlohmann::json> records;
  std::ifstream in(eve);
  std::string line;
  while (std::getline(in, line)) {
    auto event = nlohmann::json::parse(line);
    if (event["event_type"] == "dicom") records.push_back(event["dicom"]);
  }
  return records;
}

Pcap split_pcap(const std::vector<std::uint8_t>& bytes) {
  Pcap pcap;
  if (bytes.size() < 24 || load_le32(bytes.data()) != 0xa1b2c3d4u) return pcap;
  pcap.header.assign(bytes.begin(), bytes.begin() + 24);
  std::size_t offset = 24;
  for (std::size_t i = 0; i < 100000 && offset + 16 <= bytes.size(); ++i) {
    const std::size_t end = offset + 16 + load_le32(bytes.data() + offset + 8);
    if (end > bytes.size()) break;
    pcap.records.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                              bytes.begin() + static_cast<std::ptrdiff_t>(end));
    offset = end;
  }
  return pcap;
}

}  // namespace dicomsentry::export_test
