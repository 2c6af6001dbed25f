// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox spec and the rootfs config (sandbox/spec.c), which the
 * guest init parses from files on the host: spec_parse on the input;
 * whatever parses must encode again (spec_encode) and parse back to the
 * same values. rootfs_conf_parse on a copy of the input as well.
 *
 * Input: the bytes of a spec file (or a config). Checked beyond the
 * sanitizers: the round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "sandbox/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void round_trip(const struct sandbox_spec *s)
{
	static struct sandbox_spec t;
	size_t n = spec_encode(s, NULL, 0);
	char *buf, err[128];

	if (!n)
		abort();	/* whatever parsed must encode */
	buf = malloc(n);
	if (spec_encode(s, buf, n) != n || spec_parse(buf, n, &t, err, sizeof(err)))
		abort();
	if (!same_str(s->cwd, t.cwd) || s->uid != t.uid || s->gid != t.gid ||
	    s->nr_groups != t.nr_groups || s->nr_args != t.nr_args ||
	    s->nr_shares != t.nr_shares || !same_str(s->term, t.term) ||
	    !same_str(s->home, t.home) || !same_str(s->path, t.path) ||
	    !same_str(s->user, t.user) || !same_str(s->shell, t.shell) ||
	    s->stdin_tty != t.stdin_tty || s->stdout_tty != t.stdout_tty ||
	    s->rows != t.rows || s->cols != t.cols)
		abort();
	for (int i = 0; i < s->nr_groups; i++)
		if (s->groups[i] != t.groups[i])
			abort();
	for (int i = 0; i < s->nr_args; i++)
		if (strcmp(s->args[i], t.args[i]))
			abort();
	for (int i = 0; i < s->nr_shares; i++)
		if (strcmp(s->shares[i].tag, t.shares[i].tag) ||
		    strcmp(s->shares[i].path, t.shares[i].path))
			abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct sandbox_spec s;
	struct rootfs_conf c;
	char err[128];
	/* An exact-size copy, so that reading past the end is caught. */
	char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (spec_parse(copy, size, &s, err, sizeof(err)) == 0)
		round_trip(&s);
	if (rootfs_conf_parse(copy, size, &c, err, sizeof(err)) == 0)
		for (int i = 0; i < c.nr_binds; i++)
			if (c.binds[i][0] != '/')
				abort();
	free(copy);
	return 0;
}
