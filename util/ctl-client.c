// SPDX-License-Identifier: GPL-2.0
/*
 * Control sockets on the file system and the client side of a request.
 * Sources: unix(7), flock(2), XDG Base Directory Specification 0.8,
 * Documentation/control-protocol.txt.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"

/* ---- names and paths --------------------------------------------------- */

bool ctl_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CTL_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int ctl_sock_dir_for(const char *xdg, const char *home, char *buf, size_t size)
{
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/lkvm", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.lkvm", home);
	else {
		errno = ENOENT;
		return -1;
	}
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int ctl_sock_dir(char *buf, size_t size)
{
	const char *home = getenv("HOME");

	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(geteuid());

		home = pw ? pw->pw_dir : NULL;
	}
	return ctl_sock_dir_for(getenv("XDG_RUNTIME_DIR"), home, buf, size);
}

int ctl_sock_path(const char *dir, const char *name, char *buf, size_t size)
{
	int n;

	if (!ctl_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, size, "%s/%s.sock", dir, name);
	if (n < 0 || (size_t)n >= size || (size_t)n >= CTL_SUN_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* ---- connecting -------------------------------------------------------- */

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int ctl_connect_path(const char *path)
{
	struct sockaddr_un sa;
	int fd, err;

	if (fill_addr(&sa, path) < 0)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

enum ctl_probe ctl_probe_path(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? CTL_PROBE_ABSENT : CTL_PROBE_ERROR;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return CTL_PROBE_ERROR;
	}
	fd = ctl_connect_path(path);
	if (fd >= 0) {
		close(fd);
		return CTL_PROBE_LIVE;
	}
	if (fd == -ECONNREFUSED)
		return CTL_PROBE_STALE;
	if (fd == -ENOENT)
		return CTL_PROBE_ABSENT;
	errno = -fd;
	return CTL_PROBE_ERROR;
}

int ctl_connect(const char *name)
{
	char dir[CTL_SUN_PATH_MAX], path[CTL_SUN_PATH_MAX];
	int fd;

	if (!ctl_name_valid(name)) {
		pr_err("'%s' is not a guest name: use 1 to %d letters, digits, '.', '_' or '-'",
		       name, CTL_NAME_MAX);
		return -1;
	}
	if (ctl_sock_dir(dir, sizeof(dir)) < 0) {
		pr_err("no socket directory: set XDG_RUNTIME_DIR or HOME");
		return -1;
	}
	if (ctl_sock_path(dir, name, path, sizeof(path)) < 0) {
		pr_err("socket path for '%s' in %s is too long", name, dir);
		return -1;
	}
	fd = ctl_connect_path(path);
	if (fd >= 0)
		return fd;
	switch (-fd) {
	case ENOENT:
		pr_err("no guest named '%s' (see 'lkvm list')", name);
		break;
	case ECONNREFUSED:
		pr_err("guest '%s' is not running: %s is a stale socket left by an lkvm that did not exit cleanly (see 'lkvm list --all')",
		       name, path);
		break;
	case EACCES:
	case EPERM:
		pr_err("cannot control guest '%s': permission denied on %s (only the user who started it may)",
		       name, path);
		break;
	default:
		pr_err("cannot connect to guest '%s' at %s: %s", name, path, strerror(-fd));
	}
	return -1;
}

/* ---- listing ----------------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctl_entry *)a)->name, ((const struct ctl_entry *)b)->name);
}

int ctl_list(const char *dir, struct ctl_entry **out)
{
	struct ctl_entry *v = NULL;
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d = opendir(dir);

	*out = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[CTL_NAME_MAX + 1];

		if (len <= 5 || len - 5 > CTL_NAME_MAX || strcmp(de->d_name + len - 5, ".sock"))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = 0;
		if (!ctl_name_valid(name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		strcpy(v[n].name, name);
		if (ctl_sock_path(dir, name, v[n].path, sizeof(v[n].path)) < 0)
			continue;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), entry_cmp);
	*out = v;
	return n;
}

/* ---- listening --------------------------------------------------------- */

/* Make @dir (mode 0700) or check an existing one is ours and private. */
static int ensure_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create the socket directory %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "the socket directory %s belongs to uid %u, not to you",
			 dir, (unsigned int)st.st_uid);
		errno = EPERM;
		return -1;
	}
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0) {
		snprintf(err, errlen, "cannot make %s private (chmod 0700): %s", dir,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* The pid written in a lock file, or 0. */
static long lock_owner(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/*
 * Take the name's lock. The file may be unlinked by its previous owner
 * between our open and flock; then we locked a dead inode, so retry until
 * the inode we hold is the one at the path.
 */
static int take_lock(struct ctl_listener *l, const char *name, char *err, size_t errlen)
{
	for (int tries = 0; tries < 8; tries++) {
		struct stat a, b;
		char pid[32];
		int fd = open(l->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", l->lock_path, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			long owner = lock_owner(fd);

			close(fd);
			if (owner > 0)
				snprintf(err, errlen,
					 "a guest named '%s' is already running (lkvm pid %ld): stop it or choose another --name",
					 name, owner);
			else
				snprintf(err, errlen,
					 "a guest named '%s' is already running: stop it or choose another --name",
					 name);
			errno = EADDRINUSE;
			return -1;
		}
		if (fstat(fd, &a) == 0 && stat(l->lock_path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

			if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, n, 0) != n) {
				/* The pid only improves a message; the lock is what counts. */
			}
			l->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	snprintf(err, errlen, "cannot lock %s: it keeps being replaced", l->lock_path);
	errno = EAGAIN;
	return -1;
}

int ctl_listen(const char *name, struct ctl_listener *l, char *err, size_t errlen)
{
	char dir[CTL_SUN_PATH_MAX];
	struct sockaddr_un sa;
	mode_t old_mask;
	int ret;

	l->fd = l->lock_fd = -1;
	l->path[0] = l->lock_path[0] = 0;
	if (!ctl_name_valid(name)) {
		snprintf(err, errlen, "'%s' is not a guest name", name);
		errno = EINVAL;
		return -1;
	}
	if (ctl_sock_dir(dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "no directory for the control socket: set XDG_RUNTIME_DIR or HOME");
		return -1;
	}
	if (ctl_sock_path(dir, name, l->path, sizeof(l->path)) < 0 ||
	    (size_t)snprintf(l->lock_path, sizeof(l->lock_path), "%s/%s.lock", dir, name) >=
		    sizeof(l->lock_path)) {
		snprintf(err, errlen, "control socket path %s/%s.sock is too long (at most %d bytes)",
			 dir, name, CTL_SUN_PATH_MAX - 1);
		l->path[0] = l->lock_path[0] = 0;
		errno = ENAMETOOLONG;
		return -1;
	}
	if (ensure_dir(dir, err, errlen) < 0 || take_lock(l, name, err, errlen) < 0) {
		l->path[0] = l->lock_path[0] = 0;
		return -1;
	}
	/* We hold the name: whatever socket is there was left by a crash,
	 * unless something that ignores the lock listens on it. */
	switch (ctl_probe_path(l->path)) {
	case CTL_PROBE_LIVE:
		snprintf(err, errlen, "a guest named '%s' is already running (%s accepts connections)",
			 name, l->path);
		errno = EADDRINUSE;
		goto fail_keep_sock;
	case CTL_PROBE_STALE:
		pr_info("replacing the stale control socket %s", l->path);
		/* fall through */
	default:
		if (unlink(l->path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove the stale socket %s: %s", l->path,
				 strerror(errno));
			goto fail_keep_sock;
		}
	}
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || fill_addr(&sa, l->path) < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	/* 0600 from the start: no window in which others could connect. */
	old_mask = umask(0177);
	ret = bind(l->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (ret < 0) {
		snprintf(err, errlen, "cannot bind the control socket %s: %s", l->path,
			 strerror(errno));
		goto fail_keep_sock;
	}
	if (chmod(l->path, 0600) < 0 || listen(l->fd, 16) < 0) {
		snprintf(err, errlen, "control socket %s: %s", l->path, strerror(errno));
		goto fail;
	}
	return 0;
fail_keep_sock:
	l->path[0] = 0;		/* not ours: ctl_unlisten must not remove it */
fail:
	{
		int e = errno;

		ctl_unlisten(l);
		errno = e;
	}
	return -1;
}

void ctl_unlisten(struct ctl_listener *l)
{
	int fd = __atomic_exchange_n(&l->fd, -1, __ATOMIC_SEQ_CST);
	int lock = __atomic_exchange_n(&l->lock_fd, -1, __ATOMIC_SEQ_CST);

	if (fd >= 0) {
		close(fd);
		if (l->path[0])
			unlink(l->path);
	}
	if (lock >= 0) {
		/* Unlink before unlocking: a waiter then re-checks the inode. */
		unlink(l->lock_path);
		close(lock);
	}
}

/* ---- requests ---------------------------------------------------------- */

/* Wait until @fd is readable. Returns 0, or -ETIMEDOUT / -errno. */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int n = poll(&p, 1, timeout_ms);

		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Keep the fds of every SCM_RIGHTS message in @msg. */
static void take_fds(struct msghdr *msg, struct ctl_reply *rep)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		rep->fds = xrealloc(rep->fds, (rep->nr_fds + n) * sizeof(int));
		memcpy(rep->fds + rep->nr_fds, CMSG_DATA(c), n * sizeof(int));
		rep->nr_fds += n;
	}
}

/* Read exactly @len bytes into @buf, collecting fds. 0 or -errno. */
static int read_full(int fd, u8 *buf, size_t len, int timeout_ms, struct ctl_reply *rep)
{
	union {
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;

	while (len) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
		};
		ssize_t n;
		int ret = wait_readable(fd, timeout_ms);

		if (ret < 0)
			return ret;
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		take_fds(&msg, rep);
		if (n == 0)
			return -ECONNRESET;
		buf += n;
		len -= n;
	}
	return 0;
}

int ctl_call(int fd, const struct ctl_request *rq, struct ctl_reply *rep, int timeout_ms)
{
	u8 msg[CTL_HDR_SIZE + 16 + CTL_PATH_MAX];
	long n = ctl_request_encode(rq, msg, sizeof(msg));
	bool more = true;
	int ret;

	memset(rep, 0, sizeof(*rep));
	rep->data = xmalloc(1);
	rep->data[0] = 0;
	if (n < 0)
		return -EINVAL;
	for (long off = 0; off < n;) {
		ssize_t w = send(fd, msg + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		off += w;
	}
	while (more) {
		u8 hb[CTL_HDR_SIZE];
		const char *why;
		struct ctl_hdr h;

		ret = read_full(fd, hb, sizeof(hb), timeout_ms, rep);
		if (ret < 0)
			return ret;
		ret = ctl_hdr_decode(hb, sizeof(hb), &h, &why);
		if (ret == -EPROTONOSUPPORT)
			return ret;
		if (ret < 0 || !(h.flags & CTL_F_REPLY))
			return -EPROTO;
		/* Error replies to unparseable requests carry type NONE. */
		if (h.type != CTL_T_NONE && (h.type != rq->type || h.id != rq->id))
			return -EPROTO;
		if (rep->len + h.len > CTL_REPLY_MAX)
			return -EMSGSIZE;
		rep->data = xrealloc(rep->data, rep->len + h.len + 1);
		ret = read_full(fd, rep->data + rep->len, h.len, timeout_ms, rep);
		if (ret < 0)
			return ret;
		rep->len += h.len;
		rep->data[rep->len] = 0;
		rep->hdr = h;
		more = (h.flags & CTL_F_MORE) && h.status == 0;
	}
	return 0;
}

void ctl_reply_free(struct ctl_reply *rep)
{
	for (int i = 0; i < rep->nr_fds; i++)
		close(rep->fds[i]);
	free(rep->fds);
	free(rep->data);
	memset(rep, 0, sizeof(*rep));
}

int ctl_wait_closed(int fd, int timeout_ms)
{
	u64 end = timeout_ms < 0 ? 0 : now_ns() + (u64)timeout_ms * 1000000;

	for (;;) {
		char buf[256];
		int left = -1, ret;
		ssize_t n;

		if (timeout_ms >= 0) {
			u64 now = now_ns();

			if (now >= end)
				return -ETIMEDOUT;
			left = (int)((end - now + 999999) / 1000000);
		}
		ret = wait_readable(fd, left);
		if (ret == -ETIMEDOUT)
			return ret;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 0;
	}
}

/* ---- helpers for the commands ------------------------------------------- */

int ctl_report(const char *name, int ret, const struct ctl_reply *rep)
{
	if (ret == 0 && rep->hdr.status < 0)
		pr_err("guest '%s': %s", name, rep->len ? (const char *)rep->data :
		       strerror(-rep->hdr.status));
	else if (ret == -ETIMEDOUT)
		pr_err("guest '%s' did not answer within %d s", name, CTL_TIMEOUT_MS / 1000);
	else if (ret == -ECONNRESET)
		pr_err("guest '%s': its lkvm closed the connection (did the guest just end?)", name);
	else if (ret == -EPROTONOSUPPORT)
		pr_err("guest '%s' runs an lkvm that speaks another control protocol version (this one speaks %d)",
		       name, CTL_VERSION);
	else if (ret == -EPROTO)
		pr_err("guest '%s': malformed reply from its lkvm", name);
	else
		pr_err("guest '%s': %s", name, strerror(-ret));
	return -1;
}

int ctl_call_name(const char *name, const struct ctl_request *rq, struct ctl_reply *rep)
{
	int fd = ctl_connect(name), ret;

	memset(rep, 0, sizeof(*rep));
	if (fd < 0)
		return -1;
	ret = ctl_call(fd, rq, rep, CTL_TIMEOUT_MS);
	if (ret < 0 || rep->hdr.status < 0) {
		ctl_report(name, ret, rep);
		ctl_reply_free(rep);
		close(fd);
		return -1;
	}
	return fd;
}

int ctl_stats_fds(int fd, int **fds, struct ctl_fd_entry **ents, struct ctl_reply *rep)
{
	struct ctl_request rq = { .type = CTL_T_STATS_FDS, .fds = { .max = CTL_MAX_FDS } };
	int n = 0, ret;

	*fds = NULL;
	*ents = NULL;
	memset(rep, 0, sizeof(*rep));
	for (;;) {
		struct ctl_fd_entry e[CTL_MAX_FDS];
		u32 total = 0, got = 0;

		rq.id++;
		ret = ctl_call(fd, &rq, rep, CTL_TIMEOUT_MS);
		if (ret == 0 && rep->hdr.status < 0)
			ret = rep->hdr.status;
		else if (ret == 0 && (ctl_fds_decode(rep->data, rep->len, &total, &got, e) < 0 ||
				      (u32)rep->nr_fds != got || total > 4096))
			ret = -EPROTO;
		if (ret < 0)
			break;
		*fds = xrealloc(*fds, (n + got + 1) * sizeof(int));
		*ents = xrealloc(*ents, (n + got + 1) * sizeof(**ents));
		memcpy(*fds + n, rep->fds, got * sizeof(int));
		memcpy(*ents + n, e, got * sizeof(*e));
		n += got;
		/* The fds are ours now: ctl_reply_free must not close them. */
		rep->nr_fds = 0;
		ctl_reply_free(rep);
		rq.fds.first += got;
		if (!got || rq.fds.first >= total)
			return n;
	}
	for (int i = 0; i < n; i++)
		close((*fds)[i]);
	free(*fds);
	free(*ents);
	*fds = NULL;
	*ents = NULL;
	return ret;
}

const char *ctl_name_arg(const char *cmd, const char *opt, int argc, const char **argv)
{
	const char *name = opt;

	if (argc > 1 || (argc == 1 && opt))
		parse_options_error(cmd, "unexpected argument '%s'", argv[argc - 1]);
	if (argc == 1)
		name = argv[0];
	if (!name)
		parse_options_error(cmd, "which guest? give its name with --name (see 'lkvm list')");
	if (!ctl_name_valid(name))
		parse_options_error(cmd, "'%s' is not a guest name: use 1 to %d letters, digits, '.', '_' or '-'",
				    name, CTL_NAME_MAX);
	return name;
}
