// SPDX-License-Identifier: GPL-2.0
/*
 * The 9P2000.L server session (virtio/9p-server.h): copying a request out
 * of the chain, decoding it, dispatching it, and writing the reply back;
 * Tversion, Tattach, Twalk, Tclunk and Tflush; the server lock and the
 * per-request scratch buffers. Sources: version(5), attach(5), walk(5),
 * clunk(5), flush(5) of the 9P2000 manual; the 9P2000.L additions
 * (Rlerror with a Linux errno).
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

/* One request's working memory: the request copied out of the chain,
 * its decoded strings and the reply, msize bytes each. */
struct p9_scratch {
	u8 *req;
	char *arena;
	u8 *reply;
	struct p9_scratch *next;	/* the server's idle list */
};

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

int p9_ctx_io_fid(struct p9_ctx *c, u32 id, struct p9_io_fid *io)
{
	struct p9_fid *f;

	pthread_rwlock_rdlock(&c->s->lock);
	f = p9_fid_get(&c->s->fids, id);
	if (f)
		*io = (struct p9_io_fid){ p9_fid_hold(f), f->open_fd, f->qtype,
					  f->xattr, f->xattr_create };
	pthread_rwlock_unlock(&c->s->lock);
	return f ? 0 : -EBADF;
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
	pthread_rwlockattr_t ra;
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
	/* a stream of shared holders (reads) must not starve a walk */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&s->scratch_lock, NULL);
	/* every fid holds descriptors: allow as many as the hard limit */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

void p9_server_reset(struct p9_server *s)
{
	pthread_rwlock_wrlock(&s->lock);
	p9_fid_clear(&s->fids);
	__atomic_store_n(&s->versioned, false, __ATOMIC_RELAXED);
	__atomic_store_n(&s->msize, P9_MAX_MSIZE, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&s->lock);
}

void p9_server_exit(struct p9_server *s)
{
	p9_server_reset(s);
	if (s->root_fd >= 0)
		close(s->root_fd);
	s->root_fd = -1;
	while (s->scratch) {
		struct p9_scratch *w = s->scratch;

		s->scratch = w->next;
		free(w->req);
		free(w->arena);
		free(w->reply);
		free(w);
	}
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->scratch_lock);
}

/* An idle scratch set, or a new one (at most one per concurrent caller). */
static struct p9_scratch *scratch_get(struct p9_server *s)
{
	struct p9_scratch *w;

	pthread_mutex_lock(&s->scratch_lock);
	w = s->scratch;
	if (w)
		s->scratch = w->next;
	pthread_mutex_unlock(&s->scratch_lock);
	if (w)
		return w;
	w = xzalloc(sizeof(*w));
	w->req = xzalloc(P9_MAX_MSIZE);
	w->arena = xzalloc(P9_MAX_MSIZE);
	w->reply = xzalloc(P9_MAX_MSIZE);
	return w;
}

static void scratch_put(struct p9_server *s, struct p9_scratch *w)
{
	pthread_mutex_lock(&s->scratch_lock);
	w->next = s->scratch;
	s->scratch = w;
	pthread_mutex_unlock(&s->scratch_lock);
}

/* Tversion: msize[4] version[s] -> msize[4] version[s]. A new session:
 * every fid is clunked. Anything but 9P2000.L gets "unknown". */
static int op_version(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	const struct p9_msg *m = c->m;

	u32 msize = MIN(m->msize, P9_MAX_MSIZE);

	if (m->msize < P9_MIN_MSIZE)
		return -EINVAL;
	p9_fid_clear(&s->fids);
	if (strcmp(m->name, P9_VERSION_L)) {
		__atomic_store_n(&s->versioned, false, __ATOMIC_RELAXED);
		p9_put_u32(c->r, msize);
		p9_put_str(c->r, "unknown", 7);
		return 0;
	}
	__atomic_store_n(&s->msize, msize, __ATOMIC_RELAXED);
	__atomic_store_n(&s->versioned, true, __ATOMIC_RELAXED);
	p9_put_u32(c->r, msize);
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

enum p9_lock_mode { P9_LOCK_NONE, P9_LOCK_SHARED, P9_LOCK_EXCL };

/* How a request holds the server lock (virtio/9p-ops.h): exclusive if it
 * changes the fid table or a fid, none for the I/O requests that take
 * their fid themselves, shared for the rest. */
bool p9_server_may_wait(u8 type)
{
	return type == P9_TREAD || type == P9_TWRITE || type == P9_TREADDIR || type == P9_TFSYNC;
}

bool p9_server_io_local(struct p9_server *s, u8 type, u32 fid)
{
	struct p9_fid *f;
	bool local = false;

	if (type != P9_TREAD && type != P9_TWRITE && type != P9_TREADDIR)
		return false;
	pthread_rwlock_rdlock(&s->lock);
	f = p9_fid_get(&s->fids, fid);
	if (f)
		local = f->xattr || (f->open_fd >= 0 && f->open_local);
	pthread_rwlock_unlock(&s->lock);
	return local;
}

static enum p9_lock_mode p9_lock_mode(u8 type)
{
	if (p9_server_may_wait(type))
		return P9_LOCK_NONE;
	switch (type) {
	case P9_TFLUSH: case P9_TAUTH:
		return P9_LOCK_NONE;
	case P9_TVERSION: case P9_TATTACH: case P9_TWALK: case P9_TCLUNK:
	case P9_TLOPEN: case P9_TLCREATE: case P9_TRENAME: case P9_TRENAMEAT:
	case P9_TREMOVE: case P9_TXATTRWALK: case P9_TXATTRCREATE:
		return P9_LOCK_EXCL;
	default:
		return P9_LOCK_SHARED;
	}
}

static int dispatch(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;

	if (m->type == P9_TVERSION)
		return op_version(c);
	if (!__atomic_load_n(&c->s->versioned, __ATOMIC_RELAXED))
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
	case P9_TFLUSH:		return 0;	/* the caller answered oldtag first (9p-pool.h) */
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

static int dispatch_locked(struct p9_ctx *c)
{
	enum p9_lock_mode mode = p9_lock_mode(c->m->type);
	int err;

	if (mode == P9_LOCK_EXCL)
		pthread_rwlock_wrlock(&c->s->lock);
	else if (mode == P9_LOCK_SHARED)
		pthread_rwlock_rdlock(&c->s->lock);
	err = dispatch(c);
	if (mode != P9_LOCK_NONE)
		pthread_rwlock_unlock(&c->s->lock);
	return err;
}

int p9_server_handle(struct p9_server *s, const struct iovec *out, int nout, u64 out_len,
		     const struct iovec *in, int nin, u64 in_len)
{
	u8 hdr[P9_TWRITE_HDR];
	u32 size, copy, cap, len, msize = __atomic_load_n(&s->msize, __ATOMIC_RELAXED);
	struct p9_scratch *w;
	struct p9_msg m;
	struct p9_buf r;
	struct p9_ctx c;
	u16 tag;
	int err;

	if (out_len < P9_HDR_BYTES || in_len < P9_RLERROR_BYTES)
		return -1;
	__atomic_fetch_add(&s->stats.requests, 1, __ATOMIC_RELAXED);
	w = scratch_get(s);
	copy = (u32)p9_iov_to_buf(out, nout, 0, hdr, MIN(out_len, (u64)sizeof(hdr)));
	size = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;
	tag = hdr[5] | hdr[6] << 8;
	if (size < P9_HDR_BYTES || size > out_len || size > msize) {
		err = -EPROTO;
		goto error;
	}
	if (hdr[4] == P9_TWRITE) {
		copy = MIN(copy, size);
		memcpy(w->req, hdr, copy);
	} else {
		copy = (u32)p9_iov_to_buf(out, nout, 0, w->req, size);
	}
	err = p9_decode(w->req, copy, &m, w->arena);
	if (err)
		goto error;
	cap = (u32)MIN(in_len, (u64)msize);
	p9_buf_init(&r, w->reply, cap);
	p9_reply_begin(&r, m.type + 1, m.tag);
	c = (struct p9_ctx){ .s = s, .m = &m, .r = &r, .out = out, .in = in, .nout = nout,
			     .nin = nin, .out_len = out_len, .in_len = in_len };
	err = dispatch_locked(&c);
	if (err)
		goto error;
	len = p9_reply_end(&r);
	if (!len) {
		err = -EMSGSIZE;
		goto error;
	}
	if (c.data_len) {	/* Rread: the size field counts the data too */
		u32 total = len + c.data_len;

		w->reply[0] = total;
		w->reply[1] = total >> 8;
		w->reply[2] = total >> 16;
		w->reply[3] = total >> 24;
		p9_iov_from_buf(in, nin, 0, w->reply, len);
		scratch_put(s, w);
		return total;
	}
	p9_iov_from_buf(in, nin, 0, w->reply, len);
	scratch_put(s, w);
	return len;
error:
	__atomic_fetch_add(&s->stats.errors, 1, __ATOMIC_RELAXED);
	pr_debug("9p: %s tag %u: %s", p9_type_name(hdr[4]), tag, strerror(-err));
	len = p9_encode_lerror(w->reply, tag, -err);
	p9_iov_from_buf(in, nin, 0, w->reply, len);
	scratch_put(s, w);
	return len;
}
