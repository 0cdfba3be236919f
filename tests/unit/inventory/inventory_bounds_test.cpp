// The inventory's rules on synthetic records: roles (SCU/SCP side), accepted contexts only,
// bounds on devices and set entries, VLANs and zones; the JSON and CSV files' exact text.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "inventory/inventory.hpp"
#include "output/inventory_writer.hpp"
#include "policy/config.hpp"
#include "frame_builder.hpp"

namespace dicomsentry::inventory {
namespace {

// The values a bounded set holds, as a set to compare with.
template <typename T>
SortedSet<T> held(const BoundedSet<T>& set) {
  const auto items = set.items();
  return SortedSet<T>(items.begin(), items.end());
}

constexpr auto& v4 = synth::ipv4_address;

// A flow whose client is `client` (the key's hi side, to check roles are not taken from it).
Flow flow_between(IpAddress client, IpAddress server, std::uint16_t server_port,
                  std::uint16_t vlan = 0) {
  Flow flow;
  flow.key.ip_version = 4;
  flow.key.ip_proto = 6;
  flow.key.lo_ip = server;
  flow.key.lo_port = server_port;
  flow.key.hi_ip = client;
  flow.key.hi_port = 50000;
  flow.client_is_lo = 0;
  if (vlan != 0) {
    flow.key.vlan_ids[0] = vlan;
    flow.key.vlan_count = 1;
  }
  flow.first_ts = 1'000'000'000;
  flow.last_ts = 3'000'000'000;
  flow.app_proto = AppProto::kDicom;
  return flow;
}

dicom::AssociationRecord association(const Flow& flow, std::string calling, std::string called) {
  dicom::AssociationRecord r;
  r.flow = &flow;
  r.start_ts = 1'500'000'000;
  r.end_ts = 2'000'000'000;
  r.calling_ae = std::move(calling);
  r.called_ae = called;
  r.responding_ae = called;
  r.requestor.implementation_class_uid = "1.2.3.4";
  r.requestor.implementation_version_name = "CLIENT_1";
  r.acceptor.implementation_class_uid = "1.2.3.5";
  r.acceptor.implementation_version_name = "SERVER_1";
  dicom::ContextSummary accepted;
  accepted.abstract_syntax = "1.2.840.10008.1.1";
  accepted.answered = true;
  dicom::ContextSummary refused = accepted;
  refused.abstract_syntax = "1.2.840.10008.5.1.4.1.1.2";
  refused.result = 3;
  r.contexts = {accepted, refused};
  return r;
}

const Device& device_at(const Inventory& inventory, IpAddress ip) {
  return inventory.devices().at(DeviceAddress{4, ip});
}

TEST(InventoryRecords, ClientAndServerSidesGoToTheirOwnDevices) {
  Inventory inventory;
  const Flow flow = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104, 30);
  dicom::AssociationRecord r = association(flow, "CT1", "PACS");
  r.user_identity_type = 2;
  inventory.on_association(r);
  inventory.on_flow_end(flow);
  ASSERT_EQ(inventory.devices().size(), 2u);
  const Device& client = device_at(inventory, v4(10, 0, 0, 2));
  const Device& server = device_at(inventory, v4(10, 0, 0, 1));
  EXPECT_EQ(held(client.ae_titles_scu), SortedSet<std::string>{"CT1"});
  EXPECT_TRUE(client.ae_titles_scp.items().empty());
  EXPECT_EQ(held(server.ae_titles_scp), SortedSet<std::string>{"PACS"});
  EXPECT_TRUE(server.ae_titles_scu.items().empty());
  EXPECT_EQ(held(client.implementation_version_names), SortedSet<std::string>{"CLIENT_1"});
  EXPECT_EQ(held(server.implementation_version_names), SortedSet<std::string>{"SERVER_1"});
  EXPECT_EQ(held(server.implementation_class_uids), SortedSet<std::string>{"1.2.3.5"});
  EXPECT_EQ(held(client.sop_classes), SortedSet<std::string>{"1.2.840.10008.1.1"});
  EXPECT_EQ(held(server.sop_classes), SortedSet<std::string>{"1.2.840.10008.1.1"});
  EXPECT_EQ(held(server.dicom_server_ports), SortedSet<std::uint16_t>{104});
  EXPECT_TRUE(client.dicom_server_ports.items().empty());
  EXPECT_EQ(held(client.user_identity_types), SortedSet<std::string>{"username_passcode"});
  EXPECT_TRUE(server.user_identity_types.items().empty());
  EXPECT_EQ(held(client.vlans), SortedSet<std::uint16_t>{30});
  EXPECT_EQ(client.first_seen, 1'000'000'000);
  EXPECT_EQ(client.last_seen, 3'000'000'000);
  EXPECT_EQ(held(client.peers), (SortedSet<DeviceAddress>{{4, v4(10, 0, 0, 1)}}));
}

TEST(InventoryRecords, RejectedAssociationGivesNoScpTitleAndNonDicomFlowsNoDevice) {
  Inventory inventory;
  const Flow flow = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104);
  dicom::AssociationRecord r = association(flow, "CT1", "WRONG");
  r.responding_ae.clear();
  r.contexts.clear();
  inventory.on_association(r);
  Flow other = flow_between(v4(10, 0, 0, 9), v4(10, 0, 0, 8), 80);
  other.app_proto = AppProto::kUnknown;
  inventory.on_flow_end(other);
  ASSERT_EQ(inventory.devices().size(), 2u);
  EXPECT_TRUE(device_at(inventory, v4(10, 0, 0, 1)).ae_titles_scp.items().empty());
  EXPECT_EQ(held(device_at(inventory, v4(10, 0, 0, 2)).ae_titles_scu),
            SortedSet<std::string>{"CT1"});
}

TEST(InventoryRecords, DevicesAndSetEntriesAreBoundedAndCounted) {
  InventoryLimits limits;
  limits.max_devices = 3;
  limits.max_set_entries = 2;
  Inventory inventory(nullptr, limits);
  const Flow flow = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104);
  for (const char* title : {"A", "B", "C", "D", "A"}) {
    inventory.on_association(association(flow, title, "PACS"));
  }
  // Two new devices; only one fits. Its server end is dropped on every record.
  const Flow more = flow_between(v4(10, 0, 0, 4), v4(10, 0, 0, 3), 104);
  inventory.on_flow_end(more);
  inventory.on_flow_end(more);
  EXPECT_EQ(inventory.devices().size(), 3u);
  EXPECT_EQ(inventory.counters().devices_dropped, 2u);
  const Device& client = device_at(inventory, v4(10, 0, 0, 2));
  EXPECT_EQ(held(client.ae_titles_scu), (SortedSet<std::string>{"A", "B"}));
  EXPECT_EQ(client.entries_dropped, 2u);  // C and D; A again is already there
  EXPECT_EQ(inventory.counters().entries_dropped, 2u);
}

// Several workers feed one inventory in an order that varies: a full set holds the smallest
// values, and counts as dropped every addition of a value it does not hold, whatever the order.
TEST(InventoryRecords, AFullSetHoldsTheSameValuesAndCountsInAnyOrder) {
  InventoryLimits limits;
  limits.max_set_entries = 2;
  const Flow flow = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104);
  for (const std::vector<const char*>& order :
       {std::vector<const char*>{"A", "B", "C", "D", "D"}, {"D", "C", "B", "A", "D"},
        {"C", "A", "D", "B", "D"}}) {
    Inventory inventory(nullptr, limits);
    for (const char* title : order) inventory.on_association(association(flow, title, "PACS"));
    const Device& client = device_at(inventory, v4(10, 0, 0, 2));
    EXPECT_EQ(held(client.ae_titles_scu), (SortedSet<std::string>{"A", "B"}));
    EXPECT_EQ(client.entries_dropped, 3u);  // C once, D twice
    EXPECT_EQ(inventory.counters().entries_dropped, 3u);
  }
}

// Several workers keep their own inventories, merged when the files are written: the merge
// holds and counts exactly what one inventory fed every record holds and counts, whatever
// split of the records between workers.
TEST(InventoryRecords, MergedInventoriesEqualOneFedEveryRecord) {
  BoundedSet<int> a;
  BoundedSet<int> b;
  std::uint64_t dropped_a = 0;
  std::uint64_t dropped_b = 0;
  for (int v : {5, 1, 9, 1}) a.insert(v, 3, dropped_a);
  for (int v : {2, 7, 3}) b.insert(v, 3, dropped_b);
  a.merge(b, 3, dropped_a);
  EXPECT_EQ(held(a), (SortedSet<int>{1, 2, 3}));
  EXPECT_EQ(dropped_a + dropped_b, 3u);  // 9 and 5 pushed out, 7 refused

  InventoryLimits limits;
  limits.max_set_entries = 2;
  const Flow first = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104, 100);
  const Flow second = flow_between(v4(10, 0, 0, 3), v4(10, 0, 0, 1), 11112, 200);
  const std::vector<std::pair<const Flow*, const char*>> records = {
      {&first, "D"}, {&second, "B"}, {&first, "A"}, {&second, "C"}, {&first, "C"}, {&first, "A"}};
  Inventory one(nullptr, limits);
  for (const auto& [flow, title] : records) {
    one.on_association(association(*flow, title, "PACS"));
    one.on_flow_end(*flow);
  }
  fmt::memory_buffer expected;
  write_inventory_json(one, expected);
  for (std::size_t split = 0; split < 64; ++split) {  // each record to worker 0 or 1
    Inventory workers[2] = {Inventory(nullptr, limits), Inventory(nullptr, limits)};
    for (std::size_t i = 0; i < records.size(); ++i) {
      Inventory& to = workers[(split >> i) & 1];
      to.on_association(association(*records[i].first, records[i].second, "PACS"));
      to.on_flow_end(*records[i].first);
    }
    Inventory merged(nullptr, limits);
    merged.merge(workers[0]);
    merged.merge(workers[1]);
    fmt::memory_buffer got;
    write_inventory_json(merged, got);
    ASSERT_EQ(fmt::to_string(got), fmt::to_string(expected)) << "split " << split;
    EXPECT_EQ(merged.counters().entries_dropped, one.counters().entries_dropped);
  }
  EXPECT_EQ(held(device_at(one, v4(10, 0, 0, 2)).ae_titles_scu), (SortedSet<std::string>{"A", "C"}));
  EXPECT_EQ(one.counters().entries_dropped, 1u);  // D, pushed out by C
}

TEST(InventoryRecords, TlsWithoutServerHelloAddsOnlyThePortAndUnknownSuitesShowTheirCode) {
  Inventory inventory;
  const Flow flow = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 2762);
  dicom::TlsRecord tls;
  tls.flow = &flow;
  tls.ts = 2'000'000'000;
  tls.has_client_hello = true;
  inventory.on_tls(tls);
  const Device& server = device_at(inventory, v4(10, 0, 0, 1));
  EXPECT_EQ(held(server.dicom_server_ports), SortedSet<std::uint16_t>{2762});
  EXPECT_TRUE(server.tls_versions.items().empty());
  tls.has_server_hello = true;
  tls.version = 0x0303;
  tls.cipher_suite = 0xfefe;
  inventory.on_tls(tls);
  EXPECT_EQ(held(server.tls_versions), SortedSet<std::string>{"TLSv1.2"});
  EXPECT_EQ(held(server.tls_ciphers), SortedSet<std::string>{"0xfefe"});
  EXPECT_EQ(held(device_at(inventory, v4(10, 0, 0, 2)).tls_ciphers),
            SortedSet<std::string>{"0xfefe"});
}

TEST(InventoryRecords, ZoneComesFromThePolicyConfig) {
  const policy::LoadResult loaded = policy::load_config(
      "zones:\n  pacs: {networks: [10.20.0.0/24]}\n  modalities: {vlans: [30]}\n", "test.yaml");
  ASSERT_TRUE(loaded.ok) << loaded.error.text();
  Inventory inventory(&loaded.config);
  const Flow flow = flow_between(v4(10, 30, 0, 5), v4(10, 20, 0, 10), 104, 30);
  inventory.on_flow_end(flow);
  EXPECT_EQ(inventory.zone_name(device_at(inventory, v4(10, 20, 0, 10)).zone), "pacs");
  EXPECT_EQ(inventory.zone_name(device_at(inventory, v4(10, 30, 0, 5)).zone), "modalities");
}

TEST(InventoryFiles, JsonAndCsvTextIsExact) {
  Inventory inventory;
  const Flow flow = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104, 30);
  inventory.on_association(association(flow, "CT,1", "PACS"));
  dicom::TlsRecord tls;
  tls.flow = &flow;
  tls.ts = 2'500'000'000;
  tls.has_server_hello = true;
  tls.version = 0x0304;
  tls.cipher_suite = 0x1302;
  inventory.on_tls(tls);
  // The flow's end brings its endpoints' MACs from the address book (no times: the span above
  // stays as the records set it).
  MacBook book(16);
  book.add(4, v4(10, 0, 0, 1), MacAddress{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b});
  book.add(4, v4(10, 0, 0, 1), MacAddress{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a});
  book.add(4, v4(10, 0, 0, 2), MacAddress{0x00, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f});
  Flow ended = flow;
  ended.first_ts = ended.last_ts = 0;
  inventory.on_flow_end(ended, &book);
  fmt::memory_buffer json;
  write_inventory_json(inventory, json);
  EXPECT_EQ(std::string(json.data(), json.size()),
            R"({"devices_total":2,"devices_dropped":0,"entries_dropped":0,"devices":[)"
            R"({"ip":"10.0.0.1","vlans":[30],"macs":["02:00:00:00:00:0a","02:00:00:00:00:0b"],)"
            R"("first_seen":"1970-01-01T00:00:01.500000+0000",)"
            R"("last_seen":"1970-01-01T00:00:02.500000+0000","ae_titles_scu":[],)"
            R"("ae_titles_scp":["PACS"],"implementation_class_uids":["1.2.3.5"],)"
            R"("implementation_version_names":["SERVER_1"],"sop_classes":["1.2.840.10008.1.1"],)"
            R"("dicom_server_ports":[104],"tls_versions":["TLSv1.3"],)"
            R"("tls_ciphers":["TLS_AES_256_GCM_SHA384"],"user_identity":false,)"
            R"("user_identity_types":[],"peers":["10.0.0.2"],"entries_dropped":0},)"
            R"({"ip":"10.0.0.2","vlans":[30],"macs":["00:1b:2c:3d:4e:5f"],)"
            R"("first_seen":"1970-01-01T00:00:01.500000+0000",)"
            R"("last_seen":"1970-01-01T00:00:02.500000+0000","ae_titles_scu":["CT,1"],)"
            R"("ae_titles_scp":[],"implementation_class_uids":["1.2.3.4"],)"
            R"("implementation_version_names":["CLIENT_1"],"sop_classes":["1.2.840.10008.1.1"],)"
            R"("dicom_server_ports":[],"tls_versions":["TLSv1.3"],)"
            R"("tls_ciphers":["TLS_AES_256_GCM_SHA384"],"user_identity":false,)"
            R"("user_identity_types":[],"peers":["10.0.0.1"],"entries_dropped":0}]})"
            "\n");
  fmt::memory_buffer csv;
  write_inventory_csv(inventory, csv);
  EXPECT_EQ(std::string(csv.data(), csv.size()),
            "ip,vlans,zone,first_seen,last_seen,ae_titles_scu,ae_titles_scp,"
            "implementation_class_uids,implementation_version_names,sop_classes,"
            "dicom_server_ports,tls_versions,tls_ciphers,user_identity,user_identity_types,"
            "peers,entries_dropped,macs\n"
            "10.0.0.1,30,,1970-01-01T00:00:01.500000+0000,1970-01-01T00:00:02.500000+0000,,PACS,"
            "1.2.3.5,SERVER_1,1.2.840.10008.1.1,104,TLSv1.3,TLS_AES_256_GCM_SHA384,false,,"
            "10.0.0.2,0,02:00:00:00:00:0a;02:00:00:00:00:0b\n"
            "10.0.0.2,30,,1970-01-01T00:00:01.500000+0000,1970-01-01T00:00:02.500000+0000,"
            "\"CT,1\",,1.2.3.4,CLIENT_1,1.2.840.10008.1.1,,TLSv1.3,TLS_AES_256_GCM_SHA384,false,,"
            "10.0.0.1,0,00:1b:2c:3d:4e:5f\n");
}

TEST(InventoryRecords, MacsComeOnlyWithDicomFlowsAndAreBoundedLikeEverySet) {
  InventoryLimits limits;
  limits.max_set_entries = 2;
  Inventory inventory(nullptr, limits);
  MacBook book(16);
  for (const std::uint8_t last : {0x03, 0x01, 0x02}) {
    book.add(4, v4(10, 0, 0, 1), MacAddress{0x02, 0x00, 0x00, 0x00, 0x00, last});
  }
  book.add(4, v4(10, 0, 0, 2), MacAddress{});
  Flow web = flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 80);
  web.app_proto = AppProto::kUnknown;
  inventory.on_flow_end(web, &book);
  EXPECT_TRUE(inventory.devices().empty());
  inventory.on_flow_end(flow_between(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 104), &book);
  const Device& server = device_at(inventory, v4(10, 0, 0, 1));
  EXPECT_EQ(held(server.macs), (SortedSet<std::string>{"02:00:00:00:00:01", "02:00:00:00:00:02"}));
  EXPECT_EQ(server.entries_dropped, 1u);
  EXPECT_EQ(held(device_at(inventory, v4(10, 0, 0, 2)).macs),
            SortedSet<std::string>{"00:00:00:00:00:00"});
}

}  // namespace
}  // namespace dicomsentry::inventory
