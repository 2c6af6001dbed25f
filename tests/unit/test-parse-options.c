// SPDX-License-Identifier: GPL-2.0
/*
 * util/parse-options: every option type and spelling, non-option handling,
 * sizes, the -h listing, and the usage errors (run in a forked child, whose
 * exit status and stderr are checked).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/log.h"
#include "util/parse-options.h"

static bool flag_a, flag_b, flag_v;
static int count;
static int ucount;
static const char *kernel;
static u64 mem;
static const char *cb_arg;
static int cb_unset, cb_calls;

static int record_cb(const struct option *opt, const char *arg, int unset)
{
	cb_arg = arg;
	cb_unset = unset;
	cb_calls++;
	return 0;
}

static int failing_cb(const struct option *opt, const char *arg, int unset)
{
	pr_err("option '--fail' does not like '%s'", arg);
	return -1;
}

static const char *const usage[] = { "lkvm test [<options>] [<args>...]", "lkvm test --other", NULL };

static const struct option opts[] = {
	OPT_GROUP("Basic options:"),
	OPT_BOOLEAN('a', "alpha", &flag_a, "first flag"),
	OPT_BOOLEAN('b', "beta", &flag_b, "second flag"),
	OPT_INTEGER('n', "count", &count, "a count"),
	OPT_UINTEGER('u', "ucount", &ucount, "a non-negative count"),
	OPT_STRING('k', "kernel", &kernel, "FILE", "kernel to boot"),
	OPT_SIZE('m', "mem", &mem, "SIZE", SZ_1M, "memory, MiB without suffix"),
	OPT_GROUP("Callbacks:"),
	OPT_CALLBACK('c', "cb", NULL, "ARG", "callback with argument", record_cb),
	OPT_CALLBACK_NOARG(0, "tick", NULL, "callback without argument", record_cb),
	OPT_CALLBACK_OPTARG('o', "opt", NULL, "X", "optional argument", record_cb, "dflt"),
	OPT_CALLBACK(0, "fail", NULL, "ARG", "always fails", failing_cb),
	{ .type = OPTION_CALLBACK, .long_name = "fixed", .argh = "ARG", .help = "no --no-fixed",
	  .callback = record_cb, .flags = PARSE_OPT_NONEG },
	{ .type = OPTION_BOOLEAN, .short_name = 'v', .long_name = "secret", .value = &flag_v,
	  .help = "hidden", .flags = PARSE_OPT_HIDDEN },
	OPT_END(),
};

static void reset(void)
{
	flag_a = flag_b = flag_v = false;
	count = ucount = 0;
	kernel = NULL;
	mem = 0;
	cb_arg = NULL;
	cb_unset = cb_calls = 0;
}

/* Parse a NULL-terminated word list (argv[0] "test" added) in this process. */
static int parse(const char **words, const char **out)
{
	static const char *argv[32];
	int argc = 1;

	argv[0] = "test";
	for (; *words && argc < 31; words++)
		argv[argc++] = *words;
	argv[argc] = NULL;
	reset();
	int n = parse_options(argc, argv, opts, usage, 0);
	for (int i = 0; i <= n; i++)
		out[i] = argv[i];
	return n;
}

#define P(...) ((const char *[]){ __VA_ARGS__, NULL })

struct child {
	int status;     /* exit status, or -1 if killed */
	char out[4096]; /* stdout */
	char err[4096]; /* stderr */
	int err_lines;
};

static void slurp(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	close(fd);
}

/* Run parse_options on @words in a child; it exits 0 if parsing returns. */
static void run_child(const char **words, int flags, struct child *c)
{
	int out[2], err[2], st;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	fflush(stdout);
	if (pipe(out) || pipe(err)) {
		c->status = -2;
		return;
	}
	pid = fork();
	if (pid == 0) {
		static const char *argv[32];
		int argc = 1;

		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(err[0]);
		argv[0] = "test";
		for (; *words && argc < 31; words++)
			argv[argc++] = *words;
		argv[argc] = NULL;
		parse_options(argc, argv, opts, usage, flags);
		fflush(stdout);
		_exit(0);
	}
	close(out[1]);
	close(err[1]);
	/* outputs are far below the pipe size, so reading after exit is safe */
	waitpid(pid, &st, 0);
	slurp(out[0], c->out, sizeof(c->out));
	slurp(err[0], c->err, sizeof(c->err));
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	for (const char *p = c->err; *p; p++)
		c->err_lines += *p == '\n';
}

/* A usage error: exit 128, stderr exactly "lkvm test: error: <msg>" plus
 * the hint, and @msg contained in the error line. */
static void expect_error(const char **words, const char *msg, const char *name)
{
	struct child c;
	bool good;

	run_child(words, 0, &c);
	good = c.status == 128 && c.err_lines == 2 &&
	       !strncmp(c.err, "lkvm test: error: ", 18) && strstr(c.err, msg) &&
	       strstr(c.err, "\nsee 'lkvm test -h'\n") && !c.out[0];
	ok(good, "error: %s", name);
	if (!good)
		diag("status %d, stderr: %s", c.status, c.err);
}

static void test_booleans(void)
{
	const char *av[32];

	is_int(parse(P("-a"), av), 0, "-a: no non-options");
	ok(flag_a && !flag_b, "-a sets alpha only");
	parse(P("--beta"), av);
	ok(flag_b && !flag_a, "--beta");
	parse(P("-ab"), av);
	ok(flag_a && flag_b, "bundled -ab");
	parse(P("-a", "--no-alpha"), av);
	ok(!flag_a, "--no-alpha clears");
	parse(P("--secret"), av);
	ok(flag_v, "hidden option still parses");
}

static void test_values(void)
{
	const char *av[32];

	parse(P("-n", "42"), av);
	is_int(count, 42, "-n 42");
	parse(P("-n42"), av);
	is_int(count, 42, "-n42");
	parse(P("--count=-7"), av);
	is_int(count, -7, "--count=-7");
	parse(P("--count", "0x10"), av);
	is_int(count, 16, "--count 0x10 is hex");
	parse(P("--count", "010"), av);
	is_int(count, 10, "--count 010 is decimal, not octal");
	parse(P("-u", "2147483647"), av);
	is_int(ucount, 2147483647, "-u INT_MAX");

	parse(P("-k", "bzImage"), av);
	is_str(kernel, "bzImage", "-k FILE");
	parse(P("-kbzImage"), av);
	is_str(kernel, "bzImage", "-kFILE");
	parse(P("--kernel=a=b"), av);
	is_str(kernel, "a=b", "--kernel=VAL keeps later '='");
	parse(P("--kernel", "-x"), av);
	is_str(kernel, "-x", "--kernel takes the next word even if it starts with '-'");
	parse(P("--kernel="), av);
	is_str(kernel, "", "--kernel= gives an empty string");

	parse(P("-m", "512"), av);
	is_int(mem, 512 * SZ_1M, "-m 512 uses the MiB unit");
	parse(P("--mem=1G"), av);
	is_int(mem, SZ_1G, "--mem=1G");
	parse(P("-m64k"), av);
	is_int(mem, 64 * SZ_1K, "-m64k");

	parse(P("-avm512"), av);
	ok(flag_a && flag_v && mem == 512 * SZ_1M, "-avm512: flags then a value");
}

static void test_callbacks(void)
{
	const char *av[32];

	parse(P("-c", "x"), av);
	ok(cb_calls == 1 && cb_arg && !strcmp(cb_arg, "x") && !cb_unset, "-c x");
	parse(P("--cb=y"), av);
	ok(cb_arg && !strcmp(cb_arg, "y"), "--cb=y");
	parse(P("--no-cb"), av);
	ok(cb_calls == 1 && !cb_arg && cb_unset == 1, "--no-cb: unset=1, arg NULL");
	parse(P("--tick"), av);
	ok(cb_calls == 1 && !cb_arg && !cb_unset, "--tick: NOARG callback");
	parse(P("--opt"), av);
	ok(cb_arg && !strcmp(cb_arg, "dflt"), "--opt without value gets defval");
	parse(P("--opt", "word"), av);
	ok(cb_arg && !strcmp(cb_arg, "dflt") && av[0] && !strcmp(av[0], "word"),
	   "--opt does not take the next word");
	parse(P("--opt=v"), av);
	ok(cb_arg && !strcmp(cb_arg, "v"), "--opt=v");
	parse(P("-ov"), av);
	ok(cb_arg && !strcmp(cb_arg, "v"), "-ov");
	parse(P("-o"), av);
	ok(cb_arg && !strcmp(cb_arg, "dflt"), "-o alone gets defval");
}

static void test_non_options(void)
{
	const char *av[32];
	int n;

	n = parse(P("one", "-a", "two", "--", "-b", "--kernel"), av);
	is_int(n, 4, "four non-options");
	ok(n == 4 && !strcmp(av[0], "one") && !strcmp(av[1], "two") && !strcmp(av[2], "-b") &&
	   !strcmp(av[3], "--kernel") && av[4] == NULL, "kept in order, '--' ends options, NULL after");
	ok(flag_a && !flag_b && !kernel, "words after '--' are not parsed");
	n = parse(P("-", "-a"), av);
	ok(n == 1 && !strcmp(av[0], "-") && flag_a, "a lone '-' is a non-option");
	n = parse(P("--"), av);
	is_int(n, 0, "a lone '--' is dropped");

	{
		static const char *argv[] = { "test", "-a", "sub", "-b", "x", NULL };

		reset();
		n = parse_options(5, argv, opts, usage, PARSE_OPT_STOP_AT_NON_OPTION);
		ok(n == 3 && flag_a && !flag_b && !strcmp(argv[0], "sub") && !strcmp(argv[1], "-b"),
		   "STOP_AT_NON_OPTION leaves the rest for a subcommand");
	}
}

static void test_parse_size(void)
{
	u64 v = 0;

	ok(!parse_size("512", SZ_1M, &v) && v == 512 * SZ_1M, "512 with MiB unit");
	ok(!parse_size("1G", SZ_1M, &v) && v == SZ_1G, "1G");
	ok(!parse_size("64k", 1, &v) && v == 64 * SZ_1K, "64k lower case");
	ok(!parse_size("2T", 1, &v) && v == 2ULL << 40, "2T");
	ok(!parse_size("1048576B", SZ_1M, &v) && v == SZ_1M, "B suffix means bytes");
	ok(!parse_size("3GiB", 1, &v) && v == 3 * SZ_1G, "GiB");
	ok(!parse_size("3mb", 1, &v) && v == 3 * SZ_1M, "mb");
	ok(!parse_size("16777215T", 1, &v) && v == 16777215ULL << 40, "largest T that fits");
	v = 7;
	ok(parse_size("", 1, &v) && errno == EINVAL && v == 7, "empty: EINVAL, out untouched");
	ok(parse_size("abc", 1, &v) && errno == EINVAL, "garbage");
	ok(parse_size("12Q", 1, &v) && errno == EINVAL, "unknown suffix");
	ok(parse_size("1GG", 1, &v) && errno == EINVAL, "trailing garbage");
	ok(parse_size("-1", 1, &v) && errno == EINVAL, "negative");
	ok(parse_size(" 1", 1, &v) && errno == EINVAL, "leading space");
	ok(parse_size("1.5G", 1, &v) && errno == EINVAL, "fraction");
	ok(parse_size("0", 1, &v) && errno == ERANGE, "zero: ERANGE");
	ok(parse_size("99999999999999999999G", 1, &v) && errno == ERANGE, "digits overflow");
	ok(parse_size("16777216T", 1, &v) && errno == ERANGE, "suffix overflow");
	ok(parse_size("18446744073709551615", 1, &v) == 0 && v == UINT64_MAX, "2^64-1 bytes");
	ok(parse_size("18446744073709551616", 1, &v) && errno == ERANGE, "2^64 bytes");
	ok(parse_size("99999999999999999999x", 1, &v) && errno == EINVAL, "overflow then garbage");
}

static void test_errors(void)
{
	expect_error(P("--nosuch"), "unknown option '--nosuch'", "unknown long option");
	expect_error(P("--nosuch=3"), "unknown option '--nosuch'", "unknown long option with value");
	expect_error(P("-x"), "unknown option '-x'", "unknown short option");
	expect_error(P("-ax"), "unknown option '-x'", "unknown option in a bundle");
	expect_error(P("-k"), "option '-k' requires a value", "missing value (short)");
	expect_error(P("--kernel"), "option '--kernel' requires a value", "missing value (long)");
	expect_error(P("-n", "abc"), "option '-n' expects an integer, got 'abc'", "bad integer");
	expect_error(P("-n", "12x"), "got '12x'", "integer with trailing garbage");
	expect_error(P("-n", ""), "expects an integer", "empty integer");
	expect_error(P("-n", "0x"), "expects an integer", "bare 0x");
	expect_error(P("-n", "0x0x5"), "expects an integer", "double 0x prefix");
	expect_error(P("-n", " 5"), "expects an integer", "leading space");
	expect_error(P("--count=99999999999"), "'99999999999' is out of range", "integer out of int range");
	expect_error(P("-u", "-1"), "option '-u' must not be negative, got '-1'", "negative count");
	expect_error(P("-m", "abc"), "option '-m' expects a size such as 512M or 2G, got 'abc'",
		     "bad size");
	expect_error(P("--mem=99999999999999999999G"), "'99999999999999999999G' is zero or too large",
		     "size overflow");
	expect_error(P("--mem="), "expects a size", "empty size");
	expect_error(P("-m", "0"), "zero or too large", "zero size");
	expect_error(P("--alpha=1"), "option '--alpha' takes no value", "value for a boolean");
	expect_error(P("--tick=1"), "option '--tick' takes no value", "value for a NOARG callback");
	expect_error(P("--no-kernel"), "option '--kernel' cannot be negated", "negated string");
	expect_error(P("--no-fixed"), "option '--fixed' cannot be negated", "NONEG callback");
	expect_error(P("--no-alpha=1"), "takes no value", "value for a negation");
	expect_error(P("--kernel", "k", "--count", "1\n2"), "got '1?2'", "newline echoed as '?'");

	struct child c;

	run_child(P("--fail", "x"), 0, &c);
	ok(c.status == 128 && c.err_lines == 2 &&
	   !strcmp(c.err, "lkvm: error: option '--fail' does not like 'x'\nsee 'lkvm test -h'\n"),
	   "failing callback: its message, the hint, exit 128");
	if (c.status != 128)
		diag("status %d, stderr: %s", c.status, c.err);

	run_child(P("-h"), 0, &c);
	ok(c.status == 0 && !c.err[0] && strstr(c.out, "usage: lkvm test") &&
	   strstr(c.out, "Basic options:"), "-h prints usage to stdout, exit 0");
	run_child(P("-a", "--help", "--nosuch"), 0, &c);
	ok(c.status == 0 && strstr(c.out, "Callbacks:"), "--help stops parsing, exit 0");

	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, STDERR_FILENO);
		parse_options_error("test", "too many arguments");
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 128, "parse_options_error exits 128");
}

static void test_usage_text(void)
{
	static const char *const u[] = { "lkvm x [<options>]", NULL };
	static bool b;
	static const char *s;
	static const struct option o[] = {
		OPT_BOOLEAN('q', "quiet", &b, "say less"),
		OPT_GROUP("Group one:"),
		OPT_STRING('k', "kernel", &s, "FILE", "kernel"),
		OPT_STRING(0, "a-very-long-option-name", &s, "VALUE", "two\nlines"),
		OPT_CALLBACK_OPTARG('o', NULL, NULL, "X", "optional", record_cb, NULL),
		OPT_BOOLEAN('z', NULL, &b, NULL),
		{ .type = OPTION_BOOLEAN, .long_name = "hidden", .value = &b,
		  .help = "secret", .flags = PARSE_OPT_HIDDEN },
		OPT_END(),
	};
	const char *want =
		"usage: lkvm x [<options>]\n"
		"\n"
		"    -q, --quiet          say less\n"
		"\n"
		"Group one:\n"
		"    -k, --kernel <FILE>  kernel\n"
		"        --a-very-long-option-name <VALUE>\n"
		"                         two\n"
		"                         lines\n"
		"    -o[<X>]              optional\n"
		"    -z\n";
	char *buf = NULL;
	size_t len;
	FILE *m = open_memstream(&buf, &len);

	print_usage_with_options(m, u, o);
	fclose(m);
	ok(!strcmp(buf, want), "usage listing: groups, alignment, long names, hidden options");
	if (strcmp(buf, want))
		diag("got:\n%s", buf);
	free(buf);
}

static void test_flag_list(void)
{
	static const struct parse_flag flags[] = {
		{ "bpf", 1 }, { "trace", 2 }, { "both", 3 },
	};
	const char *bad = NULL;
	u32 v = 0;

	ok(parse_flag_list("bpf", flags, 3, &v, &bad) == 0 && v == 1, "flag list: one word");
	ok(parse_flag_list("BPF,trace", flags, 3, &v, &bad) == 0 && v == 3,
	   "flag list: two words, case-insensitive");
	ok(parse_flag_list("both,bpf", flags, 3, &v, &bad) == 0 && v == 3, "flag list: overlapping bits");
	ok(parse_flag_list("bpf,nope", flags, 3, &v, &bad) == -1 && !strcmp(bad, "nope"),
	   "flag list: an unknown word is named");
	ok(parse_flag_list("bp", flags, 3, &v, &bad) == -1 && !strcmp(bad, "bp"),
	   "flag list: no prefix matching");
	ok(parse_flag_list("", flags, 3, &v, &bad) == -1 && !strcmp(bad, ""),
	   "flag list: empty list refused");
}

int main(void)
{
	test_flag_list();
	test_booleans();
	test_values();
	test_callbacks();
	test_non_options();
	test_parse_size();
	test_errors();
	test_usage_text();
	return done_testing();
}
