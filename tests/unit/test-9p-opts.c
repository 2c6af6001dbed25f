// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/9p-opts.c: every form of --9p HOSTDIR[,TAG][,ro], the derived
 * default tags, and the refused forms, each with exactly one error line
 * that names the argument; p9_check_dir() for missing paths and files.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/log.h"
#include "virtio/9p-opts.h"

static char errbuf[4096];

/* Parse @arg with stderr captured into errbuf. Returns the parser's result. */
static int parse(const char *arg, struct p9_share_opts *o)
{
	FILE *f = tmpfile();
	int saved = dup(2), r;
	size_t n;

	fflush(stderr);
	dup2(fileno(f), 2);
	r = p9_opts_parse(arg, o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, f);
	errbuf[n] = 0;
	fclose(f);
	return r;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A refused argument: -1, nothing kept, one line naming it. */
static int refused(const char *arg)
{
	struct p9_share_opts o;
	int r = parse(arg, &o);

	if (r == 0)
		p9_opts_free(&o);
	if (!(r < 0 && !o.buf && lines(errbuf) == 1 && (!*arg || strstr(errbuf, arg))))
		diag("  '%s' gave %d: %s", arg, r, errbuf);
	return r < 0 && !o.buf && lines(errbuf) == 1 && (!*arg || strstr(errbuf, arg));
}

int main(void)
{
	struct p9_share_opts o;

	log_level = LOG_ERROR;
	ok(parse("/srv/data", &o) == 0 && !strcmp(o.path, "/srv/data") && !strcmp(o.tag, "data") &&
	   !o.ro && !o.tag_given && !*errbuf, "HOSTDIR: tag from its name");
	p9_opts_free(&o);
	ok(!o.buf, "p9_opts_free releases and clears");
	ok(parse("/srv/data,share1", &o) == 0 && !strcmp(o.tag, "share1") && o.tag_given && !o.ro,
	   "HOSTDIR,TAG");
	p9_opts_free(&o);
	ok(parse("/srv/data,ro", &o) == 0 && !strcmp(o.tag, "data") && o.ro, "HOSTDIR,ro");
	p9_opts_free(&o);
	ok(parse("/srv/data,t.1-x_y,ro", &o) == 0 && !strcmp(o.tag, "t.1-x_y") && o.ro, "HOSTDIR,TAG,ro");
	p9_opts_free(&o);
	ok(parse("/srv/data,ro,t", &o) == 0 && !strcmp(o.tag, "t") && o.ro, "HOSTDIR,ro,TAG");
	p9_opts_free(&o);
	ok(parse("/srv/data/", &o) == 0 && !strcmp(o.tag, "data"), "a trailing slash");
	p9_opts_free(&o);
	ok(parse("/", &o) == 0 && !strcmp(o.tag, "root"), "/ gets the tag root");
	p9_opts_free(&o);
	ok(parse("/srv/my dir+x", &o) == 0 && !strcmp(o.tag, "my_dir_x"), "other characters become _");
	p9_opts_free(&o);
	ok(parse("/srv/abcdefghijklmnopqrstuvwxyz0123456789", &o) == 0 && strlen(o.tag) == P9_TAG_MAX,
	   "a long name is cut to %d characters", P9_TAG_MAX);
	p9_opts_free(&o);
	{
		char cwd[4096], *base;

		ok(getcwd(cwd, sizeof(cwd)) && parse(".", &o) == 0 &&
		   (base = strrchr(cwd, '/')) && !strncmp(o.tag, base + 1, P9_TAG_MAX) &&
		   strcmp(o.tag, "."), ". gets the current directory's name ('%s')", o.tag);
		p9_opts_free(&o);
	}
	ok(parse("/srv/data,,ro", &o) == 0 && o.ro, "empty fields are skipped");
	p9_opts_free(&o);
	ok(parse("/srv/data,abcdefghijklmnopqrstuvwxyz012345", &o) == 0 && strlen(o.tag) == 32,
	   "a 32-character tag");
	p9_opts_free(&o);

	ok(refused(""), "no directory");
	ok(refused(",tag"), "no directory before the tag");
	ok(refused("/srv/data,a,b"), "two tags");
	ok(refused("/srv/data,a/b"), "a tag with /");
	ok(refused("/srv/data,a b"), "a tag with a space");
	ok(refused("/srv/data,abcdefghijklmnopqrstuvwxyz0123456"), "a 33-character tag");
	ok(parse("/srv/data,rw", &o) == 0 && !strcmp(o.tag, "rw") && !o.ro, "rw is a tag, not a flag");
	p9_opts_free(&o);
	ok(refused("/srv/data,rw,x"), "... so /srv/data,rw,x has two tags");

	quiet(true);
	ok(p9_check_dir("/") == 0, "p9_check_dir: a directory");
	ok(p9_check_dir("/nonexistent-lkvm-9p") < 0, "a missing directory is refused");
	ok(p9_check_dir("/dev/null") < 0, "a device is refused");
	quiet(false);
	return done_testing();
}
