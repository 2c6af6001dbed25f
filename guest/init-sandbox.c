// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm.mode=sandbox (see init.h and Documentation/lkvm-sandbox.txt): the
 * host's / (9p tag "hostroot", read-only) under a tmpfs overlay, the
 * writable shares at their host paths, then the spec's command as the
 * invoking user in its working directory. Sources: the kernel's
 * Documentation/filesystems/overlayfs.rst and 9p.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "guest/init.h"

#define LOWER "/lower"		/* the host's /, read-only */
#define UPPER "/upper"		/* tmpfs for the overlay's upper and work dirs */
#define NEWROOT "/newroot"
#define SPEC_FILE_MAX (1 << 20)

/* Read the spec at host path @path through the read-only share. */
static char *read_spec(const struct init_args *a, const char *path, size_t *len)
{
	char full[4096];
	char *buf = malloc(SPEC_FILE_MAX);
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(full, sizeof(full), "%s%s", LOWER, path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		init_fail(a, "cannot read the spec %s through the hostroot share: %s", path,
			  strerror(errno));
	while ((n = read(fd, buf + got, SPEC_FILE_MAX - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0 || got == SPEC_FILE_MAX)
		init_fail(a, "cannot read the spec %s: %s", path,
			  n < 0 ? strerror(errno) : "larger than 1 MiB");
	*len = got;
	return buf;
}

/* Overlay the tmpfs on the host's /; without overlayfs, the bare / read-only. */
static void mount_root(const struct init_args *a)
{
	if (init_mount("tmpfs", UPPER, "tmpfs", 0, "mode=0755") < 0 ||
	    mkdir_p(UPPER "/upper") < 0 || mkdir_p(UPPER "/work") < 0)
		init_fail(a, "no tmpfs for the overlay");
	if (init_mount("overlay", NEWROOT, "overlay", 0,
		       "lowerdir=" LOWER ",upperdir=" UPPER "/upper,workdir=" UPPER "/work") == 0)
		return;
	init_msg("no overlayfs (CONFIG_OVERLAY_FS): the root stays read-only, "
		 "only the shares, /tmp and /run are writable");
	if (init_mount(LOWER, NEWROOT, NULL, MS_BIND | MS_REC, NULL) < 0)
		init_fail(a, "cannot bind the host's / as the root");
}

void sandbox_main(const struct init_args *a)
{
	static struct sandbox_spec s;
	char err[256], path[4096], *buf;
	const char *shell_argv[2], *envp[8];
	char env[6][4200];
	size_t len;
	int n = 0, status;
	struct init_cmd c = { 0 };

	if (!a->spec)
		init_fail(a, "lkvm.mode=sandbox needs lkvm.spec=PATH");
	if (init_mount("hostroot", LOWER, "9p", MS_RDONLY, INIT_9P_OPTS) < 0)
		init_fail(a, "cannot mount the host's / (9p tag hostroot): does the kernel have "
			  "CONFIG_NET_9P_VIRTIO and CONFIG_9P_FS, and lkvm --9p?");
	buf = read_spec(a, a->spec, &len);
	if (spec_parse(buf, len, &s, err, sizeof(err)) < 0)
		init_fail(a, "%s: %s", a->spec, err);
	mount_root(a);
	mount_basics(NEWROOT, true);
	for (int i = 0; i < s.nr_shares; i++) {
		snprintf(path, sizeof(path), "%s%s", NEWROOT, s.shares[i].path);
		if (init_mount(s.shares[i].tag, path, "9p", 0, INIT_9P_OPTS) < 0)
			init_fail(a, "cannot share %s read-write (9p tag %s)", s.shares[i].path,
				  s.shares[i].tag);
	}
	if (switch_root(NEWROOT) < 0)
		init_fail(a, "cannot enter the new root: %s", strerror(errno));
	sethostname("sandbox", 7);
	net_up("lo");

	snprintf(env[0], sizeof(env[0]), "TERM=%s", s.term ? s.term : "linux");
	snprintf(env[1], sizeof(env[1]), "HOME=%s", s.home ? s.home : "/");
	snprintf(env[2], sizeof(env[2]), "PATH=%s",
		 s.path ? s.path : "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
	for (int i = 0; i < 3; i++)
		envp[n++] = env[i];
	if (s.user) {
		snprintf(env[3], sizeof(env[3]), "USER=%s", s.user);
		snprintf(env[4], sizeof(env[4]), "LOGNAME=%s", s.user);
		envp[n++] = env[3];
		envp[n++] = env[4];
	}
	if (s.shell) {
		snprintf(env[5], sizeof(env[5]), "SHELL=%s", s.shell);
		envp[n++] = env[5];
	}
	envp[n] = NULL;
	/* PATH for execvp() is the command's PATH. */
	setenv("PATH", env[2] + 5, 1);

	shell_argv[0] = s.shell ? s.shell : "/bin/sh";
	shell_argv[1] = NULL;
	c.argv = s.nr_args ? s.args : shell_argv;
	c.envp = envp;
	c.cwd = s.cwd;
	c.set_ids = true;
	c.uid = s.uid;
	c.gid = s.gid;
	c.groups = s.groups;
	c.nr_groups = s.nr_groups;
	c.echo = s.stdin_tty;
	c.onlcr = s.stdout_tty;
	c.rows = (unsigned short)s.rows;
	c.cols = (unsigned short)s.cols;
	status = spawn_wait(&c);
	init_exit(a, status);
}
