#!/bin/bash
# build-small-kernel.sh - build lkvm's small test kernel (`make guest-small`).
#
# Usage: scripts/build-small-kernel.sh [--print-path]
#
# Builds an x86_64 bzImage from Debian's linux-source-6.1 with
# `make tinyconfig` + tests/linux/small.config, into
#   ${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}/small-kernel/<key>/
# where <key> is the sha256 of small.config and the linux-source package
# version, so a config or source change rebuilds and an unchanged one is
# reused (a stamp file makes the second run instant). The cache dir keeps
# bzImage, vmlinux, System.map and .config; the kernel build tree is
# <key>/build. The source is unpacked once per package version next to it.
#
# LKVM_SMALL_CONFIG names another fragment (for experiments).
# stdout: only the bzImage path, as the last line; build output goes to
# stderr. --print-path prints the path without building (exit 1 if absent).
# Exit: 0 ok, 1 error (missing packages without root, config check, build).
set -eu

PKG=linux-source-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz
REPO=$(cd "$(dirname "$0")/.." && pwd)
FRAGMENT=${LKVM_SMALL_CONFIG:-$REPO/tests/linux/small.config}
CACHE_BASE=${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}/small-kernel
export ARCH=x86_64

msg() { echo "build-small-kernel: $*" >&2; }
die() { msg "error: $*"; exit 1; }

print_only=0
case "${1:-}" in
	--print-path) print_only=1 ;;
	"") ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (usage: $0 [--print-path])" ;;
esac

[ -r "$FRAGMENT" ] || die "missing $FRAGMENT"

# apt_install PKG...: install Debian packages, or explain how when not root.
apt_install() {
	if [ "$(id -u)" != 0 ]; then
		die "missing packages: $*; install them with: sudo apt-get install -y $*"
	fi
	msg "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2 ||
		die "apt-get install $* failed (run apt-get update first?)"
}

pkg_version() { dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true; }

ver=$(pkg_version)
if [ "$print_only" = 1 ]; then
	[ -n "$ver" ] && [ -r "$TARBALL" ] || { msg "$PKG is not installed"; exit 1; }
fi
if [ -z "$ver" ] || [ ! -r "$TARBALL" ]; then
	apt_install "$PKG"
	ver=$(pkg_version)
	[ -r "$TARBALL" ] || die "$TARBALL still missing after installing $PKG"
fi

key=$( { cat "$FRAGMENT"; echo "$PKG $ver"; } | sha256sum | cut -c1-16)
dir=$CACHE_BASE/$key
stamp=$dir/.built

if [ "$print_only" = 1 ]; then
	if [ -f "$stamp" ] && [ -f "$dir/bzImage" ]; then
		echo "$dir/bzImage"
		exit 0
	fi
	msg "not built yet (run: make guest-small)"
	exit 1
fi

if [ -f "$stamp" ] && [ -f "$dir/bzImage" ]; then
	msg "up to date ($dir)"
	echo "$dir/bzImage"
	exit 0
fi

# Build dependencies: command or header -> Debian package.
missing=""
need() { [ -e "$1" ] || command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need bc bc
need flex flex
need bison bison
need lz4 lz4
need cpio cpio
need make make
need gcc gcc
need /usr/include/libelf.h libelf-dev
need /usr/include/openssl/ssl.h libssl-dev
# shellcheck disable=SC2086
[ -z "$missing" ] || apt_install $missing

mkdir -p "$CACHE_BASE"
# One build at a time per cache (CI jobs on one machine share it).
exec 9>"$CACHE_BASE/.lock"
flock 9

src_parent=$CACHE_BASE/src-$ver
src=$src_parent/linux-source-6.1
if [ ! -f "$src_parent/.unpacked" ]; then
	msg "unpacking $TARBALL to $src_parent"
	rm -rf "$src_parent" "$src_parent.tmp"
	mkdir -p "$src_parent.tmp"
	tar -xf "$TARBALL" -C "$src_parent.tmp"
	[ -f "$src_parent.tmp/linux-source-6.1/Makefile" ] ||
		die "unexpected layout in $TARBALL"
	mv "$src_parent.tmp" "$src_parent"
	touch "$src_parent/.unpacked"
fi

build=$dir/build
mkdir -p "$build"
start=$(date +%s)

msg "configuring in $build"
make -s -C "$src" O="$build" tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
	"$build/.config" "$FRAGMENT" >&2
make -s -C "$src" O="$build" olddefconfig >&2

# Kconfig silently drops a symbol whose dependencies are unmet: check that
# every line of the fragment made it into the final .config.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$build/.config" || {
			sym=${line%%=*}
			got=$(grep -E "^(# )?${sym}[= ]" "$build/.config" || echo "absent")
			msg "config: wanted '$line', got '$got'"
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$build/.config"; then
			msg "config: wanted '$line', got '$(grep "^$sym=" "$build/.config")'"
			bad=1
		fi
		;;
	esac
done < "$FRAGMENT"
[ "$bad" = 0 ] || die "some settings of $FRAGMENT did not survive olddefconfig (see above)"

msg "building bzImage with $(nproc) jobs (5-10 minutes on 2 cores)"
make -C "$src" O="$build" -j"$(nproc)" bzImage >&2 || die "kernel build failed"

for f in arch/x86/boot/bzImage vmlinux System.map .config; do
	cp "$build/$f" "$dir/$(basename "$f").tmp"
	mv "$dir/$(basename "$f").tmp" "$dir/$(basename "$f")"
done
echo "$PKG $ver, built in $(( $(date +%s) - start )) s on $(nproc) CPUs" > "$stamp"
msg "done: $(cat "$stamp")"
echo "$dir/bzImage"
