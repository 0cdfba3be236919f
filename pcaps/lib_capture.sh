# Shell helpers shared by the capture scripts: private netns, Ethernet-sized loopback, tcpdump, sample objects.
#
# Sourced, not run. The caller sets kScript (its own path), kTag (log prefix) and
# kWholeRunTimeout before sourcing, and calls enter_capture_netns "$@" first thing.
# shellcheck shell=bash
# kHost is for the callers; kTag, kScript and kExtraTools come from them.
# shellcheck disable=SC2034,SC2154

readonly kHost=127.0.0.1
readonly kTcpdumpTimeout=300

log() { printf '[%s %(%T)T] %s\n' "${kTag}" -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs only what is missing, before entering the namespace (apt needs the network).
# Arguments: extra "command:package" pairs beyond the common set ("-:package" for a package
# that has no command of its own).
ensure_tools() {
  local missing=() pair
  for pair in storescp:dcmtk tcpdump:tcpdump tshark:tshark capinfos:wireshark-common ethtool:ethtool ss:iproute2 \
    -:python3-pydicom "$@"; do
    if [[ "${pair%%:*}" == - ]]; then
      dpkg -s "${pair#*:}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    else
      command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    fi
  done
  if ((${#missing[@]})); then
    log "installing missing packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# Re-executes the calling script inside a fresh network namespace (only a down loopback, so
# no host traffic can leak into a capture), bounded by kWholeRunTimeout. Returns inside it.
enter_capture_netns() {
  [[ ${EUID} -eq 0 ]] || die "must run as root (network namespace, tcpdump)"
  if [[ "${DS_CAPTURE_NETNS:-}" != 1 ]]; then
    ensure_tools "${kExtraTools[@]}"
    exec env DS_CAPTURE_NETNS=1 timeout "${kWholeRunTimeout}" unshare -n -- bash "${kScript}" "$@"
  fi
  ip link set lo up
  # Loopback defaults to a 64 KB MTU and segmentation offloads, which would give frames no
  # real network carries; 1500 and no TSO/GSO/GRO make tcpdump see Ethernet-sized segments.
  ip link set lo mtu 1500
  ethtool -K lo tso off gso off gro off >/dev/null
}

# Background processes to end on exit (by pid, never by name).
bg_pids=()
kill_bg() {
  local pid
  for pid in "${bg_pids[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${bg_pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  bg_pids=()
}

# Peers share one CPU so that the kernel never reorders their segments across cores.
pinned() { taskset -c 0 "$@"; }

wait_listen() { # port [seconds]: waits until something listens on the TCP port
  local port="$1" tries=$((${2:-10} * 10)) i
  for ((i = 0; i < tries; i++)); do
    ss -Hltn "sport = :${port}" | grep -q LISTEN && return 0
    sleep 0.1
  done
  return 1
}

capture_pid=""
start_capture() { # pcap-path log-path bpf-filter
  local pcap="$1" logf="$2" filter="$3" i
  rm -f "${pcap}"
  : >"${logf}"
  # Immediate mode: with the default TPACKET_V3 block timeout, packets of a sub-second
  # scenario can still sit in an unretired ring block when SIGINT arrives, and be lost.
  timeout "${kTcpdumpTimeout}" tcpdump --immediate-mode -U -Z root -i lo -s 0 -w "${pcap}" "${filter}" 2>"${logf}" &
  capture_pid=$!
  bg_pids+=("${capture_pid}")
  for ((i = 0; i < 100; i++)); do # up to 10 s for tcpdump to open the interface
    grep -q 'listening on' "${logf}" && return 0
    sleep 0.1
  done
  die "tcpdump did not start: $(cat "${logf}")"
}

stop_capture() { # log-path
  sleep 0.5 # let the last ACKs of the closing handshakes reach the capture
  kill -INT "${capture_pid}"
  wait "${capture_pid}" || die "tcpdump exited with $?"
  log "$(grep -E 'packets (captured|dropped by kernel)' "$1" | tr '\n' ' ')"
  grep -q '^0 packets dropped by kernel' "$1" || die "kernel dropped packets"
}

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
