// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm-init's entry (see init.h): stage 1 loads the modules listed in
 * /lib/modules/order with finit_module(2) and mounts devtmpfs, proc and
 * sysfs; stage 2 runs the mode the kernel command line names (lkvm.mode=).
 * Sources: finit_module(2), the kernel's
 * Documentation/admin-guide/kernel-parameters.rst (quoting of values).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest/init.h"

#define MODULES_DIR "/lib/modules"
#define CMDLINE_MAX 4096

/* Load every module /lib/modules/order names, in order; failures are printed. */
static void load_modules(void)
{
	static char list[16384];
	char path[512];
	ssize_t n;
	int fd = open(MODULES_DIR "/order", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;	/* no modules: everything is built in */
	n = read(fd, list, sizeof(list) - 1);
	close(fd);
	if (n <= 0)
		return;
	list[n] = 0;
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		int mfd;

		snprintf(path, sizeof(path), "%s/%s", MODULES_DIR, line);
		mfd = open(path, O_RDONLY | O_CLOEXEC);
		if (mfd < 0) {
			init_msg("cannot open module %s: %s", path, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, mfd, "", 0) < 0 && errno != EEXIST)
			init_msg("cannot load module %s: %s", line, strerror(errno));
		close(mfd);
	}
}

/*
 * Split the command line into words as the kernel does: spaces separate,
 * double quotes group (and are dropped); pick out the lkvm.* words.
 */
static void parse_cmdline(char *line, struct init_args *a)
{
	char *p = line;

	while (*p) {
		char *w, *o;
		bool quoted = false;

		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (!*p)
			break;
		w = o = p;
		for (; *p && (quoted || (*p != ' ' && *p != '\n' && *p != '\t')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				*o++ = *p;
		}
		if (*p)
			p++;
		*o = 0;
		if (!strncmp(w, "lkvm.mode=", 10))
			a->mode = w + 10;
		else if (!strncmp(w, "lkvm.spec=", 10))
			a->spec = w + 10;
		else if (!strncmp(w, "lkvm.cmd=", 9))
			a->cmd = w + 9;
		else if (!strncmp(w, "lkvm.name=", 10))
			a->name = w + 10;
		else if (!strncmp(w, "lkvm.term=", 10))
			a->term = w + 10;
		else if (!strncmp(w, "lkvm.exit=", 10))
			a->exit_port = (int)strtol(w + 10, NULL, 0);
	}
}

int main(void)
{
	static char cmdline[CMDLINE_MAX];
	static struct init_args a = { .exit_port = -1 };
	ssize_t n;
	int fd;

	umask(022);
	/* /dev first: the kernel may have mounted it already (9p root). */
	mkdir_p("/dev");
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	if (init_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    errno != EBUSY)
		init_fail(&a, "no /proc: cannot read the kernel command line");
	init_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		init_fail(&a, "cannot read /proc/cmdline: %s", strerror(errno));
	cmdline[n] = 0;
	parse_cmdline(cmdline, &a);
	load_modules();
	if (a.mode && !strcmp(a.mode, "sandbox"))
		sandbox_main(&a);
	if (a.mode && !strcmp(a.mode, "rootfs"))
		rootfs_main(&a);
	init_fail(&a, "lkvm.mode=%s: expected sandbox or rootfs", a.mode ? a.mode : "(missing)");
}
