// SPDX-License-Identifier: GPL-2.0
/*
 * net/opts.c: every form of lkvm run's -n/--network argument, and each bad
 * form refused with exactly one error line that quotes the argument; the
 * MAC derived from the guest name (stable, unicast, locally administered).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/opts.h"
#include "tests/tap.h"
#include "util/log.h"

static struct net_opts o;

/* Parse @arg with stderr captured into @err (@len bytes). Returns the result. */
static int parse_capture(const char *arg, char *err, size_t len)
{
	FILE *f = tmpfile();
	int saved, ret;
	size_t n;

	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	ret = net_opts_parse(arg, &o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(err, 1, len - 1, f);
	err[n] = 0;
	fclose(f);
	return ret;
}

/* @arg is refused with one line that names it and contains @what. */
static void bad(const char *arg, const char *what)
{
	char err[1024];
	int ret = parse_capture(arg, err, sizeof(err));
	char *nl = strchr(err, '\n');
	bool one_line = nl && !nl[1];

	ok(ret == -1 && one_line && strstr(err, arg) && strstr(err, what),
	   "refused: '%s' (one line naming it and '%s')", arg, what);
	if (!(ret == -1 && one_line && strstr(err, arg) && strstr(err, what)))
		diag("  got %d: %s", ret, err);
}

static bool addr_is(struct in_addr a, const char *s)
{
	struct in_addr b;

	inet_pton(AF_INET, s, &b);
	return a.s_addr == b.s_addr;
}

int main(void)
{
	char mac[18];
	u8 m1[6], m2[6], m3[6];

	log_level = LOG_ERROR;
	ok(net_opts_parse("user", &o) == 0 && o.mode == NET_USER && !o.nr_fwds && !o.mac_set,
	   "user");
	ok(net_opts_parse("none", &o) == 0 && o.mode == NET_NONE, "none");
	ok(net_opts_parse("tap", &o) == 0 && o.mode == NET_TAP && !o.ifname[0] && o.vhost == -1,
	   "tap: the kernel names it, vhost when available");
	ok(net_opts_parse("tap,ifname=tap7,vhost=off", &o) == 0 && !strcmp(o.ifname, "tap7") &&
	   o.vhost == 0, "tap,ifname=tap7,vhost=off");
	ok(net_opts_parse("tap,vhost=on,ifname=abcdefghijklmno", &o) == 0 && o.vhost == 1 &&
	   !strcmp(o.ifname, "abcdefghijklmno"), "tap,vhost=on and a 15-character name");
	ok(net_opts_parse("user,hostfwd=tcp::8080-:80", &o) == 0 && o.nr_fwds == 1 &&
	   !o.fwds[0].udp && o.fwds[0].host_port == 8080 && o.fwds[0].guest_port == 80 &&
	   addr_is(o.fwds[0].host_addr, "127.0.0.1") && addr_is(o.fwds[0].guest_addr, "10.0.2.15"),
	   "hostfwd=tcp::8080-:80: 127.0.0.1 and 10.0.2.15 by default");
	ok(net_opts_parse("user,hostfwd=udp:0.0.0.0:5353-10.0.2.16:53,hostfwd=tcp::2222-:22",
			  &o) == 0 && o.nr_fwds == 2 && o.fwds[0].udp &&
	   addr_is(o.fwds[0].host_addr, "0.0.0.0") && addr_is(o.fwds[0].guest_addr, "10.0.2.16") &&
	   o.fwds[0].host_port == 5353 && o.fwds[0].guest_port == 53 && !o.fwds[1].udp &&
	   o.fwds[1].guest_port == 22, "two forwards, udp with both addresses given");
	ok(net_opts_parse("user,mac=52:54:00:AB:cd:01", &o) == 0 && o.mac_set &&
	   !memcmp(o.mac, "\x52\x54\x00\xab\xcd\x01", 6), "user,mac=");
	ok(net_opts_parse("tap,mac=02:00:00:00:00:01,ifname=t0", &o) == 0 && o.mac_set &&
	   o.mac[5] == 1 && !strcmp(o.ifname, "t0"), "tap,mac=,ifname=");
	ok(net_opts_parse("user,hostfwd=tcp::65535-:1", &o) == 0 && o.fwds[0].host_port == 65535,
	   "ports at the edges");

	bad("", "-n");
	bad("bridge", "unknown network 'bridge'");
	bad("User", "unknown network");
	bad("user,", "empty option");
	bad("user,,hostfwd=tcp::1-:2", "empty option");
	bad("none,hostfwd=tcp::1-:2", "none takes no options");
	bad("user,ifname=tap0", "unknown option 'ifname='");
	bad("user,vhost=on", "unknown option 'vhost='");
	bad("tap,hostfwd=tcp::1-:2", "unknown option 'hostfwd='");
	bad("user,hostfwd", "unknown option 'hostfwd'");
	bad("user,hostfwd=sctp::1-:2", "tcp|udp");
	bad("user,hostfwd=tcp::8080", "tcp|udp");
	bad("user,hostfwd=tcp::0-:80", "ports 1 to 65535");
	bad("user,hostfwd=tcp::65536-:80", "ports 1 to 65535");
	bad("user,hostfwd=tcp::80-:x", "ports 1 to 65535");
	bad("user,hostfwd=tcp:1.2.3:80-:80", "HOSTADDR");
	bad("user,hostfwd=tcp::80-10.0.2.999:80", "GUESTADDR");
	bad("user,hostfwd=tcp::80-:80-:81", "tcp|udp");
	bad("user,hostfwd=tcp:8080-:80", "tcp|udp");
	bad("tap,vhost=yes", "expected on or off");
	bad("tap,ifname=", "ifname=");
	bad("tap,ifname=abcdefghijklmnop", "1 to 15 characters");
	bad("tap,ifname=a/b", "no '/'");
	bad("user,mac=52:54:00:12:34", "unicast address");
	bad("user,mac=53:54:00:12:34:56", "unicast address");
	bad("user,mac=52-54-00-12-34-56", "unicast address");
	bad("user,mac=52:54:00:12:34:5g", "unicast address");
	{
		char many[1024] = "user";

		for (int i = 0; i <= NET_MAX_FWDS; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many),
				 ",hostfwd=tcp::%d-:80", 1000 + i);
		bad(many, "too many hostfwd=");
	}

	net_mac_from_name("web", 0, m1);
	net_mac_from_name("web", 0, m2);
	net_mac_from_name("web", 1, m3);
	ok(!memcmp(m1, m2, 6) && memcmp(m1, m3, 6), "MAC: the same for a name and index, another for eth1");
	net_mac_from_name("db", 0, m2);
	ok(memcmp(m1, m2, 6) && m1[0] == 0x52 && !(m1[0] & 1) && (m1[0] & 2),
	   "MAC: another name, another MAC; unicast, locally administered");
	net_mac_format((const u8 *)"\x52\x54\x00\x0a\xbc\xde", mac);
	is_str(mac, "52:54:00:0a:bc:de", "net_mac_format");
	net_opts_parse("user,mac=02:11:22:33:44:55", &o);
	net_opts_mac(&o, "web", 0, m2);
	ok(m2[0] == 2 && m2[5] == 0x55, "net_opts_mac: mac= wins over the name");
	return done_testing();
}
