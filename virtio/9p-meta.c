// SPDX-License-Identifier: GPL-2.0
/*
 * 9p server: attributes and the namespace (Tgetattr, Tsetattr, Tstatfs,
 * Treadlink, Tmkdir, Tsymlink, Tmknod, Tlink, Trename, Trenameat,
 * Tunlinkat, Tremove). Every new or removed name is one component
 * (p9_name_ok) of a directory the server holds an fd of, so the *at()
 * calls cannot leave the share; nothing is followed through a symlink.
 * Sources: the 9P2000.L message descriptions; stat(2), fstatfs(2),
 * utimensat(2), renameat(2), mknod(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "virtio/9p-ops.h"
#include "virtio/9p-path.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452	/* Linux 6.6 */
#endif
#define P9_AT_REMOVEDIR	0x200	/* Tunlinkat flag (Linux's AT_REMOVEDIR) */

/* Linux's new_encode_dev(): the dev_t layout the v9fs client decodes. */
static u64 encode_dev(dev_t d)
{
	u64 ma = major(d), mi = minor(d);

	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffULL) << 12);
}

/* Tgetattr: fid[4] request_mask[8] -> valid[8] qid[13] mode[4] uid[4]
 * gid[4] nlink[8] rdev[8] size[8] blksize[8] blocks[8] atime, mtime,
 * ctime, btime (sec[8] nsec[8] each) gen[8] data_version[8]. */
int p9_op_getattr(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	struct p9_buf *r = c->r;
	struct p9_qid q;
	struct stat st;
	int err;

	if (!f || f->xattr)
		return -EBADF;
	if ((err = p9_stat_fid(f, &st)) < 0)
		return err;
	p9_qid_of(c->s, &st, &q);
	p9_put_u64(r, P9_GETATTR_BASIC);
	p9_put_qid(r, &q);
	p9_put_u32(r, st.st_mode);
	p9_put_u32(r, st.st_uid);
	p9_put_u32(r, st.st_gid);
	p9_put_u64(r, st.st_nlink);
	p9_put_u64(r, encode_dev(st.st_rdev));
	p9_put_u64(r, st.st_size);
	p9_put_u64(r, st.st_blksize);
	p9_put_u64(r, st.st_blocks);
	p9_put_u64(r, st.st_atim.tv_sec);
	p9_put_u64(r, st.st_atim.tv_nsec);
	p9_put_u64(r, st.st_mtim.tv_sec);
	p9_put_u64(r, st.st_mtim.tv_nsec);
	p9_put_u64(r, st.st_ctim.tv_sec);
	p9_put_u64(r, st.st_ctim.tv_nsec);
	for (int i = 0; i < 4; i++)	/* btime, gen, data_version: not given */
		p9_put_u64(r, 0);
	return 0;
}

/* "/proc/self/fd/N" for @fd: the server's own descriptor, the fallback
 * for calls that cannot take an O_PATH one on older kernels. */
static void proc_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int do_chmod(struct p9_server *s, struct p9_fid *f, mode_t mode)
{
	char p[40];
	int fd;

	if (f->qtype == P9_QTSYMLINK)
		return -EOPNOTSUPP;
	if (!syscall(SYS_fchmodat2, f->fd, "", mode, AT_EMPTY_PATH))
		return 0;
	if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
		return -errno;
	if (f->open_fd >= 0 && !fchmod(f->open_fd, mode))
		return 0;
	proc_path(f->fd, p, sizeof(p));
	if (!chmod(p, mode))
		return 0;
	if (errno != ENOENT)
		return -errno;
	fd = p9_reopen(s, f, O_RDONLY | O_NONBLOCK | O_NOCTTY);	/* no /proc */
	if (fd < 0)
		return fd;
	if (fchmod(fd, mode) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

static int do_utimens(struct p9_fid *f, const struct timespec ts[2])
{
	char p[40];

	if (!utimensat(f->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (f->open_fd >= 0 && !futimens(f->open_fd, ts))
		return 0;
	proc_path(f->fd, p, sizeof(p));
	return utimensat(AT_FDCWD, p, ts, 0) < 0 ? -errno : 0;
}

static int do_truncate(struct p9_server *s, struct p9_fid *f, u64 size)
{
	int fd, err = 0;

	if (size > INT64_MAX)
		return -EINVAL;
	if (f->open_fd >= 0 && (f->open_flags & O_ACCMODE) != O_RDONLY)
		return ftruncate(f->open_fd, (off_t)size) < 0 ? -errno : 0;
	if (f->qtype != P9_QTFILE)
		return f->qtype == P9_QTDIR ? -EISDIR : -EINVAL;
	fd = p9_reopen(s, f, O_WRONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)size) < 0)
		err = -errno;
	close(fd);
	return err;
}

static struct timespec to_ts(u32 valid, u32 set_bit, u32 set_explicit, u64 sec, u64 nsec)
{
	struct timespec t = { .tv_nsec = UTIME_OMIT };

	if (!(valid & set_bit))
		return t;
	if (!(valid & set_explicit)) {
		t.tv_nsec = UTIME_NOW;
		return t;
	}
	t.tv_sec = (time_t)sec;
	t.tv_nsec = nsec < 1000000000 ? (long)nsec : 1000000000;	/* the kernel refuses it */
	return t;
}

/* Tsetattr: fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8]
 * atime_nsec[8] mtime_sec[8] mtime_nsec[8]. Applied in that order; the
 * first failure is the answer. */
int p9_op_setattr(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *f = p9_ctx_fid(c, m->fid);
	int err;

	if (!f || f->xattr)
		return -EBADF;
	if ((m->valid & P9_SETATTR_MODE) && (err = do_chmod(c->s, f, m->mode & 07777)) < 0)
		return err;
	if (m->valid & (P9_SETATTR_UID | P9_SETATTR_GID)) {
		uid_t u = (m->valid & P9_SETATTR_UID) ? m->uid : (uid_t)-1;
		gid_t g = (m->valid & P9_SETATTR_GID) ? m->gid : (gid_t)-1;

		if (fchownat(f->fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if ((m->valid & P9_SETATTR_SIZE) && (err = do_truncate(c->s, f, m->size_arg)) < 0)
		return err;
	if (m->valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME)) {
		struct timespec ts[2] = {
			to_ts(m->valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, m->atime_sec, m->atime_nsec),
			to_ts(m->valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, m->mtime_sec, m->mtime_nsec),
		};

		if ((err = do_utimens(f, ts)) < 0)
			return err;
	}
	return 0;
}

/* Tstatfs: fid[4] -> type[4] bsize[4] blocks[8] bfree[8] bavail[8]
 * files[8] ffree[8] fsid[8] namelen[4]. */
int p9_op_statfs(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	struct statfs sf;
	u64 fsid;

	if (!f || f->xattr)
		return -EBADF;
	if (fstatfs(f->fd, &sf) < 0)
		return -errno;
	memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
	p9_put_u32(c->r, (u32)sf.f_type);
	p9_put_u32(c->r, (u32)sf.f_bsize);
	p9_put_u64(c->r, sf.f_blocks);
	p9_put_u64(c->r, sf.f_bfree);
	p9_put_u64(c->r, sf.f_bavail);
	p9_put_u64(c->r, sf.f_files);
	p9_put_u64(c->r, sf.f_ffree);
	p9_put_u64(c->r, fsid);
	p9_put_u32(c->r, (u32)sf.f_namelen);
	return 0;
}

/* Treadlink: fid[4] -> target[s]. */
int p9_op_readlink(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	char buf[4096];
	ssize_t n;

	if (!f || f->xattr)
		return -EBADF;
	if (f->qtype != P9_QTSYMLINK)
		return -EINVAL;
	n = readlinkat(f->fd, "", buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (n == sizeof(buf))
		return -ENAMETOOLONG;
	p9_put_str(c->r, buf, n);
	return 0;
}

/* The directory fid @id for a request that adds or removes @name in it. */
static int dir_and_name(struct p9_ctx *c, u32 id, const char *name, struct p9_fid **out)
{
	struct p9_fid *d = p9_ctx_fid(c, id);

	if (!d || d->xattr)
		return -EBADF;
	if (d->qtype != P9_QTDIR)
		return -ENOTDIR;
	*out = d;
	return p9_name_ok(name);
}

/* Reply with the qid of @name in directory @d (just created). */
static int put_qid_at(struct p9_ctx *c, struct p9_fid *d, const char *name)
{
	struct p9_qid q;
	struct stat st;

	if (fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	p9_qid_of(c->s, &st, &q);
	p9_put_qid(c->r, &q);
	return 0;
}

/* Tmkdir: dfid[4] name[s] mode[4] gid[4] -> qid[13]. */
int p9_op_mkdir(struct p9_ctx *c)
{
	struct p9_fid *d;
	int err = dir_and_name(c, c->m->dfid, c->m->name, &d);

	if (err)
		return err;
	if (mkdirat(d->fd, c->m->name, c->m->mode & 07777) < 0)
		return -errno;
	return put_qid_at(c, d, c->m->name);
}

/* Tsymlink: fid[4] name[s] symtgt[s] gid[4] -> qid[13]. The target is
 * stored as given: the server never follows a symlink, the guest does. */
int p9_op_symlink(struct p9_ctx *c)
{
	struct p9_fid *d;
	int err = dir_and_name(c, c->m->fid, c->m->name, &d);

	if (err)
		return err;
	if (symlinkat(c->m->name2, d->fd, c->m->name) < 0)
		return -errno;
	return put_qid_at(c, d, c->m->name);
}

/* Tmknod: dfid[4] name[s] mode[4] major[4] minor[4] gid[4] -> qid[13].
 * Regular files, FIFOs and sockets only: a device node in the share
 * would give the guest the host's device. */
int p9_op_mknod(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	mode_t type = m->mode & S_IFMT;
	struct p9_fid *d;
	int err = dir_and_name(c, m->dfid, m->name, &d);

	if (err)
		return err;
	if (type == 0)
		type = S_IFREG;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return -EPERM;
	if (mknodat(d->fd, m->name, type | (m->mode & 07777), 0) < 0)
		return -errno;
	return put_qid_at(c, d, m->name);
}

/* Tlink: dfid[4] fid[4] name[s]: a hard link to fid's file in dfid. */
int p9_op_link(struct p9_ctx *c)
{
	struct p9_fid *d, *f = p9_ctx_fid(c, c->m->fid);
	int err = dir_and_name(c, c->m->dfid, c->m->name, &d);

	if (err)
		return err;
	if (!f || f->xattr)
		return -EBADF;
	if (f->dir_fd < 0 || f->qtype == P9_QTDIR)
		return -EPERM;
	if (linkat(f->dir_fd, f->name, d->fd, c->m->name, 0) < 0)
		return -errno;
	return 0;
}

/* What a rename moved, to re-point the fids that named it. */
struct moved {
	dev_t odev, ndev;
	ino_t oino, nino;
	const char *oname, *nname;
	int nfd;
};

static void repoint(struct p9_fid *f, void *opaque)
{
	const struct moved *mv = opaque;
	int nd;

	if (f->dir_fd < 0 || !f->name || f->dir_dev != mv->odev || f->dir_ino != mv->oino ||
	    strcmp(f->name, mv->oname))
		return;
	nd = fcntl(mv->nfd, F_DUPFD_CLOEXEC, 0);
	if (nd < 0)
		return;
	close(f->dir_fd);
	f->dir_fd = nd;
	f->dir_dev = mv->ndev;
	f->dir_ino = mv->nino;
	free(f->name);
	f->name = xstrdup(mv->nname);
}

/* renameat() beneath the share, then the fids follow the file. */
static int do_rename(struct p9_ctx *c, int ofd, const char *oname, int nfd, const char *nname)
{
	struct stat ost, nst;
	struct moved mv;

	if (fstat(ofd, &ost) < 0 || fstat(nfd, &nst) < 0)
		return -errno;
	if (renameat(ofd, oname, nfd, nname) < 0)
		return -errno;
	mv = (struct moved){ ost.st_dev, nst.st_dev, ost.st_ino, nst.st_ino, oname, nname, nfd };
	p9_fid_each(&c->s->fids, repoint, &mv);
	return 0;
}

/* Trename: fid[4] dfid[4] name[s]: fid's file moves to dfid/name. */
int p9_op_rename(struct p9_ctx *c)
{
	struct p9_fid *d, *f = p9_ctx_fid(c, c->m->fid);
	char *oname;
	int err = dir_and_name(c, c->m->dfid, c->m->name, &d);

	if (err)
		return err;
	if (!f || f->xattr)
		return -EBADF;
	if (f->dir_fd < 0)
		return -EBUSY;	/* the share's root */
	oname = xstrdup(f->name);	/* repoint() replaces f->name */
	err = do_rename(c, f->dir_fd, oname, d->fd, c->m->name);
	free(oname);
	return err;
}

/* Trenameat: olddirfid[4] oldname[s] newdirfid[4] newname[s]. */
int p9_op_renameat(struct p9_ctx *c)
{
	const struct p9_msg *m = c->m;
	struct p9_fid *od, *nd;
	int err = dir_and_name(c, m->fid, m->name, &od);

	if (err || (err = dir_and_name(c, m->dfid, m->name2, &nd)))
		return err;
	return do_rename(c, od->fd, m->name, nd->fd, m->name2);
}

/* Tunlinkat: dirfd[4] name[s] flags[4] (AT_REMOVEDIR for a directory). */
int p9_op_unlinkat(struct p9_ctx *c)
{
	struct p9_fid *d;
	int err = dir_and_name(c, c->m->dfid, c->m->name, &d);

	if (err)
		return err;
	if (c->m->flags & ~(u32)P9_AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(d->fd, c->m->name, (c->m->flags & P9_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) < 0)
		return -errno;
	return 0;
}

/* Tremove: fid[4]: remove the file and clunk the fid (even on failure,
 * remove(5)). */
int p9_op_remove(struct p9_ctx *c)
{
	struct p9_fid *f = p9_ctx_fid(c, c->m->fid);
	int err = 0;

	if (!f)
		return -EBADF;
	if (f->xattr || f->dir_fd < 0)
		err = f->xattr ? -EINVAL : -EBUSY;
	else if (unlinkat(f->dir_fd, f->name, f->qtype == P9_QTDIR ? AT_REMOVEDIR : 0) < 0)
		err = -errno;
	p9_fid_del(&c->s->fids, f);
	return err;
}
