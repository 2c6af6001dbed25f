/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest lkvm stat looks at: finding it (by name through the control
 * socket, by lkvm pid, or the only one running), its vCPU threads, its
 * symbols, and the two sources it serves itself over the control socket:
 * KVM binary-stats fds (source 3) and lkvm's own exit accounting (source
 * 4). Everything stat needs from the guest's lkvm goes through here.
 * Sources: Documentation/control-protocol.txt, proc(5) (/proc/PID/task,
 * comm, cmdline, cwd).
 */
#ifndef LKVM_STAT_GUEST_H
#define LKVM_STAT_GUEST_H

#include <sys/types.h>

#include "hv/acct.h"
#include "hv/kvm.h"
#include "stat/kstats.h"
#include "util/util.h"

#define STAT_PATH_MAX 4096

struct stat_guest {
	char name[80];
	pid_t pid;			/* the guest's `lkvm run` */
	u32 nr_vcpus;			/* 0 if unknown (no control socket) */
	char kernel[STAT_PATH_MAX];	/* "" if unknown */
	char symbols[STAT_PATH_MAX];	/* lkvm run --symbols, or "" */
	int ctl_fd;			/* connected control socket, or -1 */
	enum kvm_flavour flavour;	/* of this host */
	bool foreign;			/* another VMM's process, not an lkvm run */
};

/*
 * stat_guest_find - open the guest called @name, or the lkvm run with pid
 * @pid (> 0), or with neither the only guest running. Prints one error
 * line and returns -1 when there is no such guest, when several run and
 * none was chosen (they are listed first), or when the guest does not
 * answer. With @pid, a guest without a usable control socket is still
 * found (sources 3 and 4 are then unavailable). Returns 0 with @g filled.
 */
int stat_guest_find(const char *name, pid_t pid, struct stat_guest *g);

/* stat_guest_close - close the control connection. */
void stat_guest_close(struct stat_guest *g);

/* stat_guest_alive - true while the guest's lkvm process exists. */
bool stat_guest_alive(const struct stat_guest *g);

/*
 * stat_guest_vcpu_tids - the thread ids of the guest's vCPU threads (named
 * "vcpu<N>" by hv/kvm.c), by vCPU index: tids[N] for N < @max, 0 where
 * none. Another VMM's vCPU threads are its user threads that have run
 * guest code (guest_time in /proc/PID/task/TID/stat, proc(5)) or sleep
 * in ioctl(KVM_RUN) now (/proc/PID/task/TID/syscall), in thread id
 * order. Waits up to @wait_ms for at least one to appear (a guest just
 * started). Returns the number found, or -1 with errno if /proc cannot be
 * read (the process is gone: ESRCH).
 */
int stat_guest_vcpu_tids(const struct stat_guest *g, pid_t *tids, int max, int wait_ms);

/*
 * stat_guest_symbols - the symbol file to use: @explicit if given, else
 * lkvm run's --symbols, else the kernel itself when it is an ELF file (a
 * vmlinux or a payload), else what symtab_find_for_kernel() finds beside
 * it. Returns a malloc'd path or NULL.
 */
char *stat_guest_symbols(const struct stat_guest *g, const char *explicit);

/*
 * stat_guest_stats_fds - fetch and parse the VM's and vCPUs' KVM stats fds
 * (control request STATS_FDS). Returns their number with *@out allocated
 * (stat_guest_stats_close), or -1 with a one-line reason in @err.
 */
int stat_guest_stats_fds(struct stat_guest *g, struct kstats_fd **out, char *err, size_t errlen);

/* stat_guest_stats_close - close and free what stat_guest_stats_fds gave. */
void stat_guest_stats_close(struct kstats_fd *k, int n);

/*
 * stat_guest_acct - a snapshot of lkvm's own accounting (control request
 * EXIT_ACCT). Returns 0, or -1 with a one-line reason in @err (no control
 * socket, a guest lkvm that does not serve the request, a malformed reply).
 */
int stat_guest_acct(struct stat_guest *g, struct exit_acct *a, char *err, size_t errlen);


#endif
