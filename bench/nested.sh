# bench/nested.sh - sourced by each benchmark right after `set -u`: runs the
# benchmark inside scripts/nested-kvm's SVM L1 when this host has no
# /dev/kvm, or when BENCH_NESTED=1 asks for it (e.g. to measure the SVM
# paths on a PVM host). A benchmark whose guests run Linux user space sets
# BENCH_USERSPACE=1 before it sources this file: it then runs nested on a
# PVM host too (a /dev/kvm without VMX/SVM, where that user space cannot
# run), as the tests' svm tier does (tests/lib/tier-exec). Inside the L1 it says once that it runs nested:
# guest code runs under QEMU's TCG there, so only the ratios between peers
# of the same run mean something, not the absolute times.
# Usage: . "$(dirname "$0")/nested.sh" "$0" "$@"
if [ -z "${NESTED_KVM:-}" ]; then
	if [ "${BENCH_NESTED:-0}" = 1 ] || ! [ -e /dev/kvm ] ||
	   { [ "${BENCH_USERSPACE:-0}" = 1 ] && ! grep -qwE 'vmx|svm' /proc/cpuinfo; }; then
		echo "# $(basename "$1"): no /dev/kvm that runs its guests here, or BENCH_NESTED=1: running in the nested-SVM L1 (scripts/nested-kvm)" >&2
		exec "$(dirname "$1")/../scripts/nested-kvm" --timeout "${BENCH_NESTED_TIMEOUT:-3600}" -- "$@"
	fi
else
	echo "# $(basename "$1"): running nested: SVM L1 under QEMU TCG; compare ratios, not times"
fi
