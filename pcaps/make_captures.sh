#!/usr/bin/env bash
# Regenerates the real DICOM captures in pcaps/ (DCMTK peers on loopback) and their tshark oracle files.
#
# Usage: sudo bash pcaps/make_captures.sh
# Runs as root inside a private network namespace, so it never touches the host's
# network and the loopback settings below apply only to it. Every peer runs under
# `timeout`; the whole run is bounded too. Safe to re-run: outputs are rebuilt in a
# temp dir and moved into place only when every scenario and every check passed.
set -euo pipefail

kPcapDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kScript="${kPcapDir}/$(basename "${BASH_SOURCE[0]}")"
readonly kPcapDir kScript
readonly kHost=127.0.0.1
readonly kPortStore=11112   # DICOM's registered port for unprivileged services
readonly kPortWellKnown=104 # DICOM's original well-known port (binding it needs root)
readonly kServerTimeout=60  # seconds a storescp may live
readonly kClientTimeout=30  # seconds a storescu/echoscu may live
readonly kTcpdumpTimeout=180
readonly kWholeRunTimeout=900

log() { printf '[make_captures %(%T)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ ${EUID} -eq 0 ]] || die "must run as root (network namespace, port 104, tcpdump)"

# Installs only what is missing, before entering the namespace (apt needs the network).
ensure_tools() {
  local missing=()
  command -v storescp >/dev/null || missing+=(dcmtk)
  command -v tcpdump >/dev/null || missing+=(tcpdump)
  command -v tshark >/dev/null || missing+=(tshark)
  command -v capinfos >/dev/null || missing+=(wireshark-common)
  command -v ethtool >/dev/null || missing+=(ethtool)
  command -v ss >/dev/null || missing+=(iproute2)
  dpkg -s python3-pydicom >/dev/null 2>&1 || missing+=(python3-pydicom)
  if ((${#missing[@]})); then
    log "installing missing packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

if [[ "${DS_MAKE_CAPTURES_NETNS:-}" != 1 ]]; then
  ensure_tools
  # A fresh namespace has only a down loopback: no host traffic can leak into the captures.
  exec env DS_MAKE_CAPTURES_NETNS=1 timeout "${kWholeRunTimeout}" unshare -n -- bash "${kScript}" "$@"
fi

# ---- inside the namespace from here on ----------------------------------------------

ip link set lo up
# Loopback defaults to a 64 KB MTU and segmentation offloads, which would give frames no
# real network carries; 1500 and no TSO/GSO/GRO make tcpdump see Ethernet-sized segments.
ip link set lo mtu 1500
ethtool -K lo tso off gso off gro off

work="$(mktemp -d)"
bg_pids=()
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${bg_pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT
mkdir -p "${work}/dcm" "${work}/out/expected" "${work}/received"

# Peers share one CPU so that the kernel never reorders their segments across cores.
pinned() { taskset -c 0 "$@"; }

# ---- sample DICOM objects -------------------------------------------------------------

pydicom_test_files() {
  local f
  f="$(dpkg -L python3-pydicom | grep -E '/test_files/CT_small\.dcm$' | head -n1 || true)"
  [[ -n "${f}" ]] || die "python3-pydicom test files not found"
  dirname "${f}"
}

# A deterministic 2.25 UID (PS3.5 B.2) from a label: no root OID needed, same every run.
derived_uid() {
  printf '2.25.%s' "$(python3 -c 'import hashlib,sys; print(int(hashlib.sha256(sys.argv[1].encode()).hexdigest()[:32], 16))' "dicomsentry-pcaps/$1")"
}

top_level_uid() { # file tag -> the value of the tag (first occurrence, numeric UID)
  dcmdump -q -Un +P "$2" "$1" | head -n1 | sed -E 's/^[^[]*\[([^]]*)\].*$/\1/'
}

# Copies a pydicom sample; with a label, gives it a new SOP Instance UID; without, re-writes
# the one it has. Either way dcmodify updates (0002,0003) from it, so meta and data set agree
# (rtplan.dcm ships with a meta UID that differs from its data set's).
prepare_instance() { # name source [relabel]
  local name="$1" src="$2" relabel="${3:-}" dst="${work}/dcm/$1" uid
  cp "${src_dir}/${src}" "${dst}"
  if [[ -n "${relabel}" ]]; then
    uid="$(derived_uid "${relabel}")"
  else
    uid="$(top_level_uid "${dst}" 0008,0018)"
  fi
  dcmodify -q -nb -m "(0008,0018)=${uid}" "${dst}" || die "dcmodify ${name} failed"
  [[ "$(top_level_uid "${dst}" 0002,0003)" == "${uid}" ]] || die "meta UID of ${name} not updated"
  printf '%s\t%s\t%s\n' "${name}" "${src}" "${relabel}" >>"${work}/dcm/sources.tsv"
}

src_dir="$(pydicom_test_files)"
: >"${work}/dcm/sources.tsv"
prepare_instance ct_small.dcm CT_small.dcm
prepare_instance mr_small.dcm MR_small.dcm
prepare_instance rtplan.dcm rtplan.dcm
prepare_instance rtdose_1frame.dcm rtdose_1frame.dcm
prepare_instance reportsi.dcm reportsi.dcm
prepare_instance mr_small_copy1.dcm MR_small.dcm mr_small_copy1
prepare_instance mr_small_copy2.dcm MR_small.dcm mr_small_copy2
prepare_instance ct_small_copy1.dcm CT_small.dcm ct_small_copy1
dcm() { local n; for n in "$@"; do printf '%s ' "${work}/dcm/${n}"; done; }

# ---- capture helpers --------------------------------------------------------------------

capture_pid=""
start_capture() { # name bpf-filter
  local name="$1" filter="$2" i
  rm -f "${work}/out/${name}.pcap"
  : >"${work}/${name}.tcpdump.log"
  # Immediate mode: with the default TPACKET_V3 block timeout, packets of a sub-second
  # scenario can still sit in an unretired ring block when SIGINT arrives, and be lost.
  timeout "${kTcpdumpTimeout}" tcpdump --immediate-mode -U -Z root -i lo -s 0 -w "${work}/out/${name}.pcap" "${filter}" \
    2>"${work}/${name}.tcpdump.log" &
  capture_pid=$!
  bg_pids+=("${capture_pid}")
  for ((i = 0; i < 100; i++)); do # up to 10 s for tcpdump to open the interface
    grep -q 'listening on' "${work}/${name}.tcpdump.log" && return 0
    sleep 0.1
  done
  die "tcpdump for ${name} did not start: $(cat "${work}/${name}.tcpdump.log")"
}

stop_capture() { # name
  sleep 0.5 # let the last ACKs of the closing handshakes reach the capture
  kill -INT "${capture_pid}"
  wait "${capture_pid}" || die "tcpdump for $1 exited with $?"
  log "$1: $(grep -E 'packets (captured|dropped by kernel)' "${work}/$1.tcpdump.log" | tr '\n' ' ')"
  grep -q '^0 packets dropped by kernel' "${work}/$1.tcpdump.log" || die "$1: kernel dropped packets"
}

server_pid=()
start_server() { # port aetitle [extra storescp options...]; env is inherited (TCP_NODELAY)
  local port="$1" aet="$2" i
  shift 2
  # storescp names files after their SOP Instance UID: one directory per server and scenario.
  local out="${work}/received/${scenario}.${port}"
  mkdir -p "${out}"
  # Not through a shell function: $! must be the process chain that exec's storescp
  # (taskset -> timeout -> storescp), so that SIGTERM reaches it.
  taskset -c 0 timeout "${kServerTimeout}" storescp -q -aet "${aet}" -od "${out}" "$@" "${port}" &
  server_pid+=($!)
  bg_pids+=($!)
  for ((i = 0; i < 100; i++)); do # up to 10 s until it listens
    ss -Hltn "sport = :${port}" | grep -q LISTEN && return 0
    sleep 0.1
  done
  die "storescp on ${port} did not start"
}

stop_servers() {
  local pid
  for pid in "${server_pid[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${server_pid[@]}"; do wait "${pid}" 2>/dev/null || true; done
  server_pid=()
  [[ -z "$(ss -Hltn)" ]] || die "a server still listens after stop: $(ss -Hltnp)"
}

# One line per association, in the order the oracle must match them to TCP conversations
# with that server port: port, calling AE, called AE, DIMSE service, files sent.
manifest() { # capture port calling called service [files...]
  local name="$1"
  shift
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(IFS=' '; shift 4; echo "$*")" >>"${work}/${name}.manifest"
}

store() { # port calling called [storescu options... --] files...
  local port="$1" calling="$2" called="$3" opts=()
  shift 3
  while (($#)) && [[ "$1" != -- ]]; do opts+=("$1"); shift; done
  shift
  pinned timeout "${kClientTimeout}" storescu -q -aet "${calling}" -aec "${called}" "${opts[@]}" \
    "${kHost}" "${port}" "$@" || die "storescu ${calling}->${called}:${port} failed"
}

count_received() { find "${work}/received" -type f | wc -l; }

# ---- scenarios --------------------------------------------------------------------------

scenario_echoscu() {
  local name=echoscu
  log "scenario ${name}"
  start_capture "${name}" "tcp port ${kPortWellKnown}"
  start_server "${kPortWellKnown}" STORESCP
  pinned timeout "${kClientTimeout}" echoscu -q -aet ECHOSCU -aec STORESCP "${kHost}" "${kPortWellKnown}" \
    || die "echoscu failed"
  manifest "${name}" "${kPortWellKnown}" ECHOSCU STORESCP C-ECHO
  stop_servers
  stop_capture "${name}"
}

readonly kSmallSet=(ct_small.dcm mr_small.dcm rtplan.dcm rtdose_1frame.dcm reportsi.dcm
  mr_small_copy1.dcm mr_small_copy2.dcm ct_small_copy1.dcm)

scenario_storescu_small() {
  local name=storescu_small before
  log "scenario ${name}"
  before="$(count_received)"
  start_capture "${name}" "tcp port ${kPortStore}"
  start_server "${kPortStore}" STORESCP
  # shellcheck disable=SC2046  # dcm prints space-free paths
  store "${kPortStore}" STORESCU STORESCP -- $(dcm "${kSmallSet[@]}")
  manifest "${name}" "${kPortStore}" STORESCU STORESCP C-STORE "${kSmallSet[@]}"
  stop_servers
  stop_capture "${name}"
  (($(count_received) - before == ${#kSmallSet[@]})) || die "${name}: storescp did not store every file"
}

# Nagle off on both peers, implicit VR only, only the required presentation contexts, and
# 8 KB PDUs: the same objects as storescu_small, but a different byte and segment layout.
scenario_storescu_nodelay() {
  local name=storescu_nodelay before set=(ct_small.dcm mr_small.dcm rtplan.dcm rtdose_1frame.dcm reportsi.dcm)
  log "scenario ${name}"
  before="$(count_received)"
  start_capture "${name}" "tcp port ${kPortStore}"
  TCP_NODELAY=1 start_server "${kPortStore}" STORESCP +xi -pdu 8192
  # shellcheck disable=SC2046
  TCP_NODELAY=1 store "${kPortStore}" NODELAY_SCU STORESCP -R -xi -- $(dcm "${set[@]}")
  manifest "${name}" "${kPortStore}" NODELAY_SCU STORESCP C-STORE "${set[@]}"
  stop_servers
  stop_capture "${name}"
  (($(count_received) - before == ${#set[@]})) || die "${name}: storescp did not store every file"
}

# Three associations, two of them at the same time on different ports, so flows interleave.
scenario_storescu_multi() {
  local name=storescu_multi before a_pid b_pid
  local set_a=(ct_small_copy1.dcm mr_small_copy1.dcm rtplan.dcm) set_b=(mr_small_copy2.dcm reportsi.dcm)
  local set_c=(rtdose_1frame.dcm)
  log "scenario ${name}"
  before="$(count_received)"
  start_capture "${name}" "tcp port ${kPortStore} or tcp port ${kPortWellKnown}"
  start_server "${kPortStore}" STORESCP
  start_server "${kPortWellKnown}" ARCHIVE
  # shellcheck disable=SC2046
  store "${kPortStore}" MODALITY_A STORESCP -- $(dcm "${set_a[@]}") &
  a_pid=$!
  bg_pids+=("${a_pid}")
  # shellcheck disable=SC2046
  store "${kPortWellKnown}" MODALITY_B ARCHIVE -- $(dcm "${set_b[@]}") &
  b_pid=$!
  bg_pids+=("${b_pid}")
  wait "${a_pid}" || die "${name}: run A failed"
  wait "${b_pid}" || die "${name}: run B failed"
  # shellcheck disable=SC2046
  store "${kPortStore}" MODALITY_C STORESCP -- $(dcm "${set_c[@]}")
  manifest "${name}" "${kPortStore}" MODALITY_A STORESCP C-STORE "${set_a[@]}"
  manifest "${name}" "${kPortWellKnown}" MODALITY_B ARCHIVE C-STORE "${set_b[@]}"
  manifest "${name}" "${kPortStore}" MODALITY_C STORESCP C-STORE "${set_c[@]}"
  stop_servers
  stop_capture "${name}"
  (($(count_received) - before == ${#set_a[@]} + ${#set_b[@]} + ${#set_c[@]})) \
    || die "${name}: storescp did not store every file"
}

# DCMTK 3.6.7 has no IPv6 (storescp listens on 0.0.0.0 only, storescu rejects "::1"), so
# v6_relay.py carries one association over ::1 and only that leg is captured.
scenario_storescu_ipv6() {
  local name=storescu_ipv6 before relay_pid i set=(mr_small.dcm rtplan.dcm reportsi.dcm)
  local in_port=11113 out_port=11114
  log "scenario ${name}"
  before="$(count_received)"
  start_capture "${name}" "ip6 and tcp port ${kPortStore}"
  start_server "${out_port}" STORESCP
  taskset -c 0 timeout "${kServerTimeout}" python3 "${kPcapDir}/v6_relay.py" --in-port "${in_port}" \
    --v6-port "${kPortStore}" --out-port "${out_port}" --count 1 >"${work}/relay.log" 2>&1 &
  relay_pid=$!
  bg_pids+=("${relay_pid}")
  for ((i = 0; i < 100; i++)); do # up to 10 s until both relay listeners are up
    grep -q '^ready' "${work}/relay.log" && break
    sleep 0.1
  done
  grep -q '^ready' "${work}/relay.log" || die "v6_relay did not start: $(cat "${work}/relay.log")"
  # shellcheck disable=SC2046
  store "${in_port}" STORESCU_V6 STORESCP -- $(dcm "${set[@]}")
  wait "${relay_pid}" || die "v6_relay failed: $(cat "${work}/relay.log")"
  manifest "${name}" "${kPortStore}" STORESCU_V6 STORESCP C-STORE "${set[@]}"
  stop_servers
  stop_capture "${name}"
  (($(count_received) - before == ${#set[@]})) || die "${name}: storescp did not store every file"
}

readonly kScenarios=(echoscu storescu_small storescu_nodelay storescu_multi storescu_ipv6)
for scenario in "${kScenarios[@]}"; do "scenario_${scenario}"; done

# ---- oracle files -----------------------------------------------------------------------

for s in "${kScenarios[@]}"; do
  python3 "${kPcapDir}/make_expected.py" --pcap "${work}/out/${s}.pcap" \
    --manifest "${work}/${s}.manifest" --dcm-dir "${work}/dcm" \
    --out "${work}/out/expected/${s}.json" || die "oracle for ${s} failed"
done

mkdir -p "${kPcapDir}/expected"
for s in "${kScenarios[@]}"; do
  mv -f "${work}/out/${s}.pcap" "${kPcapDir}/${s}.pcap"
  mv -f "${work}/out/expected/${s}.json" "${kPcapDir}/expected/${s}.json"
done
log "done: ${kScenarios[*]}"
