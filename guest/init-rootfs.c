// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm.mode=rootfs (see init.h and Documentation/lkvm-setup.txt): the
 * directory lkvm setup made (9p tag "rootfs", read-write) becomes the
 * root, with the host's / (tag "hostroot", read-only) at /run/lkvm/host
 * and the host directories its config names bound read-only at the same
 * paths; files of /etc-local are bound over those of /etc. The network
 * comes up by DHCP when a NIC and a client (udhcpc, dhclient) exist,
 * best effort; then /bin/sh, or lkvm.cmd= through /bin/sh -c, as root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/init.h"

#define NEWROOT "/newroot"
#define HOST "/run/lkvm/host"		/* the host's /, in the new root */
#define CONF_MAX 16384

static const char *const default_binds[] = { "/bin", "/sbin", "/lib", "/lib64", "/usr", "/etc" };

/*
 * Is / a 9p mount (booted with root=rootfs rootfstype=9p)? From the last
 * mount on / in /proc/self/mounts (proc(5)); statfs(2) would not tell, as
 * 9p reports the f_type of the host's file system.
 */
static bool root_is_9p(void)
{
	char line[1024], dir[512], type[64];
	bool is9p = false;
	FILE *f = fopen("/proc/self/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %511s %63s", dir, type) == 2 && !strcmp(dir, "/"))
			is9p = !strcmp(type, "9p");
	if (f)
		fclose(f);
	return is9p;
}

/* The binds the rootfs config names, or the defaults without one. */
static void read_conf(const struct init_args *a, const char *root, struct rootfs_conf *c)
{
	static char buf[CONF_MAX];
	char path[4096], err[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, ROOTFS_CONF_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		memset(c, 0, sizeof(*c));
		for (size_t i = 0; i < sizeof(default_binds) / sizeof(default_binds[0]); i++)
			c->binds[c->nr_binds++] = default_binds[i];
		return;
	}
	if (rootfs_conf_parse(buf, (size_t)n, c, err, sizeof(err)) < 0)
		init_fail(a, "/%s: %s", ROOTFS_CONF_NAME, err);
}

/* Bind the host's @dir read-only at @root@dir; skipped when the host lacks it. */
static void bind_host(const char *root, const char *dir)
{
	char src[4096], dst[4096];
	struct stat st;

	snprintf(src, sizeof(src), "%s%s%s", root, HOST, dir);
	snprintf(dst, sizeof(dst), "%s%s", root, dir);
	if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	if (lstat(dst, &st) == 0 && !S_ISDIR(st.st_mode)) {
		init_msg("not binding %s: %s is not a directory in the rootfs", dir, dir);
		return;
	}
	if (init_mount(src, dst, NULL, MS_BIND | MS_REC, NULL) == 0)
		init_mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}

/* Bind each regular file of @root/etc-local over the same name in /etc. */
static void bind_etc_local(const char *root)
{
	char dir[4096], src[4400], dst[4400];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/etc-local", root);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(dst, sizeof(dst), "%s/etc/%s", root, de->d_name);
		if (de->d_name[0] == '.' || stat(src, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (stat(dst, &st) < 0 || !S_ISREG(st.st_mode)) {
			init_msg("etc-local/%s: no file /etc/%s to bind it over", de->d_name,
				 de->d_name);
			continue;
		}
		init_mount(src, dst, NULL, MS_BIND, NULL);
	}
	closedir(d);
}

/* DHCP on eth0 with the first client found, best effort, in the background. */
static void network(void)
{
	static const char *const udhcpc[] = { "/sbin/udhcpc", "/usr/sbin/udhcpc", "/bin/udhcpc",
					      "/usr/bin/udhcpc" };
	static const char *const dhclient[] = { "/sbin/dhclient", "/usr/sbin/dhclient" };
	const char *argv[8] = { NULL };
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t pid;

	net_up("lo");
	if (access("/sys/class/net/eth0", F_OK) < 0)
		return;
	net_up("eth0");
	for (size_t i = 0; i < 4 && !argv[0]; i++)
		if (access(udhcpc[i], X_OK) == 0) {
			argv[0] = udhcpc[i];
			argv[1] = "-b";		/* background once it has tried */
			argv[2] = "-q";
			argv[3] = "-i";
			argv[4] = "eth0";
		}
	for (size_t i = 0; i < 2 && !argv[0]; i++)
		if (access(dhclient[i], X_OK) == 0) {
			argv[0] = dhclient[i];
			argv[1] = "-nw";	/* do not wait for the lease */
			argv[2] = "eth0";
		}
	if (!argv[0]) {
		init_msg("eth0 is up without an address: no udhcpc or dhclient on the host");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
}

void rootfs_main(const struct init_args *a)
{
	static struct rootfs_conf conf;
	const char *root = NEWROOT;
	const char *sh_argv[4] = { "/bin/sh", NULL, NULL, NULL };
	char term[128], host[4096];
	const char *envp[] = { "HOME=/root", term,
			       "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			       "USER=root", "LOGNAME=root", "SHELL=/bin/sh", NULL };
	struct init_cmd c = { 0 };

	/* Booted straight from the 9p root (root=rootfs rootfstype=9p)? */
	if (root_is_9p())
		root = "";
	else if (init_mount("rootfs", NEWROOT, "9p", 0, INIT_9P_OPTS) < 0)
		init_fail(a, "cannot mount the rootfs (9p tag rootfs): does the kernel have "
			  "CONFIG_NET_9P_VIRTIO and CONFIG_9P_FS?");
	read_conf(a, root, &conf);
	snprintf(host, sizeof(host), "%s/run", root);
	init_mount("tmpfs", host, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	snprintf(host, sizeof(host), "%s%s", root, HOST);
	if (init_mount("hostroot", host, "9p", MS_RDONLY, INIT_9P_OPTS) == 0) {
		for (int i = 0; i < conf.nr_binds; i++)
			bind_host(root, conf.binds[i]);
	} else {
		init_msg("no host directories: the rootfs must hold its own programs");
	}
	bind_etc_local(root);
	mount_basics(root, false);
	if (*root && switch_root(root) < 0)
		init_fail(a, "cannot enter the rootfs: %s", strerror(errno));
	if (a->name)
		sethostname(a->name, strlen(a->name));
	network();

	snprintf(term, sizeof(term), "TERM=%s", a->term ? a->term : "linux");
	if (a->cmd) {
		sh_argv[1] = "-c";
		sh_argv[2] = a->cmd;
	}
	c.argv = sh_argv;
	c.envp = envp;
	c.cwd = "/root";
	c.echo = true;
	c.onlcr = true;
	init_exit(a, spawn_wait(&c));
}
