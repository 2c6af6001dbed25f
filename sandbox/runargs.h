/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The argv that lkvm sandbox and lkvm run --rootfs hand to the run path
 * (cmd_run): the user's run options passed through, the few options these
 * commands read themselves taken out, and their own options (--9p shares,
 * -i, -p, --debug-exit) appended. The 9p device is reached only through
 * its `--9p HOSTDIR[,TAG][,ro]` syntax.
 */
#ifndef LKVM_SANDBOX_RUNARGS_H
#define LKVM_SANDBOX_RUNARGS_H

#include <stdbool.h>

#include "util/util.h"

#define RUNARGS_MAX_RW 15	/* --rw directories (tags rw1..rw15) */

/* A growing argv; strings are not owned (use runargs_pushf for new ones). */
struct runargs {
	const char **v;		/* NULL-terminated */
	int n, cap;
};

/* runargs_push - append @s. */
void runargs_push(struct runargs *a, const char *s);

/* runargs_pushf - append a new string formatted from @fmt. */
void runargs_pushf(struct runargs *a, const char *fmt, ...) __printf(2, 3);

/* What the scan took out of the user's options. */
struct user_opts {
	const char *kernel;		/* -k/--kernel */
	const char *params;		/* -p/--params (the last one) */
	const char *modules;		/* --modules DIR */
	const char *rootfs;		/* --rootfs NAME (run only) */
	const char *rw[RUNARGS_MAX_RW];	/* --rw DIR (sandbox only) */
	int nr_rw;
	bool debug_exit;		/* --debug-exit or --no-debug-exit given */
	bool loglevel;			/* --loglevel given */
	bool name;			/* --name given */
	bool help;			/* -h/--help */
	const char *const *command;	/* after "--" (sandbox), NULL-terminated */
	int nr_command;
};

/*
 * runargs_scan - split @argv (@argc words, argv[0] the command name) into
 * @o and the run options to pass through (@pass, argv[0] first). @cmd
 * is "sandbox" or "run": sandbox takes --rw and a command after "--",
 * run takes --rootfs; both take --modules, -k, -p and refuse -i,
 * --initrd and --module (they make the initramfs). Returns 0, or -1
 * with a usage error in @err.
 */
int runargs_scan(const char *cmd, int argc, const char **argv, struct user_opts *o,
		 struct runargs *pass, char *err, size_t errlen);

/* runargs_has_rootfs - true if @argv (before any "--") has --rootfs. */
bool runargs_has_rootfs(int argc, const char **argv);

#endif
