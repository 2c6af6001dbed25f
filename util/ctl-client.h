/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control sockets on the file system: where they live, guest names, the
 * lock that makes a name belong to one `lkvm run`, stale-socket detection,
 * listing, connecting, and the client side of a request (with SCM_RIGHTS
 * fds). Sources: unix(7) (sun_path, SO_PEERCRED, SCM_RIGHTS), flock(2),
 * XDG Base Directory Specification 0.8 ($XDG_RUNTIME_DIR),
 * Documentation/control-protocol.txt.
 */
#ifndef LKVM_CTL_CLIENT_H
#define LKVM_CTL_CLIENT_H

#include "util/ctl-proto.h"
#include "util/util.h"

/* Room for a socket path: sockaddr_un.sun_path is 108 bytes with its NUL. */
#define CTL_SUN_PATH_MAX 108

/*
 * ctl_name_valid - true if @name is 1 to CTL_NAME_MAX characters from
 * [A-Za-z0-9._-] and not "." or "..": safe as a file name component.
 */
bool ctl_name_valid(const char *name);

/*
 * ctl_sock_dir_for - the socket directory for these environment values:
 * "@xdg/lkvm" if @xdg is an absolute path (the XDG spec says to ignore a
 * relative one), else "@home/.lkvm" if @home is an absolute path.
 * Pure (tests pass their own values). Returns 0 with @buf set, or -1 with
 * errno ENOENT (neither usable) or ENAMETOOLONG (does not fit @size).
 */
int ctl_sock_dir_for(const char *xdg, const char *home, char *buf, size_t size);

/*
 * ctl_sock_dir - ctl_sock_dir_for() with $XDG_RUNTIME_DIR and $HOME (or
 * the password database's home directory when $HOME is unset).
 */
int ctl_sock_dir(char *buf, size_t size);

/*
 * ctl_sock_path - "@dir/@name.sock" into @buf; -1 with errno ENAMETOOLONG
 * if it does not fit @size or sun_path, EINVAL if @name is not valid.
 */
int ctl_sock_path(const char *dir, const char *name, char *buf, size_t size);

/* What is at a socket path. */
enum ctl_probe {
	CTL_PROBE_LIVE,		/* something accepts connections */
	CTL_PROBE_STALE,	/* a socket nobody listens on (ECONNREFUSED) */
	CTL_PROBE_ABSENT,	/* nothing there (ENOENT) */
	CTL_PROBE_ERROR,	/* cannot tell: errno says why (EACCES, ...) */
};

/* ctl_probe_path - connect to @path to find out; errno is set for ERROR. */
enum ctl_probe ctl_probe_path(const char *path);

/*
 * ctl_connect_path - a connected SOCK_STREAM|SOCK_CLOEXEC fd to @path, or
 * -errno (ENOENT absent, ECONNREFUSED stale, EACCES not ours, ...).
 */
int ctl_connect_path(const char *path);

/*
 * ctl_connect - connect to guest @name in this user's socket directory.
 * Returns the fd, or -1 after printing one error line (pr_err): no guest
 * by that name, a stale socket, permission denied, a bad name.
 */
int ctl_connect(const char *name);

/* One socket found by ctl_list(). */
struct ctl_entry {
	char name[CTL_NAME_MAX + 1];
	char path[CTL_SUN_PATH_MAX];
};

/*
 * ctl_list - the "<name>.sock" entries of @dir with valid names, sorted by
 * name, in a new array *@out (free() it). Returns their number (0 if @dir
 * does not exist), or -1 with errno if @dir cannot be read.
 */
int ctl_list(const char *dir, struct ctl_entry **out);

/* A server's socket: the listening fd and the lock that owns the name. */
struct ctl_listener {
	int fd;			/* listening socket, -1 if none */
	int lock_fd;		/* flock(LOCK_EX) on @lock_path, held for life */
	char path[CTL_SUN_PATH_MAX];
	char lock_path[CTL_SUN_PATH_MAX + 8];
};

/*
 * ctl_listen - claim guest name @name in this user's socket directory:
 * create the directory (0700; an existing one must be ours and is made
 * 0700), take an exclusive flock on "<name>.lock" (which holds our pid),
 * remove a stale socket, bind "<name>.sock" with mode 0600 and listen.
 * Returns 0 with @l filled, or -1 with a one-line reason in @err (another
 * lkvm holds the name and its pid, a directory owned by someone else, a
 * path too long, ...) and errno set (EADDRINUSE when the name is taken).
 */
int ctl_listen(const char *name, struct ctl_listener *l, char *err, size_t errlen);

/*
 * ctl_unlisten - close @l and remove its socket and lock files. Safe to
 * call twice and from an atexit handler; does nothing for an unused @l.
 */
void ctl_unlisten(struct ctl_listener *l);

/* A whole reply: the last header, the concatenated payload of every part,
 * and the fds that came with it. */
struct ctl_reply {
	struct ctl_hdr hdr;
	u8 *data;		/* malloc'd, NUL-terminated one past @len */
	size_t len;		/* bytes */
	int *fds;		/* malloc'd */
	int nr_fds;
};

/* Most bytes ctl_call() accepts in one multi-part reply. */
#define CTL_REPLY_MAX (16 * SZ_1M)

/*
 * ctl_call - send @rq on @fd and read its reply, all CTL_F_MORE parts
 * concatenated, with fds from SCM_RIGHTS collected. @timeout_ms bounds
 * each wait for data (-1: none). Returns 0 with @rep filled (check
 * @rep->hdr.status: a negative errno from the guest's lkvm, with its
 * message in @rep->data), or a negative errno: ETIMEDOUT, ECONNRESET (the
 * guest's lkvm closed the connection), EPROTO (a malformed reply),
 * EPROTONOSUPPORT (the guest's lkvm speaks another protocol version),
 * EMSGSIZE (above CTL_REPLY_MAX).
 */
int ctl_call(int fd, const struct ctl_request *rq, struct ctl_reply *rep, int timeout_ms);

/* ctl_reply_free - free @rep's buffers and close its fds. */
void ctl_reply_free(struct ctl_reply *rep);

/*
 * ctl_wait_closed - wait up to @timeout_ms (-1: forever) for the peer to
 * close @fd, discarding anything it sends. Returns 0 once closed, or
 * -ETIMEDOUT.
 */
int ctl_wait_closed(int fd, int timeout_ms);

/* Default wait for a reply, in ms: pausing vCPUs and dumping is quick. */
#define CTL_TIMEOUT_MS 30000

/*
 * ctl_report - print one error line for a failed request to guest @name:
 * @ret is ctl_call()'s negative errno, or 0 with @rep holding the guest's
 * error status and message. Returns -1, for `return ctl_report(...)`.
 */
int ctl_report(const char *name, int ret, const struct ctl_reply *rep);

/*
 * ctl_call_name - connect to guest @name and make request @rq (timeout
 * CTL_TIMEOUT_MS). Returns the connected fd (the caller closes it; a stop
 * waits on it) with @rep filled and a zero status, or -1 after printing
 * one error line (ctl_connect, ctl_report) with @rep freed.
 */
int ctl_call_name(const char *name, const struct ctl_request *rq, struct ctl_reply *rep);

/*
 * ctl_stats_fds - fetch every KVM binary-stats fd of the guest on @fd
 * (CTL_T_STATS_FDS, in parts of CTL_MAX_FDS). Returns their number with
 * *@fds (the fds, caller closes) and *@ents (what each belongs to) in new
 * arrays (free()), or a negative errno / guest status; on error *@rep
 * holds the guest's message (ctl_reply_free it).
 */
int ctl_stats_fds(int fd, int **fds, struct ctl_fd_entry **ents, struct ctl_reply *rep);

/*
 * ctl_name_arg - the guest name a command was given: @opt (its --name
 * value) or its one positional argument in @argv (@argc after
 * parse_options). Both, neither, or more positional arguments are usage
 * errors reported for command @cmd (exit 128); so is an invalid name.
 */
const char *ctl_name_arg(const char *cmd, const char *opt, int argc, const char **argv);

#endif
