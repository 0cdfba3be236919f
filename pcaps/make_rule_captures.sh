#!/usr/bin/env bash
# Records the captures the default ruleset (rules/dicomsentry.rules) is tested on: real
# scanners (nmap's dicom-brute and dicom-ping), DCMTK tools, Orthanc, dcmqrscp and openssl on
# loopback, and their oracles from the peers' own logs (make_rule_expected.py).
#
# Usage: sudo bash pcaps/make_rule_captures.sh
# Same conventions as make_dicom_captures.sh: root, a private network namespace with only
# loopback (lib_capture.sh), every process under timeout, built in a temp dir and moved into
# pcaps/ only when every scenario and every check passed.
set -euo pipefail

kPcapDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kScript="${kPcapDir}/$(basename "${BASH_SOURCE[0]}")"
readonly kPcapDir kScript
readonly kTag=make_rule_captures
readonly kWholeRunTimeout=900
readonly kExtraTools=(Orthanc:orthanc openssl:openssl nmap:nmap nc:netcat-openbsd -:libdcmtk-dev)
readonly kPortDicom=11112  # Orthanc, dcmqrscp or storescp, one at a time
readonly kPortMoveDest=11113
readonly kPort104=104
readonly kPortTls=2762
readonly kServerTimeout=180
readonly kClientTimeout=60

# shellcheck source=lib_capture.sh
source "${kPcapDir}/lib_capture.sh"
enter_capture_netns "$@"

# ---- inside the namespace from here on ----------------------------------------------

work="$(mktemp -d)"
cleanup() { kill_bg; rm -rf "${work}"; }
trap cleanup EXIT
mkdir -p "${work}/dcm" "${work}/out/expected" "${work}/logs" "${work}/received"
# Orthanc's C-FIND/C-MOVE scenarios need a patient with studies: pydicom's MR and CT samples.
src_dir="$(pydicom_test_files)"
# pydicom is Debian's package: put its directory on the path of whichever python3 runs.
PYTHONPATH="${src_dir}/../../.." python3 "${kPcapDir}/make_rule_objects.py" "${work}/dcm" \
  || die "make_rule_objects.py failed"
for pair in q_mr:MR_small.dcm q_ct:CT_small.dcm; do
  cp "${src_dir}/${pair#*:}" "${work}/dcm/${pair%%:*}"
  dcmodify -q -nb -m "(0008,0018)=$(derived_uid "rules/${pair%%:*}")" "${work}/dcm/${pair%%:*}" \
    || die "dcmodify ${pair%%:*} failed"
done

# The manifest has a line per client run (a DCMTK tool, an nmap run, an s_client, a raw
# send): kind (dcmtk, nmap, openssl, raw), server address and port, log file, association
# index in it (or -), a JSON object of what the script asked for, and the run's start and end
# time: the oracle gives it the TCP connections to that server whose SYN falls in that window.
client_t0=0
client_t1=0
manifest() { # capture kind server-ip port log index json
  local name="$1"
  shift
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "${client_t0}" "${client_t1}" >>"${work}/${name}.manifest"
}

server_pid=()
serve() { # log port command...: starts a server in the background and waits for its port
  local logf="$1" port="$2"
  shift 2
  taskset -c 0 timeout "${kServerTimeout}" "$@" >"${work}/logs/${logf}" 2>&1 &
  server_pid+=($!)
  bg_pids+=($!)
  wait_listen "${port}" 30 || die "$1 on ${port} did not start: $(tail -n 5 "${work}/logs/${logf}")"
}

stop_servers() {
  local pid
  for pid in "${server_pid[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${server_pid[@]}"; do wait "${pid}" 2>/dev/null || true; done
  server_pid=()
}

client() { # log ok|fails|any command...: runs a client; "fails" = the scenario expects a non-zero exit
  local logf="$1" want="$2" rc=0
  shift 2
  client_t0="${EPOCHREALTIME}"
  pinned timeout "${kClientTimeout}" "$@" >"${work}/logs/${logf}" 2>&1 || rc=$?
  client_t1="${EPOCHREALTIME}"
  ((rc != 124)) || die "$1 timed out"
  [[ "${want}" == any || "${want}" == ok && ${rc} -eq 0 || "${want}" == fails && ${rc} -ne 0 ]] \
    || die "$1 exited ${rc}, expected ${want}; see its log: $(tail -n 5 "${work}/logs/${logf}")"
}

received_count() { find "${work}/received/$1" -type f | wc -l; }

start_orthanc() { # Orthanc checks the called AE title (row 1's SCP) and knows QR_SCU and MOVE_DEST
  mkdir -p "${work}/orthanc/db"
  cat >"${work}/orthanc/orthanc.json" <<EOF
{
  "Name": "dicomsentry-rules",
  "StorageDirectory": "${work}/orthanc/db",
  "IndexDirectory": "${work}/orthanc/db",
  "Plugins": [],
  "HttpServerEnabled": false,
  "RemoteAccessAllowed": false,
  "DicomServerEnabled": true,
  "DicomAet": "ORTHANC",
  "DicomPort": ${kPortDicom},
  "DicomCheckCalledAet": true,
  "DicomCheckModalityHost": false,
  "DicomAlwaysAllowEcho": true,
  "DicomAlwaysAllowStore": true,
  "DicomAlwaysAllowFind": false,
  "DicomModalities": {
    "qr_scu": { "AET": "QR_SCU", "Host": "${kHost}", "Port": ${kPortMoveDest}, "AllowFind": true }
  },
  "SaveJobs": false
}
EOF
  serve orthanc.log "${kPortDicom}" Orthanc --verbose --trace-dicom --no-jobs "${work}/orthanc/orthanc.json"
}

# ---- scenarios ---------------------------------------------------------------------------

# THREATS row 1: nmap's dicom-brute with 12 called AE titles (the last one right; nmap first
# tries ANY-SCP on its own, so the list avoids it and every refused title is distinct), then a
# loop of echoscu with 6 wrong called AE titles; Orthanc rejects every wrong one (reason 7).
readonly kBruteTitles=(PACS ARCHIVE STORESCP DCM4CHEE CONQUESTSRV1 AE_TITLE DCMQRSCP SERVER DICOM PACS1 ECHOSCP ORTHANC)
readonly kWrongTitles=(PACS_MAIN PACS_ARCHIVE RADIOLOGY CT_SCP MR_SCP QR_SCP)
scenario_brute_force() {
  local name=brute_force t i=0
  log "scenario ${name}"
  printf '%s\n' "${kBruteTitles[@]}" >"${work}/aets.txt"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortDicom}"
  # One nmap thread: its guesses then come one after another, each a TCP connection of its own.
  client brute.nmap.log ok nmap -n -Pn -sT -p "${kPortDicom}" --script dicom-brute \
    --script-args "passdb=${work}/aets.txt,brute.threads=1,brute.delay=0" -d2 "${kHost}"
  manifest "${name}" nmap "${kHost}" "${kPortDicom}" brute.nmap.log - '{"tool": "nmap dicom-brute", "acceptor": "Orthanc", "titles": "'"${kBruteTitles[*]}"'"}'
  for t in "${kWrongTitles[@]}"; do
    client "brute.echoscu.${i}.log" fails echoscu -d -aet ATTACKER -aec "${t}" "${kHost}" "${kPortDicom}"
    manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" "brute.echoscu.${i}.log" 0 "{\"called_ae\": \"${t}\"}"
    i=$((i + 1))
  done
  stop_capture "${work}/${name}.tcpdump.log"
  grep -q 'Called Application Entity Title:ORTHANC - Valid credentials' "${work}/logs/brute.nmap.log" \
    || die "${name}: nmap did not find ORTHANC: $(tail -n 20 "${work}/logs/brute.nmap.log")"
}

# THREATS row 4: a universal-match PATIENT query (harvesting) and a study query for one patient.
scenario_find_wildcard() {
  local name=find_wildcard pid
  log "scenario ${name}"
  client find.store.log ok storescu -aet QR_SCU -aec ORTHANC "${kHost}" "${kPortDicom}" "${work}/dcm/q_mr" "${work}/dcm/q_ct"
  pid="$(top_level_uid "${work}/dcm/q_mr" 0010,0020)"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortDicom}"
  client find.patient.log ok findscu -d -P -aet QR_SCU -aec ORTHANC -k QueryRetrieveLevel=PATIENT -k 'PatientName=*' \
    -k PatientID "${kHost}" "${kPortDicom}"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" find.patient.log 0 '{"level": "PATIENT", "PatientName": "*"}'
  client find.study.log ok findscu -d -S -aet QR_SCU -aec ORTHANC -k QueryRetrieveLevel=STUDY -k "PatientID=${pid}" \
    -k StudyInstanceUID -k StudyDate "${kHost}" "${kPortDicom}"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" find.study.log 0 "{\"level\": \"STUDY\", \"PatientID\": \"${pid}\"}"
  stop_capture "${work}/${name}.tcpdump.log"
}

# THREATS row 5: dcmqrscp answers a C-MOVE to an AE title missing from its HostTable with
# 0xA801 (Orthanc 1.10.1 says 0xC000, see README); a C-MOVE to MOVE_DEST works. dcmqrscp runs
# in its default forking mode: with -s (single process) 3.6.7 crashes after the first release.
scenario_move_unknown() {
  local name=move_unknown study
  log "scenario ${name}"
  mkdir -p "${work}/qrdb"
  cat >"${work}/dcmqrscp.cfg" <<EOF
NetworkTCPPort  = ${kPortDicom}
MaxPDUSize      = 16384
MaxAssociations = 16
HostTable BEGIN
move_dest = (MOVE_DEST, ${kHost}, ${kPortMoveDest})
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
DCMQRSCP ${work}/qrdb RW (10, 64mb) ANY
AETable END
EOF
  serve move.qrscp.log "${kPortDicom}" dcmqrscp -d -c "${work}/dcmqrscp.cfg"
  client move.store.log ok storescu -aet QR_SCU -aec DCMQRSCP "${kHost}" "${kPortDicom}" "${work}/dcm/q_mr" "${work}/dcm/q_ct"
  mkdir -p "${work}/received/move_dest"
  serve move_dest.scp.log "${kPortMoveDest}" storescp -d -aet MOVE_DEST -od "${work}/received/move_dest" "${kPortMoveDest}"
  study="$(top_level_uid "${work}/dcm/q_mr" 0020,000d)"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortDicom} or tcp port ${kPortMoveDest}"
  client move.unknown.log fails movescu -d -S -aet QR_SCU -aec DCMQRSCP -aem EXFIL_AE -k QueryRetrieveLevel=STUDY \
    -k "StudyInstanceUID=${study}" "${kHost}" "${kPortDicom}"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" move.unknown.log 0 '{"move_destination": "EXFIL_AE"}'
  client move.known.log ok movescu -d -S -aet QR_SCU -aec DCMQRSCP -aem MOVE_DEST -k QueryRetrieveLevel=STUDY \
    -k "StudyInstanceUID=${study}" "${kHost}" "${kPortDicom}"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" move.known.log 0 '{"move_destination": "MOVE_DEST"}'
  manifest "${name}" dcmtk "${kHost}" "${kPortMoveDest}" move_dest.scp.log 0 '{"sub_association_of": "MOVE_DEST"}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  (($(received_count move_dest) == 1)) || die "${name}: MOVE_DEST did not receive the MR instance"
}

# THREATS row 2: one client, eight addresses, one storescp listening on all of them; then
# nmap's dicom-ping (calling ECHOSCU, called ANY-SCP, Verification only) to three of them.
scenario_echo_sweep() {
  local name=echo_sweep i
  log "scenario ${name}"
  mkdir -p "${work}/received/sweep"
  serve sweep.scp.log "${kPortDicom}" storescp -d -aet STORESCP -od "${work}/received/sweep" "${kPortDicom}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortDicom}"
  for i in 2 3 4 5 6 7 8 9; do
    # Trace level: echoscu dumps its C-ECHO only there (DIMSE layer command dumps).
    client "sweep.echoscu.${i}.log" ok echoscu -ll trace -aet SWEEPER -aec STORESCP "127.0.0.${i}" "${kPortDicom}"
    manifest "${name}" dcmtk "127.0.0.${i}" "${kPortDicom}" "sweep.echoscu.${i}.log" 0 '{"called_ae": "STORESCP"}'
  done
  client sweep.nmap.log ok nmap -n -Pn -sT -p "${kPortDicom}" --script dicom-ping -d2 127.0.0.2 127.0.0.3 127.0.0.4
  for i in 2 3 4; do
    manifest "${name}" nmap "127.0.0.${i}" "${kPortDicom}" sweep.nmap.log - '{"tool": "nmap dicom-ping"}'
  done
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  [[ "$(grep -c 'dicom-ping:' "${work}/logs/sweep.nmap.log")" == 3 ]] || die "${name}: nmap did not report 3 hosts"
}

# THREATS row 8: user identity type 2 (passcode) and type 1 in clear, then type 2 over TLS.
scenario_passcode() {
  local name tls_opts
  log "scenario passcode_plain, passcode_tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "${work}/tls.key" -out "${work}/tls.crt" -days 2 \
    -subj /CN=dicomsentry-rules >/dev/null 2>&1 || die "openssl req failed"
  mkdir -p "${work}/received/pass" "${work}/received/pass_tls"
  name=passcode_plain
  serve pass.scp.log "${kPortDicom}" storescp -d -aet STORESCP -od "${work}/received/pass" "${kPortDicom}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortDicom}"
  client pass.password.log ok storescu -d -R -aet PASS_SCU -aec STORESCP --user u --password p "${kHost}" "${kPortDicom}" \
    "${work}/dcm/pdf_real.dcm"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" pass.password.log 0 '{"user": "u", "password": "p"}'
  client pass.user.log ok storescu -d -R -aet USER_SCU -aec STORESCP --user u "${kHost}" "${kPortDicom}" \
    "${work}/dcm/pdf_real.dcm"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" pass.user.log 0 '{"user": "u"}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  name=passcode_tls
  tls_opts=(+tls "${work}/tls.key" "${work}/tls.crt" -pw +cf "${work}/tls.crt")
  serve pass_tls.scp.log "${kPortTls}" storescp -d -aet TLS_SCP -od "${work}/received/pass_tls" "${tls_opts[@]}" "${kPortTls}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortTls}"
  client pass_tls.password.log ok storescu -d -R -aet PASS_TLS_SCU -aec TLS_SCP --user u --password p "${tls_opts[@]}" \
    "${kHost}" "${kPortTls}" "${work}/dcm/pdf_real.dcm"
  manifest "${name}" dcmtk "${kHost}" "${kPortTls}" pass_tls.password.log 0 '{"user": "u", "password": "p", "tls": true}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
}

# THREATS row 7: TLS 1.0, then TLS 1.2 with a NULL suite and with an anonymous suite, from
# openssl s_client to s_server on 2762 (OpenSSL 3.0 needs security level 0 for all three).
readonly kTlsCases=("-tls1|DEFAULT:@SECLEVEL=0" "-tls1_2|NULL-SHA256:@SECLEVEL=0" "-tls1_2|ADH-AES128-SHA:@SECLEVEL=0")
scenario_tls_legacy() {
  local name=tls_legacy i=0 spec
  log "scenario ${name}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortTls}"
  for spec in "${kTlsCases[@]}"; do
    # -www: a plain s_server reads stdin, finds it closed and drops the connection unanswered.
    serve "tls.server.${i}.log" "${kPortTls}" openssl s_server -accept "${kPortTls}" -naccept 1 -www -cert "${work}/tls.crt" \
      -key "${work}/tls.key" "${spec%%|*}" -cipher "${spec#*|}"
    # s_client's exit status says nothing about the handshake (1 on some clean closes): its
    # printed session is checked instead.
    client "tls.client.${i}.log" any openssl s_client -connect "${kHost}:${kPortTls}" "${spec%%|*}" -cipher "${spec#*|}" </dev/null
    grep -q '^New, .*, Cipher is [^(]' "${work}/logs/tls.client.${i}.log" || die "${name}: handshake ${i} failed"
    wait "${server_pid[0]}" || die "openssl s_server ${i} failed"
    server_pid=()
    manifest "${name}" openssl "${kHost}" "${kPortTls}" "tls.client.${i}.log" - "{\"options\": \"${spec%%|*} -cipher ${spec#*|}\"}"
    i=$((i + 1))
  done
  stop_capture "${work}/${name}.tcpdump.log"
}

# THREATS row 11: a PE header in an Encapsulated PDF, an ELF header in a private OB element
# (sent in implicit VR, so the rule is seen to match both encodings), and a real PDF.
scenario_exe_in_dataset() {
  local name=exe_in_dataset
  log "scenario ${name}"
  mkdir -p "${work}/received/exe"
  serve exe.scp.log "${kPortDicom}" storescp -d -aet STORESCP -od "${work}/received/exe" "${kPortDicom}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortDicom}"
  client exe.pe.log ok storescu -d -R -xe -aet DOC_SCU -aec STORESCP "${kHost}" "${kPortDicom}" "${work}/dcm/pdf_mz.dcm"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" exe.pe.log 0 '{"files": "pdf_mz.dcm"}'
  client exe.elf.log ok storescu -d -R -xi -aet RAW_SCU -aec STORESCP "${kHost}" "${kPortDicom}" "${work}/dcm/raw_elf.dcm"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" exe.elf.log 0 '{"files": "raw_elf.dcm"}'
  client exe.pdf.log ok storescu -d -R -xe -aet DOC_SCU -aec STORESCP "${kHost}" "${kPortDicom}" "${work}/dcm/pdf_real.dcm"
  manifest "${name}" dcmtk "${kHost}" "${kPortDicom}" exe.pdf.log 0 '{"files": "pdf_real.dcm"}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  (($(received_count exe) == 3)) || die "${name}: storescp did not store 3 objects"
}

# THREATS row 10: an HTTP request to a DICOM port and 256 random bytes to another; storescp
# listens on both and drops each connection as a bad PDU.
scenario_garbage() {
  local name=garbage_104
  log "scenario ${name}"
  mkdir -p "${work}/received/garbage"
  serve garbage.scp.log "${kPort104}" storescp -d -aet STORESCP -od "${work}/received/garbage" "${kPort104}"
  serve garbage2.scp.log "${kPortDicom}" storescp -d -aet STORESCP -od "${work}/received/garbage" "${kPortDicom}"
  printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1:104\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n' >"${work}/http.bin"
  head -c 256 /dev/urandom >"${work}/random.bin"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPort104} or tcp port ${kPortDicom}"
  client garbage.http.log ok nc -N -w 5 "${kHost}" "${kPort104}" <"${work}/http.bin"
  manifest "${name}" raw "${kHost}" "${kPort104}" http.bin - '{"sent": "an HTTP GET request", "acceptor_log": "garbage.scp.log"}'
  client garbage.random.log ok nc -N -w 5 "${kHost}" "${kPortDicom}" <"${work}/random.bin"
  manifest "${name}" raw "${kHost}" "${kPortDicom}" random.bin - '{"sent": "256 random bytes", "acceptor_log": "garbage2.scp.log"}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  cp "${work}/http.bin" "${work}/random.bin" "${work}/logs/"
}

readonly kScenarios=(brute_force find_wildcard move_unknown echo_sweep passcode_plain passcode_tls tls_legacy
  exe_in_dataset garbage_104)
start_orthanc
scenario_brute_force
scenario_find_wildcard
stop_servers
scenario_move_unknown
scenario_echo_sweep
scenario_passcode
scenario_tls_legacy
scenario_exe_in_dataset
scenario_garbage

# ---- oracle files -------------------------------------------------------------------------

if [[ -n "${DS_KEEP_LOGS:-}" ]]; then # for debugging the oracle: keep the peers' logs
  rm -rf "${DS_KEEP_LOGS}" && cp -r "${work}" "${DS_KEEP_LOGS}"
fi

for s in "${kScenarios[@]}"; do
  python3 "${kPcapDir}/make_rule_expected.py" --pcap "${work}/out/${s}.pcap" --manifest "${work}/${s}.manifest" \
    --logs "${work}/logs" --dcm-dir "${work}/dcm" --out "${work}/out/expected/${s}.json" \
    || die "oracle for ${s} failed"
  (($(stat -c %s "${work}/out/${s}.pcap") < 300000)) || die "${s}.pcap is over 300 KB"
done

mkdir -p "${kPcapDir}/expected"
for s in "${kScenarios[@]}"; do
  mv -f "${work}/out/${s}.pcap" "${kPcapDir}/${s}.pcap"
  mv -f "${work}/out/expected/${s}.json" "${kPcapDir}/expected/${s}.json"
done
log "done: ${kScenarios[*]}"
