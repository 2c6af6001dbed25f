// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of lkvm run's -n/--network argument (net/opts.h). Each refusal
 * is one line naming the argument and what was expected.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/opts.h"
#include "util/log.h"

#define NET_USAGE "user[,hostfwd=...][,mac=MAC], tap[,ifname=NAME][,vhost=on|off][,mac=MAC] or none"
#define FWD_USAGE "tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT"

/* A port 1..65535 in @s (decimal, whole string). Returns 0 or -1. */
static int parse_port(const char *s, u16 *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -1;
	*out = (u16)v;
	return 0;
}

/* "[ADDR]:PORT" of length @len at @s; an empty ADDR keeps *@addr. */
static int parse_addr_port(const char *s, size_t len, struct in_addr *addr, u16 *port)
{
	char buf[64];
	char *colon;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (buf[0] && inet_pton(AF_INET, buf, addr) != 1)
		return -1;
	return parse_port(colon + 1, port);
}

/* hostfwd= value @v (NUL-terminated token). */
static int parse_fwd(const char *v, struct net_fwd *f)
{
	const char *rest, *dash;

	memset(f, 0, sizeof(*f));
	if (!strncmp(v, "tcp:", 4)) {
		rest = v + 4;
	} else if (!strncmp(v, "udp:", 4)) {
		f->udp = true;
		rest = v + 4;
	} else {
		return -1;
	}
	inet_pton(AF_INET, "127.0.0.1", &f->host_addr);
	inet_pton(AF_INET, NET_USER_GUEST, &f->guest_addr);
	dash = strchr(rest, '-');
	if (!dash || strchr(dash + 1, '-'))
		return -1;
	if (parse_addr_port(rest, (size_t)(dash - rest), &f->host_addr, &f->host_port) < 0 ||
	    parse_addr_port(dash + 1, strlen(dash + 1), &f->guest_addr, &f->guest_port) < 0)
		return -1;
	return 0;
}

/* "xx:xx:xx:xx:xx:xx", unicast. */
static int parse_mac(const char *v, u8 mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(v) != 17 ||
	    sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[3 * i + 2] != (i == 5 ? 0 : ':'))
			return -1;
		mac[i] = (u8)b[i];
	}
	if (mac[0] & 1)			/* a group address */
		return -1;
	return 0;
}

int net_opts_parse(const char *arg, struct net_opts *o)
{
	char buf[1024], *tok, *save = NULL;

	memset(o, 0, sizeof(*o));
	o->vhost = -1;
	if (!arg || !*arg) {
		pr_err("-n: give a network: %s", NET_USAGE);
		return -1;
	}
	if (strlen(arg) >= sizeof(buf)) {
		pr_err("-n '%.40s...': longer than %zu bytes", arg, sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, arg);
	if (buf[strlen(buf) - 1] == ',' || strstr(buf, ",,")) {
		pr_err("-n '%s': empty option (expected %s)", arg, NET_USAGE);
		return -1;
	}
	tok = strtok_r(buf, ",", &save);
	if (!tok || (strcmp(tok, "user") && strcmp(tok, "tap") && strcmp(tok, "none"))) {
		pr_err("-n '%s': unknown network '%s' (expected %s)", arg, tok ? tok : "", NET_USAGE);
		return -1;
	}
	o->mode = !strcmp(tok, "user") ? NET_USER : !strcmp(tok, "tap") ? NET_TAP : NET_NONE;
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : "";

		if (eq)
			*eq = 0;
		if (o->mode == NET_NONE) {
			pr_err("-n '%s': none takes no options", arg);
			return -1;
		}
		if (!strcmp(tok, "mac") && eq) {
			if (parse_mac(val, o->mac) < 0) {
				pr_err("-n '%s': mac=%s: expected a unicast address such as 52:54:00:12:34:56",
				       arg, val);
				return -1;
			}
			o->mac_set = true;
		} else if (o->mode == NET_USER && !strcmp(tok, "hostfwd") && eq) {
			if (o->nr_fwds >= NET_MAX_FWDS) {
				pr_err("-n '%s': too many hostfwd= (at most %d)", arg, NET_MAX_FWDS);
				return -1;
			}
			if (parse_fwd(val, &o->fwds[o->nr_fwds]) < 0) {
				pr_err("-n '%s': hostfwd=%s: expected %s with ports 1 to 65535",
				       arg, val, FWD_USAGE);
				return -1;
			}
			o->nr_fwds++;
		} else if (o->mode == NET_TAP && !strcmp(tok, "ifname") && eq) {
			if (!*val || strlen(val) > NET_IFNAME_MAX || strchr(val, '/') ||
			    strchr(val, ' ') || !strcmp(val, ".") || !strcmp(val, "..")) {
				pr_err("-n '%s': ifname=%s: give 1 to %d characters, no '/' or space",
				       arg, val, NET_IFNAME_MAX);
				return -1;
			}
			strcpy(o->ifname, val);
		} else if (o->mode == NET_TAP && !strcmp(tok, "vhost") && eq) {
			if (!strcmp(val, "on")) {
				o->vhost = 1;
			} else if (!strcmp(val, "off")) {
				o->vhost = 0;
			} else {
				pr_err("-n '%s': vhost=%s: expected on or off", arg, val);
				return -1;
			}
		} else {
			pr_err("-n '%s': unknown option '%s%s' for %s (expected %s)", arg, tok,
			       eq ? "=" : "", o->mode == NET_USER ? "user" : "tap",
			       o->mode == NET_USER ? "hostfwd=" FWD_USAGE " or mac=MAC" :
			       "ifname=NAME, vhost=on|off or mac=MAC");
			return -1;
		}
	}
	return 0;
}

void net_mac_from_name(const char *name, int index, u8 mac[6])
{
	u32 h = 2166136261u;	/* FNV-1a, 32 bits */

	for (const char *p = name; *p; p++)
		h = (h ^ (u8)*p) * 16777619u;
	h = (h ^ (u8)index) * 16777619u;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (u8)(h >> 16);
	mac[4] = (u8)(h >> 8);
	mac[5] = (u8)h;
}

void net_opts_mac(const struct net_opts *o, const char *name, int index, u8 mac[6])
{
	if (o->mac_set)
		memcpy(mac, o->mac, 6);
	else
		net_mac_from_name(name, index, mac);
}

void net_mac_format(const u8 mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}
