// The segmentation policy the observed traffic implies, as config text in the config's own
// format, for a person to review and adopt (--suggest-policy). Nothing here judges traffic:
// every entry allows what was seen, so traffic that should not have happened is allowed too.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "decode/decoded_packet.hpp"
#include "policy/config.hpp"

namespace dicomsentry::policy {

// One kind of DICOM traffic seen: a client to a server port, with the AE titles of the
// A-ASSOCIATE-RQ. A DICOM-TLS flow (tls) has none: they are encrypted.
struct ObservedFlow {
  std::uint8_t ip_version = 4;
  IpAddress client;
  IpAddress server;
  std::uint16_t server_port = 0;
  bool tls = false;
  std::string calling_ae;
  std::string called_ae;
};

// The same facts by reference, to look a flow up without copying its AE titles.
struct ObservedFlowView {
  std::uint8_t ip_version = 4;
  const IpAddress* client = nullptr;
  const IpAddress* server = nullptr;
  std::uint16_t server_port = 0;
  bool tls = false;
  std::string_view calling_ae;
  std::string_view called_ae;
};

struct ObservedFlowLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return key(a) < key(b);
  }

 private:
  using Key = std::tuple<std::uint8_t, const std::array<std::uint8_t, 16>&,
                         const std::array<std::uint8_t, 16>&, std::uint16_t, bool, std::string_view,
                         std::string_view>;
  static Key key(const ObservedFlow& f) {
    return Key(f.ip_version, f.client.bytes, f.server.bytes, f.server_port, f.tls, f.calling_ae,
               f.called_ae);
  }
  static Key key(const ObservedFlowView& f) {
    return Key(f.ip_version, f.client->bytes, f.server->bytes, f.server_port, f.tls, f.calling_ae,
               f.called_ae);
  }
};

using ObservedFlows = std::set<ObservedFlow, ObservedFlowLess>;

// Subnets that become zones when no zone of `existing` claims an address.
inline constexpr std::uint8_t kSuggestV4Prefix = 24;
inline constexpr std::uint8_t kSuggestV6Prefix = 64;

// The config text (YAML). Zones: those of `existing` (may be null) as they are, then one zone
// per observed subnet (/24, /64) of the addresses none of them claims, named
// `net-10.1.2.0-24` / `net6-2001-db8-0-1-64`. Policy: one entry per (client zone, server
// zone, server port) seen, allowing the calling and called AE titles seen (no list when one
// seen cannot be written as an AE title); where only DICOM-TLS was seen, requiring TLS and
// listing no AE titles (they were encrypted). `existing`'s
// dicom_ports and tls_ports are kept, its policy entries and groups are not. Over the
// config's bounds (kMaxZones, kMaxPolicyEntries) the rest is left out and a comment says so.
std::string suggest_policy(const ObservedFlows& flows, const Config* existing);

// Writes `text` to `path`. False with `error` set when it could not be written whole.
bool write_policy_suggestion(const std::string& path, std::string_view text, std::string& error);

}  // namespace dicomsentry::policy
