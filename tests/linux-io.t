#!/bin/bash
# tier: svm (see tests/lib/tier-exec)
# linux-io.t - lkvm's devices seen from Linux guest user space: what
# linux-blk.t, linux-virtio.t and linux-debug.t read from the kernel's log
# on PVM hosts (where user space cannot run), checked here by commands run
# in the guest (DESIGN.md section 5):
#   boot 1: write a random block to /dev/vda (raw), read 16 bytes from
#           /dev/hwrng (virtio-rng), print on hvc0 (virtio
#           console), write to a read-only vdb (refused) and to a cow vdc;
#   boot 2: read the block back from /dev/vda after a fresh start;
#   the host: vda's image holds the block, vdb's and vdc's images are
#           unchanged, the cow overlay holds vdc's write.
# Guest: the small kernel with a fresh busybox initramfs, else the demo
# guest. Runs where guest user space runs: natively on VMX/SVM hosts, in
# scripts/nested-kvm's L1 elsewhere (tests/lib/tier-exec).
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
is_pvm && skip_all "guest user space cannot run on this PVM host (tests/lib/tier-exec runs this file nested)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-io.XXXXXX")}
mkdir -p "$logdir"
user_guest "$logdir"
kernel=$KERNEL initrd=$INITRD

vda=$logdir/io-vda.img vdb=$logdir/io-vdb.img vdc=$logdir/io-vdc.img ovl=$logdir/io-vdc.cow
rm -f "$vda" "$vdb" "$vdc" "$ovl"
for f in "$vda" "$vdb" "$vdc"; do
	head -c 1M /dev/zero > "$f"
done
vdb_sum=$(sha256sum < "$vdb") vdc_sum=$(sha256sum < "$vdc")
token=lkvm-io-$$-$RANDOM$RANDOM

# cmd64 TEXT: TEXT as the init's lkvm.cmd64= word.
cmd64() { printf 'lkvm.cmd64=%s' "$(printf '%s' "$1" | base64 -w0)"; }
base="console=ttyS0 panic=-1 $(nested_cmdline)"
disks=(-d "$vda" -d "$vdb,ro" -d "$vdc,cow=$ovl")

plan 10
diag "kernel $kernel; logs in $logdir"

# 1. Write, rng, console, ro and cow.
log=$logdir/linux-io-write.log
boot_log "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-io-$$" \
	--rng --virtio-transport pci --console virtio "${disks[@]}" \
	-p "console=hvc0 panic=-1 $(nested_cmdline) $(cmd64 "
printf '%-512s' '$token' | dd of=/dev/vda bs=512 count=1 conv=fsync 2>/dev/null && echo io-vda-written
echo io-rng=\$(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' \n')
echo io-rng-name=\$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
if printf x | dd of=/dev/vdb bs=512 count=1 conv=sync,fsync 2>/dev/null; then echo io-vdb-written; else echo io-vdb-refused; fi
printf '%-512s' 'cow-$token' | dd of=/dev/vdc bs=512 count=1 conv=fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
echo io-vdc=\$(dd if=/dev/vdc bs=512 count=1 2>/dev/null | tr -d ' ')
echo io-console=\$(cat /sys/class/tty/console/active)")"
ok_log "$log" "${OUT}io-vda-written" "the guest writes a block to /dev/vda"
ok_log "$log" "${OUT}io-rng=[0-9a-f]{32}" "the guest reads /dev/hwrng (virtio-rng)"
ok_log "$log" "${OUT}io-rng-name=virtio_rng" "... which is virtio_rng"
ok_log "$log" "${OUT}io-vdb-refused" "a write to the read-only vdb is refused"
ok_log "$log" "${OUT}io-vdc=cow-$token" "the guest reads its cow write back from vdc"
ok_log "$log" "${OUT}io-console=.*hvc0" "the guest's console is hvc0 (virtio console)"
st=1
[ "$(sha256sum < "$vdb")" = "$vdb_sum" ] && [ "$(sha256sum < "$vdc")" = "$vdc_sum" ] &&
	grep -qa "cow-$token" "$ovl" && st=0
tap_ok "$st" "the host: vdb and vdc's base unchanged, the overlay holds the write"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 30

# 2. A second boot reads vda's block back; the host's image has it too.
log=$logdir/linux-io-read.log
boot_log "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-io-$$" -d "$vda" \
	-p "$base $(cmd64 "echo io-vda=\$(dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d ' ')")"
ok_log "$log" "${OUT}io-vda=$token" "a second boot reads the block back from /dev/vda"
ok_status "$BOOT_STATUS" 0 "... and powers off (status 0)"
st=1
head -c 512 "$vda" | grep -qa "$token" && st=0
tap_ok "$st" "the host's image holds the guest's block"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 30

tap_done
