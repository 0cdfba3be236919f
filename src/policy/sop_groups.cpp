// The SOP class group table: each name stands for the UIDs of one family of DICOM services.
#include "policy/sop_groups.hpp"

#include <array>

namespace dicomsentry::policy {
namespace {

// Storage SOP classes all sit under 1.2.840.10008.5.1.4.1.1 (PS3.4 B.5); Q/R information
// models under 1.2.840.10008.5.1.4.1.2 (PS3.4 C.6); print management under
// 1.2.840.10008.5.1.1 (PS3.4 H.4).
const std::array kVerification = {UidPattern{"1.2.840.10008.1.1", false}};
const std::array kStorage = {UidPattern{"1.2.840.10008.5.1.4.1.1.", true}};
const std::array kStorageCommitment = {UidPattern{"1.2.840.10008.1.20.1", false}};
const std::array kQueryRetrieve = {UidPattern{"1.2.840.10008.5.1.4.1.2.", true}};
const std::array kWorklist = {UidPattern{"1.2.840.10008.5.1.4.31", false}};
const std::array kMpps = {UidPattern{"1.2.840.10008.3.1.2.3.3", false}};
const std::array kPrint = {UidPattern{"1.2.840.10008.5.1.1.", true}};
const std::array kUps = {UidPattern{"1.2.840.10008.5.1.4.34.6.", true}};
const std::array kInstanceAvailability = {UidPattern{"1.2.840.10008.5.1.4.33", false}};

const std::array kGroups = {
    SopGroup{"verification", "C-ECHO", kVerification},
    SopGroup{"storage", "every Storage SOP class (C-STORE of images, SR, documents)", kStorage},
    SopGroup{"storage_commitment", "Storage Commitment Push Model", kStorageCommitment},
    SopGroup{"query_retrieve", "Patient/Study Root and other Q/R models (C-FIND, C-MOVE, C-GET)",
             kQueryRetrieve},
    SopGroup{"worklist", "Modality Worklist C-FIND", kWorklist},
    SopGroup{"mpps", "Modality Performed Procedure Step", kMpps},
    SopGroup{"print", "Print Management", kPrint},
    SopGroup{"ups", "Unified Procedure Step", kUps},
    SopGroup{"instance_availability", "Instance Availability Notification", kInstanceAvailability},
};

}  // namespace

bool uid_matches(const UidPattern& pattern, std::string_view uid) {
  return pattern.prefix ? uid.starts_with(pattern.uid) : uid == pattern.uid;
}

std::span<const SopGroup> sop_groups() {
  return kGroups;
}

const SopGroup* find_sop_group(std::string_view name) {
  for (const SopGroup& group : kGroups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

bool parse_uid_pattern(std::string_view text, UidPattern* pattern) {
  bool prefix = false;
  if (text.ends_with(".*")) {
    prefix = true;
    text.remove_suffix(1);  // keep the dot: "1.2.3." matches only under 1.2.3
  }
  if (text.empty() || text.size() > 64) return false;
  char previous = '.';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (previous == '.') return false;  // an empty component, or a leading dot
    } else if (c < '0' || c > '9') {
      return false;
    }
    previous = c;
  }
  if (!prefix && text.back() == '.') return false;
  pattern->uid = std::string(text);
  pattern->prefix = prefix;
  return true;
}

}  // namespace dicomsentry::policy
