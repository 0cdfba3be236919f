// Offline BPF filtering of PacketViews: a tcpdump expression compiled once per link type.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "dicomsentry/packet.hpp"

namespace dicomsentry {

// Compiles lazily for each link type it meets (a pcapng file may mix several), at most
// kMaxLinkTypes of them; after that compile each packet costs one pcap_offline_filter call.
// Not thread-safe: give each worker its own filter.
class BpfFilter {
 public:
  static constexpr std::size_t kMaxLinkTypes = 8;

  // Checks the expression by compiling it for Ethernet. On failure returns null with
  // `error` = "bad filter 'EXPR': <libpcap's message>".
  static std::unique_ptr<BpfFilter> create(const std::string& expression, std::string& error);
  ~BpfFilter();
  BpfFilter(const BpfFilter&) = delete;
  BpfFilter& operator=(const BpfFilter&) = delete;

  // False also for packets of a link type the expression cannot be compiled for (e.g.
  // "ether host ..." on raw IP); those are counted in uncompilable_packets().
  bool matches(const PacketView& packet);

  const std::string& expression() const { return expression_; }
  std::uint64_t uncompilable_packets() const { return uncompilable_packets_; }
  // libpcap's message for the last link type that failed to compile, or empty.
  const std::string& last_compile_error() const { return last_compile_error_; }

 private:
  struct Program;
  explicit BpfFilter(std::string expression);
  Program* program_for(LinkType link_type);

  std::string expression_;
  std::array<std::unique_ptr<Program>, kMaxLinkTypes> programs_;
  std::size_t program_count_ = 0;
  std::uint64_t uncompilable_packets_ = 0;
  std::string last_compile_error_;
};

}  // namespace dicomsentry
