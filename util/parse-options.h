/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line option parsing for the lkvm subcommands, in the style of
 * git/perf: a table of struct option, grouped help output for -h, and one
 * consistent error format ("lkvm <cmd>: error: ...", exit status 128, EXIT_USAGE) so
 * scripts can tell a usage error from a failed run.
 */
#ifndef LKVM_PARSE_OPTIONS_H
#define LKVM_PARSE_OPTIONS_H

#include <stdio.h>

#include "util/exit-status.h"
#include "util/util.h"

/* Exit status of every usage error (git's convention). */
#define PARSE_OPT_EXIT_USAGE EXIT_USAGE

enum parse_opt_type {
	OPTION_END,
	OPTION_GROUP,    /* help header only: "Basic options:" */
	OPTION_BOOLEAN,  /* bool *; --no-<long> clears it */
	OPTION_INTEGER,  /* int *; decimal, 0x hex or 0 octal, range of int */
	OPTION_STRING,   /* const char **; points into argv */
	OPTION_SIZE,     /* u64 * in bytes; defval is the unit of a bare number */
	OPTION_CALLBACK, /* callback(opt, arg, unset) does the work */
};

/* struct option flags. */
#define PARSE_OPT_NOARG    (1 << 0) /* callback takes no argument */
#define PARSE_OPT_OPTARG   (1 << 1) /* argument only as --opt=ARG or -oARG */
#define PARSE_OPT_NONEG    (1 << 2) /* refuse --no-<long> */
#define PARSE_OPT_HIDDEN   (1 << 3) /* not listed by -h */
#define PARSE_OPT_UNSIGNED (1 << 4) /* OPTION_INTEGER: refuse negative values */

/* parse_options() flags. */
#define PARSE_OPT_STOP_AT_NON_OPTION (1 << 0) /* first non-option ends parsing
						 (for nested subcommands) */

/*
 * One option. @value's type follows @type (see enum parse_opt_type).
 * @callback returns 0, or -1 after printing its own error with pr_err();
 * the parser then prints the hint line and exits 128. For OPTARG callbacks
 * @defval, cast to const char *, is the argument when none was given.
 */
struct option {
	enum parse_opt_type type;
	int short_name;        /* 0 if none */
	const char *long_name; /* NULL if none */
	void *value;
	const char *argh;      /* argument name for help, e.g. "SIZE" */
	const char *help;
	int flags;
	int (*callback)(const struct option *opt, const char *arg, int unset);
	intptr_t defval;
};

/* Evaluates to @v, and fails to compile (pointer type mismatch under
 * -Werror) unless @v is a pointer to @type. */
#define OPT_TYPED(v, type) (1 ? (v) : (type *)0)

#define OPT_END() { .type = OPTION_END }
#define OPT_GROUP(h) { .type = OPTION_GROUP, .help = (h) }
#define OPT_BOOLEAN(s, l, v, h) \
	{ .type = OPTION_BOOLEAN, .short_name = (s), .long_name = (l), \
	  .value = OPT_TYPED(v, bool), .help = (h) }
#define OPT_INTEGER(s, l, v, h) \
	{ .type = OPTION_INTEGER, .short_name = (s), .long_name = (l), \
	  .value = OPT_TYPED(v, int), .argh = "N", .help = (h) }
/* Like OPT_INTEGER but a negative value is a usage error (counts, ids). */
#define OPT_UINTEGER(s, l, v, h) \
	{ .type = OPTION_INTEGER, .short_name = (s), .long_name = (l), \
	  .value = OPT_TYPED(v, int), .argh = "N", .help = (h), \
	  .flags = PARSE_OPT_UNSIGNED }
#define OPT_STRING(s, l, v, a, h) \
	{ .type = OPTION_STRING, .short_name = (s), .long_name = (l), \
	  .value = OPT_TYPED(v, const char *), .argh = (a), .help = (h) }
/* @unit: bytes meant by a number without suffix (SZ_1M for "-m 512"). */
#define OPT_SIZE(s, l, v, a, unit, h) \
	{ .type = OPTION_SIZE, .short_name = (s), .long_name = (l), \
	  .value = OPT_TYPED(v, u64), .argh = (a), .help = (h), \
	  .defval = (intptr_t)(unit) }
#define OPT_CALLBACK(s, l, v, a, h, fn) \
	{ .type = OPTION_CALLBACK, .short_name = (s), .long_name = (l), \
	  .value = (v), .argh = (a), .help = (h), .callback = (fn) }
#define OPT_CALLBACK_NOARG(s, l, v, h, fn) \
	{ .type = OPTION_CALLBACK, .short_name = (s), .long_name = (l), \
	  .value = (v), .help = (h), .callback = (fn), \
	  .flags = PARSE_OPT_NOARG }
#define OPT_CALLBACK_OPTARG(s, l, v, a, h, fn, d) \
	{ .type = OPTION_CALLBACK, .short_name = (s), .long_name = (l), \
	  .value = (v), .argh = (a), .help = (h), .callback = (fn), \
	  .flags = PARSE_OPT_OPTARG, .defval = (intptr_t)(d) }

/*
 * parse_options - parse a subcommand's arguments against @opts.
 * @argc, @argv: argv[0] is the command name ("run"), used in messages.
 * @usage: NULL-terminated "lkvm run [<options>] ..." lines for -h.
 * @flags: PARSE_OPT_STOP_AT_NON_OPTION or 0.
 * Accepts -x VAL, -xVAL, --long VAL, --long=VAL, bundled short options
 * (-ab, -vm512), --no-<long> for booleans and callbacks, and "--" to end
 * options. -h/--help print the usage to stdout and exit 0.
 * Returns the number of non-option arguments, moved in order to
 * argv[0..n-1] (argv[n] is set to NULL). Any usage error prints one line
 * "lkvm <cmd>: error: <what>" and the hint "see 'lkvm <cmd> -h'" to stderr
 * and exits 128; the function returns only on success.
 */
int parse_options(int argc, const char **argv, const struct option *opts,
		  const char *const *usage, int flags);

/*
 * parse_options_error - report a usage error found after parse_options()
 * (a missing or extra argument) in the same format: one line
 * "lkvm <cmd>: error: <fmt>" and the hint "see 'lkvm <cmd> -h'" on stderr,
 * then exit 128.
 */
void __noreturn __printf(2, 3) parse_options_error(const char *cmd, const char *fmt, ...);

/*
 * print_usage_with_options - write the @usage lines ("usage: ..." then
 * "   or: ...") and each visible option under its group header, with the
 * help text in one aligned column, to @fp.
 */
void print_usage_with_options(FILE *fp, const char *const *usage,
			      const struct option *opts);

/*
 * parse_size - parse a size such as "512", "64k", "512M", "1G", "2T",
 * "4096B" or "1GiB" into bytes.
 * @unit: bytes meant by a number without suffix (must be non-zero).
 * Suffixes are case-insensitive powers of 1024, optionally followed by
 * "B" or "iB"; a lone "B" means bytes. Only decimal digits are accepted
 * (no sign, no spaces, no fraction).
 * Returns 0 with *@out set, or -1 with *@out untouched and errno EINVAL
 * (empty, garbage) or ERANGE (zero, or more than 2^64-1 bytes). Zero is refused because no lkvm size
 * (memory, disk, buffer) may be empty.
 */
int parse_size(const char *s, u64 unit, u64 *out);

/* One word of a comma-separated flag list and the bits it stands for. */
struct parse_flag {
	const char *name;
	u32 bits;
};

/*
 * parse_flag_list - OR together the bits of every word in the comma-separated
 * @list ("bpf,trace"), matching @flags[0..@n) case-insensitively.
 * Returns 0 with *@out set, or -1 with *@bad pointing at the unknown word
 * (a static copy, "" for an empty list).
 */
int parse_flag_list(const char *list, const struct parse_flag *flags, size_t n,
		    u32 *out, const char **bad);

#endif
