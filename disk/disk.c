// SPDX-License-Identifier: GPL-2.0
/*
 * Opening, locking and sizing disk images, and the synchronous form of
 * every request (used by the thread pool and io_uring's fallbacks).
 * Sources: fcntl(2) open file description locks, fallocate(2)
 * (FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE), open(2) O_DIRECT
 * alignment rules.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/cow.h"
#include "disk/disk.h"
#include "util/log.h"

#define DIRECT_ALIGN	512	/* O_DIRECT memory, length and offset alignment */
#define ZERO_CHUNK	(256 * 1024)

u64 disk_iov_len(const struct iovec *iov, int n)
{
	u64 len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

int disk_iov_slice(const struct iovec *src, int n, u64 skip, u64 len,
		   struct iovec *dst, int max)
{
	int k = 0;

	for (int i = 0; i < n && len; i++) {
		u64 l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		if (k >= max)
			return -1;
		u64 take = MIN(l - skip, len);

		dst[k].iov_base = (u8 *)src[i].iov_base + skip;
		dst[k].iov_len = take;
		k++;
		len -= take;
		skip = 0;
	}
	return len ? -1 : k;
}

#define IOV_BATCH	64

/* preadv/pwritev until all of @iov is done, in batches of IOV_BATCH
 * entries, resuming after short transfers (signals). */
static int rw_full(int fd, const struct iovec *iov, int cnt, u64 off, bool write)
{
	int i = 0;
	size_t skip = 0;	/* bytes of iov[i] already done */

	while (i < cnt) {
		struct iovec v[IOV_BATCH];
		int k = 0;
		ssize_t n;

		if (iov[i].iov_len == skip) {
			i++;
			skip = 0;
			continue;
		}
		for (int j = i; j < cnt && k < IOV_BATCH; j++, k++) {
			v[k] = iov[j];
			if (j == i) {
				v[k].iov_base = (u8 *)v[k].iov_base + skip;
				v[k].iov_len -= skip;
			}
		}
		n = write ? pwritev(fd, v, k, off) : preadv(fd, v, k, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			if (write)
				return -EIO;
			/* past the end of the file (a sparse overlay): zeroes */
			for (int j = 0; j < k; j++)
				memset(v[j].iov_base, 0, v[j].iov_len);
			n = disk_iov_len(v, k);
		}
		off += n;
		while (n > 0 && i < cnt) {
			size_t rem = iov[i].iov_len - skip;

			if ((size_t)n >= rem) {
				n -= rem;
				i++;
				skip = 0;
			} else {
				skip += n;
				n = 0;
			}
		}
	}
	return 0;
}

int disk_preadv_full(int fd, const struct iovec *iov, int cnt, u64 off)
{
	return rw_full(fd, iov, cnt, off, false);
}

int disk_pwritev_full(int fd, const struct iovec *iov, int cnt, u64 off)
{
	return rw_full(fd, iov, cnt, off, true);
}

int disk_lock_fd(int fd, bool write, const char *path, const char *what)
{
	struct flock fl = { .l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		pr_err("%s %s is in use by another process (lkvm?): %s it %s", what, path,
		       write ? "cannot write" : "cannot read",
		       write ? "while another one has it open" : "while another one writes it");
	else
		pr_err("%s %s: cannot lock: %s", what, path, strerror(errno));
	return -1;
}

/* Is every buffer, length and the offset aligned for O_DIRECT? */
static bool direct_aligned(const struct iovec *iov, int cnt, u64 off)
{
	if (off % DIRECT_ALIGN)
		return false;
	for (int i = 0; i < cnt; i++)
		if ((uintptr_t)iov[i].iov_base % DIRECT_ALIGN || iov[i].iov_len % DIRECT_ALIGN)
			return false;
	return true;
}

/* O_DIRECT I/O of unaligned guest buffers through an aligned bounce buffer. */
static int bounce_rw(struct disk *d, const struct iovec *iov, int cnt, u64 off, bool write)
{
	u64 len = disk_iov_len(iov, cnt), done = 0;
	size_t chunk = MIN(len, (u64)1 << 20);
	void *buf;
	int r = 0;

	if (len % DIRECT_ALIGN || off % DIRECT_ALIGN)
		return -EINVAL;
	if (posix_memalign(&buf, 4096, chunk))
		return -ENOMEM;
	while (done < len && !r) {
		size_t n = MIN(chunk, len - done);
		struct iovec b = { buf, n }, part[IOV_BATCH * 16];
		int k = disk_iov_slice(iov, cnt, done, n, part, ARRAY_SIZE(part));

		if (k < 0) {
			r = -EINVAL;
			break;
		}
		if (write) {
			u8 *p = buf;

			for (int i = 0; i < k; i++) {
				memcpy(p, part[i].iov_base, part[i].iov_len);
				p += part[i].iov_len;
			}
			r = disk_pwritev_full(d->fd, &b, 1, off + done);
		} else {
			r = disk_preadv_full(d->fd, &b, 1, off + done);
			u8 *p = buf;

			for (int i = 0; i < k && !r; i++) {
				memcpy(part[i].iov_base, p, part[i].iov_len);
				p += part[i].iov_len;
			}
		}
		done += n;
	}
	free(buf);
	return r;
}

static int raw_rw(struct disk *d, const struct iovec *iov, int cnt, u64 off, bool write)
{
	if (d->direct && !direct_aligned(iov, cnt, off))
		return bounce_rw(d, iov, cnt, off, write);
	return write ? disk_pwritev_full(d->fd, iov, cnt, off) : disk_preadv_full(d->fd, iov, cnt, off);
}

/* Zeroes by writing them: the last resort of WRITE_ZEROES. */
static int write_zero_bytes(struct disk *d, u64 off, u64 len)
{
	void *buf;
	int r = 0;

	if (posix_memalign(&buf, 4096, ZERO_CHUNK))
		return -ENOMEM;
	memset(buf, 0, ZERO_CHUNK);
	while (len && !r) {
		struct iovec v = { buf, MIN(len, (u64)ZERO_CHUNK) };

		r = raw_rw(d, &v, 1, off, true);
		off += v.iov_len;
		len -= v.iov_len;
	}
	free(buf);
	return r;
}

static int raw_write_zeroes(struct disk *d, u64 off, u64 len, bool unmap)
{
	int first = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;
	int second = unmap ? FALLOC_FL_ZERO_RANGE : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	if (!fallocate(d->fd, first, off, len) || !fallocate(d->fd, second, off, len))
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOTTY && errno != ENODEV && errno != EINVAL)
		return -errno;
	return write_zero_bytes(d, off, len);
}

int disk_sync_req(struct disk *d, const struct disk_req *req)
{
	switch (req->op) {
	case DISK_READ:
		return d->cow ? cow_read(d->cow, req->iov, req->iovcnt, req->offset)
			      : raw_rw(d, req->iov, req->iovcnt, req->offset, false);
	case DISK_WRITE:
		return d->cow ? cow_write(d->cow, req->iov, req->iovcnt, req->offset)
			      : raw_rw(d, req->iov, req->iovcnt, req->offset, true);
	case DISK_FLUSH:
		if (d->cow)
			return cow_flush(d->cow);
		if (d->ro)
			return 0;
		return fdatasync(d->fd) < 0 ? -errno : 0;
	case DISK_DISCARD:
		/* a hint: an overlay keeps the block, a file system without
		 * hole punching keeps the data */
		if (d->cow)
			return 0;
		if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      req->offset, req->len) < 0 && errno != EOPNOTSUPP)
			return -errno;
		return 0;
	case DISK_WRITE_ZEROES:
		return d->cow ? cow_write_zeroes(d->cow, req->offset, req->len)
			      : raw_write_zeroes(d, req->offset, req->len, req->unmap);
	}
	return -EINVAL;
}

int disk_check_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		pr_err("-d %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_err("'%s' is a directory: share it with --9p %s, or give a disk image", path, path);
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		pr_err("-d %s: not a regular file or block device", path);
		return -1;
	}
	return 0;
}

struct disk *disk_open(const struct disk_opts *o)
{
	struct disk *d;
	struct stat st;
	bool writable = !o->ro && !o->cow;
	int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	u64 size;

	if (disk_check_path(o->path) < 0 || stat(o->path, &st) < 0)
		return NULL;
	if (o->direct && o->cow)
		pr_warn("-d %s: direct is ignored with cow (the overlay goes through the page cache)",
			o->path);
	if (o->direct && !o->cow)
		flags |= O_DIRECT;
	d = xzalloc(sizeof(*d));
	d->path = xstrdup(o->path);
	d->ro = o->ro;
	d->direct = o->direct && !o->cow;
	if (o->serial)
		snprintf(d->serial, sizeof(d->serial), "%s", o->serial);
	d->fd = open(o->path, flags);
	if (d->fd < 0) {
		if (errno == EINVAL && (flags & O_DIRECT))
			pr_err("-d %s: its file system does not support O_DIRECT: drop ',direct'", o->path);
		else
			pr_err("-d %s: %s", o->path, strerror(errno));
		goto fail;
	}
	if (disk_lock_fd(d->fd, writable, o->path, "image") < 0)
		goto fail_fd;
	size = st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(d->fd, BLKGETSIZE64, &size) < 0) {
		pr_err("-d %s: cannot read the device's size: %s", o->path, strerror(errno));
		goto fail_fd;
	}
	if (size % DISK_SECTOR_SIZE)
		pr_warn("-d %s: size %llu is not a multiple of 512 bytes: the last %llu bytes are not used",
			o->path, (unsigned long long)size,
			(unsigned long long)(size % DISK_SECTOR_SIZE));
	d->size = size - size % DISK_SECTOR_SIZE;
	if (!d->size) {
		pr_err("-d %s: the image is empty (smaller than one 512-byte sector)", o->path);
		goto fail_fd;
	}
	if (o->cow) {
		d->cow = cow_open(d->fd, o->path, d->size, o->overlay);
		if (!d->cow)
			goto fail_fd;
	}
	return d;

fail_fd:
	close(d->fd);
fail:
	free(d->path);
	free(d);
	return NULL;
}

int disk_start(struct disk *d, int threads, bool no_uring)
{
	if (!no_uring && !d->cow)
		d->uring = disk_uring_start(d);
	d->pool = disk_pool_start(d, threads);
	return d->pool ? 0 : -1;
}

const char *disk_engine(const struct disk *d)
{
	return d->uring ? "io_uring" : "threads";
}

int disk_completion_fd(const struct disk *d)
{
	return d->uring ? disk_uring_fd(d->uring) : -1;
}

void disk_reap(struct disk *d)
{
	if (d->uring)
		disk_uring_reap(d->uring);
}

void disk_submit(struct disk *d, struct disk_req *req)
{
	u64 len = req->op == DISK_READ || req->op == DISK_WRITE ?
		  disk_iov_len(req->iov, req->iovcnt) : req->len;

	if (req->op != DISK_READ && req->op != DISK_FLUSH && d->ro) {
		req->done(req, -EROFS);
		return;
	}
	if (req->op != DISK_FLUSH && (req->offset > d->size || len > d->size - req->offset)) {
		req->done(req, -EINVAL);
		return;
	}
	if (req->op == DISK_READ)
		__atomic_fetch_add(&d->nr_reads, 1, __ATOMIC_RELAXED);
	else if (req->op == DISK_FLUSH)
		__atomic_fetch_add(&d->nr_flushes, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&d->nr_writes, 1, __ATOMIC_RELAXED);
	if (d->uring && disk_uring_submit(d->uring, req))
		return;
	disk_pool_queue(d->pool, req);
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	if (d->uring)
		disk_uring_stop(d->uring);
	if (d->pool)
		disk_pool_stop(d->pool);
	cow_close(d->cow);
	if (!d->ro && !d->cow && fdatasync(d->fd) < 0)
		pr_warn("-d %s: fdatasync: %s", d->path, strerror(errno));
	close(d->fd);	/* drops the OFD lock */
	free(d->path);
	free(d);
}
