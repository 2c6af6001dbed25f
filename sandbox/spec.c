// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox spec and the rootfs config (see spec.h): encoder and strict
 * parsers, shared by lkvm and its static guest init, so libc only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/spec.h"

bool spec_tag_valid(const char *tag)
{
	size_t n = strlen(tag);

	if (n < 1 || n > SPEC_TAG_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= '0' && tag[i] <= '9') ||
		      tag[i] == '_'))
			return false;
	return true;
}

/* Where encoding goes: bytes past @size are counted but not written. */
struct out {
	char *buf;
	size_t size, len;
};

/* Append @str, with its NUL when @nul. */
static void put(struct out *o, const char *str, bool nul)
{
	for (const char *p = str;; p++) {
		if (!*p && !nul)
			break;
		if (o->len < o->size)
			o->buf[o->len] = *p;
		o->len++;
		if (!*p)
			break;
	}
}

/* Append the record "KEY=VALUE\0". */
static void rec(struct out *o, const char *key, const char *value)
{
	put(o, key, false);
	put(o, "=", false);
	put(o, value, true);
}

static void rec_uint(struct out *o, const char *key, unsigned int v)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", v);
	rec(o, key, num);
}

size_t spec_encode(const struct sandbox_spec *s, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	char tty[3] = { s->stdin_tty ? '1' : '0', s->stdout_tty ? '1' : '0', 0 };

	if (!s->cwd || s->cwd[0] != '/' || s->nr_groups < 0 || s->nr_groups > SPEC_MAX_GROUPS ||
	    s->nr_shares < 0 || s->nr_shares > SPEC_MAX_SHARES || s->nr_args < 0 ||
	    s->nr_args > SPEC_MAX_ARGS || s->uid == ~0u || s->gid == ~0u)
		return 0;
	put(&o, SPEC_MAGIC, true);
	rec(&o, "cwd", s->cwd);
	rec_uint(&o, "uid", s->uid);
	rec_uint(&o, "gid", s->gid);
	for (int i = 0; i < s->nr_groups; i++) {
		if (s->groups[i] == ~0u)
			return 0;
		rec_uint(&o, "group", s->groups[i]);
	}
	if (s->term)
		rec(&o, "term", s->term);
	if (s->home)
		rec(&o, "home", s->home);
	if (s->path)
		rec(&o, "path", s->path);
	if (s->user)
		rec(&o, "user", s->user);
	if (s->shell)
		rec(&o, "shell", s->shell);
	rec(&o, "tty", tty);
	if (s->rows || s->cols) {
		char ws[32];

		if (!s->rows || !s->cols || s->rows > 65535 || s->cols > 65535)
			return 0;
		snprintf(ws, sizeof(ws), "%ux%u", s->rows, s->cols);
		rec(&o, "winsize", ws);
	}
	for (int i = 0; i < s->nr_shares; i++) {
		const struct spec_share *sh = &s->shares[i];

		if (!spec_tag_valid(sh->tag) || !sh->path || sh->path[0] != '/')
			return 0;
		put(&o, "share=", false);
		put(&o, sh->tag, false);
		put(&o, ":", false);
		put(&o, sh->path, true);
	}
	for (int i = 0; i < s->nr_args; i++) {
		if (!s->args[i])
			return 0;
		rec(&o, "arg", s->args[i]);
	}
	return o.len;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A decimal below 2^32 - 1, digits only. */
static int parse_id(const char *v, unsigned int *out)
{
	unsigned long long n = 0;

	if (!*v || strlen(v) > 10)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (unsigned int)(*v - '0');
	}
	if (n >= 0xffffffffULL)
		return -1;
	*out = (unsigned int)n;
	return 0;
}

/* Set a string value once; a second record for the key is an error. */
static int once(const char **slot, const char *v, const char *key, char *err, size_t errlen)
{
	if (*slot)
		return fail(err, errlen, "spec: a second '%s' record", key);
	*slot = v;
	return 0;
}

int spec_parse(const char *buf, size_t len, struct sandbox_spec *s, char *err, size_t errlen)
{
	size_t off, n;
	bool have_uid = false, have_gid = false, have_tty = false;
	int nrec = 0;

	memset(s, 0, sizeof(*s));
	if (!len || buf[len - 1])
		return fail(err, errlen, "spec: empty or not ending in a NUL byte");
	n = strlen(buf);
	if (n != strlen(SPEC_MAGIC) || memcmp(buf, SPEC_MAGIC, n))
		return fail(err, errlen, "spec: does not start with \"%s\"", SPEC_MAGIC);
	for (off = n + 1; off < len; off += n + 1) {
		const char *r = buf + off, *eq = strchr(r, '='), *v;
		size_t klen;

		n = strlen(r);
		nrec++;
		if (!eq)
			return fail(err, errlen, "spec: record %d has no '='", nrec);
		klen = (size_t)(eq - r);
		v = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(r, k, klen))
		if (KEY("cwd")) {
			if (v[0] != '/')
				return fail(err, errlen, "spec: cwd '%.64s' is not absolute", v);
			if (once(&s->cwd, v, "cwd", err, errlen))
				return -1;
		} else if (KEY("uid") || KEY("gid")) {
			bool *have = KEY("uid") ? &have_uid : &have_gid;

			if (*have)
				return fail(err, errlen, "spec: a second '%.3s' record", r);
			if (parse_id(v, KEY("uid") ? &s->uid : &s->gid))
				return fail(err, errlen, "spec: %.3s '%.32s' is not a number below 2^32-1",
					    r, v);
			*have = true;
		} else if (KEY("group")) {
			if (s->nr_groups >= SPEC_MAX_GROUPS)
				return fail(err, errlen, "spec: more than %d groups", SPEC_MAX_GROUPS);
			if (parse_id(v, &s->groups[s->nr_groups]))
				return fail(err, errlen, "spec: group '%.32s' is not a number below 2^32-1",
					    v);
			s->nr_groups++;
		} else if (KEY("term")) {
			if (once(&s->term, v, "term", err, errlen))
				return -1;
		} else if (KEY("home")) {
			if (once(&s->home, v, "home", err, errlen))
				return -1;
		} else if (KEY("path")) {
			if (once(&s->path, v, "path", err, errlen))
				return -1;
		} else if (KEY("user")) {
			if (once(&s->user, v, "user", err, errlen))
				return -1;
		} else if (KEY("shell")) {
			if (once(&s->shell, v, "shell", err, errlen))
				return -1;
		} else if (KEY("tty")) {
			if (have_tty || strlen(v) != 2 || (v[0] != '0' && v[0] != '1') ||
			    (v[1] != '0' && v[1] != '1'))
				return fail(err, errlen, "spec: tty '%.8s': expected one of 00 01 10 11 once",
					    v);
			s->stdin_tty = v[0] == '1';
			s->stdout_tty = v[1] == '1';
			have_tty = true;
		} else if (KEY("winsize")) {
			const char *x = strchr(v, 'x');
			char num[12];

			if (s->rows || !x || x == v || (size_t)(x - v) >= sizeof(num))
				return fail(err, errlen, "spec: winsize '%.32s': expected ROWSxCOLS once", v);
			memcpy(num, v, (size_t)(x - v));
			num[x - v] = 0;
			if (parse_id(num, &s->rows) || parse_id(x + 1, &s->cols) || !s->rows ||
			    !s->cols || s->rows > 65535 || s->cols > 65535)
				return fail(err, errlen, "spec: winsize '%.32s': sizes of 1 to 65535", v);
		} else if (KEY("share")) {
			const char *colon = strchr(v, ':');
			struct spec_share *sh = &s->shares[s->nr_shares];
			size_t tlen = colon ? (size_t)(colon - v) : 0;

			if (s->nr_shares >= SPEC_MAX_SHARES)
				return fail(err, errlen, "spec: more than %d shares", SPEC_MAX_SHARES);
			if (!colon || tlen > SPEC_TAG_MAX || colon[1] != '/')
				return fail(err, errlen, "spec: share '%.64s': expected TAG:/PATH", v);
			memcpy(sh->tag, v, tlen);
			sh->tag[tlen] = 0;
			if (!spec_tag_valid(sh->tag))
				return fail(err, errlen, "spec: share tag '%s' is not 1-%d of [a-z0-9_]",
					    sh->tag, SPEC_TAG_MAX);
			sh->path = colon + 1;
			s->nr_shares++;
		} else if (KEY("arg")) {
			if (s->nr_args >= SPEC_MAX_ARGS)
				return fail(err, errlen, "spec: more than %d arguments", SPEC_MAX_ARGS);
			s->args[s->nr_args++] = v;
		} else {
			return fail(err, errlen, "spec: unknown record '%.*s'", (int)(klen < 32 ? klen : 32), r);
		}
#undef KEY
	}
	if (!s->cwd || !have_uid || !have_gid)
		return fail(err, errlen, "spec: %s missing", !s->cwd ? "cwd" : !have_uid ? "uid" : "gid");
	s->args[s->nr_args] = NULL;
	return 0;
}

int rootfs_conf_parse(char *buf, size_t len, struct rootfs_conf *c, char *err, size_t errlen)
{
	size_t off = 0;
	int line = 0;

	memset(c, 0, sizeof(*c));
	while (off < len) {
		char *l = buf + off, *nl = memchr(l, '\n', len - off);
		size_t n = nl ? (size_t)(nl - l) : len - off;
		const char *p;

		line++;
		if (memchr(l, 0, n))
			return fail(err, errlen, "line %d: a NUL byte", line);
		if (!nl)
			return fail(err, errlen, "line %d: not ending in a newline", line);
		*nl = 0;
		off += n + 1;
		if (!n || l[0] == '#')
			continue;
		if (strncmp(l, "bind ", 5))
			return fail(err, errlen, "line %d: expected 'bind /PATH' or a # comment", line);
		p = l + 5;
		if (p[0] != '/')
			return fail(err, errlen, "line %d: '%.64s' is not an absolute path", line, p);
		for (const char *q = p; (q = strstr(q, "..")); q += 2)
			if (q[-1] == '/' && (q[2] == '/' || !q[2]))
				return fail(err, errlen, "line %d: '%.64s' has a '..' component", line,
					    p);
		if (c->nr_binds >= ROOTFS_MAX_BINDS)
			return fail(err, errlen, "line %d: more than %d binds", line,
				    ROOTFS_MAX_BINDS);
		c->binds[c->nr_binds++] = p;
	}
	return 0;
}
