/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 9P2000.L file server behind virtio-9p: one session per device,
 * answering requests from the buffers of descriptor chains, several at
 * once from several threads (virtio/9p-pool.h). It serves the directory tree under one host directory with the
 * rights of the user running lkvm; every name the guest gives is
 * resolved beneath a directory fd the server holds (virtio/9p-path.h),
 * so nothing outside the share can be reached. Sources: the 9P2000
 * manual (intro(5), version(5), attach(5), walk(5), clunk(5), flush(5))
 * and the 9P2000.L message descriptions.
 */
#ifndef LKVM_VIRTIO_9P_SERVER_H
#define LKVM_VIRTIO_9P_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "virtio/9p-fid.h"
#include "virtio/9p-proto.h"

#define P9_MAX_MSIZE	(1024 * 1024)	/* largest msize lkvm agrees to */
#define P9_MIN_MSIZE	4096		/* smallest: room for a path and a qid list */
#define P9_VERSION_L	"9P2000.L"

/*
 * Operation counters, for the device's exit report (updated atomically).
 * @io_inline and @io_worker count the data requests (p9_server_may_wait)
 * the device answered on its I/O thread and those it handed to a worker
 * (virtio/9p-pool.h); the server itself leaves them alone.
 */
struct p9_stats {
	u64 requests, errors, bytes_read, bytes_written;
	u64 io_inline, io_worker;
};

struct p9_scratch;

/*
 * One server session over one share. Thread-safe: @lock guards @fids
 * and every fid (virtio/9p-ops.h: which requests take it how), @msize
 * and @versioned are read and written atomically, each request works in
 * its own scratch buffers taken from @scratch, @stats are atomic.
 * Ordering between requests (Tflush, Tversion) is the caller's
 * (virtio/9p-pool.h).
 */
struct p9_server {
	int root_fd;			/* O_PATH descriptor of the share's root */
	dev_t root_dev;
	ino_t root_ino;
	bool ro;			/* every modifying request fails with EROFS */
	bool versioned;			/* atomic: a Tversion for 9P2000.L was answered */
	u32 msize;			/* atomic: negotiated (P9_MAX_MSIZE before Tversion) */
	pthread_rwlock_t lock;		/* @fids and the fids in it */
	struct p9_fid_table fids;
	pthread_mutex_t scratch_lock;
	struct p9_scratch *scratch;	/* idle scratch buffers, one set per caller at most */
	struct p9_stats stats;
};

/*
 * p9_server_init - a session serving the directory @root (read-only
 * when @ro). Returns 0, or -errno with nothing held (@root missing, not
 * a directory, not accessible).
 */
int p9_server_init(struct p9_server *s, const char *root, bool ro);

/* p9_server_reset - forget the session: every fid, the version (device
 * reset). No request may be running. */
void p9_server_reset(struct p9_server *s);

/* p9_server_exit - release everything p9_server_init() took. No request
 * may be running. */
void p9_server_exit(struct p9_server *s);

/*
 * p9_server_may_wait - may a request of @type wait on a host file's data
 * (Tread, Twrite, Treaddir, Tfsync)? Those run without the server lock;
 * the device hands them to its worker threads (virtio/9p-pool.h).
 */
bool p9_server_may_wait(u8 type);

/*
 * p9_server_io_local - may a data request of @type (p9_server_may_wait)
 * on fid @fid be answered without the risk of waiting on another party?
 * True for a Tread, Twrite or Treaddir on a fid opened on a regular file
 * or directory, or on an xattr fid (a buffer), so the wait is the host
 * file system's own, as for any metadata request; false for Tfsync (it
 * waits for the disk), a FIFO, socket or device (a writer, a peer, the
 * hardware), and an unknown or unopened fid. Takes the server lock
 * shared; the answer holds while no request changes the fid.
 */
bool p9_server_io_local(struct p9_server *s, u8 type, u32 fid);

/*
 * p9_server_handle - answer the request in @out (@nout buffers, @out_len
 * bytes: the device-readable part of a chain) into @in (@nin buffers,
 * @in_len bytes: the writable part). Guest memory is read once: the
 * request is copied before it is decoded, except Twrite's data, which
 * goes from @out straight to the file (pwritev), as Tread's comes from
 * the file straight into @in (preadv).
 * Returns the reply's length in bytes (at least P9_HDR_BYTES; errors in
 * the request are answered with Rlerror), or -1 if the chain cannot carry
 * an answer at all (fewer than 7 readable or 11 writable bytes), which
 * the device treats as a broken driver. May run on several threads at
 * once for one @s.
 */
int p9_server_handle(struct p9_server *s, const struct iovec *out, int nout, u64 out_len,
		     const struct iovec *in, int nin, u64 in_len);

#endif
