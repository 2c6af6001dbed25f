/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm run's -n/--network argument, parsed (Documentation/lkvm-run.txt,
 * NETWORKING):
 *   user[,hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...[,mac=MAC]
 *   tap[,ifname=NAME][,vhost=on|off][,mac=MAC]
 *   none
 */
#ifndef LKVM_NET_OPTS_H
#define LKVM_NET_OPTS_H

#include <netinet/in.h>
#include <stdbool.h>

#include "util/util.h"

#define NET_MAX_FWDS	16	/* hostfwd= per NIC */
#define NET_IFNAME_MAX	15	/* IFNAMSIZ - 1 */

/* User networking's fixed addresses (QEMU's, so habits carry over). */
#define NET_USER_NETWORK	"10.0.2.0"
#define NET_USER_NETMASK	"255.255.255.0"
#define NET_USER_HOST		"10.0.2.2"	/* gateway and the host */
#define NET_USER_DNS		"10.0.2.3"
#define NET_USER_GUEST		"10.0.2.15"	/* first DHCP address */

enum net_mode { NET_NONE, NET_USER, NET_TAP };

/* One hostfwd=: connections to host_addr:host_port go to guest_addr:guest_port. */
struct net_fwd {
	bool udp;
	struct in_addr host_addr;	/* default 127.0.0.1 */
	u16 host_port;			/* 1..65535 */
	struct in_addr guest_addr;	/* default 10.0.2.15 */
	u16 guest_port;			/* 1..65535 */
};

/* One -n argument. */
struct net_opts {
	enum net_mode mode;
	char ifname[NET_IFNAME_MAX + 1];	/* tap: "" lets the kernel pick tapN */
	int vhost;			/* tap: -1 when available, 0 off, 1 required */
	bool mac_set;			/* mac= given; else derived from the guest name */
	u8 mac[6];
	struct net_fwd fwds[NET_MAX_FWDS];	/* user only */
	int nr_fwds;
};

/*
 * net_opts_parse - parse one -n argument @arg into @o. Returns 0, or -1
 * after one error line (pr_err) that quotes @arg and says what is
 * expected. Never allocates.
 */
int net_opts_parse(const char *arg, struct net_opts *o);

/*
 * net_mac_from_name - a stable, locally administered unicast MAC for NIC
 * @index of the guest called @name: 52:54:00 (QEMU's prefix, with the
 * local bit) followed by 24 bits of an FNV-1a hash of name and index.
 */
void net_mac_from_name(const char *name, int index, u8 mac[6]);

/*
 * net_opts_mac - the MAC of NIC @index described by @o in the guest
 * called @name: o->mac if given, else net_mac_from_name().
 */
void net_opts_mac(const struct net_opts *o, const char *name, int index, u8 mac[6]);

/* net_mac_format - "52:54:00:12:34:56" into @buf (at least 18 bytes). */
void net_mac_format(const u8 mac[6], char *buf);

#endif
