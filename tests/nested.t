#!/bin/bash
# tier: host (see tests/lib/tier-exec)
# nested.t - scripts/nested-kvm itself: a command runs in the L1 on a real
# SVM /dev/kvm, in the same directory, with the host's files; its output
# and status come back; what it writes in the current directory is on the
# host afterwards; an L1 kernel panic and the time limit end the run with
# their own statuses and one line each; bad options are refused before
# anything boots. Then tests/lib/tier-exec: a nested file that fails runs
# once more in a fresh L1 and the second result counts. Eight L1 boots
# (10-15 s each). Runs on the host, never
# inside an L1.
set -u
. "$(dirname "$0")/linux/lib.sh"

NK=$REPO/scripts/nested-kvm
[ -z "${NESTED_KVM:-}" ] || skip_all "already inside a nested-kvm L1"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed (scripts/install-deps.sh)"

plan 18
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-nested.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. Bad options: one line, status 125, nothing booted.
out=$("$NK" --smp 0 -- true 2>&1); st=$?
[ "$st" = 125 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *"'0'"* ]]
tap_ok $? "--smp 0: one error line naming the value, status 125 (got $st: $out)"
out=$("$NK" --bogus -- true 2>&1); st=$?
[ "$st" = 125 ] && [[ $out == *"unknown option '--bogus'"* ]]
tap_ok $? "an unknown option: named, status 125 (got $st)"

# 2. A command: SVM /dev/kvm, same directory, output, status, files.
cd "$tmp" || exit 1
echo "host-data-$$" > from-host
out=$("$NK" -- bash -c 'echo "out-$((6 * 7))"; [ -c /dev/kvm ] && grep -qw svm /proc/cpuinfo && echo svm-ok;
	echo "cwd=$(pwd)"; cat from-host; echo written > from-l1; echo "nested=$NESTED_KVM"; exit 7' 2>"$tmp/err"); st=$?
cd - >/dev/null || exit 1
ok_status "$st" 7 "the command's exit status comes back"
[[ $out == *out-42* ]]
tap_ok $? "its output comes back"
[[ $out == *svm-ok* ]]
tap_ok $? "it sees an SVM /dev/kvm"
[[ $out == *"cwd=$tmp"* ]]
tap_ok $? "it runs in the same directory"
[[ $out == *"host-data-$$"* ]]
tap_ok $? "it reads the host's files there"
[ "$(cat "$tmp/from-l1" 2>/dev/null)" = written ]
tap_ok $? "what it writes in the current directory is on the host"
[[ $out == *nested=1* ]]
tap_ok $? "NESTED_KVM=1 is set for it"
[ "$st" = 7 ] || dump_tail "$tmp/err" 20

# 3. An L1 kernel panic: killed at once, one line naming it and the command.
out=$("$NK" -- sh -c 'echo before-panic; echo c > /proc/sysrq-trigger; sleep 600' 2>&1); st=$?
ok_status "$st" 125 "an L1 kernel panic: status 125"
echo "$out" | grep -q "nested-kvm: error: the L1 kernel reported '.*\(Kernel panic\|sysrq\|BUG\)"
tap_ok $? "... with a line naming the kernel's report"
echo "$out" | grep -q "while running 'sh -c echo before-panic.*last line: 'before-panic'"
tap_ok $? "... the command, and its last output line"
# nested-kvm counts from the L1's start ("after N s"), not from a wait
# for another L1 to finish.
secs=$(echo "$out" | sed -n "s/.* after \([0-9]*\) s, while running.*/\1/p" | head -n1)
[ -n "$secs" ] && [ "$secs" -lt 300 ]
tap_ok $? "... well before any time limit (after ${secs:-?} s of L1)"

# 4. The time limit.
out=$("$NK" --timeout 40 -- sleep 600 2>&1); st=$?
[ "$st" = 124 ] && echo "$out" | grep -q "time limit of 40 s reached"
tap_ok $? "--timeout 40 on sleep 600: status 124 and one line saying so (got $st)"

# 5. tests/lib/tier-exec: a file that fails once in the L1 runs again in a
# fresh L1 and its second result is prove's; one that fails twice fails,
# after exactly two runs.
cd "$tmp" || exit 1
cat > flaky.t <<'T'
#!/bin/bash
# tier: kvm
n=$(($(cat runs 2>/dev/null || echo 0) + 1)); echo "$n" > runs
echo 1..1
if [ "$n" = 1 ] || [ -e always-fail ]; then echo "not ok 1 - run $n"; exit 1; fi
echo "ok 1 - run $n"
T
chmod +x flaky.t
out=$(LKVM_TIERS=nested "$REPO/tests/lib/tier-exec" ./flaky.t 2>err); st=$?
[ "$st" = 0 ] && [ "$out" = $'1..1\nok 1 - run 2' ] && [ "$(cat runs)" = 2 ]
tap_ok $? "tier-exec: failed once nested, passed in a fresh L1: status 0, the second TAP only (status $st)"
grep -q "flaky.t: failed in the nested L1 (status 1) in attempt 1" err &&
	grep -q "#   not ok 1 - run 1" err
tap_ok $? "... the first attempt's failure is on stderr"
rm -f runs; touch always-fail
out=$(LKVM_TIERS=nested "$REPO/tests/lib/tier-exec" ./flaky.t 2>err); st=$?
ok_status "$st" 1 "tier-exec: failed twice nested: the file fails"
[ "$(cat runs)" = 2 ] && [ "$out" = $'1..1\nnot ok 1 - run 2' ]
tap_ok $? "... after two runs, not three (runs: $(cat runs))"
cd - >/dev/null || exit 1

tap_done
