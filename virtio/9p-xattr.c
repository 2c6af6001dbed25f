// SPDX-License-Identifier: GPL-2.0
/*
 * 9p server: extended attributes. Txattrwalk reads an attribute (or,
 * with an empty name, the list of names) into a new fid that Tread then
 * returns; Txattrcreate turns a fid into one that collects the value
 * through Twrite and sets it at Tclunk (a size of 0 removes it).
 * Attributes are read and set through a descriptor of the file opened
 * beneath the share; only regular files and directories have them here.
 * Sources: the 9P2000.L message descriptions; getxattr(2), setxattr(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "virtio/9p-ops.h"

/* A descriptor for xattr calls on @f: its open one or a fresh O_RDONLY
 * one (*@opened says which); -ENODATA for other file types. */
static int xattr_fd(struct p9_server *s, struct p9_fid *f, bool *opened)
{
	*opened = false;
	if (f->open_fd >= 0)
		return f->open_fd;
	if (f->qtype == P9_QTSYMLINK)
		return -ENODATA;
	if (f->qtype == P9_QTFILE) {
		struct stat st;
		int err = p9_stat_fid(f, &st);

		if (err < 0)
			return err;
		if (!S_ISREG(st.st_mode))
			return -ENODATA;
	}
	*opened = true;
	return p9_reopen(s, f, O_RDONLY | O_NONBLOCK | O_NOCTTY);
}

/* Txattrwalk: fid[4] newfid[4] name[s] -> size[8]. */
int p9_op_xattrwalk(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *f = p9_ctx_fid(c, m->fid), *nf;
	bool opened;
	ssize_t n;
	u8 *buf;
	int fd, err;

	if (!f || f->xattr)
		return -EBADF;
	if (m->newfid == m->fid || p9_fid_get(&c->s->fids, m->newfid))
		return -EBADF;
	fd = xattr_fd(c->s, f, &opened);
	if (fd == -ENODATA && !*m->name)
		fd = -1, n = 0;		/* no attributes: an empty list */
	else if (fd < 0)
		return fd;
	buf = malloc(P9_XATTR_MAX);
	if (!buf) {
		if (opened)
			close(fd);
		return -ENOMEM;
	}
	if (fd >= 0)
		n = *m->name ? fgetxattr(fd, m->name, buf, P9_XATTR_MAX) :
			       flistxattr(fd, (char *)buf, P9_XATTR_MAX);
	err = n < 0 ? -errno : 0;
	if (opened && fd >= 0)
		close(fd);
	if (err) {
		free(buf);
		return err;
	}
	if ((u64)n > P9_XATTR_HELD_MAX - MIN(c->s->fids.xattr_held, (u64)P9_XATTR_HELD_MAX)) {
		free(buf);
		return -ENOSPC;	/* the guest holds too many xattr fids */
	}
	nf = p9_fid_new(&c->s->fids, m->newfid, &err);
	if (!nf) {
		free(buf);
		return err;
	}
	nf->xattr = true;
	nf->xattr_buf = n ? realloc(buf, (size_t)n) : buf;	/* keep what was read only */
	if (!nf->xattr_buf)
		nf->xattr_buf = buf;
	nf->xattr_size = (u64)n;
	c->s->fids.xattr_held += (u64)n;
	p9_put_u64(c->r, (u64)n);
	return 0;
}

/* Txattrcreate: fid[4] name[s] attr_size[8] flags[4]. */
int p9_op_xattrcreate(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *f = p9_ctx_fid(c, m->fid);

	if (!f || f->xattr)
		return -EBADF;
	if (!*m->name)
		return -EINVAL;
	if (m->attr_size > P9_XATTR_MAX)
		return -E2BIG;
	if (m->flags & ~(u32)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (f->open_fd >= 0)
		return -EBADF;
	if (m->attr_size > P9_XATTR_HELD_MAX - MIN(c->s->fids.xattr_held, (u64)P9_XATTR_HELD_MAX))
		return -ENOSPC;
	c->s->fids.xattr_held += m->attr_size;
	f->xattr = f->xattr_create = true;
	f->xattr_name = xstrdup(m->name);
	f->xattr_size = m->attr_size;
	f->xattr_written = 0;
	f->xattr_flags = m->flags;
	f->xattr_buf = xzalloc(m->attr_size ? m->attr_size : 1);
	return 0;
}

int p9_xattr_read(struct p9_ctx *c, struct p9_fid *f)
{
	const struct p9_msg *m = c->m;
	u64 n = 0;

	if (f->xattr_create)
		return -EBADF;
	if (m->offset < f->xattr_size)
		n = MIN((u64)m->count, f->xattr_size - m->offset);
	n = MIN(n, (u64)(p9_room(c) >= 4 ? p9_room(c) - 4 : 0));
	n = p9_iov_from_buf(c->in, c->nin, P9_RREAD_HDR, f->xattr_buf + (n ? m->offset : 0), n);
	p9_put_u32(c->r, (u32)n);
	c->data_len = (u32)n;
	return 0;
}

int p9_xattr_write(struct p9_ctx *c, struct p9_fid *f)
{
	const struct p9_msg *m = c->m;
	u64 n;

	if (!f->xattr_create)
		return -EBADF;
	if (m->offset > f->xattr_size || m->count > f->xattr_size - m->offset)
		return -ENOSPC;
	n = p9_iov_to_buf(c->out, c->nout, P9_TWRITE_HDR, f->xattr_buf + m->offset, m->count);
	if (m->offset + n > f->xattr_written)
		f->xattr_written = m->offset + n;
	p9_put_u32(c->r, (u32)n);
	return 0;
}

int p9_xattr_commit(struct p9_server *s, struct p9_fid *f)
{
	bool opened;
	int fd = xattr_fd(s, f, &opened), r;

	if (fd < 0)
		return fd == -ENODATA ? -EOPNOTSUPP : fd;
	if (f->xattr_size == 0 && !f->xattr_flags)
		r = fremovexattr(fd, f->xattr_name);
	else
		r = fsetxattr(fd, f->xattr_name, f->xattr_buf, f->xattr_size, (int)f->xattr_flags);
	r = r < 0 ? -errno : 0;
	if (opened)
		close(fd);
	return r;
}
