// BpfFilter: pcap_open_dead + pcap_compile per link type, pcap_offline_filter per packet.
#include "capture/bpf_filter.hpp"

#include <pcap/pcap.h>

#include "capture/link_type_support.hpp"

namespace dicomsentry {

struct BpfFilter::Program {
  LinkType link_type = LinkType::kEthernet;
  bool compiled = false;
  bpf_program program{};
  ~Program() {
    if (compiled) pcap_freecode(&program);
  }
};

namespace {

// Compiles `expression` for `link_type`; on failure returns false with libpcap's text.
bool compile(const std::string& expression, LinkType link_type, bpf_program& out,
             std::string& error) {
  // pcap_open_dead takes a DLT_ value; for the types we decode only raw IP differs.
  int dlt = static_cast<int>(link_type);
  if (link_type == LinkType::kRaw) dlt = DLT_RAW;
  pcap_t* dead = pcap_open_dead(dlt, static_cast<int>(kMaxSnaplen));
  if (dead == nullptr) {
    error = "pcap_open_dead failed";
    return false;
  }
  const bool ok = pcap_compile(dead, &out, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
  if (!ok) error = pcap_geterr(dead);
  pcap_close(dead);
  return ok;
}

}  // namespace

BpfFilter::BpfFilter(std::string expression) : expression_(std::move(expression)) {}
BpfFilter::~BpfFilter() = default;

std::unique_ptr<BpfFilter> BpfFilter::create(const std::string& expression, std::string& error) {
  std::unique_ptr<BpfFilter> filter(new BpfFilter(expression));
  auto program = std::make_unique<Program>();
  program->link_type = LinkType::kEthernet;
  std::string why;
  if (!compile(expression, LinkType::kEthernet, program->program, why)) {
    error = "bad filter '" + expression + "': " + why;
    return nullptr;
  }
  program->compiled = true;
  filter->programs_[0] = std::move(program);
  filter->program_count_ = 1;
  return filter;
}

BpfFilter::Program* BpfFilter::program_for(LinkType link_type) {
  for (std::size_t i = 0; i < program_count_; ++i) {
    if (programs_[i]->link_type == link_type) return programs_[i].get();
  }
  if (program_count_ == kMaxLinkTypes) return nullptr;
  // First packet of this link type: compile once, and remember a failure too.
  auto program = std::make_unique<Program>();
  program->link_type = link_type;
  std::string why;
  program->compiled = compile(expression_, link_type, program->program, why);
  if (!program->compiled) last_compile_error_ = why;
  programs_[program_count_] = std::move(program);
  return programs_[program_count_++].get();
}

bool BpfFilter::matches(const PacketView& packet) {
  Program* program = program_for(packet.link_type);
  if (program == nullptr || !program->compiled) {
    ++uncompilable_packets_;
    return false;
  }
  pcap_pkthdr header{};
  header.caplen = static_cast<bpf_u_int32>(packet.bytes.size());
  header.len = packet.original_length;
  const auto* data = reinterpret_cast<const u_char*>(packet.bytes.data());
  return pcap_offline_filter(&program->program, &header, data) != 0;
}

}  // namespace dicomsentry
