// SPDX-License-Identifier: GPL-2.0
/*
 * openat2-based confinement of the 9p server (virtio/9p-path.h).
 * Source: openat2(2) (struct open_how, RESOLVE_* flags).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "virtio/9p-path.h"

int p9_open_beneath(int dirfd, const char *path, int flags, unsigned int mode,
		    bool no_symlinks)
{
	struct open_how how = {
		.flags = (unsigned int)flags | O_CLOEXEC,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode & 07777 : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int tries = 0;

	if (no_symlinks)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	do {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		/* EAGAIN: a rename raced with `..`; retry a few times only */
	} while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < 8)));
	return fd < 0 ? -errno : (int)fd;
}

int p9_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return n > 255 ? -ENAMETOOLONG : 0;
}
