#!/usr/bin/env python3
"""Writes the protocol oracle JSON for one DICOM capture from the peers' own debug logs (stdlib only).

Per association: what the DCMTK tools logged (both ends when both are DCMTK, and they must
agree), cross-checked with Orthanc's own log where Orthanc is a peer, tied to its TCP
conversation (make_expected.py's tshark numbers), with Wireshark's DICOM dissector as a
second opinion whose disagreements go to "notes" (it is not trusted over the logs).
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the captures
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dicom_logs  # noqa: E402
import dicom_orthanc  # noqa: E402
import dicom_tshark  # noqa: E402
import make_expected  # noqa: E402


def fail(msg):
    sys.exit(f"make_dicom_expected: {msg}")


def agree(name, a, b):
    """The value both ends logged; if only one end is a DCMTK log, that one."""
    if a is not None and b is not None and a != b:
        fail(f"{name}: requestor logged {a!r}, acceptor logged {b!r}")
    return a if a is not None else b


def side(assoc, block, key):
    return assoc[block].get(key) if assoc and block in assoc else None


def int_or_none(text):
    return int(text) if text not in (None, "") else None


def negotiation(req, acc):
    """Association parameters from the A-ASSOCIATE-RQ/AC dumps of both ends."""
    rq = "A-ASSOCIATE-RQ"
    ac = "A-ASSOCIATE-AC"
    out = {
        "calling_ae": agree("calling AE", side(req, rq, "Calling Application Name"),
                            side(acc, rq, "Calling Application Name")),
        "called_ae": agree("called AE", side(req, rq, "Called Application Name"),
                           side(acc, rq, "Called Application Name")),
        "responding_ae": agree("responding AE", side(req, ac, "Responding Application Name"),
                               side(acc, ac, "Responding Application Name")),
        "application_context_name": agree("application context", side(req, rq, "Application Context Name"),
                                          side(acc, rq, "Application Context Name")),
        "requestor_implementation_class_uid": agree("requestor implementation class", side(
            req, rq, "Our Implementation Class UID"), side(acc, rq, "Their Implementation Class UID")),
        "requestor_implementation_version_name": agree("requestor version name", side(
            req, rq, "Our Implementation Version Name"), side(acc, rq, "Their Implementation Version Name")),
        "acceptor_implementation_class_uid": agree("acceptor implementation class", side(
            req, ac, "Their Implementation Class UID"), side(acc, ac, "Our Implementation Class UID")),
        "acceptor_implementation_version_name": agree("acceptor version name", side(
            req, ac, "Their Implementation Version Name"), side(acc, ac, "Our Implementation Version Name")),
        "requestor_max_pdu_length": agree("requestor max PDU", int_or_none(side(req, rq, "Our Max PDU Receive Size")),
                                          int_or_none(side(acc, rq, "Their Max PDU Receive Size"))),
        "acceptor_max_pdu_length": agree("acceptor max PDU", int_or_none(side(req, ac, "Their Max PDU Receive Size")),
                                         int_or_none(side(acc, ac, "Our Max PDU Receive Size"))),
        "a_associate_rq_pdu_length": (acc or {}).get("pdu_lengths", {}).get("associate_request_pdu_length"),
        "a_associate_ac_pdu_length": (req or {}).get("pdu_lengths", {}).get("associate_accept_pdu_length"),
        "user_identity": agree("user identity", side(req, rq, "user_identity"), side(acc, rq, "user_identity")),
        "user_identity_response": agree("user identity response", side(req, ac, "user_identity_response"),
                                        side(acc, ac, "user_identity_response")),
    }
    proposed = agree("proposed contexts", side(req, rq, "contexts"), side(acc, rq, "contexts"))
    answered = {c["id"]: c for c in (side(req, ac, "contexts") or side(acc, ac, "contexts") or [])}
    other = {c["id"]: c for c in (side(acc, ac, "contexts") or [])} if req and acc else {}
    contexts = []
    for p in proposed:
        c = {"id": p["id"], "abstract_syntax": p["abstract_syntax"], "abstract_syntax_name": p["abstract_syntax_name"],
             "proposed_transfer_syntaxes": p["proposed_transfer_syntaxes"], "proposed_role": p.get("proposed_role")}
        a = answered.get(p["id"])
        if a is not None:
            if p["id"] in other and (other[p["id"]]["state"], other[p["id"]].get("accepted_transfer_syntax")) != (
                    a["state"], a.get("accepted_transfer_syntax")):
                fail(f"context {p['id']}: the two ends logged different results")
            if a["state"] not in dicom_logs.kContextResults:
                fail(f"unknown presentation context result {a['state']!r}")
            c["result"] = dicom_logs.kContextResults[a["state"]]
            c["result_text"] = a["state"]
            c["accepted_transfer_syntax"] = a.get("accepted_transfer_syntax") if c["result"] == 0 else None
        contexts.append(c)
    out["presentation_contexts"] = contexts
    tls = agree("TLS", (req or {}).get("tls", {}).get("protocol"), (acc or {}).get("tls", {}).get("protocol"))
    if tls:
        out["tls"] = {"protocol": tls, "ciphersuite": agree(
            "TLS cipher", (req or {}).get("tls", {}).get("ciphersuite"), (acc or {}).get("tls", {}).get("ciphersuite")),
            "peer_certificate_subject_as_seen_by_requestor": (req or {}).get("tls", {}).get("subject"),
            "peer_certificate_subject_as_seen_by_acceptor": (acc or {}).get("tls", {}).get("subject")}
    return out


def message_key(m):
    return (m["command"], m.get("message_id"), m.get("message_id_being_responded_to"),
            m.get("affected_sop_instance_uid"), m.get("status"))


def dimse_messages(req, acc, contexts, notes):
    """The DIMSE messages in the order one end logged them (the requestor's log if it is
    DCMTK's), checked message by message against the other end's log."""
    primary, secondary = (req, acc) if req else (acc, None)
    outgoing = "toserver" if primary is req else "toclient"
    msgs = [dict(m) for m in primary["dimse"]]
    if secondary is not None:
        # storescp at -d dumps the requests it receives but not the responses it sends.
        logged = {m["command"] for m in secondary["dimse"]}
        both = [m for m in msgs if m["command"] in logged]
        mine, theirs = [message_key(m) for m in both], [message_key(m) for m in secondary["dimse"]]
        if mine != theirs:
            first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
            notes.append(f"of the commands both ends log ({', '.join(sorted(logged))}), the requestor logged "
                         f"{len(mine)}, the acceptor {len(theirs)}; they agree on the first {first}" + (
                             "; the acceptor dumped its extra command and then logged 'DIMSE Failed to send "
                             "message'" if any("Failed to send message" in t for _, t in secondary["events"])
                             else ""))
        for m, o in zip(both, secondary["dimse"]):
            if message_key(m) == message_key(o) and "presentation_context_id" not in m:
                m["presentation_context_id"] = o.get("presentation_context_id")
    for m in msgs:
        m["direction"] = outgoing if m.pop("logged_as") == "outgoing" else ("toclient" if outgoing == "toserver"
                                                                             else "toserver")
    # A response travels on its request's presentation context (PS3.7 9.3.1): fill in what no log printed.
    by_id = {}
    for m in msgs:
        key = (m["command"].rsplit("-", 1)[0], m.get("message_id", m.get("message_id_being_responded_to")))
        if m.get("presentation_context_id") is not None:
            by_id.setdefault(key, m["presentation_context_id"])
    for m in msgs:
        key = (m["command"].rsplit("-", 1)[0], m.get("message_id", m.get("message_id_being_responded_to")))
        if m.get("presentation_context_id") is None:
            if key not in by_id:
                fail(f"no presentation context for {m['command']} {key}")
            m["presentation_context_id"] = by_id[key]
            m["presentation_context_id_from_request_or_response"] = True
    accepted = {c["id"]: c.get("accepted_transfer_syntax") for c in contexts}
    for m in msgs:
        m["data_set_transfer_syntax"] = accepted.get(m["presentation_context_id"]) if m["data_set_present"] else None
    return msgs


def outcome(req, acc):
    events = [("requestor", e) for e in (req or {}).get("events", [])] + \
             [("acceptor", e) for e in (acc or {}).get("events", [])]
    texts = {who: [t for _, t in (x or {}).get("events", [])] for who, x in (("requestor", req), ("acceptor", acc))}
    as_logged = [f"{who}: {lvl} {text}" for who, (lvl, text) in events]
    rq = texts["requestor"]
    if "Association Rejected:" in rq:
        m1 = next(re.match(r"Result: (.*), Source: (.*)$", t) for t in rq if t.startswith("Result:"))
        reason = next(t[len("Reason: "):] for t in rq if t.startswith("Reason:"))
        return {"kind": "rejected", "result": dicom_logs.kRejectResults[m1.group(1)],
                "source": dicom_logs.kRejectSources[m1.group(2)], "reason": dicom_logs.kRejectReasons[reason],
                "as_logged": as_logged}
    for who, marker in (("requestor", "Aborting Association"), ("acceptor", "ABORT initiated")):
        if any(marker in t for t in texts[who]):
            action = next((t for t in texts[who] if re.match(r"AA \d", t)), None)
            codes = dicom_logs.kAbortActions.get(" ".join(action.split()[:2])) if action else None
            return {"kind": "aborted", "by": who, **(codes or {"source": None, "reason": None}),
                    "as_logged": as_logged}
    if "Releasing Association" in rq or "Association Release" in texts["acceptor"]:
        return {"kind": "released", "by": "requestor", "as_logged": as_logged}
    return {"kind": "closed_without_release_or_abort", "as_logged": as_logged}


def compare_dissector(rec, view, notes):
    """Wireshark's DICOM dissector as a second opinion: AE titles must agree (when it saw the
    A-ASSOCIATE-RQ); everything else it disagrees on is written down, not trusted."""
    if view is None:
        notes.append("Wireshark's DICOM dissector decoded nothing on this stream")
        return
    client_port = rec["tcp"]["client"]["port"]
    rq, ac = view.get("assoc_rq"), view.get("assoc_ac")
    if rq and (rq["calling_ae"], rq["called_ae"]) != (rec["calling_ae"], rec["called_ae"]):
        fail(f"dissector AE titles {rq['calling_ae']}/{rq['called_ae']} differ from the logs")
    mine = {"requestor_max_pdu_length": rq and rq["max_pdu_length"],
            "requestor_implementation_class_uid": rq and rq["implementation_class_uid"],
            "requestor_implementation_version_name": rq and rq["implementation_version_name"],
            "acceptor_max_pdu_length": ac and ac["max_pdu_length"],
            "acceptor_implementation_class_uid": ac and ac["implementation_class_uid"],
            "acceptor_implementation_version_name": ac and ac["implementation_version_name"]}
    for key, value in mine.items():
        if value is not None and value != rec[key]:
            notes.append(f"dissector: {key} = {value!r}, logs say {rec[key]!r}")
    if rq:
        theirs = [(c["id"], c["abstract_syntax"], c["transfer_syntaxes"]) for c in rq["contexts"]]
        logged = [(c["id"], c["abstract_syntax"], c["proposed_transfer_syntaxes"]) for c in rec["presentation_contexts"]]
        if theirs != logged:
            notes.append("dissector: proposed presentation contexts differ from the logs")
        ident = rq["user_identity"]
        logged_ident = rec["user_identity"]
        if (ident is None) != (logged_ident is None) or ident and (
                ident["type"], ident["primary_field"], ident["positive_response_requested"]) != (
                logged_ident["type"], logged_ident["primary_field"], logged_ident["positive_response_requested"]):
            notes.append(f"dissector: user identity {ident} differs from the logs")
        elif ident:
            logged_ident["secondary_field_from_dissector"] = ident["secondary_field"]
    if ac:
        theirs = [(c["id"], c["result"], c["transfer_syntaxes"][:1] if c["result"] == 0 else None)
                  for c in ac["contexts"]]
        logged = [(c["id"], c["result"], [c["accepted_transfer_syntax"]] if c["result"] == 0 else None)
                  for c in rec["presentation_contexts"] if "result" in c]
        if theirs != logged:
            notes.append("dissector: presentation context results differ from the logs")
    out = rec["outcome"]
    if out["kind"] == "rejected" and view.get("reject") != {k: out[k] for k in ("result", "source", "reason")}:
        notes.append(f"dissector: A-ASSOCIATE-RJ {view.get('reject')}")
    if out["kind"] == "aborted":
        sender = client_port if out["by"] == "requestor" else rec["tcp"]["server"]["port"]
        seen = [a for a in view["aborts"] if a["sender_port"] == sender]
        if out["source"] is None and len(seen) == 1:
            notes.append(f"abort source/reason are the dissector's ({seen[0]}): the aborting peer did not log them")
        elif [{"source": out["source"], "reason": out["reason"]}] != [
                {"source": a["source"], "reason": a["reason"]} for a in seen]:
            notes.append(f"dissector: A-ABORT PDUs {view['aborts']}")
    if out["kind"] != "aborted" and view["aborts"]:
        notes.append(f"dissector: A-ABORT PDUs {view['aborts']} although no peer logged an abort")
    theirs = [((c.get("0100", 0) & 0x7FFF), c.get("0110", c.get("0120")), c.get("1000"), c.get("0900"))
              for c in view["commands"]]
    logged = [(m["command_field"] & 0x7FFF, m.get("message_id", m.get("message_id_being_responded_to")),
               m.get("affected_sop_instance_uid"), m.get("status")) for m in rec["dimse"]]
    if theirs != logged:
        n = next((i for i, (a, b) in enumerate(zip(theirs, logged)) if a != b), min(len(theirs), len(logged)))
        notes.append(f"dissector: decoded {len(theirs)} DIMSE commands, the logs have {len(logged)}; "
                     f"they agree on the first {n}")


def pdu_runs(stream):
    """PDU types in stream order, run-length coded: [[type, count], ...]; None if not a clean PDU sequence."""
    runs, pos = [], 0
    while pos + 6 <= len(stream):
        pdu_type, length = stream[pos], int.from_bytes(stream[pos + 2:pos + 6], "big")
        if pdu_type not in range(1, 8) or pos + 6 + length > len(stream):
            return None
        if runs and runs[-1][0] == pdu_type:
            runs[-1][1] += 1
        else:
            runs.append([pdu_type, 1])
        pos += 6 + length
    return runs if pos == len(stream) else None


def top_level_uid(path, tag):
    """The data set's own element, not one of the same tag nested in a sequence (dcmdump indents those)."""
    dump = subprocess.run(["dcmdump", "-q", "-Un", "-M", path], check=True, stdout=subprocess.PIPE).stdout
    out = [line for line in dump.decode("latin-1").splitlines() if line.startswith(f"({tag})")]
    if len(out) != 1:
        fail(f"{path}: expected one top-level {tag}, dcmdump printed {len(out)}")
    return re.search(r"\[([^\]]*)\]", out[0]).group(1)


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--pcap", "--manifest", "--logs", "--dcm-dir", "--out"):
        ap.add_argument(flag, required=True)
    args = ap.parse_args()
    uids = dicom_logs.Uids()

    rows = make_expected.frame_rows(args.pcap)
    if any(r["len"] != r["cap_len"] for r in rows):
        fail("a frame was truncated by the snap length")
    retrans = make_expected.frames_matching(args.pcap, "tcp.analysis.retransmission")
    # Same capture conditions as make_captures.sh promises: Ethernet-sized frames, no TCP anomaly.
    if any(r["len"] > 1514 for r in rows) or make_expected.frames_matching(args.pcap, "tcp.analysis.flags"):
        fail("a frame over 1514 bytes or one with tcp.analysis.flags (retransmission, out-of-order, ...)")
    by_stream = {}
    for r in rows:
        by_stream.setdefault(r["stream"], []).append(r)
    convs = [make_expected.conversation(args.pcap, s, rs, retrans)
             for s, rs in sorted(by_stream.items(), key=lambda kv: kv[1][0]["frame"])]
    sources = dict(line.rstrip("\n").split("\t") for line in open(os.path.join(args.dcm_dir, "sources.tsv")))

    parsed = {}

    def log_assoc(name, index):
        if name == "orthanc.log":
            return None
        if name not in parsed:
            parsed[name] = dicom_logs.parse_dcmtk_log(os.path.join(args.logs, name), uids)
        return parsed[name]["associations"][int(index)]

    orthanc = dicom_orthanc.orthanc_events(os.path.join(args.logs, "orthanc.log"))
    orthanc_tool = next((f"Orthanc {m.group(1)}" for _, t in orthanc if (m := re.search(r"Orthanc version: (\S+)", t))),
                        None)
    lines = [line.rstrip("\n").split("\t") for line in open(args.manifest)]
    ports = sorted({int(line[0]) for line in lines})
    dissected = dicom_tshark.dissector_view(args.pcap, ports)
    tls_hellos = dicom_tshark.tls_server_hello(args.pcap)
    claimed, associations = set(), []
    for port, req_log, req_idx, acc_log, acc_idx, asked in lines:
        conv = next((c for c in convs if c["server"]["port"] == int(port) and id(c) not in claimed), None)
        if conv is None:
            fail(f"no TCP conversation left for an association on port {port}")
        claimed.add(id(conv))
        req, acc = log_assoc(req_log, req_idx), log_assoc(acc_log, acc_idx)
        start, end = dicom_orthanc.local_window(conv)
        if req_log == "orthanc.log":
            req = dicom_orthanc.orthanc_scu_dimse(os.path.join(args.logs, "orthanc.log"), uids, start, end)
        for who, a in (("requestor", req), ("acceptor", acc)):
            if a is not None and a["role"] != who:
                fail(f"{req_log if who == 'requestor' else acc_log}: association is not logged as {who}")
        notes = []
        rec = {"tcp": conv,
               "requestor": req["tool"],
               "acceptor": acc["tool"] if acc else orthanc_tool,
               "logs": {"requestor": f"{req_log}#{req_idx}", "acceptor": f"{acc_log}#{acc_idx}"}}
        rec.update(negotiation(req, acc))
        rec["dimse"] = dimse_messages(req, acc, rec["presentation_contexts"], notes)
        rec["outcome"] = outcome(req, acc)
        counts = {}
        for m in rec["dimse"]:
            counts[m["command"]] = counts.get(m["command"], 0) + 1
        rec["dimse_counts"] = dict(sorted(counts.items()))
        asked = json.loads(asked)
        stored = [m["affected_sop_instance_uid"] for m in rec["dimse"] if m["command"] == "C-STORE-RQ"]
        files = asked.get("files", "").split()
        rec["instances"] = []
        for n in files:
            path = os.path.join(args.dcm_dir, n)
            info = {"file": n, "source": f"pydicom test_files/{sources[n]} with a new SOP Instance UID",
                    "sop_class_uid": top_level_uid(path, "0008,0016"),
                    "sop_instance_uid": top_level_uid(path, "0008,0018"),
                    "file_transfer_syntax_uid": top_level_uid(path, "0002,0010")}
            rec["instances"].append(info)
        if sorted(i["sop_instance_uid"] for i in rec["instances"]) != sorted(stored):
            fail(f"stream {conv['tshark_stream']}: C-STORE-RQs {stored} are not the files asked for {files}")
        if rec["user_identity"] and rec["user_identity"]["primary_field"] != asked.get("user"):
            fail("user identity in the log is not the one asked for")
        if "orthanc.log" in (req_log, acc_log):
            view = dicom_orthanc.orthanc_view(orthanc, "acceptor" if acc_log == "orthanc.log" else "requestor",
                                start - 0.05, end + 0.05)
            dicom_orthanc.check_orthanc(view, rec)
            rec["orthanc_logged"] = view
        for direction in ("toserver", "toclient"):
            stream = make_expected.follow_raw(args.pcap, conv["tshark_stream"])[make_expected.endpoint_text(
                conv["client" if direction == "toserver" else "server"]["ip"],
                conv["client" if direction == "toserver" else "server"]["port"])]
            conv[direction]["pdu_types_run_length"] = pdu_runs(stream)
        if "tls" in rec:
            hello = tls_hellos.get(conv["tshark_stream"])
            if hello is None or not rec["tls"]["ciphersuite"].startswith(hello["cipher_suite"] + ",") or \
                    hello["version"].replace(" ", "v") != rec["tls"]["protocol"]:
                fail(f"Wireshark's TLS dissector read ServerHello {hello}, DCMTK logged {rec['tls']}")
            rec["tls"]["server_hello_from_dissector"] = hello
            notes.append("TLS: the DICOM PDUs are encrypted; the peers' logs are the only record of them")
        else:
            compare_dissector(rec, dissected.get(conv["tshark_stream"]), notes)
        rec["notes"] = notes
        associations.append(rec)
    if len(claimed) != len(convs):
        fail("the capture has TCP conversations no manifest line accounts for")

    with open(args.pcap, "rb") as f:
        pcap_sha = hashlib.sha256(f.read()).hexdigest()
    doc = {
        "capture": os.path.basename(args.pcap),
        "pcap_sha256": pcap_sha,
        "generated_by": "pcaps/make_dicom_captures.sh + pcaps/make_dicom_expected.py (peers' debug logs; "
                        "tshark for TCP numbers and as a second opinion)",
        "notes": [
            "associations are in the order of their TCP SYN; each is tied to its TCP conversation ('tcp', "
            "same fields as expected/*.json of make_expected.py, plus pdu_types_run_length from walking "
            "PS3.8 PDU headers)",
            "AE titles, implementation UIDs/versions, max PDU lengths, presentation contexts, user identity, "
            "DIMSE messages and outcome are what the peers logged (DCMTK -d or -ll trace, Orthanc --verbose "
            "--trace-dicom); where both ends are DCMTK tools they were checked to agree",
            "UIDs logged by DCMTK name are translated back with DCMTK's own table (dcuid.h via dump2dcm/dcmdump)",
            "dimse[].direction: toserver = from the association requestor (TCP client); "
            "data_set_transfer_syntax = the accepted transfer syntax of the message's presentation context",
            "presentation_context_id_from_request_or_response: no log printed it for this message; it is the "
            "context of the request it answers or the response that answers it (PS3.7 9.3.1)",
            "identifier values are as DCMTK printed them, padding included",
            "outcome.result/source/reason (A-ASSOCIATE-RJ) are PS3.8 9.3.4 codes for the texts DCMTK logged; "
            "an abort's source/reason come from the DUL action the aborting DCMTK peer logged at trace level "
            "(AA-1 sends source 0, reason 0 per PS3.8 9.3.8)",
            "TCP checksums are not valid: loopback leaves them to checksum offload",
        ],
        "file": {**make_expected.capinfos(args.pcap), "tcp_frames": len(rows)},
        "associations": associations,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
