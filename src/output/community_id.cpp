// Community ID v1: endpoint ordering, ICMP type mapping, SHA-1 through OpenSSL, base64.
#include "output/community_id.hpp"

#include <cstring>
#include <optional>
#include <utility>

// The direct SHA-1 routines are deprecated in OpenSSL 3.0 (see sha1_digest for why they are
// used); this keeps their declarations free of the deprecation attribute.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace dicomsentry {
namespace {

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpV6 = 58;
constexpr std::uint8_t kProtoSctp = 132;

constexpr std::size_t kSha1Length = 20;
// seed(2) + two IPv6 addresses(32) + proto(1) + pad(1) + ports(4)
constexpr std::size_t kMaxHashInput = 40;

// The spec's port-carrying protocols; all others hash addresses and protocol only.
bool has_ports(std::uint8_t proto) {
  return proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp || proto == kProtoIcmp ||
         proto == kProtoIcmpV6;
}

// ICMP request/reply counterparts, as Zeek's ICMP4_counterpart/ICMP6_counterpart and the
// reference implementation (pycommunityid icmp.py, icmp6.py) define them. nullopt: no
// counterpart, the message is one-way.
std::optional<std::uint8_t> icmp_counterpart(std::uint8_t type) {
  switch (type) {
    case 8: return 0;     // echo -> echo reply
    case 0: return 8;
    case 13: return 14;   // timestamp
    case 14: return 13;
    case 15: return 16;   // information
    case 16: return 15;
    case 10: return 9;    // router solicitation -> advertisement
    case 9: return 10;
    case 17: return 18;   // address mask
    case 18: return 17;
    default: return std::nullopt;
  }
}

std::optional<std::uint8_t> icmp6_counterpart(std::uint8_t type) {
  switch (type) {
    case 128: return 129;  // echo request -> reply
    case 129: return 128;
    case 130: return 131;  // MLD listener query -> report
    case 131: return 130;
    case 133: return 134;  // router solicitation -> advertisement
    case 134: return 133;
    case 135: return 136;  // neighbour solicitation -> advertisement
    case 136: return 135;
    case 139: return 140;  // node information (who-are-you) query -> reply
    case 140: return 139;
    case 144: return 145;  // home agent address discovery request -> reply
    case 145: return 144;
    default: return std::nullopt;
  }
}

// SHA-1 of one short input through OpenSSL's direct SHA-1 routines, not the EVP layer. OpenSSL
// 3.0 deprecates them, but EVP allocates its provider state on every EVP_DigestInit (copying a
// prepared context allocates too): about 2,900 instructions per ID against a few hundred here,
// once per flow. The routines are the same code the default provider runs (SHA-NI when the CPU
// has it); the spec vectors and the tshark oracle in the tests check the result.
bool sha1_digest(const unsigned char* data, std::size_t size, unsigned char* out) {
  SHA_CTX ctx;
  return SHA1_Init(&ctx) == 1 && SHA1_Update(&ctx, data, size) == 1 && SHA1_Final(out, &ctx) == 1;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 (RFC 4648 section 4) of 20 bytes: six full groups and one padded group.
void base64_sha1(const unsigned char* in, char* out) {
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= kSha1Length; i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o++] = kBase64[(v >> 18) & 0x3f];
    out[o++] = kBase64[(v >> 12) & 0x3f];
    out[o++] = kBase64[(v >> 6) & 0x3f];
    out[o++] = kBase64[v & 0x3f];
  }
  // 20 = 6 * 3 + 2: two bytes left, encoded as three characters and one '='.
  const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
  out[o++] = kBase64[(v >> 18) & 0x3f];
  out[o++] = kBase64[(v >> 12) & 0x3f];
  out[o++] = kBase64[(v >> 6) & 0x3f];
  out[o++] = '=';
}

}  // namespace

CommunityId community_id_v1(std::uint8_t ip_version, const IpAddress& src_ip,
                            const IpAddress& dst_ip, std::uint8_t proto, std::uint16_t src_port,
                            std::uint16_t dst_port, std::uint16_t seed) {
  CommunityId id;
  std::size_t addr_len = 0;
  if (ip_version == 4) {
    addr_len = 4;
  } else if (ip_version == 6) {
    addr_len = 16;
  } else {
    return id;
  }

  const bool ports = has_ports(proto);
  bool one_way = false;
  if (proto == kProtoIcmp || proto == kProtoIcmpV6) {
    const auto type = static_cast<std::uint8_t>(src_port);
    const auto counterpart = proto == kProtoIcmp ? icmp_counterpart(type) : icmp6_counterpart(type);
    if (counterpart) {
      dst_port = *counterpart;
    } else {
      one_way = true;  // keep type and code as given, never swap
    }
  }

  // Smaller address first; equal addresses are ordered by port. Addresses compare as unsigned
  // bytes in network order, which is numeric order.
  const unsigned char* a = src_ip.bytes.data();
  const unsigned char* b = dst_ip.bytes.data();
  if (!one_way) {
    const int cmp = std::memcmp(a, b, addr_len);
    const bool ordered = cmp < 0 || (cmp == 0 && (!ports || src_port < dst_port));
    if (!ordered) {
      std::swap(a, b);
      std::swap(src_port, dst_port);
    }
  }

  unsigned char input[kMaxHashInput];
  std::size_t n = 0;
  input[n++] = static_cast<unsigned char>(seed >> 8);
  input[n++] = static_cast<unsigned char>(seed & 0xff);
  std::memcpy(input + n, a, addr_len);
  n += addr_len;
  std::memcpy(input + n, b, addr_len);
  n += addr_len;
  input[n++] = proto;
  input[n++] = 0;  // padding keeps the input 32-bit aligned
  if (ports) {
    input[n++] = static_cast<unsigned char>(src_port >> 8);
    input[n++] = static_cast<unsigned char>(src_port & 0xff);
    input[n++] = static_cast<unsigned char>(dst_port >> 8);
    input[n++] = static_cast<unsigned char>(dst_port & 0xff);
  }

  unsigned char digest[kSha1Length];
  if (!sha1_digest(input, n, digest)) return id;

  id.chars[0] = '1';
  id.chars[1] = ':';
  base64_sha1(digest, id.chars.data() + 2);
  id.size = kCommunityIdLength;
  return id;
}

}  // namespace dicomsentry
