/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A writer of cpio archives in the "newc" (SVR4, no CRC) format, the one
 * the Linux kernel unpacks as an initramfs. Source: the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst and cpio(5)
 * ("New ASCII Format"): a 110-byte header of "070701" and thirteen 8-digit
 * hex fields, the NUL-terminated name, padding to 4 bytes, the data,
 * padding to 4 bytes; the archive ends with an entry named "TRAILER!!!".
 */
#ifndef LKVM_CPIO_H
#define LKVM_CPIO_H

#include <sys/stat.h>

#include "util/util.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_HDR_SIZE 110	/* bytes: 6 of magic, 13 fields of 8 */
#define CPIO_TRAILER "TRAILER!!!"

/* An archive being written to a file descriptor. */
struct cpio {
	int fd;		/* where the archive goes (not closed by cpio_*) */
	u64 off;	/* bytes written so far */
	u32 ino;	/* last inode number given out (entries get 1, 2, ...) */
	int err;	/* first errno of a failed write, 0 if none */
};

/* cpio_init - start an archive on @fd (any kind of fd: file, pipe). */
void cpio_init(struct cpio *c, int fd);

/*
 * cpio_add - one entry: @name (relative, no leading '/', as the kernel
 * expects: "init", "lib/modules/9p.ko"), @mode with its file type bits
 * (S_IFREG | 0755, S_IFDIR | 0755, S_IFCHR | 0600, S_IFLNK | 0777),
 * @rdev for device nodes (major, minor), and @size bytes of @data (the
 * contents of a regular file, the target of a symlink, none otherwise).
 * Owner root, mtime 0, one link. Returns 0, or -1 with errno (EINVAL for
 * an empty or absolute name or a size above 4 GiB - 1, or the write's).
 */
int cpio_add(struct cpio *c, const char *name, u32 mode, u32 rdev_major, u32 rdev_minor,
	     const void *data, size_t size);

/* cpio_add_dir - a directory @name with permissions @perm. Returns as cpio_add. */
int cpio_add_dir(struct cpio *c, const char *name, u32 perm);

/* cpio_add_file - a regular file @name, @perm, contents @data of @size bytes. */
int cpio_add_file(struct cpio *c, const char *name, u32 perm, const void *data, size_t size);

/*
 * cpio_add_path - a regular file @name with the contents of host file
 * @path (read whole). Returns as cpio_add; errno from reading @path.
 */
int cpio_add_path(struct cpio *c, const char *name, u32 perm, const char *path);

/* cpio_add_chardev - a character device node @name (@major, @minor). */
int cpio_add_chardev(struct cpio *c, const char *name, u32 perm, u32 major, u32 minor);

/*
 * cpio_finish - the trailer entry, then zeros up to a multiple of 512
 * bytes (as cpio(1) ends an archive). Returns 0, or -1 with errno if this
 * or any earlier write failed.
 */
int cpio_finish(struct cpio *c);

#endif
