"""What Orthanc logged (--verbose --trace-dicom) about its DICOM associations, to check the DCMTK side against.

Orthanc's log lines carry a local time of day; an association is found by the time its TCP
conversation started. Stdlib only.
"""
import os
import re
import sys
import time

import dicom_logs


def fail(msg):
    sys.exit(f"dicom_orthanc: {msg}")


def local_window(conv):
    """A TCP conversation's first and last frame as local seconds of the day, like Orthanc's log."""
    t0 = float(conv["first_time_epoch"])
    lt = time.localtime(t0)
    start = lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec + t0 % 1
    return start, start + float(conv["last_time_epoch"]) - t0


def orthanc_events(path):
    """Orthanc's own log lines about DICOM associations, with their local time of day."""
    out = []
    if not path or not os.path.exists(path):
        return out
    with open(path, "rb") as f:
        for line in f.read().decode("latin-1").splitlines():
            m = re.match(r"^[IWET]\d{4} (\d\d):(\d\d):(\d\d\.\d+) \S+\] (.*)$", line)
            if m:
                out.append((int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)), m.group(4)))
    return out


def orthanc_view(events, role, start, end):
    """What Orthanc logged for the association (Orthanc as role) that began in [start, end] (seconds of day)."""
    view = None
    for t, text in events:
        if view is None:
            if not start <= t <= end:
                continue
            m = re.search(r"Association Received from AET (\S+) on IP", text)
            n = re.search(r'Opening a DICOM SCU connection (with|without) DICOM TLS from AET "(.*?)" to AET "(.*?)"', text)
            if m and role == "acceptor":
                view = {"role": "acceptor", "calling_ae": m.group(1), "requests": {}}
            elif n and role == "requestor":
                view = {"role": "requestor", "calling_ae": n.group(2), "called_ae": n.group(3), "stores_sent": 0}
            continue
        if t > end:
            break
        if view["role"] == "acceptor":
            if m := re.search(r"Rejected association, because of a bad called AET in the request \((.*)\)", text):
                view["rejected_called_ae"] = m.group(1)
            elif m := re.search(r"Incoming (\w+) request from AET (\S+) on IP \S+, calling AET (\S+)", text):
                view["requests"][m.group(1)] = view["requests"].get(m.group(1), 0) + 1
                view["own_ae"] = m.group(3)  # Orthanc's text says "calling AET" for its own (called) AET
            elif m := re.search(r"Number of matching resources: (\d+)", text):
                view["find_matches"] = int(m.group(1))
            elif m := re.search(r'Move-SCU request received for AET "(.*)"', text):
                view["move_destination"] = m.group(1)
            elif m := re.search(r"Unknown modality for AET: (\S+)", text):
                view["unknown_modality"] = m.group(1)
            elif m := re.search(r"Store SCU RQ: MsgID (\d+)", text):
                view["get_stores_sent"] = view.get("get_stores_sent", 0) + 1
            elif re.search(r"Association Release with AET|Rejected association", text):
                view["ended"] = text
                break
        elif re.search(r"Sending Store Request:$", text):
            view["stores_sent"] += 1
    return view


def orthanc_scu_dimse(path, uids, start, end):
    """The DIMSE messages Orthanc dumped (--trace-dicom) as a C-STORE SCU in [start, end], as a
    requestor-side record: for its sub-associations Orthanc is the only requestor log there is."""
    with open(path, "rb") as f:
        lines = f.read().decode("latin-1").splitlines()
    msgs, block, take = [], None, False
    for line in lines:
        m = re.match(r"^T\d{4} (\d\d):(\d\d):(\d\d\.\d+) DicomStoreUserConnection\.cpp:\d+\] \(dicom\) "
                     r"(Sending Store Request|Received Store Response):$", line)
        if m:
            t = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
            take = start <= t <= end
            continue
        if take and block is None and (b := re.match(r"^=+ (OUTGOING|INCOMING) DIMSE MESSAGE =+$", line)):
            block = (b.group(1), [])
        elif block is not None and re.match(r"^=+ END DIMSE MESSAGE =+$", line):
            msgs.append(dicom_logs.parse_dimse_block(block[0], block[1], uids))
            block, take = None, False
        elif block is not None:
            block[1].append(line)
    version = next((m.group(1) for line in lines if (m := re.search(r"Orthanc version: (\S+)", line))), "?")
    return {"tool": f"Orthanc {version}", "role": "requestor", "dimse": msgs, "events": [], "pdu_lengths": {}}


def check_orthanc(view, rec):
    if view is None:
        fail(f"Orthanc logged no association for TCP stream {rec['tcp']['tshark_stream']}")
    msgs = rec["dimse"]
    count = lambda cmd: sum(1 for m in msgs if m["command"] == cmd)  # noqa: E731
    if view["calling_ae"] != rec["calling_ae"]:
        fail(f"Orthanc logged calling AE {view['calling_ae']}")
    if view["role"] == "requestor":
        if view["called_ae"] != rec["called_ae"] or view["stores_sent"] != count("C-STORE-RQ"):
            fail(f"Orthanc's SCU log disagrees: {view}")
        return
    if rec["outcome"]["kind"] == "rejected":
        if view.get("rejected_called_ae") != rec["called_ae"]:
            fail(f"Orthanc's rejection log disagrees: {view}")
        return
    for word, cmd in (("Store", "C-STORE-RQ" if not count("C-GET-RQ") else None), ("Find", "C-FIND-RQ"), ("Move", "C-MOVE-RQ"), ("Get", "C-GET-RQ"),
                      ("Echo", "C-ECHO-RQ")):
        if cmd and view["requests"].get(word, 0) != count(cmd):
            fail(f"Orthanc logged {view['requests']} requests, DCMTK {count(cmd)} {cmd}")
    pending = sum(1 for m in msgs if m["command"] == "C-FIND-RSP" and m.get("status") in (0xFF00, 0xFF01))
    if "find_matches" in view and view["find_matches"] != pending:
        fail(f"Orthanc found {view['find_matches']} matches, findscu got {pending} pending responses")
    if view.get("get_stores_sent", 0) != (count("C-STORE-RQ") if count("C-GET-RQ") else 0):
        fail(f"Orthanc's C-GET sub-operations disagree: {view}")
