#!/bin/bash
# tier: kvm (see tests/lib/tier-exec)
# linux-boot.t - boot the small test kernel once and check what the kernel
# does on its own (DESIGN.md sections 4 and 5, Linux tier).
#
# Needs /dev/kvm, lkvm ($LKVM) and the small kernel (`make guest-small`);
# skips otherwise. One boot, many checks from its log: on PVM hosts a boot
# took 65 s (timeout: LKVM_BOOT_TIMEOUT, default 900 s there).
#
# The boot ends in a panic on every kind of host: on PVM hosts init dies on
# its first system call; elsewhere `lkvm.cmd=exit` makes init exit (see
# tests/linux/init.sh). Either way the kernel panics with "Attempted to kill
# init!", pvpanic reports it, and lkvm must exit with status 2.
#
# The log is kept in $LKVM_OUT/linux-tests/linux-boot.log (or a temp dir).
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
bz=$(small_kernel) || skip_all "small kernel not built (run: make guest-small)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-boot.XXXXXX")}
mkdir -p "$logdir"
log=$logdir/linux-boot.log
# Uncompressed: inflating gzip costs about 2 minutes of emulated kernel
# time on PVM hosts (see scripts/make-initramfs.sh).
initrd=$logdir/initramfs-small.cpio
"$REPO/scripts/make-initramfs.sh" "$initrd" 2>"$logdir/make-initramfs.log" ||
	{ echo "Bail out! make-initramfs.sh failed: $(tail -n1 "$logdir/make-initramfs.log")"; exit 1; }

MEM_MIB=512
cmdline="console=ttyS0 earlyprintk=serial panic=-1 printk.time=1 lkvm.cmd=exit"

plan 13
diag "booting $bz (-m $MEM_MIB -c 2, timeout $(boot_timeout) s); log: $log"
boot_log "$log" -k "$bz" -i "$initrd" -m "$MEM_MIB" -c 2 --name linux-boot -p "$cmdline"
diag "lkvm exited with status $BOOT_STATUS ($(status_text "$BOOT_STATUS")) after $BOOT_SECONDS s"
run_init=$(log_line "$log" 'Run /init as init process')
[ -z "$run_init" ] || diag "reached /init: $run_init"

ok_log "$log" 'Linux version 6\.' "kernel started and prints on ttyS0"
ok_log "$log" 'smp: Brought up 1 node, 2 CPUs' "two CPUs brought up"

# "Memory: 484572K/523768K available (...)": the total must be within 10 %
# of what lkvm was asked for.
total_k=$(sed -n 's/.*Memory: [0-9]*K\/\([0-9]*\)K available.*/\1/p' "$log" | head -n1)
want_k=$((MEM_MIB * 1024))
st=1
if [ -n "$total_k" ] && [ "$total_k" -ge $((want_k * 9 / 10)) ] &&
   [ "$total_k" -le $((want_k * 11 / 10)) ]; then
	st=0
fi
tap_ok "$st" "memory total ${total_k:-?}K within 10% of ${want_k}K"

ok_log "$log" 'ACPI: RSDP 0x' "ACPI RSDP found"
ok_log "$log" 'ACPI: FACP 0x' "ACPI FADT found"
ok_log "$log" 'ACPI: APIC 0x' "ACPI MADT found"
# pvpanic-pci prints nothing itself; its PCI function shows in enumeration.
ok_log "$log" 'pci [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: \[1b36:0011\]' \
	"pvpanic PCI device (1b36:0011) enumerated"
ok_log "$log" 'Run /init as init process' "kernel ran /init"
ok_log "$log" 'Kernel panic - not syncing: Attempted to kill init!' \
	"init's death panics the kernel"
ok_status "$BOOT_STATUS" 2 "lkvm exits with status 2 (guest panic via pvpanic)"
st=0
grep -qi 'panic' "$log.err" || st=1
tap_ok "$st" "lkvm's stderr reports the guest panic"
[ "$st" = 0 ] || diag "stderr: $(tail -n 5 "$log.err")"

if is_pvm; then
	st=0
	grep -qiE 'user[ -]?space' "$log.err" || st=1
	tap_ok "$st" "lkvm says guest user space cannot run on this PVM host"
else
	tap_skip "lkvm's PVM user space notice" "not a PVM host"
fi
ok_log "$log" 'console \[ttyS0\] enabled' "serial console ttyS0 registered"

if [ "$TAP_FAILED" != 0 ]; then
	dump_tail "$log" 40
fi
tap_done
