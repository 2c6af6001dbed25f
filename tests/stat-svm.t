#!/bin/bash
# tier: svm (see tests/lib/tier-exec)
# stat-svm.t - tests/stat.t once more where kvm_exit and kvm_entry fire,
# for hosts whose own /dev/kvm is PVM (kvm_exit never fires there, so the
# hardware path of lkvm stat would otherwise go untested): tier-exec runs
# this file in scripts/nested-kvm's SVM L1. Elsewhere tests/stat.t itself
# already runs on a VMX/SVM /dev/kvm (natively or nested), and this file
# skips.
if [ "${LKVM_HOST_KIND:-}" != pvm ]; then
	echo "1..0 # SKIP tests/stat.t covers the kvm_exit path on this host (host kind ${LKVM_HOST_KIND:-unknown})"
	exit 0
fi
exec python3 "$(dirname "$0")/stat.t"
