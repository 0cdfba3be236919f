#!/usr/bin/env bash
# Regenerates the DICOM protocol captures (DCMTK tools and Orthanc on loopback) and their oracles from the peers' own debug logs.
#
# Usage: sudo bash pcaps/make_dicom_captures.sh
# Runs as root inside a private network namespace (see lib_capture.sh). Every peer logs at
# debug level (DCMTK `-d`; `-ll trace` where the DUL actions and the DIMSE layer's own
# command dumps are needed: the abort and user identity scenarios; Orthanc `--verbose
# --trace-dicom`); make_dicom_expected.py turns those logs into expected/*.json.
# Outputs are built in a temp dir and moved into pcaps/ only when every scenario and every
# check passed; the captures of make_captures.sh are not touched.
#
# dcm() prints space-free temp paths meant to be split into one argument per file:
# shellcheck disable=SC2046
set -euo pipefail

kPcapDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kScript="${kPcapDir}/$(basename "${BASH_SOURCE[0]}")"
readonly kPcapDir kScript
readonly kTag=make_dicom_captures
readonly kWholeRunTimeout=900
readonly kExtraTools=(Orthanc:orthanc openssl:openssl -:libdcmtk-dev) # dcuid.h: DCMTK's UID names
readonly kPortStore=11112  # storescp (plain) and the C-MOVE destination
readonly kPortOrthanc=4242 # Orthanc's customary DICOM port
readonly kPortMoveDest=11113
readonly kPortTls=2762 # DICOM's registered port for DICOM over TLS
readonly kServerTimeout=120
readonly kClientTimeout=30

# shellcheck source=lib_capture.sh
source "${kPcapDir}/lib_capture.sh"
enter_capture_netns "$@"

# ---- inside the namespace from here on ----------------------------------------------

work="$(mktemp -d)"
cleanup() { kill_bg; rm -rf "${work}"; }
trap cleanup EXIT
mkdir -p "${work}/dcm" "${work}/out/expected" "${work}/logs" "${work}/received"

# ---- sample DICOM objects -------------------------------------------------------------

src_dir="$(pydicom_test_files)"
: >"${work}/dcm/sources.tsv"
# Every instance gets a new SOP Instance UID: pydicom's variants of one image (MR_small in
# six transfer syntaxes) share one UID, and one association must not store a UID twice.
# dcmodify updates (0002,0003) from (0008,0018), so meta header and data set agree.
prepare() { # name source-file
  local name="$1" src="$2" dst="${work}/dcm/$1" uid
  uid="$(derived_uid "dicom/${name}")"
  cp "${src_dir}/${src}" "${dst}"
  dcmodify -q -nb -m "(0008,0018)=${uid}" "${dst}" || die "dcmodify ${name} failed"
  [[ "$(top_level_uid "${dst}" 0002,0003)" == "${uid}" ]] || die "meta UID of ${name} not updated"
  printf '%s\t%s\n' "${name}" "${src}" >>"${work}/dcm/sources.tsv"
}

# storescu_many: 28 instances, 8 SOP classes, 10 transfer syntaxes (names as DCMTK spells them).
readonly kManySet=(
  mr_le_1:MR_small.dcm mr_le_2:MR_small.dcm mr_le_3:MR_small.dcm
  mr_implicit_1:MR_small_implicit.dcm mr_implicit_2:MR_small_implicit.dcm
  mr_be_1:MR_small_bigendian.dcm mr_be_2:MR_small_expb.dcm
  mr_rle_1:MR_small_RLE.dcm mr_rle_2:MR_small_RLE.dcm
  mr_j2k_1:MR_small_jp2klossless.dcm mr_jls_1:MR_small_jpeg_ls_lossless.dcm
  ct_le_1:CT_small.dcm
  sc_jpeg_baseline_1:SC_rgb_jpeg_dcmtk.dcm sc_jpeg_baseline_2:SC_rgb_dcmtk_+eb+cy+np.dcm
  sc_jpeg_extended_1:JPEG-lossy.dcm sc_jpeg_lossless_1:SC_rgb_jpeg_gdcm.dcm
  sc_rle_1:SC_rgb_rle.dcm sc_rle_2:SC_rgb_rle_16bit.dcm
  sc_deflated_1:image_dfl.dcm sc_deflated_2:image_dfl.dcm sc_le_1:SC_rgb_small_odd.dcm
  rtplan_implicit_1:rtplan.dcm rtdose_implicit_1:rtdose_1frame.dcm rtdose_be_1:rtdose_expb_1frame.dcm
  sr_basic_1:reportsi.dcm sr_basic_2:reportsi.dcm sr_comprehensive_1:test-SR.dcm
  us_be_1:ExplVR_BigEnd.dcm
)
# Orthanc scenario: two MR images of one study (moved), one CT (fetched by C-GET), one RT plan.
readonly kOrthancSet=(q_mr_1:MR_small.dcm q_mr_2:MR_small.dcm q_ct_1:CT_small.dcm q_rtplan_1:rtplan.dcm)
readonly kSmallSet=(s_mr_1:MR_small.dcm s_sr_1:reportsi.dcm s_rtdose_1:rtdose_1frame.dcm)
for pair in "${kManySet[@]}" "${kOrthancSet[@]}" "${kSmallSet[@]}"; do prepare "${pair%%:*}" "${pair#*:}"; done
names() { local p; for p in "$@"; do printf '%s ' "${p%%:*}"; done; }
dcm() { local n; for n in "$@"; do printf '%s ' "${work}/dcm/${n%%:*}"; done; }

# One presentation context per (SOP class, transfer syntax) the files have, each with a
# single transfer syntax, so storescu sends every file as it is (no conversion) and the
# association carries ten transfer syntaxes. Three more contexts no file uses: Verification
# (accepted), a C-FIND model storescp does not serve (rejected: abstract syntax not
# supported) and HTJ2K, newer than DCMTK 3.6.7 (rejected: transfer syntaxes not supported).
cat >"${work}/storescu_many.cfg" <<'EOF'
[[TransferSyntaxes]]
[LEE]
TransferSyntax1 = LittleEndianExplicit
[LEI]
TransferSyntax1 = LittleEndianImplicit
[BEE]
TransferSyntax1 = BigEndianExplicit
[RLE]
TransferSyntax1 = RLELossless
[J2KLL]
TransferSyntax1 = JPEG2000LosslessOnly
[JLSLL]
TransferSyntax1 = JPEGLSLossless
[JPEGB]
TransferSyntax1 = JPEGBaseline
[JPEGE]
TransferSyntax1 = JPEGExtended:Process2+4
[JPEGLL]
TransferSyntax1 = JPEGLossless:Non-hierarchical-1stOrderPrediction
[DEFL]
TransferSyntax1 = DeflatedLittleEndianExplicit
[HTJ2K]
TransferSyntax1 = 1.2.840.10008.1.2.4.201
[[PresentationContexts]]
[Mixed]
PresentationContext1 = MRImageStorage\LEE
PresentationContext2 = MRImageStorage\LEI
PresentationContext3 = MRImageStorage\BEE
PresentationContext4 = MRImageStorage\RLE
PresentationContext5 = MRImageStorage\J2KLL
PresentationContext6 = MRImageStorage\JLSLL
PresentationContext7 = CTImageStorage\LEE
PresentationContext8 = SecondaryCaptureImageStorage\JPEGB
PresentationContext9 = SecondaryCaptureImageStorage\JPEGE
PresentationContext10 = SecondaryCaptureImageStorage\JPEGLL
PresentationContext11 = SecondaryCaptureImageStorage\RLE
PresentationContext12 = SecondaryCaptureImageStorage\DEFL
PresentationContext13 = SecondaryCaptureImageStorage\LEE
PresentationContext14 = RTPlanStorage\LEI
PresentationContext15 = RTDoseStorage\LEI
PresentationContext16 = RTDoseStorage\BEE
PresentationContext17 = BasicTextSRStorage\LEE
PresentationContext18 = ComprehensiveSRStorage\LEE
PresentationContext19 = UltrasoundImageStorage\BEE
PresentationContext20 = VerificationSOPClass\LEI
PresentationContext21 = FINDPatientRootQueryRetrieveInformationModel\LEI
PresentationContext22 = MRImageStorage\HTJ2K
[[Profiles]]
[Mixed]
PresentationContexts = Mixed
EOF

# ---- peers -------------------------------------------------------------------------------

# The manifest lists each association of a capture in the order of its TCP SYN: server
# port, requestor log and the association's index in it, acceptor log and index, and a
# JSON object of what the script asked for (checked against the logs, never the oracle).
manifest() { # capture port req-log req-idx acc-log acc-idx json
  local name="$1"
  shift
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"${work}/${name}.manifest"
}

server_pid=()
start_storescp() { # log port aetitle [extra storescp options...]
  local logf="$1" port="$2" aet="$3" out="${work}/received/$1"
  shift 3
  mkdir -p "${out}"
  # Not through a shell function: $! must be the process chain that exec's storescp.
  taskset -c 0 timeout "${kServerTimeout}" storescp "$@" -aet "${aet}" -od "${out}" "${port}" \
    >"${work}/logs/${logf}" 2>&1 &
  server_pid+=($!)
  bg_pids+=($!)
  wait_listen "${port}" || die "storescp on ${port} did not start"
}

stop_servers() {
  local pid
  for pid in "${server_pid[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${server_pid[@]}"; do wait "${pid}" 2>/dev/null || true; done
  server_pid=()
}

client() { # log ok|fails command...: runs a client; "fails" = the scenario expects a non-zero exit
  local logf="$1" want="$2" rc=0
  shift 2
  pinned timeout "${kClientTimeout}" "$@" >"${work}/logs/${logf}" 2>&1 || rc=$?
  ((rc != 124)) || die "$1 timed out"
  [[ "${want}" == ok && ${rc} -eq 0 || "${want}" == fails && ${rc} -ne 0 ]] \
    || die "$1 exited ${rc}, expected ${want}; see its log: $(tail -n 5 "${work}/logs/${logf}")"
}

received_count() { find "${work}/received/$1" -type f | wc -l; }

# ---- scenarios ---------------------------------------------------------------------------

scenario_storescu_many() {
  local name=storescu_many
  log "scenario ${name}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortStore}"
  start_storescp many.scp.log "${kPortStore}" STORESCP -d +xa
  client many.scu.log ok storescu -d -aet MIXED_SCU -aec STORESCP -xf "${work}/storescu_many.cfg" Mixed \
    "${kHost}" "${kPortStore}" $(dcm "${kManySet[@]}")
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  (($(received_count many.scp.log) == ${#kManySet[@]})) || die "${name}: storescp did not store every file"
  manifest "${name}" "${kPortStore}" many.scu.log 0 many.scp.log 0 \
    "{\"files\": \"$(names "${kManySet[@]}")\"}"
}

orthanc_pid=""
start_orthanc() {
  mkdir -p "${work}/orthanc/db"
  cat >"${work}/orthanc/orthanc.json" <<EOF
{
  "Name": "dicomsentry-capture",
  "StorageDirectory": "${work}/orthanc/db",
  "IndexDirectory": "${work}/orthanc/db",
  "Plugins": [],
  "HttpServerEnabled": false,
  "HttpPort": 8042,
  "RemoteAccessAllowed": false,
  "DicomServerEnabled": true,
  "DicomAet": "ORTHANC",
  "DicomPort": ${kPortOrthanc},
  "DicomCheckCalledAet": true,
  "DicomCheckModalityHost": false,
  "DicomAlwaysAllowEcho": true,
  "DicomAlwaysAllowStore": true,
  "DicomAlwaysAllowFind": false,
  "DicomAlwaysAllowMove": false,
  "DicomAlwaysAllowGet": false,
  "DicomModalities": {
    "qr_scu": { "AET": "QR_SCU", "Host": "${kHost}", "Port": ${kPortMoveDest},
                "AllowEcho": true, "AllowFind": true, "AllowMove": true, "AllowGet": true, "AllowStore": true },
    "move_dest": { "AET": "MOVE_DEST", "Host": "${kHost}", "Port": ${kPortMoveDest} }
  },
  "DicomScuTimeout": 10,
  "SaveJobs": false,
  "ConcurrentJobs": 1
}
EOF
  taskset -c 0 timeout "${kServerTimeout}" Orthanc --verbose --trace-dicom --no-jobs "${work}/orthanc/orthanc.json" \
    >"${work}/logs/orthanc.log" 2>&1 &
  orthanc_pid=$!
  bg_pids+=("${orthanc_pid}")
  wait_listen "${kPortOrthanc}" 30 || die "Orthanc did not start: $(tail -n 20 "${work}/logs/orthanc.log")"
}

# Orthanc with DicomCheckCalledAet refuses an association addressed to another AE title.
scenario_reject_called_ae() {
  local name=reject_called_ae
  log "scenario ${name}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortOrthanc}"
  client reject.echoscu.log fails echoscu -d -aet QR_SCU -aec NOT_ORTHANC "${kHost}" "${kPortOrthanc}"
  stop_capture "${work}/${name}.tcpdump.log"
  manifest "${name}" "${kPortOrthanc}" reject.echoscu.log 0 orthanc.log -1 '{"called_ae": "NOT_ORTHANC"}'
}

scenario_orthanc_find_move_get() {
  local name=orthanc_find_move_get mr_study ct_study
  log "scenario ${name}"
  mr_study="$(top_level_uid "${work}/dcm/q_mr_1" 0020,000d)"
  ct_study="$(top_level_uid "${work}/dcm/q_ct_1" 0020,000d)"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" \
    "tcp port ${kPortOrthanc} or tcp port ${kPortMoveDest}"
  start_storescp move_dest.scp.log "${kPortMoveDest}" MOVE_DEST -d
  client q.store.log ok storescu -d -aet QR_SCU -aec ORTHANC "${kHost}" "${kPortOrthanc}" $(dcm "${kOrthancSet[@]}")
  manifest "${name}" "${kPortOrthanc}" q.store.log 0 orthanc.log -1 "{\"files\": \"$(names "${kOrthancSet[@]}")\"}"
  client q.find_patient.log ok findscu -d -P -aet QR_SCU -aec ORTHANC -k QueryRetrieveLevel=PATIENT \
    -k 'PatientName=*' -k PatientID "${kHost}" "${kPortOrthanc}"
  manifest "${name}" "${kPortOrthanc}" q.find_patient.log 0 orthanc.log -1 '{"level": "PATIENT"}'
  client q.find_study.log ok findscu -d -S -aet QR_SCU -aec ORTHANC -k QueryRetrieveLevel=STUDY \
    -k 'PatientName=*' -k PatientID -k StudyInstanceUID -k StudyDate "${kHost}" "${kPortOrthanc}"
  manifest "${name}" "${kPortOrthanc}" q.find_study.log 0 orthanc.log -1 '{"level": "STUDY"}'
  client q.move.log ok movescu -d -S -aet QR_SCU -aec ORTHANC -aem MOVE_DEST -k QueryRetrieveLevel=STUDY \
    -k "StudyInstanceUID=${mr_study}" "${kHost}" "${kPortOrthanc}"
  manifest "${name}" "${kPortOrthanc}" q.move.log 0 orthanc.log -1 '{"move_destination": "MOVE_DEST"}'
  manifest "${name}" "${kPortMoveDest}" orthanc.log -1 move_dest.scp.log 0 '{"files": "q_mr_1 q_mr_2"}'
  # Orthanc does not know NOWHERE: the C-MOVE fails without a sub-association.
  client q.move_unknown.log fails movescu -d -S -aet QR_SCU -aec ORTHANC -aem NOWHERE -k QueryRetrieveLevel=STUDY \
    -k "StudyInstanceUID=${mr_study}" "${kHost}" "${kPortOrthanc}"
  manifest "${name}" "${kPortOrthanc}" q.move_unknown.log 0 orthanc.log -1 '{"move_destination": "NOWHERE"}'
  mkdir -p "${work}/received/get"
  client q.get.log ok getscu -d -S -aet QR_SCU -aec ORTHANC -od "${work}/received/get" -k QueryRetrieveLevel=STUDY \
    -k "StudyInstanceUID=${ct_study}" "${kHost}" "${kPortOrthanc}"
  manifest "${name}" "${kPortOrthanc}" q.get.log 0 orthanc.log -1 '{"files": "q_ct_1"}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
  (($(received_count move_dest.scp.log) == 2)) || die "${name}: the C-MOVE destination did not get 2 files"
  (($(received_count get) == 1)) || die "${name}: getscu did not get 1 file"
}

# Three A-ABORTs: requestor after a C-ECHO, requestor after two C-STOREs, acceptor during a C-STORE.
scenario_abort() {
  local name=abort
  log "scenario ${name}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortStore}"
  start_storescp abort.scp.log "${kPortStore}" STORESCP -ll trace
  client abort.echoscu.log ok echoscu -ll trace --abort -aet ECHO_ABORT -aec STORESCP "${kHost}" "${kPortStore}"
  manifest "${name}" "${kPortStore}" abort.echoscu.log 0 abort.scp.log 0 '{}'
  client abort.storescu.log ok storescu -ll trace -R --abort -aet STORE_ABORT -aec STORESCP "${kHost}" "${kPortStore}" \
    $(dcm s_mr_1 s_sr_1)
  manifest "${name}" "${kPortStore}" abort.storescu.log 0 abort.scp.log 1 '{"files": "s_mr_1 s_sr_1"}'
  stop_servers
  start_storescp abort_during.scp.log "${kPortStore}" STORESCP -ll trace --abort-during
  client abort_during.storescu.log fails storescu -ll trace -R -aet STORE_ABORTED -aec STORESCP "${kHost}" "${kPortStore}" \
    $(dcm s_mr_1)
  manifest "${name}" "${kPortStore}" abort_during.storescu.log 0 abort_during.scp.log 0 '{"files": "s_mr_1"}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
}

# User Identity Negotiation (PS3.7 D.3.3.7): username, username + passcode, and a positive
# response requested from storescp, which never sends one (so storescu aborts).
scenario_user_identity() {
  local name=user_identity
  log "scenario ${name}"
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortStore}"
  start_storescp uid.scp.log "${kPortStore}" STORESCP -ll trace
  client uid.user.log ok storescu -d -R -aet USER_SCU -aec STORESCP --user alice "${kHost}" "${kPortStore}" \
    $(dcm s_mr_1)
  manifest "${name}" "${kPortStore}" uid.user.log 0 uid.scp.log 0 '{"user": "alice", "files": "s_mr_1"}'
  client uid.password.log ok storescu -d -R -aet USER_PW_SCU -aec STORESCP --user bob --password s3cret \
    "${kHost}" "${kPortStore}" $(dcm s_sr_1)
  manifest "${name}" "${kPortStore}" uid.password.log 0 uid.scp.log 1 '{"user": "bob", "password": "s3cret", "files": "s_sr_1"}'
  client uid.pos_response.log fails storescu -d -R -aet USER_RSP_SCU -aec STORESCP --user carol --pos-response \
    "${kHost}" "${kPortStore}" $(dcm s_rtdose_1)
  manifest "${name}" "${kPortStore}" uid.pos_response.log 0 uid.scp.log 2 '{"user": "carol", "files": ""}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
}

scenario_tls() {
  local name=tls tls_opts
  log "scenario ${name}"
  # A throwaway self-signed key and certificate, used by both peers and trusted by both.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "${work}/tls.key" -out "${work}/tls.crt" -days 2 \
    -subj /CN=dicomsentry-capture >/dev/null 2>&1 || die "openssl req failed"
  tls_opts=(+tls "${work}/tls.key" "${work}/tls.crt" -pw +cf "${work}/tls.crt")
  start_capture "${work}/out/${name}.pcap" "${work}/${name}.tcpdump.log" "tcp port ${kPortTls}"
  start_storescp tls.scp.log "${kPortTls}" TLS_SCP -d "${tls_opts[@]}"
  client tls.scu.log ok storescu -d -R -aet TLS_SCU -aec TLS_SCP "${tls_opts[@]}" "${kHost}" "${kPortTls}" \
    $(dcm s_mr_1 s_sr_1)
  manifest "${name}" "${kPortTls}" tls.scu.log 0 tls.scp.log 0 '{"files": "s_mr_1 s_sr_1", "tls": true}'
  stop_servers
  stop_capture "${work}/${name}.tcpdump.log"
}

readonly kScenarios=(storescu_many reject_called_ae orthanc_find_move_get abort user_identity tls)
scenario_storescu_many
start_orthanc
scenario_reject_called_ae
scenario_orthanc_find_move_get
kill -TERM "${orthanc_pid}"
wait "${orthanc_pid}" || true
scenario_abort
scenario_user_identity
scenario_tls

# ---- oracle files -------------------------------------------------------------------------

for s in "${kScenarios[@]}"; do
  python3 "${kPcapDir}/make_dicom_expected.py" --pcap "${work}/out/${s}.pcap" --manifest "${work}/${s}.manifest" \
    --logs "${work}/logs" --dcm-dir "${work}/dcm" --out "${work}/out/expected/${s}.json" \
    || die "oracle for ${s} failed"
done
if [[ -n "${DS_KEEP_LOGS:-}" ]]; then # for debugging the oracle: keep the peers' logs
  rm -rf "${DS_KEEP_LOGS}" && cp -r "${work}" "${DS_KEEP_LOGS}"
fi

mkdir -p "${kPcapDir}/expected"
for s in "${kScenarios[@]}"; do
  mv -f "${work}/out/${s}.pcap" "${kPcapDir}/${s}.pcap"
  mv -f "${work}/out/expected/${s}.json" "${kPcapDir}/expected/${s}.json"
done
log "done: ${kScenarios[*]}"
