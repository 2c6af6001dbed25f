/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lkvm subcommands. Each builtin-<cmd>.c defines cmd_<cmd>(); kvm.c
 * holds the table that maps names to them, so adding a command is one
 * prototype here and one table line there.
 */
#ifndef LKVM_BUILTIN_H
#define LKVM_BUILTIN_H

#include <stddef.h>

/*
 * Every command takes its own argv with argv[0] set to the command name
 * ("run") and returns the process exit status: 0 on success, 1 on failure,
 * 128 (EXIT_USAGE) on a usage error (parse_options exits with it directly).
 */
int cmd_run(int argc, const char **argv);
int cmd_help(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_list(int argc, const char **argv);
int cmd_stop(int argc, const char **argv);
int cmd_pause(int argc, const char **argv);
int cmd_resume(int argc, const char **argv);
int cmd_debug(int argc, const char **argv);
int cmd_stat(int argc, const char **argv);
int cmd_features(int argc, const char **argv);
int cmd_sandbox(int argc, const char **argv);
int cmd_setup(int argc, const char **argv);

/*
 * find_kernel - the kernel to boot when -k is not given: the kernel tree
 * we are in (arch/x86/boot/bzImage, or ../../ of it from tools/kvm), then
 * /boot/vmlinuz-$(uname -r). Returns a path, or NULL with the places
 * looked at in @searched (@size bytes), comma-separated. In builtin-run.c.
 */
const char *find_kernel(char *searched, size_t size);

/* One subcommand: @summary is the one-line description `lkvm help` lists. */
struct lkvm_cmd {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const char *summary;
};

/* The command table, in listing order; *@nr gets its length. Defined in kvm.c. */
const struct lkvm_cmd *lkvm_commands(size_t *nr);

/* The command called @name, or NULL. */
const struct lkvm_cmd *lkvm_find_command(const char *name);

/*
 * The command name closest to the unknown @name (Damerau edit distance of
 * at most 2, or @name is a prefix of exactly one command), or NULL.
 */
const char *lkvm_suggest_command(const char *name);

/*
 * Print the command list (usage line, one line per command, pointer to
 * `lkvm help <cmd>`) to stdout. Defined in builtin-help.c.
 */
void lkvm_list_commands(void);

#endif
