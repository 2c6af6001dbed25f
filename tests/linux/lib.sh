# tests/linux/lib.sh - shared helpers for lkvm's Linux test tier (bash).
#
# Source it from a test: `. "$(dirname "$0")/linux/lib.sh"`. It sets
#   REPO       the repository root
#   LKVM       the lkvm binary ($LKVM from `make check`, else $REPO/lkvm)
#   LKVM_CACHE the cache dir shared with scripts/build-small-kernel.sh and
#              scripts/make-guest.sh
# and provides TAP output (plan, tap_ok, tap_skip, diag, skip_all), host
# detection (is_pvm, need_kvm, need_lkvm) and a boot runner (boot_log).

# shellcheck disable=SC2034 # BOOT_* results are read by the sourcing tests
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LKVM=${LKVM:-$REPO/lkvm}
LKVM_CACHE=${LKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lkvm}
export LKVM_CACHE

# --- TAP ---------------------------------------------------------------
TAP_N=0
TAP_FAILED=0

# plan N: print the TAP plan.
plan() { echo "1..$1"; }

# skip_all REASON: skip the whole test file (exit 0).
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# diag TEXT...: TAP comment lines (each line prefixed with '# ').
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# tap_ok STATUS DESCRIPTION: one test line; STATUS 0 passes.
tap_ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

# tap_skip DESCRIPTION REASON: one skipped test line.
tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# tap_done: exit status for the end of a test file (1 if any failed).
tap_done() { [ "$TAP_FAILED" = 0 ]; }

# --- host ------------------------------------------------------------

# is_pvm: true when /dev/kvm exists but the CPU has no vmx/svm flag, i.e.
# KVM is served by a software module such as kvm_pvm (DESIGN.md section 4),
# where guest user space cannot make system calls.
is_pvm() {
	[ -e /dev/kvm ] && ! grep -qwE 'vmx|svm' /proc/cpuinfo
}

# need_kvm: skip the whole file when /dev/kvm is missing or not usable.
need_kvm() {
	[ -e /dev/kvm ] || skip_all "no /dev/kvm"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip_all "/dev/kvm is not accessible to $(id -un)"
}

# need_lkvm: skip the whole file when the lkvm binary is not built.
need_lkvm() {
	[ -x "$LKVM" ] || skip_all "lkvm binary $LKVM not built (run make)"
}

# boot_timeout: seconds a whole boot may take: minutes on PVM hosts where
# guest kernel code is emulated, seconds elsewhere. LKVM_BOOT_TIMEOUT
# overrides.
boot_timeout() {
	if [ -n "${LKVM_BOOT_TIMEOUT:-}" ]; then
		echo "$LKVM_BOOT_TIMEOUT"
	elif is_pvm; then
		echo 900
	elif [ -n "${NESTED_KVM:-}" ]; then
		# In scripts/nested-kvm's L1 guest code runs under TCG: a
		# Linux boot takes 10-60 s depending on the host's load.
		echo 600
	else
		echo 120
	fi
}

# small_kernel: print the small test kernel's bzImage path, or fail when it
# is not built (`make guest-small`).
small_kernel() { "$REPO/scripts/build-small-kernel.sh" --print-path 2>/dev/null; }

# demo_guest_env: source the demo guest's env (KERNEL, INITRD, SYSTEM_MAP)
# if `make guest` was run; fails otherwise.
demo_guest_env() {
	local env=$LKVM_CACHE/demo/env
	[ -f "$env" ] || return 1
	# shellcheck disable=SC1090
	. "$env"
	[ -f "$KERNEL" ] && [ -f "$INITRD" ]
}

# nested_cmdline: words for an L2 Linux kernel's command line in
# scripts/nested-kvm's L1, nothing elsewhere. Under TCG's SVM the guest
# kernel warns "XSAVE consistency problem" about CPUID leaf 0xD, and L2
# boots now and then triple-fault at random points: noxsave keeps the
# guest on FXSAVE, away from that path (what the tests check does not
# depend on XSAVE).
nested_cmdline() { [ -z "${NESTED_KVM:-}" ] || echo noxsave; }

# user_guest LOGDIR: choose the guest for the user-space tests and set
# KERNEL and INITRD: the small kernel with a fresh busybox initramfs
# (LOGDIR/initramfs-small.cpio.gz) when it is built, else the demo guest;
# skips the whole file when there is neither.
user_guest() {
	local bz
	if bz=$(small_kernel); then
		KERNEL=$bz
		INITRD=$1/initramfs-small.cpio.gz
		"$REPO/scripts/make-initramfs.sh" "$INITRD" 2>"$1/make-initramfs.log" ||
			{ echo "Bail out! make-initramfs.sh failed: $(tail -n1 "$1/make-initramfs.log")"; exit 1; }
	elif ! demo_guest_env; then
		skip_all "no guest kernel (run: make guest-small, or make guest)"
	fi
}

# stamp_lines START: copy stdin to stdout, each line prefixed with the
# wall-clock seconds since START (an $EPOCHREALTIME value) as "[+12.345] ",
# without the CR of CR LF line ends.
stamp_lines() {
	local start=${1//[.,]/} line d
	# No command substitution per line: a fork for each of a boot's
	# thousand lines is seconds of CPU in scripts/nested-kvm's L1.
	while IFS= read -r line || [ -n "$line" ]; do
		d=$(( (10#${EPOCHREALTIME//[.,]/} - 10#$start) / 1000 ))
		line=${line%$'\r'} # the serial console ends lines with CR LF
		printf '[+%d.%03d] %s\n' $((d / 1000)) $((d % 1000)) "$line"
	done
}

# elapsed A B: B - A for two $EPOCHREALTIME values, as seconds with
# millisecond precision ("12.345").
elapsed() {
	local a=${1//[.,]/} b=${2//[.,]/} d
	d=$(( (10#$b - 10#$a) / 1000 ))
	printf '%d.%03d' $((d / 1000)) $((d % 1000))
}

# boot_log LOG LKVM-RUN-ARGS...: run `$LKVM run ARGS` under `timeout`
# (boot_timeout seconds) with stdin from $BOOT_STDIN (default /dev/null).
# LOG gets stdout and stderr interleaved as they arrive, each line stamped
# by stamp_lines; LOG.err gets lkvm's stderr alone (unstamped); LOG.status
# gets the exit status. With BOOT_ECHO set, the stamped lines also go to
# stderr as they arrive. Sets BOOT_STATUS (lkvm's exit status; 124 when the
# timeout killed it) and BOOT_SECONDS (wall time). Always returns 0.
#
# In scripts/nested-kvm's L1 (NESTED_KVM set) guest code runs under QEMU's
# TCG emulating SVM, where an L2 guest now and then stalls (a CPU waits
# for an IPI that never comes) or dies of a triple fault early in boot,
# with the same lkvm that boots it cleanly on hardware and on PVM hosts.
# There a boot whose log stays silent for BOOT_STALL seconds (default 120)
# is killed, and a boot that crashed (status 122) or stalled is tried once
# more, saying so in a TAP comment; BOOT_NO_RETRY=1 turns the retry off
# (for boots that are driven while they run). BOOT_RETRIED is set to the
# first attempt's status when a retry happened.
boot_log() {
	BOOT_RETRIED=
	boot_log_once "$@"
	if [ -n "${NESTED_KVM:-}" ] && [ -z "${BOOT_NO_RETRY:-}" ] &&
		{ [ "$BOOT_STATUS" = 122 ] || [ -n "$BOOT_STALLED" ]; }; then
		BOOT_RETRIED=$BOOT_STATUS
		diag "nested boot ${BOOT_STALLED:+stalled (no output for ${BOOT_STALL:-120} s), }ended with status $BOOT_STATUS: one retry; first log kept as $1.first"
		cp "$1" "$1.first" 2>/dev/null
		boot_log_once "$@"
	fi
	return 0
}

# boot_bg LOG LKVM-RUN-ARGS...: boot_log in the background; its pid in
# BOOT_PID. LOG is emptied here, before the job starts: a caller that
# polls LOG must not find the lines of an earlier boot (a run before, or
# the first try) in the moment before the job's own truncation.
boot_bg() {
	: > "$1"
	boot_log "$@" &
	BOOT_PID=$!
}

# boot_log_once LOG LKVM-RUN-ARGS...: one attempt of boot_log; sets
# BOOT_STALLED when the stall watchdog (nested only) killed it.
boot_log_once() {
	local log=$1 t start in=${BOOT_STDIN:-/dev/null} wpid
	shift
	t=$(boot_timeout)
	start=$EPOCHREALTIME
	BOOT_STALLED=
	: > "$log.err"
	: > "$log"
	rm -f "$log.status" "$log.pid" "$log.stalled"
	if [ -n "${NESTED_KVM:-}" ]; then
		boot_watchdog "$log" "${BOOT_STALL:-120}" &
		wpid=$!
	fi
	{
		timeout -k 10 "$t" "$LKVM" run "$@" <"$in" 2> >(tee "$log.err") &
		echo $! > "$log.pid"
		wait $!
		echo "$?" > "$log.status"
	} 2>&1 | stamp_lines "$start" | if [ -n "${BOOT_ECHO:-}" ]; then
		tee "$log" >&2
	else
		cat > "$log"
	fi
	if [ -n "${wpid:-}" ]; then
		kill "$wpid" 2>/dev/null
		wait "$wpid" 2>/dev/null
	fi
	[ -f "$log.stalled" ] && BOOT_STALLED=1
	BOOT_STATUS=$(cat "$log.status")
	BOOT_SECONDS=$(elapsed "$start" "$EPOCHREALTIME")
	rm -f "$log.pid" "$log.stalled"
	return 0
}

# boot_watchdog LOG SECONDS: while the boot of LOG runs, kill it (its
# timeout process, from LOG.pid) once LOG has not grown for SECONDS, and
# leave LOG.stalled behind.
boot_watchdog() {
	local log=$1 limit=$2 size=-1 now quiet=0 pid
	while :; do
		sleep 5
		[ -f "$log.status" ] && return 0
		now=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$now" = "$size" ]; then
			quiet=$((quiet + 5))
		else
			size=$now quiet=0
		fi
		if [ "$quiet" -ge "$limit" ]; then
			: > "$log.stalled"
			pid=$(cat "$log.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
			return 0
		fi
	done
}

# boot_interactive LOG READY-ERE INPUT LKVM-RUN-ARGS...: like boot_log, but
# once READY-ERE shows in LOG (e.g. the shell's start), writes INPUT to
# lkvm's stdin (the guest console), which stays open until lkvm exits.
# Sets BOOT_STATUS and BOOT_SECONDS like boot_log.
boot_interactive() {
	local log=$1 ready=$2 input=$3 pid start fifo
	shift 3
	# The FIFO lives in a local temp dir: the log's directory may be a
	# 9p share (scripts/nested-kvm), where mkfifo fails.
	fifo=$(mktemp -u "${TMPDIR:-/tmp}/lkvm-console.XXXXXX")
	mkfifo "$fifo"
	start=$EPOCHREALTIME
	BOOT_STDIN=$fifo BOOT_NO_RETRY=1 boot_bg "$log" "$@"
	pid=$BOOT_PID
	exec 8>"$fifo"
	while kill -0 "$pid" 2>/dev/null && ! grep -qE -- "$ready" "$log" 2>/dev/null; do
		sleep 0.2
	done
	# The guest may be gone already: do not die of SIGPIPE then.
	(trap '' PIPE; printf '%s' "$input" >&8) 2>/dev/null
	wait "$pid"
	exec 8>&-
	rm -f "$fifo"
	BOOT_STATUS=$(cat "$log.status" 2>/dev/null || echo unknown)
	BOOT_SECONDS=$(elapsed "$start" "$EPOCHREALTIME")
	return 0
}

# status_text STATUS: what an lkvm exit status means (lkvm run's statuses,
# plus timeout(1)'s).
status_text() {
	case "$1" in
	0) echo "guest powered off or rebooted" ;;
	2) echo "guest kernel panic (reported by pvpanic)" ;;
	120) echo "lkvm error" ;;
	122) echo "guest crash (triple fault or unhandled exit)" ;;
	124) echo "timed out (killed by timeout)" ;;
	128) echo "lkvm usage error" ;;
	129) echo "lkvm killed by SIGHUP" ;;
	130) echo "lkvm killed by SIGINT" ;;
	143) echo "lkvm killed by SIGTERM" ;;
	137) echo "killed (SIGKILL after the timeout)" ;;
	*) echo "unexpected status" ;;
	esac
}

# OUT: an ERE prefix that anchors a pattern at the start of a line the
# guest printed (after stamp_lines' "[+s.ms] "), so that a marker matches
# the command's output, never a kernel command line that holds its text.
OUT='^\[[^]]*\] '

# log_has LOG ERE: true if the ERE matches a line of LOG.
log_has() { grep -qE -- "$2" "$1" 2>/dev/null; }

# log_line LOG ERE: print the first line of LOG matching ERE.
log_line() { grep -m1 -E -- "$2" "$1" || true; }

# ok_log LOG ERE DESCRIPTION: a test passing when ERE matches LOG.
ok_log() {
	local st=0
	log_has "$1" "$2" || st=1
	tap_ok "$st" "$3"
}

# ok_status GOT WANT DESCRIPTION: a test passing when GOT == WANT.
ok_status() {
	local st=0
	[ "$1" = "$2" ] || st=1
	tap_ok "$st" "$3"
	[ "$st" = 0 ] || diag "    got exit status $1, want $2"
}

# dump_tail LOG N: the last N lines of LOG as TAP comments (for failures).
dump_tail() { echo "# --- last $2 lines of $1:"; tail -n "$2" "$1" | sed 's/^/# /'; }
