// MAC addresses in the inventory: synthetic DICOM flows with known MACs (one on a VLAN) go
// through decode, flows, reassembly and the app layer; inventory.json lists exactly those MACs
// for the devices it keeps, and none for addresses of non-DICOM flows.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "applayer/app_layer.hpp"
#include "dicom_conversation.hpp"
#include "inventory/inventory.hpp"
#include "output/inventory_writer.hpp"
#include "pipeline/inventory_sink.hpp"
#include "pipeline/pipeline.hpp"

namespace dicomsentry::inventory {
namespace {

using Json = nlohmann::json;
using Strings = std::vector<std::string>;

class Discard final : public dicom::EventSink, public FlowEndHandler {
 public:
  void on_association(const dicom::AssociationRecord&) override {}
  void on_transaction(const dicom::TransactionRecord&) override {}
  void on_anomaly(const dicom::AnomalyRecord&) override {}
  void on_tls(const dicom::TlsRecord&) override {}
  void on_flow_end(Flow&) override {}
};

synth::SyntheticFlow echo_flow(synth::FlowSpec spec, const std::string& calling_ae) {
  synth::AssociateRqSpec rq;
  rq.calling_ae = calling_ae;
  rq.called_ae = "PACS";
  rq.contexts = {{1, std::string(synth::uids::kVerification),
                  {std::string(synth::uids::kImplicitLittleEndian)}}};
  synth::DicomConversation c(rq, synth::accept_all(rq));
  c.echo(1, 1).release();
  return synth::make_flow(c.flow_spec(spec));
}

// inventory.json of the flows run through one pipeline (with or without its address book);
// `book` gets the book's counters.
Json inventory_json(const std::vector<synth::SyntheticFlow>& flows, bool give_book = true,
                    MacBookCounters* book = nullptr) {
  Inventory inventory;
  Discard discard;
  InventoryEventSink events(inventory, discard);
  InventoryFlowEnd ends(inventory, discard);
  AppLayer app(AppLayerConfig{}, events);
  Pipeline pipeline(PipelineConfig{}, app, &ends, &app);
  if (give_book) ends.set_mac_book(&pipeline.mac_book());
  for (const synth::Frame* frame : synth::interleave(flows)) {
    PacketView packet;
    packet.timestamp_ns = frame->ts;
    packet.bytes = ByteView(frame->bytes.data(), frame->bytes.size());
    packet.original_length = static_cast<std::uint32_t>(frame->bytes.size());
    packet.link_type = LinkType::kEthernet;
    pipeline.process(packet);
  }
  pipeline.finish();
  if (book != nullptr) *book = pipeline.mac_book().counters();
  fmt::memory_buffer out;
  write_inventory_json(inventory, out);
  return Json::parse(std::string_view(out.data(), out.size()));
}

std::map<std::string, Strings> macs_by_ip(const Json& inventory) {
  std::map<std::string, Strings> out;
  for (const Json& d : inventory["devices"]) out[d["ip"]] = d["macs"].get<Strings>();
  return out;
}

// Modality 10.0.0.1 (MAC 02:00:00:aa:00:01) to the PACS 10.0.0.2 (02:00:00:bb:00:02) on the
// access network; a second modality 10.0.9.7 (0a:1b:2c:3d:4e:5f) on VLAN 100 reaches the same
// PACS through a router, so in that flow the PACS's frames carry the router's MAC
// (00:00:5e:00:01:07). Then a non-DICOM flow (port 80) between two other addresses.
std::vector<synth::SyntheticFlow> two_sites() {
  std::vector<synth::SyntheticFlow> flows;
  synth::FlowSpec plain;
  plain.client_ip = synth::ipv4_address(10, 0, 0, 1);
  plain.server_ip = synth::ipv4_address(10, 0, 0, 2);
  plain.client_mac = {0x02, 0x00, 0x00, 0xaa, 0x00, 0x01};
  plain.server_mac = {0x02, 0x00, 0x00, 0xbb, 0x00, 0x02};
  flows.push_back(echo_flow(plain, "MOD_A"));

  synth::FlowSpec tagged;
  tagged.client_ip = synth::ipv4_address(10, 0, 9, 7);
  tagged.server_ip = synth::ipv4_address(10, 0, 0, 2);
  tagged.client_port = 50000;
  tagged.client_mac = {0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
  tagged.server_mac = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x07};
  tagged.vlans = {100};
  tagged.start_time += 5'000'000'000;
  flows.push_back(echo_flow(tagged, "MOD_B"));

  synth::FlowSpec web;
  web.client_ip = synth::ipv4_address(10, 0, 0, 50);
  web.server_ip = synth::ipv4_address(10, 0, 0, 80);
  web.server_port = 80;
  web.client_mac = {0x02, 0x00, 0x00, 0xcc, 0x00, 0x50};
  web.server_mac = {0x02, 0x00, 0x00, 0xcc, 0x00, 0x80};
  web.messages = {{synth::Direction::kClientToServer, synth::to_bytes("GET / HTTP/1.0\r\n\r\n")}};
  web.start_time += 2'000'000'000;
  flows.push_back(synth::make_flow(web));
  return flows;
}

TEST(InventoryMacTest, DevicesListTheMacsTheirFlowsCarried) {
  MacBookCounters book;
  const Json inventory = inventory_json(two_sites(), true, &book);
  const std::map<std::string, Strings> expected = {
      {"10.0.0.1", {"02:00:00:aa:00:01"}},
      {"10.0.0.2", {"00:00:5e:00:01:07", "02:00:00:bb:00:02"}},
      {"10.0.9.7", {"0a:1b:2c:3d:4e:5f"}},
  };
  EXPECT_EQ(macs_by_ip(inventory), expected);
  // The book knows every address of the three flows; the inventory only the DICOM ones.
  EXPECT_EQ(book.addresses, 5u);
  EXPECT_EQ(book.dropped, 0u);
  // The VLAN-tagged modality keeps its VLAN beside its MAC.
  for (const Json& d : inventory["devices"]) {
    if (d["ip"] == "10.0.9.7") {
      EXPECT_EQ(d["vlans"], Json::array({100}));
    }
  }
}

TEST(InventoryMacTest, WithoutAnAddressBookDevicesHaveAnEmptyList) {
  const Json inventory = inventory_json(two_sites(), false);
  const std::map<std::string, Strings> expected = {
      {"10.0.0.1", {}}, {"10.0.0.2", {}}, {"10.0.9.7", {}}};
  EXPECT_EQ(macs_by_ip(inventory), expected);
}

}  // namespace
}  // namespace dicomsentry::inventory
