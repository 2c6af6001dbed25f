/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Confinement of the 9p server to its share: every file the guest names
 * is opened with openat2(2) (Linux 5.6+) relative to a directory fd the
 * server holds, with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, never by
 * joining strings. `..` that leaves the directory, absolute paths and
 * symlinks leading outside fail (EXDEV from openat2), /proc-style magic
 * links fail (ELOOP). Source: openat2(2), path_resolution(7).
 */
#ifndef LKVM_VIRTIO_9P_PATH_H
#define LKVM_VIRTIO_9P_PATH_H

#include <stdbool.h>

/*
 * p9_open_beneath - open @path relative to the directory @dirfd with
 * open(2) @flags (O_CLOEXEC is added) and @mode, resolved beneath
 * @dirfd: RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, plus
 * RESOLVE_NO_SYMLINKS when @no_symlinks (no symlink followed anywhere in
 * the path). Returns the fd, or -errno (EXDEV for an escape, ELOOP for a
 * magic link or a symlink refused, ENOSYS without openat2).
 */
int p9_open_beneath(int dirfd, const char *path, int flags, unsigned int mode,
		    bool no_symlinks);

/*
 * p9_name_ok - may @name (from the guest) name an entry of a directory?
 * Not empty, no '/', not "." or "..". Returns 0 or -EINVAL (-ENAMETOOLONG
 * above 255 bytes).
 */
int p9_name_ok(const char *name);

#endif
