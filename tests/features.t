#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tier: kvm (see tests/lib/tier-exec)
# lkvm features against this host's /dev/kvm (native, or inside the
# nested-SVM L1): the JSON report, capability queries, CPUID, binary stats
# descriptors, --diff and -i, and lkvm run --trace-ioctls on the hello
# payload. TAP output. LKVM and LKVM_OUT are set by `make check`.
set -u
# shellcheck source=tests/linux/lib.sh
. "$(dirname "$0")/linux/lib.sh"
need_lkvm
need_kvm
OUT=${LKVM_OUT:-$REPO}
HELLO=$OUT/tests/guests/hello.elf
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-features-t.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# py EXPR-FILE: run a python3 check on the saved report; status 0 = pass.
py() { python3 - "$TMP/f.json" "$@"; }

"$LKVM" features --json >"$TMP/f.json" 2>"$TMP/err"
tap_ok $? "lkvm features --json exits 0"
python3 -m json.tool "$TMP/f.json" >/dev/null 2>&1
tap_ok $? "--json output parses as JSON"

py KVM_CAP_USER_MEMORY KVM_CAP_IRQCHIP KVM_CAP_BINARY_STATS_FD <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
caps = {c["name"]: c for c in f["capabilities"]}
bad = [n for n in sys.argv[2:] if not (n in caps and ((caps[n]["sys"] or 0) > 0 or (caps[n]["vm"] or 0) > 0))]
print("# not supported:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
tap_ok $? "--json lists KVM_CAP_USER_MEMORY, KVM_CAP_IRQCHIP, KVM_CAP_BINARY_STATS_FD as supported"

vendor=$(awk -F': *' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
py "$vendor" <<'PY'
import json, struct, sys
f = json.load(open(sys.argv[1]))
leaf0 = [e for e in f["kernel"]["cpuid"] if e["function"] == 0][0]
v = struct.pack("<III", leaf0["ebx"], leaf0["edx"], leaf0["ecx"]).decode("ascii", "replace")
print("# CPUID leaf 0 vendor %r, cpu_vendor %r, /proc/cpuinfo %r" % (v, f["kernel"]["cpu_vendor"], sys.argv[2]))
sys.exit(0 if v == sys.argv[2] == f["kernel"]["cpu_vendor"] else 1)
PY
tap_ok $? "CPUID leaf 0's vendor matches /proc/cpuinfo's vendor_id ($vendor)"

py <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
l1 = [e for e in f["kernel"]["cpuid"] if e["function"] == 1][0]
sys.exit(0 if "fpu" in l1["flags_set"]["edx"] and bool(l1["edx"] & 1) else 1)
PY
tap_ok $? "CPUID leaf 1 EDX bit 0 is named fpu"

py <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
s = f["kernel"]["stats"]
vm = {d["name"]: d for d in s["vm"]}
vcpu = {d["name"]: d for d in s["vcpu"]}
print("# %d VM and %d vCPU stats descriptors" % (len(vm), len(vcpu)))
good = "remote_tlb_flush" in vm and "exits" in vcpu and "halt_wakeup" in vcpu
good = good and vcpu["exits"]["type"] == "cumulative" and vcpu["exits"]["size"] == 1
sys.exit(0 if good else 1)
PY
tap_ok $? "stats descriptors: the VM's remote_tlb_flush, the vCPU's exits and halt_wakeup"

py <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
k = f["kernel"]
ok = k["api_version"] == 12 and k["vcpu_mmap_size"] >= 4096 and len(k["msrs"]) > 0
ok = ok and any(m["name"] == "IA32_SYSENTER_CS" for m in k["msrs"])
ok = ok and any(e["name"] == "KVM_EXIT_IO" and e["number"] == 2 for e in f["exit_reasons"])
ok = ok and any(e["name"] == "KVM_RUN" for e in f["ioctls"])
sys.exit(0 if ok else 1)
PY
tap_ok $? "API version 12, vCPU mmap size, named MSRs, exit reasons and ioctls"

"$LKVM" features >"$TMP/text" 2>&1
grep -q "^Capabilities supported" "$TMP/text" && grep -q "^Capabilities not supported" "$TMP/text" &&
	grep -q "^  KVM_CAP_IRQCHIP " "$TMP/text" && grep -q "^Binary stats of a vCPU" "$TMP/text"
tap_ok $? "the text report groups capabilities as supported / not supported"

"$LKVM" features KVM_CAP_USER_MEMORY >"$TMP/q" 2>&1
tap_ok $? "lkvm features KVM_CAP_USER_MEMORY exits 0"
unsup=$(py <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
print([c["name"] for c in f["capabilities"] if c["sys"] == 0 and c["vm"] == 0][0])
PY
)
"$LKVM" features KVM_CAP_USER_MEMORY "$unsup" >"$TMP/q" 2>&1
[ $? = 1 ] && grep -q "^$unsup not supported" "$TMP/q"
tap_ok $? "lkvm features KVM_CAP_USER_MEMORY $unsup exits 1"
"$LKVM" features KVM_CAP_NO_SUCH_THING >"$TMP/q" 2>&1
[ $? = 1 ] && grep -q "KVM_CAP_NO_SUCH_THING' is not a capability" "$TMP/q"
tap_ok $? "an unknown capability name exits 1 with a clear message"

"$LKVM" features --device "$TMP/none" >"$TMP/nokvm" 2>&1
[ $? = 0 ] && grep -q "none answered ($TMP/none" "$TMP/nokvm" &&
	grep -q "^  KVM_CAP_USER_MEMORY " "$TMP/nokvm"
tap_ok $? "without a KVM device: the header's names, and says no kernel answered"

"$LKVM" features --diff "$TMP/f.json" >"$TMP/d" 2>&1
[ $? = 0 ] && grep -q "^0 differences" "$TMP/d"
tap_ok $? "--diff against this kernel's own saved report: 0 differences"
"$LKVM" features --device "$TMP/none" --json >"$TMP/nokvm.json" 2>/dev/null
"$LKVM" features -i "$TMP/nokvm.json" --diff "$TMP/f.json" >"$TMP/d" 2>&1
[ $? = 1 ] && grep -q "^~ kernel: answered -> none" "$TMP/d" && grep -q "^- vCPU stat exits" "$TMP/d"
tap_ok $? "-i FILE --diff FILE compares two saved reports (exit 1 when they differ)"

# --trace-ioctls on the hello payload.
if [ ! -f "$HELLO" ]; then
	tap_skip "--trace-ioctls on hello.elf" "no $HELLO (run make tests)"
else
	timeout 60 "$LKVM" run -k "$HELLO" --trace-ioctls="$TMP/trace" >"$TMP/run.out" 2>"$TMP/run.err"
	grep -q "hello" "$TMP/run.out" && [ -s "$TMP/trace" ]
	tap_ok $? "--trace-ioctls=FILE: the guest runs and FILE is written"
	# The first line of each, in order, with a result.
	seq=$(grep -n -m1 -E '^[0-9.]+ sys KVM_CREATE_VM\(type=0\) = [0-9]+ <' "$TMP/trace" | cut -d: -f1)
	mem=$(grep -n -m1 -E '^[0-9.]+ vm KVM_SET_USER_MEMORY_REGION2?\(\{slot=0 .*size=0x[0-9a-f]+ .*\}\) = 0 <' "$TMP/trace" | cut -d: -f1)
	vcpu=$(grep -n -m1 -E '^[0-9.]+ vm KVM_CREATE_VCPU\(id=0\) = [0-9]+ <' "$TMP/trace" | cut -d: -f1)
	run=$(grep -n -m1 -E '^[0-9.]+ vcpu0 KVM_RUN\(\) = 0 exit=KVM_EXIT_IO \{port=0x' "$TMP/trace" | cut -d: -f1)
	diag "lines: KVM_CREATE_VM ${seq:-?}, memory region ${mem:-?}, KVM_CREATE_VCPU ${vcpu:-?}, KVM_RUN ${run:-?}"
	[ -n "$seq" ] && [ -n "$mem" ] && [ -n "$vcpu" ] && [ -n "$run" ] &&
		[ "$seq" -lt "$mem" ] && [ "$mem" -lt "$vcpu" ] && [ "$vcpu" -lt "$run" ]
	tap_ok $? "KVM_CREATE_VM, the memory region, KVM_CREATE_VCPU and KVM_RUN in order, with results"
	grep -q -E 'KVM_CHECK_EXTENSION\(KVM_CAP_[A-Z0-9_]+\) = [0-9]+ <[0-9.]+ us>$' "$TMP/trace"
	tap_ok $? "KVM_CHECK_EXTENSION lines name the capability and the time"
	! grep -q "KVM_" "$TMP/run.err"
	tap_ok $? "with FILE, nothing goes to stderr"

	timeout 60 "$LKVM" run -k "$HELLO" --trace-ioctls --trace-ioctls-regs >"$TMP/run.out" 2>"$TMP/run.err"
	grep -q -E 'vcpu0 KVM_SET_REGS\(\{rax=.* rip=0x[0-9a-f]+ ' "$TMP/run.err" &&
		grep -q -E 'vcpu0 KVM_SET_SREGS\(\{cr0=' "$TMP/run.err"
	tap_ok $? "--trace-ioctls (stderr) --trace-ioctls-regs decodes kvm_regs and kvm_sregs"

	timeout 60 "$LKVM" run -k "$HELLO" --trace-ioctls --no-trace-ioctls-run >/dev/null 2>"$TMP/run.err"
	grep -q "vm KVM_CREATE_VCPU(id=0) = " "$TMP/run.err" && ! grep -q "KVM_RUN" "$TMP/run.err"
	tap_ok $? "--no-trace-ioctls-run leaves out the KVM_RUN lines only"

	timeout 60 "$LKVM" run -k "$HELLO" >"$TMP/run.out" 2>"$TMP/run.err"
	! grep -q "KVM_RUN" "$TMP/run.err"
	tap_ok $? "without --trace-ioctls nothing is traced"

	timeout 60 "$LKVM" run -k "$HELLO" --trace-ioctls="$TMP/no/such/dir/t" >/dev/null 2>"$TMP/run.err"
	[ $? = 120 ] && grep -q "trace-ioctls=$TMP/no/such/dir/t: cannot open" "$TMP/run.err"
	tap_ok $? "--trace-ioctls=FILE that cannot be opened: one error line, exit 120"
fi

plan "$TAP_N"
tap_done
