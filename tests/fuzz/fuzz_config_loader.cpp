// libFuzzer target: YAML text into the policy config loader, then every zone and policy
// lookup the loaded config supports. Must neither crash, leak, nor run unbounded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/policy_check.hpp"

namespace policy = dicomsentry::policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Real configs are a few KiB; larger inputs only slow the search down (the loader's own
  // 4 MiB cap is covered by a unit test).
  if (size > 64 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const policy::LoadResult r = policy::load_config(text, "fuzz.yaml");
  if (!r.ok) {
    volatile std::size_t n = r.error.text().size();
    (void)n;
    return 0;
  }
  const policy::PolicyChecker checker(r.config);
  const std::vector<std::string> sop{"1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.1.2"};
  const std::uint16_t vlans[] = {30, 99};
  policy::AssociationFacts a;
  a.client.ip.bytes = {10, 30, 0, 5};
  a.server.ip.bytes = {10, 20, 0, 10};
  a.client.vlan_ids = vlans;
  a.server_port = 104;
  a.calling_ae = "CT1";
  a.called_ae = "PACS";
  a.sop_classes = sop;
  policy::FlowFacts f;
  f.client = a.client;
  f.server = a.server;
  f.server.ip_version = 6;
  f.server.ip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20};
  f.server_port = 443;
  volatile std::size_t sink = 0;
  sink = sink + checker.check_association(a).text.size();
  sink = sink + checker.check_flow(f).text.size();
  for (std::size_t z = 0; z <= r.config.zones.size(); ++z) {
    sink = sink + r.config.zone_name(static_cast<policy::ZoneId>(z)).size();
  }
  return 0;
}
