// SPDX-License-Identifier: GPL-2.0
/*
 * The 9P2000.L server session (virtio/9p-server.h): copying a request out
 * of the chain, decoding it, dispatching it, and writing the reply back;
 * Tversion, Tattach, Twalk, Tclunk and Tflush. Sources: version(5),
 * attach(5), walk(5), clunk(5), flush(5) of the 9P2000 manual; the
 * 9P2000.L additions (Rlerror with a Linux errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/log.h"
#include "virtio/9p-ops.h"
#include "virtio/9p-path.h"

int p9_iov_slice(const struct iovec *src, int n, u64 skip, u64 len, struct iovec *dst, int max)
{
	int k = 0;

	for (int i = 0; i < n && len; i++) {
		u64 l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		if (k == max)
			return -1;
		dst[k].iov_base = (u8 *)src[i].iov_base + skip;
		dst[k].iov_len = MIN(l - skip, len);
		len -= dst[k].iov_len;
		skip = 0;
		k++;
	}
	return len ? -1 : k;
}

/* Copy between @buf and the bytes at @off of the iovec; @to_buf says which way. */
static u64 iov_copy(const struct iovec *iov, int n, u64 off, u8 *buf, u64 len, bool to_buf)
{
	u64 done = 0;

	for (int i = 0; i < n && done < len; i++) {
		u64 l = iov[i].iov_len, k;
		u8 *p;

		if (off >= l) {
			off -= l;
			continue;
		}
		p = (u8 *)iov[i].iov_base + off;
		k = MIN(l - off, len - done);
		memcpy(to_buf ? buf + done : p, to_buf ? p : buf + done, k);
		done += k;
		off = 0;
	}
	return done;
}

u64 p9_iov_to_buf(const struct iovec *iov, int n, u64 off, void *buf, u64 len)
{
	return iov_copy(iov, n, off, buf, len, true);
}

u64 p9_iov_from_buf(const struct iovec *iov, int n, u64 off, const void *buf, u64 len)
{
	return iov_copy(iov, n, off, (u8 *)buf, len, false);
}

void p9_qid_of(const struct p9_server *s, const struct stat *st, struct p9_qid *q)
{
	q->type = S_ISDIR(st->st_mode) ? P9_QTDIR : S_ISLNK(st->st_mode) ? P9_QTSYMLINK : P9_QTFILE;
	q->version = 0;		/* constant: Linux compares it to tell inodes apart */
	q->path = st->st_ino;
	/* files of other file systems mounted inside the share */
	if (st->st_dev != s->root_dev)
		q->path ^= ((u64)st->st_dev * 0x9e3779b97f4a7c15ULL) & 0xffff000000000000ULL;
}

int p9_stat_fid(const struct p9_fid *f, struct stat *st)
{
	return fstatat(f->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

struct p9_fid *p9_ctx_fid(struct p9_ctx *c, u32 id)
{
	return p9_fid_get(&c->s->fids, id);
}

int p9_reopen(struct p9_server *s, const struct p9_fid *f, int flags)
{
	flags |= O_NOFOLLOW;
	if (f->qtype == P9_QTDIR || f->dir_fd < 0)
		return p9_open_beneath(f->fd, ".", flags, 0, true);
	return p9_open_beneath(f->dir_fd, f->name, flags, 0, true);
}

static int dup_fd(int fd)
{
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return n < 0 ? -errno : n;
}

int p9_server_init(struct p9_server *s, const char *root, bool ro)
{
	struct stat st;
	struct rlimit rl;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	s->root_fd = fd;
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	s->ro = ro;
	s->msize = P9_MAX_MSIZE;
	s->req = xzalloc(P9_MAX_MSIZE);
	s->arena = xzalloc(P9_MAX_MSIZE);
	s->reply = xzalloc(P9_MAX_MSIZE);
	/* every fid holds descriptors: allow as many as the hard limit */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

void p9_server_reset(struct p9_server *s)
{
	p9_fid_clear(&s->fids);
	s->versioned = false;
	s->msize = P9_MAX_MSIZE;
}

void p9_server_exit(struct p9_server *s)
{
	p9_server_reset(s);
	if (s->root_fd >= 0)
		close(s->root_fd);
	s->root_fd = -1;
	free(s->req);
	free(s->arena);
	free(s->reply);
	s->req = s->reply = NULL;
	s->arena = NULL;
}

/* Tversion: msize[4] version[s] -> msize[4] version[s]. A new session:
 * every fid is clunked. Anything but 9P2000.L gets "unknown". */
static int op_version(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	const struct p9_msg *m = c->m;

	if (m->msize < P9_MIN_MSIZE)
		return -EINVAL;
	p9_fid_clear(&s->fids);
	if (strcmp(m->name, P9_VERSION_L)) {
		s->versioned = false;
		p9_put_u32(c->r, MIN(m->msize, P9_MAX_MSIZE));
		p9_put_str(c->r, "unknown", 7);
		return 0;
	}
	s->msize = MIN(m->msize, P9_MAX_MSIZE);
	s->versioned = true;
	p9_put_u32(c->r, s->msize);
	p9_put_str(c->r, P9_VERSION_L, strlen(P9_VERSION_L));
	return 0;
}

/* Tattach: fid[4] afid[4] uname[s] aname[s] n_uname[4] -> qid. No
 * authentication; aname must name the root ("" or "/"). */
static int op_attach(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *f;
	struct p9_qid q;
	struct stat st;
	int err;

	if (m->afid != P9_NOFID)
		return -EINVAL;
	if (*m->name2 && strcmp(m->name2, "/"))
		return -ENOENT;
	f = p9_fid_new(&c->s->fids, m->fid, &err);
	if (!f)
		return err;
	f->fd = dup_fd(c->s->root_fd);
	if (f->fd < 0 || (err = p9_stat_fid(f, &st)) < 0) {
		err = f->fd < 0 ? f->fd : err;
		p9_fid_del(&c->s->fids, f);
		return err;
	}
	p9_qid_of(c->s, &st, &q);
	f->qtype = q.type;
	p9_put_qid(c->r, &q);
	return 0;
}

/* Is @st the share's root? */
static bool is_root(const struct p9_server *s, const struct stat *st)
{
	return st->st_dev == s->root_dev && st->st_ino == s->root_ino;
}

/*
 * Twalk: fid[4] newfid[4] nwname[2] wname[s]... -> nwqid[2] qid...
 * Each name is one component opened O_PATH | O_NOFOLLOW beneath the
 * directory before it: a symlink is never followed (the client reads it
 * and walks its target itself), ".." above the directory it starts from
 * fails with openat2's EXDEV except at the root, where it stays (walk(5)).
 * A walk that fails after the first name answers the qids so far and
 * leaves newfid unused.
 */
static int op_walk(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	const struct p9_msg *m = c->m;
	struct p9_fid *f = p9_ctx_fid(c, m->fid), *nf;
	struct p9_qid qids[P9_MAXWELEM];
	struct stat st, dir_st = { 0 };
	int cur, dir, err = 0, n = 0;
	const char *name;
	bool has_dir_st = false;

	if (!f || f->xattr)
		return -EBADF;
	if (f->open_fd >= 0 && m->newfid == m->fid && m->nwname)
		return -EBUSY;	/* an open fid stays what it was opened as */
	if (m->newfid != m->fid && p9_fid_get(&s->fids, m->newfid))
		return -EBADF;
	cur = dup_fd(f->fd);
	if (cur < 0)
		return cur;
	dir = f->dir_fd >= 0 ? dup_fd(f->dir_fd) : -1;
	name = f->name;
	if ((err = p9_stat_fid(f, &st)) < 0)
		goto fail;
	for (n = 0; n < m->nwname; n++) {
		const char *w = m->wnames[n];
		int nfd;

		if (!strcmp(w, "."))
			nfd = dup_fd(cur);
		else if (!strcmp(w, "..") && is_root(s, &st))
			nfd = dup_fd(cur);
		else if (!strcmp(w, ".."))
			nfd = p9_open_beneath(cur, "..", O_PATH | O_DIRECTORY, 0, true);
		else if (!S_ISDIR(st.st_mode))
			nfd = -ENOTDIR;
		else
			nfd = (err = p9_name_ok(w)) < 0 ? err :
			      p9_open_beneath(cur, w, O_PATH | O_NOFOLLOW, 0, false);
		if (nfd >= 0 && fstat(nfd, &st) < 0) {
			close(nfd);
			nfd = -errno;
		}
		if (nfd < 0) {
			err = nfd;
			break;
		}
		p9_qid_of(s, &st, &qids[n]);
		if (!strcmp(w, "."))
			;
		else if (!strcmp(w, "..")) {	/* only at the root: stays the root */
			if (dir >= 0)
				close(dir);
			dir = -1;
			name = NULL;
		} else {
			if (dir >= 0)
				close(dir);
			dir = cur;
			cur = -1;
			fstat(dir, &dir_st);
			has_dir_st = true;
			name = w;
		}
		if (cur >= 0)
			close(cur);
		cur = nfd;
	}
	if (n < m->nwname) {
		if (n == 0)
			goto fail;
		err = 0;
		goto reply;		/* partial walk: newfid untouched */
	}
	if (m->newfid == m->fid) {
		nf = f;
		if (nf->fd >= 0)
			close(nf->fd);
		if (nf->dir_fd >= 0)
			close(nf->dir_fd);
		nf->fd = nf->dir_fd = -1;
	} else {
		nf = p9_fid_new(&s->fids, m->newfid, &err);
		if (!nf)
			goto fail;
	}
	if (name != nf->name) {
		char *copy = name ? xstrdup(name) : NULL;

		free(nf->name);
		nf->name = copy;
	}
	if (has_dir_st) {
		nf->dir_dev = dir_st.st_dev;
		nf->dir_ino = dir_st.st_ino;
	} else if (nf != f) {
		nf->dir_dev = f->dir_dev;
		nf->dir_ino = f->dir_ino;
	}
	nf->fd = cur;
	nf->dir_fd = dir;
	nf->qtype = S_ISDIR(st.st_mode) ? P9_QTDIR : S_ISLNK(st.st_mode) ? P9_QTSYMLINK : P9_QTFILE;
	cur = dir = -1;
reply:
	if (cur >= 0)
		close(cur);
	if (dir >= 0)
		close(dir);
	p9_put_u16(c->r, n);
	for (int i = 0; i < n; i++)
		p9_put_qid(c->r, &qids[i]);
	return 0;
fail:
	if (cur >= 0)
		close(cur);
	if (dir >= 0)
		close(dir);
	return err ? err : -ENOENT;
}

/* Tclunk: fid[4]. A Txattrcreate fid sets its attribute now. */
static int op_clunk(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	int err = 0;

	if (!f)
		return -EBADF;
	if (f->xattr_create)
		err = p9_xattr_commit(c->s, f);
	p9_fid_del(&c->s->fids, f);
	return err;
}

/* Requests that change the share (refused with EROFS on a ro share). */
static bool modifies(const struct p9_msg *m)
{
	switch (m->type) {
	case P9_TLCREATE: case P9_TSYMLINK: case P9_TMKNOD: case P9_TRENAME:
	case P9_TSETATTR: case P9_TXATTRCREATE: case P9_TLINK: case P9_TMKDIR:
	case P9_TRENAMEAT: case P9_TUNLINKAT: case P9_TWRITE: case P9_TREMOVE:
		return true;
	default:
		return false;
	}
}

static int dispatch(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;

	if (m->type == P9_TVERSION)
		return op_version(c);
	if (!c->s->versioned)
		return -EPROTO;
	if (c->s->ro && modifies(m)) {
		struct p9_fid *f = m->type == P9_TREMOVE ? p9_ctx_fid(c, m->fid) : NULL;

		if (f)	/* Tremove clunks the fid even when it fails (remove(5)) */
			p9_fid_del(&c->s->fids, f);
		return -EROFS;
	}
	switch (m->type) {
	case P9_TAUTH:		return -EOPNOTSUPP;
	case P9_TATTACH:	return op_attach(c);
	case P9_TFLUSH:		return 0;	/* requests are answered in order: none pending */
	case P9_TWALK:		return op_walk(c);
	case P9_TCLUNK:		return op_clunk(c);
	case P9_TLOPEN:		return p9_op_lopen(c);
	case P9_TLCREATE:	return p9_op_lcreate(c);
	case P9_TREAD:		return p9_op_read(c);
	case P9_TWRITE:		return p9_op_write(c);
	case P9_TREADDIR:	return p9_op_readdir(c);
	case P9_TFSYNC:		return p9_op_fsync(c);
	case P9_TLOCK:		return p9_op_lock(c);
	case P9_TGETLOCK:	return p9_op_getlock(c);
	case P9_TGETATTR:	return p9_op_getattr(c);
	case P9_TSETATTR:	return p9_op_setattr(c);
	case P9_TSTATFS:	return p9_op_statfs(c);
	case P9_TREADLINK:	return p9_op_readlink(c);
	case P9_TMKDIR:		return p9_op_mkdir(c);
	case P9_TSYMLINK:	return p9_op_symlink(c);
	case P9_TMKNOD:		return p9_op_mknod(c);
	case P9_TLINK:		return p9_op_link(c);
	case P9_TRENAME:	return p9_op_rename(c);
	case P9_TRENAMEAT:	return p9_op_renameat(c);
	case P9_TUNLINKAT:	return p9_op_unlinkat(c);
	case P9_TREMOVE:	return p9_op_remove(c);
	case P9_TXATTRWALK:	return p9_op_xattrwalk(c);
	case P9_TXATTRCREATE:	return p9_op_xattrcreate(c);
	default:		return -EOPNOTSUPP;
	}
}

int p9_server_handle(struct p9_server *s, const struct iovec *out, int nout, u64 out_len,
		     const struct iovec *in, int nin, u64 in_len)
{
	u8 hdr[P9_TWRITE_HDR];
	struct p9_msg m;
	struct p9_buf r;
	struct p9_ctx c;
	u32 size, copy, cap, len;
	u16 tag;
	int err;

	if (out_len < P9_HDR_BYTES || in_len < P9_RLERROR_BYTES)
		return -1;
	s->stats.requests++;
	copy = (u32)p9_iov_to_buf(out, nout, 0, hdr, MIN(out_len, (u64)sizeof(hdr)));
	size = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;
	tag = hdr[5] | hdr[6] << 8;
	if (size < P9_HDR_BYTES || size > out_len || size > s->msize) {
		err = -EPROTO;
		goto error;
	}
	if (hdr[4] == P9_TWRITE) {
		copy = MIN(copy, size);
		memcpy(s->req, hdr, copy);
	} else {
		copy = (u32)p9_iov_to_buf(out, nout, 0, s->req, size);
	}
	err = p9_decode(s->req, copy, &m, s->arena);
	if (err)
		goto error;
	cap = (u32)MIN(in_len, (u64)s->msize);
	p9_buf_init(&r, s->reply, cap);
	p9_reply_begin(&r, m.type + 1, m.tag);
	c = (struct p9_ctx){ .s = s, .m = &m, .r = &r, .out = out, .in = in, .nout = nout,
			     .nin = nin, .out_len = out_len, .in_len = in_len };
	err = dispatch(&c);
	if (err)
		goto error;
	len = p9_reply_end(&r);
	if (!len) {
		err = -EMSGSIZE;
		goto error;
	}
	if (c.data_len) {	/* Rread: the size field counts the data too */
		u32 total = len + c.data_len;

		s->reply[0] = total;
		s->reply[1] = total >> 8;
		s->reply[2] = total >> 16;
		s->reply[3] = total >> 24;
		p9_iov_from_buf(in, nin, 0, s->reply, len);
		return total;
	}
	p9_iov_from_buf(in, nin, 0, s->reply, len);
	return len;
error:
	s->stats.errors++;
	pr_debug("9p: %s tag %u: %s", p9_type_name(hdr[4]), tag, strerror(-err));
	len = p9_encode_lerror(s->reply, tag, -err);
	p9_iov_from_buf(in, nin, 0, s->reply, len);
	return len;
}
