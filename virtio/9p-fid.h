/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 9p server's fid table: the guest's 32-bit fid numbers mapped to
 * the files they stand for, in a hash table of at most P9_MAX_FIDS
 * entries (the guest cannot make the server allocate without bound).
 *
 * Threads: the table and every fid's fields are guarded by the server's
 * lock (struct p9_server, virtio/9p-ops.h says how handlers take it); a
 * fid is reference counted so that a request doing I/O without that lock
 * keeps it, and its descriptors, alive across a concurrent Tclunk.
 */
#ifndef LKVM_VIRTIO_9P_FID_H
#define LKVM_VIRTIO_9P_FID_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/util.h"

#define P9_MAX_FIDS	16384		/* fids one session may hold */
#define P9_FID_BUCKETS	1024
#define P9_XATTR_MAX	65536		/* XATTR_SIZE_MAX: bytes of one xattr value or list */
#define P9_XATTR_HELD_MAX (16u << 20)	/* bytes all xattr fids of a session may hold */

/*
 * One fid. @fd always refers to the file: an O_PATH descriptor from a
 * walk or attach, or a dup of the open one after Tlcreate. @dir_fd and
 * @name locate it for operations that need a fresh open (Tlopen,
 * truncate, Tremove, Trename): an O_PATH descriptor of its directory and
 * its single-component name; -1 and NULL for the share's root.
 */
struct p9_fid {
	u32 id;
	int refs;			/* atomic: the table's one plus one per holder */
	pthread_mutex_t dir_lock;	/* Treaddir: the seek and read on open_fd */
	int fd;
	int open_fd;			/* -1 until Tlopen / Tlcreate, then fixed */
	int open_flags;			/* the flags open_fd was opened with */
	bool open_local;		/* open_fd is a regular file or directory: its I/O
					 * waits on no other party (virtio/9p-server.h) */
	int dir_fd;
	char *name;
	dev_t dir_dev;			/* identity of dir_fd's directory, for renames */
	ino_t dir_ino;
	u8 qtype;			/* P9_QT* of the file at walk time */
	/* xattr fids: Txattrwalk (read) or Txattrcreate (write, set at clunk) */
	bool xattr, xattr_create;
	u32 xattr_flags;
	u64 xattr_size;			/* bytes in @xattr_buf (walk) or expected (create) */
	u64 xattr_written;
	u8 *xattr_buf;
	char *xattr_name;
	struct p9_fid *next;
};

/* The table. Zero-initialise it. */
struct p9_fid_table {
	struct p9_fid *buckets[P9_FID_BUCKETS];
	u32 count;
	u64 xattr_held;			/* bytes of xattr buffers the fids hold */
};

/* p9_fid_get - the fid @id, or NULL. */
struct p9_fid *p9_fid_get(struct p9_fid_table *t, u32 id);

/*
 * p9_fid_new - a new fid @id with every descriptor -1, held by the table
 * only. Returns it, or NULL with *@err set: -EBADF if @id is in use or
 * P9_NOFID, -EMFILE if the table holds P9_MAX_FIDS.
 */
struct p9_fid *p9_fid_new(struct p9_fid_table *t, u32 id, int *err);

/* p9_fid_hold - one more reference to @f (taken under the server lock,
 * so that @f outlives it). Returns @f. */
struct p9_fid *p9_fid_hold(struct p9_fid *f);

/* p9_fid_put - drop a reference; the last one closes @f's descriptors
 * and frees it. Needs no lock. */
void p9_fid_put(struct p9_fid *f);

/* p9_fid_del - unlink fid @f from the table and drop the table's
 * reference (a holder may still use it until its own p9_fid_put). */
void p9_fid_del(struct p9_fid_table *t, struct p9_fid *f);

/* p9_fid_clear - unlink every fid, dropping the table's references
 * (Tversion, reset, exit). */
void p9_fid_clear(struct p9_fid_table *t);

/* p9_fid_each - call @fn(@f, @opaque) for every fid. */
void p9_fid_each(struct p9_fid_table *t, void (*fn)(struct p9_fid *f, void *opaque), void *opaque);

#endif
