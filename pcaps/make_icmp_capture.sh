#!/usr/bin/env bash
# Makes pcaps/icmp_fragments.pcap (the kernel's own ICMP and IP fragments on loopback) and its tshark oracle.
#
# Usage: sudo bash pcaps/make_icmp_capture.sh
# In a private network namespace (lib_capture.sh: loopback only, MTU 1500, no offloads):
#   * ICMP echo 127.0.0.1 -> 127.0.0.2, twice (the kernel answers from 127.0.0.2);
#   * ICMPv6 echo ::1 -> ::1, twice;
#   * a UDP datagram 127.0.0.3 -> 127.0.0.4:9 (nothing listens: the kernel answers with ICMP
#     port unreachable, type 3 code 3, a message without a counterpart);
#   * a 4,000-byte UDP datagram 127.0.0.5 -> 127.0.0.6:9, which the 1500-byte MTU splits into
#     three IP fragments (only the first carries the UDP header), and its port unreachable.
# Echo requests are sent from raw sockets (there is no ping here); the rest is the kernel's.
# The oracle expected/icmp_fragments.json is written from tshark alone (its Community ID
# post-dissector, ICMP fields and IP fragment fields): one entry per frame.
set -euo pipefail

kPcapDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kScript="${kPcapDir}/$(basename "${BASH_SOURCE[0]}")"
readonly kPcapDir kScript
readonly kTag=make_icmp_capture
readonly kWholeRunTimeout=120
readonly kExtraTools=()

# shellcheck source=lib_capture.sh
source "${kPcapDir}/lib_capture.sh"
enter_capture_netns "$@"

# ---- inside the namespace from here on ----------------------------------------------

work="$(mktemp -d)"
cleanup() { kill_bg; rm -rf "${work}"; }
trap cleanup EXIT

start_capture "${work}/icmp_fragments.pcap" "${work}/tcpdump.log" "icmp or icmp6 or udp"
timeout 30 python3 - <<'PY'
import socket, struct, time

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

def echo_v4(src, dst, seq):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.bind((src, 0))
    msg = struct.pack("!BBHHH", 8, 0, 0, 0x4453, seq) + b"dicomsentry"
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    s.sendto(msg, (dst, 0))
    s.close()

def echo_v6(seq):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x4453, seq) + b"dicomsentry", ("::1", 0))
    s.close()

def udp(src, dst, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 40000))
    s.sendto(bytes(i % 251 for i in range(size)), (dst, 9))
    s.close()

for seq in (1, 2):
    echo_v4("127.0.0.1", "127.0.0.2", seq)
    time.sleep(0.05)
    echo_v6(seq)
    time.sleep(0.05)
udp("127.0.0.3", "127.0.0.4", 64)
time.sleep(0.05)
udp("127.0.0.5", "127.0.0.6", 4000)
time.sleep(0.2)
PY
stop_capture "${work}/tcpdump.log"

# The oracle, one entry per frame, from tshark only.
tshark -n -r "${work}/icmp_fragments.pcap" --enable-protocol communityid -T fields -E separator=/t \
  -e frame.number -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e ip.id -e ip.flags.mf \
  -e ip.frag_offset -e icmp.type -e icmp.code -e icmpv6.type -e icmpv6.code -e udp.srcport \
  -e udp.dstport -e communityid >"${work}/frames.tsv"
python3 - "${work}/frames.tsv" "${work}/icmp_fragments.json" <<'PY'
import json, sys
names = ["frame", "ip_src", "ip_dst", "ipv6_src", "ipv6_dst", "ip_id", "more_fragments",
         "fragment_offset", "icmp_type", "icmp_code", "icmpv6_type", "icmpv6_code", "udp_srcport",
         "udp_dstport", "community_id"]
frames = []
for line in open(sys.argv[1]):
    values = line.rstrip("\n").split("\t")
    # A field is empty when absent; in an ICMP error the quoted header repeats some fields
    # (tshark lists every occurrence): the first is the packet's own.
    frame = {}
    for name, value in zip(names, values):
        if value == "":
            continue
        value = value.split(",")[0]
        frame[name] = value if name.endswith(("src", "dst", "community_id")) else int(value, 0)
    frames.append(frame)
json.dump({"frames": frames}, open(sys.argv[2], "w"), indent=1)
PY
[[ "$(grep -c . "${work}/frames.tsv")" -eq 14 ]] || die "expected 14 frames, got: $(cat "${work}/frames.tsv")"
mv "${work}/icmp_fragments.pcap" "${kPcapDir}/icmp_fragments.pcap"
mv "${work}/icmp_fragments.json" "${kPcapDir}/expected/icmp_fragments.json"
log "wrote icmp_fragments.pcap and expected/icmp_fragments.json"
