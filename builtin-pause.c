// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm pause`: stop every vCPU of a running guest (they leave KVM_RUN and
 * wait; guest time does not run on) until `lkvm resume`. A front end to the
 * control socket's PAUSE request (Documentation/control-protocol.txt).
 */
#include <stdio.h>
#include <unistd.h>

#include "builtin.h"
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"

int cmd_pause(int argc, const char **argv)
{
	static const char *const usage[] = { "lkvm pause --name NAME", "lkvm pause NAME", NULL };
	const char *name = NULL;
	const struct option opts[] = {
		OPT_STRING('n', "name", &name, "NAME", "the guest to pause (see 'lkvm list')"),
		OPT_END(),
	};
	struct ctl_request rq = { .type = CTL_T_PAUSE, .id = 1 };
	struct ctl_reply rep;
	int fd;

	argc = parse_options(argc, argv, opts, usage, 0);
	name = ctl_name_arg("pause", name, argc, argv);
	fd = ctl_call_name(name, &rq, &rep);
	if (fd < 0)
		return 1;
	if (rep.len == 4 && ctl_get_u32(rep.data) == CTL_STATE_PAUSED)
		fprintf(stderr, "lkvm: guest '%s' was already paused\n", name);
	ctl_reply_free(&rep);
	close(fd);
	return 0;
}
