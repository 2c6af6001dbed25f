#!/bin/sh
# tier: kvm (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# lkvm run --loglevel info ends with one "phases (us)" line: every phase of
# a run of the hello payload in order, non-negative, summing to the total
# (bench/start reads it). Needs /dev/kvm and the payloads. TAP output.

LKVM=${LKVM:-./lkvm}
G=${LKVM_OUT:-.}/tests/guests
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-phases.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

[ -x "$LKVM" ] || { echo "1..0 # SKIP no lkvm binary at $LKVM"; exit 0; }
[ -e /dev/kvm ] || { echo "1..0 # SKIP no /dev/kvm"; exit 0; }
[ -f "$G/hello.elf" ] || { echo "1..0 # SKIP no $G/hello.elf (make tests)"; exit 0; }
echo "1..3"

timeout 60 "$LKVM" run -k "$G/hello.elf" --loglevel info </dev/null >/dev/null 2>"$TMP/err"
line=$(sed -n 's/^lkvm: info: phases (us): //p' "$TMP/err")
names=$(echo "$line" | awk '{ for (i = 1; i < NF; i += 2) printf "%s ", $i }')
want="parse inputs kvm devices boot vcpus setup first-run guest stop teardown total "
if [ "$(grep -c 'phases (us)' "$TMP/err")" = 1 ] && [ "$names" = "$want" ]; then
	echo "ok 1 - one phases line with every phase in order"
else
	echo "not ok 1 - one phases line with every phase in order"
	echo "# got: $line"
fi
echo "$line" | awk '{ s = 0; for (i = 2; i < NF; i += 2) { if ($i !~ /^[0-9]+$/) exit 1; s += $i }
	exit (s == $NF) ? 0 : 1 }'
if [ $? = 0 ]; then echo "ok 2 - phases are whole microseconds that add up to the total"
else echo "not ok 2 - phases are whole microseconds that add up to the total"; fi
echo "$line" | awk '{ for (i = 1; i < NF; i += 2) if ($i == "first-run" || $i == "kvm") v[$i] = $(i + 1) }
	END { exit (v["kvm"] > 0) ? 0 : 1 }'
if [ $? = 0 ]; then echo "ok 3 - creating the VM took measurable time"
else echo "not ok 3 - creating the VM took measurable time"; fi
