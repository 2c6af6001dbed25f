// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm's entry point: `lkvm <command> [<args>]` looks the command up in the
 * table below and runs it with argv[0] set to the command name, git/perf
 * style. `lkvm`, `lkvm --help` and `lkvm --version` are spellings of the
 * help and version commands.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "util/parse-options.h"

/* Listing order of `lkvm help`; one line per command. */
static const struct lkvm_cmd commands[] = {
	{ "run", cmd_run, "Boot a guest: kernel, initrd, command line, memory, vCPUs, console" },
	{ "sandbox", cmd_sandbox, "Run a command in a guest that sees the host's files, as you, here" },
	{ "setup", cmd_setup, "Make or remove a rootfs directory for a 9p-root guest (run --rootfs)" },
	{ "list", cmd_list, "List running guests: name, pid, state, vCPUs, memory, uptime" },
	{ "stop", cmd_stop, "Stop a guest: ACPI power button, or at once with --force" },
	{ "pause", cmd_pause, "Pause a guest: every vCPU stops until lkvm resume" },
	{ "resume", cmd_resume, "Resume a paused guest where it stopped" },
	{ "debug", cmd_debug, "Look inside a guest: registers, page tables, memory, NMI, sysrq" },
	{ "stat", cmd_stat, "Profile a guest's exits: reasons, rates, latencies, devices, functions" },
	{ "features", cmd_features, "List the KVM capabilities, CPUID, MSRs and stats the kernel offers" },
	{ "help", cmd_help, "Show the command list or a command's manual page" },
	{ "version", cmd_version, "Print lkvm's version and the host's KVM API version" },
};

const struct lkvm_cmd *lkvm_commands(size_t *nr)
{
	*nr = ARRAY_SIZE(commands);
	return commands;
}

const struct lkvm_cmd *lkvm_find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	}
	return NULL;
}

/* Longest name compared by the edit distance; longer input is no typo. */
#define SUGGEST_MAX 32

/* Edit distance counting an adjacent swap as one edit ("rnu" -> "run"),
 * the common typing slip (optimal string alignment distance). */
static size_t typo_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];

	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			v = MIN(v, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *lkvm_suggest_command(const char *name)
{
	const char *best = NULL, *prefix = NULL;
	size_t best_d = 3, len = strlen(name), nprefix = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t d = typo_distance(name, commands[i].name);

		/* "x" is two edits from "run" but not a typo of it */
		if (d < best_d && d < len) {
			best_d = d;
			best = commands[i].name;
		}
		if (len >= 2 && !strncmp(commands[i].name, name, len)) {
			prefix = commands[i].name;
			nprefix++;
		}
	}
	if (best)
		return best;
	return nprefix == 1 ? prefix : NULL;
}

/* Exit status after @status, failing if stdout could not be written
 * (`lkvm help > /dev/full` must not report success). */
static int finish(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "lkvm: error: write failure on standard output: %s\n",
				strerror(errno));
		return status ? status : 1;
	}
	return status;
}

int main(int argc, const char **argv)
{
	static const char *help_argv[] = { "lkvm", "help", NULL };
	const struct lkvm_cmd *cmd;
	const char *name;

	if (argc < 2) {
		argc = 2;
		argv = help_argv;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	else if (!strcmp(name, "--version"))
		name = "version";
	if (name[0] == '-') {
		fprintf(stderr, "lkvm: error: unknown option '%s'. See 'lkvm help'.\n", name);
		return PARSE_OPT_EXIT_USAGE;
	}
	cmd = lkvm_find_command(name);
	if (!cmd) {
		const char *hint = lkvm_suggest_command(name);

		fprintf(stderr, "lkvm: error: '%s' is not an lkvm command. See 'lkvm help'.%s%s%s\n",
			name, hint ? " Did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		return PARSE_OPT_EXIT_USAGE;
	}
	argv[1] = cmd->name;
	return finish(cmd->fn(argc - 1, argv + 1));
}
