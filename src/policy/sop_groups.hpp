// SOP class groups a policy entry may allow (`storage`, `query_retrieve`, ...) and UID patterns.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dicomsentry::policy {

// One allowed SOP class: an exact UID, or every UID under a prefix (`prefix` is then the UID
// root followed by its dot, so "1.2.3" never matches "1.2.30").
struct UidPattern {
  std::string uid;
  bool prefix = false;
  friend bool operator==(const UidPattern&, const UidPattern&) = default;
};

bool uid_matches(const UidPattern& pattern, std::string_view uid);

// The named groups, in the order of the table in sop_groups.cpp. The UIDs are PS3.4 / PS3.6.
struct SopGroup {
  std::string_view name;
  std::string_view description;
  std::span<const UidPattern> patterns;
};
std::span<const SopGroup> sop_groups();
const SopGroup* find_sop_group(std::string_view name);

// A UID as written in the config: digits and dots, at most 64 characters (PS3.5 9.1), no empty
// component; a trailing ".*" makes it a prefix.
bool parse_uid_pattern(std::string_view text, UidPattern* pattern);

}  // namespace dicomsentry::policy
