// SPDX-License-Identifier: GPL-2.0
/*
 * cpio "newc" writer (see cpio.h): each entry's header, name and data
 * written straight to the fd, each part padded to 4 bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpio.h"

void cpio_init(struct cpio *c, int fd)
{
	c->fd = fd;
	c->off = 0;
	c->ino = 0;
	c->err = 0;
}

/* Append @len bytes, then zeros up to a multiple of @align from the start. */
static int put(struct cpio *c, const void *buf, size_t len, unsigned int align)
{
	static const char zeros[512];
	size_t pad;

	if (c->err)
		return -1;
	if (len && write_all(c->fd, buf, len) < 0)
		goto fail;
	c->off += len;
	pad = (size_t)(ALIGN_UP(c->off, (u64)align) - c->off);
	if (pad && write_all(c->fd, zeros, pad) < 0)
		goto fail;
	c->off += pad;
	return 0;
fail:
	c->err = errno ? errno : EIO;
	return -1;
}

int cpio_add(struct cpio *c, const char *name, u32 mode, u32 rdev_major, u32 rdev_minor,
	     const void *data, size_t size)
{
	char hdr[CPIO_HDR_SIZE + 1];
	size_t namesize = strlen(name) + 1;

	if (!name[0] || name[0] == '/' || size > 0xffffffffULL || namesize > 0xffffffffULL) {
		errno = EINVAL;
		return -1;
	}
	/* ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
	 * rdevmajor, rdevminor, namesize, check */
	snprintf(hdr, sizeof(hdr), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 CPIO_NEWC_MAGIC, ++c->ino, mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u,
		 (u32)size, 0u, 0u, rdev_major, rdev_minor, (u32)namesize, 0u);
	if (put(c, hdr, CPIO_HDR_SIZE, 1) < 0 || put(c, name, namesize, 4) < 0 ||
	    put(c, data, size, 4) < 0) {
		errno = c->err;
		return -1;
	}
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *name, u32 perm)
{
	return cpio_add(c, name, S_IFDIR | (perm & 07777), 0, 0, NULL, 0);
}

int cpio_add_file(struct cpio *c, const char *name, u32 perm, const void *data, size_t size)
{
	return cpio_add(c, name, S_IFREG | (perm & 07777), 0, 0, data, size);
}

int cpio_add_path(struct cpio *c, const char *name, u32 perm, const char *path)
{
	size_t len;
	void *buf = read_file(path, &len);
	int ret, e;

	if (!buf)
		return -1;
	ret = cpio_add_file(c, name, perm, buf, len);
	e = errno;
	free(buf);
	errno = e;
	return ret;
}

int cpio_add_chardev(struct cpio *c, const char *name, u32 perm, u32 major, u32 minor)
{
	return cpio_add(c, name, S_IFCHR | (perm & 07777), major, minor, NULL, 0);
}

int cpio_finish(struct cpio *c)
{
	if (cpio_add(c, CPIO_TRAILER, 0, 0, 0, NULL, 0) < 0 || put(c, NULL, 0, 512) < 0) {
		errno = c->err ? c->err : errno;
		return -1;
	}
	return 0;
}
