// SPDX-License-Identifier: GPL-2.0
/*
 * Rootfs directories and the argv that boots one (see rootfs.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"
#include "sandbox/initramfs.h"
#include "sandbox/rootfs.h"
#include "util/ctl-client.h"
#include "util/exit-status.h"
#include "util/log.h"

int rootfs_base(char *buf, size_t size)
{
	char dir[PATH_MAX];

	if (ctl_sock_dir(dir, sizeof(dir)) < 0)
		return -1;
	if ((size_t)snprintf(buf, size, "%s/rootfs", dir) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int rootfs_path(const char *name, char *buf, size_t size)
{
	char base[PATH_MAX];

	if (!ctl_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	if (rootfs_base(base, sizeof(base)) < 0)
		return -1;
	if ((size_t)snprintf(buf, size, "%s/%s", base, name) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int rootfs_run_argv(int argc, const char **argv, struct runargs *out)
{
	struct user_opts o;
	char err[256], dir[PATH_MAX], initrd[PATH_MAX], searched[1024];
	const char *kernel;
	struct stat st;

	if (runargs_scan("run", argc, argv, &o, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "lkvm run: error: %s\n", err);
		return EXIT_USAGE;
	}
	if (o.help)
		return 0;	/* run prints its help */
	if (!ctl_name_valid(o.rootfs)) {
		fprintf(stderr, "lkvm run: error: --rootfs '%s': use 1 to %d letters, digits, '.', '_' or '-'\n",
			o.rootfs, CTL_NAME_MAX);
		return EXIT_USAGE;
	}
	if (rootfs_path(o.rootfs, dir, sizeof(dir)) < 0) {
		pr_err("no state directory for rootfs '%s': %s", o.rootfs, strerror(errno));
		return EXIT_LKVM_ERROR;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		pr_err("no rootfs '%s' (%s): make it with 'lkvm setup %s'", o.rootfs, dir, o.rootfs);
		return EXIT_LKVM_ERROR;
	}
	if (strchr(dir, ',')) {
		pr_err("rootfs path %s has a comma, which --9p cannot take", dir);
		return EXIT_LKVM_ERROR;
	}
	kernel = o.kernel ? o.kernel : find_kernel(searched, sizeof(searched));
	if (!kernel) {
		pr_err("no kernel given and none found (searched %s): pass one with -k", searched);
		return EXIT_LKVM_ERROR;
	}
	if (initramfs_for_kernel(kernel, o.modules, initrd, sizeof(initrd)) < 0)
		return EXIT_LKVM_ERROR;
	runargs_push(out, "-k");
	runargs_push(out, kernel);
	runargs_push(out, "--9p");
	runargs_pushf(out, "%s,rootfs", dir);
	runargs_push(out, "--9p");
	runargs_push(out, "/,hostroot,ro");
	runargs_push(out, "-i");
	runargs_pushf(out, "%s", initrd);
	if (!o.debug_exit) {
		/* an optional-argument option: the value goes after '=' */
		runargs_pushf(out, "--debug-exit=%#x,4,exact", SANDBOX_EXIT_PORT);
	}
	{
		const char *term = getenv("TERM");
		char p[4096];
		size_t n;

		n = (size_t)snprintf(p, sizeof(p), "console=ttyS0 panic=-1 lkvm.mode=rootfs lkvm.name=%s",
				     o.rootfs);
		if (!o.debug_exit)
			n += (size_t)snprintf(p + n, sizeof(p) - n, " lkvm.exit=%#x", SANDBOX_EXIT_PORT);
		if (term && *term && !strpbrk(term, " \"") && n < sizeof(p))
			n += (size_t)snprintf(p + n, sizeof(p) - n, " lkvm.term=%s", term);
		if (o.params && n < sizeof(p))
			n += (size_t)snprintf(p + n, sizeof(p) - n, " %s", o.params);
		if (n >= sizeof(p)) {
			pr_err("the kernel command line is too long");
			return EXIT_LKVM_ERROR;
		}
		runargs_push(out, "-p");
		runargs_pushf(out, "%s", p);
	}
	return 0;
}
