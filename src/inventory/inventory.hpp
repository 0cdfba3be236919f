// The asset inventory: what the DICOM traffic says about each device (by IP address): the AE
// titles and implementations it announced, the SOP classes it used, its DICOM server ports,
// TLS seen, user identity, peers, VLANs, zone, first and last seen. Fed with the finished
// records and flow ends (never per packet); bounded in devices and in entries per set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "dicom/dicom_events.hpp"
#include "flow/flow.hpp"
#include "flow/mac_book.hpp"
#include "policy/config.hpp"
#include "policy/policy_suggest.hpp"
#include "policy/zones.hpp"

namespace dicomsentry::inventory {

// An address with its version: orders IPv4 before IPv6, then by bytes (numeric order).
struct DeviceAddress {
  std::uint8_t ip_version = 4;
  IpAddress ip;
  friend auto operator<=>(const DeviceAddress& a, const DeviceAddress& b) {
    if (a.ip_version != b.ip_version) return a.ip_version <=> b.ip_version;
    return a.ip.bytes <=> b.ip.bytes;
  }
  friend bool operator==(const DeviceAddress&, const DeviceAddress&) = default;
};

// Sorted, and looked up by std::string_view without making a std::string first.
template <typename T>
using SortedSet = std::set<T, std::less<>>;

// A sorted set that keeps at most `limit` entries: the smallest values, so that what it holds
// does not depend on the order values were seen in (several workers feed one inventory in an
// order that varies from run to run). `dropped` counts the additions of values it does not
// hold: a refused value's, and all earlier additions of a value pushed out by a smaller one.
// A value already held costs a lookup and no allocation.
template <typename T>
class BoundedSet {
 public:
  // True when the value is (now) in the set.
  template <typename U>
  bool insert(const U& value, std::size_t limit, std::uint64_t& dropped) {
    if (const auto it = additions_.find(value); it != additions_.end()) {
      ++it->second;
      return true;
    }
    if (additions_.size() >= limit) {
      if (additions_.empty()) {
        ++dropped;
        return false;
      }
      const auto largest = std::prev(additions_.end());
      if (!(value < largest->first)) {
        ++dropped;
        return false;
      }
      dropped += largest->second;
      additions_.erase(largest);
    }
    additions_.emplace(T(value), 1);
    return true;
  }
  using Additions = std::map<T, std::uint64_t, std::less<>>;  // held value -> times added

  // Adds everything `other` was given, as if this set had been given it too: what either
  // dropped stays dropped (a value one set pushed out is never among the smallest of both),
  // so merging the sets of several workers holds and counts what one set fed everything would.
  void merge(const BoundedSet& other, std::size_t limit, std::uint64_t& dropped) {
    for (const auto& [value, times] : other.additions_) {
      if (const auto it = additions_.find(value); it != additions_.end()) {
        it->second += times;
        continue;
      }
      if (additions_.size() >= limit) {
        const auto largest = std::prev(additions_.end());
        if (additions_.empty() || !(value < largest->first)) {
          dropped += times;
          continue;
        }
        dropped += largest->second;
        additions_.erase(largest);
      }
      additions_.emplace(value, times);
    }
  }

  // The values held, in order: a view of the map's keys. (Written out: clang 14 cannot use
  // libstdc++ 12's std::views::keys.)
  class Items {
   public:
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using value_type = T;
      using difference_type = std::ptrdiff_t;
      using pointer = const T*;
      using reference = const T&;
      iterator() = default;
      explicit iterator(typename Additions::const_iterator it) : it_(it) {}
      const T& operator*() const { return it_->first; }
      const T* operator->() const { return &it_->first; }
      iterator& operator++() {
        ++it_;
        return *this;
      }
      iterator operator++(int) {
        iterator before = *this;
        ++it_;
        return before;
      }
      friend bool operator==(const iterator&, const iterator&) = default;

     private:
      typename Additions::const_iterator it_;
    };
    explicit Items(const Additions& additions) : additions_(&additions) {}
    iterator begin() const { return iterator(additions_->begin()); }
    iterator end() const { return iterator(additions_->end()); }
    bool empty() const { return additions_->empty(); }
    std::size_t size() const { return additions_->size(); }

   private:
    const Additions* additions_;
  };
  Items items() const { return Items(additions_); }

 private:
  Additions additions_;
};

struct Device {
  DeviceAddress address;
  policy::ZoneId zone = policy::kNoZone;  // meaningful only with a policy config
  TimestampNs first_seen = 0;
  TimestampNs last_seen = 0;
  BoundedSet<std::uint16_t> vlans;                    // every VLAN id of its flows' keys
  BoundedSet<std::string> ae_titles_scu;              // calling AE of its associations as client
  BoundedSet<std::string> ae_titles_scp;              // called AE it accepted as server
  BoundedSet<std::string> implementation_class_uids;  // its own side of the A-ASSOCIATE
  BoundedSet<std::string> implementation_version_names;
  BoundedSet<std::string> sop_classes;  // accepted abstract syntaxes, transactions' classes
  BoundedSet<std::uint16_t> dicom_server_ports;  // ports it served DICOM (or DICOM-TLS) on
  BoundedSet<std::string> tls_versions;          // negotiated, from the ServerHello
  BoundedSet<std::string> tls_ciphers;
  BoundedSet<std::string> user_identity_types;  // types it sent as requestor
  BoundedSet<DeviceAddress> peers;              // the other endpoints of its DICOM flows
  BoundedSet<std::string> macs;                 // "aa:bb:cc:dd:ee:ff", from the L2 address book
  std::uint64_t entries_dropped = 0;            // set entries over the per-set limit
};

struct InventoryLimits {
  std::size_t max_devices = 65536;
  std::size_t max_set_entries = 64;  // per set, per device
  std::size_t max_flows = 65536;     // distinct observed DICOM flows, for --suggest-policy
};

struct InventoryCounters {
  std::uint64_t devices_dropped = 0;  // facts about devices beyond max_devices, not kept
  std::uint64_t entries_dropped = 0;  // all devices' set entries over the limit
  std::uint64_t flows_dropped = 0;    // observed flows beyond max_flows, not kept
};

class Inventory {
 public:
  // `zones` may be null (no -c): devices then have no zone. The config outlives the inventory.
  explicit Inventory(const policy::Config* zones = nullptr, InventoryLimits limits = {});

  void on_association(const dicom::AssociationRecord& record);
  void on_transaction(const dicom::TransactionRecord& record);
  void on_tls(const dicom::TlsRecord& record);
  // Only flows the app layer found DICOM or DICOM-TLS on add to the inventory. `macs` (may be
  // null) is the address book of the pipeline that had the flow: its endpoints' MACs are added.
  void on_flow_end(const Flow& flow, const MacBook* macs = nullptr);

  // Folds in what another inventory (another worker's) saw: devices, their sets and times,
  // observed flows and counters. The limits are this inventory's.
  void merge(const Inventory& other);

  const std::map<DeviceAddress, Device>& devices() const { return devices_; }
  const InventoryCounters& counters() const { return counters_; }
  // Each distinct (client, server port, calling and called AE title) of an association with
  // its A-ASSOCIATE, and (client, server port) of a TLS flow: what suggest_policy needs.
  const policy::ObservedFlows& observed_flows() const { return flows_; }
  const policy::Config* config() const { return zones_; }
  bool has_zones() const { return zones_ != nullptr; }
  std::string_view zone_name(policy::ZoneId zone) const;

 private:
  struct Endpoints {
    Device* client = nullptr;  // null when the device limit was reached
    Device* server = nullptr;
    std::uint16_t server_port = 0;
  };
  // Finds or makes both endpoints' devices, marks them seen at `first` and `last` (0: no
  // time), adds the flow's VLANs and makes them each other's peers.
  Endpoints endpoints(const Flow& flow, TimestampNs first, TimestampNs last);
  Device* device(const DeviceAddress& address, const Flow& flow);
  template <typename T, typename U>
  void add(Device& device, BoundedSet<T>& set, const U& value) {
    const std::uint64_t dropped_before = device.entries_dropped;
    set.insert(value, limits_.max_set_entries, device.entries_dropped);
    counters_.entries_dropped += device.entries_dropped - dropped_before;
  }
  void observe(const policy::ObservedFlowView& flow);
  void add_macs(Device& device, const MacBook& book);
  void add_text(Device& device, BoundedSet<std::string>& set, std::string_view value) {
    if (!value.empty()) add(device, set, value);
  }

  const policy::Config* zones_;
  policy::ZoneClassifier classifier_;
  InventoryLimits limits_;
  std::map<DeviceAddress, Device> devices_;
  policy::ObservedFlows flows_;
  InventoryCounters counters_;
};

}  // namespace dicomsentry::inventory
