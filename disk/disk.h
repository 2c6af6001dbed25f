/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk images behind virtio-blk: a raw image file, optionally behind a
 * copy-on-write overlay (disk/cow.h), with advisory locking, served
 * asynchronously through io_uring (disk/uring.c) or a thread pool
 * (disk/pool.c) where io_uring is unavailable.
 *
 * A disk never sees virtio: requests are byte offsets and host iovecs,
 * and completions are callbacks that may run on any thread.
 *
 * Data safety: a DISK_FLUSH completes only after fdatasync(2) (or
 * IORING_OP_FSYNC with IORING_FSYNC_DATASYNC) of the files written, so
 * every write that completed before the flush was submitted is on stable
 * storage when the flush completes.
 *
 * Image size: a file whose size is not a multiple of 512 bytes is rounded
 * down to whole sectors with one warning; the tail is never read or
 * written.
 */
#ifndef LKVM_DISK_H
#define LKVM_DISK_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "util/util.h"

#define DISK_SECTOR_SIZE	512
#define DISK_SERIAL_MAX		20	/* bytes of a virtio-blk GET_ID reply */

/* -d PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID], as parsed. */
struct disk_opts {
	const char *path;	/* image file (not a directory) */
	bool ro;		/* refuse writes; the guest sees a read-only disk */
	bool direct;		/* O_DIRECT: bypass the host page cache */
	bool cow;		/* writes go to an overlay; the image stays untouched */
	const char *overlay;	/* cow=FILE: persistent overlay; NULL: anonymous */
	const char *serial;	/* GET_ID string (<= DISK_SERIAL_MAX bytes) or NULL */
	char *buf;		/* the copy of the argument the strings point into */
};

/*
 * disk_opts_parse - parse one -d argument into @o (strings point into
 * @o->buf, a private copy of @arg kept until disk_opts_free). Returns 0,
 * or -1 with nothing kept and one error line logged (unknown flag, empty path, serial longer than 20 bytes,
 * ro together with cow, an overlay name without cow).
 */
int disk_opts_parse(const char *arg, struct disk_opts *o);

/* disk_opts_free - release the copy @o's strings point into and zero @o. */
void disk_opts_free(struct disk_opts *o);

enum disk_op {
	DISK_READ,
	DISK_WRITE,
	DISK_FLUSH,
	DISK_DISCARD,		/* may drop the data (punches a hole in raw files) */
	DISK_WRITE_ZEROES,	/* reads back as zeroes afterwards */
};

struct disk_req;
/* Completion: @err is 0 or a negative errno. May run on any thread. */
typedef void (*disk_done_fn)(struct disk_req *req, int err);

/*
 * One request. The caller owns it until @done is called. For READ and
 * WRITE the length is the sum of the iovecs; for DISCARD and
 * WRITE_ZEROES it is @len. @offset + length must lie within the disk
 * (the caller checks against disk_size()).
 */
struct disk_req {
	enum disk_op op;
	u64 offset;		/* bytes */
	u64 len;		/* bytes, DISCARD / WRITE_ZEROES only */
	bool unmap;		/* WRITE_ZEROES: a hole is fine */
	const struct iovec *iov;
	int iovcnt;
	disk_done_fn done;
	void *opaque;		/* the caller's */
	struct disk_req *next;	/* private: thread pool queue */
};

struct disk_pool;
struct disk_uring;
struct cow;

/* An open disk. Fields are private to disk/. */
struct disk {
	char *path;
	int fd;			/* the image (read-only when cow or ro) */
	u64 size;		/* bytes, a multiple of 512 */
	bool ro, direct;
	char serial[DISK_SERIAL_MAX + 1];
	struct cow *cow;	/* or NULL */
	struct disk_pool *pool;
	struct disk_uring *uring;	/* or NULL: everything through the pool */
	u64 nr_reads, nr_writes, nr_flushes;	/* statistics (atomic) */
};

/*
 * disk_check_path - can @path be a disk image (exists, not a directory,
 * a regular file or block device)? Returns 0, or -1 with one error line
 * (a directory points at --9p).
 */
int disk_check_path(const char *path);

/*
 * disk_open - open @o->path (and its overlay), lock it and size it.
 * The image is locked with an OFD write lock when writable, a read lock
 * otherwise (and the overlay with a write lock), so a second lkvm that
 * wants to write it fails. Returns the disk, or NULL with one error line
 * logged (missing file, a directory, locked, overlay of another base).
 */
struct disk *disk_open(const struct disk_opts *o);

/*
 * disk_start - start the asynchronous engine: io_uring unless
 * @no_uring or io_uring_queue_init() fails (then a thread pool of
 * @threads workers). Returns 0 or -1.
 */
int disk_start(struct disk *d, int threads, bool no_uring);

/* disk_size - bytes. */
static inline u64 disk_size(const struct disk *d) { return d->size; }

/* disk_engine - "io_uring" or "threads": what serves the requests. */
const char *disk_engine(const struct disk *d);

/*
 * disk_completion_fd - an eventfd that becomes readable when io_uring
 * completions are waiting (then call disk_reap()), or -1 with the pool.
 */
int disk_completion_fd(const struct disk *d);

/* disk_reap - run the callbacks of every finished io_uring request. */
void disk_reap(struct disk *d);

/*
 * disk_submit - start @req; its @done callback reports the result (also
 * for errors found here, e.g. -EROFS for a write to a read-only disk).
 */
void disk_submit(struct disk *d, struct disk_req *req);

/*
 * disk_close - wait for requests in flight, write the cow overlay's
 * metadata, sync a writable image, release the locks and free @d.
 */
void disk_close(struct disk *d);

/* ---- inside disk/ ------------------------------------------------------- */

/* disk_sync_req - do @req synchronously on the calling thread (pool
 * workers, and io_uring's fallback). Returns 0 or a negative errno. */
int disk_sync_req(struct disk *d, const struct disk_req *req);

/* Full-length positional I/O on @fd, retrying short transfers and EINTR.
 * A read past the end of the file fills zeroes. Return 0 or -errno. */
int disk_preadv_full(int fd, const struct iovec *iov, int cnt, u64 off);
int disk_pwritev_full(int fd, const struct iovec *iov, int cnt, u64 off);

/* disk_iov_slice - the iovecs covering bytes [@skip, @skip + @len) of
 * @src (@n entries) into @dst (at most @max entries). Returns the count,
 * or -1 if @src is too short or @dst too small. */
int disk_iov_slice(const struct iovec *src, int n, u64 skip, u64 len,
		   struct iovec *dst, int max);

/* disk_lock_fd - take an OFD lock (a write lock if @write) on all of
 * @fd; another process holding a conflicting one gets one error line
 * naming @path and @what ("image", "overlay"). Returns 0 or -1. */
int disk_lock_fd(int fd, bool write, const char *path, const char *what);

/* disk_iov_len - total bytes of @iov. */
u64 disk_iov_len(const struct iovec *iov, int n);

/* Thread pool (disk/pool.c): start @threads workers; queue a request;
 * stop (waits for queued requests). */
struct disk_pool *disk_pool_start(struct disk *d, int threads);
void disk_pool_queue(struct disk_pool *p, struct disk_req *req);
void disk_pool_stop(struct disk_pool *p);

/* io_uring engine (disk/uring.c). disk_uring_start returns NULL when
 * io_uring is unavailable (liburing missing at build time, EPERM,
 * ENOSYS); disk_uring_submit returns false when the request must go to
 * the pool instead (ring full, cow, unaligned direct I/O). */
struct disk_uring *disk_uring_start(struct disk *d);
bool disk_uring_submit(struct disk_uring *u, struct disk_req *req);
int disk_uring_fd(const struct disk_uring *u);
void disk_uring_reap(struct disk_uring *u);
void disk_uring_stop(struct disk_uring *u);

#endif
