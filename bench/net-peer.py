#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host side of bench/net; prints one number (0 on failure).

    net-peer.py recv ADDR PORT      listen on ADDR:PORT ("listening PORT" on
                                    stderr), accept one connection, read to
                                    EOF: MB/s from the first byte to the last
    net-peer.py send ADDR PORT MB   listen (the same line), accept one
                                    connection, send MB MiB, wait for the
                                    peer to close: MB/s from accept to close
    net-peer.py rtt ADDR PORT N     connect to ADDR:PORT (retrying for 60 s),
                                    N one-byte round trips: median
                                    microseconds
"""
import socket
import statistics
import sys
import time


def listener(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(600)
    # bench/net boots the guest only once both listeners are up: a guest
    # that boots faster than python starts would be refused.
    print("listening %d" % port, file=sys.stderr, flush=True)
    return s


def recv(addr, port):
    c, _ = listener(addr, port).accept()
    n, first, last = 0, None, None
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        last = time.monotonic()
        if first is None:
            first = last
        n += len(b)
    return n / (1 << 20) / (last - first) if first and last > first else 0


def send(addr, port, mb):
    c, _ = listener(addr, port).accept()
    t0 = time.monotonic()
    chunk = bytes(1 << 20)
    for _ in range(mb):
        c.sendall(chunk)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass
    return mb / (time.monotonic() - t0)


def rtt(addr, port, n):
    deadline = time.monotonic() + 60
    while True:
        try:
            c = socket.create_connection((addr, port), 5)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.sendall(b"x")
            if c.recv(1) == b"x":
                break
            c.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            return 0
        time.sleep(0.5)
    times = []
    for _ in range(n):
        t = time.monotonic()
        c.sendall(b"x")
        if c.recv(1) != b"x":
            return 0
        times.append(time.monotonic() - t)
    return statistics.median(times) * 1e6


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        if mode == "recv":
            v = recv(addr, port)
        elif mode == "send":
            v = send(addr, port, int(sys.argv[4]))
        else:
            v = rtt(addr, port, int(sys.argv[4]))
    except OSError as e:
        print("net-peer.py %s %d: %s" % (mode, port, e), file=sys.stderr)
        v = 0
    print("%.3f" % v)


main()
