#!/bin/bash
# check-distro.sh - boot the demo guest's stock Debian cloud kernel on this
# host and report how far it got (`make check-distro`).
#
# Usage: tests/linux/check-distro.sh
# Env:   LKVM (default ./lkvm), DISTRO_TIMEOUT (seconds, default 3600),
#        LKVM_CACHE (as scripts/make-guest.sh).
#
# The stock kernel is the real-input check: on PVM hosts it takes tens of
# minutes (DESIGN.md section 4). Every output line is stamped with the wall
# time of its arrival, so the report can give wall and kernel (printk) time
# for the milestones reached, the last kernel line, and why the boot stopped
# (lkvm's exit status and the end of its stderr).
#
# Output: the report on stdout and in $LKVM_CACHE/distro-report.txt; the
# stamped log in $LKVM_CACHE/distro-boot.log (lkvm's stderr alone in
# distro-boot.log.err). Progress lines go to stderr.
# Exit: 0 when the kernel reached "Run /init", 1 otherwise.
set -u
. "$(dirname "$0")/lib.sh"

TIMEOUT=${DISTRO_TIMEOUT:-3600}
case "$TIMEOUT" in ''|*[!0-9]*) echo "check-distro: DISTRO_TIMEOUT must be seconds" >&2; exit 1 ;; esac

die() { echo "check-distro: error: $*" >&2; exit 1; }
[ -e /dev/kvm ] || die "no /dev/kvm on this host"
[ -x "$LKVM" ] || die "lkvm binary $LKVM not built (run make)"
if ! demo_guest_env; then
	"$REPO/scripts/make-guest.sh" >/dev/null || die "scripts/make-guest.sh failed"
	demo_guest_env || die "demo guest missing after scripts/make-guest.sh"
fi

mkdir -p "$LKVM_CACHE"
log=$LKVM_CACHE/distro-boot.log
report=$LKVM_CACHE/distro-report.txt
if is_pvm; then host="PVM (software KVM, no vmx/svm)"; else host="VMX/SVM"; fi
# On VMX/SVM hosts user space runs: init prints uname and powers off.
cmdline="console=ttyS0 earlyprintk=serial panic=-1 printk.time=1 lkvm.cmd=uname,-a"

echo "check-distro: booting $KERNEL on a $host host for up to $TIMEOUT s" >&2
echo "check-distro: stamped log: $log" >&2
started=$(date '+%F %T')
LKVM_BOOT_TIMEOUT=$TIMEOUT BOOT_ECHO=1 boot_log "$log" \
	-k "$KERNEL" -i "$INITRD" -m 512 -c 2 --name distro \
	--loglevel info --symbols "$SYSTEM_MAP" -p "$cmdline"

# A stamped kernel line: "[+WALL] [  KTIME] text".
kline='^\[\+[0-9.]+\] \[ *[0-9]+\.[0-9]+\]'
wall_of() { sed -n 's/^\[+\([0-9.]*\)\].*/\1/p' <<<"$1"; }
ktime_of() { sed -n 's/^\[+[0-9.]*\] \[ *\([0-9]*\.[0-9]*\)\].*/\1/p' <<<"$1"; }

# milestone LABEL ERE: one report line with wall and kernel time of the
# first kernel line matching ERE.
milestone() {
	local l
	l=$(grep -m1 -E -- "$kline.*($2)" "$log")
	if [ -n "$l" ]; then
		printf '  %-28s wall %9s s  kernel %12s s\n' "$1" "$(wall_of "$l")" "$(ktime_of "$l")"
	else
		printf '  %-28s not reached\n' "$1"
	fi
}

run_init=$(grep -m1 -E -- "$kline.*Run /init as init process" "$log")
last=$(grep -E -- "$kline" "$log" | tail -n1)
{
	echo "lkvm check-distro report"
	echo "  started:       $started"
	echo "  host:          $host, $(nproc) CPUs, kernel $(uname -r)"
	echo "  lkvm:          $LKVM"
	echo "  guest kernel:  $KERNEL"
	echo "  initrd:        $INITRD"
	echo "  command line:  $cmdline"
	echo "  timeout:       $TIMEOUT s"
	echo
	echo "result"
	echo "  lkvm exit status $BOOT_STATUS: $(status_text "$BOOT_STATUS")"
	echo "  wall time:     $BOOT_SECONDS s"
	if [ -n "$run_init" ]; then
		echo "  reached /init: yes, at wall $(wall_of "$run_init") s, kernel $(ktime_of "$run_init") s"
	else
		echo "  reached /init: no"
	fi
	echo "  last kernel line: ${last:-none}"
	echo
	echo "milestones (first kernel line of each)"
	milestone "kernel start" 'Linux version'
	milestone "SMP bring-up" 'smp: Brought up'
	milestone "PCI" 'PCI: Using|PCI host bridge'
	milestone "clocksource switch" 'clocksource: Switched to'
	milestone "serial console" 'console \[ttyS0\] enabled'
	milestone "initramfs unpacked" 'Freeing initrd memory|Trying to unpack rootfs'
	milestone "free init memory" 'Freeing unused kernel'
	milestone "Run /init" 'Run /init as init process'
	milestone "kernel panic" 'Kernel panic'
	echo
	echo "last 20 lines of lkvm's stderr ($log.err):"
	tail -n 20 "$log.err" | sed 's/^/  /'
	echo
	echo "last 10 lines of output:"
	tail -n 10 "$log" | sed 's/^/  /'
} > "$report"
cat "$report"
echo "check-distro: report written to $report" >&2
[ -n "$run_init" ]
