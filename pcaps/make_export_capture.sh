#!/usr/bin/env bash
# Makes the --export-objects test objects (tests/data/export/*.dcm, our own) and the capture of storescu sending them unconverted.
#
# Usage: sudo bash pcaps/make_export_capture.sh
# Writes four small DICOM files from text dumps with dump2dcm (deterministic: same bytes
# every run), sends them with storescu to storescp on loopback port 11112 while tcpdump
# records pcaps/export_store.pcap, and checks that storescp received every data set byte
# for byte as it is in the file it was sent from (what the export test compares against).
# Same namespace, MTU, offload, CPU pinning and tcpdump settings as make_dicom_captures.sh
# (lib_capture.sh). Outputs are moved into place only when every check passed.
set -euo pipefail

kPcapDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kScript="${kPcapDir}/$(basename "${BASH_SOURCE[0]}")"
readonly kPcapDir kScript
readonly kDataDir="${kPcapDir}/../tests/data/export"
readonly kTag=make_export_capture
readonly kWholeRunTimeout=300
readonly kExtraTools=(dump2dcm:dcmtk)
readonly kPortStore=11112
readonly kServerTimeout=60
readonly kClientTimeout=30

# shellcheck source=lib_capture.sh
source "${kPcapDir}/lib_capture.sh"
enter_capture_netns "$@"

# ---- inside the namespace from here on ----------------------------------------------

work="$(mktemp -d)"
cleanup() { kill_bg; rm -rf "${work}"; }
trap cleanup EXIT
mkdir -p "${work}/dcm" "${work}/raw" "${work}/received" "${work}/logs"

# ---- the objects ------------------------------------------------------------------------

# Sent in this order; the CT (the largest, 32 KB of pixels: more than one 16 KB P-DATA PDU)
# goes second so that the export tests have objects before and after it.
readonly kFiles=(mr_explicit ct_implicit sc_explicit pdf_explicit)
study_uid="$(derived_uid export/study)"
frame_uid="$(derived_uid export/frame-of-reference)"
uid() { derived_uid "export/$1"; }

# Pixel data and the PDF, generated so that every run gives the same bytes.
python3 - "${work}/raw" <<'EOF'
import struct, sys
out = sys.argv[1]
def pixels16(name, size, a, b):  # 12 bits stored in 16, a ramp that never repeats a row
    with open(f"{out}/{name}", "wb") as f:
        f.write(b"".join(struct.pack("<H", (x * a + y * b + x * y) & 0x0FFF)
                         for y in range(size) for x in range(size)))
pixels16("mr.raw", 64, 37, 101)
pixels16("ct.raw", 128, 13, 211)
with open(f"{out}/sc.raw", "wb") as f:  # 32x32 RGB, interleaved
    f.write(bytes(v for y in range(32) for x in range(32)
                  for v in ((x * 8) & 0xFF, (y * 8) & 0xFF, ((x + y) * 4) & 0xFF)))
# A one-page PDF with correct xref offsets.
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>",
    None,
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
text = b"BT /F1 14 Tf 20 50 Td (dicomsentry export test document) Tj ET"
objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)
pdf = bytearray(b"%PDF-1.4\n")
offsets = []
for i, body in enumerate(objects, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n%s\nendobj\n" % (i, body)
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for o in offsets:
    pdf += b"%010d 00000 n \n" % o
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
with open(f"{out}/doc.pdf.len", "w") as f:
    f.write(str(len(pdf)))
if len(pdf) % 2:
    pdf += b"\n"  # OB values have even length (PS3.5 7.1.1)
with open(f"{out}/doc.pdf", "wb") as f:
    f.write(pdf)
EOF

# Attributes every object has (General Patient/Study/Series/Equipment, SOP Common).
common_dump() { # name modality series-number
  cat <<EOF
(0008,0005) CS [ISO_IR 100]
(0008,0016) UI =$4
(0008,0018) UI [$(uid "$1")]
(0008,0020) DA [20260101]
(0008,0030) TM [120000]
(0008,0050) SH [DSX0001]
(0008,0060) CS [$2]
(0008,0070) LO [dicomsentry]
(0008,0090) PN (no value available)
(0010,0010) PN [DICOMSENTRY^EXPORT]
(0010,0020) LO [DS-EXPORT-1]
(0010,0030) DA [19700101]
(0010,0040) CS [O]
(0020,000d) UI [${study_uid}]
(0020,000e) UI [$(uid "$1/series")]
(0020,0010) SH [DSX1]
(0020,0011) IS [$3]
(0020,0013) IS [1]
EOF
}

image_dump() { # rows photometric samples bits-allocated bits-stored pixel-vr pixel-file
  cat <<EOF
(0020,0052) UI [${frame_uid}]
(0028,0002) US $3
(0028,0004) CS [$2]
(0028,0010) US $1
(0028,0011) US $1
(0028,0100) US $4
(0028,0101) US $5
(0028,0102) US $(($5 - 1))
(0028,0103) US 0
(7fe0,0010) $6 =$7
EOF
  if (($3 > 1)); then echo "(0028,0006) US 0"; fi
}

{
  common_dump mr_explicit MR 1 MRImageStorage
  cat <<EOF
(0008,0008) CS [ORIGINAL\\PRIMARY\\OTHER]
(0018,0020) CS [SE]
(0018,0021) CS [NONE]
(0018,0022) CS (no value available)
(0018,0023) CS [2D]
(0018,0050) DS [5]
(0018,0080) DS [500]
(0018,0081) DS [20]
(0018,0087) DS [1.5]
(0018,0091) IS [1]
(0020,0032) DS [0\\0\\0]
(0020,0037) DS [1\\0\\0\\0\\1\\0]
(0028,0030) DS [1\\1]
EOF
  image_dump 64 MONOCHROME2 1 16 12 OW "${work}/raw/mr.raw"
} >"${work}/mr_explicit.dump"

{
  common_dump ct_implicit CT 2 CTImageStorage
  cat <<EOF
(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]
(0018,0050) DS [2.5]
(0018,0060) DS [120]
(0020,0032) DS [-64\\-64\\0]
(0020,0037) DS [1\\0\\0\\0\\1\\0]
(0028,0030) DS [1\\1]
(0028,1050) DS [40]
(0028,1051) DS [400]
(0028,1052) DS [-1024]
(0028,1053) DS [1]
EOF
  image_dump 128 MONOCHROME2 1 16 12 OW "${work}/raw/ct.raw"
} >"${work}/ct_implicit.dump"

# The Secondary Capture references the MR, so one object has a sequence with items.
{
  common_dump sc_explicit OT 3 SecondaryCaptureImageStorage
  cat <<EOF
(0008,0064) CS [WSD]
(0008,2111) ST [Synthetic test pattern for dicomsentry's object export tests]
(0008,1140) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=2)
    (0008,1150) UI =MRImageStorage
    (0008,1155) UI [$(uid mr_explicit)]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)
EOF
  image_dump 32 RGB 3 8 8 OB "${work}/raw/sc.raw"
} >"${work}/sc_explicit.dump"

{
  common_dump pdf_explicit DOC 4 EncapsulatedPDFStorage
  cat <<EOF
(0008,0023) DA [20260101]
(0008,0033) TM [120000]
(0008,0064) CS [WSD]
(0028,0301) CS [NO]
(0040,a043) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=3)
    (0008,0100) SH [18748-4]
    (0008,0102) SH [LN]
    (0008,0104) LO [Diagnostic imaging report]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)
(0040,a493) CS [EXPLICIT]
(0042,0010) ST [dicomsentry export test document]
(0042,0011) OB =${work}/raw/doc.pdf
(0042,0012) LO [application/pdf]
(0042,0015) UL $(cat "${work}/raw/doc.pdf.len")
EOF
} >"${work}/pdf_explicit.dump"

for f in "${kFiles[@]}"; do
  xfer=+te
  [[ "${f}" == *_implicit ]] && xfer=+ti
  dump2dcm -q "${xfer}" "${work}/${f}.dump" "${work}/dcm/${f}.dcm" || die "dump2dcm ${f} failed"
  [[ "$(top_level_uid "${work}/dcm/${f}.dcm" 0002,0003)" == "$(uid "${f}")" ]] || die "${f}: meta UID"
done

# ---- the capture ------------------------------------------------------------------------

# One presentation context per file, offering only that file's transfer syntax: storescu
# then sends each data set as it is in the file (no conversion), and nothing else is proposed.
cat >"${work}/storescu.cfg" <<'EOF'
[[TransferSyntaxes]]
[LEE]
TransferSyntax1 = LittleEndianExplicit
[LEI]
TransferSyntax1 = LittleEndianImplicit
[[PresentationContexts]]
[Export]
PresentationContext1 = MRImageStorage\LEE
PresentationContext2 = CTImageStorage\LEI
PresentationContext3 = SecondaryCaptureImageStorage\LEE
PresentationContext4 = EncapsulatedPDFStorage\LEE
[[Profiles]]
[Export]
PresentationContexts = Export
EOF

log "capture export_store"
start_capture "${work}/export_store.pcap" "${work}/tcpdump.log" "tcp port ${kPortStore}"
# Not through pinned(): $! must be the process chain that exec's storescp.
taskset -c 0 timeout "${kServerTimeout}" storescp -d -aet STORESCP -od "${work}/received" "${kPortStore}" \
  >"${work}/logs/storescp.log" 2>&1 &
scp_pid=$!
bg_pids+=("${scp_pid}")
wait_listen "${kPortStore}" || die "storescp did not start"
sent=()
for f in "${kFiles[@]}"; do sent+=("${work}/dcm/${f}.dcm"); done
rc=0
pinned timeout "${kClientTimeout}" storescu -d -aet EXPORT_SCU -aec STORESCP -xf "${work}/storescu.cfg" Export \
  "${kHost}" "${kPortStore}" "${sent[@]}" >"${work}/logs/storescu.log" 2>&1 || rc=$?
((rc == 0)) || die "storescu exited ${rc}: $(tail -n 5 "${work}/logs/storescu.log")"
kill -TERM "${scp_pid}" 2>/dev/null || true
wait "${scp_pid}" 2>/dev/null || true
stop_capture "${work}/tcpdump.log"

# ---- checks -------------------------------------------------------------------------------

# storescp stored what it received in the transfer syntax it received: each data set must be
# byte for byte the sent file's data set (the bytes after its meta group), else storescu
# converted something and the export test's byte comparison would not hold.
python3 - "${work}/dcm" "${work}/received" "${kFiles[@]}" <<'PYEOF' || die "received objects differ from the sent ones"
import os, struct, sys
sent_dir, received_dir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def data_set(path):
    raw = open(path, "rb").read()
    assert raw[128:132] == b"DICM", path
    assert raw[132:140] == b"\x02\x00\x00\x00UL\x04\x00", path  # (0002,0000) UL, 4 bytes
    return raw[144 + struct.unpack("<I", raw[140:144])[0]:]
received = {}
for f in os.listdir(received_dir):
    received[data_set(os.path.join(received_dir, f))] = f
if len(received) != len(names):
    sys.exit(f"storescp stored {len(received)} distinct objects, {len(names)} were sent")
for n in names:
    body = data_set(os.path.join(sent_dir, n + ".dcm"))
    if body not in received:
        sys.exit(f"{n}: no received data set equals the sent one")
    print(f"{n}: {len(body)} data set bytes received unchanged as {received[body]}", file=sys.stderr)
PYEOF
[[ "$(tshark -r "${work}/export_store.pcap" -Y tcp.analysis.flags | wc -l)" == 0 ]] \
  || die "capture has tcp.analysis.flags frames"
[[ "$(tshark -r "${work}/export_store.pcap" -Y 'frame.len > 1514' | wc -l)" == 0 ]] \
  || die "capture has frames over 1514 bytes"

mkdir -p "${kDataDir}"
for f in "${kFiles[@]}"; do mv -f "${work}/dcm/${f}.dcm" "${kDataDir}/${f}.dcm"; done
mv -f "${work}/export_store.pcap" "${kPcapDir}/export_store.pcap"
log "done: export_store.pcap ($(stat -c %s "${kPcapDir}/export_store.pcap") bytes), objects in tests/data/export"
