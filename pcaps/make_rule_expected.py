#!/usr/bin/env python3
"""Writes the oracle JSON of one rule capture (make_rule_captures.sh) from the peers' own logs (stdlib only).

The format is make_dicom_expected.py's, extended: every TCP connection of the capture is in
`connections` (in SYN order), each with its `kind`:
  dicom    a DCMTK tool's association: the same fields as make_dicom_expected.py's
           `associations[]`, from that tool's log (one end only: the requestor's, or for the
           C-MOVE sub-association the acceptor's), checked against Wireshark's dissector
  nmap     a connection nmap made: its port-scan connect (no payload) or an NSE probe, whose
           A-ASSOCIATE-RQ/-AC/-RJ are Wireshark's reading (nmap logs no PDU fields), checked
           against the acceptor's log where the acceptor is Orthanc (it logs each refused title)
  tls      an openssl s_client handshake: protocol and cipher as s_client printed them, checked
           against the ServerHello as Wireshark read it (and its IANA name)
  raw      bytes sent by nc: their SHA-256 must be the client's stream; what the SCP logged
`summary` lists, per association, the facts the default rules rest on.
"""
import argparse
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the captures
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dicom_logs  # noqa: E402
import dicom_orthanc  # noqa: E402
import dicom_tshark  # noqa: E402
import make_dicom_expected as mde  # noqa: E402
import make_expected  # noqa: E402

# conversation() and the PDU walk both follow every stream: once is enough.
make_expected.follow_raw = functools.lru_cache(maxsize=None)(make_expected.follow_raw)

kTlsVersions = {"TLSv1": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}


def fail(msg):
    sys.exit(f"make_rule_expected: {msg}")


def iana_names():
    """{OpenSSL cipher name: IANA name} from openssl itself."""
    out = subprocess.run(["openssl", "ciphers", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return {m.group(2): m.group(1) for m in re.finditer(r"^(\S+)\s+-\s+(\S+)\s", out, re.M)}


def value_offset(data_set, tag):
    """Offset in the data set (the bytes after the file meta group) where the value of a
    top-level element starts, in explicit VR little endian (the files are written so)."""
    group, element = tag
    needle = group.to_bytes(2, "little") + element.to_bytes(2, "little")
    pos = data_set.find(needle)
    if pos < 0:
        fail(f"element {tag} not found")
    vr = data_set[pos + 4:pos + 6]
    return pos + (12 if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT", b"UC", b"UR", b"OD", b"OF", b"OL") else 8), vr


def instance_facts(path):
    """SOP class/instance, sizes and where an executable header starts, checked with dcmdump."""
    with open(path, "rb") as f:
        raw = f.read()
    meta_len = int.from_bytes(raw[140:144], "little")  # (0002,0000) UL value: preamble 128 + DICM 4 + 8
    data_set = raw[144 + meta_len:]
    facts = {"file": os.path.basename(path), "file_size": len(raw), "data_set_size_explicit_le": len(data_set),
             "sop_class_uid": mde.top_level_uid(path, "0008,0016"),
             "sop_instance_uid": mde.top_level_uid(path, "0008,0018")}
    dump = subprocess.run(["dcmdump", "-q", "+L", path], check=True, stdout=subprocess.PIPE).stdout.decode("latin-1")
    for tag, keyword in (((0x0042, 0x0011), "EncapsulatedDocument"), ((0x0009, 0x1001), "private OB")):
        line = next((x for x in dump.splitlines() if x.startswith(f"({tag[0]:04x},{tag[1]:04x})")), None)
        if line is None:
            continue
        offset, vr = value_offset(data_set, tag)
        head = data_set[offset:offset + 4]
        shown = re.search(r"OB ([0-9a-f\\]+)", line).group(1).split("\\")[:4]
        if bytes(int(b, 16) for b in shown) != head:
            fail(f"{path}: dcmdump shows {shown} at ({tag[0]:04x},{tag[1]:04x}), the file has {head.hex()}")
        kind = "PE (MZ)" if head.startswith(b"MZ") else "ELF" if head == b"\x7fELF" else "none"
        facts.setdefault("values", []).append({
            "tag": f"({tag[0]:04x},{tag[1]:04x})", "keyword": keyword, "vr": vr.decode(),
            "value_offset_in_explicit_le_data_set": offset, "first_bytes_hex": data_set[offset:offset + 8].hex(),
            "executable_header": kind, "dcmdump": line.split("#")[0].strip()[:60]})
    mime = re.search(r"^\(0042,0012\) LO \[([^\]]*)\]", dump, re.M)
    if mime:
        facts["mime_type"] = mime.group(1)
    return facts


def dicom_record(conv, log_path, index, uids, dissected, hellos, asked, dcm_dir, notes):
    assoc = dicom_logs.parse_dcmtk_log(log_path, uids)["associations"][index]
    req, acc = (assoc, None) if assoc["role"] == "requestor" else (None, assoc)
    rec = {"tcp": conv, "kind": "dicom", "logged_by": f"{assoc['tool']} as {assoc['role']}",
           "log": f"{os.path.basename(log_path)}#{index}"}
    rec.update(mde.negotiation(req, acc))
    rec["dimse"] = mde.dimse_messages(req, acc, rec["presentation_contexts"], notes)
    rec["outcome"] = mde.outcome(req, acc)
    counts = {}
    for m in rec["dimse"]:
        counts[m["command"]] = counts.get(m["command"], 0) + 1
    rec["dimse_counts"] = dict(sorted(counts.items()))
    files = asked.get("files", "").split()
    rec["instances"] = [instance_facts(os.path.join(dcm_dir, n)) for n in files]
    stored = sorted(m["affected_sop_instance_uid"] for m in rec["dimse"] if m["command"] == "C-STORE-RQ")
    if files and sorted(i["sop_instance_uid"] for i in rec["instances"]) != stored:
        fail(f"stream {conv['tshark_stream']}: C-STORE-RQs {stored} are not the files {files}")
    ident = rec["user_identity"]
    if (ident or {}).get("primary_field") != asked.get("user"):
        fail(f"stream {conv['tshark_stream']}: user identity {ident} is not the one asked for")
    if "called_ae" in asked and asked["called_ae"] != rec["called_ae"]:
        fail(f"stream {conv['tshark_stream']}: called AE {rec['called_ae']} is not {asked['called_ae']}")
    if "tls" in rec:
        hello = hellos.get(conv["tshark_stream"])
        if hello is None or kTlsVersions.get(rec["tls"]["protocol"], rec["tls"]["protocol"]) != hello["version"]:
            fail(f"Wireshark read ServerHello {hello}, DCMTK logged {rec['tls']}")
        rec["tls"]["server_hello_from_dissector"] = hello
        notes.append("TLS: the DICOM PDUs are encrypted; the peer's log is the only record of them")
    else:
        mde.compare_dissector(rec, dissected.get(conv["tshark_stream"]), notes)
    return rec


def orthanc_associations(events, t0, t1):
    """The associations Orthanc logged between two epoch times, in the order it handled them
    (its acceptor takes one at a time, in the order the connections were queued), without
    the empty-AET entries a TCP connect with no PDU leaves."""
    def local(t):
        lt = time.localtime(t)
        return lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec + t % 1
    out = []
    for t, text in events:
        if not local(t0) - 0.01 <= t <= local(t1) + 0.01:
            continue
        if m := re.search(r"Association Received from AET (\S*) on IP", text):
            out.append({"calling_ae": m.group(1), "logged": [text]})
        elif out and (m := re.search(r"Rejected association, because of a bad called AET in the request \((.*)\)",
                                     text)):
            out[-1]["rejected_called_ae"] = m.group(1)
            out[-1]["logged"].append(text)
    return [a for a in out if a["calling_ae"]]


def nmap_record(conv, run, dissected, seen, notes):
    rec = {"tcp": conv, "kind": "nmap", "tool": run["tool"], "nse_script": run["script"]}
    if conv["toserver"]["payload_bytes"] == 0:
        rec["what"] = "port scan connect (-sT): TCP handshake and close, no payload"
        return rec
    view = dissected.get(conv["tshark_stream"]) or {}
    rq, ac = view.get("assoc_rq"), view.get("assoc_ac")
    if rq is None:
        fail(f"stream {conv['tshark_stream']}: nmap sent bytes Wireshark does not read as an A-ASSOCIATE-RQ")
    rec["what"] = "NSE probe: A-ASSOCIATE-RQ"
    rec.update({"calling_ae": rq["calling_ae"], "called_ae": rq["called_ae"],
                "requestor_implementation_class_uid": rq["implementation_class_uid"],
                "requestor_implementation_version_name": rq["implementation_version_name"],
                "requestor_max_pdu_length": rq["max_pdu_length"], "user_identity": rq["user_identity"],
                "proposed_abstract_syntaxes": [c["abstract_syntax"] for c in rq["contexts"]],
                "fields_from": "Wireshark's DICOM dissector (nmap logs no PDU fields)"})
    if "reject" in view:
        rec["outcome"] = {"kind": "rejected", **view["reject"]}
    elif ac is not None:
        rec["outcome"] = {"kind": "accepted", "responding_ae": ac["called_ae"],
                          "then": "closed by nmap without P-DATA" if not view["commands"] else "P-DATA"}
    else:
        rec["outcome"] = {"kind": "no answer"}
    rec["pdus"] = [{"from": "requestor" if port == conv["client"]["port"] else "acceptor", "type": t}
                   for port, t in view["pdus"]]
    if seen is not None:
        if seen["calling_ae"] != rec["calling_ae"] or (rec["outcome"]["kind"] == "rejected") != (
                "rejected_called_ae" in seen) or seen.get("rejected_called_ae", rec["called_ae"]) != rec["called_ae"]:
            fail(f"stream {conv['tshark_stream']}: Orthanc logged {seen}, the dissector read {rec}")
        rec["orthanc_logged"] = seen
    else:
        notes.append("the acceptor (storescp) was not cross-checked for this probe")
    return rec


def tls_record(conv, log_path, hellos, iana):
    text = open(log_path, "rb").read().decode("latin-1")
    protocol = re.search(r"^\s*Protocol\s*: (\S+)", text, re.M).group(1)
    cipher = re.search(r"^\s*Cipher\s*: (\S+)", text, re.M).group(1)
    hello = hellos.get(conv["tshark_stream"])
    if hello is None or hello["version"] != kTlsVersions[protocol] or hello["cipher_suite"] != iana.get(cipher):
        fail(f"stream {conv['tshark_stream']}: s_client printed {protocol} {cipher}, Wireshark read {hello}")
    return {"tcp": conv, "kind": "tls", "client": "openssl s_client", "server": "openssl s_server -www",
            "log": os.path.basename(log_path),
            "s_client_printed": {"protocol": protocol, "cipher": cipher, "cipher_iana": iana[cipher]},
            "server_hello_from_dissector": hello}


def raw_record(conv, sent_path, acc_log):
    sent = open(sent_path, "rb").read()
    if hashlib.sha256(sent).hexdigest() != conv["toserver"]["stream_sha256"]:
        fail(f"stream {conv['tshark_stream']}: the client's stream is not the bytes sent")
    logged = [line for line in open(acc_log, "rb").read().decode("latin-1").splitlines() if line[:2] in ("E:", "F:")]
    return {"tcp": conv, "kind": "raw", "client": "nc (netcat-openbsd)", "sent_bytes": len(sent),
            "sent_sha256": hashlib.sha256(sent).hexdigest(), "sent_head": sent[:16].hex(),
            "acceptor": "storescp", "acceptor_logged": logged}


def summary_row(rec):
    row = {"stream": rec["tcp"]["tshark_stream"], "kind": rec["kind"], "client": rec["tcp"]["client"]["ip"],
           "server": f"{rec['tcp']['server']['ip']}:{rec['tcp']['server']['port']}"}
    if rec["kind"] == "tls":
        row.update(rec["s_client_printed"])
        return row
    if rec["kind"] == "raw":
        row["sent_bytes"] = rec["sent_bytes"]
        return row
    if "calling_ae" not in rec:
        row["what"] = rec["what"]
        return row
    row.update({"calling_ae": rec["calling_ae"], "called_ae": rec["called_ae"],
                "implementation_version_name": rec["requestor_implementation_version_name"],
                "user_identity_type": (rec["user_identity"] or {}).get("type")})
    out = rec["outcome"]
    row["outcome"] = out["kind"]
    if out["kind"] == "rejected":
        row["reject_reason"] = out["reason"]
    if rec["kind"] == "dicom":
        row["commands"] = [m["command"] for m in rec["dimse"] if m["command"].endswith("RQ")]
        row["statuses"] = [m["status"] for m in rec["dimse"] if m.get("status") is not None]
        row["move_destinations"] = [m["move_destination"] for m in rec["dimse"] if m.get("move_destination")]
    return row


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--pcap", "--manifest", "--logs", "--dcm-dir", "--out"):
        ap.add_argument(flag, required=True)
    args = ap.parse_args()
    uids = dicom_logs.Uids()

    rows = make_expected.frame_rows(args.pcap)
    if any(r["len"] != r["cap_len"] or r["len"] > 1514 for r in rows):
        fail("a frame was truncated or is over 1514 bytes")
    retrans = make_expected.frames_matching(args.pcap, "tcp.analysis.retransmission")
    flagged = make_expected.frames_matching(args.pcap, "tcp.analysis.flags")
    by_stream = {}
    for r in rows:
        by_stream.setdefault(r["stream"], []).append(r)
    convs = [make_expected.conversation(args.pcap, s, rs, retrans)
             for s, rs in sorted(by_stream.items(), key=lambda kv: kv[1][0]["frame"])]
    for c in convs:
        for direction in ("toserver", "toclient"):
            stream = make_expected.follow_raw(args.pcap, c["tshark_stream"])[make_expected.endpoint_text(
                c["client" if direction == "toserver" else "server"]["ip"],
                c["client" if direction == "toserver" else "server"]["port"])]
            c[direction]["pdu_types_run_length"] = mde.pdu_runs(stream)
    lines = [line.rstrip("\n").split("\t") for line in open(args.manifest)]
    ports = sorted({int(line[2]) for line in lines} - {2762})
    dissected = dicom_tshark.dissector_view(args.pcap, ports)
    hellos = dicom_tshark.tls_server_hello(args.pcap)
    orthanc_path = os.path.join(args.logs, "orthanc.log")
    orthanc = dicom_orthanc.orthanc_events(orthanc_path)
    iana = iana_names()

    claimed, records = {}, []
    for kind, ip, port, log_name, index, asked, t0, t1 in lines:
        asked = json.loads(asked)
        mine = [c for c in convs if id(c) not in claimed and c["server"] == {"ip": ip, "port": int(port)}
                and float(t0) - 0.01 <= float(c["first_time_epoch"]) <= float(t1) + 0.01]
        if not mine or kind != "nmap" and len(mine) != 1 and not asked.get("sub_association_of"):
            fail(f"{log_name}: {len(mine)} TCP connections to {ip}:{port} in its window")
        mine = mine if kind == "nmap" else mine[:1]
        log_path = os.path.join(args.logs, log_name)
        handled = orthanc_associations(orthanc, float(t0), float(t1)) if asked.get("acceptor") == "Orthanc" else []
        for c in mine:
            claimed[id(c)] = True
            notes = []
            if kind == "dcmtk":
                rec = dicom_record(c, log_path, int(index), uids, dissected, hellos, asked, args.dcm_dir, notes)
            elif kind == "nmap":
                text = open(log_path, "rb").read().decode("latin-1")
                run = {"tool": re.search(r"Starting (Nmap \S+)", text).group(1), "script": asked["tool"]}
                seen = None
                if asked.get("acceptor") == "Orthanc" and c["toserver"]["payload_bytes"]:
                    if not handled:
                        fail(f"stream {c['tshark_stream']}: Orthanc logged fewer associations than nmap made")
                    seen = handled.pop(0)
                rec = nmap_record(c, run, dissected, seen, notes)
                rec["nmap_reported"] = [x for x in text.splitlines() if x.startswith("|")]
            elif kind == "openssl":
                rec = tls_record(c, log_path, hellos, iana)
            elif kind == "raw":
                rec = raw_record(c, log_path, os.path.join(args.logs, asked["acceptor_log"]))
            else:
                fail(f"unknown manifest kind {kind}")
            if kind == "nmap" and c is mine[-1] and handled:
                fail(f"Orthanc logged {len(handled)} associations more than nmap made")
            rec["asked"] = asked
            rec["notes"] = notes
            records.append(rec)
    if len(claimed) != len(convs):
        fail("the capture has TCP connections no manifest line accounts for")
    records.sort(key=lambda r: r["tcp"]["first_frame"])

    with open(args.pcap, "rb") as f:
        pcap_sha = hashlib.sha256(f.read()).hexdigest()
    doc = {
        "capture": os.path.basename(args.pcap),
        "pcap_sha256": pcap_sha,
        "generated_by": "pcaps/make_rule_captures.sh + pcaps/make_rule_expected.py (peers' logs; tshark for TCP "
                        "numbers, for nmap's PDUs and as a second opinion)",
        "notes": [
            "connections are in the order of their TCP SYN; 'tcp' has the fields of make_expected.py's "
            "conversations plus pdu_types_run_length",
            "kind dicom: the fields of make_dicom_expected.py's associations, from one DCMTK tool's debug log",
            "kind nmap: nmap logs no PDU fields; AE titles, implementation identity and the A-ASSOCIATE-RJ codes "
            "are Wireshark's reading, checked against Orthanc's own log where Orthanc is the acceptor",
            "kind tls: what openssl s_client printed, checked against the ServerHello as Wireshark read it; "
            "cipher_iana is OpenSSL's own standard name for the suite",
            "kind raw: the bytes nc sent, checked against the client's reassembled stream",
            f"frames tshark flags with tcp.analysis.flags: {flagged}",
            "TCP checksums are not valid: loopback leaves them to checksum offload",
        ],
        "file": {**make_expected.capinfos(args.pcap), "tcp_frames": len(rows)},
        "summary": [summary_row(r) for r in records],
        "connections": records,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
