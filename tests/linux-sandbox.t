#!/bin/bash
# tier: svm (see tests/lib/tier-exec)
# linux-sandbox.t - lkvm sandbox and lkvm setup/run --rootfs with a real
# guest (Documentation/lkvm-sandbox.txt, lkvm-setup.txt):
#   boot 1: `lkvm sandbox -- sh -c 'pwd; id -u; cat FILE; ...; exit 7'`
#           prints the host's cwd, the invoking uid and the file, writes a
#           file into the shared cwd (on the host afterwards) and one into
#           /etc (not on the host), and lkvm exits 7;
#   boot 2: `--rw DIR` makes DIR writable, a host file outside the shares
#           is readable, a directory outside them takes writes into the
#           overlay only, and a command killed by SIGTERM gives 143;
#   boot 3: no command: the shell reads commands from lkvm's stdin;
#   boot 4: `lkvm setup NAME` + `lkvm run --rootfs NAME` runs lkvm.cmd=
#           with the host's programs, keeps /root on the host, gives the
#           command's status; lkvm list --rootfs lists it, --remove
#           deletes it.
# Guest: the small kernel (9p, virtio and overlayfs built in). Runs where
# guest user space runs: natively on VMX/SVM hosts, in scripts/nested-kvm's
# L1 elsewhere (tests/lib/tier-exec), whose own / is what the sandbox shares.
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
is_pvm && skip_all "guest user space cannot run on this PVM host (tests/lib/tier-exec runs this file nested)"
kernel=$(small_kernel) || skip_all "no small kernel (run: make guest-small)"
[ -x "$(dirname "$LKVM")/guest/lkvm-init" ] || skip_all "no guest/lkvm-init next to $LKVM (run make)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-sandbox.XXXXXX")}
mkdir -p "$logdir"
token=sbx-$$-$RANDOM$RANDOM
top=$logdir/sandbox-$$
work=$top/work extra=$top/extra
rm -rf "$top"
mkdir -p "$work" "$extra"
work=$(cd "$work" && pwd -P) extra=$(cd "$extra" && pwd -P)
printf 'file-%s\n' "$token" > "$work/FILE"
# Outside every share, and not below /tmp or /run, which are the guest's
# own empty tmpfs: /var/tmp.
outside=$(mktemp -d /var/tmp/lkvm-sandbox.XXXXXX) || outside=
[ -z "$outside" ] || printf 'host-%s\n' "$token" > "$outside/hostfile"
# The initramfs cache: a writable place even where $HOME is not.
export LKVM_SANDBOX_CACHE=$logdir/cache
params="$(nested_cmdline)"

# sandbox LOG ARGS...: run `lkvm sandbox ARGS` in $work with stdin from
# $SBX_STDIN (default /dev/null); LOG gets stdout, LOG.err stderr; sets
# SBX_STATUS. In the nested L1 a boot that crashed (122) or timed out is
# tried once more (tests/linux/lib.sh, boot_log).
sandbox() {
	local log=$1 try
	shift
	for try in 1 2; do
		(cd "$work" && LKVM_CACHE=$LKVM_SANDBOX_CACHE timeout -k 10 "$(boot_timeout)" \
			"$LKVM" sandbox "$@" <"${SBX_STDIN:-/dev/null}" >"$log" 2>"$log.err")
		SBX_STATUS=$?
		echo "$SBX_STATUS" > "$log.status"
		[ -n "${NESTED_KVM:-}" ] && { [ "$SBX_STATUS" = 122 ] || [ "$SBX_STATUS" = 124 ]; } ||
			break
		diag "nested sandbox boot ended with status $SBX_STATUS: one retry"
	done
}

# line LOG TEXT: true if LOG has the line TEXT exactly.
line() { grep -qxF -- "$2" "$1"; }

plan 21
diag "kernel $kernel; logs in $logdir"

# 1. The command, its cwd, uid, a host file, writes, the exit status.
log=$logdir/linux-sandbox-cmd.log
sandbox "$log" -k "$kernel" -m 256 -p "$params" -- sh -c \
	"pwd; id -u; cat FILE; echo guest-$token > OUT; echo x > /etc/lkvm-$token && cat /etc/lkvm-$token && echo etc-written; exit 7"
st=0; line "$log" "$work" || st=1
tap_ok "$st" "the command runs in the host's cwd ($work)"
st=0; line "$log" "$(id -u)" || st=1
tap_ok "$st" "... as the invoking uid ($(id -u))"
st=0; line "$log" "file-$token" || st=1
tap_ok "$st" "... and reads a host file"
ok_status "$SBX_STATUS" 7 "lkvm sandbox exits with the command's status (7)"
st=1; [ "$(cat "$work/OUT" 2>/dev/null)" = "guest-$token" ] && st=0
tap_ok "$st" "a file the command wrote in the shared cwd is on the host"
st=0; line "$log" etc-written || st=1
tap_ok "$st" "the guest can write /etc (into its overlay)"
st=0; [ -e "/etc/lkvm-$token" ] && st=1
tap_ok "$st" "... which does not reach the host's /etc"
st=0; grep -q $'\r' "$log" && st=1
tap_ok "$st" "output to a pipe has plain newlines (no CR)"
[ "$TAP_FAILED" = 0 ] || { dump_tail "$log" 30; dump_tail "$log.err" 30; }

# 2. --rw, a directory outside the shares, death by a signal.
log=$logdir/linux-sandbox-rw.log
sandbox "$log" -k "$kernel" -m 256 -p "$params" --rw "$extra" -- sh -c \
	"echo rw-$token > $extra/f && echo rw-written; cat ${outside:-/nonexistent}/hostfile; echo o > ${outside:-/nonexistent}/f && echo outside-written; kill -TERM \$\$"
st=1; [ "$(cat "$extra/f" 2>/dev/null)" = "rw-$token" ] && line "$log" rw-written && st=0
tap_ok "$st" "--rw DIR: the command's write there is on the host"
if [ -n "$outside" ]; then
	st=0; line "$log" "host-$token" || st=1
	tap_ok "$st" "a host file outside the shares is readable ($outside)"
	st=1; line "$log" outside-written && [ ! -e "$outside/f" ] && st=0
	tap_ok "$st" "a write outside the shares stays in the overlay"
	rm -rf "$outside"
else
	tap_skip "a host file outside the shares is readable" "no writable /var/tmp"
	tap_skip "a write outside the shares stays in the overlay" "no writable /var/tmp"
fi
ok_status "$SBX_STATUS" 143 "a command killed by SIGTERM: status 143 (128 + 15)"
[ "$TAP_FAILED" = 0 ] || { dump_tail "$log" 30; dump_tail "$log.err" 30; }

# 3. No command: a shell ($SHELL, here /bin/sh), fed on its stdin once
# its prompt shows. The FIFO lives in a local temp dir: the log's
# directory may be a 9p share (scripts/nested-kvm), where mkfifo fails.
log=$logdir/linux-sandbox-shell.log
fifo=$(mktemp -u "${TMPDIR:-/tmp}/lkvm-sandbox-stdin.XXXXXX")
mkfifo "$fifo"
rm -f "$log"
SHELL=/bin/sh SBX_STDIN=$fifo sandbox "$log" -k "$kernel" -m 256 -p "$params" &
pid=$!
exec 8>"$fifo"
while kill -0 "$pid" 2>/dev/null && ! grep -qE '[#$] ?$' "$log" 2>/dev/null; do
	sleep 0.5
done
(trap '' PIPE; printf 'echo shell-%s; exit 5\n' "$token" >&8) 2>/dev/null
wait "$pid"
SBX_STATUS=$(cat "$log.status" 2>/dev/null || echo unknown)
exec 8>&-
rm -f "$fifo"
st=0; grep -q "shell-$token" "$log" || st=1
tap_ok "$st" "no command: a shell runs what lkvm's stdin says"
ok_status "$SBX_STATUS" 5 "... and its exit status (5) is lkvm's"
[ "$TAP_FAILED" = 0 ] || { dump_tail "$log" 30; dump_tail "$log.err" 30; }

# 4. lkvm setup + run --rootfs.
name=lkvm-test-$$
log=$logdir/linux-sandbox-rootfs.log
dir=$("$LKVM" setup "$name" 2>"$log.setup")
st=1; [ -d "$dir/root" ] && [ -x "$dir/lkvm-init" ] && [ -f "$dir/lkvm-rootfs.conf" ] && st=0
tap_ok "$st" "lkvm setup $name makes the rootfs directory ($dir)"
st=1; "$LKVM" list --rootfs | grep -q "^$name " && st=0
tap_ok "$st" "lkvm list --rootfs lists it"
LKVM_CACHE=$LKVM_SANDBOX_CACHE BOOT_NO_RETRY= boot_log "$log" --rootfs "$name" -k "$kernel" -m 256 \
	-p "$params lkvm.cmd=\"echo rootfs-\$(hostname); ls /usr/bin/env && echo persist > /root/p; exit 3\""
ok_log "$log" "rootfs-$name" "lkvm run --rootfs runs lkvm.cmd (hostname $name)"
ok_log "$log" "${OUT}/usr/bin/env\$" "... with the host's /usr bound in"
st=1; [ "$(cat "$dir/root/p" 2>/dev/null)" = persist ] && st=0
tap_ok "$st" "... its /root is the rootfs directory's, on the host"
ok_status "$BOOT_STATUS" 3 "... and lkvm exits with the command's status (3)"
[ "$TAP_FAILED" = 0 ] || { dump_tail "$log" 40; cat "$log.setup"; }
"$LKVM" setup --remove "$name"
st=0; [ -e "$dir" ] && st=1
tap_ok "$st" "lkvm setup --remove deletes it"

tap_done
