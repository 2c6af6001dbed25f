// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the guest lkvm stat profiles, and what its lkvm serves over the
 * control socket (see stat/guest.h).
 */
#include <dirent.h>
#include <linux/kvm.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "stat/guest.h"
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/symbols.h"

/* A /proc file, which stat(2) says is empty: read until EOF, at most
 * 64 KiB. Returns a malloc'd, NUL-terminated buffer or NULL. */
static char *read_proc(const char *path, size_t *len)
{
	size_t cap = 65536;
	char *buf = xmalloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*len = 0;
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (*len < cap && (n = read(fd, buf + *len, cap - *len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
}

/* /proc/@pid/cmdline as an argv array (malloc'd, one block). */
static char **proc_argv(pid_t pid, int *argc)
{
	char path[64], *buf, **argv;
	size_t len;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf = read_proc(path, &len);
	if (!buf || !len) {
		free(buf);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	argv = xmalloc((n + 2) * sizeof(*argv) + len + 1);
	memcpy(argv + n + 2, buf, len + 1);
	free(buf);
	buf = (char *)(argv + n + 2);
	n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		argv[n++] = buf + i;
	argv[n] = NULL;
	*argc = n;
	return argv;
}

/* The value of option -@s/--@l in @argv: "-kX", "-k X", "--kernel=X", "--kernel X". */
static const char *argv_opt(char **argv, int argc, char s, const char *l)
{
	size_t ll = strlen(l);
	const char *v = NULL;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] == '-' && !strncmp(a + 2, l, ll)) {
			if (a[2 + ll] == '=')
				v = a + 3 + ll;
			else if (!a[2 + ll] && i + 1 < argc)
				v = argv[++i];
		} else if (s && a[0] == '-' && a[1] == s) {
			if (a[2])
				v = a + 2;
			else if (i + 1 < argc)
				v = argv[++i];
		}
	}
	return v;
}

/* @v made absolute against the process's working directory into @out. */
static void proc_abs(pid_t pid, const char *v, char *out, size_t len)
{
	char link[64], cwd[STAT_PATH_MAX];
	ssize_t n;

	if (v[0] == '/') {
		snprintf(out, len, "%s", v);
		return;
	}
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0) {
		snprintf(out, len, "%s", v);
		return;
	}
	cwd[n] = '\0';
	if ((size_t)n + 1 + strlen(v) >= len) {
		snprintf(out, len, "%s", v);	/* too long to resolve: keep it relative */
		return;
	}
	memcpy(out, cwd, (size_t)n);
	out[n] = '/';
	strcpy(out + n + 1, v);
}

/* Fill what the guest's command line tells: name, kernel, --symbols.
 * Returns -1 if @pid is not an `lkvm run`. */
static int from_cmdline(struct stat_guest *g)
{
	int argc = 0, run = -1;
	char **argv = proc_argv(g->pid, &argc);
	const char *v;

	if (!argv)
		return -1;
	for (int i = 1; i < argc && i < 4; i++)
		if (!strcmp(argv[i], "run")) {
			run = i;
			break;
		}
	if (run < 0) {
		free(argv);
		return -1;
	}
	argc -= run + 1;
	if (!g->name[0]) {
		v = argv_opt(argv + run + 1, argc, 0, "name");
		if (v)
			snprintf(g->name, sizeof(g->name), "%s", v);
		else
			snprintf(g->name, sizeof(g->name), "guest-%d", (int)g->pid);
	}
	v = argv_opt(argv + run + 1, argc, 'k', "kernel");
	if (v && !g->kernel[0])
		proc_abs(g->pid, v, g->kernel, sizeof(g->kernel));
	v = argv_opt(argv + run + 1, argc, 0, "symbols");
	if (v)
		proc_abs(g->pid, v, g->symbols, sizeof(g->symbols));
	free(argv);
	return 0;
}

/* Does @pid hold a KVM VM open (an fd on "anon_inode:kvm-vm", the file
 * KVM_CREATE_VM returns)? Any VMM on KVM does: QEMU, kvmtool... */
static bool holds_kvm_vm(pid_t pid)
{
	char dir[64], path[64 + 256], link[64];
	bool found = false;
	struct dirent *d;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	fds = opendir(dir);
	if (!fds)
		return false;
	while (!found && (d = readdir(fds))) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, "anon_inode:kvm-vm");
		}
	}
	closedir(fds);
	return found;
}

/* Name another VMM's guest "COMM-PID" from /proc/@pid/comm. */
static void foreign_name(struct stat_guest *g)
{
	char path[64], *comm;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)g->pid);
	comm = read_proc(path, &len);
	if (comm && len && comm[len - 1] == '\n')
		comm[len - 1] = '\0';
	snprintf(g->name, sizeof(g->name), "%s-%d", comm && comm[0] ? comm : "vmm", (int)g->pid);
	free(comm);
}

/* INFO over @fd. Returns 0, or a negative errno / guest status. */
static int ctl_info(int fd, struct ctl_info *info, struct ctl_reply *rep)
{
	struct ctl_request rq = { .type = CTL_T_INFO, .id = 1 };
	int ret = ctl_call(fd, &rq, rep, CTL_TIMEOUT_MS);

	if (ret == 0 && rep->hdr.status < 0)
		return rep->hdr.status;
	if (ret == 0 && ctl_info_decode(rep->data, rep->len, info) < 0)
		ret = -EPROTO;
	return ret;
}

/* Connect to guest @name, quietly if @quiet; fill @g from INFO. */
static int open_by_name(const char *name, struct stat_guest *g, bool quiet)
{
	struct ctl_reply rep;
	struct ctl_info info;
	int fd, ret;

	if (quiet) {
		char dir[CTL_SUN_PATH_MAX], path[CTL_SUN_PATH_MAX];

		if (ctl_sock_dir(dir, sizeof(dir)) < 0 ||
		    ctl_sock_path(dir, name, path, sizeof(path)) < 0)
			return -1;
		fd = ctl_connect_path(path);
	} else {
		fd = ctl_connect(name);
	}
	if (fd < 0)
		return -1;
	memset(&rep, 0, sizeof(rep));
	ret = ctl_info(fd, &info, &rep);
	if (ret < 0) {
		if (!quiet)
			ctl_report(name, ret, &rep);
		ctl_reply_free(&rep);
		close(fd);
		return -1;
	}
	ctl_reply_free(&rep);
	snprintf(g->name, sizeof(g->name), "%s", info.name);
	g->pid = (pid_t)info.pid;
	g->nr_vcpus = info.nr_vcpus;
	snprintf(g->kernel, sizeof(g->kernel), "%s", info.kernel);
	g->ctl_fd = fd;
	return 0;
}

/* The names of the live guests in this user's socket directory. */
static int live_guests(struct ctl_entry **out)
{
	char dir[CTL_SUN_PATH_MAX];
	struct ctl_entry *e = NULL;
	int n, live = 0;

	*out = NULL;
	if (ctl_sock_dir(dir, sizeof(dir)) < 0)
		return 0;
	n = ctl_list(dir, &e);
	for (int i = 0; i < n; i++)
		if (ctl_probe_path(e[i].path) == CTL_PROBE_LIVE)
			e[live++] = e[i];
	if (n <= 0 || !live) {
		free(e);
		return 0;
	}
	*out = e;
	return live;
}

int stat_guest_find(const char *name, pid_t pid, struct stat_guest *g)
{
	memset(g, 0, sizeof(*g));
	g->ctl_fd = -1;
	g->flavour = kvm_detect_flavour();

	if (name) {
		if (open_by_name(name, g, false) < 0)
			return -1;
	} else if (pid > 0) {
		struct stat_guest s;

		g->pid = pid;
		if (kill(pid, 0) < 0 && errno == ESRCH) {
			pr_err("no process with pid %d", (int)pid);
			return -1;
		}
		if (from_cmdline(g) < 0) {
			if (!holds_kvm_vm(pid)) {
				pr_err("process %d is neither an 'lkvm run' nor a process with a KVM VM open (or its /proc entries cannot be read: run as its user or root)",
				       (int)pid);
				return -1;
			}
			g->foreign = true;
			foreign_name(g);
			pr_info("process %d (%s) is not an 'lkvm run': only the bpf and trace sources watch it",
				(int)pid, g->name);
			return 0;
		}
		/* Its control socket, if the name there is this very process. */
		memset(&s, 0, sizeof(s));
		if (open_by_name(g->name, &s, true) == 0) {
			if (s.pid == pid) {
				g->ctl_fd = s.ctl_fd;
				g->nr_vcpus = s.nr_vcpus;
				snprintf(g->kernel, sizeof(g->kernel), "%s", s.kernel);
			} else {
				close(s.ctl_fd);
			}
		}
		if (g->ctl_fd < 0)
			pr_info("guest pid %d: no control socket; KVM stats and lkvm's accounting are unavailable",
				(int)pid);
	} else {
		struct ctl_entry *e;
		int n = live_guests(&e);

		if (n == 0) {
			pr_err("no guest is running (start one with 'lkvm run'; see 'lkvm list')");
			return -1;
		}
		if (n > 1) {
			fprintf(stderr, "running guests:\n");
			for (int i = 0; i < n; i++) {
				struct stat_guest s;

				memset(&s, 0, sizeof(s));
				if (open_by_name(e[i].name, &s, true) == 0) {
					fprintf(stderr, "  %-20s pid %d\n", e[i].name, (int)s.pid);
					close(s.ctl_fd);
				} else {
					fprintf(stderr, "  %s\n", e[i].name);
				}
			}
			free(e);
			pr_err("%d guests are running: choose one with --name", n);
			return -1;
		}
		snprintf(g->name, sizeof(g->name), "%s", e[0].name);
		free(e);
		if (open_by_name(g->name, g, false) < 0)
			return -1;
	}
	if (g->ctl_fd >= 0)
		from_cmdline(g);	/* --symbols; the name and kernel stay INFO's */
	return 0;
}

void stat_guest_close(struct stat_guest *g)
{
	if (g->ctl_fd >= 0)
		close(g->ctl_fd);
	g->ctl_fd = -1;
}

bool stat_guest_alive(const struct stat_guest *g)
{
	return g->pid > 0 && (kill(g->pid, 0) == 0 || errno == EPERM);
}

/* Kernel threads and KVM's own workers (the NX huge page recovery
 * thread) live in the VMM's thread group too: PF_KTHREAD, PF_IO_WORKER
 * and PF_USER_WORKER in the flags of /proc/PID/task/TID/stat. */
#define TASK_NOT_USER	(0x00200000UL | 0x00000010UL | 0x00004000UL)

/* /proc/@pid/task/@tid/@file, read whole (read_proc()), or NULL. */
static char *read_task(pid_t pid, const char *tid, const char *file)
{
	char path[300];
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/%s", (int)pid, tid, file);
	return read_proc(path, &len);
}

/* Is thread @tid of @pid a vCPU thread of another VMM (see guest.h)? */
static bool foreign_vcpu(pid_t pid, const char *tid)
{
	unsigned long nr, fd, req, flags = 0;
	unsigned long long guest = 0;
	char *buf = read_task(pid, tid, "stat"), *p = buf ? strrchr(buf, ')') : NULL;
	bool user, in_run;

	/* after "pid (comm) ": state is field 3, flags 9, guest_time 43 */
	user = p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d "
			   "%*d %*d %*d %*d %*u %*u %*d %*u %*u %*u %*u %*u %*u %*u %*u %*u "
			   "%*u %*u %*u %*u %*d %*d %*u %*u %*u %llu", &flags, &guest) == 2 &&
	       !(flags & TASK_NOT_USER);
	free(buf);
	if (!user || guest)
		return user;
	/* "NR ARG0 ARG1 ..." in hex while it sleeps in a system call */
	buf = read_task(pid, tid, "syscall");
	in_run = buf && sscanf(buf, "%lu %lx %lx", &nr, &fd, &req) == 3 && nr == __NR_ioctl &&
		 req == KVM_RUN;
	free(buf);
	return in_run;
}

static int cmp_tid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* The vCPU index of lkvm's thread @tid of @pid ("vcpu<N>" in its comm,
 * N < @max), or -1. */
static int lkvm_vcpu_index(pid_t pid, const char *tid, int max)
{
	char *comm = read_task(pid, tid, "comm"), *end;
	int idx = -1;

	if (comm && !strncmp(comm, "vcpu", 4)) {
		idx = (int)strtol(comm + 4, &end, 10);
		if (end == comm + 4 || (*end && *end != '\n') || idx < 0 || idx >= max)
			idx = -1;
	}
	free(comm);
	return idx;
}

/* One look at /proc/PID/task for the guest's vCPU threads (see
 * stat_guest_vcpu_tids). Returns the number found, or -1. */
static int scan_tids(const struct stat_guest *g, pid_t *tids, int max)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)g->pid);
	d = opendir(path);
	if (!d)
		return -1;
	memset(tids, 0, max * sizeof(*tids));
	while ((de = readdir(d))) {
		int idx;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (g->foreign)		/* another VMM: in thread id order, below */
			idx = found < max && foreign_vcpu(g->pid, de->d_name) ? found : -1;
		else
			idx = lkvm_vcpu_index(g->pid, de->d_name, max);
		if (idx < 0)
			continue;
		if (!tids[idx])
			found++;
		tids[idx] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	if (g->foreign)
		qsort(tids, found, sizeof(*tids), cmp_tid);
	return found;
}

int stat_guest_vcpu_tids(const struct stat_guest *g, pid_t *tids, int max, int wait_ms)
{
	u64 end = now_ns() + (u64)(wait_ms > 0 ? wait_ms : 0) * 1000000ULL;

	for (;;) {
		int n = scan_tids(g, tids, max);

		if (n < 0) {
			errno = ESRCH;
			return -1;
		}
		if (n > 0 || now_ns() >= end)
			return n;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 }, NULL);
	}
}

static bool is_elf(const char *path)
{
	unsigned char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ret;

	if (fd < 0)
		return false;
	ret = read(fd, m, 4) == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
	close(fd);
	return ret;
}

char *stat_guest_symbols(const struct stat_guest *g, const char *explicit)
{
	if (explicit && *explicit)
		return xstrdup(explicit);
	if (g->symbols[0])
		return xstrdup(g->symbols);
	if (!g->kernel[0])
		return NULL;
	if (is_elf(g->kernel))
		return xstrdup(g->kernel);
	return symtab_find_for_kernel(g->kernel);
}

int stat_guest_stats_fds(struct stat_guest *g, struct kstats_fd **out, char *err, size_t errlen)
{
	struct ctl_fd_entry *ents = NULL;
	struct ctl_reply rep;
	int *fds = NULL, n;
	struct kstats_fd *k;
	char why[256];

	*out = NULL;
	if (g->ctl_fd < 0)
		return set_err(err, errlen, "no control socket to ask for KVM stats fds");
	n = ctl_stats_fds(g->ctl_fd, &fds, &ents, &rep);
	if (n < 0) {
		set_err(err, errlen, "KVM stats fds: %s",
			rep.len ? (const char *)rep.data : strerror(-n));
		ctl_reply_free(&rep);
		return -1;
	}
	k = xzalloc((n ? n : 1) * sizeof(*k));
	for (int i = 0; i < n; i++) {
		u32 obj = ents[i].kind == CTL_FD_VM ? KSTAT_OBJ_VM : 1 + ents[i].index;

		if (kstats_open(&k[i], fds[i], obj, why, sizeof(why)) < 0) {
			for (int j = 0; j < n; j++)
				close(fds[j]);
			for (int j = 0; j < i; j++)
				kstats_close(&k[j]);
			free(k);
			free(fds);
			free(ents);
			return set_err(err, errlen, "%s", why);
		}
	}
	free(fds);
	free(ents);
	*out = k;
	return n;
}

void stat_guest_stats_close(struct kstats_fd *k, int n)
{
	for (int i = 0; i < n; i++) {
		if (k[i].fd >= 0)
			close(k[i].fd);
		kstats_close(&k[i]);
	}
	free(k);
}

int stat_guest_acct(struct stat_guest *g, struct exit_acct *a, char *err, size_t errlen)
{
	struct ctl_request rq = { .type = CTL_T_EXIT_ACCT, .id = 2 };
	struct ctl_reply rep;
	int ret;

	memset(a, 0, sizeof(*a));
	memset(&rep, 0, sizeof(rep));
	if (g->ctl_fd < 0)
		return set_err(err, errlen, "no control socket to ask for lkvm's accounting");
	ret = ctl_call(g->ctl_fd, &rq, &rep, CTL_TIMEOUT_MS);
	if (ret == 0 && rep.hdr.status == -EOPNOTSUPP)
		ret = set_err(err, errlen, "the guest's lkvm does not report its own accounting (an older lkvm run)");
	else if (ret == 0 && rep.hdr.status < 0)
		ret = set_err(err, errlen, "lkvm accounting: %s",
			      rep.len ? (const char *)rep.data : strerror(-rep.hdr.status));
	else if (ret == 0)
		ret = exit_acct_decode(rep.data, rep.len, a, err, errlen);
	else
		ret = set_err(err, errlen, "lkvm accounting: %s", strerror(-ret));
	ctl_reply_free(&rep);
	return ret;
}
