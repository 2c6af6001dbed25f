// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox spec and rootfs config (sandbox/spec.c): a full spec
 * encodes and parses back to the same values, arguments with spaces,
 * newlines and '=' survive, measuring with a short buffer; every kind of
 * malformed spec and config is refused with a reason.
 */
#include <string.h>

#include "sandbox/spec.h"
#include "tests/tap.h"

static char buf[65536];

/* Parse the @len bytes of @text; expect failure whose reason has @why. */
static void bad(const char *text, size_t len, const char *why, const char *name)
{
	struct sandbox_spec s;
	char err[128] = "";
	int r = spec_parse(text, len, &s, err, sizeof(err));

	ok(r == -1 && strstr(err, why), "refused: %s (%s)", name, err);
}

#define M SPEC_MAGIC "\0"
#define MIN_SPEC M "cwd=/\0uid=0\0gid=0\0"
#define BAD(lit, why, name) bad(lit, sizeof(lit) - 1, why, name)

static void bad_conf(const char *text, const char *why, const char *name)
{
	struct rootfs_conf c;
	char copy[256], err[128] = "";
	size_t len = strlen(text);
	int r;

	memcpy(copy, text, len);
	r = rootfs_conf_parse(copy, len, &c, err, sizeof(err));
	ok(r == -1 && strstr(err, why), "config refused: %s (%s)", name, err);
}

int main(void)
{
	static struct sandbox_spec in, out;
	char err[128];
	size_t n, m;
	int r;

	in.cwd = "/home/u/linux";
	in.uid = 1000;
	in.gid = 1001;
	in.groups[0] = 27;
	in.groups[1] = 4294967294u;
	in.nr_groups = 2;
	in.term = "xterm-256color";
	in.home = "/home/u";
	in.path = "/usr/bin:/bin";
	in.user = "u";
	in.shell = "/bin/bash";
	in.stdout_tty = true;
	in.rows = 50;
	in.cols = 132;
	strcpy(in.shares[0].tag, "rw0");
	in.shares[0].path = "/home/u/linux";
	strcpy(in.shares[1].tag, "rw1");
	in.shares[1].path = "/tmp/with:colon and space";
	in.nr_shares = 2;
	in.args[0] = "sh";
	in.args[1] = "-c";
	in.args[2] = "echo a=b; printf '%s\\n' \"x  y\"\nexit 7";
	in.args[3] = "";
	in.nr_args = 4;

	n = spec_encode(&in, NULL, 0);
	ok(n > 0 && n < sizeof(buf), "measuring gives the length: %zu", n);
	m = spec_encode(&in, buf, 10);
	is_int(m, n, "a short buffer gives the same length");
	memset(buf, 'x', sizeof(buf));
	is_int(spec_encode(&in, buf, sizeof(buf)), n, "encoding writes that many bytes");
	ok(buf[n] == 'x' && buf[n - 1] == 0, "and not one more; it ends in NUL");
	r = spec_parse(buf, n, &out, err, sizeof(err));
	ok(r == 0, "it parses back (%s)", r ? err : "ok");
	is_str(out.cwd, "/home/u/linux", "cwd");
	ok(out.uid == 1000 && out.gid == 1001, "uid and gid");
	ok(out.nr_groups == 2 && out.groups[0] == 27 && out.groups[1] == 4294967294u,
	   "both groups, in order, the largest id too");
	is_str(out.term, "xterm-256color", "term");
	is_str(out.home, "/home/u", "home");
	is_str(out.path, "/usr/bin:/bin", "path");
	is_str(out.user, "u", "user");
	is_str(out.shell, "/bin/bash", "shell");
	ok(!out.stdin_tty && out.stdout_tty, "tty flags: stdin no, stdout yes");
	ok(out.rows == 50 && out.cols == 132, "winsize 50x132");
	ok(out.nr_shares == 2 && !strcmp(out.shares[0].tag, "rw0") &&
	   !strcmp(out.shares[0].path, "/home/u/linux"), "share rw0");
	ok(!strcmp(out.shares[1].tag, "rw1") &&
	   !strcmp(out.shares[1].path, "/tmp/with:colon and space"),
	   "share rw1: a path with ':' and a space");
	is_int(out.nr_args, 4, "four arguments");
	ok(!strcmp(out.args[2], in.args[2]), "an argument with '=', quotes and a newline");
	is_str(out.args[3], "", "an empty argument");
	ok(out.args[4] == NULL, "argv is NULL-terminated");

	memset(&in, 0, sizeof(in));
	in.cwd = "/";
	n = spec_encode(&in, buf, sizeof(buf));
	ok(n > 0 && spec_parse(buf, n, &out, err, sizeof(err)) == 0 && out.nr_args == 0 &&
	   !out.term && !out.home && !out.nr_shares && !out.rows && !out.cols,
	   "a minimal spec: no command (a shell), optional values absent");
	in.cwd = "relative";
	is_int(spec_encode(&in, buf, sizeof(buf)), 0, "encode refuses a relative cwd");
	in.cwd = "/";
	strcpy(in.shares[0].tag, "Bad-Tag");
	in.shares[0].path = "/x";
	in.nr_shares = 1;
	is_int(spec_encode(&in, buf, sizeof(buf)), 0, "encode refuses a bad share tag");
	in.nr_shares = 0;
	in.uid = ~0u;
	is_int(spec_encode(&in, buf, sizeof(buf)), 0, "encode refuses uid -1");

	ok(spec_parse(MIN_SPEC, sizeof(MIN_SPEC) - 1, &out, err, sizeof(err)) == 0,
	   "the minimal literal parses");
	bad("", 0, "empty", "no bytes");
	BAD(MIN_SPEC "arg=x", "NUL", "a last record without NUL");
	BAD("lkvm-sandbox-spec 2\0cwd=/\0uid=0\0gid=0\0", "does not start", "another version");
	BAD(M "uid=0\0gid=0\0", "cwd missing", "no cwd");
	BAD(M "cwd=/\0gid=0\0", "uid missing", "no uid");
	BAD(M "cwd=/\0uid=0\0", "gid missing", "no gid");
	BAD(MIN_SPEC "cwd=/tmp\0", "second 'cwd'", "two cwds");
	BAD(MIN_SPEC "uid=1\0", "second 'uid'", "two uids");
	BAD(MIN_SPEC "term=a\0term=b\0", "second 'term'", "two terms");
	BAD(M "cwd=tmp\0uid=0\0gid=0\0", "not absolute", "a relative cwd");
	BAD(M "cwd=/\0uid=-1\0gid=0\0", "not a number", "a negative uid");
	BAD(M "cwd=/\0uid=4294967295\0gid=0\0", "not a number", "uid 2^32-1");
	BAD(M "cwd=/\0uid=99999999999\0gid=0\0", "not a number", "a uid past 32 bits");
	BAD(M "cwd=/\0uid=1x\0gid=0\0", "not a number", "trailing junk in a uid");
	BAD(M "cwd=/\0uid=\0gid=0\0", "not a number", "an empty uid");
	BAD(MIN_SPEC "group=x\0", "not a number", "a bad group");
	BAD(MIN_SPEC "noequals\0", "no '='", "a record without '='");
	BAD(MIN_SPEC "color=red\0", "unknown record", "an unknown key");
	BAD(MIN_SPEC "=x\0", "unknown record", "an empty key");
	BAD(MIN_SPEC "tty=2\0", "tty", "a bad tty value");
	BAD(MIN_SPEC "tty=11\0tty=00\0", "tty", "two tty records");
	BAD(MIN_SPEC "winsize=24\0", "ROWSxCOLS", "a winsize without x");
	BAD(MIN_SPEC "winsize=x80\0", "ROWSxCOLS", "a winsize without rows");
	BAD(MIN_SPEC "winsize=0x80\0", "1 to 65535", "a winsize of 0 rows");
	BAD(MIN_SPEC "winsize=24x70000\0", "1 to 65535", "a winsize past 65535");
	BAD(MIN_SPEC "winsize=24x80\0winsize=24x80\0", "once", "two winsizes");
	BAD(MIN_SPEC "share=rw0\0", "TAG:/PATH", "a share without a path");
	BAD(MIN_SPEC "share=rw0:rel\0", "TAG:/PATH", "a share with a relative path");
	BAD(MIN_SPEC "share=:/x\0", "tag", "a share with an empty tag");
	BAD(MIN_SPEC "share=RW:/x\0", "tag", "a share with capitals in its tag");
	BAD(MIN_SPEC "share=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:/x\0", "TAG:/PATH",
	    "a share tag of 40 characters");
	BAD(M "\0cwd=/\0uid=0\0gid=0\0", "no '='", "an empty record");

	/* Limits: one more group than allowed. */
	n = 0;
	memcpy(buf, MIN_SPEC, sizeof(MIN_SPEC) - 1);
	n = sizeof(MIN_SPEC) - 1;
	for (int i = 0; i <= SPEC_MAX_GROUPS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "group=%d", i) + 1;
	bad(buf, n, "more than", "too many groups");
	n = sizeof(MIN_SPEC) - 1;
	for (int i = 0; i <= SPEC_MAX_SHARES; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "share=s%d:/", i) + 1;
	bad(buf, n, "more than", "too many shares");

	/* The rootfs config. */
	{
		char conf[] = "# binds\n\nbind /usr\nbind /lib64\n";
		struct rootfs_conf c;

		r = rootfs_conf_parse(conf, strlen(conf), &c, err, sizeof(err));
		ok(r == 0 && c.nr_binds == 2 && !strcmp(c.binds[0], "/usr") &&
		   !strcmp(c.binds[1], "/lib64"), "config: comments, blank lines, two binds");
		r = rootfs_conf_parse(conf, 0, &c, err, sizeof(err));
		ok(r == 0 && c.nr_binds == 0, "config: an empty file binds nothing");
	}
	bad_conf("bind usr\n", "absolute", "a relative bind");
	bad_conf("bind /usr/../etc\n", "'..'", "a bind with ..");
	bad_conf("bind /usr/..\n", "'..'", "a bind ending in ..");
	bad_conf("mount /usr\n", "expected", "an unknown keyword");
	bad_conf("bind /usr", "newline", "a last line without newline");
	{
		char conf[] = "bind /a\0b\n";
		struct rootfs_conf c;

		ok(rootfs_conf_parse(conf, sizeof(conf) - 1, &c, err, sizeof(err)) == -1 &&
		   strstr(err, "NUL"), "config refused: a NUL byte (%s)", err);
	}
	{
		char conf[2048] = "";
		struct rootfs_conf c;

		for (int i = 0; i <= ROOTFS_MAX_BINDS; i++)
			strcat(conf, "bind /x\n");
		ok(rootfs_conf_parse(conf, strlen(conf), &c, err, sizeof(err)) == -1 &&
		   strstr(err, "more than"), "config refused: too many binds (%s)", err);
	}
	{
		char conf[] = "bind /a..b\n";
		struct rootfs_conf c;

		ok(rootfs_conf_parse(conf, strlen(conf), &c, err, sizeof(err)) == 0,
		   "config: '..' inside a name is fine");
	}
	return done_testing();
}
