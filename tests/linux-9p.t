#!/bin/bash
# tier: svm (see tests/lib/tier-exec)
# linux-9p.t - lkvm run --9p seen from Linux guest user space: the guest
# mounts host directories over virtio-9p (9P2000.L) and works in them.
#   boot 1 (virtio-pci): a read-write share and a read-only one; the guest
#           reads a random host file (sha256), writes a file, renames and
#           removes files, lists a 10000-entry directory, follows an
#           inside symlink; an absolute and a relative symlink leading out
#           of the share and ../../etc/shadow do not reach the host's
#           file; the ro share refuses a write with EROFS;
#   boot 2 (virtio-mmio): the read-only share mounts and reads there too;
#   the host: the guest's file is there, renamed, the removed one is gone,
#           the ro share is unchanged.
# Guest: the small kernel (CONFIG_NET_9P_VIRTIO=y, CONFIG_9P_FS=y) with a
# fresh busybox initramfs, else the demo guest. Runs where guest user
# space runs: natively on VMX/SVM hosts, in scripts/nested-kvm's L1
# elsewhere (tests/lib/tier-exec); there the shares live inside the L1.
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
is_pvm && skip_all "guest user space cannot run on this PVM host (tests/lib/tier-exec runs this file nested)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-9p.XXXXXX")}
mkdir -p "$logdir"
user_guest "$logdir"
kernel=$KERNEL initrd=$INITRD

token=lkvm-9p-$$-$RANDOM$RANDOM
top=$logdir/9p-$$
rw=$top/share ro=$top/roshare
rm -rf "$top"
mkdir -p "$rw/big" "$ro"
head -c 1048576 /dev/urandom > "$rw/rand"
rand_sum=$(sha256sum < "$rw/rand" | cut -d' ' -f1)
printf 'inside-%s\n' "$token" > "$rw/inside"
ln -s inside "$rw/inlink"
printf 'secret-%s\n' "$token" > "$top/secret"	# outside both shares
ln -s "$top/secret" "$rw/esc-abs"
ln -s ../secret "$rw/esc-rel"
(cd "$rw/big" && seq -f 'f%05g' 10000 | xargs touch)
printf 'readonly-%s\n' "$token" > "$ro/file"
ro_list=$(ls -la --time-style=+%s "$ro")

# cmd64 TEXT: TEXT as the init's lkvm.cmd64= word.
cmd64() { printf 'lkvm.cmd64=%s' "$(printf '%s' "$1" | base64 -w0)"; }
mnt='mount -t 9p -o trans=virtio,version=9p2000.L'

plan 20
diag "kernel $kernel; logs in $logdir"

# 1. Everything on virtio-pci.
log=$logdir/linux-9p.log
boot_log "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-9p-$$" \
	--virtio-transport pci --9p "$rw,rwshare" --9p "$ro,roshare,ro" \
	-p "console=ttyS0 panic=-1 $(nested_cmdline) $(cmd64 "
mkdir -p /mnt/rw /mnt/ro
$mnt rwshare /mnt/rw && echo p9-mounted-rw
$mnt roshare /mnt/ro && echo p9-mounted-ro
echo p9-sha=\$(sha256sum /mnt/rw/rand | cut -d' ' -f1)
echo guest-$token > /mnt/rw/fromguest && echo p9-written
mv /mnt/rw/fromguest /mnt/rw/renamed && [ -f /mnt/rw/renamed ] && [ ! -e /mnt/rw/fromguest ] && echo p9-renamed
echo x > /mnt/rw/gone && rm /mnt/rw/gone && [ ! -e /mnt/rw/gone ] && echo p9-removed
set -- /mnt/rw/big/*; echo p9-count=\$#
echo p9-inlink=\$(cat /mnt/rw/inlink)
cat /mnt/rw/esc-abs 2>&1 | sed 's/^/p9-esc-abs: /'
cat /mnt/rw/esc-rel 2>&1 | sed 's/^/p9-esc-rel: /'
cat /mnt/rw/../../etc/shadow 2>&1 | sed 's/^/p9-shadow: /'
touch /mnt/ro/new 2>&1 | sed 's/^/p9-ro-touch: /'
[ -e /mnt/ro/new ] || echo p9-ro-no-new
echo p9-ro-read=\$(cat /mnt/ro/file)
umount /mnt/rw && umount /mnt/ro && echo p9-unmounted")"
ok_log "$log" 'lkvm: --9p .*/share: mount -t 9p .* rwshare' "lkvm prints the mount command with the tag"
ok_log "$log" '^\[[^]]*\] p9-mounted-rw' "the guest mounts the read-write share"
ok_log "$log" "^\\[[^]]*\\] p9-sha=$rand_sum" "... reads a 1 MiB random host file (sha256 matches)"
ok_log "$log" '^\[[^]]*\] p9-written' "... writes a file"
ok_log "$log" '^\[[^]]*\] p9-renamed' "... renames it"
ok_log "$log" '^\[[^]]*\] p9-removed' "... creates and removes another"
ok_log "$log" '^\[[^]]*\] p9-count=10000$' "... lists a 10000-entry directory (a glob: readdir alone)"
ok_log "$log" "^\\[[^]]*\\] p9-inlink=inside-$token" "... follows a symlink inside the share"
st=0
grep -q "secret-$token" "$log" && st=1
grep -qE '^\[[^]]*\] p9-esc-abs: .*(No such file|Permission|cross-device|Too many)' "$log" &&
	grep -qE '^\[[^]]*\] p9-esc-rel: .*(No such file|Permission|cross-device|Too many)' "$log" || st=1
tap_ok "$st" "symlinks leading out of the share (absolute, relative) do not reach the host's file"
st=0
grep -q "secret-$token" "$log" && st=1
grep -qE '^\[[^]]*\] p9-shadow: .*(No such file|Permission|cross-device)' "$log" || st=1
tap_ok "$st" "../../etc/shadow from the share fails"
ok_log "$log" '^\[[^]]*\] p9-mounted-ro' "the guest mounts the read-only share"
ok_log "$log" '^\[[^]]*\] p9-ro-touch: .*Read-only file system' "... a write fails with EROFS"
ok_log "$log" "^\\[[^]]*\\] p9-ro-read=readonly-$token" "... reading works"
ok_log "$log" '^\[[^]]*\] p9-unmounted' "both shares unmount"
st=1
[ "$(cat "$rw/renamed" 2>/dev/null)" = "guest-$token" ] && [ ! -e "$rw/fromguest" ] && st=0
tap_ok "$st" "the host: the guest's file is there, renamed"
[ "$st" = 0 ] || diag "$(ls -la "$rw" | grep -v ' f[0-9]')"
st=1
[ ! -e "$rw/gone" ] && [ "$(sha256sum < "$rw/rand" | cut -d' ' -f1)" = "$rand_sum" ] && st=0
tap_ok "$st" "... the removed one is gone, the random file unchanged"
st=1
ro_now=$(ls -la --time-style=+%s "$ro")
[ "$ro_now" = "$ro_list" ] && st=0
tap_ok "$st" "... the ro share is unchanged"
[ "$st" = 0 ] || diag "before:" "$ro_list" "after:" "$ro_now"
ok_status "$BOOT_STATUS" 0 "... and the guest powers off (status 0)"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 60

# 2. The read-only share over virtio-mmio.
log=$logdir/linux-9p-mmio.log
boot_log "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-9p-$$" \
	--virtio-transport mmio --9p "$ro,ro" \
	-p "console=ttyS0 panic=-1 $(nested_cmdline) $(cmd64 "
mkdir -p /mnt/ro && $mnt roshare /mnt/ro && echo p9-mmio-read=\$(cat /mnt/ro/file)")"
ok_log "$log" 'lkvm: --9p .*/roshare: mount -t 9p .* roshare .*read-only' "the default tag is the directory's name"
ok_log "$log" "^\\[[^]]*\\] p9-mmio-read=readonly-$token" "the share mounts and reads over virtio-mmio"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 40

rm -rf "$top"
tap_done
