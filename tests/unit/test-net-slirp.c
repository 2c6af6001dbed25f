// SPDX-License-Identifier: GPL-2.0
/*
 * net/slirp.c without a guest: libslirp, opened by dlopen() on first use,
 * answers an ARP request for the gateway 10.0.2.2 with a reply frame, and
 * a hostfwd= port accepts a host connection and sends the guest a TCP SYN
 * for the forwarded guest port. Frames are built here by hand (RFC 826
 * ARP, RFC 791 IPv4, RFC 793 TCP).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/backend.h"
#include "net/opts.h"
#include "tests/tap.h"

static const u8 guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* What the back end gave the guest: the first ARP reply and TCP SYN seen. */
static struct {
	pthread_mutex_t lock;
	bool arp_reply;
	u8 arp_sender_ip[4];
	bool syn;
	u16 syn_dport;
	int frames;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* net_rx_fn: classify the frame (Ethernet type at 12, IPv4 header at 14). */
static bool rx(void *opaque, const u8 *f, size_t len)
{
	pthread_mutex_lock(&seen.lock);
	seen.frames++;
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 && !seen.arp_reply) {
		seen.arp_reply = true;
		memcpy(seen.arp_sender_ip, f + 28, 4);
	}
	if (len >= 54 && f[12] == 0x08 && f[13] == 0x00 && f[23] == IPPROTO_TCP) {
		const u8 *tcp = f + 14 + (f[14] & 0xf) * 4;

		if (tcp + 14 <= f + len && (tcp[13] & 0x12) == 0x02 && !seen.syn) {
			seen.syn = true;
			seen.syn_dport = (u16)(tcp[2] << 8 | tcp[3]);
		}
	}
	pthread_mutex_unlock(&seen.lock);
	return true;
}

/* Wait up to 5 s for *@flag (under seen.lock). */
static bool wait_for(const bool *flag)
{
	for (int i = 0; i < 500; i++) {
		bool v;

		pthread_mutex_lock(&seen.lock);
		v = *flag;
		pthread_mutex_unlock(&seen.lock);
		if (v)
			return true;
		usleep(10000);
	}
	return false;
}

/* An ARP request from the guest (10.0.2.15) for @target_ip. */
static void send_arp(struct net_backend *be, const char *target_ip)
{
	u8 f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct in_addr a;
	struct iovec iov = { f, sizeof(f) };

	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08, f[13] = 0x06;		/* ARP */
	f[15] = 1;				/* hardware: Ethernet */
	f[16] = 0x08;				/* protocol: IPv4 */
	f[18] = 6, f[19] = 4, f[21] = 1;	/* sizes, opcode: request */
	memcpy(f + 22, guest_mac, 6);
	inet_pton(AF_INET, NET_USER_GUEST, &a);
	memcpy(f + 28, &a, 4);
	inet_pton(AF_INET, target_ip, &a);
	memcpy(f + 38, &a, 4);
	ok(be->ops->send(be, &iov, 1) == 0, "the guest's ARP request for %s goes in", target_ip);
}

/* A TCP port on 127.0.0.1 that is free now. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(s, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

int main(void)
{
	struct net_opts o = { 0 };
	struct net_backend *be;
	char arg[96], ip[INET_ADDRSTRLEN] = "";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int port = free_port(), s;

	if (!ok(net_slirp_load() == NULL, "libslirp loads with dlopen()")) {
		diag("%s", net_slirp_load());
		return 1;
	}
	snprintf(arg, sizeof(arg), "user,hostfwd=tcp:127.0.0.1:%d-:8080", port);
	if (!ok(port > 0 && net_opts_parse(arg, &o) == 0, "parse %s", arg))
		return 1;
	be = net_slirp_open(&o, 0, rx, NULL);
	if (!ok(be != NULL, "the user back end opens"))
		return 1;

	send_arp(be, NET_USER_HOST);
	ok(wait_for(&seen.arp_reply), "an ARP reply comes back");
	inet_ntop(AF_INET, seen.arp_sender_ip, ip, sizeof(ip));
	ok(!strcmp(ip, NET_USER_HOST), "... from %s (got %s)", NET_USER_HOST, ip);

	/* the forward listens on the host; a connection becomes a guest SYN */
	a.sin_port = htons((u16)port);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ok(s >= 0 && (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS),
	   "the host connects to the forwarded 127.0.0.1:%d", port);
	ok(wait_for(&seen.syn), "the guest gets a TCP SYN");
	is_int(seen.syn_dport, 8080, "... for its port 8080");
	if (s >= 0)
		close(s);
	be->ops->close(be);
	ok(1, "the back end closes (%d frames seen)", seen.frames);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
