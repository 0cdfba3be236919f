// The inventory of the real captures against their oracles (the peers' own logs, tshark):
// devices, AE titles, implementations, SOP classes, ports, peers, TLS, user identity and the
// first and last packet times are what the oracle files state.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "applayer/app_layer.hpp"
#include "capture/capture_file.hpp"
#include "inventory/inventory.hpp"
#include "output/inventory_writer.hpp"
#include "pipeline/inventory_sink.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry::inventory {
namespace {

using Json = nlohmann::json;
using Strings = SortedSet<std::string>;

class Discard final : public dicom::EventSink, public FlowEndHandler {
 public:
  void on_association(const dicom::AssociationRecord&) override {}
  void on_transaction(const dicom::TransactionRecord&) override {}
  void on_anomaly(const dicom::AnomalyRecord&) override {}
  void on_tls(const dicom::TlsRecord&) override {}
  void on_flow_end(Flow&) override {}
};

std::string pcap_path(const std::string& name) {
  return std::string(DICOMSENTRY_PCAP_DIR) + "/" + name;
}

Json oracle(const std::string& name) {
  std::ifstream in(pcap_path("expected/" + name + ".json"));
  return Json::parse(in);
}

// The capture through decode, flows, reassembly and the app layer, into an inventory.
std::unique_ptr<Inventory> inventory_of(const std::string& name, InventoryLimits limits = {}) {
  auto inventory = std::make_unique<Inventory>(nullptr, limits);
  Discard discard;
  InventoryEventSink events(*inventory, discard);
  InventoryFlowEnd ends(*inventory, discard);
  AppLayer app(AppLayerConfig{}, events);
  Pipeline pipeline(PipelineConfig{}, app, &ends, &app);
  ends.set_mac_book(&pipeline.mac_book());
  CaptureError error;
  std::unique_ptr<CaptureFile> file = CaptureFile::open(pcap_path(name + ".pcap"), error);
  EXPECT_TRUE(file) << error.message();
  if (!file) return inventory;
  PacketView packet;
  while (file->next(packet) == ReadResult::kPacket) pipeline.process(packet);
  pipeline.finish();
  return inventory;
}

// What the oracle says each device should show, gathered from its associations.
struct Expected {
  Strings scu, scp, class_uids, version_names, sop_classes, identity_types, peers;
  SortedSet<std::uint16_t> server_ports;
};

// "1795873911.339125000" -> nanoseconds.
TimestampNs epoch_ns(const std::string& text) {
  const std::size_t dot = text.find('.');
  const std::string fraction = (text.substr(dot + 1) + "000000000").substr(0, 9);
  return static_cast<TimestampNs>(std::stoull(text.substr(0, dot)) * 1'000'000'000ull +
                                  std::stoull(fraction));
}

std::string identity_type_id(int type) {
  return type == 1 ? "username" : type == 2 ? "username_passcode" : "other";
}

// A conversation or association's TCP facts (the association oracles nest them in "tcp").
const Json& tcp_of(const Json& item) {
  return item.contains("tcp") ? item["tcp"] : item;
}

struct Span {
  TimestampNs first = 0, last = 0;
  void add(const Json& tcp) {
    const TimestampNs f = epoch_ns(tcp["first_time_epoch"]), l = epoch_ns(tcp["last_time_epoch"]);
    if (first == 0 || f < first) first = f;
    if (l > last) last = l;
  }
};

std::string str(const Json& j) {
  return j.is_string() ? j.get<std::string>() : std::string();
}

template <typename T>
SortedSet<T> items(const BoundedSet<T>& set) {
  const auto held = set.items();
  return SortedSet<T>(held.begin(), held.end());
}

Strings peer_texts(const Device& d) {
  Strings out;
  for (const DeviceAddress& a : d.peers.items()) {
    char text[64] = {};
    inet_ntop(a.ip_version == 6 ? AF_INET6 : AF_INET, a.ip.bytes.data(), text, sizeof text);
    out.insert(text);
  }
  return out;
}

std::map<std::string, const Device*> by_ip(const Inventory& inventory) {
  std::map<std::string, const Device*> out;
  for (const auto& [address, d] : inventory.devices()) {
    char text[64] = {};
    inet_ntop(address.ip_version == 6 ? AF_INET6 : AF_INET, address.ip.bytes.data(), text,
              sizeof text);
    out[text] = &d;
  }
  return out;
}

// Checks the inventory of `name` against what its oracle's associations say; implementations
// and contexts only where the oracle states them (the peers' logs, not tshark's).
void check_against_oracle(const std::string& name, bool with_implementations, bool with_contexts) {
  const Json o = oracle(name);
  const Json& list = o.contains("associations") ? o["associations"] : o["conversations"];
  std::map<std::string, Expected> expected;
  std::map<std::string, Span> spans;
  for (const Json& a : list) {
    const Json& tcp = tcp_of(a);
    const Json& dicom = a.contains("dicom") ? a["dicom"] : a;
    const std::string client = tcp["client"]["ip"], server = tcp["server"]["ip"];
    Expected& c = expected[client];
    Expected& s = expected[server];
    spans[client].add(tcp);
    spans[server].add(tcp);
    c.peers.insert(server);
    s.peers.insert(client);
    s.server_ports.insert(tcp["server"]["port"].get<std::uint16_t>());
    c.scu.insert(str(dicom["calling_ae"]));
    // Accepted: the oracle's AC echoed the title (association oracles) or a DIMSE service ran.
    const bool accepted =
        a.contains("responding_ae") ? !a["responding_ae"].is_null() : dicom.contains("service");
    if (accepted) s.scp.insert(str(dicom["called_ae"]));
    if (with_implementations) {
      c.class_uids.insert(str(a["requestor_implementation_class_uid"]));
      c.version_names.insert(str(a["requestor_implementation_version_name"]));
      s.class_uids.insert(str(a["acceptor_implementation_class_uid"]));
      s.version_names.insert(str(a["acceptor_implementation_version_name"]));
    }
    if (a.contains("user_identity") && !a["user_identity"].is_null()) {
      c.identity_types.insert(identity_type_id(a["user_identity"]["type"].get<int>()));
    }
    if (with_contexts) {
      Strings sop;
      for (const Json& pc : a["presentation_contexts"]) {
        if (pc["result"] == 0) sop.insert(str(pc["abstract_syntax"]));
      }
      for (const Json& m : a["dimse"]) {
        if (m.contains("affected_sop_class_uid")) sop.insert(str(m["affected_sop_class_uid"]));
      }
      c.sop_classes.insert(sop.begin(), sop.end());
      s.sop_classes.insert(sop.begin(), sop.end());
    }
  }
  // Unbounded sets here (storescu proposes 128 SOP classes); the default bound is tested below.
  InventoryLimits unbounded;
  unbounded.max_set_entries = 100000;
  const std::unique_ptr<Inventory> inventory = inventory_of(name, unbounded);
  const auto devices = by_ip(*inventory);
  ASSERT_EQ(devices.size(), expected.size()) << name;
  for (const auto& [ip, e] : expected) {
    SCOPED_TRACE(name + " " + ip);
    ASSERT_TRUE(devices.contains(ip));
    const Device& d = *devices.at(ip);
    EXPECT_EQ(items(d.ae_titles_scu), e.scu);
    EXPECT_EQ(items(d.ae_titles_scp), e.scp);
    if (with_implementations) {
      EXPECT_EQ(items(d.implementation_class_uids), e.class_uids);
      EXPECT_EQ(items(d.implementation_version_names), e.version_names);
    }
    if (with_contexts) {
      EXPECT_EQ(items(d.sop_classes), e.sop_classes);
    }
    EXPECT_EQ(items(d.dicom_server_ports), e.server_ports);
    EXPECT_EQ(items(d.user_identity_types), e.identity_types);
    EXPECT_EQ(peer_texts(d), e.peers);
    EXPECT_EQ(d.first_seen, spans[ip].first);
    EXPECT_EQ(d.last_seen, spans[ip].last);
    EXPECT_TRUE(d.vlans.items().empty());
    // Every bundled capture was taken on a loopback interface: Ethernet headers, zero MACs.
    EXPECT_EQ(items(d.macs), Strings{"00:00:00:00:00:00"});
    EXPECT_EQ(d.entries_dropped, 0u);
  }
  EXPECT_EQ(inventory->counters().devices_dropped, 0u);
  EXPECT_EQ(inventory->counters().entries_dropped, 0u);
}

TEST(InventoryCapture, OrthancFindMoveGetMatchesThePeersLogs) {
  check_against_oracle("orthanc_find_move_get", true, true);
}

TEST(InventoryCapture, UserIdentityMatchesThePeersLogs) {
  check_against_oracle("user_identity", true, true);
}

// With the default bound of 64 entries per set, the SOP classes storescu's 128 proposals got
// accepted are cut to the 64 smallest, and the refusals are counted.
TEST(InventoryCapture, DefaultBoundKeeps64SopClassesAndCountsTheRest) {
  InventoryLimits unbounded;
  unbounded.max_set_entries = 100000;
  const std::unique_ptr<Inventory> all = inventory_of("orthanc_find_move_get", unbounded);
  const std::unique_ptr<Inventory> bounded = inventory_of("orthanc_find_move_get");
  ASSERT_EQ(all->devices().size(), 1u);
  ASSERT_EQ(bounded->devices().size(), 1u);
  const Device& whole = all->devices().begin()->second;
  const Device& cut = bounded->devices().begin()->second;
  ASSERT_GT(whole.sop_classes.items().size(), 64u);
  // The 64 smallest UIDs: what a full set holds does not depend on the order of the records.
  const SortedSet<std::string> all_classes = items(whole.sop_classes);
  EXPECT_EQ(items(cut.sop_classes),
            SortedSet<std::string>(all_classes.begin(), std::next(all_classes.begin(), 64)));
  // Every class left out was refused at least once (a class is offered again per association).
  EXPECT_GE(cut.entries_dropped, whole.sop_classes.items().size() - 64);
  EXPECT_EQ(bounded->counters().entries_dropped, cut.entries_dropped);
  EXPECT_EQ(items(cut.ae_titles_scu), items(whole.ae_titles_scu));
  EXPECT_EQ(items(cut.implementation_version_names), items(whole.implementation_version_names));
}

// tshark-made oracles: AE titles, peers, ports and times (they state no implementation).
TEST(InventoryCapture, StorescuMultiMatchesTshark) {
  check_against_oracle("storescu_multi", false, false);
}

TEST(InventoryCapture, EchoscuMatchesTshark) {
  check_against_oracle("echoscu", false, false);
}

// Over TLS only the hellos are visible: no AE title or implementation, but the negotiated
// version and suite the peers logged, and the TLS port as the server's DICOM port.
TEST(InventoryCapture, TlsShowsTheNegotiatedVersionAndSuite) {
  const Json o = oracle("tls");
  ASSERT_EQ(o["associations"].size(), 1u);
  const Json& a = o["associations"][0];
  const std::unique_ptr<Inventory> inventory = inventory_of("tls");
  const auto devices = by_ip(*inventory);
  const std::string server = a["tcp"]["server"]["ip"];
  ASSERT_EQ(devices.size(), 1u);
  ASSERT_TRUE(devices.contains(server));
  const Device& d = *devices.at(server);
  EXPECT_EQ(items(d.tls_versions), Strings{str(a["tls"]["protocol"])});
  EXPECT_EQ(items(d.tls_ciphers),
            Strings{str(a["tls"]["server_hello_from_dissector"]["cipher_suite"])});
  EXPECT_EQ(items(d.dicom_server_ports),
            SortedSet<std::uint16_t>{a["tcp"]["server"]["port"].get<std::uint16_t>()});
  EXPECT_TRUE(d.ae_titles_scu.items().empty());
  EXPECT_TRUE(d.ae_titles_scp.items().empty());
  EXPECT_TRUE(d.implementation_version_names.items().empty());
  Span span;
  span.add(a["tcp"]);
  EXPECT_EQ(d.first_seen, span.first);
  EXPECT_EQ(d.last_seen, span.last);
}

}  // namespace
}  // namespace dicomsentry::inventory
