#!/bin/sh
# tier: host (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# lkvm sandbox, lkvm setup, run --rootfs and list --rootfs without a guest:
# option handling, usage errors (one line, exit 128), every input checked
# with a line naming it (exit 120) before /dev/kvm is needed, the rootfs
# directory's layout, --kconfig, --debug-exit's exact mode. TAP output.
# LKVM is set by `make check`; default ./lkvm.

LKVM=${LKVM:-./lkvm}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-sandbox-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
N=0
export XDG_RUNTIME_DIR=$TMP/run LKVM_CACHE=$TMP/cache
mkdir -p "$XDG_RUNTIME_DIR"

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); echo "not ok $N - $1"
	sed 's/^/# /' "$TMP/out" "$TMP/err" 2>/dev/null
}
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }
err_has() { grep -q -e "$1" "$TMP/err"; }
lines() { wc -l <"$TMP/$1" | tr -d ' '; }
# usage RE: exit 128 with one error line (and the -h hint) matching RE
usage() { [ "$rc" = 128 ] && [ "$(lines err)" -le 2 ] && err_has "$1"; }
# fails RE: exit 120 with an error line matching RE
fails() { [ "$rc" = 120 ] && err_has "$1"; }

if [ ! -x "$LKVM" ]; then
	echo "1..0 # SKIP no lkvm binary at $LKVM"
	exit 0
fi
# A file that is a bzImage as far as its setup header goes (boot.rst):
# "HdrS", protocol 2.15, the version string at 0x200 + 0x600.
python3 - "$TMP/bzImage" <<'PY'
import sys
img = bytearray(0x1000)
img[0x1fe:0x200] = b"\x55\xaa"
img[0x202:0x206] = b"HdrS"
img[0x206:0x208] = b"\x0f\x02"
img[0x20e:0x210] = b"\x00\x06"
v = b"6.1.0-99-test (cli) #1\0"
img[0x800:0x800 + len(v)] = v
open(sys.argv[1], "wb").write(img)
PY
bz=$TMP/bzImage

run "$LKVM" sandbox -h
[ "$rc" = 0 ] && grep -q -- '--rw DIR' "$TMP/out"; check $? "sandbox -h: usage with --rw, exit 0"
run "$LKVM" sandbox -i x
usage "makes its own initramfs"; check $? "sandbox -i: usage error"
run "$LKVM" sandbox --debug-exit=0xf4
usage "uses the port itself"; check $? "sandbox --debug-exit: usage error"
run "$LKVM" sandbox --rw
usage "needs a value"; check $? "sandbox --rw without a value: usage error"
run "$LKVM" sandbox -k "$TMP/none" -- true
fails "kernel $TMP/none: No such file"; check $? "sandbox: a missing kernel is named (120)"
run "$LKVM" sandbox -k "$bz" --rw "$TMP/none" -- true
fails "rw $TMP/none: No such file"; check $? "sandbox: a missing --rw directory is named (120)"
run "$LKVM" sandbox -k "$bz" --rw "$bz" -- true
fails "not a directory"; check $? "sandbox: a --rw file is refused (120)"
mkdir -p "$TMP/a,b"
run "$LKVM" sandbox -k "$bz" --rw "$TMP/a,b" -- true
fails "comma"; check $? "sandbox: a path with a comma is refused (120)"
run "$LKVM" sandbox -k "$bz" --modules "$TMP/none" -- true
fails "modules.dep"; check $? "sandbox: --modules without modules.dep is refused (120)"
mkdir -p "$TMP/bin"
cp "$LKVM" "$TMP/bin/lkvm"
run "$TMP/bin/lkvm" sandbox -k "$bz" -- true
fails "no guest init at $TMP/bin/guest/lkvm-init.*make"; check $? "sandbox: a missing guest init is named with 'make' (120)"
ls "$XDG_RUNTIME_DIR"/lkvm/sandbox-*.spec >/dev/null 2>&1
[ $? != 0 ]; check $? "sandbox: no spec file is left behind"

run "$LKVM" setup --kconfig
[ "$rc" = 0 ] && grep -qx 'CONFIG_9P_FS=y' "$TMP/out" && grep -qx 'CONFIG_OVERLAY_FS=y' "$TMP/out" &&
	grep -qx 'CONFIG_NET_9P_VIRTIO=y' "$TMP/out" && grep -qx 'CONFIG_SERIAL_8250_CONSOLE=y' "$TMP/out" &&
	! grep -v '^#' "$TMP/out" | grep -qv '^CONFIG_[A-Z0-9_]*=y$'
check $? "setup --kconfig: only CONFIG_*=y lines, 9p, overlayfs, serial console among them"
run "$LKVM" setup
usage "NAME is needed"; check $? "setup without NAME: usage error"
run "$LKVM" setup ../x
usage "letters, digits"; check $? "setup ../x: an invalid name is a usage error"
run "$LKVM" setup --kconfig r1
usage "takes no NAME"; check $? "setup --kconfig NAME: usage error"
if [ -x "$(dirname "$LKVM")/guest/lkvm-init" ]; then
	run "$LKVM" setup r1
	d=$XDG_RUNTIME_DIR/lkvm/rootfs/r1
	[ "$rc" = 0 ] && [ "$(cat "$TMP/out")" = "$d" ] && [ -d "$d/dev" ] && [ -d "$d/etc-local" ] &&
		[ -d "$d/root" ] && [ -x "$d/lkvm-init" ] && grep -qx 'bind /usr' "$d/lkvm-rootfs.conf" &&
		[ "$(cat "$d/etc-local/hostname")" = r1 ]
	check $? "setup r1: the layout, the config, the init, printed path"
	run "$LKVM" setup r1
	fails "exists"; check $? "setup r1 again: it exists (120)"
	run "$LKVM" list --rootfs
	[ "$rc" = 0 ] && grep -q "^r1 .*$d\$" "$TMP/out"; check $? "list --rootfs lists r1"
	run "$LKVM" list --rootfs --json
	[ "$rc" = 0 ] && grep -q "\"name\": \"r1\", \"path\": \"$d\"" "$TMP/out"
	check $? "list --rootfs --json"
	run "$LKVM" run --rootfs r1 -i x
	usage "makes its own initramfs"; check $? "run --rootfs with -i: usage error"
	run "$LKVM" run --rootfs r1 -k "$TMP/none"
	[ "$rc" = 120 ]; check $? "run --rootfs r1 with a missing kernel: 120"
	run "$LKVM" setup --remove r1
	[ "$rc" = 0 ] && [ ! -e "$d" ]; check $? "setup --remove r1 deletes it"
else
	for i in 1 2 3 4 5 6 7; do N=$((N + 1)); echo "ok $N # SKIP no guest/lkvm-init (run make)"; done
fi
run "$LKVM" setup --remove r1
fails "no rootfs 'r1'"; check $? "setup --remove of a missing rootfs: 120"
run "$LKVM" run --rootfs nope -k "$bz"
fails "no rootfs 'nope'.*lkvm setup nope"; check $? "run --rootfs of a missing rootfs says how to make it"
run "$LKVM" run --rootfs 'a/b'
usage "letters, digits"; check $? "run --rootfs with an invalid name: usage error"

run "$LKVM" run --debug-exit=0xf4,exact,4 -k "$bz"
usage "PORT\[,SIZE\]\[,exact\]"; check $? "--debug-exit PORT,exact,SIZE: usage error"
run "$LKVM" run --debug-exit=0xf4,4,exact,exact -k "$bz"
usage "exact"; check $? "--debug-exit with exact twice: usage error"
run "$LKVM" run --debug-exit=0xf4,4,exact -k "$TMP/none"
[ "$rc" = 120 ] && ! err_has "debug-exit"; check $? "--debug-exit=0xf4,4,exact parses (then the missing kernel: 120)"
run "$LKVM" run --debug-exit=0xf4,exact -k "$TMP/none"
[ "$rc" = 120 ] && ! err_has "debug-exit"; check $? "--debug-exit=0xf4,exact parses"

for c in sandbox setup; do
	run "$LKVM" help $c
	[ "$rc" = 0 ] && grep -qi "lkvm-$c" "$TMP/out"; check $? "lkvm help $c shows its page"
done
echo "1..$N"
