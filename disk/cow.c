// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write overlay (format and rules in disk/cow.h).
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/cow.h"
#include "disk/disk.h"
#include "util/log.h"

#define COW_HEADER_SIZE	4096
#define COW_VERSION	1
#define COW_DATA_ALIGN	(1024 * 1024)
#define COW_IOV_MAX	1024
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

/* On-disk header, little endian (x86 hosts only). */
struct cow_header {
	char magic[8];		/* COW_MAGIC */
	u32 version;
	u32 block_size;		/* COW_BLOCK_SIZE */
	u64 base_size;		/* bytes */
	u64 base_mtime_sec, base_mtime_nsec;
	u64 base_ino;
	u64 bitmap_off;		/* bytes from the start of the overlay */
	u64 data_off;		/* the disk's byte 0 lives here */
};

struct cow {
	pthread_mutex_t lock;
	int base_fd, fd;
	u64 size, nr_blocks;
	u8 *bitmap;
	u64 bitmap_bytes;
	u64 dirty_lo, dirty_hi;	/* bitmap bytes changed since the last write-back */
	u64 data_off;
	u64 mapped;
	u8 *block;		/* one block of scratch for copy-ups */
};

static bool bit_get(const struct cow *c, u64 b) { return c->bitmap[b / 8] & (1u << (b % 8)); }

static void bit_set(struct cow *c, u64 b)
{
	if (bit_get(c, b))
		return;
	c->bitmap[b / 8] |= 1u << (b % 8);
	c->mapped++;
	if (c->dirty_lo > b / 8)
		c->dirty_lo = b / 8;
	if (c->dirty_hi < b / 8 + 1)
		c->dirty_hi = b / 8 + 1;
}

bool cow_block_mapped(struct cow *c, u64 block)
{
	bool r;

	pthread_mutex_lock(&c->lock);
	r = block < c->nr_blocks && bit_get(c, block);
	pthread_mutex_unlock(&c->lock);
	return r;
}

u64 cow_blocks_mapped(struct cow *c)
{
	u64 r;

	pthread_mutex_lock(&c->lock);
	r = c->mapped;
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* An unnamed file for an anonymous overlay: O_TMPFILE where the file
 * system has it, else a created and at once unlinked file. */
static int anon_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/lkvm-cow-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		pr_err("cannot create a temporary overlay in %s: %s (set TMPDIR)", dir, strerror(errno));
		return -1;
	}
	unlink(path);
	return fd;
}

static int pread_full(int fd, void *buf, size_t len, u64 off)
{
	struct iovec iov = { buf, len };

	return disk_preadv_full(fd, &iov, 1, off);
}

static int pwrite_full(int fd, const void *buf, size_t len, u64 off)
{
	struct iovec iov = { (void *)buf, len };

	return disk_pwritev_full(fd, &iov, 1, off);
}

static void fill_header(struct cow_header *h, const struct stat *st, u64 size, u64 data_off)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, COW_MAGIC, 8);
	h->version = COW_VERSION;
	h->block_size = COW_BLOCK_SIZE;
	h->base_size = size;
	h->base_mtime_sec = st->st_mtim.tv_sec;
	h->base_mtime_nsec = st->st_mtim.tv_nsec;
	h->base_ino = st->st_ino;
	h->bitmap_off = COW_HEADER_SIZE;
	h->data_off = data_off;
}

struct cow *cow_open(int base_fd, const char *base_path, u64 size, const char *overlay)
{
	struct cow *c = xzalloc(sizeof(*c));
	struct cow_header want, have;
	struct stat st, ost;

	if (fstat(base_fd, &st) < 0) {
		pr_err("%s: %s", base_path, strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->base_fd = base_fd;
	c->size = size;
	c->nr_blocks = DIV_ROUND_UP(size, COW_BLOCK_SIZE);
	c->bitmap_bytes = DIV_ROUND_UP(c->nr_blocks, 8);
	c->data_off = ALIGN_UP(COW_HEADER_SIZE + c->bitmap_bytes, COW_DATA_ALIGN);
	c->bitmap = xzalloc(c->bitmap_bytes + 1);
	c->block = xmalloc(COW_BLOCK_SIZE);
	c->dirty_lo = UINT64_MAX;
	fill_header(&want, &st, size, c->data_off);

	if (!overlay) {
		c->fd = anon_file();
		if (c->fd < 0)
			goto fail;
	} else {
		c->fd = open(overlay, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (c->fd < 0) {
			pr_err("overlay %s: %s", overlay, strerror(errno));
			goto fail;
		}
		if (disk_lock_fd(c->fd, true, overlay, "overlay") < 0)
			goto fail_fd;
		if (fstat(c->fd, &ost) < 0 || !S_ISREG(ost.st_mode)) {
			pr_err("overlay %s: not a regular file", overlay);
			goto fail_fd;
		}
		if (ost.st_ino == st.st_ino && ost.st_dev == st.st_dev) {
			pr_err("overlay %s is the image itself", overlay);
			goto fail_fd;
		}
		if (ost.st_size > 0) {
			if (pread_full(c->fd, &have, sizeof(have), 0) < 0 ||
			    memcmp(have.magic, COW_MAGIC, 8) || have.version != COW_VERSION ||
			    have.block_size != COW_BLOCK_SIZE) {
				pr_err("overlay %s is not an lkvm overlay (version %u); give a new file name",
				       overlay, COW_VERSION);
				goto fail_fd;
			}
			if (memcmp(&have, &want, sizeof(have))) {
				pr_err("overlay %s was made for another base image (size, mtime or inode of %s differ); "
				       "give a new overlay or the original base", overlay, base_path);
				goto fail_fd;
			}
			if (pread_full(c->fd, c->bitmap, c->bitmap_bytes, COW_HEADER_SIZE) < 0) {
				pr_err("overlay %s: cannot read its bitmap", overlay);
				goto fail_fd;
			}
			for (u64 b = 0; b < c->nr_blocks; b++)
				c->mapped += bit_get(c, b);
			return c;
		}
	}
	/* A new overlay: header, empty bitmap, sized so that holes read 0. */
	if (pwrite_full(c->fd, &want, sizeof(want), 0) < 0 ||
	    ftruncate(c->fd, c->data_off + size) < 0 || fdatasync(c->fd) < 0) {
		pr_err("overlay %s: cannot initialise: %s", overlay ? overlay : "(temporary)",
		       strerror(errno));
		goto fail_fd;
	}
	return c;

fail_fd:
	close(c->fd);
fail:
	free(c->bitmap);
	free(c->block);
	free(c);
	return NULL;
}

/* Read [off, off + len) of the disk into @iov: runs of mapped blocks from
 * the overlay, runs of unmapped ones from the base. Lock held. */
static int read_locked(struct cow *c, const struct iovec *iov, int cnt, u64 off, u64 len)
{
	struct iovec part[COW_IOV_MAX];
	u64 done = 0;

	while (done < len) {
		u64 pos = off + done, b = pos / COW_BLOCK_SIZE;
		bool m = bit_get(c, b);
		u64 end = (b + 1) * COW_BLOCK_SIZE;
		int n, r;

		while (end < off + len && bit_get(c, end / COW_BLOCK_SIZE) == m)
			end += COW_BLOCK_SIZE;
		if (end > off + len)
			end = off + len;
		n = disk_iov_slice(iov, cnt, done, end - pos, part, COW_IOV_MAX);
		if (n < 0)
			return -EINVAL;
		r = m ? disk_preadv_full(c->fd, part, n, c->data_off + pos)
		      : disk_preadv_full(c->base_fd, part, n, pos);
		if (r < 0)
			return r;
		done = end - off;
	}
	return 0;
}

int cow_read(struct cow *c, const struct iovec *iov, int cnt, u64 off)
{
	u64 len = disk_iov_len(iov, cnt);
	int r;

	if (off > c->size || len > c->size - off)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	r = read_locked(c, iov, cnt, off, len);
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* Bytes [skip, skip + len) of @iov (or zeroes if @iov is NULL) into @dst. */
static void gather(u8 *dst, const struct iovec *iov, int cnt, u64 skip, u64 len)
{
	if (!iov) {
		memset(dst, 0, len);
		return;
	}
	for (int i = 0; i < cnt && len; i++) {
		u64 l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		u64 take = MIN(l - skip, len);

		memcpy(dst, (u8 *)iov[i].iov_base + skip, take);
		dst += take;
		len -= take;
		skip = 0;
	}
}

/* Write [pos, pos + len) inside one block, taken from @iov at @skip
 * (zeroes if @iov is NULL), copying the rest of an unmapped block from
 * the base first. Lock held. */
static int write_partial(struct cow *c, const struct iovec *iov, int cnt, u64 skip,
			 u64 pos, u64 len)
{
	u64 b = pos / COW_BLOCK_SIZE, start = b * COW_BLOCK_SIZE;
	u64 blen = MIN((u64)COW_BLOCK_SIZE, c->size - start);
	int r;

	if (bit_get(c, b)) {
		gather(c->block, iov, cnt, skip, len);
		return pwrite_full(c->fd, c->block, len, c->data_off + pos);
	}
	r = pread_full(c->base_fd, c->block, blen, start);
	if (r < 0)
		return r;
	gather(c->block + (pos - start), iov, cnt, skip, len);
	r = pwrite_full(c->fd, c->block, blen, c->data_off + start);
	if (r == 0)
		bit_set(c, b);
	return r;
}

/* Write @len bytes at @off from @iov, or zeroes when @iov is NULL. */
static int write_range(struct cow *c, const struct iovec *iov, int cnt, u64 off, u64 len)
{
	u64 done = 0;
	int r = 0;

	if (off > c->size || len > c->size - off)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	while (done < len && !r) {
		u64 pos = off + done, b = pos / COW_BLOCK_SIZE;
		u64 in_block = pos % COW_BLOCK_SIZE;
		u64 left = len - done;

		if (in_block || left < COW_BLOCK_SIZE) {
			/* a block's head or tail: the disk's last block may be
			 * short, so it is always copied up */
			u64 n = MIN(left, COW_BLOCK_SIZE - in_block);

			r = write_partial(c, iov, cnt, done, pos, n);
			done += n;
			continue;
		}
		/* whole blocks: one write, then the bits */
		u64 n = left / COW_BLOCK_SIZE * COW_BLOCK_SIZE;

		if (iov) {
			struct iovec part[COW_IOV_MAX];
			int k = disk_iov_slice(iov, cnt, done, n, part, COW_IOV_MAX);

			r = k < 0 ? -EINVAL : disk_pwritev_full(c->fd, part, k, c->data_off + pos);
		} else {
			/* a hole in the overlay reads as zeroes */
			r = fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      c->data_off + pos, n) < 0 ? -errno : 0;
			if (r == -EOPNOTSUPP) {
				memset(c->block, 0, COW_BLOCK_SIZE);
				r = 0;
				for (u64 k = 0; k < n && !r; k += COW_BLOCK_SIZE)
					r = pwrite_full(c->fd, c->block, COW_BLOCK_SIZE,
							c->data_off + pos + k);
			}
		}
		if (!r)
			for (u64 k = 0; k < n / COW_BLOCK_SIZE; k++)
				bit_set(c, b + k);
		done += n;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int cow_write(struct cow *c, const struct iovec *iov, int cnt, u64 off)
{
	return write_range(c, iov, cnt, off, disk_iov_len(iov, cnt));
}

int cow_write_zeroes(struct cow *c, u64 off, u64 len)
{
	return write_range(c, NULL, 0, off, len);
}

int cow_flush(struct cow *c)
{
	int r = 0;

	pthread_mutex_lock(&c->lock);
	if (fdatasync(c->fd) < 0)
		r = -errno;
	if (!r && c->dirty_lo < c->dirty_hi) {
		r = pwrite_full(c->fd, c->bitmap + c->dirty_lo, c->dirty_hi - c->dirty_lo,
				COW_HEADER_SIZE + c->dirty_lo);
		if (!r && fdatasync(c->fd) < 0)
			r = -errno;
		if (!r) {
			c->dirty_lo = UINT64_MAX;
			c->dirty_hi = 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

void cow_close(struct cow *c)
{
	if (!c)
		return;
	if (cow_flush(c) < 0)
		pr_warn("cow overlay: cannot write its bitmap back: the overlay may miss recent writes");
	close(c->fd);
	pthread_mutex_destroy(&c->lock);
	free(c->bitmap);
	free(c->block);
	free(c);
}
