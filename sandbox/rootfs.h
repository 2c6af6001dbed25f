/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rootfs directories of lkvm setup, booted by lkvm run --rootfs: where
 * they live (<state dir>/rootfs/NAME, the state dir being the control
 * sockets' directory, util/ctl-client.h) and the run argv that boots one.
 */
#ifndef LKVM_SANDBOX_ROOTFS_H
#define LKVM_SANDBOX_ROOTFS_H

#include <stddef.h>

#include "sandbox/runargs.h"

/* The debug-exit port the guest init reports its command's status on. */
#define SANDBOX_EXIT_PORT 0xf4

/*
 * rootfs_base - "<state dir>/rootfs" into @buf. 0, or -1 with errno
 * (ENOENT: neither XDG_RUNTIME_DIR nor HOME; ENAMETOOLONG).
 */
int rootfs_base(char *buf, size_t size);

/*
 * rootfs_path - "<state dir>/rootfs/@name" into @buf. 0, or -1 with errno
 * (EINVAL for a name that is not a valid guest name, ctl_name_valid).
 */
int rootfs_path(const char *name, char *buf, size_t size);

/*
 * rootfs_run_argv - the argv for booting rootfs --rootfs NAME of @argv
 * (lkvm run's own, argv[0] "run") into @out: the other run options, then
 * -k, --9p DIR,rootfs, --9p /,hostroot,ro, -i INITRAMFS, -p "... lkvm.mode=rootfs
 * lkvm.name=NAME ... <user's -p>" and --debug-exit 0xf4,4,exact. Returns 0,
 * or the exit status for lkvm run after one error line (128 usage, 120
 * a missing rootfs, kernel or init).
 */
int rootfs_run_argv(int argc, const char **argv, struct runargs *out);

#endif
