// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm resume`: let the vCPUs of a guest stopped by `lkvm pause` run on
 * exactly where they were, with the console input typed meanwhile. A front
 * end to the control socket's RESUME request
 * (Documentation/control-protocol.txt).
 */
#include <stdio.h>
#include <unistd.h>

#include "builtin.h"
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"

int cmd_resume(int argc, const char **argv)
{
	static const char *const usage[] = { "lkvm resume --name NAME", "lkvm resume NAME", NULL };
	const char *name = NULL;
	const struct option opts[] = {
		OPT_STRING('n', "name", &name, "NAME", "the guest to resume (see 'lkvm list')"),
		OPT_END(),
	};
	struct ctl_request rq = { .type = CTL_T_RESUME, .id = 1 };
	struct ctl_reply rep;
	int fd;

	argc = parse_options(argc, argv, opts, usage, 0);
	name = ctl_name_arg("resume", name, argc, argv);
	fd = ctl_call_name(name, &rq, &rep);
	if (fd < 0)
		return 1;
	if (rep.len == 4 && ctl_get_u32(rep.data) == CTL_STATE_RUNNING)
		fprintf(stderr, "lkvm: guest '%s' was not paused\n", name);
	ctl_reply_free(&rep);
	close(fd);
	return 0;
}
