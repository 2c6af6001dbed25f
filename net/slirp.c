// SPDX-License-Identifier: GPL-2.0
/*
 * User-mode networking through libslirp (net/backend.h): the guest's
 * frames go into libslirp's TCP/IP stack, which talks to the world through
 * the host's ordinary sockets, so no privilege is needed. Addresses are
 * QEMU's (net/opts.h): network 10.0.2.0/24, gateway and host 10.0.2.2,
 * DNS 10.0.2.3 (relayed to the host's resolver), DHCP from 10.0.2.15.
 * host forwards (hostfwd=) listen on the host and connect into the guest.
 *
 * Threads: one per NIC polls libslirp's sockets and runs its timers; the
 * device's I/O thread hands guest frames to slirp_input(). libslirp is not
 * thread-safe, so every call into it holds slirp_lock, one lock for all
 * NICs (and so does every frame it gives back, through send_packet).
 * Source: libslirp.h.
 *
 * libslirp (and GLib under it) is opened with dlopen() by the first run
 * that has a -n user NIC (net_check_inputs() asks, before /dev/kvm), so
 * runs without one do not pay for loading them.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "net/backend.h"
#include "util/dl.h"
#include "util/log.h"
#include "util/util.h"

#ifndef SLIRP_SONAME
#define SLIRP_SONAME	"libslirp.so.0"
#endif

#define SB_FRAME_MAX	(65536 + 64)
#define SB_POLL_MAX_MS	1000

/* libslirp's functions, from dl_load(); loaded once for all NICs. */
static struct {
	__typeof__(slirp_new) *new_;
	__typeof__(slirp_cleanup) *cleanup;
	__typeof__(slirp_input) *input;
	__typeof__(slirp_pollfds_fill) *pollfds_fill;
	__typeof__(slirp_pollfds_poll) *pollfds_poll;
	__typeof__(slirp_add_hostfwd) *add_hostfwd;
	char error[192];	/* empty: loaded */
} sl;
static pthread_once_t sl_once = PTHREAD_ONCE_INIT;

static void sl_load(void)
{
	const struct dl_sym syms[] = {
		{ "slirp_new", (void **)&sl.new_ },
		{ "slirp_cleanup", (void **)&sl.cleanup },
		{ "slirp_input", (void **)&sl.input },
		{ "slirp_pollfds_fill", (void **)&sl.pollfds_fill },
		{ "slirp_pollfds_poll", (void **)&sl.pollfds_poll },
		{ "slirp_add_hostfwd", (void **)&sl.add_hostfwd },
	};

	dl_load(SLIRP_SONAME, syms, ARRAY_SIZE(syms), sl.error, sizeof(sl.error));
}

const char *net_slirp_load(void)
{
	pthread_once(&sl_once, sl_load);
	return sl.error[0] ? sl.error : NULL;
}

/* A libslirp timer: @cb(@cb_opaque) at @expire_ms on the monotonic clock. */
struct sb_timer {
	SlirpTimerCb cb;
	void *cb_opaque;
	s64 expire_ms;		/* -1: not armed */
	struct sb_timer *next;
};

struct slirp_be {
	struct net_backend be;
	Slirp *slirp;
	pthread_t tid;
	bool started;
	int wake_fd;		/* eventfd: new frames went in, or stop */
	bool wake_pending;	/* wake_fd written, not yet read: later wakes skip */
	bool stop;
	struct sb_timer *timers;
	struct pollfd *pfds;
	int nr_pfds, cap_pfds;
	u8 txbuf[SB_FRAME_MAX];
};

/*
 * Every libslirp call, for every instance, and each instance's timers and
 * poll set: libslirp keeps process-wide state that each call writes
 * (curtime, the DNS server cache), and QEMU drives all its instances from
 * one thread; with one lock per instance, two -n user NICs' threads
 * wrote that state at the same time.
 */
static pthread_mutex_t slirp_lock = PTHREAD_MUTEX_INITIALIZER;

static s64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Make the poll thread run a loop: once per batch, not once per frame. A
 * wake that finds one pending skips its write: the thread has not yet
 * cleared wake_pending, which it does after reading wake_fd and before it
 * takes slirp_lock again, so what the caller did under the lock before
 * this call is seen by the thread's next pollfds_poll and pollfds_fill.
 */
static void wake(struct slirp_be *sb)
{
	u64 one = 1;

	if (__atomic_exchange_n(&sb->wake_pending, true, __ATOMIC_SEQ_CST))
		return;
	if (write(sb->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn_once("%s: wake-up eventfd: %s", sb->be.desc, strerror(errno));
}

/* ---- libslirp's callbacks (called with slirp_lock held) -------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_be *sb = opaque;

	/* false: the device is full; slirp cannot hold it, TCP will resend */
	sb->be.rx(sb->be.rx_opaque, buf, len);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct slirp_be *sb = opaque;

	pr_debug("%s: guest error: %s", sb->be.desc, msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	return mono_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_be *sb = opaque;
	struct sb_timer *t = xzalloc(sizeof(*t));

	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = sb->timers;
	sb->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct slirp_be *sb = opaque;

	for (struct sb_timer **pp = &sb->timers; *pp; pp = &(*pp)->next) {
		if (*pp == timer) {
			*pp = ((struct sb_timer *)timer)->next;
			free(timer);
			return;
		}
	}
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	((struct sb_timer *)timer)->expire_ms = expire_ms;
	wake(opaque);		/* the poll timeout may have to shrink */
}

static void cb_register_poll_fd(int fd, void *opaque) { }
static void cb_unregister_poll_fd(int fd, void *opaque) { }

static void cb_notify(void *opaque)
{
	wake(opaque);
}

static const SlirpCb slirp_cbs = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
};

/* ---- the poll thread ------------------------------------------------------ */

static int to_poll_events(int ev)
{
	return (ev & SLIRP_POLL_IN ? POLLIN : 0) | (ev & SLIRP_POLL_OUT ? POLLOUT : 0) |
	       (ev & SLIRP_POLL_PRI ? POLLPRI : 0) | (ev & SLIRP_POLL_ERR ? POLLERR : 0) |
	       (ev & SLIRP_POLL_HUP ? POLLHUP : 0);
}

static int add_poll(int fd, int events, void *opaque)
{
	struct slirp_be *sb = opaque;

	if (sb->nr_pfds == sb->cap_pfds) {
		sb->cap_pfds = sb->cap_pfds ? 2 * sb->cap_pfds : 32;
		sb->pfds = xrealloc(sb->pfds, sb->cap_pfds * sizeof(*sb->pfds));
	}
	sb->pfds[sb->nr_pfds] = (struct pollfd){ .fd = fd, .events = (short)to_poll_events(events) };
	return sb->nr_pfds++;
}

static int get_revents(int idx, void *opaque)
{
	struct slirp_be *sb = opaque;
	short r;

	if (idx < 1 || idx >= sb->nr_pfds)	/* 0 is the wake-up eventfd */
		return 0;
	r = sb->pfds[idx].revents;
	return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* Run the expired timers; returns ms until the next one (or @limit). */
static u32 run_timers(struct slirp_be *sb, u32 limit)
{
	s64 now = mono_ns() / 1000000;
	bool again = true;

	while (again) {		/* a callback may free or re-arm timers */
		again = false;
		for (struct sb_timer *t = sb->timers; t; t = t->next) {
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				t->cb(t->cb_opaque);
				again = true;
				break;
			}
		}
	}
	for (struct sb_timer *t = sb->timers; t; t = t->next)
		if (t->expire_ms >= 0 && (u64)(t->expire_ms - now) < limit)
			limit = (u32)(t->expire_ms - now);
	return limit;
}

static void *slirp_thread(void *arg)
{
	struct slirp_be *sb = arg;

	pthread_setname_np(pthread_self(), "lkvm-slirp");
	for (;;) {
		u32 timeout = SB_POLL_MAX_MS;
		int n;

		pthread_mutex_lock(&slirp_lock);
		if (sb->stop) {
			pthread_mutex_unlock(&slirp_lock);
			break;
		}
		sb->nr_pfds = 0;
		add_poll(sb->wake_fd, SLIRP_POLL_IN, sb);
		sl.pollfds_fill(sb->slirp, &timeout, add_poll, sb);
		timeout = run_timers(sb, timeout);
		pthread_mutex_unlock(&slirp_lock);

		n = poll(sb->pfds, sb->nr_pfds, (int)timeout);
		if (n < 0 && errno != EINTR)
			pr_warn_once("%s: poll: %s", sb->be.desc, strerror(errno));
		if (n > 0 && (sb->pfds[0].revents & POLLIN)) {
			u64 v;

			if (read(sb->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				pr_warn_once("%s: eventfd: %s", sb->be.desc, strerror(errno));
			__atomic_store_n(&sb->wake_pending, false, __ATOMIC_SEQ_CST);
		}
		pthread_mutex_lock(&slirp_lock);
		sl.pollfds_poll(sb->slirp, n < 0, get_revents, sb);
		run_timers(sb, 0);
		pthread_mutex_unlock(&slirp_lock);
	}
	return NULL;
}

/* ---- back end ops ---------------------------------------------------------- */

static int sb_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct slirp_be *sb = (struct slirp_be *)be;
	const void *frame = iov[0].iov_base;	/* slirp_input copies it into an mbuf */
	size_t len = iov[0].iov_len;

	pthread_mutex_lock(&slirp_lock);
	if (iovcnt > 1) {			/* gather the parts into one frame */
		len = 0;
		for (int i = 0; i < iovcnt; i++) {
			if (iov[i].iov_len > sizeof(sb->txbuf) - len) {
				pthread_mutex_unlock(&slirp_lock);
				return -1;
			}
			memcpy(sb->txbuf + len, iov[i].iov_base, iov[i].iov_len);
			len += iov[i].iov_len;
		}
		frame = sb->txbuf;
	}
	if (len > SB_FRAME_MAX) {
		pthread_mutex_unlock(&slirp_lock);
		return -1;
	}
	sl.input(sb->slirp, frame, (int)len);
	pthread_mutex_unlock(&slirp_lock);
	wake(sb);		/* new data and connections: poll their sockets */
	return 0;
}

static void sb_rx_ready(struct net_backend *be) { }

static void sb_close(struct net_backend *be)
{
	struct slirp_be *sb = (struct slirp_be *)be;

	pthread_mutex_lock(&slirp_lock);
	sb->stop = true;
	pthread_mutex_unlock(&slirp_lock);
	wake(sb);
	if (sb->started)
		pthread_join(sb->tid, NULL);
	if (sb->slirp) {
		pthread_mutex_lock(&slirp_lock);
		sl.cleanup(sb->slirp);
		pthread_mutex_unlock(&slirp_lock);
	}
	while (sb->timers) {
		struct sb_timer *t = sb->timers;

		sb->timers = t->next;
		free(t);
	}
	close(sb->wake_fd);
	free(sb->pfds);
	free(sb);
}

static const struct net_backend_ops slirp_ops = {
	.name = "user",
	.send = sb_send,
	.rx_ready = sb_rx_ready,
	.close = sb_close,
};

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

struct net_backend *net_slirp_open(const struct net_opts *o, int index, net_rx_fn rx,
				   void *opaque)
{
	struct slirp_be *sb = xzalloc(sizeof(*sb));
	SlirpConfig c = {
		.version = 4,
		.in_enabled = true,
		.vnetwork = ip4(NET_USER_NETWORK),
		.vnetmask = ip4(NET_USER_NETMASK),
		.vhost = ip4(NET_USER_HOST),
		.vhostname = "lkvm",
		.vdhcp_start = ip4(NET_USER_GUEST),
		.vnameserver = ip4(NET_USER_DNS),
		.if_mtu = 1500,
		.if_mru = 1500,
	};
	char addr[INET_ADDRSTRLEN], gaddr[INET_ADDRSTRLEN];
	const char *why = net_slirp_load();
	int err;

	if (why) {
		pr_err("network %d (user): %s: install libslirp0, or use -n tap or -n none", index, why);
		free(sb);
		return NULL;
	}
	sb->be.ops = &slirp_ops;
	sb->be.offloads = NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6;	/* whole segments in */
	sb->be.rx = rx;
	sb->be.rx_opaque = opaque;
	snprintf(sb->be.desc, sizeof(sb->be.desc), "network %d (user)", index);
	sb->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sb->wake_fd < 0) {
		pr_err("%s: eventfd: %s", sb->be.desc, strerror(errno));
		free(sb);
		return NULL;
	}
	pthread_mutex_lock(&slirp_lock);	/* another NIC's thread may run */
	sb->slirp = sl.new_(&c, &slirp_cbs, sb);
	pthread_mutex_unlock(&slirp_lock);
	if (!sb->slirp) {
		pr_err("%s: libslirp could not start", sb->be.desc);
		sb_close(&sb->be);
		return NULL;
	}
	for (int i = 0; i < o->nr_fwds; i++) {
		const struct net_fwd *f = &o->fwds[i];

		inet_ntop(AF_INET, &f->host_addr, addr, sizeof(addr));
		inet_ntop(AF_INET, &f->guest_addr, gaddr, sizeof(gaddr));
		errno = 0;
		pthread_mutex_lock(&slirp_lock);
		err = sl.add_hostfwd(sb->slirp, f->udp, f->host_addr, f->host_port,
				     f->guest_addr, f->guest_port);
		pthread_mutex_unlock(&slirp_lock);
		if (err < 0) {
			pr_err("%s: hostfwd=%s:%s:%u-%s:%u: cannot listen on %s port %u%s%s",
			       sb->be.desc, f->udp ? "udp" : "tcp", addr, f->host_port, gaddr,
			       f->guest_port, addr, f->host_port, errno ? ": " : "",
			       errno ? strerror(errno) : "");
			sb_close(&sb->be);
			return NULL;
		}
		pr_info("%s: %s %s:%u forwards to the guest's %s:%u", sb->be.desc,
			f->udp ? "udp" : "tcp", addr, f->host_port, gaddr, f->guest_port);
	}
	err = net_thread_start(&sb->tid, slirp_thread, sb);
	if (err) {
		pr_err("%s: cannot start its thread: %s", sb->be.desc, strerror(err));
		sb_close(&sb->be);
		return NULL;
	}
	sb->started = true;
	return &sb->be;
}
