// EVE lines to one more file (for instance only the alerts, for a SIEM's file reader): opened
// for append (mode 0640) like the main log and reopened on SIGHUP after rotation.
#pragma once

#include <string>

#include "output/eve_output.hpp"

namespace dicomsentry {

class EveFileOutput final : public EveOutput {
 public:
  explicit EveFileOutput(std::string path);
  ~EveFileOutput() override;
  EveFileOutput(const EveFileOutput&) = delete;
  EveFileOutput& operator=(const EveFileOutput&) = delete;

  bool open();  // false and last_error() when the file cannot be opened
  void write_lines(std::string_view lines) override;
  void reopen() override;
  const EveOutputStats& stats() const override { return stats_; }
  std::string_view name() const override { return name_; }
  const std::string& last_error() const { return last_error_; }

 private:
  std::string path_;
  std::string name_;
  int fd_ = -1;
  EveOutputStats stats_;
  std::string last_error_;
};

}  // namespace dicomsentry
