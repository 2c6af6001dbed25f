#!/bin/bash
# tier: svm (see tests/lib/tier-exec)
# linux-user.t - Linux guest user space through lkvm: commands, the
# interactive shell, poweroff and a sysrq crash (DESIGN.md section 5);
# linux-live.t drives a running guest from the host.
#
# Needs /dev/kvm on a VMX/SVM host: on PVM hosts guest user space cannot
# make system calls (DESIGN.md section 4): tests/lib/tier-exec runs it in
# scripts/nested-kvm's SVM L1 there and where there is no /dev/kvm.
# Guest: the small kernel (`make guest-small`) with a fresh busybox
# initramfs, else the demo guest (`make guest`); skips when neither exists.
# Three short boots; logs in $LKVM_OUT/linux-tests/ (or a temp dir).
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
if is_pvm; then
	skip_all "guest user space cannot run on this PVM host (its system calls fault in the host module; see DESIGN.md section 4)"
fi

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-user.XXXXXX")}
mkdir -p "$logdir"

user_guest "$logdir"
kernel=$KERNEL initrd=$INITRD

base="console=ttyS0 earlyprintk=serial panic=-1 $(nested_cmdline)"
run_args=(-k "$kernel" -i "$initrd" -m 512 -c 2 --name linux-user)

plan 8
diag "kernel $kernel, initrd $initrd; logs in $logdir"

# 1. A command from the kernel command line, then poweroff -f.
log=$logdir/linux-user-cmd.log
boot_log "$log" "${run_args[@]}" -p "$base lkvm.cmd=echo,lkvm-nproc=\$(nproc)"
ok_log "$log" 'lkvm-guest: init started' "init started"
ok_log "$log" '(^|[] ])lkvm-nproc=2$' "nproc is 2 under -c 2"
ok_log "$log" 'lkvm-guest: cmd exit status 0' "command exited with status 0"
ok_status "$BOOT_STATUS" 0 "poweroff -f ends lkvm with status 0"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 30

# 2. sysrq crash: the kernel panics, lkvm must report failure.
log=$logdir/linux-user-sysrq.log
boot_log "$log" "${run_args[@]}" -p "$base lkvm.cmd=echo,c,>/proc/sysrq-trigger"
ok_log "$log" 'sysrq: Trigger a crash' "sysrq c reached the kernel"
st=0
[ "$BOOT_STATUS" != 0 ] && [ "$BOOT_STATUS" != 124 ] || st=1
tap_ok "$st" "a sysrq crash ends lkvm with a non-zero status (got $BOOT_STATUS)"
[ "$st" = 0 ] || dump_tail "$log" 30

# 3. The interactive shell on the serial console (stdin of lkvm).
log=$logdir/linux-user-shell.log
boot_interactive "$log" 'lkvm-guest: starting shell' \
	$'echo shell-$((6*7))\npoweroff -f\n' "${run_args[@]}" -p "$base"
ok_log "$log" '(^|[] ])shell-42' "the console shell runs typed commands"
ok_status "$BOOT_STATUS" 0 "poweroff -f from the shell ends lkvm with status 0"
[ "$BOOT_STATUS" = 0 ] || dump_tail "$log" 30

tap_done
