// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm list`: the guests of this user, from the sockets in the control
 * directory, each asked for its INFO (Documentation/control-protocol.txt).
 * A table by default, JSON (RFC 8259) with --json.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "net/opts.h"
#include "sandbox/rootfs.h"	/* --rootfs */
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"

/* One row: a live guest (@live, @info valid), a stale socket, or a socket
 * that could not be asked (@error set). */
struct row {
	const struct ctl_entry *e;
	bool live, stale;
	const char *error;
	struct ctl_info info;
};

/* Ask the guest behind @r->e for its INFO. */
static void query(struct row *r)
{
	struct ctl_request rq = { .type = CTL_T_INFO, .id = 1 };
	struct ctl_reply rep;
	int fd = ctl_connect_path(r->e->path), ret;

	if (fd == -ECONNREFUSED) {
		r->stale = true;
		return;
	}
	if (fd < 0) {
		r->error = strerror(-fd);
		return;
	}
	ret = ctl_call(fd, &rq, &rep, CTL_TIMEOUT_MS);
	if (ret < 0)
		r->error = strerror(-ret);
	else if (rep.hdr.status < 0)
		r->error = strerror(-rep.hdr.status);
	else if (ctl_info_decode(rep.data, rep.len, &r->info) < 0)
		r->error = "malformed reply";
	else
		r->live = true;
	ctl_reply_free(&rep);
	close(fd);
}

/* "512M", "2G", "1536M": RAM sizes are whole MiB. */
static void fmt_mem(char *buf, size_t size, u64 bytes)
{
	if (bytes && !(bytes % SZ_1G))
		snprintf(buf, size, "%lluG", (unsigned long long)(bytes / SZ_1G));
	else
		snprintf(buf, size, "%lluM", (unsigned long long)(bytes / SZ_1M));
}

/* "42s", "3m07s", "2h05m", "3d04h". */
static void fmt_uptime(char *buf, size_t size, u64 ns)
{
	u64 s = ns / 1000000000ULL;

	if (s < 60)
		snprintf(buf, size, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
	else
		snprintf(buf, size, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24));
}

static void print_table(const struct row *rows, int n)
{
	int w = 4;

	for (int i = 0; i < n; i++)
		w = MAX(w, (int)strlen(rows[i].e->name));
	printf("%-*s  %7s  %-7s  %5s  %6s  %7s  %s\n", w, "NAME", "PID", "STATE", "VCPUS",
	       "MEMORY", "UPTIME", "KERNEL");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char mem[32], up[32];

		if (!r->live) {
			printf("%-*s  %7s  %-7s  %5s  %6s  %7s  %s\n", w, r->e->name, "-",
			       r->stale ? "stale" : "unknown", "-", "-", "-",
			       r->stale ? r->e->path : r->error);
			continue;
		}
		fmt_mem(mem, sizeof(mem), r->info.ram_size);
		fmt_uptime(up, sizeof(up), r->info.uptime_ns);
		printf("%-*s  %7u  %-7s  %5u  %6s  %7s  %s\n", w, r->e->name, r->info.pid,
		       r->info.state == CTL_STATE_PAUSED ? "paused" : "running",
		       r->info.nr_vcpus, mem, up, r->info.kernel);
	}
}

/* @s as a JSON string: quotes, backslashes and controls escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const struct row *rows, int n)
{
	printf("[");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%s\n  {\"name\": ", i ? "," : "");
		json_str(r->e->name);
		if (r->live) {
			printf(", \"pid\": %u, \"state\": \"%s\", \"vcpus\": %u, \"memory\": %llu, "
			       "\"uptime\": %.3f, \"kernel\": ", r->info.pid,
			       r->info.state == CTL_STATE_PAUSED ? "paused" : "running",
			       r->info.nr_vcpus, (unsigned long long)r->info.ram_size,
			       r->info.uptime_ns / 1e9);
			json_str(r->info.kernel);
			printf(", \"macs\": [");
			for (u32 m = 0; m < r->info.nr_macs; m++) {
				char mac[18];

				net_mac_format(r->info.macs[m], mac);
				printf("%s\"%s\"", m ? ", " : "", mac);
			}
			printf("]");
		} else {
			printf(", \"state\": \"%s\"", r->stale ? "stale" : "unknown");
			if (r->error) {
				printf(", \"error\": ");
				json_str(r->error);
			}
		}
		printf(", \"socket\": ");
		json_str(r->e->path);
		printf("}");
	}
	printf("%s]\n", n ? "\n" : "");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --rootfs: the rootfs directories of lkvm setup, sorted by name. */
static int list_rootfs(bool json)
{
	char base[CTL_SUN_PATH_MAX + 16];
	struct dirent *de;
	char **names = NULL;
	int n = 0;
	DIR *d;

	if (rootfs_base(base, sizeof(base)) < 0) {
		pr_err("no state directory: set XDG_RUNTIME_DIR or HOME");
		return 1;
	}
	d = opendir(base);
	if (!d && errno != ENOENT) {
		pr_err("cannot read %s: %s", base, strerror(errno));
		return 1;
	}
	while (d && (de = readdir(d))) {
		struct stat st;

		if (!ctl_name_valid(de->d_name) ||
		    (de->d_type != DT_DIR && (de->d_type != DT_UNKNOWN ||
		     fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(st.st_mode))))
			continue;
		names = xrealloc(names, (size_t)(n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
	if (json)
		printf("[");
	else
		printf("%-20s  %s\n", "NAME", "PATH");
	for (int i = 0; i < n; i++) {
		char path[sizeof(base) + CTL_NAME_MAX + 2];

		snprintf(path, sizeof(path), "%s/%s", base, names[i]);
		if (json) {
			printf("%s\n  {\"name\": ", i ? "," : "");
			json_str(names[i]);
			printf(", \"path\": ");
			json_str(path);
			printf("}");
		} else {
			printf("%-20s  %s\n", names[i], path);
		}
		free(names[i]);
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	free(names);
	return 0;
}

int cmd_list(int argc, const char **argv)
{
	static const char *const usage[] = { "lkvm list [--all] [--json]",
					     "lkvm list --rootfs [--json]", NULL };
	bool all = false, json = false, rootfs = false;
	const struct option opts[] = {
		OPT_BOOLEAN('a', "all", &all, "also list stale sockets left by crashed lkvm processes"),
		OPT_BOOLEAN(0, "json", &json, "print a JSON array instead of a table"),
		OPT_BOOLEAN(0, "rootfs", &rootfs, "list the rootfs directories of lkvm setup instead"),
		OPT_END(),
	};
	char dir[CTL_SUN_PATH_MAX];
	struct ctl_entry *ents;
	struct row *rows;
	int n, nrows = 0;

	if (parse_options(argc, argv, opts, usage, 0) > 0)
		parse_options_error("list", "unexpected argument '%s'", argv[0]);
	if (rootfs)
		return list_rootfs(json);
	if (ctl_sock_dir(dir, sizeof(dir)) < 0) {
		pr_err("no socket directory: set XDG_RUNTIME_DIR or HOME");
		return 1;
	}
	n = ctl_list(dir, &ents);
	if (n < 0) {
		pr_err("cannot read %s: %s", dir, strerror(errno));
		return 1;
	}
	rows = xzalloc((n + 1) * sizeof(*rows));
	for (int i = 0; i < n; i++) {
		struct row *r = &rows[nrows];

		r->e = &ents[i];
		query(r);
		/* A guest that ended while we asked is not worth a row. */
		if (r->error && !strcmp(r->error, strerror(ENOENT)))
			continue;
		if (r->stale && !all)
			continue;
		nrows++;
	}
	if (json)
		print_json(rows, nrows);
	else
		print_table(rows, nrows);
	free(rows);
	free(ents);
	return 0;
}
