#!/bin/bash
# make-guest.sh - fetch lkvm's demo guest (`make guest`).
#
# Usage: scripts/make-guest.sh
#
# In ${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}/demo/:
# downloads Debian's current cloud kernel (linux-image-cloud-amd64, resolved
# to its linux-image-<abi>-cloud-amd64 dependency) with `apt-get download`
# (no root needed, but the apt lists must exist: `apt-get update`), unpacks
# it with dpkg-deb -x, keeps vmlinuz and System.map, and builds a busybox
# initramfs (scripts/make-initramfs.sh) with the virtio, 9p and pvpanic
# modules and their dependencies. The kernel's modules stay next to it in
# lib/modules/<kver>/ (modules.dep made by depmod), where lkvm sandbox and
# lkvm run --rootfs find them for their own initramfs.
#
# Prints KERNEL=, INITRD=, SYSTEM_MAP= lines at the end and writes them (plus
# PACKAGE= and KVER=) to demo/env, which can be sourced. A second run with
# the same package version is instant.
# Exit: 0 ok, 1 error.
set -eu

META=linux-image-cloud-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}/demo
# Modules the demo guest loads (optional ones are skipped when absent or
# built in; make-initramfs.sh adds their dependencies).
MODULES="virtio virtio_ring virtio_pci virtio_pci_modern_dev
	virtio_pci_legacy_dev virtio_blk virtio_net net_failover failover
	virtio_console virtio_rng rng-core virtio_mmio pvpanic pvpanic-pci
	button evdev 9pnet 9pnet_virtio 9p overlay"

msg() { echo "make-guest: $*" >&2; }
die() { msg "error: $*"; exit 1; }

for c in apt-cache apt-get dpkg-deb; do
	command -v "$c" >/dev/null || die "$c not found: this needs a Debian (or derived) host"
done

candidate=$(apt-cache policy "$META" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
	die "apt knows no $META: run 'apt-get update' (as root) first"
fi
pkg=$(apt-cache depends "$META" 2>/dev/null |
	sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n1)
[ -n "$pkg" ] || die "cannot resolve $META to a linux-image-<abi>-cloud-amd64 package"
ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no candidate version for $pkg"

env_file=$CACHE/env
# The initramfs is remade when the module list or its init changes.
mods_key=$(echo $MODULES | cksum | cut -d' ' -f1)
if [ -f "$env_file" ] && grep -qxF "PACKAGE=${pkg}_$ver" "$env_file" &&
	grep -qxF "MODULES_KEY=$mods_key" "$env_file"; then
	# shellcheck disable=SC1090
	. "$env_file"
	if [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
		[ -f "$CACHE/lib/modules/$KVER/modules.dep" ] &&
		[ "$INITRD" -nt "$REPO/tests/linux/init.sh" ] &&
		[ "$INITRD" -nt "$REPO/scripts/make-initramfs.sh" ]; then
		msg "up to date (${pkg} $ver)"
		grep -E '^(KERNEL|INITRD|SYSTEM_MAP)=' "$env_file"
		exit 0
	fi
fi

mkdir -p "$CACHE/debs"
exec 9>"$CACHE/.lock"
flock 9

msg "downloading $pkg $ver"
# apt-get download writes to the current directory; as root, apt warns
# that it cannot drop privileges into this directory, which is harmless.
(cd "$CACHE/debs" && apt-get download "$pkg=$ver" >&2) ||
	die "apt-get download $pkg=$ver failed"
deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || die "no .deb for $pkg in $CACHE/debs"

root=$CACHE/root
rm -rf "$root"
msg "unpacking $(basename "$deb")"
dpkg-deb -x "$deb" "$root"

vmlinuz=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $deb"
kver=${vmlinuz##*/vmlinuz-}
[ -d "$root/lib/modules/$kver" ] || die "no lib/modules/$kver in $deb"
# The package ships no modules.dep (the postinst runs depmod): make one in
# the unpacked tree, without touching the host's /lib/modules.
if [ ! -f "$root/lib/modules/$kver/modules.dep" ]; then
	command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	command -v depmod >/dev/null || die "depmod missing: apt-get install kmod"
	depmod -b "$root" "$kver"
fi

kernel=$CACHE/vmlinuz-$kver
sysmap=$CACHE/System.map-$kver
initrd=$CACHE/initramfs-$kver.cpio.gz
cp "$vmlinuz" "$kernel"
cp "$root/boot/System.map-$kver" "$sysmap"
# shellcheck disable=SC2086
"$REPO/scripts/make-initramfs.sh" "$initrd" --modules "$root" "$kver" $MODULES

# Keep the modules next to the kernel (lkvm sandbox -k "$KERNEL" finds
# lib/modules/<kver> there); the rest of the unpacked package goes.
rm -rf "$CACHE/lib/modules/$kver"
mkdir -p "$CACHE/lib/modules"
mv "$root/lib/modules/$kver" "$CACHE/lib/modules/$kver"
rm -rf "$root"
cat > "$env_file.tmp" <<EOF
PACKAGE=${pkg}_$ver
MODULES_KEY=$mods_key
KVER=$kver
KERNEL=$kernel
INITRD=$initrd
SYSTEM_MAP=$sysmap
MODULES_DIR=$CACHE/lib/modules/$kver
EOF
mv "$env_file.tmp" "$env_file"
msg "done (${pkg} $ver)"
grep -E '^(KERNEL|INITRD|SYSTEM_MAP)=' "$env_file"
