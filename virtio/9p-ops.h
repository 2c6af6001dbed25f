/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the 9p server: the context a request handler gets and the
 * handlers, one file per group (virtio/9p-server.c: session and walk,
 * 9p-file.c: open files and I/O, 9p-meta.c: metadata and namespace,
 * 9p-xattr.c: extended attributes). Not for use outside virtio/9p-*.c.
 *
 * A handler reads ctx->m (the decoded request), appends the reply's body
 * to ctx->r (the header is already there), and returns 0, or a negative
 * errno that becomes an Rlerror (the body is then discarded).
 *
 * Locking: p9_server_handle() runs a handler under the server's lock,
 * shared for requests that only read fids and exclusive for those that
 * change the fid table or a fid (see p9_lock_mode in 9p-server.c). The
 * four that may wait on a host file (Tread, Twrite, Treaddir, Tfsync) run
 * without it and take their fid with p9_ctx_io_fid().
 */
#ifndef LKVM_VIRTIO_9P_OPS_H
#define LKVM_VIRTIO_9P_OPS_H

#include <sys/stat.h>

#include "virtio/9p-server.h"

struct p9_ctx {
	struct p9_server *s;
	const struct p9_msg *m;
	struct p9_buf *r;		/* reply, header written */
	const struct iovec *out, *in;	/* the chain's two parts */
	int nout, nin;
	u64 out_len, in_len;
	u32 data_len;			/* Rread: bytes already in @in after the header */
};

/* p9_qid_of - the qid of a file from its stat. */
void p9_qid_of(const struct p9_server *s, const struct stat *st, struct p9_qid *q);

/* p9_stat_fid - fstat of @f's file (a symlink itself). Returns 0 or -errno. */
int p9_stat_fid(const struct p9_fid *f, struct stat *st);

/* p9_ctx_fid - the request's fid @id, or NULL (then answer -EBADF).
 * Server lock held. */
struct p9_fid *p9_ctx_fid(struct p9_ctx *c, u32 id);

/*
 * A fid taken by a handler that runs without the server lock, with the
 * fields it needs as they were then. Once set, open_fd, xattr and
 * xattr_create never change for the fid's life, so the copy stays true.
 */
struct p9_io_fid {
	struct p9_fid *f;		/* referenced: p9_fid_put() when done */
	int fd;				/* f->open_fd */
	u8 qtype;
	bool xattr, xattr_create;
};

/*
 * p9_ctx_io_fid - look fid @id up under the shared server lock and take
 * a reference to it, so that a concurrent Tclunk leaves it (and its open
 * descriptor) alive until p9_fid_put(@io->f). Returns 0, or -EBADF for
 * an unknown fid.
 */
int p9_ctx_io_fid(struct p9_ctx *c, u32 id, struct p9_io_fid *io);

/*
 * p9_reopen - a new descriptor of @f's file opened with @flags
 * (O_NOFOLLOW, O_CLOEXEC added): a directory through its own fd ("."),
 * anything else through its directory and name, beneath the share.
 * Returns the fd or -errno.
 */
int p9_reopen(struct p9_server *s, const struct p9_fid *f, int flags);

/*
 * p9_iov_slice - the iovecs covering [@skip, @skip + @len) of @src (@n
 * entries) into @dst (at most @max). Returns the count, or -1 if @src is
 * shorter or @dst too small.
 */
int p9_iov_slice(const struct iovec *src, int n, u64 skip, u64 len, struct iovec *dst, int max);

/* p9_iov_to_buf / p9_iov_from_buf - copy @len bytes between @buf and
 * the bytes from @off on of an iovec array. Return the bytes copied. */
u64 p9_iov_to_buf(const struct iovec *iov, int n, u64 off, void *buf, u64 len);
u64 p9_iov_from_buf(const struct iovec *iov, int n, u64 off, const void *buf, u64 len);

/* p9_room - bytes left in the reply (bounded by msize and the chain). */
static inline u32 p9_room(const struct p9_ctx *c)
{
	return c->r->size - c->r->pos;
}

/* Handlers (9p-file.c). */
int p9_op_lopen(struct p9_ctx *c);
int p9_op_lcreate(struct p9_ctx *c);
int p9_op_read(struct p9_ctx *c);
int p9_op_write(struct p9_ctx *c);
int p9_op_readdir(struct p9_ctx *c);
int p9_op_fsync(struct p9_ctx *c);
int p9_op_lock(struct p9_ctx *c);
int p9_op_getlock(struct p9_ctx *c);

/* Handlers (9p-meta.c). */
int p9_op_getattr(struct p9_ctx *c);
int p9_op_setattr(struct p9_ctx *c);
int p9_op_statfs(struct p9_ctx *c);
int p9_op_readlink(struct p9_ctx *c);
int p9_op_mkdir(struct p9_ctx *c);
int p9_op_symlink(struct p9_ctx *c);
int p9_op_mknod(struct p9_ctx *c);
int p9_op_link(struct p9_ctx *c);
int p9_op_rename(struct p9_ctx *c);
int p9_op_renameat(struct p9_ctx *c);
int p9_op_unlinkat(struct p9_ctx *c);
int p9_op_remove(struct p9_ctx *c);

/* Handlers and helpers (9p-xattr.c). */
int p9_op_xattrwalk(struct p9_ctx *c);
int p9_op_xattrcreate(struct p9_ctx *c);
/* Tread / Twrite on an xattr fid (the reader needs no lock, the writer
 * the exclusive one). */
int p9_xattr_read(struct p9_ctx *c, struct p9_fid *f);
int p9_xattr_write(struct p9_ctx *c, struct p9_fid *f);
/* Tclunk of a Txattrcreate fid: set (or, for size 0, remove) the attribute. */
int p9_xattr_commit(struct p9_server *s, struct p9_fid *f);

#endif
