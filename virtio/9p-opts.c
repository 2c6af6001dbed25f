// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of lkvm run's --9p HOSTDIR[,TAG][,ro] (virtio/9p-opts.h).
 * A path containing a comma cannot be given.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/util.h"
#include "virtio/9p-opts.h"

static bool tag_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* The default tag: the directory's own name, made a valid tag. */
static void derive_tag(const char *path, char *tag)
{
	char *real = realpath(path, NULL);
	const char *p = real ? real : path, *end = p + strlen(p), *base;
	size_t n = 0;

	while (end > p + 1 && end[-1] == '/')
		end--;
	base = end;
	while (base > p && base[-1] != '/')
		base--;
	if (base == end || (end - base == 1 && *base == '/')) {
		strcpy(tag, "root");
	} else {
		for (const char *c = base; c < end && n < P9_TAG_MAX; c++)
			tag[n++] = tag_char(*c) ? *c : '_';
		tag[n] = 0;
	}
	free(real);
}

int p9_opts_parse(const char *arg, struct p9_share_opts *o)
{
	char *tok, *save = NULL;

	memset(o, 0, sizeof(*o));
	if (!arg || !*arg || *arg == ',') {
		pr_err("--9p '%s': give a host directory (HOSTDIR[,TAG][,ro])", arg ? arg : "");
		return -1;
	}
	o->buf = xstrdup(arg);
	o->path = strtok_r(o->buf, ",", &save);
	while ((tok = strtok_r(NULL, ",", &save))) {
		size_t len = strlen(tok);

		if (!strcmp(tok, "ro")) {
			o->ro = true;
			continue;
		}
		if (o->tag_given) {
			pr_err("--9p '%s': more than one tag ('%s' and '%s'); expected HOSTDIR[,TAG][,ro]",
			       arg, o->tag, tok);
			goto fail;
		}
		if (len > P9_TAG_MAX || strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != len) {
			pr_err("--9p '%s': tag '%s' must be 1 to %d characters from A-Z a-z 0-9 . _ -",
			       arg, tok, P9_TAG_MAX);
			goto fail;
		}
		memcpy(o->tag, tok, len + 1);
		o->tag_given = true;
	}
	if (!o->tag_given)
		derive_tag(o->path, o->tag);
	return 0;
fail:
	p9_opts_free(o);
	return -1;
}

void p9_opts_free(struct p9_share_opts *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int p9_check_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		pr_err("--9p %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_err("--9p %s: not a directory (share a directory; a disk image goes to -d)", path);
		return -1;
	}
	if (access(path, R_OK | X_OK) < 0) {
		pr_err("--9p %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
