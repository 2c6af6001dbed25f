#!/bin/bash
# tier: kvm (see tests/lib/tier-exec)
# linux-virtio.t - boot the small test kernel once with virtio devices and
# check what its drivers do on their own (DESIGN.md sections 4 and 5,
# Linux tier; the virtio part of issue 3 without virtio-blk).
#
# One boot covers both transports, each where Linux shows the most:
#  - the console on virtio-pci (the default transport: capabilities, MSI-X
#    through GSI routes and irqfds, ioeventfd notifications): the kernel
#    gets console=hvc0 and no other console, so every kernel line on
#    stdout came through the virtio console's transmit queue. Ctrl-A b
#    then h on the terminal go through the receive queue and its MSI-X
#    interrupt to hvc's SysRq handling ("sysrq: HELP"). hvc reads input
#    only once a tty is open, i.e. after the kernel opened /dev/console
#    just before freeing its init memory:
#     - on PVM hosts init dies on its first system call, with no chance
#       for hvc's polling thread to run, so the keys are typed when
#       "Freeing unused kernel image (initmem)" shows (seconds before
#       /init here): the receive interrupt then reads them at once;
#     - elsewhere that window is too short to type into, so the keys are
#       typed as lkvm starts: lkvm holds them until the driver posts its
#       receive buffers, and hvc's thread reads them once /dev/console is
#       open and init's user space gives it the CPU.
#  - the entropy device on virtio-mmio (virtio_mmio.device= on the kernel
#    command line, a legacy IRQ line): Linux's virtio-rng registers with
#    the hwrng core, which reads it at once (add_early_randomness) and,
#    with rng_core.default_quality=1000, again from its khwrngd thread;
#    virtio-rng only asks for more after the first request completed
#    through the device's interrupt. The small kernel prints nothing for
#    either, so lkvm's own counts (--loglevel info, at exit) are checked:
#    two or more requests and at least one interrupt.
#
# Needs /dev/kvm, lkvm ($LKVM) and the small kernel (`make guest-small`);
# skips otherwise. About 3 minutes on PVM hosts. The boot ends in a panic
# (init dies on PVM hosts; lkvm.cmd=exit elsewhere), reported by pvpanic:
# status 2, as in tests/linux-boot.t.
#
# The log is kept in $LKVM_OUT/linux-tests/linux-virtio.log (or a temp dir).
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
bz=$(small_kernel) || skip_all "small kernel not built (run: make guest-small)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-virtio.XXXXXX")}
mkdir -p "$logdir"
log=$logdir/linux-virtio.log
initrd=$logdir/initramfs-small.cpio
[ -f "$initrd" ] || "$REPO/scripts/make-initramfs.sh" "$initrd" 2>"$logdir/make-initramfs-virtio.log" ||
	{ echo "Bail out! make-initramfs.sh failed: $(tail -n1 "$logdir/make-initramfs-virtio.log")"; exit 1; }

cmdline="console=hvc0 panic=-1 printk.time=1 lkvm.cmd=exit rng_core.default_quality=1000"
# A kernel line on stdout: "[+wall] [  kernel-time] text".
kline='^\[\+[0-9.]+\] \[ *[0-9]+\.[0-9]+\] '

# The sysrq must be seen before init exits: where user space runs, init
# waits for a line on hvc0 (read), which only comes after the Ctrl-A b h,
# and the input goes once init has started.
input=$'\001bh'
if is_pvm; then
	ready="${kline}Freeing unused kernel image \(initmem\)"
else
	ready="${kline}Run /init as init process"
	cmdline=${cmdline/lkvm.cmd=exit/lkvm.cmd=read,line;exit}
	input=$'\001bh\n'
fi

plan 13
diag "booting $bz with --console virtio --rng=mmio (timeout $(boot_timeout) s); log: $log"
boot_interactive "$log" "$ready" "$input" -k "$bz" -i "$initrd" -m 512 -c 1 \
	--name "linux-virtio-$$" --console virtio --rng=mmio --loglevel debug -p "$cmdline"
diag "lkvm exited with status $BOOT_STATUS ($(status_text "$BOOT_STATUS")) after $BOOT_SECONDS s"

# --- the console, on virtio-pci ---
ok_log "$log.err" 'kernel command line: .*console=hvc0' "the kernel's console is hvc0 only"
ok_log "$log.err" 'virtio-console \(pci 00:[0-9a-f]{2}\.0\): driver ready' \
	"Linux's virtio_console drives the virtio-pci function"
ok_log "$log.err" 'virtio-console \(pci .*\): MSI-X enabled by the driver' \
	"virtio_pci enables MSI-X"
ok_log "$log" "${kline}Run /init as init process" \
	"kernel output reaches stdout through hvc0 (no other console)"
st=0
log_has "$log" "${kline}Linux version" && st=1
tap_ok "$st" "nothing on ttyS0: lines from before virtio_console's probe are not shown"
tx=$(sed -n 's/.*virtio-console (pci .*queue 1: \([0-9]*\) buffers.*/\1/p' "$log.err" | head -n1)
st=1
[ -n "$tx" ] && [ "$tx" -gt 10 ] && st=0
tap_ok "$st" "lkvm counted ${tx:-no} transmit buffers from hvc0"
ok_log "$log" "${kline}sysrq: HELP" \
	"Ctrl-A b, h on the terminal: hvc0's receive queue and interrupt work (SysRq help)"

# --- the entropy device, on virtio-mmio ---
ok_log "$log.err" 'kernel command line: .*virtio_mmio\.device=4K@0xfeb00000:5' \
	"lkvm announces the virtio-mmio device on the command line"
ok_log "$log.err" 'virtio-rng \(mmio 0xfeb00000\): driver ready' \
	"Linux's virtio_mmio finds it and virtio_rng drives it"
rng=$(sed -n 's/.*virtio-rng (mmio 0xfeb00000): queue 0: \([0-9]*\) buffers, \([0-9]*\) interrupts.*/\1 \2/p' "$log.err" | head -n1)
st=1
set -- $rng
[ $# = 2 ] && [ "$1" -ge 2 ] && [ "$2" -ge 1 ] && st=0
tap_ok "$st" "the hwrng core read virtio-rng repeatedly (requests, interrupts: ${rng:-none})"
ok_log "$log" "${kline}random: crng init done" "the kernel's CRNG got initialized"

# --- the run's end ---
ok_status "$BOOT_STATUS" 2 "lkvm exits with status 2 (guest panic via pvpanic)"
ok_log "$log.err" 'virtio-console \(pci .*\): queue 0: [0-9]+ buffers' \
	"device I/O threads stopped and reported at exit"

if [ "$TAP_FAILED" != 0 ]; then
	dump_tail "$log" 40
fi
tap_done
