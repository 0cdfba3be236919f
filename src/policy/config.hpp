// The segmentation policy config (YAML): variables, zones, policy entries, DICOM ports; its
// loader turns the text into resolved tables or one located error `file:line:col: reason`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cidr.hpp"
#include "policy/sop_groups.hpp"

namespace dicomsentry::policy {

// Bounds on what a config may hold: a config is written by people, so anything past these is
// a mistake or an attack on the loader, and is reported as an error rather than loaded.
inline constexpr std::size_t kMaxConfigBytes = 4u << 20;
inline constexpr std::size_t kMaxNodesVisited = 1u << 18;  // YAML aliases can multiply a tree
inline constexpr std::size_t kMaxGroups = 1024;            // address + port groups
inline constexpr std::size_t kMaxZones = 1024;
inline constexpr std::size_t kMaxPolicyEntries = 4096;
inline constexpr std::size_t kMaxListItems = 65536;   // items in one list, after expansion
inline constexpr std::size_t kMaxNameLength = 64;     // group, zone and entry names
inline constexpr std::size_t kMaxAeTitleLength = 16;  // PS3.5 6.2, AE VR
inline constexpr std::uint16_t kMaxVlanId = 4094;     // 802.1Q: 0 and 4095 are reserved

using ZoneId = std::uint16_t;
inline constexpr ZoneId kNoZone = 0xffff;   // an address in no zone ("unzoned")
inline constexpr ZoneId kAnyZone = 0xfffe;  // `any` in a policy entry
inline constexpr std::string_view kUnzonedName = "unzoned";

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};
bool port_in(std::uint16_t port, const std::vector<PortRange>& ranges);

struct AddressGroup {
  std::string name;         // without the `$`
  std::vector<Cidr> cidrs;  // references expanded
};

struct PortGroup {
  std::string name;
  std::vector<PortRange> ranges;
};

struct Zone {
  std::string name;
  std::vector<Cidr> cidrs;
  std::vector<std::uint16_t> vlans;
};

// One allowed flow of traffic, from clients in one zone to servers in another.
struct PolicyEntry {
  std::string name;
  std::size_t line = 0;  // 1-based, where the entry starts in the config
  ZoneId from = kAnyZone;
  ZoneId to = kAnyZone;
  std::vector<std::string> calling_ae;  // empty: any calling AE title
  std::vector<std::string> called_ae;   // empty: any called AE title
  bool require_tls = false;
  bool require_user_identity = false;
  bool allow_non_dicom = false;         // flows that are not DICOM (nor DICOM over TLS)
  bool any_sop_class = true;            // no `sop_classes` key
  std::vector<std::string> sop_groups;  // as written, for messages
  std::vector<UidPattern> sop_classes;  // the groups' patterns, then literal UIDs
  std::vector<PortRange> ports;         // server ports; empty: any
};

// One extra EVE output (`outputs:`), besides the main eve.json.
enum class OutputType { kEveFile, kUnixStream, kUnixDgram, kSyslog };
std::string_view output_type_name(OutputType type);  // "eve-file", "unix-stream", ...

inline constexpr std::size_t kMaxOutputs = 16;
inline constexpr std::size_t kMaxUnixSocketPath = 107;  // sockaddr_un::sun_path, minus the NUL

// The event types an output may select, in the order the README lists them.
inline constexpr std::string_view kEveEventTypes[] = {
    "flow", "dicom_association", "dicom", "anomaly", "tls", "alert", "policy_summary", "stats"};

struct OutputConfig {
  OutputType type = OutputType::kEveFile;
  std::size_t line = 0;            // 1-based, where the entry starts in the config
  std::string path;                // eve-file, unix-stream, unix-dgram
  std::string address;             // syslog: an IPv4 or IPv6 literal, without brackets
  std::uint16_t port = 514;        // syslog
  bool tcp = false;                // syslog: `protocol: tcp` (octet counting), else UDP
  int facility = 21;               // syslog: RFC 5424 number; local5
  int severity = 6;                // syslog: info
  std::vector<std::string> types;  // event types passed on; empty: all
};

// "192.0.2.1", "192.0.2.1:1514", "2001:db8::1", "[2001:db8::1]:1514" to an IP literal and a
// port (`default_port` when none is given). False when it is not that.
bool parse_ip_port(std::string_view text, std::uint16_t default_port, std::string* ip,
                   std::uint16_t* port);

struct Config {
  std::vector<AddressGroup> address_groups;
  std::vector<PortGroup> port_groups;
  std::vector<Zone> zones;             // ZoneId is the index
  std::vector<PolicyEntry> policy;     // in file order
  std::vector<PortRange> dicom_ports;  // empty: the program's default
  std::vector<PortRange> tls_ports;
  std::vector<OutputConfig> outputs;   // extra EVE outputs, in file order

  // The zone's name; `kUnzonedName` for kNoZone, "any" for kAnyZone.
  std::string_view zone_name(ZoneId id) const;
  ZoneId find_zone(std::string_view name) const;  // kNoZone when there is none
};

struct ConfigError {
  std::string file;
  std::size_t line = 0;    // 1-based; 0 when the error is not at a place in the text
  std::size_t column = 0;  // 1-based
  std::string reason;
  std::string text() const;  // "file:line:col: reason", or "file: reason" without a place
};

struct LoadResult {
  bool ok = false;
  Config config;      // valid when ok
  ConfigError error;  // valid when !ok: the first error found
};

// Pure: the text in, the config or the first error out. `file_name` only labels errors.
LoadResult load_config(std::string_view yaml_text, std::string_view file_name);
// Reads the file (at most kMaxConfigBytes) and loads it.
LoadResult load_config_file(const std::string& path);

}  // namespace dicomsentry::policy
