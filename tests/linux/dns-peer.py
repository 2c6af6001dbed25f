#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A one-name DNS server on UDP, the resolver of tests/linux-net.t's host.

    dns-peer.py ADDR NAME IPV4

Answers A queries for NAME with IPV4 (TTL 60), any other query for NAME
with no answer, and every other name with NXDOMAIN (RFC 1035 sections
4.1.1-4.1.3). Prints "ready" once it listens; runs until killed.
"""
import socket
import struct
import sys


def qname(msg, off):
    """The question's name (lower case, dots) and the offset after it."""
    labels = []
    while off < len(msg):
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        if n & 0xC0 or off + n > len(msg):
            break  # no compression in a question we answer
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    raise ValueError("bad question name")


def answer(msg, name, addr):
    qid, flags, qd = struct.unpack(">HHH", msg[:6])
    if flags & 0x8000 or qd != 1:
        return None  # not a query with one question
    asked, off = qname(msg, 12)
    if off + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack(">HH", msg[off:off + 4])
    question = msg[12:off + 4]
    rd = flags & 0x0100
    if asked != name:
        return struct.pack(">HHHHHH", qid, 0x8083 | rd, 1, 0, 0, 0) + question
    if qtype != 1 or qclass != 1:
        return struct.pack(">HHHHHH", qid, 0x8080 | rd, 1, 0, 0, 0) + question
    rr = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    return struct.pack(">HHHHHH", qid, 0x8080 | rd, 1, 1, 0, 0) + question + rr


def main():
    bind, name, addr = sys.argv[1], sys.argv[2].lower().rstrip("."), sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 53))
    print("ready", flush=True)
    while True:
        msg, peer = s.recvfrom(512)
        try:
            reply = answer(msg, name, addr)
        except (ValueError, struct.error):
            reply = None
        if reply:
            s.sendto(reply, peer)


main()
