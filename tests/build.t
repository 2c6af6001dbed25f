#!/bin/bash
# tier: host (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# The build's own options: O= out of tree, V=1 full commands, KERNEL_DIR=
# against a kernel tree's exported uapi headers, make install prefix=.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-build-t.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

make --no-print-directory -C "$SRC" O="$TMP/o" V=1 -j"$(nproc)" >"$TMP/v1.log" 2>&1
ok $? "make O=DIR V=1 builds out of tree"
[ -x "$TMP/o/lkvm" ] && [ -f "$TMP/o/hv/kvm.o" ]
ok $? "lkvm and its objects are in O=DIR"
grep -q -- "-Wall -Wextra -Werror" "$TMP/v1.log"
ok $? "V=1 shows the full compiler command lines"

make -s -C "$SRC" O="$TMP/o" install prefix="$TMP/prefix" >/dev/null 2>&1
ok $? "make install prefix=DIR"
[ -x "$TMP/prefix/bin/lkvm" ] && [ -f "$TMP/prefix/share/man/man1/lkvm-run.1" ]
ok $? "installs the binary and the man pages"
MANPAGER=cat PAGER=cat "$TMP/prefix/bin/lkvm" help run 2>/dev/null | grep -qi "lkvm-run"
ok $? "the installed lkvm finds its manual page"

# A kernel tree: the small test kernel's source, if it has been unpacked.
kdir=$(ls -d "${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}"/small-kernel/src-*/linux-source-* 2>/dev/null | head -1)
if [ -n "$kdir" ] && [ -f "$kdir/Makefile" ]; then
	make -s -C "$SRC" O="$TMP/k" KERNEL_DIR="$kdir" -j"$(nproc)" >"$TMP/k.log" 2>&1
	ok $? "make KERNEL_DIR=$kdir"
	grep -q "$TMP/k/uapi/include/linux/kvm.h" "$TMP/k/hv/kvm.d"
	ok $? "KERNEL_DIR: hv/kvm.c is compiled against the tree's exported linux/kvm.h"
else
	skip "no kernel tree unpacked (make guest-small unpacks linux-source-6.1)"
	skip "no kernel tree unpacked"
fi
echo "1..$n"
