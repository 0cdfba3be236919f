// Dataset files: path resolution, bounded reading, line parsing into a sorted unique set.
#include "rules/dataset_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace dicomsentry::rules {

bool parse_dataset_text(std::string_view text, std::vector<std::string>& values,
                        std::string& error) {
  values.clear();
  std::size_t lines = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (++lines > kMaxDatasetLines) {
      error = fmt::format("more than {} lines", kMaxDatasetLines);
      values.clear();
      return false;
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    values.emplace_back(line);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return true;
}

std::string resolve_dataset_path(std::string_view file, std::string_view base_dir) {
  namespace fs = std::filesystem;
  fs::path p{std::string(file)};
  if (p.is_relative() && !base_dir.empty()) p = fs::path{std::string(base_dir)} / p;
  std::error_code ec;
  fs::path absolute = fs::absolute(p, ec);
  return (ec ? p : absolute).lexically_normal().string();
}

LoadedDataset load_dataset_file(const std::string& path) {
  namespace fs = std::filesystem;
  LoadedDataset out;
  out.path = path;
  auto cannot_read = [&](std::string_view reason) {
    out.error = fmt::format("cannot read dataset file {}: {}", path, reason);
    return out;
  };
  // Checked before opening: a FIFO or a terminal would block the loader, a device never end.
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) return cannot_read(ec.message());
  if (fs::is_directory(status)) return cannot_read("is a directory");
  if (!fs::is_regular_file(status)) return cannot_read("not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return cannot_read(ec.message());
  if (size > kMaxDatasetFileBytes) {
    out.error = fmt::format("dataset file {} is larger than {} bytes", path, kMaxDatasetFileBytes);
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return cannot_read(std::strerror(errno));
  std::string content(static_cast<std::size_t>(size), '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));  // a file that shrank meanwhile

  auto values = std::make_shared<std::vector<std::string>>();
  std::string error;
  if (!parse_dataset_text(content, *values, error)) {
    out.error = fmt::format("dataset file {} has {}", path, error);
    return out;
  }
  out.values = std::move(values);
  return out;
}

}  // namespace dicomsentry::rules
