// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring engine (liburing): reads, writes and flushes of raw images
 * go to one ring per disk; an eventfd registered with the ring tells the
 * caller's event loop when completions are waiting (disk_reap).
 * IORING_OP_FSYNC with IORING_FSYNC_DATASYNC is the flush: io_uring does
 * not order requests, but every write that completed before the flush
 * was submitted is covered by it, which is what virtio-blk's FLUSH
 * promises (virtio 1.2 section 5.2.6.2). Discards and write-zeroes, a
 * full ring, unaligned O_DIRECT buffers and short transfers go to the
 * thread pool. Sources: io_uring_setup(2), io_uring_enter(2),
 * io_uring_register(2) (IORING_REGISTER_EVENTFD).
 */
#include <errno.h>
#include <limits.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "disk/disk.h"
#include "util/log.h"

#define RING_ENTRIES	256
#define REAP_BATCH	64

struct disk_uring {
	struct disk *disk;
	struct io_uring ring;
	int efd;
	pthread_mutex_t sq_lock, cq_lock;
	u64 inflight;		/* under sq_lock for adds, atomic for subs */
};

struct disk_uring *disk_uring_start(struct disk *d)
{
	struct disk_uring *u = xzalloc(sizeof(*u));
	int r;

	u->disk = d;
	r = io_uring_queue_init(RING_ENTRIES, &u->ring, 0);
	if (r < 0) {
		pr_info("-d %s: io_uring unavailable (%s): using I/O threads", d->path, strerror(-r));
		free(u);
		return NULL;
	}
	u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->efd < 0 || io_uring_register_eventfd(&u->ring, u->efd) < 0) {
		pr_info("-d %s: io_uring eventfd unavailable: using I/O threads", d->path);
		if (u->efd >= 0)
			close(u->efd);
		io_uring_queue_exit(&u->ring);
		free(u);
		return NULL;
	}
	pthread_mutex_init(&u->sq_lock, NULL);
	pthread_mutex_init(&u->cq_lock, NULL);
	return u;
}

int disk_uring_fd(const struct disk_uring *u)
{
	return u->efd;
}

static bool aligned(const struct disk_req *req)
{
	if (req->offset % 512)
		return false;
	for (int i = 0; i < req->iovcnt; i++)
		if ((uintptr_t)req->iov[i].iov_base % 512 || req->iov[i].iov_len % 512)
			return false;
	return true;
}

bool disk_uring_submit(struct disk_uring *u, struct disk_req *req)
{
	struct io_uring_sqe *sqe;
	int fd = u->disk->fd;

	if (req->op == DISK_DISCARD || req->op == DISK_WRITE_ZEROES)
		return false;
	if ((req->op == DISK_READ || req->op == DISK_WRITE) &&
	    (req->iovcnt > IOV_MAX || (u->disk->direct && !aligned(req))))
		return false;
	pthread_mutex_lock(&u->sq_lock);
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) {
		pthread_mutex_unlock(&u->sq_lock);
		return false;
	}
	if (req->op == DISK_READ)
		io_uring_prep_readv(sqe, fd, req->iov, req->iovcnt, req->offset);
	else if (req->op == DISK_WRITE)
		io_uring_prep_writev(sqe, fd, req->iov, req->iovcnt, req->offset);
	else
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, req);
	__atomic_fetch_add(&u->inflight, 1, __ATOMIC_RELAXED);
	io_uring_submit(&u->ring);
	pthread_mutex_unlock(&u->sq_lock);
	return true;
}

/* One completion: a short transfer is redone by the pool from the start
 * (reads and writes at a fixed offset are idempotent). */
static void complete(struct disk_uring *u, struct disk_req *req, int res)
{
	if (res >= 0 && (req->op == DISK_READ || req->op == DISK_WRITE) &&
	    (u64)res != disk_iov_len(req->iov, req->iovcnt)) {
		disk_pool_queue(u->disk->pool, req);
		return;
	}
	req->done(req, res < 0 ? res : 0);
}

void disk_uring_reap(struct disk_uring *u)
{
	struct disk_req *reqs[REAP_BATCH];
	int res[REAP_BATCH];
	eventfd_t v;

	eventfd_read(u->efd, &v);	/* consume the wake-up; EAGAIN is fine */
	for (;;) {
		struct io_uring_cqe *cqe;
		int n = 0;

		pthread_mutex_lock(&u->cq_lock);
		while (n < REAP_BATCH && io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			reqs[n] = io_uring_cqe_get_data(cqe);
			res[n] = cqe->res;
			io_uring_cqe_seen(&u->ring, cqe);
			n++;
		}
		pthread_mutex_unlock(&u->cq_lock);
		if (!n)
			return;
		__atomic_fetch_sub(&u->inflight, n, __ATOMIC_RELAXED);
		for (int i = 0; i < n; i++)
			complete(u, reqs[i], res[i]);
	}
}

void disk_uring_stop(struct disk_uring *u)
{
	if (!u)
		return;
	/* the caller's event loop is gone: wait for what is still in flight */
	while (__atomic_load_n(&u->inflight, __ATOMIC_RELAXED)) {
		struct io_uring_cqe *cqe;

		pthread_mutex_lock(&u->cq_lock);
		int r = io_uring_wait_cqe(&u->ring, &cqe);

		pthread_mutex_unlock(&u->cq_lock);
		if (r < 0 && r != -EINTR)
			break;
		disk_uring_reap(u);
	}
	io_uring_queue_exit(&u->ring);
	close(u->efd);
	pthread_mutex_destroy(&u->sq_lock);
	pthread_mutex_destroy(&u->cq_lock);
	free(u);
}
