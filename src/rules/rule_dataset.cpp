// The `dataset` keyword: `dataset:isset|isnotset,name,type string,load file` on the sticky
// buffer selected before it. Only the text is checked here; the rules-file loader reads files.
#include <fmt/format.h>

#include <vector>

#include "rules/rule_options.hpp"
#include "rules/rule_text.hpp"

namespace dicomsentry::rules::detail {
namespace {

// Buffers whose value is one short string per event (a name, a UID, a version): whole-value
// set membership means something there. Not pkt_data, dicom.query or dicom.dataset, which are
// streams or multi-line records.
bool carries_dataset(Buffer buffer) {
  switch (buffer) {
    case Buffer::kDicomCallingAe:
    case Buffer::kDicomCalledAe:
    case Buffer::kDicomImplClassUid:
    case Buffer::kDicomImplVersion:
    case Buffer::kDicomMoveDestination:
    case Buffer::kDicomSopClass:
    case Buffer::kDicomAbstractSyntax:
    case Buffer::kDicomTransferSyntax:
    case Buffer::kTlsSni:
    case Buffer::kTlsCipher:
      return true;
    case Buffer::kPayload:
    case Buffer::kDicomQuery:
    case Buffer::kDicomDataset:
      break;
  }
  return false;
}

bool is_dataset_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool on_dataset(RuleBuilder& b, std::string_view value) {
  if (!carries_dataset(b.buffer)) {
    return b.fail(fmt::format("dataset does not apply to {}", buffer_name(b.buffer)));
  }
  std::vector<std::string_view> parts;
  if (!text::split_top_level(value, parts) || parts.size() < 2) {
    return b.fail("dataset needs \"isset|isnotset,name,type string,load file\"");
  }
  DatasetMatch d;
  d.buffer = b.buffer;
  // Suricata's set/unset change the set at run time; a passive sensor only looks things up.
  if (parts[0] == "isnotset")
    d.negated = true;
  else if (parts[0] != "isset")
    return b.fail(fmt::format("bad dataset operation \"{}\" (isset or isnotset)", parts[0]));
  if (!is_dataset_name(parts[1])) return b.fail(fmt::format("bad dataset name \"{}\"", parts[1]));
  d.name = std::string(parts[1]);

  bool type = false;
  bool load = false;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    const std::size_t space = part.find_first_of(" \t");
    const std::string_view key = part.substr(0, space);
    const std::string_view arg =
        space == std::string_view::npos ? std::string_view{} : text::trim(part.substr(space));
    if (key == "type") {
      if (type) return b.fail("dataset type given twice");
      type = true;
      // Suricata's md5/sha256/ipv4/ip sets have no dicomsentry buffer to look at.
      if (arg != "string") {
        return b.fail(fmt::format("dataset type \"{}\" is not supported (only string)", arg));
      }
    } else if (key == "load") {
      if (load) return b.fail("dataset load given twice");
      load = true;
      if (arg.empty()) return b.fail("dataset load needs a file name");
      d.file = std::string(arg);
    } else {
      return b.fail(fmt::format("unknown dataset option \"{}\"", key));
    }
  }
  if (!type) return b.fail("dataset needs \"type string\"");
  if (!load) return b.fail("dataset needs \"load <file>\"");
  b.rule.datasets.push_back(std::move(d));
  b.buffer_unused = false;  // a buffer followed only by a dataset is complete
  return true;
}

}  // namespace dicomsentry::rules::detail
