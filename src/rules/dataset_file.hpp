// Dataset files for the `dataset` keyword: one plain-text value per line, read once per name
// per RuleSet and shared by every rule that names the set.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsentry::rules {

// Bounds on a dataset file (a list of version names or AE titles is a few thousand lines).
inline constexpr std::size_t kMaxDatasetLines = 100'000;
inline constexpr std::size_t kMaxDatasetFileBytes = 16u << 20;

using DatasetValues = std::shared_ptr<const std::vector<std::string>>;

// One dataset name's file, as loaded for a RuleSet: its values, or why it could not be read.
struct LoadedDataset {
  std::string path;      // absolute, lexically normal
  DatasetValues values;  // sorted, unique; null when loading failed
  std::string error;     // the whole message when it failed
};

// Pure: the values of a dataset file's text. A line starting with '#' is a comment; trailing
// spaces, tabs and CR are trimmed (leading ones are part of the value); empty lines are
// skipped. False (with `error` set) beyond kMaxDatasetLines lines.
bool parse_dataset_text(std::string_view text, std::vector<std::string>& values,
                        std::string& error);

// `file` as written in a rule, relative to `base_dir` unless absolute.
std::string resolve_dataset_path(std::string_view file, std::string_view base_dir);

// Reads and parses `path` (already resolved). Errors: "cannot read dataset file P: reason",
// "dataset file P is larger than N bytes", "dataset file P has more than N lines".
LoadedDataset load_dataset_file(const std::string& path);

}  // namespace dicomsentry::rules
