"""Wireshark's DICOM dissector's view of a capture (tshark PDML), the second opinion for make_dicom_expected.py.

Not an oracle: the dissector loses track of commands after some compressed or deflated
data sets, so its disagreements are recorded in the oracle's notes, not trusted over the
peers' logs. Stdlib only.
"""
import subprocess
import xml.etree.ElementTree as ET


def hex_text(value):
    return bytes.fromhex(value or "").rstrip(b"\0 ").decode("latin-1")


def direct_child(elem, name):
    for child in elem.findall("field"):
        if child.get("name") == name:
            return child
    return None


def first(elem, name):
    for child in elem.iter("field"):
        if child.get("name") == name:
            return child
    return None


def context_items(dicom):
    items = []
    for elem in dicom.iter("field"):
        cid = direct_child(elem, "dicom.pctx.id")
        if cid is None:
            continue
        result = direct_child(elem, "dicom.pctx.result")
        abstract = first(elem, "dicom.pctx.abss.syntax")
        items.append({
            "id": int(cid.get("show"), 16),
            "result": int(result.get("show"), 16) if result is not None else None,
            "abstract_syntax": hex_text(abstract.get("value")) if abstract is not None else None,
            "transfer_syntaxes": [hex_text(f.get("value")) for f in elem.iter("field")
                                  if f.get("name") == "dicom.pctx.xfer.syntax"],
        })
    return items


def command_from_pdv(pdv):
    """Decodes the command set elements (implicit VR LE: tag, 4-byte length, value)."""
    cmd = {}
    for elem in pdv.findall("field"):
        raw = bytes.fromhex(elem.get("value") or "")
        if elem.get("name") != "" or len(raw) < 8:
            continue
        group = int.from_bytes(raw[0:2], "little")
        element = int.from_bytes(raw[2:4], "little")
        value = raw[8:8 + int.from_bytes(raw[4:8], "little")]
        if group != 0:
            continue
        if element in (0x0100, 0x0110, 0x0120, 0x0900, 0x0700, 0x0800, 0x1020, 0x1021, 0x1022, 0x1023):
            cmd[f"{element:04x}"] = int.from_bytes(value[:2], "little")
        elif element in (0x0002, 0x1000, 0x0600):
            cmd[f"{element:04x}"] = value.rstrip(b"\0 ").decode("latin-1")
    return cmd


def dissector_view(pcap, ports):
    """{tcp.stream: {"pdus": [...], "assoc_rq": ..., "assoc_ac": ..., "reject": ..., "aborts": [...],
    "commands": [...]}} as Wireshark's DICOM dissector decodes each stream."""
    decode_as = [a for p in ports for a in ("-d", f"tcp.port=={p},dicom")]
    out = subprocess.run(["tshark", "-n", "-r", pcap, *decode_as, "-Y", "dicom", "-T", "pdml"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    streams = {}
    for packet in ET.fromstring(out).iter("packet"):
        tcp_stream = int(first(packet, "tcp.stream").get("show"))
        sport = int(first(packet, "tcp.srcport").get("show"))
        view = streams.setdefault(tcp_stream, {"pdus": [], "commands": [], "aborts": []})
        for dicom in packet.findall("proto"):
            if dicom.get("name") != "dicom":
                continue
            for pdu_type_field in [f for f in dicom.iter("field") if f.get("name") == "dicom.pdu.type"]:
                view["pdus"].append((sport, int(pdu_type_field.get("show"), 0)))
            pdu_type = int(first(dicom, "dicom.pdu.type").get("show"), 0)
            if pdu_type in (1, 2):
                ident = first(dicom, "dicom.userinfo.user_identify.type")
                secondary = first(dicom, "dicom.userinfo.user_identify.secondary_field")
                view["assoc_rq" if pdu_type == 1 else "assoc_ac"] = {
                    "called_ae": first(dicom, "dicom.assoc.ae.called").get("show").strip(),
                    "calling_ae": first(dicom, "dicom.assoc.ae.calling").get("show").strip(),
                    "contexts": context_items(dicom),
                    "max_pdu_length": int(first(dicom, "dicom.max_pdu_len").get("show")),
                    "implementation_class_uid": hex_text(first(dicom, "dicom.userinfo.uid").get("value")),
                    "implementation_version_name": hex_text(first(dicom, "dicom.userinfo.version").get("value")),
                    "user_identity": None if ident is None else {
                        "type": int(ident.get("show"), 0),
                        "primary_field": hex_text(first(dicom, "dicom.userinfo.user_identify.primary_field")
                                                  .get("value")),
                        "secondary_field": None if secondary is None else hex_text(secondary.get("value")),
                        "positive_response_requested": first(
                            dicom, "dicom.userinfo.user_identify.response_requested").get("show") == "1",
                    },
                }
            elif pdu_type == 3:
                view["reject"] = {k: int(first(dicom, f"dicom.assoc.reject.{k}").get("show"), 0)
                                  for k in ("result", "source", "reason")}
            elif pdu_type == 7:
                view["aborts"].append({"sender_port": sport, **{
                    k: int(first(dicom, f"dicom.assoc.abort.{k}").get("show"), 0) for k in ("source", "reason")}})
            for pdv in dicom.iter("field"):
                flags = direct_child(pdv, "dicom.pdv.flags")
                if flags is not None and int(flags.get("show"), 16) & 0x01:
                    cmd = command_from_pdv(pdv)
                    if cmd:
                        ctx = direct_child(pdv, "dicom.pdv.ctx")
                        cmd["sender_port"] = sport
                        cmd["presentation_context_id"] = int(ctx.get("show"), 0) if ctx is not None else None
                        view["commands"].append(cmd)
    return streams


def tls_server_hello(pcap):
    """{tcp.stream: {"cipher_suite": name, "cipher_suite_id": n, "version": text}} from each
    ServerHello as Wireshark's TLS dissector reads it (TLS 1.3: the supported_versions extension)."""
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "tls.handshake.type == 2", "-T", "pdml"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    hellos = {}
    for packet in ET.fromstring(out).iter("packet"):
        suite = first(packet, "tls.handshake.ciphersuite")
        version = first(packet, "tls.handshake.extensions.supported_version")
        if version is None:  # an Element with no children is falsy: no "or" here
            version = first(packet, "tls.handshake.version")
        hellos[int(first(packet, "tcp.stream").get("show"))] = {
            "cipher_suite": suite.get("showname").split(": ", 1)[1].rsplit(" (", 1)[0],
            "cipher_suite_id": int(suite.get("show"), 0),
            "version": version.get("showname").split(": ", 1)[1].rsplit(" (", 1)[0],
        }
    return hellos
