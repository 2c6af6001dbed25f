// SPDX-License-Identifier: GPL-2.0
/*
 * 9p server: open files and their I/O (Tlopen, Tlcreate, Tread, Twrite,
 * Treaddir, Tfsync, Tlock, Tgetlock). Reads and writes go between the
 * host file and the guest's buffers with preadv/pwritev on the chain's
 * iovecs; readdir is batched (one getdents64 per request). Those four
 * (and Tfsync) run without the server lock, on a referenced fid, so a
 * slow file holds up no other request (virtio/9p-ops.h). Sources: the
 * 9P2000.L message descriptions; open(2), getdents64(2), fcntl(2) (open
 * file description locks).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio/9p-ops.h"
#include "virtio/9p-path.h"
#include "virtio/virtq.h"

#define P9_DIRENT_FIXED	24	/* qid[13] offset[8] type[1] name length[2] */

/* The open(2) flags lkvm honours from a Tlopen/Tlcreate (the 9P2000.L
 * values are Linux's x86 ones). Anything else is dropped: O_CREAT outside
 * Tlcreate, O_DIRECT (guest buffers need no alignment), O_NOATIME, async
 * and terminal flags. Returns -EINVAL for access mode 3. */
static int open_flags(u32 fl, bool create)
{
	int f = fl & O_ACCMODE;

	if (f == O_ACCMODE)
		return -EINVAL;
	f |= fl & (O_TRUNC | O_APPEND | O_DSYNC | O_SYNC | O_DIRECTORY);
	if (create)
		f |= (fl & O_EXCL) | O_CREAT;
	/* a FIFO or device must not block the server */
	return f | O_LARGEFILE | O_NONBLOCK | O_NOCTTY;
}

static bool writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* Tlopen: fid[4] flags[4] -> qid[13] iounit[4]. */
int p9_op_lopen(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	int flags = open_flags(c->m->flags, false), fd;
	struct p9_qid q;
	struct stat st;

	if (!f || f->xattr)
		return -EBADF;
	if (f->open_fd >= 0)
		return -EBUSY;
	if (flags < 0)
		return flags;
	if (c->s->ro && writes(flags))
		return -EROFS;
	if (f->qtype == P9_QTSYMLINK)
		return -ELOOP;
	fd = p9_reopen(c->s, f, flags);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	f->open_fd = fd;
	f->open_flags = flags;
	f->open_local = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
	p9_qid_of(c->s, &st, &q);
	p9_put_qid(c->r, &q);
	p9_put_u32(c->r, 0);	/* iounit: msize - 24, the client's default */
	return 0;
}

/* Tlcreate: fid[4] name[s] flags[4] mode[4] gid[4] -> qid[13] iounit[4].
 * fid (a directory) becomes the new, open file. gid is not applied: the
 * server has the rights of the user running lkvm. */
int p9_op_lcreate(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *f = p9_ctx_fid(c, m->fid);
	int flags = open_flags(m->flags, true), fd, pfd, err;
	struct stat st, dst;
	struct p9_qid q;

	if (!f || f->xattr || f->open_fd >= 0)
		return -EBADF;
	if (f->qtype != P9_QTDIR)
		return -ENOTDIR;
	if (flags < 0)
		return flags;
	if ((err = p9_name_ok(m->name)) < 0)
		return err;
	if (fstat(f->fd, &dst) < 0)
		return -errno;
	fd = p9_open_beneath(f->fd, m->name, flags | O_NOFOLLOW, m->mode & 07777, true);
	if (fd < 0)
		return fd;
	pfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (pfd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		if (pfd >= 0)
			close(pfd);
		close(fd);
		return err;
	}
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	f->dir_fd = f->fd;
	f->dir_dev = dst.st_dev;
	f->dir_ino = dst.st_ino;
	f->fd = pfd;
	free(f->name);
	f->name = xstrdup(m->name);
	f->open_fd = fd;
	f->open_flags = flags;
	f->open_local = S_ISREG(st.st_mode);
	f->qtype = P9_QTFILE;
	p9_qid_of(c->s, &st, &q);
	p9_put_qid(c->r, &q);
	p9_put_u32(c->r, 0);
	return 0;
}

/* Tread: fid[4] offset[8] count[4] -> count[4] data[count]: preadv
 * straight into the chain after the 11-byte reply header. */
int p9_op_read(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct iovec iov[VIRTQ_MAX_SIZE];
	struct p9_io_fid io;
	u32 count;
	ssize_t n;
	int k, err = p9_ctx_io_fid(c, m->fid, &io);

	if (err)
		return err;
	if (io.xattr)
		err = p9_xattr_read(c, io.f);
	else if (io.fd < 0)
		err = -EBADF;
	else if (m->offset > INT64_MAX)
		err = -EINVAL;
	if (err || io.xattr)
		goto out;
	count = MIN(m->count, p9_room(c) >= 4 ? p9_room(c) - 4 : 0);
	k = p9_iov_slice(c->in, c->nin, P9_RREAD_HDR, count, iov, ARRAY_SIZE(iov));
	if (k < 0) {
		err = -EIO;	/* cannot happen: count fits the chain */
		goto out;
	}
	do {
		n = k ? preadv(io.fd, iov, k, (off_t)m->offset) : 0;
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	p9_put_u32(c->r, (u32)n);
	c->data_len = (u32)n;
	__atomic_fetch_add(&c->s->stats.bytes_read, n, __ATOMIC_RELAXED);
out:
	p9_fid_put(io.f);
	return err;
}

/* Twrite: fid[4] offset[8] count[4] data[count] -> count[4]: pwritev
 * straight from the chain (the data was never copied). */
int p9_op_write(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct iovec iov[VIRTQ_MAX_SIZE];
	struct p9_io_fid io;
	ssize_t n;
	int k, err = p9_ctx_io_fid(c, m->fid, &io);

	if (err)
		return err;
	if (io.xattr) {		/* the fid's buffer: only under the exclusive lock */
		pthread_rwlock_wrlock(&c->s->lock);
		err = p9_xattr_write(c, io.f);
		pthread_rwlock_unlock(&c->s->lock);
		goto out;
	}
	if (io.fd < 0 || m->offset > INT64_MAX) {
		err = io.fd < 0 ? -EBADF : -EINVAL;
		goto out;
	}
	/* the size field (checked against the chain) is 23 + count */
	k = p9_iov_slice(c->out, c->nout, P9_TWRITE_HDR, m->count, iov, ARRAY_SIZE(iov));
	if (k < 0) {
		err = -EPROTO;
		goto out;
	}
	do {
		n = k ? pwritev(io.fd, iov, k, (off_t)m->offset) : 0;
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	p9_put_u32(c->r, (u32)n);
	__atomic_fetch_add(&c->s->stats.bytes_written, n, __ATOMIC_RELAXED);
out:
	p9_fid_put(io.f);
	return err;
}

static u8 dtype_qid(unsigned char t)
{
	return t == DT_DIR ? P9_QTDIR : t == DT_LNK ? P9_QTSYMLINK : P9_QTFILE;
}

/*
 * Treaddir: fid[4] offset[8] count[4] -> count[4] data[count], data being
 * entries qid[13] offset[8] type[1] name[s]. offset is the directory
 * position getdents64 gave (d_off) for the entry before; as many entries
 * as fit in count (and the reply) are read with one getdents64.
 */
static int readdir_fid(struct p9_ctx *c, const struct p9_io_fid *io)
{
	const struct p9_msg *m = c->m;
	struct p9_buf *r = c->r;
	u32 want, count_pos;
	ssize_t n;
	char *buf;

	if (io->xattr || io->fd < 0)
		return -EBADF;
	if (io->qtype != P9_QTDIR)
		return -ENOTDIR;
	if (m->offset > INT64_MAX)
		return -EINVAL;
	want = MIN(m->count, p9_room(c) >= 4 ? p9_room(c) - 4 : 0);
	buf = malloc(want ? want : 1);
	if (!buf)
		return -ENOMEM;
	/* the seek and the read share the open file's position */
	pthread_mutex_lock(&io->f->dir_lock);
	if (lseek(io->fd, (off_t)m->offset, SEEK_SET) < 0)
		n = -1;
	else
		do {
			n = want ? getdents64(io->fd, buf, want) : 0;
		} while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(&io->f->dir_lock);
	if (n < 0) {
		int e = -errno;

		free(buf);
		return e;
	}
	count_pos = r->pos;
	p9_put_u32(r, 0);
	for (ssize_t o = 0; o < n;) {
		struct dirent64 *d = (struct dirent64 *)(buf + o);
		size_t len = strnlen(d->d_name, d->d_reclen);
		struct p9_qid q = { dtype_qid(d->d_type), 0, d->d_ino };

		if (d->d_reclen == 0 || P9_DIRENT_FIXED + len > want - (r->pos - count_pos - 4))
			break;
		p9_put_qid(r, &q);
		p9_put_u64(r, (u64)d->d_off);
		p9_put_u8(r, d->d_type);
		p9_put_str(r, d->d_name, len);
		o += d->d_reclen;
	}
	free(buf);
	if (r->err)
		return -EIO;	/* cannot happen: every entry was checked to fit */
	{
		u32 end = r->pos, cnt = end - count_pos - 4;

		r->pos = count_pos;
		p9_put_u32(r, cnt);
		r->pos = end;
	}
	return 0;
}

int p9_op_readdir(struct p9_ctx *c)
{
	struct p9_io_fid io;
	int err = p9_ctx_io_fid(c, c->m->fid, &io);

	if (err)
		return err;
	err = readdir_fid(c, &io);
	p9_fid_put(io.f);
	return err;
}

/* Tfsync: fid[4] datasync[4]. */
int p9_op_fsync(struct p9_ctx *c)
{
	struct p9_io_fid io;
	int err = p9_ctx_io_fid(c, c->m->fid, &io);

	if (err)
		return err;
	if (io.xattr || io.fd < 0)
		err = -EBADF;
	else if ((c->m->datasync ? fdatasync(io.fd) : fsync(io.fd)) < 0)
		err = -errno;
	p9_fid_put(io.f);
	return err;
}

/* A struct flock from a Tlock/Tgetlock; -EINVAL for an unknown type or a
 * range beyond off_t. */
static int to_flock(const struct p9_msg *m, struct flock *fl, bool getlock)
{
	memset(fl, 0, sizeof(*fl));
	switch (m->lock_type) {
	case P9_LOCK_TYPE_RDLCK:
		fl->l_type = F_RDLCK;
		break;
	case P9_LOCK_TYPE_WRLCK:
		fl->l_type = F_WRLCK;
		break;
	case P9_LOCK_TYPE_UNLCK:
		/* Tgetlock asks "any lock here?": test the strongest kind */
		fl->l_type = getlock ? F_WRLCK : F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if (m->start > INT64_MAX || m->length > INT64_MAX)
		return -EINVAL;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)m->start;
	fl->l_len = (off_t)m->length;	/* 0: to the end of the file */
	return 0;
}

/* Tlock: fid[4] type[1] flags[4] start[8] length[8] proc_id[4]
 * client_id[s] -> status[1]. An open file description lock on the fid's
 * open file; never waits: a conflict answers BLOCKED and the client
 * retries. */
int p9_op_lock(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	struct flock fl;
	u8 status = P9_LOCK_SUCCESS;
	int err;

	if (!f || f->xattr || f->open_fd < 0)
		return -EBADF;
	if ((err = to_flock(c->m, &fl, false)) < 0)
		return err;
	if (fcntl(f->open_fd, F_OFD_SETLK, &fl) < 0)
		status = (errno == EAGAIN || errno == EACCES) ? P9_LOCK_BLOCKED : P9_LOCK_ERROR;
	p9_put_u8(c->r, status);
	return 0;
}

/* Tgetlock: fid[4] type[1] start[8] length[8] proc_id[4] client_id[s]
 * -> type[1] start[8] length[8] proc_id[4] client_id[s]: the first
 * conflicting lock, or type UNLCK. */
int p9_op_getlock(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *f = p9_ctx_fid(c, m->fid);
	struct flock fl;
	int err;

	if (!f || f->xattr || f->open_fd < 0)
		return -EBADF;
	if ((err = to_flock(m, &fl, true)) < 0)
		return err;
	if (fcntl(f->open_fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	if (fl.l_type == F_UNLCK) {
		p9_put_u8(c->r, P9_LOCK_TYPE_UNLCK);
		p9_put_u64(c->r, m->start);
		p9_put_u64(c->r, m->length);
		p9_put_u32(c->r, m->proc_id);
	} else {
		p9_put_u8(c->r, fl.l_type == F_RDLCK ? P9_LOCK_TYPE_RDLCK : P9_LOCK_TYPE_WRLCK);
		p9_put_u64(c->r, (u64)fl.l_start);
		p9_put_u64(c->r, (u64)fl.l_len);
		p9_put_u32(c->r, fl.l_pid > 0 ? (u32)fl.l_pid : 0);
	}
	p9_put_str(c->r, m->name2, m->name2_len);
	return 0;
}
