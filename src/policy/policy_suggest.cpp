// suggest_policy: observed flows -> zones (the config's, else one per subnet) -> one allowing
// entry per (client zone, server zone, port) -> YAML text the loader reads back.
#include "policy/policy_suggest.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "policy/zones.hpp"

namespace dicomsentry::policy {
namespace {

// What the loader accepts in `calling_ae`/`called_ae` (config.cpp), untrimmed: a title seen
// that is not one cannot be listed, and the entry then allows any.
bool listable_ae_title(std::string_view title) {
  if (title.empty() || title.size() > kMaxAeTitleLength) return false;
  if (title.front() == ' ' || title.back() == ' ') return false;
  for (char c : title) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\' || u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

// A YAML double-quoted scalar of printable ASCII (all this file writes).
void quoted(fmt::memory_buffer& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

// "net-10.1.2.0-24", "net6-2001-db8-0-1-64": the subnet's first address, as a zone name.
std::string subnet_zone_name(const Cidr& cidr) {
  if (cidr.ip_version == 4) {
    const auto& b = cidr.address.bytes;
    return fmt::format("net-{}.{}.{}.{}-{}", b[0], b[1], b[2], b[3], cidr.prefix_length);
  }
  std::string name = "net6";
  for (std::size_t i = 0; i < cidr.prefix_length / 16u; ++i) {
    const unsigned group = (cidr.address.bytes[2 * i] << 8) | cidr.address.bytes[2 * i + 1];
    name += fmt::format("-{:x}", group);
  }
  return fmt::format("{}-{}", name, cidr.prefix_length);
}

struct Zones {
  struct Generated {
    std::string name;
    Cidr cidr;
  };
  const Config* existing = nullptr;
  ZoneClassifier classifier;
  std::map<std::tuple<std::uint8_t, std::array<std::uint8_t, 16>>, std::size_t> by_subnet;
  std::vector<Generated> generated;
  std::set<std::string, std::less<>> names;

  // The zone name of an address (a copy: `generated` may grow); nullopt when a new zone would
  // pass kMaxZones.
  std::optional<std::string> of(std::uint8_t ip_version, const IpAddress& ip) {
    if (existing != nullptr) {
      const ZoneId zone = classifier.zone_of_address(ip, ip_version);
      if (zone != kNoZone) return existing->zones[zone].name;
    }
    Cidr subnet;
    subnet.ip_version = ip_version;
    subnet.prefix_length = ip_version == 4 ? kSuggestV4Prefix : kSuggestV6Prefix;
    subnet.address = mask_address(ip, subnet.prefix_length);
    const auto key = std::make_tuple(ip_version, subnet.address.bytes);
    if (const auto found = by_subnet.find(key); found != by_subnet.end()) {
      return generated[found->second].name;
    }
    if (names.size() >= kMaxZones) return std::nullopt;
    const std::string base = subnet_zone_name(subnet);
    std::string name = base;
    for (int n = 2; names.contains(name); ++n) name = fmt::format("{}-{}", base, n);
    names.insert(name);
    by_subnet.emplace(key, generated.size());
    generated.push_back(Generated{std::move(name), subnet});
    return generated.back().name;
  }
};

struct EntryFacts {
  std::set<std::string, std::less<>> calling_ae, called_ae;
  bool any_calling = false;  // a title seen that cannot be listed
  bool any_called = false;
  std::uint64_t plaintext = 0;  // distinct plaintext flows (client, AE titles)
  std::uint64_t tls = 0;
};

void ae_list(fmt::memory_buffer& out, std::string_view key,
             const std::set<std::string, std::less<>>& titles) {
  fmt::format_to(std::back_inserter(out), "    {}: [", key);
  bool first = true;
  for (const std::string& title : titles) {
    if (!first) out.append(std::string_view(", "));
    first = false;
    quoted(out, title);
  }
  out.append(std::string_view("]\n"));
}

void port_list(fmt::memory_buffer& out, std::string_view key,
               const std::vector<PortRange>& ranges) {
  fmt::format_to(std::back_inserter(out), "{}: [", key);
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) out.append(std::string_view(", "));
    if (ranges[i].first == ranges[i].last) {
      fmt::format_to(std::back_inserter(out), "{}", ranges[i].first);
    } else {
      fmt::format_to(std::back_inserter(out), "\"{}:{}\"", ranges[i].first, ranges[i].last);
    }
  }
  out.append(std::string_view("]\n"));
}

}  // namespace

std::string suggest_policy(const ObservedFlows& flows, const Config* existing) {
  Zones zones;
  if (existing != nullptr && !existing->zones.empty()) {
    zones.existing = existing;
    zones.classifier = ZoneClassifier(existing->zones);
    for (const Zone& z : existing->zones) zones.names.insert(z.name);
  }

  std::map<std::tuple<std::string, std::string, std::uint16_t>, EntryFacts> entries;
  std::uint64_t flows_unzoned = 0;  // a zone for them would pass kMaxZones
  for (const ObservedFlow& flow : flows) {
    const auto from = zones.of(flow.ip_version, flow.client);
    const auto to = zones.of(flow.ip_version, flow.server);
    if (!from || !to) {
      ++flows_unzoned;
      continue;
    }
    EntryFacts& e = entries[std::make_tuple(*from, *to, flow.server_port)];
    if (flow.tls) {
      ++e.tls;
      continue;
    }
    ++e.plaintext;
    if (listable_ae_title(flow.calling_ae)) {
      e.calling_ae.insert(flow.calling_ae);
    } else {
      e.any_calling = true;
    }
    if (listable_ae_title(flow.called_ae)) {
      e.called_ae.insert(flow.called_ae);
    } else {
      e.any_called = true;
    }
  }

  fmt::memory_buffer out;
  auto line = [&out](std::string_view text) {
    out.append(text);
    out.push_back('\n');
  };
  line("# Segmentation policy SUGGESTED by dicomsentry --suggest-policy from the DICOM traffic");
  line("# it observed. Generated, not reviewed: every entry allows what was seen, so traffic that");
  line("# should not have happened is allowed here too. Review every zone and entry (remove what");
  line("# is not meant to be, add sop_classes, require_tls, require_user_identity) before using");
  line("# it with -c. Format: see rules/dicomsentry.yaml.");
  fmt::format_to(std::back_inserter(out),
                 "# Seen: {} distinct DICOM flows (client, server port, AE titles).\n",
                 flows.size());
  if (flows_unzoned > 0) {
    fmt::format_to(std::back_inserter(out),
                   "# Left out: {} flows whose addresses would need more than {} zones.\n",
                   flows_unzoned, kMaxZones);
  }
  if (existing != nullptr) {
    line("# The zones and ports of the config given with -c are kept (groups written out); its");
    line("# policy entries are not.");
    if (!existing->dicom_ports.empty()) port_list(out, "dicom_ports", existing->dicom_ports);
    if (!existing->tls_ports.empty()) port_list(out, "tls_ports", existing->tls_ports);
  }

  if (!zones.names.empty()) {
    line("");
    line("zones:");
  }
  if (zones.existing != nullptr) {
    for (const Zone& z : zones.existing->zones) {
      out.append(std::string_view("  "));
      quoted(out, z.name);
      line(":");
      if (!z.cidrs.empty()) {
        out.append(std::string_view("    networks: ["));
        for (std::size_t i = 0; i < z.cidrs.size(); ++i) {
          if (i > 0) out.append(std::string_view(", "));
          quoted(out, format_cidr(z.cidrs[i]));
        }
        line("]");
      }
      if (!z.vlans.empty()) {
        fmt::format_to(std::back_inserter(out), "    vlans: [{}]\n", fmt::join(z.vlans, ", "));
      }
    }
  }
  for (const Zones::Generated& z : zones.generated) {
    out.append(std::string_view("  "));
    quoted(out, z.name);
    line(":");
    out.append(std::string_view("    description: \"observed subnet\"\n    networks: ["));
    quoted(out, format_cidr(z.cidr));
    line("]");
  }

  if (entries.empty()) return fmt::to_string(out);
  line("");
  line("policy:");
  std::set<std::string, std::less<>> entry_names;
  std::size_t written = 0;
  for (const auto& [pair, e] : entries) {
    if (written == kMaxPolicyEntries) {
      fmt::format_to(std::back_inserter(out),
                     "# Left out: {} more entries (a config holds at most {}).\n",
                     entries.size() - written, kMaxPolicyEntries);
      break;
    }
    const auto& [from, to, port] = pair;
    std::string name = fmt::format("{}-to-{}-{}", from, to, port);
    if (name.size() > kMaxNameLength || entry_names.contains(name)) {
      name = fmt::format("entry-{}", written + 1);
    }
    entry_names.insert(name);
    ++written;
    out.append(std::string_view("  - name: "));
    quoted(out, name);
    fmt::format_to(std::back_inserter(out),
                   "\n    description: \"seen: {} plaintext and {} TLS flows\"\n", e.plaintext,
                   e.tls);
    out.append(std::string_view("    from: "));
    quoted(out, from);
    out.append(std::string_view("\n    to: "));
    quoted(out, to);
    fmt::format_to(std::back_inserter(out), "\n    ports: [{}]\n", port);
    // Only DICOM-TLS seen: keep it so; its AE titles were encrypted (and are not checked on
    // TLS anyway).
    if (e.plaintext == 0) {
      line("    require_tls: true");
      continue;
    }
    if (!e.any_calling) ae_list(out, "calling_ae", e.calling_ae);
    if (!e.any_called) ae_list(out, "called_ae", e.called_ae);
  }
  return fmt::to_string(out);
}

bool write_policy_suggestion(const std::string& path, std::string_view text, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace dicomsentry::policy
