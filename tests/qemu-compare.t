#!/bin/bash
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# Every guest payload under lkvm and under QEMU (scripts/qemu-compare.sh):
# the same serial output and the same exit status. Cases that legitimately
# differ are TAP TODO items with the reason ("not ok ... # TODO differs:"
# while they differ, which prove counts as expected). TAP output.
# LKVM and LKVM_OUT as in tests/guests.t; QEMU (default qemu-system-x86_64).
# Each QEMU run costs a few seconds (SeaBIOS runs first, and on PVM hosts
# its real-mode code is emulated).

LKVM=${LKVM:-./lkvm}
LKVM_OUT=${LKVM_OUT:-.}
QEMU=${QEMU:-qemu-system-x86_64}
G=$LKVM_OUT/tests/guests
SRC=$(cd "$(dirname "$0")/.." && pwd)
CMP=$SRC/scripts/qemu-compare.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-qemu-compare.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
export LKVM QEMU
N=0

skip_all() { echo "1..0 # SKIP $1"; exit 0; }
[ -e /dev/kvm ] || skip_all "no /dev/kvm"
command -v "$QEMU" >/dev/null 2>&1 || skip_all "$QEMU is not installed"
[ -x "$LKVM" ] || skip_all "no lkvm binary at $LKVM"
[ -f "$G/hello.elf" ] || skip_all "payloads not built (make guests) in $G"

# QEMU must at least run the hello payload here, else nothing compares.
"$CMP" -q -o "$TMP/probe" "$G/hello.elf" >/dev/null 2>&1
if ! grep -q "hello from payload" "$TMP/probe/qemu.out" 2>/dev/null; then
	why=$(grep -v warning "$TMP/probe/qemu.err" 2>/dev/null | head -1)
	skip_all "QEMU cannot run the hello payload here: ${why:-no output}"
fi

# compare NAME TODO-REASON PAYLOAD [qemu-compare options...]
compare() {
	local name=$1 todo=$2 payload=$3
	shift 3
	N=$((N + 1))
	if "$CMP" -o "$TMP/$N" "$@" "$G/$payload.elf" >"$TMP/$N.log" 2>&1; then
		if [ -n "$todo" ]; then
			echo "ok $N - $name # TODO differs: $todo"
		else
			echo "ok $N - $name"
		fi
		return
	fi
	if [ -n "$todo" ]; then
		echo "not ok $N - $name # TODO differs: $todo"
	else
		echo "not ok $N - $name"
	fi
	sed 's/^/# /' "$TMP/$N.log"
}

printf 'NR_CPUS=2\nMEMSIZE=256\n' >"$TMP/env"
printf 'second\n' >"$TMP/two"

compare "hello" "" hello
compare "exitcode 5" "" exitcode -p "code=5"
compare "cmdline and two modules" "" cmdline -p "alpha beta=2" -i "$TMP/env" -i "$TMP/two"
compare "memmap -m 256" "QEMU's firmware (SeaBIOS) reserves the top 128 KiB of RAM and BIOS ranges lkvm has no use for" \
	memmap -m 256
compare "memmap -m 3500" "QEMU's pc machine keeps up to 3.5 GiB below 4 GiB, lkvm's PCI hole starts at 3 GiB" \
	memmap -m 3500
compare "smp -c 2" "" smp -c 2
compare "smp -c 4" "" smp -c 4
compare "cpl3 loop" "" cpl3
compare "pio n=1000" "" pio -p "n=1000"
compare "pc devices" "" pc
compare "virtio-rng over PCI" "" virtio-rng -r
compare "virtio-rng, indirect table and EVENT_IDX" "" virtio-rng -r -p "indirect=1 event_idx=1"
compare "virtio-console over PCI" "" virtio-console -v
compare "virtio-rng interrupts: INTx and MSI-X" "" virtio-irq -r
compare "virtio-rng, hostile descriptors" "QEMU's virtio-rng accepts a buffer outside RAM or wrapping around (it maps it through a bounce buffer) and a nested indirect table; lkvm puts the device into DEVICE_NEEDS_RESET for them as for the rest" \
	virtio-hostile -r
compare "fw_cfg: CPUs, RAM, a named file by port and DMA" "" fwcfg -c 2 -m 256 \
	-p "file=opt/lkvm/hello" -f "name=opt/lkvm/hello,string=hello-world"
compare "pc-testdev: scratch, flush page, I/O RAM, IRQ line" "" testdev
compare "FIRMWARE_CTRL, PM timer and HPET" "" timers
# The virtio-mmio variants are lkvm-only (tests/guests.t): QEMU's pc machine
# has no virtio-mmio devices.
compare "unhandled (triple fault)" "QEMU -no-reboot exits 0 on a triple fault, lkvm dumps the vCPU and exits 122" \
	unhandled

echo "1..$N"
