// Address and port lists of a rule header: CIDR v4/v6, `any`, `$VAR`, `!` and nested `[...]`.
#include <arpa/inet.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

#include "rules/rule_parser.hpp"
#include "rules/rule_text.hpp"

namespace dicomsentry::rules {
namespace {

using text::trim;

// Items, groups and variable references visited for one list, `any` included.
constexpr std::size_t kMaxListSteps = 16 * kMaxListEntries;

bool parse_network(std::string_view item, IpNetwork& out, std::string& error) {
  std::string_view addr = item;
  std::string_view prefix_text;
  const std::size_t slash = item.find('/');
  if (slash != std::string_view::npos) {
    addr = item.substr(0, slash);
    prefix_text = item.substr(slash + 1);
  }
  const bool v6 = addr.find(':') != std::string_view::npos;
  const std::string addr_z(addr);  // inet_pton wants a terminated string
  out = IpNetwork{};
  out.v6 = v6;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr_z.c_str(), out.bytes.data()) != 1) {
    error = fmt::format("bad address \"{}\"", item);
    return false;
  }
  const unsigned max_prefix = v6 ? 128 : 32;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    auto parsed = prefix_text.find('x') == std::string_view::npos
                      ? text::parse_unsigned(prefix_text, max_prefix)
                      : std::nullopt;
    if (!parsed) {
      error = fmt::format("bad CIDR prefix \"{}\"", item);
      return false;
    }
    prefix = static_cast<unsigned>(*parsed);
  }
  out.prefix = static_cast<std::uint8_t>(prefix);
  // Clear host bits so that 10.1.2.3/8 and 10.0.0.0/8 are the same network.
  for (unsigned bit = prefix; bit < max_prefix; ++bit) {
    out.bytes[bit / 8] = static_cast<std::uint8_t>(out.bytes[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  return true;
}

// Shared walk over `!`, `[...]`, `$VAR` and `any` for both list kinds; `Leaf` parses one item.
template <typename Entry, typename Leaf>
class ListParser {
 public:
  ListParser(const Vars& vars, std::vector<Entry>& out, std::string& error, Leaf leaf,
             std::string_view any_expansion_kind)
      : vars_(vars), out_(out), error_(error), leaf_(leaf), kind_(any_expansion_kind) {}

  bool parse(std::string_view s, bool negated, int nesting, int var_depth) {
    // Variables that each name others several times grow geometrically; bound the walk.
    if (++steps_ > kMaxListSteps) return fail(fmt::format("{} list expands too far", kind_));
    s = trim(s);
    if (s.empty()) return fail(fmt::format("empty {} list", kind_));
    if (s.front() == '!') return parse(s.substr(1), !negated, nesting, var_depth);
    if (s.front() == '[') {
      if (s.back() != ']') return fail(fmt::format("unterminated {} list \"{}\"", kind_, s));
      if (nesting >= kMaxListNesting) return fail(fmt::format("{} list nests too deep", kind_));
      std::vector<std::string_view> parts;
      if (!text::split_top_level(s.substr(1, s.size() - 2), parts)) {
        return fail(fmt::format("unbalanced brackets in {} list \"{}\"", kind_, s));
      }
      for (std::string_view part : parts) {
        if (!parse(part, negated, nesting + 1, var_depth)) return false;
      }
      return true;
    }
    if (s.front() == '$') {
      const std::string_view name = s.substr(1);
      auto it = vars_.find(name);
      if (it == vars_.end()) return fail(fmt::format("unknown variable ${}", name));
      if (var_depth >= kMaxVarDepth) return fail(fmt::format("variable ${} nests too deep", name));
      return parse(it->second, negated, nesting, var_depth + 1);
    }
    if (s == "any") {
      if (negated) return fail(fmt::format("\"!any\" matches no {}", kind_));
      any_seen_ = true;
      return true;
    }
    if (out_.size() >= kMaxListEntries) {
      return fail(fmt::format("{} list has more than {} entries", kind_, kMaxListEntries));
    }
    Entry entry{};
    if (!leaf_(s, entry, error_)) return false;
    entry.negated = negated;
    out_.push_back(entry);
    return true;
  }

  bool any_seen() const { return any_seen_; }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  const Vars& vars_;
  std::vector<Entry>& out_;
  std::string& error_;
  Leaf leaf_;
  std::string_view kind_;
  bool any_seen_ = false;
  std::size_t steps_ = 0;
};

bool parse_port_item(std::string_view s, PortRange& out, std::string& error) {
  auto port = [&](std::string_view p, std::uint16_t& value) {
    p = trim(p);
    auto parsed = text::parse_unsigned(p, UINT64_MAX);
    if (!parsed || p.find('x') != std::string_view::npos) {
      error = fmt::format("bad port \"{}\"", p);
      return false;
    }
    if (*parsed > 65535) {
      error = fmt::format("bad port range {}", p);
      return false;
    }
    value = static_cast<std::uint16_t>(*parsed);
    return true;
  };
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    if (!port(s, out.lo)) return false;
    out.hi = out.lo;
    return true;
  }
  const std::string_view lo = trim(s.substr(0, colon));
  const std::string_view hi = trim(s.substr(colon + 1));
  out.lo = 0;
  out.hi = 65535;
  if (lo.empty() && hi.empty()) {
    error = fmt::format("bad port \"{}\"", s);
    return false;
  }
  if (!lo.empty() && !port(lo, out.lo)) return false;
  if (!hi.empty() && !port(hi, out.hi)) return false;
  if (out.lo > out.hi) {
    error = fmt::format("bad port range {}", s);
    return false;
  }
  return true;
}

}  // namespace

bool parse_address_list(std::string_view text_in, const Vars& vars, AddressList& out,
                        std::string& error) {
  out.entries.clear();
  auto leaf = [](std::string_view s, AddressEntry& e, std::string& err) {
    return parse_network(s, e.network, err);
  };
  ListParser<AddressEntry, decltype(leaf)> parser(vars, out.entries, error, leaf, "address");
  if (!parser.parse(text_in, false, 0, 0)) return false;
  // `any` beside other positive entries must still admit everything: make it explicit.
  bool has_positive = false;
  for (const AddressEntry& e : out.entries) has_positive |= !e.negated;
  if (parser.any_seen() && has_positive) {
    AddressEntry all_v4{};
    AddressEntry all_v6{};
    all_v6.network.v6 = true;
    out.entries.push_back(all_v4);
    out.entries.push_back(all_v6);
  }
  return true;
}

bool parse_port_list(std::string_view text_in, const Vars& vars, PortList& out,
                     std::string& error) {
  out.ranges.clear();
  ListParser<PortRange, decltype(&parse_port_item)> parser(vars, out.ranges, error,
                                                           &parse_port_item, "port");
  if (!parser.parse(text_in, false, 0, 0)) return false;
  bool has_positive = false;
  for (const PortRange& r : out.ranges) has_positive |= !r.negated;
  if (parser.any_seen() && has_positive) out.ranges.push_back(PortRange{});
  return true;
}

Vars default_vars(std::string_view dicom_ports, std::string_view tls_ports) {
  Vars vars;
  vars["HOME_NET"] = "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]";
  vars["EXTERNAL_NET"] = "!$HOME_NET";
  vars["PACS_NET"] = "$HOME_NET";
  vars["MODALITY_NET"] = "$HOME_NET";
  vars["DICOM_PORTS"] = std::string(dicom_ports);
  vars["DICOM_TLS_PORTS"] = std::string(tls_ports);
  return vars;
}

}  // namespace dicomsentry::rules
