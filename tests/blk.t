#!/bin/sh
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# virtio-blk and its disk backends through the virtio-blk payload
# (tests/guests/virtio-blk.c) under `lkvm run -d`: reads and writes over
# both transports and both engines (io_uring, I/O threads), GET_ID, FLUSH,
# a read past the end, a hostile header, ro, cow (anonymous and named
# overlays, a mismatched base), image locking, and data safety (SIGKILL
# right after the guest saw its FLUSH complete). TAP output.
# LKVM and LKVM_OUT as in tests/guests.t.

LKVM=${LKVM:-./lkvm}
LKVM_OUT=${LKVM_OUT:-.}
G=$LKVM_OUT/tests/guests
TIMEOUT=${GUEST_TIMEOUT:-60}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-blk.XXXXXX") || exit 1
BG=
trap '[ -n "$BG" ] && kill -9 $BG 2>/dev/null; rm -rf "$TMP"' EXIT
N=0

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); echo "not ok $N - $1"
	echo "# status $rc; stdout:"; sed 's/^/#   /' "$TMP/out"
	echo "# stderr:"; sed 's/^/#   /' "$TMP/err" | head -40
}
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
guest() {
	timeout "$TIMEOUT" "$LKVM" run -k "$G/virtio-blk.elf" "$@" </dev/null >"$TMP/raw" 2>"$TMP/err"
	rc=$?
	tr -d '\r' <"$TMP/raw" >"$TMP/out"
}
has() { grep -q -x -e "$1" "$TMP/out"; }
err_has() { grep -q -e "$1" "$TMP/err"; }

# mkimg FILE [KIB]: the payload's pattern, byte o = ((o >> 9) * 31 + o) & 0xff
mkimg() {
	python3 -c '
import sys
n = int(sys.argv[2]) * 1024
open(sys.argv[1], "wb").write(bytes(((o >> 9) * 31 + o) & 0xff for o in range(n)))' "$1" "${2:-1024}"
}
# written FILE: sectors 8-15 hold what the payload wrote (0x5a ^ i)
written() {
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read()[4096:8192]
sys.exit(0 if all(b == (0x5a ^ (i & 0xff)) for i, b in enumerate(d)) else 1)' "$1"
}
pristine() { cmp -s "$1" "$TMP/ref"; }

if [ ! -e /dev/kvm ]; then echo "1..0 # SKIP no /dev/kvm"; exit 0; fi
if [ ! -x "$LKVM" ]; then echo "1..0 # SKIP no lkvm binary at $LKVM"; exit 0; fi
if [ ! -f "$G/virtio-blk.elf" ]; then echo "1..0 # SKIP payloads not built (make guests)"; exit 0; fi
if ! command -v python3 >/dev/null; then echo "1..0 # SKIP python3 needed to make images"; exit 0; fi

mkimg "$TMP/ref"
basic() {
	has "virtio-blk: found on $1" && has "virtio-blk: capacity 2048 sectors" &&
		has "virtio-blk: read sectors 0-7: ok" &&
		has "virtio-blk: wrote sectors 8-15 and read them back: ok" &&
		has "virtio-blk: flushed" && has "virtio-blk: read past the end: IOERR"
}
for t in pci mmio; do
	for engine in io_uring threads; do
		cp "$TMP/ref" "$TMP/img"
		if [ $engine = threads ]; then
			LKVM_NO_IO_URING=1 guest -d "$TMP/img,serial=lkvm-disk-01" --virtio-transport $t --loglevel info
		else
			guest -d "$TMP/img,serial=lkvm-disk-01" --virtio-transport $t --loglevel info
		fi
		[ "$rc" = 1 ] && basic $t && err_has "virtio-blk ($t .*), $engine" && written "$TMP/img"
		check $? "$t, $engine: read, write, read back, flush, past-the-end IOERR; the image holds the write"
		has "virtio-blk: get_id status 0 serial 'lkvm-disk-01'"
		check $? "$t, $engine: GET_ID returns the serial"
	done
	cp "$TMP/ref" "$TMP/img"
	guest -d "$TMP/img" --virtio-transport $t -p "hostile=1"
	[ "$rc" = 1 ] && has "virtio-blk: 8-byte header: status 0x4f (needs reset)" &&
		[ "$(grep -c 'header of 8 bytes, expected 16; device needs reset' "$TMP/err")" = 1 ]
	check $? "$t: a 8-byte request header: DEVICE_NEEDS_RESET and one log line; the guest goes on"
done

cp "$TMP/ref" "$TMP/img"
guest -d "$TMP/img,ro"
[ "$rc" = 1 ] && has "virtio-blk: read sectors 0-7: ok" &&
	has "virtio-blk: read-only: write refused with IOERR" && pristine "$TMP/img"
check $? "ro: VIRTIO_BLK_F_RO, writes refused with IOERR, the image unchanged"

cp "$TMP/ref" "$TMP/img"
guest -d "$TMP/img,cow"
[ "$rc" = 1 ] && basic pci && pristine "$TMP/img"
check $? "cow (anonymous overlay): the guest reads its writes back, the image unchanged"

guest -d "$TMP/img,cow=$TMP/ovl"
[ "$rc" = 1 ] && basic pci && pristine "$TMP/img" && [ -s "$TMP/ovl" ]
check $? "cow=OVERLAY: the image unchanged, the overlay file holds the write"
# the second run reads sectors 8-15 from the overlay: its read-back check
# would pass anyway, so look at sector 8 through a run that only reads
guest -d "$TMP/img,cow=$TMP/ovl" -p "bench=r4k n=1"
[ "$rc" = 1 ] && pristine "$TMP/img"
check $? "cow=OVERLAY: reused on the next run with the same base"
touch -d '2001-01-01' "$TMP/img"
guest -d "$TMP/img,cow=$TMP/ovl"
# status 120 (lkvm's error) with nothing from the guest
[ "$rc" = 120 ] && [ ! -s "$TMP/out" ] && err_has "was made for another base image"
check $? "cow=OVERLAY with a changed base: one clear error"

# locking: a writable image in use by another lkvm
cp "$TMP/ref" "$TMP/img"
"$LKVM" run -k "$G/virtio-blk.elf" -d "$TMP/img" -p "hang=1" \
	</dev/null >"$TMP/bg.out" 2>"$TMP/bg.err" &
BG=$!
i=0
while ! grep -q "virtio-blk: flushed" "$TMP/bg.out" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1; i=$((i + 1))
done
guest -d "$TMP/img"
[ "$rc" = 120 ] && [ ! -s "$TMP/out" ] && err_has "image $TMP/img is in use by another process"
check $? "locking: a second lkvm cannot open the image another one writes"
guest -d "$TMP/img,ro"
[ "$rc" = 120 ] && [ ! -s "$TMP/out" ] && err_has "in use by another process"
check $? "locking: nor read it while the other one writes it"

# data safety: SIGKILL right after the guest saw "flushed"
grep -q "virtio-blk: flushed" "$TMP/bg.out"; saw=$?
kill -9 $BG; wait $BG 2>/dev/null; BG=
[ $saw = 0 ] && written "$TMP/img"
check $? "data safety: SIGKILL right after FLUSH completed; the write is in the image"
guest -d "$TMP/img"
[ "$rc" = 1 ] && basic pci
check $? "locking: the lock goes with the killed process"

mkdir "$TMP/dir"
guest -d "$TMP/dir"
[ "$rc" = 120 ] && err_has "'$TMP/dir' is a directory: .*9p" && [ "$(wc -l <"$TMP/err")" = 1 ]
check $? "-d DIR: one error line pointing at the 9p option to come"
guest -d "$TMP/missing.img"
[ "$rc" = 120 ] && err_has "missing.img: No such file or directory" && [ "$(wc -l <"$TMP/err")" = 1 ]
check $? "-d with a missing image: one error line"
guest -d "$TMP/img,bogus"
[ "$rc" = 128 ] && err_has "unknown flag 'bogus'"
check $? "-d with an unknown flag: usage error"
head -c 1048000 "$TMP/ref" >"$TMP/short"
guest -d "$TMP/short"
[ "$rc" = 1 ] && has "virtio-blk: capacity 2046 sectors" && err_has "not a multiple of 512 bytes"
check $? "an image of 1048000 bytes: rounded down to 2046 sectors with a warning"

echo "1..$N"
