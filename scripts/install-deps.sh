#!/bin/sh
# Install what building and testing lkvm needs on Debian 12. As root it
# runs apt-get itself; as another user it runs itself again through sudo.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --check  list what is missing, install nothing
# apt-get runs only when something is missing, so a second run is instant.
set -eu

PKGS="build-essential pkg-config libelf-dev zlib1g-dev liblzma-dev libzstd-dev
liblz4-dev libbz2-dev libcapstone-dev acpica-tools busybox-static cpio gzip
man-db qemu-system-x86 linux-source-6.1 bc flex bison libssl-dev lz4 xz-utils
e2fsprogs kmod python3 liburing-dev libjson-c-dev rsync
clang llvm libbpf-dev bpftool libtraceevent-dev libtracefs-dev libncurses-dev linux-perf tmux
libclang-rt-14-dev zstd libslirp-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing:$missing"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: missing packages:$missing; there is no sudo here: run this script as root" >&2
		exit 1
	fi
	echo "install-deps: not root: running again through sudo" >&2
	exec sudo -- "$0" "$@"
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
