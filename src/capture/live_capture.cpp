// LiveCapture: pcap_create/activate with our options, BPF filter, dispatch, statistics.
#include "capture/live_capture.hpp"

#include <pcap/pcap.h>

#include <fmt/format.h>

#include "capture/link_type_support.hpp"

namespace dicomsentry {

namespace {

// What the libpcap callback needs to build a PacketView and reach the caller's callback.
struct Dispatch {
  void (*callback)(void* context, const PacketView& packet);
  void* context;
  LinkType link_type;
  std::int64_t fraction_to_ns;
};

// DLT_ values equal LINKTYPE_ values for everything we decode except raw IP (12 on Linux,
// 14 on OpenBSD), which libpcap writes to files as LINKTYPE_RAW.
bool link_type_from_dlt(int dlt, LinkType& out) {
  if (dlt == DLT_RAW || dlt == 12 || dlt == 14) {
    out = LinkType::kRaw;
    return true;
  }
  if (dlt < 0 || !is_supported_link_type(static_cast<std::uint32_t>(dlt))) return false;
  out = static_cast<LinkType>(dlt);
  return true;
}

void on_pcap_packet(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
  const auto* d = reinterpret_cast<const Dispatch*>(user);
  PacketView packet;
  packet.timestamp_ns = static_cast<TimestampNs>(header->ts.tv_sec) * 1'000'000'000 +
                        static_cast<TimestampNs>(header->ts.tv_usec) * d->fraction_to_ns;
  packet.bytes = as_byte_view(bytes, header->caplen);
  packet.original_length = header->len;
  packet.link_type = d->link_type;
  packet.interface_index = 0;
  d->callback(d->context, packet);
}

}  // namespace

std::unique_ptr<LiveCapture> LiveCapture::open(const LiveOptions& options, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_create(options.interface.c_str(), errbuf);
  if (handle == nullptr) {
    error = fmt::format("{}: pcap_create: {}", options.interface, errbuf);
    return nullptr;
  }
  std::unique_ptr<LiveCapture> capture(new LiveCapture());
  capture->handle_ = handle;  // closed by the destructor from here on

  pcap_set_snaplen(handle, static_cast<int>(effective_snaplen(options.snaplen)));
  pcap_set_promisc(handle, options.promiscuous ? 1 : 0);
  pcap_set_timeout(handle, options.timeout_ms);
  pcap_set_buffer_size(handle, options.buffer_size);
  pcap_set_immediate_mode(handle, options.immediate ? 1 : 0);
  // Not every platform has nanosecond stamps; microseconds are then scaled up.
  pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO);

  const int status = pcap_activate(handle);
  if (status < 0) {
    error = fmt::format("{}: pcap_activate: {} ({})", options.interface, pcap_statustostr(status),
                        pcap_geterr(handle));
    return nullptr;
  }
  if (status > 0) {
    capture->warning_ = fmt::format("{}: {} ({})", options.interface, pcap_statustostr(status),
                                    pcap_geterr(handle));
  }
  capture->nanosecond_ = pcap_get_tstamp_precision(handle) == PCAP_TSTAMP_PRECISION_NANO;

  const int dlt = pcap_datalink(handle);
  if (!link_type_from_dlt(dlt, capture->link_type_)) {
    const char* name = pcap_datalink_val_to_name(dlt);
    error = fmt::format("{}: unsupported link type {} ({}) (supported: {})", options.interface, dlt,
                        name != nullptr ? name : "unknown", kSupportedLinkTypesText);
    return nullptr;
  }

  if (!options.filter.empty()) {
    bpf_program program{};
    if (pcap_compile(handle, &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      error = fmt::format("{}: bad filter '{}': {}", options.interface, options.filter,
                          pcap_geterr(handle));
      return nullptr;
    }
    const int set = pcap_setfilter(handle, &program);
    pcap_freecode(&program);
    if (set != 0) {
      error = fmt::format("{}: pcap_setfilter: {}", options.interface, pcap_geterr(handle));
      return nullptr;
    }
  }
  if (options.nonblocking && pcap_setnonblock(handle, 1, errbuf) != 0) {
    error = fmt::format("{}: pcap_setnonblock: {}", options.interface, errbuf);
    return nullptr;
  }
  return capture;
}

LiveCapture::~LiveCapture() {
  if (handle_ != nullptr) pcap_close(handle_);
}

int LiveCapture::dispatch_raw(int max, Callback callback, void* context) {
  Dispatch d{callback, context, link_type_, nanosecond_ ? 1 : 1000};
  const int n = pcap_dispatch(handle_, max, on_pcap_packet, reinterpret_cast<u_char*>(&d));
  if (n == PCAP_ERROR) error_ = pcap_geterr(handle_);
  return n;
}

int LiveCapture::selectable_fd() const {
  return pcap_get_selectable_fd(handle_);
}

bool LiveCapture::stats(LiveStats& out) {
  pcap_stat s{};
  if (pcap_stats(handle_, &s) != 0) {
    error_ = pcap_geterr(handle_);
    return false;
  }
  out.received = s.ps_recv;
  out.kernel_dropped = s.ps_drop;
  out.interface_dropped = s.ps_ifdrop;
  return true;
}

void LiveCapture::break_loop() {
  pcap_breakloop(handle_);
}

}  // namespace dicomsentry
