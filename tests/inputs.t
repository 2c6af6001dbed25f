#!/bin/sh
# tier: host (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# Fail early: `lkvm run` reads and checks every input (kernel, initrd,
# disks, symbols, -m) before it opens /dev/kvm, and each bad input gets its
# own line naming it. Runs with LKVM_DEV_KVM pointing at a path that does
# not exist, so the order is checked on a host that has /dev/kvm, and again
# with the real device when there is one. Needs no KVM. TAP output.

LKVM=${LKVM:-./lkvm}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-inputs.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
N=0
NOKVM="$TMP/no-such-kvm"

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); echo "not ok $N - $1"; sed 's/^/# /' "$TMP/err"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
errs() { grep -c 'error' "$TMP/err"; }
run_nokvm() { LKVM_DEV_KVM=$NOKVM "$LKVM" run "$@" </dev/null >/dev/null 2>"$TMP/err"; rc=$?; }
run_kvm() { "$LKVM" run "$@" </dev/null >/dev/null 2>"$TMP/err"; rc=$?; }

if [ ! -x "$LKVM" ]; then
	echo "1..0 # SKIP no lkvm binary at $LKVM"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 needed to write the test images"
	exit 0
fi

# A minimal x86-64 vmlinux (one PT_LOAD at 16 MiB, entry inside it), a
# bzImage cut after 600 bytes whose header asks for 39 setup sectors, an
# empty file and random bytes.
python3 - "$TMP" <<'PY'
import os, struct, sys
d = sys.argv[1]
code = b"\xf4" * 16
ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + bytes(9), 2, 62, 1,
                   0x1000000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
phdr = struct.pack("<IIQQQQQQ", 1, 5, 0x78, 0x1000000, 0x1000000, len(code), len(code), 0x1000)
open(os.path.join(d, "vmlinux"), "wb").write(ehdr + phdr + code)
bz = bytearray(600)
bz[0x1f1] = 39
bz[0x1fe:0x200] = b"\x55\xaa"
bz[0x202:0x206] = b"HdrS"
bz[0x206:0x208] = struct.pack("<H", 0x020f)
open(os.path.join(d, "trunc.bzImage"), "wb").write(bz)
open(os.path.join(d, "empty"), "wb").close()
open(os.path.join(d, "random"), "wb").write(bytes((i * 151 + 7) & 0xff for i in range(4096)))
PY
VML="$TMP/vmlinux"

# one error line naming the input, status 120 (lkvm error), and no word about KVM
bad_input() {
	desc=$1 pattern=$2
	shift 2
	run_nokvm "$@"
	[ "$rc" = 120 ] && [ "$(errs)" = 1 ] && grep -q -e "$pattern" "$TMP/err" &&
		! grep -q -e "$NOKVM" -e /dev/kvm "$TMP/err"
	check $? "$desc (no KVM device): its own line, before the KVM check"
	if [ -e /dev/kvm ]; then
		run_kvm "$@"
		[ "$rc" = 120 ] && [ "$(errs)" = 1 ] && grep -q -e "$pattern" "$TMP/err"
		check $? "$desc (with /dev/kvm): the same line"
	fi
}

bad_input "missing kernel" "^lkvm: error: kernel '$TMP/nope': No such file or directory$" \
	-k "$TMP/nope"
bad_input "empty kernel" "kernel '$TMP/empty': file is empty" -k "$TMP/empty"
bad_input "random kernel" "kernel '$TMP/random': not a bzImage, a vmlinux ELF or a multiboot image" \
	-k "$TMP/random"
bad_input "truncated bzImage" \
	"kernel '$TMP/trunc.bzImage': file truncated: setup needs 20480 bytes, file has 600" \
	-k "$TMP/trunc.bzImage"
bad_input "kernel is a directory" "kernel '$TMP': is a directory" -k "$TMP"
bad_input "missing initrd" "initrd '$TMP/no-initrd': No such file or directory" \
	-k "$VML" -i "$TMP/no-initrd"
bad_input "two initrds for Linux" "takes one initrd, but 2 were given" \
	-k "$VML" -i "$TMP/empty" -i "$TMP/random"
bad_input "missing disk" "\-d $TMP/no-disk: No such file or directory" \
	-k "$VML" -d "$TMP/no-disk"
bad_input "symbols without symbols" "\-\-symbols $TMP/random: " \
	-k "$VML" --symbols "$TMP/random"

bad_input "missing --fw-cfg file" "\-\-fw-cfg file=$TMP/no-blob: No such file or directory" \
	-k "$VML" --fw-cfg "name=etc/blob,file=$TMP/no-blob"
bad_input "missing --9p directory" "\-\-9p $TMP/no-dir: No such file or directory" \
	-k "$VML" --9p "$TMP/no-dir"
bad_input "--9p of a file" "\-\-9p $TMP/empty: not a directory" \
	-k "$VML" --9p "$TMP/empty,ro"

# --9p usage errors: one line naming the argument, exit 128
for arg in "$TMP,a,b" "$TMP,bad/tag" ",tag"; do
	run_nokvm -k "$VML" --9p "$arg"
	[ "$rc" = 128 ] && [ "$(errs)" = 1 ] && grep -qF -- "--9p '$arg'" "$TMP/err"
	check $? "--9p '$arg': a usage error naming it, exit 128"
done
run_nokvm -k "$VML" --9p "$TMP" --9p "$TMP,ro"
[ "$rc" = 128 ] && [ "$(errs)" = 1 ] && grep -q "tag '.*' is already used" "$TMP/err"
check $? "--9p twice with the same tag: a usage error"

# a multiboot image takes modules: a missing one is named as such
HELLO=${LKVM_OUT:-.}/tests/guests/hello.elf
if [ -f "$HELLO" ]; then
	bad_input "missing multiboot module" "module '$TMP/no-mod': No such file or directory" \
		-k "$HELLO" --module "$TMP/no-mod,some string"
else
	N=$((N + 1)); echo "ok $N # SKIP no $HELLO (make tests)"
fi

# every bad input at once: one line each
run_nokvm -k "$TMP/nope" -i "$TMP/no-initrd" -d "$TMP/no-disk"
[ "$rc" = 120 ] && [ "$(errs)" = 3 ] && grep -q "kernel '$TMP/nope'" "$TMP/err" &&
	grep -q "initrd '$TMP/no-initrd'" "$TMP/err" && grep -q "$TMP/no-disk" "$TMP/err" &&
	! grep -q -e "$NOKVM" -e /dev/kvm "$TMP/err"
check $? "kernel, initrd and disk all missing: three lines, no KVM line"

# good inputs: now the KVM device is the problem, and the line says why
run_nokvm -k "$VML"
[ "$rc" = 120 ] && [ "$(errs)" = 1 ] && grep -q "$NOKVM does not exist" "$TMP/err" &&
	grep -q 'scripts/nested-kvm -- COMMAND' "$TMP/err"
check $? "good kernel, no KVM device: the KVM line, with scripts/nested-kvm"

# libslirp is opened only for a -n user NIC (the default for a Linux
# kernel), and before /dev/kvm: a broken one is named with what to do
mkdir -p "$TMP/badlib" && : > "$TMP/badlib/libslirp.so.0"
LD_LIBRARY_PATH="$TMP/badlib" run_nokvm -k "$VML"
[ "$rc" = 120 ] && [ "$(errs)" = 1 ] && grep -q -- "-n user: .*libslirp.so.0.*install libslirp0, or use -n tap or -n none" "$TMP/err" &&
	! grep -q "$NOKVM" "$TMP/err"
check $? "libslirp cannot be loaded: one -n user line naming it, before the KVM check"
LD_LIBRARY_PATH="$TMP/badlib" run_nokvm -k "$VML" -n none
[ "$rc" = 120 ] && [ "$(errs)" = 1 ] && grep -q "$NOKVM does not exist" "$TMP/err"
check $? "... -n none does not load it: the KVM line only"

# -m: the valid range, and what the user typed
for m in 0 99999999G 3M 2T; do
	run_nokvm -k "$VML" -m "$m"
	[ "$rc" = 128 ] && grep -q "^lkvm run: error: -m '$m' is out of range: give 4M to 1T" "$TMP/err"
	check $? "-m $m: out of range, echoed as typed, exit 128"
done
run_nokvm -k "$VML" -m 12Q
[ "$rc" = 128 ] && grep -q "^lkvm run: error: -m '12Q' is not a size: give 4M to 1T" "$TMP/err"
check $? "-m 12Q: not a size, echoed as typed"

echo "1..$N"
