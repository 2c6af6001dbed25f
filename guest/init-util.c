// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm-init's helpers (see init.h): messages, the exit report, mounts,
 * switching root, interfaces, and running the command on the console.
 * Sources: mount(2), chroot(2), ioperm(2), outl(2), reboot(2), setsid(2),
 * ioctl_tty(2) (TIOCSCTTY), termios(3), netdevice(7) (SIOCSIFFLAGS).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "guest/init.h"

void init_msg(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "lkvm-init: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (write(2, line, strlen(line)) < 0)
		return;
}

/*
 * Write @status to I/O port @port: outl after ioperm(2) where the kernel
 * has it (CONFIG_X86_IOPL_IOPERM), else one byte through /dev/port
 * (CONFIG_DEVPORT, mem(4)), which is all an exit status needs.
 */
static void report_status(int port, int status)
{
	unsigned char b = (unsigned char)status;
	int fd;

	if (ioperm((unsigned long)port, 4, 1) == 0) {
		outl((unsigned int)status, (unsigned short)port);
		return;
	}
	fd = open("/dev/port", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && pwrite(fd, &b, 1, port) == 1)
		return;	/* not reached: lkvm ended the VM */
	init_msg("cannot report exit status %d on port %#x: no ioperm(2) and no /dev/port "
		 "(CONFIG_X86_IOPL_IOPERM, CONFIG_DEVPORT): powering off", status, port);
}

void init_exit(const struct init_args *a, int status)
{
	sync();
	if (a->exit_port >= 0 && a->exit_port <= 0xfffc)
		report_status(a->exit_port, status);
	/* Not reached when lkvm has the port; otherwise power off (status 0). */
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

void init_fail(const struct init_args *a, const char *fmt, ...)
{
	char line[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	init_msg("%s", line);
	init_exit(a, INIT_FAILED);
}

int mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int init_mount(const char *source, const char *target, const char *type,
	       unsigned long flags, const char *data)
{
	int e;

	if (!(flags & MS_REMOUNT))
		mkdir_p(target);
	if (mount(source, target, type, flags, data) == 0)
		return 0;
	e = errno;
	init_msg("cannot mount %s (%s) on %s: %s", source ? source : "-", type ? type : "bind",
		 target, strerror(e));
	errno = e;
	return -1;
}

int mount_basics(const char *root, bool run)
{
	static const struct {
		const char *src, *dir, *type, *data;
		unsigned long flags;
		bool run;
	} m[] = {
		{ "proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
		{ "sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
		{ "devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID, false },
		{ "devpts", "/dev/pts", "devpts", "gid=5,mode=620,ptmxmode=666", MS_NOSUID | MS_NOEXEC, false },
		{ "tmpfs", "/dev/shm", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV, false },
		{ "tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV, false },
		{ "tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV, true },
	};
	char path[4096];
	int bad = 0;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (m[i].run && !run)
			continue;
		snprintf(path, sizeof(path), "%s%s", root, m[i].dir);
		mkdir_p(path);
		/* EBUSY: there already (the kernel's devtmpfs on a 9p root) */
		if (mount(m[i].src, path, m[i].type, m[i].flags, m[i].data) < 0 && errno != EBUSY) {
			init_msg("cannot mount %s on %s: %s", m[i].type, path, strerror(errno));
			bad++;
		}
	}
	/* The /dev/fd links the kernel's devtmpfs lacks. */
	snprintf(path, sizeof(path), "%s/dev/fd", root);
	symlink("/proc/self/fd", path);
	return bad;
}

int switch_root(const char *root)
{
	if (chdir(root) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return -1;
	return 0;
}

int net_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* The console's device: the last name in /sys/class/tty/console/active. */
static int open_console(void)
{
	char names[256], path[300], *last;
	int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, names, sizeof(names) - 1);

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		names[n] = 0;
		names[strcspn(names, "\n")] = 0;
		last = strrchr(names, ' ');
		last = last ? last + 1 : names;
		snprintf(path, sizeof(path), "/dev/%s", last);
		fd = open(path, O_RDWR | O_NOCTTY);
		if (fd >= 0)
			return fd;
	}
	return open("/dev/console", O_RDWR | O_NOCTTY);
}

/* In the child: the console as controlling terminal and stdio. */
static void child_console(const struct init_cmd *c)
{
	struct termios t;
	int fd;

	setsid();
	fd = open_console();
	if (fd < 0)
		return;	/* keep the kernel's /dev/console fds */
	ioctl(fd, TIOCSCTTY, 1);
	if (c->rows && c->cols) {
		struct winsize ws = { .ws_row = c->rows, .ws_col = c->cols };

		ioctl(fd, TIOCSWINSZ, &ws);
	}
	if (tcgetattr(fd, &t) == 0) {
		if (!c->echo)
			t.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
		if (!c->onlcr)
			t.c_oflag &= (tcflag_t)~ONLCR;
		tcsetattr(fd, TCSANOW, &t);
	}
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

int spawn_wait(const struct init_cmd *c)
{
	pid_t pid = fork(), w;
	int st;

	if (pid < 0) {
		init_msg("fork: %s", strerror(errno));
		return INIT_FAILED;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		child_console(c);
		if (c->set_ids &&
		    (setgroups((size_t)c->nr_groups, (const gid_t *)c->groups) < 0 ||
		     setgid(c->gid) < 0 || setuid(c->uid) < 0)) {
			init_msg("cannot become uid %u gid %u: %s", c->uid, c->gid, strerror(errno));
			_exit(INIT_FAILED);
		}
		if (c->cwd && chdir(c->cwd) < 0) {
			init_msg("cannot enter %s: %s", c->cwd, strerror(errno));
			_exit(INIT_FAILED);
		}
		environ = (char **)c->envp;
		execvp(c->argv[0], (char *const *)c->argv);
		init_msg("cannot run %s: %s", c->argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* PID 1 reaps every orphan; the status that counts is our child's. */
	while ((w = wait(&st)) != pid)
		if (w < 0 && errno != EINTR)
			return INIT_FAILED;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return INIT_FAILED;
}
