"""Reads what DCMTK's tools (-d / -ll trace) and Orthanc (--verbose --trace-dicom) logged about their associations.

Stdlib only, and nothing shared with dicomsentry: these records are the oracle that the
protocol engine's output is compared against. Every value is what a peer itself logged;
the only translations are DCMTK's UID names back to UIDs (with DCMTK's own table, see
uid_table) and logged texts to the PS3.7/PS3.8 codes they name (tables below).
"""
import re
import subprocess
import sys
import tempfile

# PS3.7 E.1: command field values; DCMTK logs "C-STORE RQ".
kCommandFields = {"C-STORE": 0x0001, "C-GET": 0x0010, "C-FIND": 0x0020, "C-MOVE": 0x0021, "C-ECHO": 0x0030,
                  "C-CANCEL": 0x0FFF}
kPriorities = {"medium": 0, "high": 1, "low": 2}  # PS3.7 C.4
# PS3.8 9.3.3.2 presentation context results, as DCMTK's ASC_dumpParameters spells them.
kContextResults = {"Accepted": 0, "User Rejection": 1, "No Reason": 2, "Abstract Syntax Not Supported": 3,
                   "Transfer Syntaxes Not Supported": 4}
# PS3.8 9.3.4 A-ASSOCIATE-RJ, as DCMTK's "Association Rejected" lines spell them.
kRejectResults = {"Rejected Permanent": 1, "Rejected Transient": 2}
kRejectSources = {"Service User": 1, "Service Provider (ACSE related function)": 2,
                  "Service Provider (Presentation related function)": 3}
kRejectReasons = {"No Reason Given": 1, "Application Context Name Not Supported": 2,
                  "Calling AE Title Not Recognized": 3, "Called AE Title Not Recognized": 7}
# PS3.8 9.2 state machine actions DCMTK logs at trace level. AA-1 sends an A-ABORT with
# source 0 (service-user); PS3.8 9.3.8 says its reason is then "not significant", sent as 0.
kAbortActions = {"AA 1": {"source": 0, "reason": 0}}

kPrefix = re.compile(r"^([TDIWEF]): ?(.*)$")
kKeyValue = re.compile(r"^(\S[^:]*?)\s*:\s?(.*)$")
kTagLine = re.compile(r"^\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s*#\s*(\d+), (\d+) (\S+)$")


def uid_table():
    """{DCMTK name: UID} from DCMTK itself: every UID in dcuid.h, written into one data set
    with dump2dcm and printed back by dcmdump, which shows known UIDs as "=Name"."""
    listing = subprocess.run(["dpkg", "-L", "libdcmtk-dev"], check=True, stdout=subprocess.PIPE, text=True).stdout
    header = next((p for p in listing.splitlines() if p.endswith("/dcmdata/dcuid.h")), None)
    if header is None:
        sys.exit("dcuid.h not found: install libdcmtk-dev")
    with open(header) as f:
        uids = sorted(set(re.findall(r'#define\s+UID_\w+\s+"([0-9.]+)"', f.read())))
    items = "".join(f"(fffe,e000) na (Item with undefined length)\n(0008,1150) UI [{u}]\n"
                    "(fffe,e00d) na (ItemDelimitationItem)\n" for u in uids)
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/uids.txt", "w") as f:
            f.write(f"(0008,1199) SQ (Sequence with undefined length)\n{items}(fffe,e0dd) na (SequenceDelimitationItem)\n")
        subprocess.run(["dump2dcm", "-q", f"{tmp}/uids.txt", f"{tmp}/uids.dcm"], check=True)
        named = subprocess.run(["dcmdump", "-q", "+L", "+P", "0008,1150", f"{tmp}/uids.dcm"], check=True,
                               stdout=subprocess.PIPE, text=True).stdout.splitlines()
    if len(named) != len(uids):
        sys.exit("dcmdump did not print one line per UID")
    table = {}
    for uid, line in zip(uids, named):
        m = re.search(r"UI =(\S+)\s+#", line)
        if m:
            table[m.group(1)] = uid
    return table


class Uids:
    def __init__(self):
        self.by_name = uid_table()
        self.by_uid = {uid: name for name, uid in self.by_name.items()}

    def uid(self, logged):
        """A UID as DCMTK logged it: "=Name" or "Name" for known UIDs, digits otherwise."""
        text = logged.strip().lstrip("=")
        if re.fullmatch(r"[0-9.]+", text):
            return text
        if text not in self.by_name:
            sys.exit(f"UID name {text!r} is not in DCMTK's table")
        return self.by_name[text]


def log_lines(path):
    with open(path, "rb") as f:
        raw = f.read().decode("latin-1")
    for line in raw.splitlines():
        m = kPrefix.match(line)
        if m:
            yield m.group(1), m.group(2)


def parse_dataset_line(text, uids):
    m = kTagLine.match(text)
    if not m:
        return None
    group, elem, vr, value, length, _vm, keyword = m.groups()
    if value.startswith("["):
        value = value[1:value.rindex("]")]
    elif value.startswith("="):
        value = uids.uid(value)
    elif value.startswith("(no value"):
        value = ""
    return f"({group},{elem})", {"keyword": keyword, "vr": vr, "value": value, "length": int(length)}


def parse_assoc_block(lines, uids):
    """One BEGIN/END A-ASSOCIATE-RQ/AC dump: our/their parameters and presentation contexts."""
    block = {"contexts": [], "user_identity": None}
    ctx = None
    ts_list = None
    ident = None
    for text in lines:
        body = text.strip()
        m = re.match(r"Context ID:\s+(\d+) \((.*)\)$", body)
        if m:
            ctx = {"id": int(m.group(1)), "state": m.group(2), "proposed_transfer_syntaxes": []}
            block["contexts"].append(ctx)
            ts_list = None
            continue
        if ctx is not None and ts_list is not None and (body.startswith("=") or re.fullmatch(r"[0-9.]+", body)):
            ts_list.append(uids.uid(body))
            continue
        kv = kKeyValue.match(body)
        if not kv:
            continue
        key, value = kv.group(1), kv.group(2).strip()
        if key == "Requested User Identity Negotiation":
            ctx = None
            if value != "none":
                ident = block["user_identity"] = {}
            continue
        if ident is not None and key.startswith("Authentication mode"):
            ident["type"] = int(key.split()[-1])
            ident["type_name"] = value
        elif ident is not None and key in ("Username", "Kerberos Ticket", "SAML Assertion", "JWT"):
            ident["primary_field"] = value[1:-1] if value.startswith("[") else value
        elif ident is not None and key == "Positive Response requested":
            ident["positive_response_requested"] = value == "Yes"
        elif key == "User Identity Negotiation Response":
            block["user_identity_response"] = None if value == "none" else value
            ident = None
        elif ctx is not None and key == "Abstract Syntax":
            ctx["abstract_syntax"] = uids.uid(value)
            ctx["abstract_syntax_name"] = value.lstrip("=")
        elif ctx is not None and key == "Proposed SCP/SCU Role":
            ctx["proposed_role"] = value
        elif ctx is not None and key == "Accepted SCP/SCU Role":
            ctx["accepted_role"] = value
        elif ctx is not None and key == "Proposed Transfer Syntax(es)":
            ts_list = ctx["proposed_transfer_syntaxes"]
        elif ctx is not None and key == "Accepted Transfer Syntax":
            ctx["accepted_transfer_syntax"] = uids.uid(value)
            ts_list = None
        elif ctx is None or key in ("Requested Extended Negotiation", "Accepted Extended Negotiation"):
            ctx = None
            block[key] = value
    return block


def parse_dimse_block(direction, lines, uids):
    fields = {}
    for text in lines:
        kv = kKeyValue.match(text.strip())
        if kv:
            fields[kv.group(1)] = kv.group(2).strip()
    kind, _, rqrsp = fields["Message Type"].partition(" ")
    msg = {"logged_as": direction.lower(), "command": f"{kind}-{rqrsp}",
           "command_field": kCommandFields[kind] | (0x8000 if rqrsp == "RSP" else 0)}
    if "Presentation Context ID" in fields:
        msg["presentation_context_id"] = int(fields["Presentation Context ID"])
    if "Message ID" in fields:
        msg["message_id"] = int(fields["Message ID"])
    if "Message ID Being Responded To" in fields:
        msg["message_id_being_responded_to"] = int(fields["Message ID Being Responded To"])
    for key, out in (("Affected SOP Class UID", "affected_sop_class_uid"),
                     ("Requested SOP Class UID", "requested_sop_class_uid")):
        if key in fields:
            msg[out] = uids.uid(fields[key])
            msg[out.replace("_uid", "_name")] = fields[key]
    for key, out in (("Affected SOP Instance UID", "affected_sop_instance_uid"),
                     ("Move Destination", "move_destination"),
                     ("Move Originator AE Title", "move_originator_ae_title")):
        if key in fields:
            msg[out] = fields[key]
    if "Move Originator ID" in fields:
        msg["move_originator_message_id"] = int(fields["Move Originator ID"])
    if "Priority" in fields:
        msg["priority"] = kPriorities[fields["Priority"]]
    msg["data_set_present"] = fields.get("Data Set") == "present"
    for key in ("Remaining", "Completed", "Failed", "Warning"):
        value = fields.get(f"{key} Suboperations")
        if value is not None:  # DCMTK logs "none" when the element is absent
            msg[f"{key.lower()}_suboperations"] = None if value == "none" else int(value)
    if "DIMSE Status" in fields:
        code, _, text = fields["DIMSE Status"].partition(": ")
        msg["status"] = int(code, 16)
        msg["status_text"] = text
    return msg


def command_from_trace(direction, context_id, elements, uids):
    """A command set as DCMTK's DIMSE layer dumps it at trace level ("DIMSE Command to send:"),
    in the same shape as parse_dimse_block's records."""
    values = {tag[6:10]: e["value"] for tag, e in elements.items() if tag.startswith("(0000,")}
    field = int(values["0100"])
    kind = next(k for k, v in kCommandFields.items() if v == field & 0x7FFF)
    msg = {"logged_as": direction, "command": f"{kind}-{'RSP' if field & 0x8000 else 'RQ'}", "command_field": field,
           "presentation_context_id": context_id}
    for key, out in (("0110", "message_id"), ("0120", "message_id_being_responded_to"),
                     ("1031", "move_originator_message_id")):
        if key in values:
            msg[out] = int(values[key])
    for key, out in (("0002", "affected_sop_class_uid"), ("0003", "requested_sop_class_uid")):
        if key in values:
            msg[out] = values[key]
            msg[out.replace("_uid", "_name")] = uids.by_uid.get(values[key], values[key])
    for key, out in (("1000", "affected_sop_instance_uid"), ("0600", "move_destination"),
                     ("1030", "move_originator_ae_title")):
        if key in values:
            msg[out] = values[key].rstrip(" ")
    if "0700" in values:
        msg["priority"] = int(values["0700"])
    msg["data_set_present"] = int(values["0800"]) != 0x0101
    for key, name in (("1020", "remaining"), ("1021", "completed"), ("1022", "failed"), ("1023", "warning")):
        if key in values:
            msg[f"{name}_suboperations"] = int(values[key])
    if "0900" in values:
        msg["status"] = int(values["0900"])
    return msg


def merge_trace(debug_msgs, trace_msgs):
    """At trace level the DIMSE layer dumps every command it sends or receives, including the
    ones the tool's own debug output leaves out (storescp's responses, echoscu's C-ECHO);
    those dumps are the list, completed with the texts of the matching debug dumps."""
    if not trace_msgs:
        return debug_msgs
    pool = list(debug_msgs)
    for m in trace_msgs:
        key = (m["command"], m.get("message_id"), m.get("message_id_being_responded_to"), m.get("status"))
        match = next((d for d in pool if (d["command"], d.get("message_id"), d.get("message_id_being_responded_to"),
                                          d.get("status")) == key), None)
        if match is not None:
            pool.remove(match)
            for k in ("status_text", "identifier", "affected_sop_class_name", "requested_sop_class_name"):
                if k in match:
                    m[k] = match[k]
    if pool:
        sys.exit(f"debug DIMSE dumps without a trace dump: {pool}")
    return trace_msgs


def parse_dcmtk_log(path, uids):
    """Associations in one DCMTK tool's log, in order, each as the tool saw it."""
    tool = None
    assocs = []
    cur = None
    block = None   # (kind, lines) while inside a BEGIN/END dump
    idents = None  # dataset lines after "Request/Response Identifiers:"
    tls = None

    trace_cmd = None  # (direction, context id, elements) while reading a trace-level command dump
    next_context = None

    def new_association(role):
        assoc = {"tool": tool, "role": role, "dimse": [], "trace_dimse": [], "events": [], "pdu_lengths": {}}
        assocs.append(assoc)
        return assoc

    for level, text in log_lines(path):
        if tool is None:
            m = re.match(r"\$dcmtk: (\S+) v(\S+)", text)
            if m:
                tool = f"{m.group(1)} {m.group(2)} (DCMTK)"
        if block is not None:
            if re.match(r"=+ END (A-ASSOCIATE-(RQ|AC)|DIMSE MESSAGE) =+$", text) or re.match(r"-{20,}$", text):
                kind, lines = block
                block = None
                if kind.startswith("A-ASSOCIATE"):
                    cur[kind] = parse_assoc_block(lines, uids)
                else:
                    cur["dimse"].append(parse_dimse_block(kind, lines, uids))
            else:
                block[1].append(text)
            continue
        if tls is not None:
            if "END TLS CONNECTION DETAILS" in text:
                cur["tls"] = tls
                tls = None
            else:
                kv = kKeyValue.match(text.strip())
                if kv and kv.group(1) in ("Protocol", "Ciphersuite", "Subject", "Issued by", "Transport connection"):
                    tls.setdefault(kv.group(1).lower().replace(" ", "_"), kv.group(2).strip())
            continue
        if trace_cmd is not None:
            parsed = parse_dataset_line(text, uids)
            if parsed:
                trace_cmd[2][parsed[0]] = parsed[1]
            elif not text.strip() and trace_cmd[2]:
                cur["trace_dimse"].append(command_from_trace(*trace_cmd, uids))
                trace_cmd = None
            continue
        if idents is not None:
            parsed = parse_dataset_line(text, uids)
            if parsed:
                idents[parsed[0]] = parsed[1]
                continue
            if not text.strip() and idents:
                idents = None
            continue
        # An acceptor logs the TCP accept first; a requestor starts with its A-ASSOCIATE-RQ dump.
        if level == "D" and text.startswith("Association Received: "):
            cur = new_association("acceptor")
            continue
        m = re.match(r"=+ BEGIN (A-ASSOCIATE-(?:RQ|AC)) =+$", text)
        if m:
            if m.group(1) == "A-ASSOCIATE-RQ" and (cur is None or "A-ASSOCIATE-RQ" in cur):
                cur = new_association("requestor")
            block = (m.group(1), [])
            continue
        m = re.match(r"=+ (OUTGOING|INCOMING) DIMSE MESSAGE =+$", text)
        if m:
            block = (m.group(1), [])
            continue
        if cur is None:
            continue
        if "BEGIN TLS CONNECTION DETAILS" in text:
            tls = {}
            continue
        m = re.match(r"PDU Type: (Associate \w+), PDU Length: (\d+) \+ 6 bytes PDU header", text)
        if m:
            cur["pdu_lengths"][m.group(1).lower().replace(" ", "_") + "_pdu_length"] = int(m.group(2))
            continue
        m = re.match(r"DIMSE Command to be sent on Presentation Context ID: (\d+)$", text) or re.match(
            r"DIMSE receiveCommand: \d+ PDVs \(\d+ bytes\), PresID=(\d+)$", text)
        if m:
            next_context = int(m.group(1))
            continue
        if text in ("DIMSE Command to send:", "DIMSE Command Received:"):
            trace_cmd = ("outgoing" if text.endswith("send:") else "incoming", next_context, {})
            continue
        if re.match(r"(Request|Response) Identifiers:$", text) and cur["dimse"]:
            idents = cur["dimse"][-1].setdefault("identifier", {})
            continue
        if text.startswith("Transport connection:"):
            cur["transport"] = text.split(":", 1)[1].strip()
        elif re.match(r"DUL\s+Action:\s+AA \d", text):
            cur["events"].append(("dul_action", re.sub(r"\s+", " ", text.split(":", 1)[1].strip())))
        elif level in ("I", "E", "F", "W") and not text.startswith("storing DICOM file") and re.search(
                r"Releasing Association|Association Release|Abort|Rejected|Result:|Reason:|Identity", text, re.I):
            cur["events"].append((level, text))
    for assoc in assocs:
        assoc["dimse"] = merge_trace(assoc["dimse"], assoc.pop("trace_dimse"))
    return {"tool": tool, "associations": assocs}
