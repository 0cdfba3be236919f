// A baseline: the inventory.json of an earlier run (--baseline), and the question asked of
// every association and DICOM flow against it: which facts about its devices are new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dicom/dicom_events.hpp"
#include "flow/flow.hpp"
#include "inventory/inventory.hpp"

namespace dicomsentry::inventory {

// What a baseline keeps of each device: the facts novelties are judged on.
struct BaselineDevice {
  SortedSet<std::string> ae_titles_scu;
  SortedSet<std::string> ae_titles_scp;
  SortedSet<std::string> implementation_class_uids;
  SortedSet<std::string> implementation_version_names;
};

struct Baseline {
  std::map<DeviceAddress, BaselineDevice> devices;
};

// A larger file is refused rather than parsed (an inventory at its limits stays well below).
inline constexpr std::size_t kMaxBaselineBytes = 64u << 20;

struct BaselineLoad {
  bool ok = false;
  Baseline baseline;  // valid when ok
  std::string error;  // "FILE: reason" when !ok
};

// Pure: the text of an inventory.json (as output/inventory_writer writes it) in, the baseline
// or the first error out. `devices` must be a list of objects with an `ip`; the four sets
// (`ae_titles_scu`, `ae_titles_scp`, `implementation_class_uids`,
// `implementation_version_names`) are lists of strings, absent ones empty; other keys are
// ignored. `file_name` only labels errors.
BaselineLoad parse_baseline(std::string_view json_text, std::string_view file_name);
// Reads the file (at most kMaxBaselineBytes) and parses it.
BaselineLoad load_baseline_file(const std::string& path);

enum class NoveltyKind : std::uint8_t {
  kDevice,          // an address the baseline does not list
  kAeTitle,         // an AE title the device did not use in that role
  kImplementation,  // an implementation class UID + version name the device did not announce
};
enum class AeRole : std::uint8_t { kScu, kScp };

// One new fact. The strings point into the record it was found in.
struct Novelty {
  NoveltyKind kind = NoveltyKind::kDevice;
  DeviceAddress device;
  AeRole role = AeRole::kScu;  // kAeTitle only
  std::string_view value;      // the AE title, or the implementation class UID
  std::string_view version;    // kImplementation: the version name (may be empty)
};

struct BaselineCounters {
  std::uint64_t novelties = 0;  // reported (once each)
  std::uint64_t repeated = 0;   // seen again after being reported: not reported again
  std::uint64_t dropped = 0;    // new, but past max_remembered: not reported, not remembered
};

// Judges records against a baseline. What is new:
// * a device (either end) whose address the baseline does not list; its AE titles and
//   implementations are not reported on their own, the new device covers them;
// * for a listed device: the calling AE title as SCU (client), the called AE title as SCP
//   when the server accepted it (an A-ASSOCIATE-AC echoed it), as the inventory records them;
// * for a listed device: its own side's implementation class UID (non-empty) when the
//   baseline does not list that UID, or does not list its version name (non-empty).
// Each novelty is reported once per run: up to `max_remembered` are remembered; past that a
// new fact is counted as dropped and not reported, so memory and alerts stay bounded.
class BaselineChecker {
 public:
  // `baseline` must outlive the checker.
  explicit BaselineChecker(const Baseline& baseline, std::size_t max_remembered = 65536);

  // The novelties of one association (mid-stream ones: only new devices); valid until the
  // next call.
  std::span<const Novelty> check_association(const dicom::AssociationRecord& record);
  // New devices at the ends of a flow the app layer found DICOM or DICOM-TLS on (the
  // inventory's flows): a DICOM-TLS device shows no association.
  std::span<const Novelty> check_flow_end(const Flow& flow);

  const BaselineCounters& counters() const { return counters_; }

 private:
  struct Remembered {
    NoveltyKind kind;
    AeRole role;
    DeviceAddress device;
    std::string value;
    std::string version;
  };
  struct RememberedLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return key(a) < key(b);
    }
    static auto key(const Remembered& r) {
      return std::make_tuple(r.kind, r.role, r.device, std::string_view(r.value),
                             std::string_view(r.version));
    }
    static auto key(const Novelty& n) {
      return std::make_tuple(n.kind, n.role, n.device, n.value, n.version);
    }
  };

  // A device the baseline lists, or null after reporting it as new (once).
  const BaselineDevice* device(const DeviceAddress& address);
  void report(const Novelty& novelty);
  void check_side(const DeviceAddress& address, std::string_view ae_title, AeRole role,
                  const dicom::PeerSummary& implementation);

  const Baseline& baseline_;
  std::size_t max_remembered_;
  std::set<Remembered, RememberedLess> reported_;
  std::vector<Novelty> found_;  // this call's; capacity kept
  BaselineCounters counters_;
};

std::string_view novelty_kind_name(NoveltyKind kind);  // "device", "ae_title", "implementation"
std::string_view ae_role_name(AeRole role);            // "SCU", "SCP"

}  // namespace dicomsentry::inventory
