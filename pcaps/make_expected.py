#!/usr/bin/env python3
"""Writes the oracle JSON for one capture from tshark/capinfos/dcmdump output (stdlib only).

Nothing here shares code with dicomsentry: every number comes from Wireshark's tools, and
each stream digest is computed twice (tshark's "follow,tcp,raw" and the concatenated
tcp.payload of non-retransmitted segments) and must agree, or the run fails.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys


def run(cmd):
    res = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return res.stdout


def tshark(pcap, *args):
    return run(["tshark", "-n", "-r", pcap, *args])


def as_bool(text):
    return text.strip() in ("1", "True", "true")


def frame_rows(pcap):
    fields = ["frame.number", "frame.time_epoch", "tcp.stream", "frame.len", "frame.cap_len", "ip.src", "ip.dst",
              "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.len",
              "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.payload"]
    out = tshark(pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f",
                 *[a for f in fields for a in ("-e", f)])
    rows = []
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        rows.append({
            "frame": int(v["frame.number"]),
            "time": v["frame.time_epoch"],
            "stream": int(v["tcp.stream"]),
            "len": int(v["frame.len"]),
            "cap_len": int(v["frame.cap_len"]),
            "src": v["ip.src"] or v["ipv6.src"],
            "dst": v["ip.dst"] or v["ipv6.dst"],
            "ip_version": 4 if v["ip.src"] else 6,
            "sport": int(v["tcp.srcport"]),
            "dport": int(v["tcp.dstport"]),
            "tcp_len": int(v["tcp.len"]),
            "syn": as_bool(v["tcp.flags.syn"]),
            "ack": as_bool(v["tcp.flags.ack"]),
            "fin": as_bool(v["tcp.flags.fin"]),
            "rst": as_bool(v["tcp.flags.reset"]),
            "payload": bytes.fromhex(v.get("tcp.payload", "").replace(":", "")),
        })
    return rows


def frames_matching(pcap, display_filter):
    out = tshark(pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number")
    return {int(x) for x in out.split()}


def follow_raw(pcap, stream):
    """Returns {"ip:port": bytes} for both nodes of one stream from tshark's raw follow.

    Format (tshark 4.0): a ==== line, "Follow: tcp,raw", "Filter: ...", "Node 0: A:P",
    "Node 1: B:P", then one hex line per chunk, node 1's chunks indented by a tab, then ====.
    """
    out = tshark(pcap, "-q", "-z", f"follow,tcp,raw,{stream}")
    nodes = {}
    data = {0: bytearray(), 1: bytearray()}
    for line in out.splitlines():
        m = re.match(r"^Node ([01]): (.*)$", line)
        if m:
            nodes[int(m.group(1))] = m.group(2).strip()
            continue
        if not line.strip() or line.startswith(("=", "Follow:", "Filter:")):
            continue
        node = 1 if line.startswith("\t") else 0
        data[node] += bytes.fromhex(line.strip())
    if len(nodes) != 2:
        sys.exit(f"cannot parse tshark follow output for stream {stream}")
    return {nodes[0]: bytes(data[0]), nodes[1]: bytes(data[1])}


def endpoint_text(ip, port):
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def capinfos(pcap):
    out = run(["capinfos", "-M", "-c", "-t", "-E", "-l", pcap])
    info = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return {
        "format": info["File type"],
        "link_type": info["File encapsulation"],
        "snaplen": int(info["Packet size limit"].split()[-2]) if "Packet size limit" in info else None,
        "frames": int(info["Number of packets"]),
    }


def dcm_uid(path, tag):
    out = run(["dcmdump", "-q", "-Un", "+P", tag, path]).splitlines()
    if len(out) != 1:
        sys.exit(f"{path}: expected one {tag}, dcmdump printed {len(out)}")
    m = re.search(r"\[([^\]]*)\]", out[0])
    return m.group(1)


def instance_info(dcm_dir, name, sources):
    path = os.path.join(dcm_dir, name)
    src, relabel = sources[name]
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {
        "file": name,
        "source": f"pydicom test_files/{src}" + (" with a new SOP Instance UID" if relabel else ""),
        "sop_class_uid": dcm_uid(path, "0008,0016"),
        "sop_instance_uid": dcm_uid(path, "0008,0018"),
        "file_transfer_syntax_uid": dcm_uid(path, "0002,0010"),
        "file_bytes": os.path.getsize(path),
        "file_sha256": digest,
    }


def dissector_ae_titles(pcap, ports):
    """AE titles as Wireshark's own DICOM dissector reads them, per tcp.stream."""
    decode_as = [a for p in ports for a in ("-d", f"tcp.port=={p},dicom")]
    out = tshark(pcap, *decode_as, "-Y", "dicom.pdu.type == 1", "-T", "fields", "-E", "separator=\t",
                 "-e", "tcp.stream", "-e", "dicom.assoc.ae.calling", "-e", "dicom.assoc.ae.called")
    titles = {}
    for line in out.splitlines():
        stream, calling, called = line.split("\t")
        titles[int(stream)] = (calling.strip(), called.strip())
    return titles


def pdu_summary(stream):
    """Walks PS3.8 9.3 PDU headers (type, reserved, 4-byte big-endian length) over a stream.

    Only a sanity record for DICOM tests (PDU counts per type); it is cross-checked against
    Wireshark's DICOM dissector in main(). None if the stream is not a clean PDU sequence.
    """
    counts = {}
    pos = 0
    max_len = 0
    while pos + 6 <= len(stream):
        pdu_type = stream[pos]
        length = int.from_bytes(stream[pos + 2:pos + 6], "big")
        if pdu_type not in range(1, 8) or pos + 6 + length > len(stream):
            return None
        key = f"0x{pdu_type:02x}"
        counts[key] = counts.get(key, 0) + 1
        max_len = max(max_len, length)
        pos += 6 + length
    if pos != len(stream):
        return None
    return {"count": sum(counts.values()), "by_type": dict(sorted(counts.items())), "max_length": max_len}


def dissector_pdu_counts(pcap, ports):
    """{(tcp.stream, srcport): {"0x04": n, ...}} as Wireshark's DICOM dissector counts PDUs."""
    decode_as = [a for p in ports for a in ("-d", f"tcp.port=={p},dicom")]
    out = tshark(pcap, *decode_as, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                 "-E", "aggregator=,", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "dicom.pdu.type")
    counts = {}
    for line in out.splitlines():
        stream, sport, types = line.split("\t")
        for t in filter(None, types.split(",")):
            per = counts.setdefault((int(stream), int(sport)), {})
            key = f"0x{int(t, 16):02x}"
            per[key] = per.get(key, 0) + 1
    return counts


def direction_stats(rows, retrans, stream_bytes):
    payload = b"".join(r["payload"] for r in rows if r["frame"] not in retrans)
    if len(payload) != len(stream_bytes) or payload != stream_bytes:
        sys.exit("tcp.payload concatenation disagrees with tshark follow output")
    if sum(r["tcp_len"] for r in rows if r["frame"] not in retrans) != len(stream_bytes):
        sys.exit("sum of tcp.len disagrees with tshark follow output")
    return {
        "frames": len(rows),
        "frame_bytes": sum(r["len"] for r in rows),
        "payload_frames": sum(1 for r in rows if r["tcp_len"] > 0),
        "payload_bytes": sum(r["tcp_len"] for r in rows),
        "retransmitted_frames": sum(1 for r in rows if r["frame"] in retrans),
        "fin": any(r["fin"] for r in rows),
        "rst": any(r["rst"] for r in rows),
        "stream_bytes": len(stream_bytes),
        "stream_sha256": hashlib.sha256(stream_bytes).hexdigest(),
        "dicom_pdus": pdu_summary(stream_bytes),
    }


def conversation(pcap, stream, rows, retrans):
    syn = [r for r in rows if r["syn"] and not r["ack"]]
    first = syn[0] if syn else rows[0]  # without a SYN, the first sender stands in for the client
    client = (first["src"], first["sport"])
    to_server = [r for r in rows if (r["src"], r["sport"]) == client]
    to_client = [r for r in rows if (r["src"], r["sport"]) != client]
    server = (first["dst"], first["dport"])
    followed = follow_raw(pcap, stream)
    return {
        "tshark_stream": stream,
        "first_frame": rows[0]["frame"],
        "last_frame": rows[-1]["frame"],
        "first_time_epoch": rows[0]["time"],
        "last_time_epoch": rows[-1]["time"],
        "ip_version": first["ip_version"],
        "client": {"ip": client[0], "port": client[1]},
        "server": {"ip": server[0], "port": server[1]},
        "client_is_syn_sender": bool(syn),
        "syn": bool(syn),
        "syn_ack": any(r["syn"] and r["ack"] for r in rows),
        "fin": any(r["fin"] for r in rows),
        "rst": any(r["rst"] for r in rows),
        "frames": len(rows),
        "frame_bytes": sum(r["len"] for r in rows),
        "toserver": direction_stats(to_server, retrans, followed[endpoint_text(*client)]),
        "toclient": direction_stats(to_client, retrans, followed[endpoint_text(*server)]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--dcm-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    rows = frame_rows(args.pcap)
    if any(r["len"] != r["cap_len"] for r in rows):
        sys.exit("a frame was truncated by the snap length")
    retrans = frames_matching(args.pcap, "tcp.analysis.retransmission")
    by_stream = {}
    for r in rows:
        by_stream.setdefault(r["stream"], []).append(r)
    convs = [conversation(args.pcap, s, rs, retrans)
             for s, rs in sorted(by_stream.items(), key=lambda kv: kv[1][0]["frame"])]

    sources = {}
    with open(os.path.join(args.dcm_dir, "sources.tsv")) as f:
        for line in f:
            name, src, relabel = line.rstrip("\n").split("\t")
            sources[name] = (src, relabel)

    # Associations are listed in the order they were started per server port.
    claimed = set()
    ports = set()
    with open(args.manifest) as f:
        for line in f:
            port, calling, called, service, files = line.rstrip("\n").split("\t")
            ports.add(int(port))
            c = next(x for x in convs if x["server"]["port"] == int(port) and id(x) not in claimed)
            claimed.add(id(c))
            c["dicom"] = {
                "calling_ae": calling,
                "called_ae": called,
                "service": service,
                "instances": [instance_info(args.dcm_dir, n, sources) for n in files.split()],
            }
    titles = dissector_ae_titles(args.pcap, sorted(ports))
    pdu_counts = dissector_pdu_counts(args.pcap, sorted(ports))
    for c in convs:
        if "dicom" not in c:
            continue
        seen = titles.get(c["tshark_stream"])
        if seen != (c["dicom"]["calling_ae"], c["dicom"]["called_ae"]):
            sys.exit(f"stream {c['tshark_stream']}: Wireshark's DICOM dissector saw AE titles {seen}")
        for side, direction in (("client", "toserver"), ("server", "toclient")):
            mine = c[direction]["dicom_pdus"]
            theirs = pdu_counts.get((c["tshark_stream"], c[side]["port"]), {})
            if mine is None or mine["by_type"] != theirs:
                sys.exit(f"stream {c['tshark_stream']} {direction}: PDU walk {mine} != dissector {theirs}")
        stream = follow_raw(args.pcap, c["tshark_stream"])[endpoint_text(c["client"]["ip"], c["client"]["port"])]
        for inst in c["dicom"]["instances"]:
            if inst["sop_instance_uid"].encode() not in stream:
                sys.exit(f"{inst['sop_instance_uid']} not in the client's stream")

    with open(args.pcap, "rb") as f:
        pcap_sha = hashlib.sha256(f.read()).hexdigest()
    doc = {
        "capture": os.path.basename(args.pcap),
        "pcap_sha256": pcap_sha,
        "generated_by": "pcaps/make_captures.sh + pcaps/make_expected.py (tshark, capinfos, dcmdump)",
        "notes": [
            "conversations are ordered by first frame; client = sender of the SYN",
            "frame_bytes sums whole captured frame lengths (Ethernet header included), like "
            "Suricata's flow.bytes_toserver; payload_bytes sums tcp.len of every segment",
            "stream_bytes/stream_sha256 are the reassembled byte stream per direction "
            "(tshark follow,tcp,raw), cross-checked against non-retransmitted tcp.payload",
            "TCP checksums are not valid: loopback leaves them to checksum offload",
        ],
        "file": {**capinfos(args.pcap), "tcp_frames": len(rows)},
        "conversations": convs,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
