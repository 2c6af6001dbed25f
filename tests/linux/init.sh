#!/bin/sh
# /init of lkvm's busybox initramfs (built by scripts/make-initramfs.sh).
#
# 1. mounts /proc, /sys, /dev (devtmpfs) and makes the console its stdio;
# 2. loads the modules listed in /etc/modules, one path (relative to
#    /lib/modules/$(uname -r)) per line, in that order (the build writes them
#    in dependency order from modules.dep);
# 3. starts busybox acpid when the kernel has an input device (the ACPI
#    power button through evdev), so `lkvm stop` powers the guest off;
#    prints "lkvm-guest: init started (kernel K, N CPUs)";
# 4. brings up lo and every ethN with busybox udhcpc (its hook script,
#    written to /run/udhcpc.script, sets the address, the default route
#    and /etc/resolv.conf) and prints "lkvm-guest: ethN: ADDR/LEN by DHCP"
#    (or "lkvm-guest: ethN: no DHCP lease");
# 5. runs the command given on the kernel command line, if any, prints
#    "lkvm-guest: cmd exit status N" and powers off (poweroff -f);
#    otherwise starts a login shell on the console and powers off when it
#    exits.
#
# Command convention (the kernel's own quoting does not survive into
# /proc/cmdline in a usable way, so the value is one word):
#   lkvm.cmd=WORD      every ',' in WORD becomes a space; the rest is sh:
#                      lkvm.cmd=echo,nproc=$(nproc);ls,/   runs
#                      `echo nproc=$(nproc);ls /`
#   lkvm.cmd64=BASE64  the command, base64-encoded (any text, commas too).
# The command runs in init's own shell (eval), so `lkvm.cmd=exit` makes init
# exit, which panics the kernel ("Attempted to kill init!"): lkvm's tests use
# that to end a boot with a panic, which pvpanic reports (lkvm exit status 2).

PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

# The kernel opens /dev/console before running us; if the node was missing
# from the archive, take the console from devtmpfs now.
if ! [ -t 1 ] && [ -c /dev/console ]; then
	exec </dev/console >/dev/console 2>&1
fi

kver=$(uname -r)
if [ -s /etc/modules ]; then
	while read -r mod; do
		case "$mod" in ""|\#*) continue ;; esac
		insmod "/lib/modules/$kver/$mod" ||
			echo "lkvm-guest: insmod $mod failed"
	done < /etc/modules
fi

# busybox acpid maps KEY_POWER to the key PWRF; its action file maps keys
# to files under its config directory, which it runs. (An empty action
# file would map nothing at all.)
if ls /dev/input/event* >/dev/null 2>&1; then
	mkdir -p /etc/acpi/PWRF
	printf '#!/bin/sh\necho "lkvm-guest: power button: powering off" >/dev/console\nsync\npoweroff -f\n' \
		> /etc/acpi/PWRF/00000080
	chmod 755 /etc/acpi/PWRF/00000080
	echo "PWRF PWRF/00000080" > /etc/acpid.conf
	acpid -l /dev/null -c /etc/acpi -a /etc/acpid.conf
fi

echo "lkvm-guest: init started (kernel $kver, $(nproc) CPUs)"

# Networking: udhcpc calls the hook with the event in $1 and the lease in
# $interface, $ip, $mask (prefix length), $router and $dns. The first NIC
# with a router gets the default route and names the DNS servers.
cat > /run/udhcpc.script <<'EOF'
#!/bin/sh
case "$1" in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "$router" ] && ! ip route | grep -q '^default'; then
		set -- $router
		ip route add default via "$1" dev "$interface"
		: > /etc/resolv.conf
		for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
	fi
	echo "$ip/${mask:-24}" > "/run/dhcp-$interface"
	;;
esac
exit 0
EOF
chmod 755 /run/udhcpc.script
ip link set lo up 2>/dev/null
for dev in /sys/class/net/eth*; do
	[ -e "$dev" ] || continue
	ifc=${dev##*/}
	ip link set "$ifc" up
	if udhcpc -i "$ifc" -s /run/udhcpc.script -q -n -t 5 -T 2 >/dev/null 2>&1 &&
	   [ -s "/run/dhcp-$ifc" ]; then
		echo "lkvm-guest: $ifc: $(cat "/run/dhcp-$ifc") by DHCP"
	else
		echo "lkvm-guest: $ifc: no DHCP lease"
	fi
done

cmd=""
set -f # the command line is data: no globbing
for word in $(cat /proc/cmdline); do
	case "$word" in
	lkvm.cmd=*) cmd=$(echo "${word#lkvm.cmd=}" | tr ',' ' ') ;;
	lkvm.cmd64=*) cmd=$(echo "${word#lkvm.cmd64=}" | base64 -d) ;;
	esac
done
set +f

if [ -n "$cmd" ]; then
	# Not the text itself: a test's markers ("echo net-ready") would then
	# be in the log before the command has run them.
	echo "lkvm-guest: running lkvm.cmd ($(printf '%s\n' "$cmd" | wc -l) lines)"
	eval "$cmd"
	echo "lkvm-guest: cmd exit status $?"
else
	echo "lkvm-guest: starting shell (exit it to power off)"
	# cttyhack gives the shell the console's real tty (ttyS0, hvc0) as
	# controlling terminal, so ^C and job control work; /dev/console
	# itself cannot be one.
	if [ -r /sys/class/tty/console/active ]; then
		setsid cttyhack sh -l
	else
		sh -l
	fi
	echo "lkvm-guest: shell exited with status $?"
fi

sync
poweroff -f
# poweroff only returns if the kernel cannot power off; then init exits,
# the kernel panics, and lkvm still terminates.
echo "lkvm-guest: poweroff failed"
exit 1
