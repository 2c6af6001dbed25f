#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpora of lkvm's fuzz targets (tests/fuzz/README).

    tests/fuzz/make-seeds.py DIR     # DIR/<target>/<seed>, one file each

Every seed is built here from the formats' definitions (the comments of
each fuzz-<target>.c, hv/acct.h, stat/record.h, util/ctl-proto.h, boot.rst,
the Multiboot and ELF specifications), so no binary blob is committed.
The compressed bzImage payloads use Python's zlib, bz2 and lzma, and the
lz4 and zstd programs when they are installed.
"""
import bz2
import lzma
import os
import shutil
import struct
import subprocess
import sys
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else "fuzz/seeds"


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def le(fmt, *v):
    return struct.pack("<" + fmt, *v)


# ---- ELF images (System V ABI, ELF-64 1.5 / ELF-32) -----------------------

def elf64(segments, entry, machine=62):
    """segments: (paddr, vaddr, bytes, memsz)."""
    ph_off, n = 64, len(segments)
    data_off = ph_off + 56 * n
    data_off = (data_off + 0xfff) & ~0xfff
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += le("HHIQQQIHHHHHH", 2, machine, 1, entry, ph_off, 0, 0, 64, 56, n, 64, 0, 0)
    phs, body, off = b"", b"", data_off
    for paddr, vaddr, blob, memsz in segments:
        phs += le("IIQQQQQQ", 1, 7, off, vaddr, paddr, len(blob), memsz, 0x1000)
        pad = (len(blob) + 0xfff) & ~0xfff
        body += blob + bytes(pad - len(blob))
        off += pad
    img = eh + phs
    return img + bytes(data_off - len(img)) + body


def elf32(segments, entry, prefix=b""):
    ph_off, n = 52, len(segments)
    data_off = 0x1000
    eh = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    eh += le("HHIIIIIHHHHHH", 2, 3, 1, entry, ph_off, 0, 0, 52, 32, n, 40, 0, 0)
    phs, body, off = b"", b"", data_off
    for paddr, blob, memsz in segments:
        phs += le("IIIIIIII", 1, off, paddr, paddr, len(blob), memsz, 7, 0x1000)
        body += blob
        off += len(blob)
    img = eh + phs + prefix
    return img + bytes(data_off - len(img)) + body


KVA = 0xffffffff81000000
CODE = b"\xf4\xeb\xfd" + bytes(13)   # hlt; jmp .-1
vmlinux = elf64([(0x1000000, KVA, CODE * 16, 0x2000),
                 (0x1400000, KVA + 0x400000, b"data" * 64, 0x3000)], KVA)

put("elf", "vmlinux", vmlinux)
put("elf", "physical-entry", elf64([(0x200000, 0x200000, CODE, 0x1000)], 0x200000))
put("elf", "bss-only", elf64([(0x300000, 0x300000, b"", 0x10000)], 0x300000))
put("elf", "elf32", elf32([(0x100000, CODE, 0x100)], 0x100000))

# ---- bzImage (Documentation/arch/x86/boot.rst) ----------------------------

def bzimage(payload, setup_sects=4, version=0x020F, pm_extra=b""):
    setup = bytearray(((setup_sects or 4) + 1) * 512)
    pm = pm_extra + payload
    pm += bytes(-len(pm) % 16)                                  # whole paragraphs
    hdr = {
        0x1F1: le("B", setup_sects), 0x1F4: le("I", len(pm) // 16),
        0x1FE: le("H", 0xAA55), 0x200: le("H", 0x6AEB), 0x202: b"HdrS",
        0x206: le("H", version), 0x211: le("B", 0x01),          # LOADED_HIGH
        0x214: le("I", 0x100000), 0x230: le("I", 0x200000),
        0x234: le("B", 1), 0x236: le("H", 0x3),                 # XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
        0x238: le("I", 2047), 0x248: le("I", len(pm_extra)),
        0x24C: le("I", len(payload)), 0x258: le("Q", 0x1000000),
        0x260: le("I", 0x800000),
    }
    for off, v in hdr.items():
        setup[off:off + len(v)] = v
    return bytes(setup) + pm


def tool(cmd, data):
    if not shutil.which(cmd[0]):
        return None
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=True).stdout


payloads = {
    "gzip": zlib.compressobj(9, zlib.DEFLATED, 31).compress(vmlinux),
    "bzip2": bz2.compress(vmlinux),
    "xz": lzma.compress(vmlinux, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32),
    "lzma": lzma.compress(vmlinux, format=lzma.FORMAT_ALONE),
    "lz4-legacy": tool(["lz4", "-l", "-9", "-c"], vmlinux),
    "lz4-frame": tool(["lz4", "-9", "-c"], vmlinux),
    "zstd": tool(["zstd", "-19", "-c", "-q"], vmlinux),
    "none": vmlinux,
}
gz = zlib.compressobj(9, zlib.DEFLATED, 31)
payloads["gzip"] = gz.compress(vmlinux) + gz.flush()
for name, p in payloads.items():
    if p is not None:
        put("bzimage", name, bzimage(p, pm_extra=b"\x90" * 0x200))
put("bzimage", "old-protocol", bzimage(payloads["gzip"], version=0x020B))
put("bzimage", "setup-sects-0", bzimage(payloads["xz"], setup_sects=0))
# A bomb in miniature: 4 MiB of zeros in a few hundred bytes.
put("bzimage", "zeros-bzip2", bzimage(bz2.compress(bytes(4 << 20))))

# ---- multiboot v1 (Multiboot Specification 0.6.96, 3.1) -------------------

MB_MAGIC = 0x1BADB002


def mb_header(flags, fields=()):
    return le("III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xffffffff) + \
        b"".join(le("I", f) for f in fields)


aout_code = CODE * 4
hdr_len = 32
aout = mb_header(0x00010003, (0x100000, 0x100000, 0x100000 + hdr_len + len(aout_code),
                              0x100000 + 0x4000, 0x100000 + hdr_len)) + aout_code
put("multiboot", "aout-kludge", aout)
put("multiboot", "elf32", elf32([(0x100000, CODE * 4, 0x2000)], 0x100000,
                                prefix=mb_header(0x3)))
put("multiboot", "elf64", elf64([(0x100000, 0x100000, CODE * 4, 0x2000)], 0x100000)[:0x100]
    + mb_header(0x3) + bytes(0x1000))
put("multiboot", "video-mode", mb_header(0x7) + bytes(64))
# fuzz-multiboot's first finding: a bss-only segment (p_filesz 0) with a
# p_offset far past the file made img + p_offset overflow.
far = bytearray(elf64([(0x100000, 0x100000, CODE * 4, 0x2000), (0x300000, 0x300000, b"", 0x1000)],
                      0x100000))
far[0x200:0x20c] = mb_header(0x3)
far[64 + 56 + 8:64 + 56 + 16] = le("Q", 0xfffffff900001000)
put("multiboot", "bss-far-offset", bytes(far))

# ---- virtqueues (fuzz-virtq.c: header, then guest RAM from GPA 0) --------

DESC, AVAIL, USED, TABLE, BUF = 0x100, 0x300, 0x400, 0x600, 0x800


def desc(addr, length, flags, nxt):
    return le("QIHH", addr, length, flags, nxt)


def ram_image(descs, heads, table=b"", num=8, used_event=0):
    ram = bytearray(0x1000)
    for i, d in enumerate(descs):
        ram[DESC + 16 * i:DESC + 16 * i + 16] = d
    avail = le("HH", 0, len(heads)) + b"".join(le("H", h) for h in heads)
    avail += bytes(2 * (num - len(heads))) + le("H", used_event)
    ram[AVAIL:AVAIL + len(avail)] = avail
    ram[TABLE:TABLE + len(table)] = table
    ram[BUF:BUF + 16] = b"hello, device!\n\0"
    return bytes(ram)


def virtq_seed(feat, log2num, descs, heads, table=b"", wlen=8):
    return le("BBIIIH", feat, log2num, DESC, AVAIL, USED, wlen) + \
        ram_image(descs, heads, table, 1 << log2num)


NEXT, WRITE, INDIRECT = 1, 2, 4
put("virtq", "chain", virtq_seed(0, 3, [desc(BUF, 16, NEXT, 1), desc(BUF + 16, 32, WRITE, 0)], [0]))
put("virtq", "two-chains", virtq_seed(2, 3, [desc(BUF, 8, 0, 0), desc(BUF + 8, 8, NEXT, 2),
                                              desc(BUF + 16, 64, WRITE, 0)], [0, 1]))
put("virtq", "indirect", virtq_seed(1, 3, [desc(TABLE, 48, INDIRECT, 0)], [0],
                                    desc(BUF, 16, NEXT, 1) + desc(BUF + 16, 16, NEXT | WRITE, 2)
                                    + desc(BUF + 32, 16, WRITE, 0)))
put("virtq", "loop", virtq_seed(3, 2, [desc(BUF, 8, NEXT, 1), desc(BUF, 8, NEXT, 0)], [0]))
put("virtq", "past-ram", virtq_seed(0, 0, [desc(0xfff0, 0x20, WRITE, 0)], [0]))

# ---- virtio transports (virtio-ops.h: an operation script) ---------------

def w(region, off, size_log2, value):
    return le("BBHBQ", 0, region, off, size_log2, value)


def r(region, off, size_log2):
    return le("BBHB", 1, region, off, size_log2)


def cfgw(reg, size_log2, value):
    return le("BBBI", 2, reg, size_log2, value)


SERVE = b"\x03"


def ramw(gpa, data):
    return le("BHB", 4, gpa, len(data)) + data


rings = ramw(DESC, desc(BUF, 16, NEXT, 1) + desc(BUF + 16, 16, WRITE, 0)) + \
    ramw(AVAIL, le("HHH", 0, 1, 0)) + ramw(BUF, b"request")

# PCI common configuration (virtio 1.2 4.1.4.3), region 0.
pci = b"".join([
    cfgw(0x04, 1, 0x6), w(0, 0x14, 0, 0), w(0, 0x14, 0, 3),
    w(0, 0x00, 2, 1), r(0, 0x04, 2), w(0, 0x08, 2, 0), w(0, 0x0c, 2, 3 << 28),
    w(0, 0x08, 2, 1), w(0, 0x0c, 2, 1), w(0, 0x14, 0, 0xb), r(0, 0x14, 0),
    w(0, 0x16, 1, 0), w(0, 0x18, 1, 8), w(0, 0x1a, 1, 1), w(0, 0x10, 1, 0),
    w(0, 0x20, 3, DESC), w(0, 0x28, 2, AVAIL), w(0, 0x2c, 2, 0),
    w(0, 0x30, 2, USED), w(0, 0x34, 2, 0), w(0, 0x1c, 1, 1),
    w(0, 0x14, 0, 0xf), rings, w(1, 0, 1, 0), SERVE, r(2, 0, 0), r(3, 0, 2),
    w(3, 2, 0, 0x55), r(0, 0x15, 0),
])
put("virtio-pci", "queue-intx", pci)
msix = cfgw(0x04, 1, 0x6) + b"".join([
    w(4, 0, 3, 0xfee00000), w(4, 8, 2, 0x41), w(4, 12, 2, 0),
    w(4, 16, 3, 0xfee00000), w(4, 24, 2, 0x42), w(4, 28, 2, 1),
    r(5, 0, 3),
])
put("virtio-pci", "msix", msix + pci + SERVE + r(5, 0, 3))
put("virtio-pci", "bar-move", cfgw(0x10, 2, 0xffffffff) + cfgw(0x10, 2, 0xe0000000) +
    cfgw(0x14, 2, 0) + r(0, 0x12, 1) + cfgw(0x04, 1, 0))

mmio = b"".join([
    r(0, 0x000, 2), r(0, 0x004, 2), r(0, 0x008, 2), w(0, 0x070, 2, 0),
    w(0, 0x070, 2, 1), w(0, 0x070, 2, 3), w(0, 0x014, 2, 1), r(0, 0x010, 2),
    w(0, 0x024, 2, 1), w(0, 0x020, 2, 1), w(0, 0x024, 2, 0), w(0, 0x020, 2, 3 << 28),
    w(0, 0x070, 2, 0xb), w(0, 0x030, 2, 0), r(0, 0x034, 2), w(0, 0x038, 2, 8),
    w(0, 0x080, 2, DESC), w(0, 0x084, 2, 0), w(0, 0x090, 2, AVAIL), w(0, 0x094, 2, 0),
    w(0, 0x0a0, 2, USED), w(0, 0x0a4, 2, 0), w(0, 0x044, 2, 1), w(0, 0x070, 2, 0xf),
    rings, w(0, 0x050, 2, 0), SERVE, r(0, 0x060, 2), w(0, 0x064, 2, 1),
    r(0, 0x0fc, 2), r(0, 0x100, 2), w(0, 0x101, 0, 7), r(0, 0x1fe, 1),
])
put("virtio-mmio", "queue", mmio)
put("virtio-mmio", "reset-while-ready", mmio + w(0, 0x070, 2, 0) + SERVE + w(0, 0x044, 2, 0))

# ---- virtio-blk requests (fuzz-blk.c) --------------------------------------

def blk(parts_out, parts_in, ro=0, cap=2048):
    parts = parts_out + parts_in
    return le("BBBQ", len(parts_out), len(parts_in), ro, cap) + \
        b"".join(le("H", len(p) - 1) for p in parts) + b"".join(parts)


hdr = lambda t, sector: le("IIQ", t, 0, sector)
put("blk", "read", blk([hdr(0, 8)], [bytes(1024), b"\xff"]))
put("blk", "write-split", blk([hdr(1, 0)[:6], hdr(1, 0)[6:] + b"x" * 506, b"y" * 6], [b"\xff"]))
put("blk", "flush", blk([hdr(4, 0)], [b"\xff"]))
put("blk", "get-id", blk([hdr(8, 0)], [bytes(20) + b"\xff"]))
put("blk", "discard", blk([hdr(11, 0) + le("QII", 16, 8, 0)], [b"\xff"]))
put("blk", "write-zeroes", blk([hdr(13, 0), le("QII", 2040, 8, 1)], [b"\xff"], ro=1))
put("blk", "past-end", blk([hdr(0, 2047)], [bytes(1024) + b"\xff"]))

# ---- virtio-net (fuzz-net.c: features, back end flag, then operations) -----

NET_CSUM, NET_GUEST_CSUM, NET_MRG, NET_CTRL_VQ, NET_CTRL_RX = 1, 2, 1 << 15, 1 << 17, 1 << 18
NET_GUEST_TSO4, NET_GUEST_TSO6, NET_GUEST_ECN = 1 << 7, 1 << 8, 1 << 9
NET_HOST_TSO4, NET_HOST_TSO6, NET_HOST_ECN = 1 << 11, 1 << 12, 1 << 13
NET_TX_TSO = NET_CSUM | NET_HOST_TSO4 | NET_HOST_TSO6 | NET_HOST_ECN
NET_RX_TSO = NET_GUEST_CSUM | NET_GUEST_TSO4 | NET_GUEST_TSO6 | NET_GUEST_ECN


def ndesc(q, i, gpa, length, flags=0, nxt=0):
    return le("BBBIHBB", 0, q, i, gpa, length, flags, nxt)


def npub(q, head):
    return le("BBB", 1, q, head)


def nkick(q):
    return le("BB", 2, q)


def nrx(frame):
    return le("BH", 3, len(frame)) + frame


def nram(gpa, data):
    return le("BIB", 4, gpa, len(data)) + data


def nhdr(flags=0, gso=0, cstart=0, coff=0, hdr_len=0, gso_size=0):
    return le("BBHHHHH", flags, gso, hdr_len, gso_size, cstart, coff, 0)


ETH = bytes(range(60))
put("net", "tx", le("IB", NET_CSUM, 0) + nram(0x80000, nhdr() + ETH) +
    ndesc(1, 0, 0x80000, 72) + npub(1, 0) + nkick(1))
put("net", "tx-csum-split", le("IB", NET_CSUM, 1) +
    nram(0x80000, nhdr(1, 0, 34, 6) + ETH) + ndesc(1, 0, 0x80000, 20, 1, 1) +
    ndesc(1, 1, 0x80014, 52) + npub(1, 0) + nkick(1))
put("net", "rx", le("IB", NET_GUEST_CSUM, 0) + ndesc(0, 0, 0x90000, 1526, 2) + npub(0, 0) +
    nkick(0) + nrx(ETH * 2))
put("net", "rx-merged", le("IB", NET_MRG, 0) + ndesc(0, 0, 0x90000, 64, 2) +
    ndesc(0, 1, 0x90100, 64, 2) + ndesc(0, 2, 0x90200, 64, 2) + npub(0, 0) + npub(0, 1) +
    nrx(bytes(150)) + npub(0, 2) + nkick(0))
put("net", "ctrl", le("IB", NET_CTRL_VQ | NET_CTRL_RX, 0) + nram(0x80000, b"\x00\x00\x01") +
    ndesc(2, 0, 0x80000, 3, 1, 1) + ndesc(2, 1, 0x80100, 1, 2) + npub(2, 0) + nkick(2))
put("net", "tx-flood", le("IB", NET_CSUM, 0) +
    b"".join(ndesc(1, i, 0x80000, 4) + npub(1, i) for i in range(16)) + nkick(1) * 4 +
    le("BI", 5, NET_CSUM) + nram(0x80000, nhdr() + ETH) + ndesc(1, 0, 0x80000, 72) +
    npub(1, 0) + nkick(1))
# GSO (back end flags 3: headers and TSO): a 40000-byte TCPV4 frame sent
# (the RAM past the 60 bytes written is zeros), and GSO frames received
# over merged 1 KiB buffers and into one 4 KiB buffer
put("net", "tx-gso", le("IB", NET_TX_TSO, 3) +
    nram(0x80000, nhdr(1, 1, 34, 16, 66, 1448) + ETH) + ndesc(1, 0, 0x80000, 12 + 40000) +
    npub(1, 0) + nkick(1))
put("net", "tx-gso-ecn6", le("IB", NET_TX_TSO, 3) +
    nram(0x80000, nhdr(1, 0x84, 54, 16, 86, 1428) + ETH) + ndesc(1, 0, 0x80000, 12, 1, 1) +
    ndesc(1, 1, 0x80100, 30000) + npub(1, 0) + nkick(1))
put("net", "rx-gso-merged", le("IB", NET_RX_TSO | NET_MRG, 3) +
    b"".join(ndesc(0, i, 0x90000 + 0x400 * i, 1024, 2) + npub(0, i) for i in range(4)) +
    nrx(nhdr(1, 1, 34, 16, 66, 1448) + ETH * 50))
put("net", "rx-gso-big", le("IB", NET_RX_TSO, 3) + ndesc(0, 0, 0x90000, 4096, 2) +
    npub(0, 0) + nrx(nhdr(1, 4, 54, 16, 86, 1428) + ETH * 60) + nkick(0))
# ---- 9P2000.L requests (fuzz-9p.c) -----------------------------------------

def p9s(text):
    b = text.encode()
    return le("H", len(b)) + b


def p9msg(t, body, tag=1):
    return le("IBH", 7 + len(body), t, tag) + body


def p9script(msgs, ro=0, split=0, room=8192):
    out = bytes([ro << 1])
    for m in msgs:
        out += le("HBH", len(m), split, room) + m
    return out


TWALK, TLOPEN, TREAD, TWRITE, TCLUNK, TREADDIR, TGETATTR, TLCREATE = 110, 12, 116, 118, 120, 40, 24, 14
TMKDIR, TRENAMEAT, TUNLINKAT, TSYMLINK, TREADLINK, TSETATTR, TXATTRWALK = 72, 74, 76, 16, 22, 26, 30
walk = lambda fid, new, *names: p9msg(TWALK, le("IIH", fid, new, len(names)) + b"".join(p9s(n) for n in names))
session = [
    walk(0, 1, "file"), p9msg(TLOPEN, le("II", 1, 0)), p9msg(TREAD, le("IQI", 1, 0, 4096)),
    p9msg(TGETATTR, le("IQ", 1, 0x7ff)), p9msg(TCLUNK, le("I", 1)),
    walk(0, 2, "dir"), p9msg(TLOPEN, le("II", 2, 0o200000)), p9msg(TREADDIR, le("IQI", 2, 0, 4096)),
    walk(0, 3, "link"), p9msg(TREADLINK, le("I", 3)), walk(0, 4, "out"), p9msg(TLOPEN, le("II", 4, 0)),
    walk(0, 5, "dir", "..", "file"), p9msg(TXATTRWALK, le("II", 0, 6) + p9s("")),
]
writes = [
    walk(0, 1), p9msg(TLCREATE, le("I", 1) + p9s("new") + le("III", 2, 0o644, 0)),
    p9msg(TWRITE, le("IQI", 1, 0, 5) + b"hello"),
    p9msg(TSETATTR, le("IIIIIQQQQQ", 1, 9, 0o600, 0, 0, 2, 0, 0, 0, 0)),
    p9msg(TMKDIR, le("I", 0) + p9s("d2") + le("II", 0o755, 0)),
    p9msg(TRENAMEAT, le("I", 0) + p9s("new") + le("I", 0) + p9s("renamed")),
    p9msg(TSYMLINK, le("I", 0) + p9s("sl") + p9s("/etc/passwd") + le("I", 0)),
    p9msg(TUNLINKAT, le("I", 0) + p9s("renamed") + le("I", 0)),
]
put("9p", "session", p9script(session))
put("9p", "session-split", p9script(session, split=2, room=64))
put("9p", "writes", p9script(writes))
put("9p", "writes-ro", p9script(writes, ro=1))
put("9p", "decode-walk", b"\x01" + walk(0, 1, "a", "b", "c"))
put("9p", "decode-write", b"\x01" + p9msg(TWRITE, le("IQI", 1, 0, 3) + b"abc")[:23])

# ---- lkvm's exit accounting (hv/acct.h) ------------------------------------

def acct(vcpus, ranges, ts=1000):
    b = le("QI", ts, len(vcpus))
    for idx, nr_exits, reasons in vcpus:
        b += le("IIQ", idx, len(reasons), nr_exits)
        for reason, count, ns in reasons:
            b += le("IQQ", reason, count, ns)
    b += le("I", len(ranges))
    for bus, base, length, acc, name in ranges:
        b += le("BQQQH", bus, base, length, acc, len(name)) + name
    return b


acct0 = acct([(0, 10, [(2, 5, 500)]), (1, 0, [])], [(0, 0x3f8, 8, 5, b"serial")])
acct1 = acct([(0, 30, [(2, 20, 2000), (6, 4, 900)]), (1, 2, [(5, 2, 10)])],
             [(0, 0x3f8, 8, 20, b"serial"), (1, 0xfeb00000, 0x1000, 4, b"virtio-mmio")])

# ---- KVM stats snapshots (stat/kstats.h) -----------------------------------

def kstats(values, ts=5):
    b = le("QI", ts, len(values))
    for obj, flags, name, value in values:
        b += le("IIB", obj, flags, len(name)) + name + le("Q", value)
    return b


ks0 = kstats([(1, 0, b"exits", 10), (2, 0, b"exits", 3), (0, 0, b"remote_tlb_flush", 1),
              (1, 0x10, b"halt_poll_ns_max", 7)])
ks1 = kstats([(1, 0, b"exits", 110), (2, 0, b"exits", 33), (0, 0, b"remote_tlb_flush", 4),
              (1, 0x10, b"halt_poll_ns_max", 9), (1, 0x40, b"halt_wait_hist", 12)])

# ---- lkvm stat record files (stat/record.h) --------------------------------

def rec(t, payload):
    return le("HHI", t, 0, len(payload)) + payload


def sstr(s):
    return le("H", len(s)) + s


def record(events, extra=b"", sources=0xf, vcpus=2):
    info = le("IIIIQQ", 1234, vcpus, 3, sources, 1 << 60, 1 << 40) + \
        sstr(b"web") + sstr(b"/boot/vmlinuz") + sstr(b"")
    ev = b"".join(le("QIHHIIQQ", *e) for e in events)
    return b"LKVMSTAT" + le("HHI", 1, 16, 0) + rec(1, info) + \
        (rec(2, ev) if events else b"") + extra + rec(6, le("QQ", 2 * 10**9, len(events)))


events = [
    (100, 0, 1, 0, 30, 1, 0xffffffff81000010, 0),     # kvm_exit (VMX I/O)
    (150, 0, 4, 1, 0x3f8, 1, 1, 0x41),                # kvm_pio write
    (160, 0, 3, 0, 2, 0, 0, 0),                       # userspace exit IO
    (200, 0, 9, 0, 0, 0, 0, 0),                       # back in KVM_RUN
    (210, 0, 2, 0, 0, 0, 0xffffffff81000020, 0),      # kvm_entry
    (300, 1, 5, 0, 2, 4, 0xfeb00050, 0),              # kvm_mmio write
    (320, 1, 6, 2, 0x1b, 0, 0, 0xfee00900),           # MSR #GP
    (340, 1, 7, 0, 0xd, 1, 0, 0),                     # cpuid
    (360, 1, 8, 0, 0, 3, 0xffffffff81000030, 0),      # emulate
]
full = rec(3, le("IIQ", 0, 0, 7)) + rec(4, le("I", 0) + ks0) + rec(4, le("I", 1) + ks1) + \
    rec(5, le("I", 0) + acct0) + rec(5, le("I", 1) + acct1) + rec(5, le("I", 2) + acct1) + \
    rec(99, b"future")
put("stat-record", "full", record(events, full))
put("stat-record", "events-only", record(events, sources=0x2))
put("stat-record", "kstats-only", record([], rec(4, le("I", 0) + ks0) + rec(4, le("I", 1) + ks1),
                                         sources=0x4, vcpus=1))
put("stat-record", "acct-only", record([], rec(5, le("I", 0) + acct0) + rec(5, le("I", 1) + acct1),
                                       sources=0x8))
put("stat-record", "empty", record([]))

# ---- the control protocol (util/ctl-proto.h) --------------------------------

CTL_MAGIC = 0x43564B4C


def msg(t, payload, flags=0, mid=7, status=0):
    return le("IHHHHIiI", CTL_MAGIC, 1, t, flags, 0, mid, status, len(payload)) + payload


requests = b"".join([
    msg(1, b""), msg(2, b""), msg(3, b""), msg(4, le("I", 1)),
    msg(5, le("I", 0xffffffff) + sstr(b"/boot/System.map")), msg(6, le("IQ", 0, KVA)),
    msg(7, le("QIII", 0x1000, 64, 0, 1)), msg(8, le("I", 1)), msg(9, b"h"),
    msg(10, le("II", 0, 64)), msg(11, b""), msg(12, b""),
])
put("ctl", "requests", b"\x00\x00" + requests)
put("ctl", "request-bad-version", b"\x00\x00" + msg(1, b"")[:4] + le("H", 2) + msg(1, b"")[6:])

info = le("IIIQQ", 4321, 0, 2, 1 << 30, 5 * 10**9) + sstr(b"web") + sstr(b"/boot/vmlinuz") + \
    le("I", 1) + b"\x52\x54\x00\x12\x34\x56"
R, MORE = 1, 2
put("ctl", "reply-info", b"\x01" + bytes([0]) + msg(1, info, R))
put("ctl", "reply-fds", b"\x01" + bytes([9]) + msg(10, le("IIIIII", 3, 2, 0, 0, 1, 0), R))
put("ctl", "reply-acct", b"\x01" + bytes([10]) + msg(11, acct1, R))
put("ctl", "reply-dump-parts", b"\x01" + bytes([4]) + msg(5, b"RIP=0x1000\n", R | MORE) +
    msg(5, b"RSP=0x8000\n", R))
put("ctl", "reply-error", b"\x01" + bytes([6]) + msg(7, b"address not mapped", R, status=-14))
put("ctl", "reply-none", b"\x01" + bytes([0]) + msg(0, b"bad request", R, mid=0, status=-71))

# ---- the sandbox spec and rootfs config (sandbox/spec.h) --------------------

def spec(*records):
    return b"lkvm-sandbox-spec 1\0" + b"".join(r + b"\0" for r in records)


SPEC_BASE = [b"cwd=/home/u/linux", b"uid=1000", b"gid=1000"]
put("sandbox-spec", "minimal", spec(*SPEC_BASE))
put("sandbox-spec", "full", spec(*SPEC_BASE, b"group=27", b"group=100", b"term=xterm",
                                 b"home=/home/u", b"path=/usr/bin:/bin", b"user=u",
                                 b"shell=/bin/bash", b"tty=11", b"winsize=50x132",
                                 b"share=rw0:/home/u/linux",
                                 b"share=rw1:/tmp/a:b", b"arg=sh", b"arg=-c",
                                 b"arg=pwd; id -u; exit 7"))
put("sandbox-spec", "bad-dup", spec(*SPEC_BASE, b"cwd=/"))
put("sandbox-spec", "rootfs-conf", b"# host dirs\nbind /usr\nbind /lib64\n\nbind /etc\n")
