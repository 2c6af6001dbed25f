// SPDX-License-Identifier: GPL-2.0
/*
 * Option parser for lkvm subcommands (see util/parse-options.h for the
 * accepted syntax). Every usage error ends the process with status 128 (EXIT_USAGE) after
 * one "lkvm <cmd>: error: ..." line and one hint line, so callers never see
 * a half-parsed command line.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/parse-options.h"

/* Longest user-supplied text echoed in an error message, in bytes. */
#define ECHO_MAX 64
/* Widest option column before the help text moves to its own line. */
#define USAGE_LEFT_MAX 30
#define USAGE_GAP 2

struct po_ctx {
	const char *cmd;
	const struct option *opts;
	const char *const *usage;
};

/*
 * Copy @s into @buf (size @size) for an error message: control characters
 * become '?' so the message stays on one line, and text past ECHO_MAX bytes
 * is cut and marked with "...".
 */
static const char *echo(char *buf, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && s[i] && o + 4 < size; i++) {
		if (i == ECHO_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Print "lkvm <cmd>: error: <msg>" and the -h hint in one write, exit 128. */
static void __noreturn verror(const char *cmd, const char *fmt, va_list ap)
{
	char msg[512], line[1024];
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = snprintf(line, sizeof(line), "lkvm %s: error: %s\nsee 'lkvm %s -h'\n",
		     cmd, msg, cmd);
	if (n < 0)
		exit(PARSE_OPT_EXIT_USAGE);
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	fflush(stdout);
	write_all(STDERR_FILENO, line, n);
	exit(PARSE_OPT_EXIT_USAGE);
}

void parse_options_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd ? cmd : "?", fmt, ap);
}

static void __noreturn __printf(2, 3) usage_error(const struct po_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx->cmd, fmt, ap);
}

/* Print only the hint, after a callback reported its own error. */
static void __noreturn callback_failed(const struct po_ctx *ctx)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "see 'lkvm %s -h'\n", ctx->cmd);

	fflush(stdout);
	if (n > 0 && (size_t)n < sizeof(line))
		write_all(STDERR_FILENO, line, n);
	exit(PARSE_OPT_EXIT_USAGE);
}

static void __noreturn show_help(const struct po_ctx *ctx)
{
	print_usage_with_options(stdout, ctx->usage, ctx->opts);
	exit(fflush(stdout) || ferror(stdout) ? 1 : 0);
}

static bool takes_arg(const struct option *opt)
{
	switch (opt->type) {
	case OPTION_INTEGER:
	case OPTION_STRING:
	case OPTION_SIZE:
		return true;
	case OPTION_CALLBACK:
		return !(opt->flags & PARSE_OPT_NOARG);
	default:
		return false;
	}
}

static bool optional_arg(const struct option *opt)
{
	return opt->type == OPTION_CALLBACK && (opt->flags & PARSE_OPT_OPTARG);
}

static bool negatable(const struct option *opt)
{
	if (opt->flags & PARSE_OPT_NONEG)
		return false;
	return opt->type == OPTION_BOOLEAN || opt->type == OPTION_CALLBACK;
}

static const struct option *find_long(const struct option *opts, const char *name, size_t len)
{
	for (; opts->type != OPTION_END; opts++) {
		if (opts->type == OPTION_GROUP || !opts->long_name)
			continue;
		if (strlen(opts->long_name) == len && !strncmp(opts->long_name, name, len))
			return opts;
	}
	return NULL;
}

static const struct option *find_short(const struct option *opts, int c)
{
	for (; opts->type != OPTION_END; opts++) {
		if (opts->type != OPTION_GROUP && opts->short_name && opts->short_name == c)
			return opts;
	}
	return NULL;
}

/*
 * Integers are decimal, or hex with 0x; a leading 0 is not octal because
 * "-c 010" meaning 8 vCPUs would surprise everyone.
 */
static int parse_int(const char *s, long *out)
{
	const char *p = s;
	char *end;
	int base = 10;
	long v;

	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		/* strtol would take a second "0x" */
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			return -1;
	}
	if (!isxdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtol(p, &end, base);
	if (*end)
		return -1;
	if (errno == ERANGE)
		return -2;
	if (*s == '-')
		v = -v;
	*out = v;
	return 0;
}

/* Store @arg (NULL if none) into @opt, or exit with a usage error naming
 * the option as @name, the spelling the user typed. */
static void apply(const struct po_ctx *ctx, const struct option *opt, const char *name,
		  const char *arg, int unset)
{
	char val[ECHO_MAX + 8];
	long l;
	u64 size;
	int r;

	switch (opt->type) {
	case OPTION_BOOLEAN:
		*(bool *)opt->value = !unset;
		return;
	case OPTION_STRING:
		*(const char **)opt->value = arg;
		return;
	case OPTION_INTEGER:
		r = parse_int(arg, &l);
		if (r == -1)
			usage_error(ctx, "option '%s' expects an integer, got '%s'", name,
				    echo(val, sizeof(val), arg, SIZE_MAX));
		if (r == -2 || l < INT_MIN || l > INT_MAX)
			usage_error(ctx, "option '%s': value '%s' is out of range", name,
				    echo(val, sizeof(val), arg, SIZE_MAX));
		if (l < 0 && (opt->flags & PARSE_OPT_UNSIGNED))
			usage_error(ctx, "option '%s' must not be negative, got '%s'", name,
				    echo(val, sizeof(val), arg, SIZE_MAX));
		*(int *)opt->value = (int)l;
		return;
	case OPTION_SIZE:
		if (parse_size(arg, opt->defval > 0 ? (u64)opt->defval : 1, &size)) {
			if (errno == ERANGE)
				usage_error(ctx, "option '%s': size '%s' is zero or too large", name,
					    echo(val, sizeof(val), arg, SIZE_MAX));
			usage_error(ctx, "option '%s' expects a size such as 512M or 2G, got '%s'",
				    name, echo(val, sizeof(val), arg, SIZE_MAX));
		}
		*(u64 *)opt->value = size;
		return;
	case OPTION_CALLBACK:
		if (!arg && !unset && optional_arg(opt))
			arg = (const char *)opt->defval;
		if (opt->callback(opt, arg, unset))
			callback_failed(ctx);
		return;
	default:
		return;
	}
}

/* Handle argv[i], a "--name[=value]" word; returns the index of the last
 * word consumed. */
static int parse_long(const struct po_ctx *ctx, int argc, const char **argv, int i)
{
	const char *name = argv[i] + 2, *eq = strchr(name, '='), *arg = NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct option *opt = find_long(ctx->opts, name, len);
	char shown[ECHO_MAX + 8], typed[ECHO_MAX + 16];
	int unset = 0;

	if (!opt && len > 3 && !strncmp(name, "no-", 3)) {
		opt = find_long(ctx->opts, name + 3, len - 3);
		unset = opt != NULL;
	}
	snprintf(typed, sizeof(typed), "--%s", echo(shown, sizeof(shown), name, len));
	if (!opt) {
		if (len == 4 && !strncmp(name, "help", 4))
			show_help(ctx);
		usage_error(ctx, "unknown option '%s'", typed);
	}
	if (unset) {
		if (!negatable(opt))
			usage_error(ctx, "option '--%s' cannot be negated", opt->long_name);
		if (eq)
			usage_error(ctx, "option '%s' takes no value", typed);
	} else if (!takes_arg(opt)) {
		if (eq)
			usage_error(ctx, "option '%s' takes no value", typed);
	} else if (eq) {
		arg = eq + 1;
	} else if (!optional_arg(opt)) {
		if (i + 1 >= argc)
			usage_error(ctx, "option '%s' requires a value", typed);
		arg = argv[++i];
	}
	apply(ctx, opt, typed, arg, unset);
	return i;
}

/* Handle argv[i], a cluster of short options such as "-v", "-ab" or
 * "-m512"; returns the index of the last word consumed. */
static int parse_short(const struct po_ctx *ctx, int argc, const char **argv, int i)
{
	const char *p = argv[i] + 1, *arg;
	char typed[8];

	while (*p) {
		unsigned char c = *p++;
		const struct option *opt = find_short(ctx->opts, c);

		if (isprint(c))
			snprintf(typed, sizeof(typed), "-%c", c);
		else
			snprintf(typed, sizeof(typed), "-\\x%02x", c);
		if (!opt) {
			if (c == 'h')
				show_help(ctx);
			usage_error(ctx, "unknown option '%s'", typed);
		}
		if (!takes_arg(opt)) {
			apply(ctx, opt, typed, NULL, 0);
			continue;
		}
		if (*p)
			arg = p;
		else if (optional_arg(opt))
			arg = NULL;
		else if (i + 1 < argc)
			arg = argv[++i];
		else
			usage_error(ctx, "option '%s' requires a value", typed);
		apply(ctx, opt, typed, arg, 0);
		break;
	}
	return i;
}

int parse_options(int argc, const char **argv, const struct option *opts,
		  const char *const *usage, int flags)
{
	struct po_ctx ctx = {
		.cmd = argc > 0 && argv[0] ? argv[0] : "?",
		.opts = opts,
		.usage = usage,
	};
	int nout = 0, i;

	/* Non-options are compacted to the front; nout < i always holds, so
	 * the copy never overwrites a word not yet read. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0') {
			if (flags & PARSE_OPT_STOP_AT_NON_OPTION)
				break;
			argv[nout++] = a;
			continue;
		}
		if (a[1] == '-' && a[2] == '\0') {
			i++;
			break;
		}
		if (a[1] == '-')
			i = parse_long(&ctx, argc, argv, i);
		else
			i = parse_short(&ctx, argc, argv, i);
	}
	for (; i < argc; i++)
		argv[nout++] = argv[i];
	if (argc > 0)
		argv[nout] = NULL;
	return nout;
}

/* Left column of one option, e.g. "-k, --kernel <FILE>"; returns its length. */
static int format_left(char *buf, size_t size, const struct option *opt)
{
	const char *argh = opt->argh ? opt->argh : "value";
	bool arg = takes_arg(opt), opt_arg = optional_arg(opt);
	int n = 0;

	if (opt->short_name)
		n += snprintf(buf + n, size - n, "-%c", opt->short_name);
	else
		n += snprintf(buf + n, size - n, "  ");
	if (opt->long_name) {
		n += snprintf(buf + n, size - n, "%s--%s", opt->short_name ? ", " : "  ",
			      opt->long_name);
		if (arg)
			n += snprintf(buf + n, size - n, opt_arg ? "[=<%s>]" : " <%s>", argh);
	} else if (arg) {
		n += snprintf(buf + n, size - n, opt_arg ? "[<%s>]" : " <%s>", argh);
	}
	return n < (int)size ? n : (int)size - 1;
}

/* Write @help starting at the current column @col (help column @at),
 * indenting the lines after an embedded newline. */
static void print_help_text(FILE *fp, const char *help, int col, int at)
{
	const char *nl;

	fprintf(fp, "%*s", at > col ? at - col : 0, "");
	while ((nl = strchr(help, '\n'))) {
		fprintf(fp, "%.*s\n%*s", (int)(nl - help), help, at, "");
		help = nl + 1;
	}
	fprintf(fp, "%s\n", help);
}

void print_usage_with_options(FILE *fp, const char *const *usage, const struct option *opts)
{
	const struct option *o;
	char left[160];
	int width = 0, indent = 4, at;

	if (usage && usage[0]) {
		for (int i = 0; usage[i]; i++)
			fprintf(fp, "%s %s\n", i ? "   or:" : "usage:", usage[i]);
	} else {
		fprintf(fp, "usage: lkvm <command> [<options>]\n");
	}
	for (o = opts; o && o->type != OPTION_END; o++) {
		if (o->type == OPTION_GROUP || (o->flags & PARSE_OPT_HIDDEN))
			continue;
		int n = format_left(left, sizeof(left), o);
		if (n <= USAGE_LEFT_MAX && n > width)
			width = n;
	}
	at = indent + width + USAGE_GAP;
	fputc('\n', fp);
	for (o = opts; o && o->type != OPTION_END; o++) {
		if (o->type == OPTION_GROUP) {
			if (o != opts)
				fputc('\n', fp);
			if (o->help && *o->help)
				fprintf(fp, "%s\n", o->help);
			continue;
		}
		if (o->flags & PARSE_OPT_HIDDEN)
			continue;
		int n = format_left(left, sizeof(left), o);
		fprintf(fp, "%*s%s", indent, "", left);
		if (!o->help || !*o->help) {
			fputc('\n', fp);
			continue;
		}
		if (n > width) {
			fputc('\n', fp);
			n = -indent;
		}
		print_help_text(fp, o->help, indent + n, at);
	}
}

/* Bytes per suffix letter; 0 if @c is not a size suffix. */
static u64 suffix_mult(int c)
{
	switch (tolower(c)) {
	case 'k': return 1ULL << 10;
	case 'm': return 1ULL << 20;
	case 'g': return 1ULL << 30;
	case 't': return 1ULL << 40;
	default: return 0;
	}
}

int parse_size(const char *s, u64 unit, u64 *out)
{
	const char *p = s;
	u64 n = 0, mult;
	bool overflow = false;

	if (!s || !unit || !isdigit((unsigned char)*p))
		goto invalid;
	/* keep scanning after an overflow so "1x" stays EINVAL */
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = *p - '0';

		if (n > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			n = n * 10 + d;
	}
	if (!*p) {
		mult = unit;
	} else if (tolower((unsigned char)*p) == 'b') {
		mult = 1;
		p++;
	} else {
		mult = suffix_mult((unsigned char)*p++);
		if (!mult)
			goto invalid;
		if (tolower((unsigned char)p[0]) == 'i' && tolower((unsigned char)p[1]) == 'b')
			p += 2;
		else if (tolower((unsigned char)p[0]) == 'b')
			p++;
	}
	if (*p)
		goto invalid;
	if (overflow || n == 0 || n > UINT64_MAX / mult) {
		errno = ERANGE;
		return -1;
	}
	*out = n * mult;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

int parse_flag_list(const char *list, const struct parse_flag *flags, size_t n,
		    u32 *out, const char **bad)
{
	static char word[32];
	u32 bits = 0;

	while (*list) {
		size_t len = strcspn(list, ",");
		size_t i;

		for (i = 0; i < n; i++)
			if (strlen(flags[i].name) == len && !strncasecmp(list, flags[i].name, len))
				break;
		if (i == n) {
			snprintf(word, sizeof(word), "%.*s", (int)MIN(len, sizeof(word) - 1), list);
			*bad = word;
			return -1;
		}
		bits |= flags[i].bits;
		list += len;
		if (*list == ',')
			list++;
	}
	if (!bits) {
		*bad = "";
		return -1;
	}
	*out = bits;
	return 0;
}
