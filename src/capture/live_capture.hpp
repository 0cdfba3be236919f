// Live packets from a network interface through libpcap, handed out as PacketViews.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dicomsentry/packet.hpp"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace dicomsentry {

struct LiveOptions {
  std::string interface;  // e.g. "eth0", "lo"
  std::uint32_t snaplen = 262144;
  int buffer_size = 32 << 20;  // kernel capture buffer, bytes
  bool immediate = true;       // deliver each packet at once instead of batching
  bool promiscuous = true;
  bool nonblocking = false;  // dispatch() returns 0 at once when nothing is ready
  int timeout_ms = 100;      // packet buffer timeout when not immediate
  std::string filter;        // BPF expression; empty = everything
};

struct LiveStats {
  std::uint64_t received = 0;           // ps_recv
  std::uint64_t kernel_dropped = 0;     // ps_drop: no room in the buffer
  std::uint64_t interface_dropped = 0;  // ps_ifdrop: dropped by the interface or driver
};

class LiveCapture {
 public:
  // Creates, configures and activates the capture (nanosecond timestamps when the platform
  // has them). On failure returns null and `error` is one line from libpcap, e.g.
  // "lo0: pcap_activate: No such device exists (SIOCGIFHWADDR: No such device)".
  static std::unique_ptr<LiveCapture> open(const LiveOptions& options, std::string& error);
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  // Hands up to `max` packets (-1: one buffer's worth) to on_packet(const PacketView&).
  // Each view is valid only during its call. Returns the number handed over (0: none
  // ready or timeout), -1 on error (see error()), -2 after break_loop().
  template <typename F>
  int dispatch(int max, F&& on_packet) {
    using Fn = std::remove_reference_t<F>;
    return dispatch_raw(
        max, [](void* context, const PacketView& packet) { (*static_cast<Fn*>(context))(packet); },
        &on_packet);
  }

  // For poll/epoll or Boost.Asio: readable when dispatch() has work. -1 if unsupported.
  int selectable_fd() const;
  bool stats(LiveStats& out);
  void break_loop();

  LinkType link_type() const { return link_type_; }
  bool nanosecond() const { return nanosecond_; }
  const std::string& error() const { return error_; }
  // pcap_activate's warning (e.g. promiscuous mode not supported), or empty.
  const std::string& warning() const { return warning_; }

 private:
  using Callback = void (*)(void* context, const PacketView& packet);
  LiveCapture() = default;
  int dispatch_raw(int max, Callback callback, void* context);

  pcap* handle_ = nullptr;
  LinkType link_type_ = LinkType::kEthernet;
  bool nanosecond_ = false;
  std::string error_;
  std::string warning_;
};

}  // namespace dicomsentry
