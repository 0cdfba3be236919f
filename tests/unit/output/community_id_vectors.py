#!/usr/bin/env python3
"""Independent Community ID v1 implementation (hashlib), used to cross-check the vectors that
community_id_test.cpp asserts. Run it and compare its output with the test's table."""
import base64
import hashlib
import ipaddress
import struct

ICMP4 = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
ICMP6 = {128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135,
         139: 140, 140: 139, 144: 145, 145: 144}
PORT_PROTOS = {1, 6, 17, 58, 132}


def community_id(proto, saddr, daddr, sport=None, dport=None, seed=0):
    s = ipaddress.ip_address(saddr).packed
    d = ipaddress.ip_address(daddr).packed
    one_way = False
    if proto in (1, 58):
        table = ICMP4 if proto == 1 else ICMP6
        if sport in table:
            dport = table[sport]
        else:
            one_way = True
    has_ports = proto in PORT_PROTOS
    if not one_way and not (s < d or (s == d and has_ports and sport < dport)):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", seed) + s + d + struct.pack("BB", proto, 0)
    if has_ports:
        data += struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


VECTORS = [
    (6, "128.232.110.120", "66.35.250.204", 34855, 80),
    (6, "66.35.250.204", "128.232.110.120", 80, 34855),
    (17, "192.168.1.52", "8.8.8.8", 54585, 53),
    (17, "8.8.8.8", "192.168.1.52", 53, 54585),
    (6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25),
    (6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943),
    (132, "192.168.170.8", "192.168.170.56", 7, 7),
    (1, "192.168.0.89", "192.168.0.1", 8, 0),
    (1, "192.168.0.1", "192.168.0.89", 0, 8),
    (1, "10.0.0.1", "10.0.0.2", 11, 0),
    (58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136),
    (58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136),
    (58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0),
    (46, "10.1.12.1", "10.1.12.2", None, None),
    (6, "10.0.0.1", "10.0.0.1", 1234, 104),
    (6, "10.0.0.1", "10.0.0.1", 104, 1234),
]

if __name__ == "__main__":
    for seed in (0, 1):
        for v in VECTORS:
            print(seed, v, community_id(*v, seed=seed))
