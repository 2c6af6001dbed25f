#!/bin/bash
# make-initramfs.sh - build lkvm's busybox initramfs.
#
# Usage: scripts/make-initramfs.sh OUT.cpio.gz [--modules ROOT KVER NAME...]
#        scripts/make-initramfs.sh OUT.cpio [...]   (uncompressed, see below)
#
# The image holds Debian's static busybox (/bin/busybox from busybox-static)
# with a symlink per applet, /dev/console, and tests/linux/init.sh as /init
# (INIT=FILE in the environment puts another script there instead:
# scripts/nested-kvm uses that for its L1).
# With --modules, ROOT is a tree holding lib/modules/KVER (an unpacked
# linux-image package) and each NAME (module name, '-' and '_' alike) is
# copied into the image with everything it depends on according to
# modules.dep; /etc/modules lists them in load order (dependencies first).
# Compressed modules (.ko.xz/.zst/.gz) are stored decompressed, since
# busybox insmod does not read every format. A NAME that is built into the
# kernel (modules.builtin) is skipped; a NAME that is unknown is skipped with
# a warning (so optional modules like virtio_pci_legacy_dev may be listed).
#
# Output: newc cpio, gzip-compressed (the kernel needs CONFIG_RD_GZIP), or
# uncompressed when OUT ends in .cpio: on PVM hosts, where guest kernel code
# is emulated, the small kernel spent 130 s unpacking the 1 MB gzip image
# and 15 s unpacking the 2 MB plain one (boots to /init: 162 s vs 61 s).
# No root needed: /dev/console is made under fakeroot when not root.
# Exit: 0 ok, 1 error.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
INIT=${INIT:-$REPO/tests/linux/init.sh}
BUSYBOX=${BUSYBOX:-/bin/busybox}

msg() { echo "make-initramfs: $*" >&2; }
die() { msg "error: $*"; exit 1; }
usage() { die "usage: $0 OUT.cpio.gz [--modules ROOT KVER NAME...]"; }

[ $# -ge 1 ] || usage
out=$1
shift
mod_root="" kver=""
names=()
if [ $# -gt 0 ]; then
	[ "$1" = --modules ] && [ $# -ge 3 ] || usage
	mod_root=$2 kver=$3
	shift 3
	names=("$@")
fi

[ -r "$INIT" ] || die "missing $INIT"
if [ ! -x "$BUSYBOX" ] || ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
	die "$BUSYBOX is not a static busybox: apt-get install busybox-static"
fi
command -v cpio >/dev/null || die "cpio missing: apt-get install cpio"

stage=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,lib/modules}
cp "$BUSYBOX" "$stage/bin/busybox"
# One symlink per applet, at the path busybox itself reports for it.
"$BUSYBOX" --list-full | while IFS= read -r applet; do
	case "$applet" in ""|/*|*..*) continue ;; esac
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
[ -e "$stage/bin/sh" ] || ln -s busybox "$stage/bin/sh"
install -m 0755 "$INIT" "$stage/init"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"
printf 'PS1="lkvm-guest# "\nexport PS1\n' > "$stage/etc/profile"
: > "$stage/etc/modules"

# --- modules ---
if [ -n "$mod_root" ]; then
	mdir=$mod_root/lib/modules/$kver
	[ -r "$mdir/modules.dep" ] || die "no $mdir/modules.dep"
	declare -A dep_of=() path_of=() done_mod=()
	# modules.dep: "kernel/a/b.ko[.xz]: dep1.ko dep2.ko ..."
	while IFS= read -r line; do
		path=${line%%:*}
		deps=${line#*:}
		base=${path##*/}
		name=${base%%.ko*}
		name=${name//-/_}
		path_of[$name]=$path
		dep_of[$name]=$deps
	done < "$mdir/modules.dep"

	order=()
	# add_mod NAME: append NAME after everything it depends on.
	add_mod() {
		local n=$1 d dn
		[ -z "${done_mod[$n]:-}" ] || return 0
		done_mod[$n]=1
		for d in ${dep_of[$n]:-}; do
			dn=${d##*/}
			dn=${dn%%.ko*}
			add_mod "${dn//-/_}"
		done
		order+=("$n")
	}
	for n in "${names[@]}"; do
		n=${n//-/_}
		if [ -n "${path_of[$n]:-}" ]; then
			add_mod "$n"
		elif grep -qE "/${n//_/[-_]}\.ko$" "$mdir/modules.builtin" 2>/dev/null; then
			msg "$n is built into $kver, skipped"
		else
			msg "warning: no module $n in $kver, skipped"
		fi
	done

	dst=$stage/lib/modules/$kver
	for n in "${order[@]}"; do
		src=${path_of[$n]}
		ko=${src%.ko*}.ko
		mkdir -p "$dst/$(dirname "$ko")"
		case "$src" in
		*.ko) cp "$mdir/$src" "$dst/$ko" ;;
		*.ko.xz) xz -dc "$mdir/$src" > "$dst/$ko" ;;
		*.ko.zst) zstd -qdc "$mdir/$src" > "$dst/$ko" ;;
		*.ko.gz) gzip -dc "$mdir/$src" > "$dst/$ko" ;;
		*) die "unknown module format: $src" ;;
		esac
		echo "$ko" >> "$stage/etc/modules"
	done
	msg "modules (load order): ${order[*]:-none}"
fi

# --- archive ---
tmp_out=$out.tmp.$$
pack() {
	# shellcheck disable=SC2016
	local script='mknod -m 600 dev/console c 5 1 && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet'
	if [ "$(id -u)" = 0 ]; then
		(cd "$stage" && sh -c "$script")
	elif command -v fakeroot >/dev/null; then
		(cd "$stage" && fakeroot sh -c "$script")
	else
		msg "warning: not root and no fakeroot: no /dev/console node (init takes it from devtmpfs)"
		(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
	fi
}
mkdir -p "$(dirname "$out")"
case "$out" in
*.cpio) pack > "$tmp_out" ;;
*) pack | gzip -9n > "$tmp_out" ;;
esac
mv "$tmp_out" "$out"
msg "wrote $out ($(stat -c %s "$out") bytes)"
