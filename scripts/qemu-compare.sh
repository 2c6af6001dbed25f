#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one multiboot test kernel under lkvm and under QEMU with the same
# settings and compare what the guest printed on its serial port (stdout)
# and the exit status. Both end the guest through the debug-exit port
# (0xf4, 4 bytes): a write of V gives status (V << 1) | 1 under both.
#
# usage: scripts/qemu-compare.sh [-p PARAMS] [-i MODULE]... [-m MIB] [-c CPUS]
#                                [-f FWCFG]... [-r] [-v] [-o DIR] [-q] IMAGE
#   -p PARAMS  kernel command line   (lkvm -p,  qemu -append)
#   -i MODULE  multiboot module, in order, repeatable (lkvm -i, qemu -initrd A,B)
#   -m MIB     guest RAM in MiB      (both -m)
#   -c CPUS    vCPUs                 (lkvm -c,  qemu -smp)
#   -f FWCFG   fw_cfg file name=N,string=S or name=N,file=F, repeatable
#              (lkvm --fw-cfg, qemu -fw_cfg)
#   -r         virtio entropy device (lkvm --rng, qemu -device virtio-rng-pci)
#   -v         virtio console on stdout (lkvm --console virtio, qemu
#              virtio-serial-pci + virtconsole sharing stdio with the serial port)
#   -o DIR     keep {lkvm,qemu}.{out,err,status} in DIR
#   -q         do not print the diff
# Environment: LKVM (default ./lkvm), QEMU (default qemu-system-x86_64),
# TIMEOUT per run in seconds (default 60).
# Exit status: 0 same output and status, 1 they differ, 2 usage error or a
# VMM could not be run.
#
# QEMU options and why: -enable-kvm -nodefaults -nographic -serial stdio
# (COM1 on stdout, nothing else); -device isa-debug-exit,iobase=0xf4,iosize=4
# (the exit port); -no-reboot (a triple fault ends QEMU instead of resetting
# the guest forever); -fw_cfg name=etc/sercon-port,string=0 (SeaBIOS would
# otherwise print its banner on the serial port, before the guest's output);
# -device pc-testdev (lkvm's --test-dev, on for multiboot images).
# The default CPU model is kept: `-cpu host` aborts on PVM hosts (QEMU
# fails to set MSR 0x10a).

LKVM=${LKVM:-./lkvm}
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=${TIMEOUT:-60}

usage() {
	sed -n '8,20s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

params= mem= cpus= dir= quiet= rng= vcon=
modules=() fwcfg=()
while getopts "p:i:m:c:f:rvo:qh" opt; do
	case $opt in
	p) params=$OPTARG ;;
	i) modules+=("$OPTARG") ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	f) fwcfg+=("$OPTARG") ;;
	r) rng=1 ;;
	v) vcon=1 ;;
	o) dir=$OPTARG ;;
	q) quiet=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || usage
image=$1
if [ ! -r "$image" ]; then
	echo "qemu-compare: cannot read image '$image'" >&2
	exit 2
fi

lkvm_args=(run -k "$image")
qemu_args=(-enable-kvm -nodefaults -nographic -serial stdio
	-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -device pc-testdev
	-fw_cfg name=etc/sercon-port,string=0 -kernel "$image")
for f in "${fwcfg[@]}"; do
	lkvm_args+=(--fw-cfg "$f") && qemu_args+=(-fw_cfg "$f")
done
[ -n "$params" ] && lkvm_args+=(-p "$params") && qemu_args+=(-append "$params")
[ -n "$mem" ] && lkvm_args+=(-m "$mem") && qemu_args+=(-m "$mem")
[ -n "$cpus" ] && lkvm_args+=(-c "$cpus") && qemu_args+=(-smp "$cpus")
[ -n "$rng" ] && lkvm_args+=(--rng) && qemu_args+=(-device virtio-rng-pci)
if [ -n "$vcon" ]; then
	# One stdio backend shared (mux) by COM1 and the virtio console, as
	# lkvm writes both to stdout.
	lkvm_args+=(--console virtio)
	for i in "${!qemu_args[@]}"; do
		[ "${qemu_args[$i]}" = "-serial" ] && qemu_args[i+1]=chardev:con
	done
	qemu_args+=(-chardev stdio,id=con,mux=on -device virtio-serial-pci
		-device virtconsole,chardev=con)
fi
if [ ${#modules[@]} -gt 0 ]; then
	initrd=
	for m in "${modules[@]}"; do
		case $m in
		*,*) echo "qemu-compare: QEMU cannot take a module path with a comma: '$m'" >&2
		     exit 2 ;;
		esac
		lkvm_args+=(-i "$m")
		initrd=${initrd:+$initrd,}$m
	done
	qemu_args+=(-initrd "$initrd")
fi

if [ -n "$dir" ]; then
	mkdir -p "$dir" || exit 2
	keep=1
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/qemu-compare.XXXXXX") || exit 2
	trap 'rm -rf "$dir"' EXIT
fi

# run NAME CMD...: stdout (CR stripped), stderr and status under $dir.
run() {
	local name=$1 rc
	shift
	timeout "$TIMEOUT" "$@" </dev/null >"$dir/$name.raw" 2>"$dir/$name.err"
	rc=$?
	tr -d '\r' <"$dir/$name.raw" >"$dir/$name.out"
	rm -f "$dir/$name.raw"
	echo "$rc" >"$dir/$name.status"
	[ "$rc" = 124 ] && echo "qemu-compare: $name timed out after ${TIMEOUT}s" >&2
	[ "$rc" = 127 ] && echo "qemu-compare: cannot run $1" >&2 && return 2
	return 0
}

run lkvm "$LKVM" "${lkvm_args[@]}" || exit 2
run qemu "$QEMU" "${qemu_args[@]}" || exit 2

ls=$(cat "$dir/lkvm.status") qs=$(cat "$dir/qemu.status")
echo "lkvm: status $ls, $(wc -l <"$dir/lkvm.out") lines ($LKVM ${lkvm_args[*]})"
echo "qemu: status $qs, $(wc -l <"$dir/qemu.out") lines ($QEMU ${qemu_args[*]})"
same=1
if ! cmp -s "$dir/lkvm.out" "$dir/qemu.out"; then
	same=
	[ -z "$quiet" ] && diff -u --label lkvm --label qemu "$dir/lkvm.out" "$dir/qemu.out"
fi
[ "$ls" = "$qs" ] || same=
[ -n "$keep" ] && echo "outputs kept in $dir"
if [ -n "$same" ]; then
	echo "same output and status"
	exit 0
fi
echo "differ"
exit 1
