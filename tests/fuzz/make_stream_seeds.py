#!/usr/bin/env python3
"""Writes seeds for fuzz_dicom_stream from the real captures: each TCP payload of the first
connection becomes one chunk of the target's script (see fuzz_dicom_stream.cpp), in capture
order, client bytes as to_server. Usage: make_stream_seeds.py OUT_DIR PCAP..."""
import os
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), 'classic little-endian pcap only'
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack('<I', data[pos + 8:pos + 12])[0]
        yield data[pos + 16:pos + 16 + incl]
        pos += 16 + incl


def tcp_payloads(path):
    client = None
    for frame in packets(path):
        if len(frame) < 14 or frame[12:14] != b'\x08\x00':
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack('>H', ip[2:4])[0]
        if ip[9] != 6:
            continue
        tcp = ip[ihl:total]
        sport, dport = struct.unpack('>HH', tcp[:4])
        flags = tcp[13]
        if client is None and flags & 0x02 and not flags & 0x10:
            client = (sport, dport)
        if client is None or {sport, dport} != set(client):
            continue
        payload = tcp[(tcp[12] >> 4) * 4:]
        if payload:
            yield sport == client[0], payload


def script(path, mode):
    out = bytearray([mode])
    for to_server, payload in tcp_payloads(path):
        for i in range(0, len(payload), 0xffff):
            piece = payload[i:i + 0xffff]
            out.append((0 if to_server else 0x80) | 0x40)
            out += struct.pack('>H', len(piece))
            out += piece
    return bytes(out)


if __name__ == '__main__':
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for path in sys.argv[2:]:
        name = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(out_dir, name), 'wb') as f:
            f.write(script(path, 1))  # port 104, with the handshake
