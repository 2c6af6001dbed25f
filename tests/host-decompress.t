#!/bin/sh
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# Bounded memory: lkvm decompresses a bzImage's payload straight into guest
# RAM, so a decompression bomb (1 GiB of zeros bzip2'd into a few hundred
# bytes, built here) is refused with one line while lkvm's RSS stays under
# 64 MiB, and the demo kernel (`make guest`, when present) leaves lkvm's own
# memory, as `--loglevel info` reports it, at 8 MiB or less. Needs /dev/kvm
# and python3; /usr/bin/time for the RSS. TAP output.

LKVM=${LKVM:-./lkvm}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-hostdec.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
N=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); echo "not ok $N - $1"; sed 's/^/# /' "$TMP/err"; }
skip() { N=$((N + 1)); echo "ok $N # SKIP $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }

[ -x "$LKVM" ] || { echo "1..0 # SKIP no lkvm binary at $LKVM"; exit 0; }
[ -e /dev/kvm ] || { echo "1..0 # SKIP no /dev/kvm"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 0; }

# A bzImage (boot protocol 2.15, 64-bit entry) around a bzip2 payload of
# 1 GiB of zeros, compressed in 1 MiB pieces (a few seconds of CPU).
python3 - "$TMP/bomb.bzImage" <<'PY'
import bz2, struct, sys
c = bz2.BZ2Compressor(9)
z = bytes(1 << 20)
payload = b"".join(c.compress(z) for _ in range(1024)) + c.flush()
payload += struct.pack("<I", 1 << 30)
setup, off = 5 * 512, 0x400
pm = bytearray(off) + payload
pm += bytes(-len(pm) % 16)
f = bytearray(setup) + pm
f[0x1f1] = 4
struct.pack_into("<I", f, 0x1f4, len(pm) // 16)
struct.pack_into("<H", f, 0x1fe, 0xaa55)
f[0x200:0x202] = b"\xeb\x6a"
f[0x202:0x206] = b"HdrS"
struct.pack_into("<H", f, 0x206, 0x020f)
f[0x211] = 0x01                                  # LOADED_HIGH
struct.pack_into("<I", f, 0x214, 0x100000)
struct.pack_into("<I", f, 0x22c, 0x7fffffff)
struct.pack_into("<I", f, 0x230, 0x200000)
f[0x234] = 1
struct.pack_into("<H", f, 0x236, 1)              # XLF_KERNEL_64
struct.pack_into("<I", f, 0x238, 2047)
struct.pack_into("<II", f, 0x248, off, len(payload))
struct.pack_into("<Q", f, 0x258, 0x1000000)
struct.pack_into("<I", f, 0x260, 0x1000000)
open(sys.argv[1], "wb").write(f)
PY
size=$(wc -c <"$TMP/bomb.bzImage")

if [ -x /usr/bin/time ]; then
	/usr/bin/time -f 'maxrss %M' -o "$TMP/time" "$LKVM" run -k "$TMP/bomb.bzImage" -m 2G \
		</dev/null >/dev/null 2>"$TMP/err"
	rc=$?
	rss=$(sed -n 's/^maxrss //p' "$TMP/time")
	[ "$rc" = 120 ] && [ "$(grep -c . "$TMP/err")" = 1 ] &&
		grep -q "payload does not decompress to a 64-bit ELF vmlinux" "$TMP/err" &&
		[ -n "$rss" ] && [ "$rss" -lt 65536 ]
	check $? "bomb ($size-byte bzImage, 1 GiB of zeros, -m 2G): one line, lkvm's RSS ${rss:-?} KiB < 64 MiB"
else
	skip "no /usr/bin/time to measure the bomb's RSS"
fi

# The demo guest: start it, stop it once the kernel is loaded, read the
# memory line lkvm prints on the way out.
env="${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}/demo/env"

# own_kib ARGS...: start `lkvm run -m 512 --loglevel info ARGS`, stop it
# with SIGTERM once its control socket is up (the kernel is loaded and the
# handlers that print the memory line are installed by then), and print
# "lkvm's own" memory in KiB from its info line. stderr stays in $TMP/err.
own_kib() {
	"$LKVM" run -m 512 --loglevel info "$@" </dev/null >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	for _ in $(seq 300); do
		grep -q 'control socket' "$TMP/err" && break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	sed -n "s/.*lkvm's own \([0-9]*\) KiB.*/\1/p" "$TMP/err"
}
if [ -f "$env" ]; then
	. "$env"
	own=$(own_kib -k "$KERNEL" -i "$INITRD" --name "hostdec-$$")
	grep -q "into guest RAM at" "$TMP/err" && [ -n "$own" ] && [ "$own" -le 8192 ]
	check $? "demo kernel: decompressed into guest RAM, lkvm's own memory ${own:-?} KiB <= 8 MiB"
	# The same kernel as a vmlinux (its payload, unpacked here): the
	# mapped file's pages are dropped as its segments are copied.
	python3 - "$KERNEL" "$TMP/payload" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb").read()
setup = ((f[0x1f1] or 4) + 1) * 512
off, n = struct.unpack_from("<II", f, 0x248)
open(sys.argv[2], "wb").write(f[setup + off:setup + off + n])
PY
	# (lz4 exits 1 on the size trailer after the frame, having written it all)
	command -v lz4 >/dev/null 2>&1 && lz4 -dcq "$TMP/payload" >"$TMP/vmlinux" 2>/dev/null
	if [ "$(head -c 4 "$TMP/vmlinux" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; then
		own=$(own_kib -k "$TMP/vmlinux" --name "hostdec-v-$$")
		[ -n "$own" ] && [ "$own" -le 16384 ]
		check $? "demo kernel as a $(($(wc -c <"$TMP/vmlinux") >> 20)) MiB vmlinux: lkvm's own memory ${own:-?} KiB <= 16 MiB"
	else
		skip "the demo payload is not lz4, or no lz4 tool"
	fi
else
	skip "no demo guest ($env): make guest"
	skip "no demo guest ($env): make guest"
fi

echo "1..$N"
