// SPDX-License-Identifier: GPL-2.0
/*
 * What lkvm run checks about -n before it opens /dev/kvm (net/check.h):
 * that a tap can be had (/dev/net/tun opens, CAP_NET_ADMIN is held) and
 * that every hostfwd= port can be bound. Each problem is one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/config.h"
#include "net/backend.h"
#include "net/check.h"
#include "net/opts.h"
#include "util/log.h"

#define CAP_NET_ADMIN_BIT	12	/* <linux/capability.h> CAP_NET_ADMIN */

/* Is CAP_NET_ADMIN in this process's effective set (/proc/self/status)? */
static bool have_net_admin(void)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ULL << CAP_NET_ADMIN_BIT);
}

/* Can @f's host side be bound now? Returns 0, or -1 after one line. */
static int check_fwd(int nic, const struct net_fwd *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(f->host_port),
				 .sin_addr = f->host_addr };
	char addr[INET_ADDRSTRLEN];
	int s = socket(AF_INET, (f->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), one = 1;
	int ret = 0;

	if (s < 0)
		return 0;	/* cannot tell: libslirp will say */
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		inet_ntop(AF_INET, &f->host_addr, addr, sizeof(addr));
		pr_err("-n network %d: hostfwd=%s:%s:%u-...: cannot listen on %s port %u: %s", nic,
		       f->udp ? "udp" : "tcp", addr, f->host_port, addr, f->host_port,
		       strerror(errno));
		ret = -1;
	}
	close(s);
	return ret;
}

int net_check_inputs(const struct vm_config *cfg)
{
	bool said_cap = false, said_slirp = false;
	int bad = 0;

	for (int i = 0; i < cfg->nr_nets; i++) {
		const struct net_opts *o = cfg->nets[i];
		const char *why;

		if (o->mode == NET_USER && !said_slirp && (why = net_slirp_load())) {
			pr_err("-n user: %s: install libslirp0, or use -n tap or -n none", why);
			said_slirp = true;
			bad++;
		}

		for (int k = 0; k < o->nr_fwds; k++)
			bad += check_fwd(i, &o->fwds[k]) < 0;
		if (o->mode != NET_TAP || said_cap)
			continue;
		if (!have_net_admin()) {
			pr_err("-n tap: a tap needs CAP_NET_ADMIN (run lkvm as root), or use -n user");
			said_cap = true;
			bad++;
		} else if (access("/dev/net/tun", R_OK | W_OK) < 0) {
			pr_err("-n tap: /dev/net/tun: %s (modprobe tun), or use -n user", strerror(errno));
			said_cap = true;
			bad++;
		}
	}
	return bad;
}
