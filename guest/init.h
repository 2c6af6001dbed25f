/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm-init: the guest's PID 1 for lkvm sandbox and lkvm run --rootfs,
 * a static binary built from the guest/ files and sandbox/spec.c. It loads the
 * kernel modules its initramfs carries, mounts the 9p shares, enters the
 * new root, runs the command and reports its exit status to lkvm through
 * the exact-mode debug-exit port (Documentation/lkvm-sandbox.txt).
 * Shared helpers of its files.
 */
#ifndef LKVM_GUEST_INIT_H
#define LKVM_GUEST_INIT_H

#include <stdbool.h>
#include <stddef.h>

#include "sandbox/spec.h"

/* Status when the init itself fails, as lkvm's own failures (EXIT_LKVM_ERROR). */
#define INIT_FAILED 120

/* 9p mount options: the virtio transport, 9P2000.L, 256 KiB messages. */
#define INIT_9P_OPTS "trans=virtio,version=9p2000.L,msize=262144"

/* What the kernel command line says (lkvm.* words). NULL when absent. */
struct init_args {
	const char *mode;	/* lkvm.mode=sandbox|rootfs */
	const char *spec;	/* lkvm.spec=PATH on the host (sandbox) */
	const char *cmd;	/* lkvm.cmd=COMMAND, run by /bin/sh -c (rootfs) */
	const char *name;	/* lkvm.name=NAME: hostname (rootfs) */
	const char *term;	/* lkvm.term=TERM (rootfs) */
	int exit_port;		/* lkvm.exit=PORT: exact debug-exit port, or -1 */
};

/* init_msg - "lkvm-init: " and the printf-formatted line on stderr. */
void init_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* init_exit - sync, report @status on the exit port (if any), power off. */
void init_exit(const struct init_args *a, int status) __attribute__((noreturn));

/* init_fail - init_msg() the line, then init_exit(INIT_FAILED). */
void init_fail(const struct init_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* mkdir_p - make @path and its parents (mode 0755); 0 or -1 with errno. */
int mkdir_p(const char *path);

/*
 * init_mount - mount(2) after making @target (mkdir_p); prints a line
 * naming the mount on failure. Returns 0 or -1 with errno.
 */
int init_mount(const char *source, const char *target, const char *type,
	       unsigned long flags, const char *data);

/*
 * mount_basics - proc, sysfs, devtmpfs (and devpts, /dev/shm), tmpfs
 * /tmp under @root ("" for /); /run too when @run. Failures are printed
 * and skipped. Returns the number that failed.
 */
int mount_basics(const char *root, bool run);

/*
 * switch_root - make @root the root (MS_MOVE onto /, chroot, chdir /).
 * Returns 0 or -1 with errno.
 */
int switch_root(const char *root);

/* net_up - bring interface @ifname up (SIOCSIFFLAGS); 0 or -1 with errno. */
int net_up(const char *ifname);

/* A command for spawn_wait(): what runs, as whom, where, with which tty. */
struct init_cmd {
	const char *const *argv;	/* argv[0] is looked up in PATH */
	const char *const *envp;
	const char *cwd;		/* NULL: stay in / */
	bool set_ids;			/* drop to @uid/@gid/@groups */
	unsigned int uid, gid;
	const unsigned int *groups;
	int nr_groups;
	bool echo;			/* keep the console's echo (lkvm's stdin is a terminal) */
	bool onlcr;			/* keep NL -> CR NL (lkvm's stdout is a terminal) */
	unsigned short rows, cols;	/* the console's size (TIOCSWINSZ); 0: leave it */
};

/*
 * spawn_wait - run @c in a child on the console as its controlling
 * terminal and wait for it. Returns its status as a shell shows it:
 * the exit code, 128 + the signal that killed it, 127 when not found,
 * 126 when it cannot be executed.
 */
int spawn_wait(const struct init_cmd *c);

/* sandbox_main - lkvm.mode=sandbox (init-sandbox.c); does not return. */
void sandbox_main(const struct init_args *a) __attribute__((noreturn));

/* rootfs_main - lkvm.mode=rootfs (init-rootfs.c); does not return. */
void rootfs_main(const struct init_args *a) __attribute__((noreturn));

#endif
