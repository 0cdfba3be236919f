// Event type selection: a substring search for the key, no JSON parsing.
#include "output/eve_output_filter.hpp"

#include <algorithm>

namespace dicomsentry {

std::string_view eve_event_type(std::string_view line) {
  static constexpr std::string_view kKey = R"("event_type":")";
  const std::size_t at = line.find(kKey);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + kKey.size();
  const std::size_t end = line.find('"', begin);
  if (end == std::string_view::npos) return {};
  return line.substr(begin, end - begin);
}

bool EventTypeFilter::allows(std::string_view line) const {
  if (types_.empty()) return true;
  const std::string_view type = eve_event_type(line);
  return std::find(types_.begin(), types_.end(), type) != types_.end();
}

FilteredOutput::FilteredOutput(EventTypeFilter filter, std::unique_ptr<EveOutput> inner)
    : filter_(std::move(filter)), inner_(std::move(inner)) {}

void FilteredOutput::write_lines(std::string_view lines) {
  if (filter_.allows_all()) {
    inner_->write_lines(lines);
    return;
  }
  std::size_t run_begin = 0;  // start of the current run of selected lines
  std::size_t pos = 0;
  while (pos < lines.size()) {
    std::size_t end = lines.find('\n', pos);
    end = end == std::string_view::npos ? lines.size() : end + 1;
    if (!filter_.allows(lines.substr(pos, end - pos))) {
      if (pos > run_begin) inner_->write_lines(lines.substr(run_begin, pos - run_begin));
      ++filtered_;
      run_begin = end;
    }
    pos = end;
  }
  if (lines.size() > run_begin) inner_->write_lines(lines.substr(run_begin));
}

const EveOutputStats& FilteredOutput::stats() const {
  stats_ = inner_->stats();
  stats_.lines_filtered += filtered_;
  return stats_;
}

}  // namespace dicomsentry
