// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm stop`: press a guest's ACPI power button and wait for it to power
 * off (ACPI 6.4 section 4.8.2.2.1), or end it at once with --force; either
 * way its `lkvm run` exits with status 0, as for a poweroff. A front end to
 * the control socket's STOP request (Documentation/control-protocol.txt):
 * the end shows as the guest's lkvm closing the connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"

#define DEFAULT_TIMEOUT_S 30

/* One guest being stopped: its connection, -1 once done or failed. */
struct target {
	char name[CTL_NAME_MAX + 1];
	int fd;
};

/* Send STOP to guest @t->name; keeps the connection to wait on. 0 or -1. */
static int press(struct target *t, bool force, bool quiet_absent)
{
	struct ctl_request rq = { .type = CTL_T_STOP, .id = 1,
				  .stop = { .flags = force ? CTL_STOP_FORCE : 0 } };
	struct ctl_reply rep;

	t->fd = ctl_call_name(t->name, &rq, &rep);
	if (t->fd < 0)
		return quiet_absent ? 0 : -1;
	ctl_reply_free(&rep);
	return 0;
}

/* The live guests of this user, for --all. Returns their number. */
static int all_targets(struct target **out)
{
	char dir[CTL_SUN_PATH_MAX];
	struct ctl_entry *ents;
	int n, k = 0;

	*out = NULL;
	if (ctl_sock_dir(dir, sizeof(dir)) < 0)
		return 0;
	n = ctl_list(dir, &ents);
	if (n <= 0)
		return 0;
	*out = xzalloc(n * sizeof(**out));
	for (int i = 0; i < n; i++) {
		if (ctl_probe_path(ents[i].path) != CTL_PROBE_LIVE)
			continue;
		strcpy((*out)[k].name, ents[i].name);
		(*out)[k].fd = -1;
		k++;
	}
	free(ents);
	return k;
}

int cmd_stop(int argc, const char **argv)
{
	static const char *const usage[] = {
		"lkvm stop --name NAME [--force] [--timeout SECONDS]",
		"lkvm stop --all [--force] [--timeout SECONDS]",
		NULL,
	};
	const char *name = NULL;
	bool all = false, force = false;
	int timeout = DEFAULT_TIMEOUT_S, n, status = 0;
	const struct option opts[] = {
		OPT_STRING('n', "name", &name, "NAME", "the guest to stop (see 'lkvm list')"),
		OPT_BOOLEAN('a', "all", &all, "stop every guest of this user"),
		OPT_BOOLEAN('f', "force", &force, "end the guest at once, without the power button"),
		OPT_UINTEGER('t', "timeout", &timeout,
			     "seconds to wait for the guest to power off (default 30; 0: do not wait)"),
		OPT_END(),
	};
	struct target *t;
	u64 deadline;

	argc = parse_options(argc, argv, opts, usage, 0);
	if (all) {
		if (name || argc)
			parse_options_error("stop", "--all stops every guest: give no name with it");
		n = all_targets(&t);
	} else {
		t = xzalloc(sizeof(*t));
		strcpy(t->name, ctl_name_arg("stop", name, argc, argv));
		n = 1;
	}
	for (int i = 0; i < n; i++)
		if (press(&t[i], force, all) < 0)
			status = 1;
	/* Wait for every guest's lkvm to hang up: that is its end. */
	deadline = now_ns() + (u64)timeout * 1000000000ULL;
	for (int i = 0; i < n; i++) {
		u64 now = now_ns();
		int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000);

		if (t[i].fd < 0)
			continue;
		if (timeout == 0) {
			close(t[i].fd);
			continue;
		}
		/* --force ends the guest at once; allow it the full timeout anyway. */
		if (ctl_wait_closed(t[i].fd, force ? timeout * 1000 : left) < 0) {
			if (force)
				pr_err("guest '%s' did not end within %d s", t[i].name, timeout);
			else
				pr_err("guest '%s' did not power off within %d s of the power button (its OS must act on ACPI power button events); use --force to end it at once",
				       t[i].name, timeout);
			status = 1;
		}
		close(t[i].fd);
	}
	free(t);
	return status;
}
