#!/bin/bash
# tier: svm (see tests/lib/tier-exec)
# linux-net.t - virtio-net seen from Linux guest user space (issue 10):
#   boot 1 (PCI, -n user,hostfwd=... -n user): eth0 and eth1 get
#           10.0.2.15 by DHCP (tests/linux/init.sh); the guest fetches a
#           file of random bytes from an HTTP server on the host's
#           127.0.0.1 through 10.0.2.2 and its sha256 matches; its
#           driver took HOST_TSO4 (not GUEST_TSO4) and 4 MiB go from the
#           guest to a receiver on the host's 127.0.0.1 intact (sha256:
#           whole TCP segments of up to 64 KiB into libslirp); a host
#           connection to the forwarded port reaches the guest's `nc -l`;
#           a name resolves through 10.0.2.3, which libslirp relays to
#           the host's resolver: as root a one-name DNS server the test
#           runs (tests/linux/dns-peer.py) named by a private
#           /etc/resolv.conf, else a name this host resolves, else skip;
#   boot 2 (virtio-mmio, no -n: the default user NIC): DHCP and the fetch;
#   boot 3 (-n none): no eth0;
#   tap:    as root with /dev/net/tun, a tap in a network namespace the
#           test makes: guest and namespace ping each other (the
#           namespace again after the transfers below), with
#           vhost-net (vhost=on) and without (vhost=off); with vhost-net
#           over PCI, its interrupts go by irqfd: lkvm says so, and the
#           count it relayed itself (its exit line) is small next to the
#           frames the tap carried (a relaying lkvm relays about one
#           interrupt per frame the guest receives); in both, the guest's
#           driver negotiated segmentation offload (its features in
#           /sys/bus/virtio/devices/*/features have bit 7 GUEST_TSO4 and
#           bit 11 HOST_TSO4), and 4 MiB go each way over TCP intact (the
#           guest's wget from an HTTP server in the namespace, its nc to
#           a receiver there; sha256 compared), which crosses the tap as
#           GSO frames of up to 64 KiB.
# Guest: the small kernel with a fresh busybox initramfs, else the demo
# guest. Runs where guest user space runs: natively on VMX/SVM hosts, in
# scripts/nested-kvm's L1 elsewhere (tests/lib/tier-exec).
set -u
. "$(dirname "$0")/linux/lib.sh"

need_kvm
need_lkvm
is_pvm && skip_all "guest user space cannot run on this PVM host (tests/lib/tier-exec runs this file nested)"
command -v python3 >/dev/null || skip_all "python3 missing (the test's HTTP server and client)"

logdir=${LKVM_OUT:+$LKVM_OUT/linux-tests}
logdir=${logdir:-$(mktemp -d "${TMPDIR:-/tmp}/lkvm-linux-net.XXXXXX")}
mkdir -p "$logdir"
user_guest "$logdir"
kernel=$KERNEL initrd=$INITRD

# The L1 of scripts/nested-kvm has no network at all: lo must be up for
# the host side's 127.0.0.1.
ip link set lo up 2>/dev/null

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A TCP receiver (python3 -c "$sum_py" ADDR PORT SUMS) that appends the
# sha256 of each connection's bytes as a line of SUMS; it prints
# "listening" once bound.
sum_py="
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print('listening', flush=True)
while True:
    c, _ = s.accept()
    h = hashlib.sha256()
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
    c.close()
    with open(sys.argv[3], 'a') as f:
        print(h.hexdigest(), file=f)
"

www=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-net-www.XXXXXX")
server_pid= dns_pid= ns_pids=
cleanup() {
	[ -z "$server_pid" ] || kill $server_pid 2>/dev/null
	[ -z "$dns_pid" ] || kill "$dns_pid" 2>/dev/null
	[ -z "$ns_pids" ] || kill $ns_pids 2>/dev/null
	rm -rf "$www"
	[ -z "${netns:-}" ] || ip netns del "$netns" 2>/dev/null
}
trap cleanup EXIT
head -c 262144 /dev/urandom > "$www/blob"
blob_sum=$(sha256sum < "$www/blob" | cut -d' ' -f1)
http_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$www" "$http_port" \
	>"$logdir/linux-net-http.log" 2>&1 &
server_pid=$!
up_port=$(free_port)
python3 -c "$sum_py" 127.0.0.1 "$up_port" "$www/user-up.sums" >"$logdir/linux-net-recv.log" 2>&1 &
server_pid="$server_pid $!"
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $http_port), 1)" \
		2>/dev/null && grep -q listening "$logdir/linux-net-recv.log" 2>/dev/null && break
	sleep 0.2
done

# DNS: libslirp relays the guest's queries to 10.0.2.3 to the first
# nameserver of the host's /etc/resolv.conf. As root, boot 1 runs in a
# private mount namespace whose /etc/resolv.conf names a one-name server
# this test runs on 127.83.0.53 (any address in 127/8 is this host's), so
# the check runs where the host has no resolver (the L1 of nested runs)
# and does not depend on the outside world; otherwise a name this host
# resolves, or a skip.
dns_name= dns_addr= dns_lkvm=$LKVM
if [ "$(id -u)" = 0 ] && [ -e /etc/resolv.conf ] && unshare -m true 2>/dev/null; then
	dns_name=lkvm-dns-test.example dns_addr=192.0.2.77
	echo "nameserver 127.83.0.53" > "$www/resolv.conf"
	python3 "$(dirname "$0")/linux/dns-peer.py" 127.83.0.53 "$dns_name" "$dns_addr" \
		>"$logdir/linux-net-dns.log" 2>&1 &
	dns_pid=$!
	for _ in $(seq 50); do
		grep -q ready "$logdir/linux-net-dns.log" 2>/dev/null && break
		sleep 0.2
	done
	# lkvm in its own mount namespace: the same pid (no fork), so the
	# boot helpers' pid file and timeouts still see lkvm itself.
	dns_lkvm=$www/lkvm-private-resolv
	cat > "$dns_lkvm" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --bind "\$0" /etc/resolv.conf && exec "\$@"' "$www/resolv.conf" "$LKVM" "\$@"
EOF
	chmod +x "$dns_lkvm"
else
	for n in deb.debian.org debian.org; do
		if timeout 10 getent ahostsv4 "$n" >/dev/null 2>&1; then
			dns_name=$n
			break
		fi
	done
fi

# cmd64 TEXT: TEXT as the init's lkvm.cmd64= word.
cmd64() { printf 'lkvm.cmd64=%s' "$(printf '%s' "$1" | base64 -w0)"; }
base="console=ttyS0 panic=-1 $(nested_cmdline)"
fetch="wget -q -O /tmp/blob http://10.0.2.2:$http_port/blob && echo net-sum=\$(sha256sum /tmp/blob | cut -d' ' -f1)"

plan 34
diag "kernel $kernel; logs in $logdir"

# 1. Two user NICs over PCI, a fetch, a forward, DNS.
fwd_port=$(free_port)
token=lkvm-net-$$-$RANDOM$RANDOM
log=$logdir/linux-net-user.log
dns_cmd=
[ -z "$dns_name" ] ||
	dns_cmd="if nslookup $dns_name 10.0.2.3 >/tmp/ns 2>&1; then echo net-dns-ok; sed -n 's/^Address: */net-dns-addr=/p' /tmp/ns; else echo net-dns-failed; cat /tmp/ns; fi"
guest_cmd="echo net-ifs=\$(ls /sys/class/net | tr '\n' ' ')
echo net-macs=\$(cat /sys/class/net/eth0/address),\$(cat /sys/class/net/eth1/address)
$fetch
for d in /sys/bus/virtio/devices/*; do [ \"\$(cat \$d/device)\" = 0x0001 ] && echo net-features=\$(cat \$d/features); done
head -c 4194304 /dev/urandom > /tmp/up
echo net-upsum=\$(sha256sum /tmp/up | cut -d' ' -f1)
timeout 100 nc 10.0.2.2 $up_port < /tmp/up; echo net-up-status=\$?
rm -f /tmp/up
$dns_cmd
echo net-listening
timeout 120 nc -l -p 8080 </dev/null >/tmp/got
echo net-got=\$(cat /tmp/got)"
# A triple fault before the command ran is retried once in the nested L1
# (as boot_log retries other boots): this boot cannot use boot_log's retry.
for boot1_try in 1 2; do
	sent=1 list_macs=
	LKVM=$dns_lkvm BOOT_NO_RETRY=1 boot_bg "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-net-$$" \
		--virtio-transport pci -n "user,hostfwd=tcp::$fwd_port-:8080" -n user \
		-p "$base $(cmd64 "$guest_cmd")"
	boot=$BOOT_PID
	# The forward: once the guest listens, send the token from the host; and
	# meanwhile lkvm list --json names the guest's MACs.
	for _ in $(seq 600); do
		kill -0 "$boot" 2>/dev/null || break
		if log_has "$log" "${OUT}net-listening"; then
			"$LKVM" list --all --json >"$log.list" 2>&1
			list_macs=$(python3 -c "
import json, sys
for g in json.load(open(sys.argv[1])):
    if g['name'] == 'linux-net-$$':
        print(','.join(g.get('macs', [])))" "$log.list" 2>/dev/null)
			for _ in $(seq 20); do
				python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $fwd_port), 5)
s.sendall(b'$token')
s.close()" 2>/dev/null && { sent=0; break; }
				sleep 1
			done
			break
		fi
		sleep 0.5
	done
	wait "$boot"
	BOOT_STATUS=$(cat "$log.status" 2>/dev/null || echo unknown)
	[ -n "${NESTED_KVM:-}" ] && [ "$BOOT_STATUS" = 122 ] && [ "$boot1_try" = 1 ] &&
		! log_has "$log" 'lkvm-guest: running' || break
	diag "nested boot ended with status 122 before its command ran: one retry; first log kept as $log.first"
	cp "$log" "$log.first" 2>/dev/null
done
ok_log "$log" 'lkvm-guest: eth0: 10\.0\.2\.15/24 by DHCP' "eth0 gets 10.0.2.15/24 by DHCP"
ok_log "$log" 'lkvm-guest: eth1: 10\.0\.2\.15/24 by DHCP' "two -n user: eth1 gets its own lease"
ok_log "$log" "${OUT}net-ifs=.*eth0 eth1" "... the guest has eth0 and eth1"
st=1
[ -n "$list_macs" ] && log_has "$log" "${OUT}net-macs=$list_macs\$" &&
	[ "${list_macs%%,*}" != "${list_macs#*,}" ] && st=0
tap_ok "$st" "lkvm list --json shows the two MACs the guest sees, one per NIC"
[ "$st" = 0 ] || { diag "    list --json: '$list_macs'; guest: $(log_line "$log" "${OUT}net-macs=")"
	sed 's/^/#     /' "$log.list" 2>/dev/null; }
ok_log "$log" "${OUT}net-sum=$blob_sum" "a file from the host's 127.0.0.1 through 10.0.2.2: sha256 matches"
# virtio's sysfs features: one '0' or '1' per bit from bit 0 (the first
# NIC's line; the log also holds the command, its names unexpanded)
feats=$(sed -n 's/.*net-features=\([01][01]*\).*/\1/p' "$log" | head -n1)
st=1
[ "${feats:11:1}" = 1 ] && [ "${feats:7:1}" = 0 ] && st=0
tap_ok "$st" "user: the driver negotiated HOST_TSO4 (libslirp takes whole segments), not GUEST_TSO4"
[ "$st" = 0 ] || diag "    guest's features: '${feats:-none}'"
upsum=$(sed -n 's/.*net-upsum=\([0-9a-f]\{64\}\).*/\1/p' "$log" | head -n1)
st=1
[ -n "$upsum" ] && grep -qx "$upsum" "$www/user-up.sums" 2>/dev/null && st=0
tap_ok "$st" "user: 4 MiB guest -> host's 127.0.0.1 through 10.0.2.2 over TCP intact (sha256)"
[ "$st" = 0 ] || diag "    guest's sum '${upsum:-none}', received: $(tr '\n' ' ' < "$www/user-up.sums" 2>/dev/null)"
tap_ok "$sent" "the host connects to the forwarded 127.0.0.1:$fwd_port"
ok_log "$log" "${OUT}net-got=$token" "... and the guest's nc -l on port 8080 gets the token"
if [ -n "$dns_addr" ]; then
	ok_log "$log" "${OUT}net-dns-addr=${dns_addr//./\\.}\$" "the guest resolves $dns_name to $dns_addr through 10.0.2.3 and this host's resolver"
elif [ -n "$dns_name" ]; then
	ok_log "$log" "${OUT}net-dns-ok" "the guest resolves $dns_name through 10.0.2.3"
else
	tap_skip "the guest resolves a name through 10.0.2.3" "this host resolves no name and the test is not root (it cannot give lkvm a private resolver)"
fi
ok_status "$BOOT_STATUS" 0 "... and powers off (status 0)"
[ "$TAP_FAILED" = 0 ] || dump_tail "$log" 40

# 2. The default NIC (no -n) over virtio-mmio.
failed=$TAP_FAILED
log=$logdir/linux-net-mmio.log
boot_log "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-net-$$" \
	--virtio-transport mmio -p "$base $(cmd64 "$fetch")"
ok_log "$log" 'lkvm-guest: eth0: 10\.0\.2\.15/24 by DHCP' "no -n: one user NIC; over virtio-mmio it gets 10.0.2.15 by DHCP"
ok_log "$log" "${OUT}net-sum=$blob_sum" "... and fetches the file intact"
[ "$TAP_FAILED" = "$failed" ] || dump_tail "$log" 40

# 3. -n none: no NIC.
failed=$TAP_FAILED
log=$logdir/linux-net-none.log
boot_log "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 --name "linux-net-$$" -n none \
	-p "$base $(cmd64 "echo net-none-ifs=\$(ls /sys/class/net | tr '\n' ' ')")"
ok_log "$log" "${OUT}net-none-ifs=lo *\$" "-n none: the guest has no eth0, only lo"
ok_status "$BOOT_STATUS" 0 "... and powers off (status 0)"
[ "$TAP_FAILED" = "$failed" ] || dump_tail "$log" 40

# 4. tap in a network namespace.
why=
if [ "$(id -u)" != 0 ]; then
	why="not root"
elif [ ! -c /dev/net/tun ]; then
	why="no /dev/net/tun"
elif ! command -v ip >/dev/null; then
	why="no ip(8)"
fi
# ping(8), or busybox's (the nested L1 runs the host's programs, which may
# lack iputils-ping)
ping=ping
command -v ping >/dev/null || ping="busybox ping"
netns=
if [ -z "$why" ]; then
	netns=lkvm-net-$$
	tapdev=lkvmtap$$
	tapdev=${tapdev:0:15}
	if ! { ip netns add "$netns" && ip -n "$netns" link set lo up &&
		ip -n "$netns" tuntap add dev "$tapdev" mode tap &&
		ip -n "$netns" addr add 10.0.3.1/24 dev "$tapdev" &&
		ip -n "$netns" link set "$tapdev" up; } 2>"$logdir/linux-net-netns.log"; then
		why="cannot make a tap in a network namespace: $(tail -n1 "$logdir/linux-net-netns.log")"
	fi
fi
# tap_ping FILE: the namespace pings the guest; appends ping's output and
# the tap's frame counts (the namespace's tx, then rx) before and after.
tap_ping() {
	local st=0 c
	c() { ip netns exec "$netns" cat "/sys/class/net/$tapdev/statistics/$1_packets" 2>/dev/null; }
	echo "tap tx/rx before: $(c tx)/$(c rx)" >> "$1"
	ip netns exec "$netns" $ping -c 3 -W 5 10.0.3.2 >> "$1" 2>&1 || st=1
	echo "tap tx/rx after: $(c tx)/$(c rx); neighbour: $(ip -n "$netns" neigh show 10.0.3.2)" >> "$1"
	return $st
}
# tap_knock: connect to the guest's nc -l on port 9000 (which lets its
# command go on), for up to 10 s; fails if no connect succeeded.
tap_knock() {
	ip netns exec "$netns" python3 -c "
import socket, sys, time
for _ in range(10):
    try:
        socket.create_connection(('10.0.3.2', 9000), 3).close()
        sys.exit(0)
    except OSError:
        time.sleep(1)
sys.exit(1)" 2>/dev/null
}
# tap_frames: frames the namespace's tap has carried both ways so far.
tap_frames() {
	ip netns exec "$netns" cat "/sys/class/net/$tapdev/statistics/rx_packets" \
		"/sys/class/net/$tapdev/statistics/tx_packets" 2>/dev/null |
		awk '{ s += $1 } END { if (NR == 2) print s }'
}
if [ -n "$why" ]; then
	for m in vhost=on vhost=off; do
		for d in "the guest pings the namespace" "the namespace pings the guest" \
			"the namespace connects to the guest" "... and again after the 8 MiB of TCP" "says how frames move" "the driver negotiated TSO" \
			"4 MiB namespace -> guest intact" "4 MiB guest -> namespace intact"; do
			tap_skip "tap,$m: $d" "$why"
		done
	done
	tap_skip "tap,vhost=on: says interrupts go by irqfd" "$why"
	tap_skip "tap,vhost=on: lkvm relayed few interrupts" "$why"
	tap_skip "tap,vhost=on: lkvm's I/O thread slept through the transmit kicks" "$why"
else
	# /dev/net/tun finds a tap by name in the caller's namespace: lkvm
	# runs inside $netns, through a wrapper boot_log can call.
	wrap=$logdir/lkvm-in-netns
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$netns" "$LKVM" > "$wrap"
	chmod 755 "$wrap"
	# The TCP peers in the namespace: an HTTP server with 4 MiB of random
	# bytes for the guest's wget, and a receiver that writes the sha256 of
	# each connection's bytes as a line of $www/up.sums.
	head -c 4194304 /dev/urandom > "$www/tapblob"
	tap_sum=$(sha256sum < "$www/tapblob" | cut -d' ' -f1)
	ip netns exec "$netns" python3 -m http.server --bind 10.0.3.1 --directory "$www" 8081 \
		>"$logdir/linux-net-tap-http.log" 2>&1 &
	ns_pids=$!
	ip netns exec "$netns" python3 -c "$sum_py" 10.0.3.1 9001 "$www/up.sums" \
		>"$logdir/linux-net-tap-recv.log" 2>&1 &
	ns_pids="$ns_pids $!"
	for _ in $(seq 50); do
		grep -q listening "$logdir/linux-net-tap-recv.log" 2>/dev/null &&
			ip netns exec "$netns" python3 -c "import socket; socket.create_connection(('10.0.3.1', 8081), 1)" \
			2>/dev/null && break
		sleep 0.2
	done
	for m in vhost=on vhost=off; do
		failed=$TAP_FAILED
		log=$logdir/linux-net-tap-${m#vhost=}.log
		frames0=$(tap_frames)
		LKVM=$wrap BOOT_NO_RETRY=1 boot_bg "$log" -k "$kernel" -i "$initrd" -m 256 -c 1 \
			--name "linux-net-$$" --loglevel info -n "tap,ifname=$tapdev,$m" \
			-p "$base $(cmd64 "ip addr add 10.0.3.2/24 dev eth0
ping -c 3 -W 5 10.0.3.1 >/tmp/ping 2>&1 && echo net-tap-ping-ok || cat /tmp/ping
echo net-tap-pingme
timeout 60 nc -l -p 9000 </dev/null >/dev/null
for d in /sys/bus/virtio/devices/*; do [ \"\$(cat \$d/device)\" = 0x0001 ] && echo net-tap-features=\$(cat \$d/features); done
timeout 100 wget -q -O /tmp/down http://10.0.3.1:8081/tapblob && echo net-tap-down=\$(sha256sum /tmp/down | cut -d' ' -f1)
rm -f /tmp/down
head -c 4194304 /dev/urandom > /tmp/up
echo net-tap-upsum=\$(sha256sum /tmp/up | cut -d' ' -f1)
timeout 100 nc 10.0.3.1 9001 < /tmp/up; echo net-tap-up-status=\$?
rm -f /tmp/up
echo net-tap-ready
timeout 60 nc -l -p 9000 </dev/null >/dev/null")"
		boot=$BOOT_PID
		# The namespace pings the guest twice: once it has its address
		# (net-tap-pingme), and after the transfers (net-tap-ready); each
		# time a connect to the guest's nc -l on port 9000 lets it go on.
		pinged=1 pinged_after=1 knocked=1 wait_for=net-tap-pingme
		: > "$log.ping"
		for _ in $(seq 600); do
			kill -0 "$boot" 2>/dev/null || break
			if log_has "$log" "${OUT}$wait_for"; then
				st=1
				tap_ping "$log.ping" && st=0
				tap_knock && [ "$wait_for" = net-tap-pingme ] && knocked=0
				if [ "$wait_for" = net-tap-pingme ]; then
					pinged=$st wait_for=net-tap-ready
				else
					pinged_after=$st
					break
				fi
			fi
			sleep 0.5
		done
		wait "$boot"
		ok_log "$log" "${OUT}net-tap-ping-ok" "tap,$m: the guest pings the namespace (10.0.3.1)"
		tap_ok "$pinged" "tap,$m: the namespace pings the guest (10.0.3.2)"
		tap_ok "$knocked" "tap,$m: the namespace connects to the guest (10.0.3.2:9000)"
		tap_ok "$pinged_after" "tap,$m: ... and again after the 8 MiB of TCP"
		# virtio's sysfs features: one '0' or '1' per bit from bit 0 (the
		# log also holds the command itself, with the names unexpanded)
		feats=$(sed -n 's/.*net-tap-features=\([01][01]*\).*/\1/p' "$log" | head -n1)
		st=1
		[ "${feats:7:1}" = 1 ] && [ "${feats:11:1}" = 1 ] && st=0
		tap_ok "$st" "tap,$m: the driver negotiated TSO (GUEST_TSO4 and HOST_TSO4)"
		[ "$st" = 0 ] || diag "    guest's features: '${feats:-none}'"
		ok_log "$log" "${OUT}net-tap-down=$tap_sum" "tap,$m: 4 MiB namespace -> guest over TCP intact (sha256)"
		upsum=$(sed -n 's/.*net-tap-upsum=\([0-9a-f]\{64\}\).*/\1/p' "$log" | head -n1)
		st=1
		[ -n "$upsum" ] && grep -qx "$upsum" "$www/up.sums" 2>/dev/null && st=0
		tap_ok "$st" "tap,$m: 4 MiB guest -> namespace over TCP intact (sha256)"
		[ "$st" = 0 ] || diag "    guest's sum '${upsum:-none}', received: $(tr '\n' ' ' < "$www/up.sums" 2>/dev/null)"
		if [ "$m" = vhost=on ]; then
			ok_log "$log.err" 'tap: vhost-net moves the frames' "tap,$m: says vhost-net moves the frames"
			ok_log "$log.err" 'vhost-net interrupts by irqfd' "tap,$m: says interrupts go by irqfd"
			# The exit line: "...: vhost-net interrupts: N relayed by lkvm, the
			# others by irqfd". Relaying them all would be about one per frame
			# the guest received; by irqfd only the few vhost-net signalled
			# before the switch (or while a vector was masked) are relayed.
			relayed=$(sed -n 's/.*vhost-net interrupts: \([0-9]*\) relayed by lkvm.*/\1/p' \
				"$log.err" | head -n1)
			frames1=$(tap_frames)
			frames=
			[ -z "$frames0" ] || [ -z "$frames1" ] || frames=$((frames1 - frames0))
			st=1
			[ -n "$relayed" ] && [ -n "$frames" ] && [ "$frames" -ge 6 ] &&
				[ $((relayed * 4)) -le "$frames" ] && st=0
			tap_ok "$st" "tap,$m: lkvm relayed few interrupts (${relayed:-?} for ${frames:-?} frames)"
			[ "$st" = 0 ] || diag "    exit line: $(log_line "$log.err" 'vhost-net interrupts:')"
			# The queue line: "...: queue 0: B buffers, I interrupts, K
			# kicks; queue 1: ...". vhost-net takes the kicks from the
			# eventfds; lkvm's I/O thread counts only those it woke for.
			kicks=$(sed -n 's/.*; queue 1: [0-9]* buffers, [0-9]* interrupts, \([0-9]*\) kicks.*/\1/p' \
				"$log.err" | head -n1)
			st=1
			[ -n "$kicks" ] && [ -n "$frames" ] && [ "$frames" -ge 6 ] &&
				[ $((kicks * 20)) -le "$frames" ] && st=0
			tap_ok "$st" "tap,$m: lkvm's I/O thread slept through the transmit kicks (${kicks:-?} for ${frames:-?} frames)"
			[ "$st" = 0 ] || diag "    queue line: $(log_line "$log.err" 'queue 1:')"
		else
			ok_log "$log.err" 'tap: vhost=off: plain tap' "tap,$m: says frames go through lkvm"
		fi
		# on a failure, the pings' output too: the tap's frame counts and
		# the namespace's neighbour entry around each
		[ "$TAP_FAILED" = "$failed" ] ||
			{ dump_tail "$log" 40; sed 's/^/# /' "$log.ping" 2>/dev/null; }
	done
fi
tap_done
