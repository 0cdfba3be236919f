#!/usr/bin/env python3
"""Carries DCMTK's IPv4-only DICOM associations over an IPv6 loopback leg, for the ::1 capture.

DCMTK 3.6.7 (Debian 12) can neither listen on nor connect to IPv6, so make_captures.sh runs
  storescu -> 127.0.0.1:IN  [front]  ::1 -> [::1]:V6  [back]  -> 127.0.0.1:OUT storescp
and captures only the ::1 leg. The bytes on it are exactly DCMTK's; the TCP segmentation is
this relay's (plain recv/sendall). End of stream is passed on as a half-close (FIN), never
as a reset, so every leg closes the way the peers closed it.
"""
import argparse
import socket
import sys
import threading

kChunk = 65536


def pipe(src, dst):
    while True:
        data = src.recv(kChunk)
        if not data:
            dst.shutdown(socket.SHUT_WR)
            return
        dst.sendall(data)


def splice(a, b):
    """Copies both ways until both sides have closed, then closes both sockets."""
    other = threading.Thread(target=pipe, args=(b, a), daemon=True)
    other.start()
    pipe(a, b)
    other.join()
    a.close()
    b.close()


def listener(family, host, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(8)
    return s


def serve(lsock, out_family, target, count):
    """Accepts `count` connections one after another, each spliced to a new one to target."""
    for _ in range(count):
        conn, _ = lsock.accept()
        out = socket.socket(out_family, socket.SOCK_STREAM)
        out.connect(target)
        splice(conn, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in-port", type=int, required=True, help="IPv4 port the client connects to")
    ap.add_argument("--v6-port", type=int, required=True, help="port of the captured ::1 leg")
    ap.add_argument("--out-port", type=int, required=True, help="IPv4 port the real server listens on")
    ap.add_argument("--count", type=int, default=1, help="associations to carry, then exit")
    args = ap.parse_args()

    front = listener(socket.AF_INET, "127.0.0.1", args.in_port)
    back = listener(socket.AF_INET6, "::1", args.v6_port)
    workers = [
        threading.Thread(target=serve, args=(front, socket.AF_INET6, ("::1", args.v6_port), args.count)),
        threading.Thread(target=serve, args=(back, socket.AF_INET, ("127.0.0.1", args.out_port), args.count)),
    ]
    for w in workers:
        w.start()
    print("ready", flush=True)
    for w in workers:
        w.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
