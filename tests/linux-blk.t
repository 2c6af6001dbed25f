#!/bin/bash
# tier: kvm (see tests/lib/tier-exec)
# linux-blk.t - boot the small test kernel once with three virtio-blk
# disks and check what its virtio_blk and ext4 drivers do on their own
# (DESIGN.md sections 4 and 5, Linux tier; the virtio-blk part of issue 3):
#  - vda: an ext4 image made by `mke2fs -t ext4 -d`, the root file system
#    (root=/dev/vda rw): the kernel mounts it read-write, which writes the
#    superblock (mount count, last mount time: read back with dumpe2fs);
#    then it execs /init, which dies on PVM hosts (no user space there) or
#    is missing elsewhere: a panic, reported by pvpanic, status 2;
#  - vdb: ,ro: virtio_blk probes it, lkvm offers VIRTIO_BLK_F_RO and the
#    image file is unchanged;
#  - vdc: ,cow=OVERLAY of a copy of the root image: probed as vdc, the
#    base is unchanged (checksum), the overlay file exists.
# Needs /dev/kvm, lkvm ($LKVM), mke2fs/dumpe2fs (e2fsprogs) and the small
# kernel (`make guest-small`); skips otherwise. About 3 minutes on PVM hosts.
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
bz=$(small_kernel) || skip_all "small kernel not built (run: make guest-small)"
command -v mke2fs >/dev/null && command -v dumpe2fs >/dev/null ||
	skip_all "mke2fs/dumpe2fs not installed (e2fsprogs)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-blk.XXXXXX")}
mkdir -p "$logdir"
log=$logdir/linux-blk.log
img=$logdir/blk-root.ext4
roimg=$logdir/blk-ro.ext4
base=$logdir/blk-base.ext4
ovl=$logdir/blk-base.cow
rm -rf "$logdir/blk-root" "$img" "$roimg" "$base" "$ovl"
mkdir -p "$logdir/blk-root"
printf '#!/bin/sh\necho hello from vda\n' >"$logdir/blk-root/init"
chmod +x "$logdir/blk-root/init"
echo "lkvm virtio-blk test" >"$logdir/blk-root/README"
mke2fs -q -F -t ext4 -L lkvmroot -d "$logdir/blk-root" "$img" 8M >"$logdir/mke2fs.log" 2>&1 ||
	{ echo "Bail out! mke2fs failed: $(tail -n1 "$logdir/mke2fs.log")"; exit 1; }
cp "$img" "$roimg"
cp "$img" "$base"
ro_sum=$(sha256sum <"$roimg")
base_sum=$(sha256sum <"$base")
count() { dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Mount count: *//p'; }
mtime() { dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Last mount time: *//p'; }
count0=$(count "$img")
mtime0=$(mtime "$img")

cmdline="console=ttyS0 panic=-1 printk.time=1 root=/dev/vda rw rootwait rootfstype=ext4"
kline='^\[\+[0-9.]+\] \[ *[0-9]+\.[0-9]+\] '

plan 10
diag "booting $bz with three disks (timeout $(boot_timeout) s); log: $log"
boot_log "$log" -k "$bz" -m 256 -c 1 --name "linux-blk-$$" --loglevel info -p "$cmdline" \
	-d "$img,serial=lkvm-root" -d "$roimg,ro" -d "$base,cow=$ovl"
diag "lkvm exited with status $BOOT_STATUS ($(status_text "$BOOT_STATUS")) after $BOOT_SECONDS s"

ok_log "$log" "${kline}virtio_blk virtio0: \[vda\] 16384 512-byte logical blocks" \
	"vda probed by virtio_blk with the image's size (8 MiB)"
ok_log "$log" "${kline}virtio_blk virtio1: \[vdb\]" "vdb probed (a second disk)"
ok_log "$log" "${kline}virtio_blk virtio2: \[vdc\]" "vdc probed (a third disk, cow)"
ok_log "$log" "${kline}EXT4-fs \(vda\): mounted filesystem" "the kernel mounts ext4 from vda"
ok_log "$log" "${kline}VFS: Mounted root \(ext4 filesystem\) on device" "vda is the root file system, read-write"
ok_status "$BOOT_STATUS" 2 "init dies or is not found: panic, reported by pvpanic (status 2)"
count1=$(count "$img")
mtime1=$(mtime "$img")
st=1
[ -n "$count1" ] && [ "$count1" != "$count0" ] && [ "$mtime1" != "$mtime0" ] && st=0
tap_ok "$st" "the host sees the mount in vda's superblock (mount count $count0 -> $count1, last mount '$mtime1')"
st=1
[ "$(sha256sum <"$roimg")" = "$ro_sum" ] && log_has "$log.err" 'virtio-blk .*blk-ro.ext4, 16384 sectors, read-only' && st=0
tap_ok "$st" "vdb (ro): offered read-only, the image unchanged"
st=1
[ "$(sha256sum <"$base")" = "$base_sum" ] && [ -s "$ovl" ] && st=0
tap_ok "$st" "vdc (cow=OVERLAY): the base unchanged, the overlay file made"
st=1
log_has "$log.err" 'virtio-blk .*blk-root.ext4, [0-9]+ reads, [1-9][0-9]* writes, [1-9][0-9]* flushes' && st=0
tap_ok "$st" "lkvm counted the root's writes and flushes"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 30
tap_done
