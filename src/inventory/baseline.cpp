// Baseline: inventory.json back into per-device fact sets (nlohmann_json), and the checker
// that reports each fact the baseline does not hold, once.
#include "inventory/baseline.hpp"

#include <array>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "policy/cidr.hpp"

namespace dicomsentry::inventory {
namespace {

using Json = nlohmann::json;

struct BadBaseline {
  std::string reason;
};

void string_set(const Json& device, std::string_view key, std::string_view ip,
                SortedSet<std::string>& out) {
  const auto found = device.find(key);
  if (found == device.end()) return;
  if (!found->is_array()) {
    throw BadBaseline{fmt::format("device {}: '{}' is not a list", ip, key)};
  }
  for (const Json& item : *found) {
    if (!item.is_string()) {
      throw BadBaseline{
          fmt::format("device {}: '{}' holds {}, not a string", ip, key, item.type_name())};
    }
    out.insert(item.get<std::string>());
  }
}

Baseline baseline_of(const Json& root) {
  if (!root.is_object()) {
    throw BadBaseline{fmt::format("the document is {}, not an inventory object", root.type_name())};
  }
  const auto devices = root.find("devices");
  if (devices == root.end() || !devices->is_array()) {
    throw BadBaseline{"no 'devices' list: not an inventory.json"};
  }
  Baseline baseline;
  std::size_t index = 0;
  for (const Json& d : *devices) {
    ++index;
    if (!d.is_object()) throw BadBaseline{fmt::format("device {} is not an object", index)};
    const auto ip = d.find("ip");
    if (ip == d.end() || !ip->is_string()) {
      throw BadBaseline{fmt::format("device {} has no 'ip' string", index)};
    }
    const std::string text = ip->get<std::string>();
    DeviceAddress address;
    const auto parsed = policy::parse_ip(text, &address.ip_version);
    if (!parsed)
      throw BadBaseline{fmt::format("device {}: '{}' is not an IP address", index, text)};
    address.ip = *parsed;
    BaselineDevice& device = baseline.devices[address];  // a repeated address adds up
    string_set(d, "ae_titles_scu", text, device.ae_titles_scu);
    string_set(d, "ae_titles_scp", text, device.ae_titles_scp);
    string_set(d, "implementation_class_uids", text, device.implementation_class_uids);
    string_set(d, "implementation_version_names", text, device.implementation_version_names);
  }
  return baseline;
}

struct FlowEnds {
  DeviceAddress client;
  DeviceAddress server;
};

// The key stores endpoints in canonical order; the flow says which one is the client.
FlowEnds ends_of(const Flow& flow) {
  FlowEnds ends;
  ends.client.ip_version = ends.server.ip_version = flow.key.ip_version;
  ends.client.ip = flow.client_is_lo ? flow.key.lo_ip : flow.key.hi_ip;
  ends.server.ip = flow.client_is_lo ? flow.key.hi_ip : flow.key.lo_ip;
  return ends;
}

}  // namespace

BaselineLoad parse_baseline(std::string_view json_text, std::string_view file_name) {
  BaselineLoad result;
  if (json_text.size() > kMaxBaselineBytes) {
    result.error = fmt::format("{}: larger than {} bytes", file_name, kMaxBaselineBytes);
    return result;
  }
  try {
    result.baseline = baseline_of(Json::parse(json_text));
    result.ok = true;
  } catch (const BadBaseline& bad) {
    result.error = fmt::format("{}: {}", file_name, bad.reason);
  } catch (const Json::exception& e) {
    // nlohmann's text names the byte: "parse error at line 1, column 9: syntax error ..."
    result.error = fmt::format("{}: not JSON: {}", file_name, e.what());
  }
  return result;
}

BaselineLoad load_baseline_file(const std::string& path) {
  BaselineLoad result;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.error = fmt::format("{}: cannot open the file", path);
    return result;
  }
  std::string text;
  std::array<char, 65536> chunk{};
  while (in && text.size() <= kMaxBaselineBytes) {
    in.read(chunk.data(), chunk.size());
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    result.error = fmt::format("{}: cannot read the file", path);
    return result;
  }
  return parse_baseline(text, path);  // a file over the cap is reported there
}

BaselineChecker::BaselineChecker(const Baseline& baseline, std::size_t max_remembered)
    : baseline_(baseline), max_remembered_(max_remembered) {}

void BaselineChecker::report(const Novelty& novelty) {
  if (reported_.contains(novelty)) {
    ++counters_.repeated;
    return;
  }
  if (reported_.size() >= max_remembered_) {
    ++counters_.dropped;
    return;
  }
  reported_.insert(Remembered{novelty.kind, novelty.role, novelty.device,
                              std::string(novelty.value), std::string(novelty.version)});
  ++counters_.novelties;
  found_.push_back(novelty);
}

const BaselineDevice* BaselineChecker::device(const DeviceAddress& address) {
  const auto found = baseline_.devices.find(address);
  if (found != baseline_.devices.end()) return &found->second;
  Novelty novelty;
  novelty.kind = NoveltyKind::kDevice;
  novelty.device = address;
  report(novelty);
  return nullptr;
}

void BaselineChecker::check_side(const DeviceAddress& address, std::string_view ae_title,
                                 AeRole role, const dicom::PeerSummary& implementation) {
  const BaselineDevice* known = device(address);
  if (known == nullptr) return;
  const auto& titles = role == AeRole::kScu ? known->ae_titles_scu : known->ae_titles_scp;
  if (!ae_title.empty() && !titles.contains(ae_title)) {
    Novelty novelty;
    novelty.kind = NoveltyKind::kAeTitle;
    novelty.device = address;
    novelty.role = role;
    novelty.value = ae_title;
    report(novelty);
  }
  const std::string_view uid = implementation.implementation_class_uid;
  const std::string_view version = implementation.implementation_version_name;
  if (uid.empty()) return;
  if (!known->implementation_class_uids.contains(uid) ||
      (!version.empty() && !known->implementation_version_names.contains(version))) {
    Novelty novelty;
    novelty.kind = NoveltyKind::kImplementation;
    novelty.device = address;
    novelty.value = uid;
    novelty.version = version;
    report(novelty);
  }
}

std::span<const Novelty> BaselineChecker::check_association(
    const dicom::AssociationRecord& record) {
  found_.clear();
  if (record.flow == nullptr) return {};
  const FlowEnds ends = ends_of(*record.flow);
  check_side(ends.client, record.calling_ae, AeRole::kScu, record.requestor);
  // As the inventory counts it: SCP of the called title only when the AC echoed it.
  const std::string_view scp_title =
      record.responding_ae.empty() ? std::string_view() : std::string_view(record.called_ae);
  check_side(ends.server, scp_title, AeRole::kScp, record.acceptor);
  return found_;
}

std::span<const Novelty> BaselineChecker::check_flow_end(const Flow& flow) {
  found_.clear();
  if (flow.app_proto != AppProto::kDicom && flow.app_proto != AppProto::kTls) return {};
  const FlowEnds ends = ends_of(flow);
  device(ends.client);
  device(ends.server);
  return found_;
}

std::string_view novelty_kind_name(NoveltyKind kind) {
  switch (kind) {
    case NoveltyKind::kDevice:
      return "device";
    case NoveltyKind::kAeTitle:
      return "ae_title";
    case NoveltyKind::kImplementation:
      return "implementation";
  }
  return "unknown";
}

std::string_view ae_role_name(AeRole role) {
  return role == AeRole::kScu ? "SCU" : "SCP";
}

}  // namespace dicomsentry::inventory
