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
# the libraries lkvm always needs come from their static archives, and
# libslirp is dlopen()ed: exec loads libc only (start-up, bench/start);
# the dynamic loader itself is loaded for every program anyway
needed=$(readelf -d "$TMP/o/lkvm" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v '^ld-linux' | tr '\n' ' ')
[ "$needed" = "libc.so.6 " ]
ok $? "lkvm needs only libc.so.6 at exec (got: $needed)"
rm -f "$TMP/o/lkvm"
make --no-print-directory -C "$SRC" O="$TMP/o" STATIC_LIBS= "$TMP/o/lkvm" >"$TMP/dyn.log" 2>&1 &&
	readelf -d "$TMP/o/lkvm" | grep -q "NEEDED.*libbpf.so" && ! readelf -d "$TMP/o/lkvm" | grep -q "NEEDED.*libslirp"
ok $? "make STATIC_LIBS= links the libraries shared (still no libslirp)"
rm -f "$TMP/o/lkvm"
make --no-print-directory -C "$SRC" O="$TMP/o" "$TMP/o/lkvm" >>"$TMP/dyn.log" 2>&1

make -s -C "$SRC" O="$TMP/o" install prefix="$TMP/prefix" >/dev/null 2>&1
ok $? "make install prefix=DIR"
[ -x "$TMP/prefix/bin/lkvm" ] && [ -f "$TMP/prefix/share/man/man1/lkvm-run.1" ]
ok $? "installs the binary and the man pages"
MANPAGER=cat PAGER=cat "$TMP/prefix/bin/lkvm" help run 2>/dev/null | grep -qi "lkvm-run"
ok $? "the installed lkvm finds its manual page"

# A kernel tree: the small test kernel's source if it has been unpacked,
# else the uapi-relevant part of Debian's linux-source tarball (about 30 s
# to unpack; headers_install needs no kernel build).
kdir=$(ls -d "${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}"/small-kernel/src-*/linux-source-* 2>/dev/null | head -1)
tarball=${LKVM_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
if { [ -z "$kdir" ] || [ ! -f "$kdir/Makefile" ]; } && [ -f "$tarball" ]; then
	top=$(tar tJf "$tarball" 2>/dev/null | head -1 | cut -d/ -f1)
	mkdir -p "$TMP/src"
	if [ -n "$top" ] && nice -n 10 tar xJf "$tarball" -C "$TMP/src" "$top/Makefile" "$top/Kbuild" \
		"$top/Kconfig" "$top/scripts" "$top/include" "$top/arch/x86" "$top/tools/include" \
		2>"$TMP/untar.log"; then
		kdir=$TMP/src/$top
	fi
fi
if [ -n "$kdir" ] && [ -f "$kdir/Makefile" ]; then
	make -s -C "$SRC" O="$TMP/k" KERNEL_DIR="$kdir" -j"$(nproc)" >"$TMP/k.log" 2>&1
	ok $? "make KERNEL_DIR=$kdir"
	grep -q "$TMP/k/uapi/include/linux/kvm.h" "$TMP/k/hv/kvm.d"
	ok $? "KERNEL_DIR: hv/kvm.c is compiled against the tree's exported linux/kvm.h"
	grep -q "from $TMP/k/uapi/include/linux/kvm.h" "$TMP/k/gen/kvm-names.c"
	ok $? "KERNEL_DIR: the name tables are generated from the tree's linux/kvm.h"
	# The same names as the build against the system's header (both 6.1),
	# asked of no kernel so that the test needs no /dev/kvm.
	"$TMP/o/lkvm" features --device /nonexistent --json >"$TMP/sys.json" 2>/dev/null
	"$TMP/k/lkvm" features --device /nonexistent --json >"$TMP/tree.json" 2>/dev/null
	python3 - "$TMP/sys.json" "$TMP/tree.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("capabilities", "exit_reasons", "ioctls"):
    x = {e["name"] for e in a[k]}
    y = {e["name"] for e in b[k]}
    print("# %s: %d system, %d tree, only system %s, only tree %s"
          % (k, len(x), len(y), sorted(x - y)[:5], sorted(y - x)[:5]))
    if not x or x != y:
        sys.exit(1)
PY
	ok $? "KERNEL_DIR: lkvm features lists the same capabilities, exit reasons and ioctls"
else
	skip "no kernel tree: neither the small kernel's source nor $tarball (apt-get install linux-source-6.1)"
	skip "no kernel tree"
	skip "no kernel tree"
	skip "no kernel tree"
fi
echo "1..$n"
