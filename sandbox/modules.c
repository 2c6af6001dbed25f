// SPDX-License-Identifier: GPL-2.0
/*
 * Module load order from modules.dep (see modules.h): a depth-first walk,
 * each module after its dependencies, each once.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/modules.h"
#include "util/util.h"

#define NAME_MAX_ 64

void mod_name(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = base[i] == '-' ? '_' : base[i];
	buf[n] = 0;
}

/* One modules.dep line, split: the module's path and its deps' text. */
struct dep_line {
	char name[NAME_MAX_];
	char *path;		/* NUL-terminated copy */
	char *deps;		/* space-separated paths */
	int state;		/* 0 unvisited, 1 visiting, 2 done */
};

struct walk {
	struct dep_line *lines;
	int nr;
	struct mod_list *out;
	char *err;
	size_t errlen;
};

static struct dep_line *find(struct walk *w, const char *name)
{
	for (int i = 0; i < w->nr; i++)
		if (!strcmp(w->lines[i].name, name))
			return &w->lines[i];
	return NULL;
}

static int visit(struct walk *w, struct dep_line *l, int depth)
{
	char *deps, *save = NULL;

	if (l->state == 2)
		return 0;
	if (l->state == 1 || depth > MODS_MAX)
		return set_err(w->err, w->errlen, "module %s: a dependency cycle in modules.dep",
			       l->name);
	l->state = 1;
	deps = xstrdup(l->deps);
	for (char *d = strtok_r(deps, " \t", &save); d; d = strtok_r(NULL, " \t", &save)) {
		char name[NAME_MAX_];
		struct dep_line *dl;

		mod_name(d, name, sizeof(name));
		dl = find(w, name);
		if (!dl) {
			set_err(w->err, w->errlen, "module %s needs %s, which modules.dep lacks",
				l->name, d);
			free(deps);
			return -1;
		}
		if (visit(w, dl, depth + 1) < 0) {
			free(deps);
			return -1;
		}
	}
	free(deps);
	l->state = 2;
	if (w->out->nr >= MODS_MAX)
		return set_err(w->err, w->errlen, "more than %d modules needed", MODS_MAX);
	w->out->paths[w->out->nr++] = xstrdup(l->path);
	return 0;
}

/* Is @name listed in modules.builtin (@text)? */
static bool builtin_has(const char *text, size_t len, const char *name)
{
	size_t off = 0;

	while (text && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		char line[512], m[NAME_MAX_];

		if (n < sizeof(line)) {
			memcpy(line, text + off, n);
			line[n] = 0;
			mod_name(line, m, sizeof(m));
			if (!strcmp(m, name))
				return true;
		}
		off += n + 1;
	}
	return false;
}

int modules_resolve(const char *dep, size_t dep_len, const char *builtin, size_t builtin_len,
		    const char *const *required, const char *const *optional,
		    struct mod_list *out, char *err, size_t errlen)
{
	struct walk w = { .out = out, .err = err, .errlen = errlen };
	char *text = xmalloc(dep_len + 1), *save = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	memcpy(text, dep, dep_len);
	text[dep_len] = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		struct dep_line *l;

		if (!colon)
			continue;
		*colon = 0;
		w.lines = xrealloc(w.lines, (size_t)(w.nr + 1) * sizeof(*w.lines));
		l = &w.lines[w.nr++];
		memset(l, 0, sizeof(*l));
		mod_name(line, l->name, sizeof(l->name));
		l->path = line;
		l->deps = colon + 1;
	}
	for (int pass = 0; pass < 2 && !ret; pass++) {
		const char *const *names = pass ? optional : required;

		for (int i = 0; names && names[i] && !ret; i++) {
			char name[NAME_MAX_];
			struct dep_line *l;

			mod_name(names[i], name, sizeof(name));
			if (builtin_has(builtin, builtin_len, name))
				continue;
			l = find(&w, name);
			if (l)
				ret = visit(&w, l, 0);
			else if (!pass)
				ret = set_err(err, errlen,
					      "module %s is neither built in (modules.builtin) nor in modules.dep",
					      name);
		}
	}
	free(w.lines);
	free(text);
	if (ret)
		mod_list_free(out);
	return ret;
}

void mod_list_free(struct mod_list *l)
{
	for (int i = 0; i < l->nr; i++)
		free(l->paths[i]);
	l->nr = 0;
}
