// inventory.json and inventory.csv from the Inventory; the JSON through JsonWriter.
#include "output/inventory_writer.hpp"

#include "decode/ip_text.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <type_traits>

#include "output/eve_timestamp.hpp"
#include "output/json_writer.hpp"

namespace dicomsentry {

namespace {

using inventory::Device;
using inventory::DeviceAddress;

IpText address_text(const DeviceAddress& address) {
  return format_ip(address.ip_version == 6 ? 6 : 4, address.ip);
}

std::string_view item_text(const std::string& s, fmt::memory_buffer&) {
  return s;
}
std::string_view item_text(const DeviceAddress& a, fmt::memory_buffer& scratch) {
  scratch.clear();
  const IpText text = address_text(a);
  scratch.append(text.view());
  return {scratch.data(), scratch.size()};
}

template <typename T>
void json_set(JsonWriter& json, JsonKey name, const inventory::BoundedSet<T>& set) {
  json.key(name);
  json.begin_array();
  fmt::memory_buffer scratch;
  for (const T& item : set.items()) {
    if constexpr (std::is_integral_v<T>) {
      json.value(item);
    } else {
      json.value(item_text(item, scratch));
    }
  }
  json.end_array();
}

void json_time(JsonWriter& json, JsonKey name, TimestampNs ts) {
  json.key_value(name, format_eve_timestamp(ts).view());
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. (A ';' inside
// one set entry, which an AE title may hold, is not escaped: the JSON file is the exact one.)
void csv_field(fmt::memory_buffer& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

template <typename T>
void csv_set(fmt::memory_buffer& out, const inventory::BoundedSet<T>& set) {
  fmt::memory_buffer joined;
  fmt::memory_buffer scratch;
  bool first = true;
  for (const T& item : set.items()) {
    if (!first) joined.push_back(';');
    first = false;
    if constexpr (std::is_integral_v<T>) {
      fmt::format_to(std::back_inserter(joined), "{}", item);
    } else {
      joined.append(item_text(item, scratch));
    }
  }
  csv_field(out, std::string_view(joined.data(), joined.size()));
}

}  // namespace

void write_inventory_json(const inventory::Inventory& inv, fmt::memory_buffer& out) {
  JsonWriter json(out);
  json.begin_object();
  json.key_value("devices_total", inv.devices().size());
  json.key_value("devices_dropped", inv.counters().devices_dropped);
  json.key_value("entries_dropped", inv.counters().entries_dropped);
  json.key("devices");
  json.begin_array();
  for (const auto& [address, d] : inv.devices()) {
    json.begin_object();
    json.key_value("ip", address_text(address).view());
    json_set(json, "vlans", d.vlans);
    json_set(json, "macs", d.macs);
    if (inv.has_zones()) json.key_value("zone", inv.zone_name(d.zone));
    json_time(json, "first_seen", d.first_seen);
    json_time(json, "last_seen", d.last_seen);
    json_set(json, "ae_titles_scu", d.ae_titles_scu);
    json_set(json, "ae_titles_scp", d.ae_titles_scp);
    json_set(json, "implementation_class_uids", d.implementation_class_uids);
    json_set(json, "implementation_version_names", d.implementation_version_names);
    json_set(json, "sop_classes", d.sop_classes);
    json_set(json, "dicom_server_ports", d.dicom_server_ports);
    json_set(json, "tls_versions", d.tls_versions);
    json_set(json, "tls_ciphers", d.tls_ciphers);
    json.key_value("user_identity", !d.user_identity_types.items().empty());
    json_set(json, "user_identity_types", d.user_identity_types);
    json_set(json, "peers", d.peers);
    json.key_value("entries_dropped", d.entries_dropped);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  out.push_back('\n');
}

void write_inventory_csv(const inventory::Inventory& inv, fmt::memory_buffer& out) {
  out.append(std::string_view(
      "ip,vlans,zone,first_seen,last_seen,ae_titles_scu,ae_titles_scp,"
      "implementation_class_uids,implementation_version_names,sop_classes,dicom_server_ports,"
      "tls_versions,tls_ciphers,user_identity,user_identity_types,peers,entries_dropped,macs\n"));
  for (const auto& [address, d] : inv.devices()) {
    const EveTimestamp first = format_eve_timestamp(d.first_seen);
    const EveTimestamp last = format_eve_timestamp(d.last_seen);
    out.append(address_text(address).view());
    out.push_back(',');
    csv_set(out, d.vlans);
    out.push_back(',');
    csv_field(out, inv.zone_name(d.zone));
    fmt::format_to(std::back_inserter(out), ",{},{},", first.view(), last.view());
    csv_set(out, d.ae_titles_scu);
    out.push_back(',');
    csv_set(out, d.ae_titles_scp);
    out.push_back(',');
    csv_set(out, d.implementation_class_uids);
    out.push_back(',');
    csv_set(out, d.implementation_version_names);
    out.push_back(',');
    csv_set(out, d.sop_classes);
    out.push_back(',');
    csv_set(out, d.dicom_server_ports);
    out.push_back(',');
    csv_set(out, d.tls_versions);
    out.push_back(',');
    csv_set(out, d.tls_ciphers);
    fmt::format_to(std::back_inserter(out), ",{},",
                   d.user_identity_types.items().empty() ? "false" : "true");
    csv_set(out, d.user_identity_types);
    out.push_back(',');
    csv_set(out, d.peers);
    // macs last: a column added later, so readers by position keep working.
    fmt::format_to(std::back_inserter(out), ",{},", d.entries_dropped);
    csv_set(out, d.macs);
    out.push_back('\n');
  }
}

namespace {

bool write_whole(const std::filesystem::path& path, const fmt::memory_buffer& text,
                 std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    error = fmt::format("cannot write {}: {}", path.string(), std::strerror(errno));
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    error = fmt::format("cannot write {}: {}", path.string(), std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace

bool write_inventory_files(const inventory::Inventory& inv, const std::string& directory,
                           std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    error = fmt::format("cannot create {}: {}", directory, ec.message());
    return false;
  }
  fmt::memory_buffer text;
  write_inventory_json(inv, text);
  if (!write_whole(std::filesystem::path(directory) / "inventory.json", text, error)) return false;
  text.clear();
  write_inventory_csv(inv, text);
  return write_whole(std::filesystem::path(directory) / "inventory.csv", text, error);
}

}  // namespace dicomsentry
