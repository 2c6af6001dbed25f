// SPDX-License-Identifier: GPL-2.0
/*
 * The run argv of lkvm sandbox and lkvm run --rootfs (see runargs.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/runargs.h"

void runargs_push(struct runargs *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, (size_t)a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void runargs_pushf(struct runargs *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		s = xstrdup("");
	runargs_push(a, s);
}

/*
 * Match option @arg against short @s (0 for none) and long @l taking a
 * value: "-sVAL", "-s VAL", "--l=VAL", "--l VAL". Returns 1 with *@val
 * set (and *@i moved past a separate value), 0 for no match, -1 when the
 * value is missing.
 */
static int value_opt(int argc, const char **argv, int *i, char s, const char *l,
		     const char **val)
{
	const char *arg = argv[*i];
	size_t ll = strlen(l);

	if (s && arg[0] == '-' && arg[1] == s) {
		if (arg[2]) {
			*val = arg + 2;
			return 1;
		}
	} else if (!strncmp(arg, "--", 2) && !strncmp(arg + 2, l, ll) && arg[2 + ll] == '=') {
		*val = arg + 3 + ll;
		return 1;
	} else if (!(!strncmp(arg, "--", 2) && !strcmp(arg + 2, l))) {
		return 0;
	}
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

int runargs_scan(const char *cmd, int argc, const char **argv, struct user_opts *o,
		 struct runargs *pass, char *err, size_t errlen)
{
	bool sandbox = !strcmp(cmd, "sandbox");
	int i;

	memset(o, 0, sizeof(*o));
	runargs_push(pass, argv[0]);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int r;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if ((r = value_opt(argc, argv, &i, 'k', "kernel", &v))) {
			o->kernel = v;
		} else if ((r = value_opt(argc, argv, &i, 'p', "params", &v))) {
			o->params = v;
		} else if ((r = value_opt(argc, argv, &i, 0, "modules", &v))) {
			o->modules = v;
		} else if (sandbox && (r = value_opt(argc, argv, &i, 0, "rw", &v))) {
			if (r > 0 && o->nr_rw >= RUNARGS_MAX_RW)
				return set_err(err, errlen, "--rw: at most %d directories", RUNARGS_MAX_RW);
			if (r > 0)
				o->rw[o->nr_rw++] = v;
		} else if (!sandbox && (r = value_opt(argc, argv, &i, 0, "rootfs", &v))) {
			o->rootfs = v;
		} else if ((r = value_opt(argc, argv, &i, 'i', "initrd", &v)) ||
			   (r = value_opt(argc, argv, &i, 0, "module", &v))) {
			return set_err(err, errlen, "%s: lkvm %s%s makes its own initramfs",
				       a, cmd, sandbox ? "" : " --rootfs");
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			if (!sandbox)
				runargs_push(pass, a);	/* run's own help */
		} else if (sandbox && a[0] != '-' && (i == 1 || argv[i - 1][0] != '-')) {
			/* not an option, nor the value of one: a command without -- */
			return set_err(err, errlen, "'%s': put the command after --, as in lkvm sandbox [options] -- %s ...",
				       a, a);
		} else {
			if (!strncmp(a, "--debug-exit", 12) || !strcmp(a, "--no-debug-exit"))
				o->debug_exit = true;
			if (!strncmp(a, "--loglevel", 10))
				o->loglevel = true;
			if (!strcmp(a, "--name") || !strncmp(a, "--name=", 7))
				o->name = true;
			runargs_push(pass, a);
		}
		if (r < 0)
			return set_err(err, errlen, "%s needs a value", a);
	}
	if (i < argc && !sandbox)
		return set_err(err, errlen, "unexpected argument '%s' after --", argv[i]);
	o->command = argv + i;
	o->nr_command = argc - i;
	return 0;
}

bool runargs_has_rootfs(int argc, const char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--rootfs") || !strncmp(argv[i], "--rootfs=", 9))
			return true;
	return false;
}
