// SPDX-License-Identifier: GPL-2.0
/*
 * A tap device back end (net/backend.h): the guest's frames go to a tap
 * interface the host routes or bridges as it likes (needs CAP_NET_ADMIN).
 * The tap is opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, so frames in
 * both directions carry the 12-byte virtio_net_hdr (TUNSETVNETHDRSZ).
 * Writing, the tap takes any GSO frame its header describes; reading, it
 * hands over partial checksums and GSO frames only of the kinds
 * TUNSETOFFLOAD allowed, which follow what the guest negotiated (the tap
 * segments the rest itself). A tap that does not exist is created and
 * brought up; an existing one is used as it is.
 * Sources: Documentation/networking/tuntap.rst, <linux/if_tun.h>.
 *
 * One thread per NIC reads the tap and hands frames to the device; when
 * the device is full it keeps the frame and stops reading until
 * rx_ready, so the kernel's queue holds the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/backend.h"
#include "net/vhost.h"
#include "util/log.h"

#define TAP_VNET_HDR	12	/* struct virtio_net_hdr with num_buffers */
/* A 64 KiB GSO frame with its header, and room to spare: a longer read
 * would be cut short by the kernel, and then dropped by the device. */
#define TAP_FRAME_MAX	(TAP_VNET_HDR + 65536 + 64)
/* The GSO kinds a tap can take, in TUNSETOFFLOAD's terms. */
#define TAP_TSO_FLAGS	(TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static bool said_mode;		/* the vhost-or-plain line was printed */

struct tap_be {
	struct net_backend be;
	int fd;
	int wake_fd;		/* eventfd: rx_ready or stop */
	pthread_t tid;
	bool started;
	bool stop;		/* atomic */
	struct vhost_net *vhost;	/* NULL: frames go through this thread */
	bool vhost_on;		/* atomic: the kernel has the rings, do not read */
	bool held;		/* frame @buf (@len bytes) waits for the device */
	size_t len;
	u8 buf[TAP_FRAME_MAX];
};

static void wake(struct tap_be *t)
{
	u64 one = 1;

	if (write(t->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn_once("%s: eventfd: %s", t->be.desc, strerror(errno));
}

static void *tap_thread(void *arg)
{
	struct tap_be *t = arg;

	pthread_setname_np(pthread_self(), "lkvm-tap");
	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p[2] = {
			{ .fd = t->wake_fd, .events = POLLIN },
			{ .fd = t->fd, .events = t->held ? 0 : POLLIN },
		};

		if (__atomic_load_n(&t->vhost_on, __ATOMIC_ACQUIRE))
			p[1].events = 0;	/* vhost-net reads the tap */
		int n = poll(p, 2, -1);

		if (n < 0) {
			if (errno != EINTR) {
				pr_err("%s: poll: %s", t->be.desc, strerror(errno));
				break;
			}
			continue;
		}
		if (p[0].revents & POLLIN) {
			u64 v;

			if (read(t->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				pr_warn_once("%s: eventfd: %s", t->be.desc, strerror(errno));
		}
		if (__atomic_load_n(&t->vhost_on, __ATOMIC_ACQUIRE))
			continue;
		if (t->held && t->be.rx(t->be.rx_opaque, t->buf, t->len))
			t->held = false;
		while (!t->held) {
			ssize_t r = read(t->fd, t->buf, sizeof(t->buf));

			if (r < 0) {
				if (errno != EAGAIN && errno != EINTR)
					pr_warn_once("%s: read: %s", t->be.desc, strerror(errno));
				break;
			}
			if (r <= TAP_VNET_HDR)
				continue;
			t->len = (size_t)r;
			if (!t->be.rx(t->be.rx_opaque, t->buf, t->len))
				t->held = true;
		}
	}
	return NULL;
}

static int tap_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	struct tap_be *t = (struct tap_be *)be;
	ssize_t r;

	do
		r = writev(t->fd, iov, iovcnt);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno != EAGAIN)
			pr_warn_once("%s: write: %s", be->desc, strerror(errno));
		return -1;
	}
	return 0;
}

static void tap_rx_ready(struct net_backend *be)
{
	wake((struct tap_be *)be);
}

/* NET_OFFLOAD_* bits as TUNSETOFFLOAD flags. The tap refuses TSO
 * without CSUM and ECN without a TSO (EINVAL): the device's feature
 * checks (virtio 1.2 5.1.3.1) rule both out before this is called. */
static unsigned int tun_flags(unsigned int offloads)
{
	unsigned int f = 0;

	if (offloads & NET_OFFLOAD_CSUM)
		f |= TUN_F_CSUM;
	if (offloads & NET_OFFLOAD_TSO4)
		f |= TUN_F_TSO4;
	if (offloads & NET_OFFLOAD_TSO6)
		f |= TUN_F_TSO6;
	if (offloads & NET_OFFLOAD_TSO_ECN)
		f |= TUN_F_TSO_ECN;
	return f;
}

static void tap_set_offload(struct net_backend *be, unsigned int offloads)
{
	struct tap_be *t = (struct tap_be *)be;

	if (ioctl(t->fd, TUNSETOFFLOAD, tun_flags(offloads)) < 0)
		pr_warn_once("%s: TUNSETOFFLOAD %#x: %s", be->desc, tun_flags(offloads),
			     strerror(errno));
}

/*
 * The GSO kinds this tap can hand over: the kernel refuses flags it does
 * not know with EINVAL, so asking for them all tells. Leaves the tap with
 * no offload, as the guest has negotiated none yet.
 */
static unsigned int tap_probe_offloads(int fd)
{
	unsigned int o = 0;

	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TAP_TSO_FLAGS) == 0)
		o = NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6 | NET_OFFLOAD_TSO_ECN;
	return ioctl(fd, TUNSETOFFLOAD, 0) == 0 ? o : 0;
}

static int tap_rings_start(struct net_backend *be, const struct guest_mem *mem, u64 features,
			   struct virtqueue *rx, struct virtqueue *tx, const int call_fd[2])
{
	struct tap_be *t = (struct tap_be *)be;
	struct virtqueue *vqs[2] = { rx, tx };
	struct vhost_ring r[2];
	char why[160];

	if (!t->vhost)
		return -1;
	for (int q = 0; q < 2; q++)
		r[q] = (struct vhost_ring){
			.num = vqs[q]->num, .base = vqs[q]->last_avail,
			.kick_fd = vqs[q]->kick_fd, .call_fd = call_fd[q],
			.desc = vqs[q]->desc, .avail = vqs[q]->avail, .used = vqs[q]->used,
		};
	if (vhost_net_start(t->vhost, mem, features, r, t->fd, why, sizeof(why)) < 0) {
		pr_warn("%s: vhost-net refused the rings (%s): frames go through lkvm",
			be->desc, why);
		return -1;
	}
	__atomic_store_n(&t->vhost_on, true, __ATOMIC_RELEASE);
	wake(t);
	return 0;
}

static int tap_rings_set_call(struct net_backend *be, int q, int fd)
{
	struct tap_be *t = (struct tap_be *)be;

	if (!t->vhost || vhost_net_set_call(t->vhost, (unsigned int)q, fd) < 0) {
		if (t->vhost)
			pr_warn_once("%s: VHOST_SET_VRING_CALL: %s", be->desc, strerror(errno));
		return -1;
	}
	return 0;
}

static void tap_rings_stop(struct net_backend *be)
{
	struct tap_be *t = (struct tap_be *)be;

	if (!t->vhost)
		return;
	vhost_net_stop(t->vhost);
	__atomic_store_n(&t->vhost_on, false, __ATOMIC_RELEASE);
	wake(t);
}

static void tap_close(struct net_backend *be)
{
	struct tap_be *t = (struct tap_be *)be;

	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	wake(t);
	if (t->started)
		pthread_join(t->tid, NULL);
	vhost_net_close(t->vhost);
	if (t->fd >= 0)
		close(t->fd);
	close(t->wake_fd);
	free(t);
}

static const struct net_backend_ops tap_ops = {
	.name = "tap",
	.send = tap_send,
	.rx_ready = tap_rx_ready,
	.set_offload = tap_set_offload,
	.rings_start = tap_rings_start,
	.rings_set_call = tap_rings_set_call,
	.rings_stop = tap_rings_stop,
	.close = tap_close,
};

/* Bring interface @name up (a tap lkvm just created). Returns 0 or -1. */
static int link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret;
}

/* Does interface @name exist already? */
static bool link_exists(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return name[0] && access(path, F_OK) == 0;
}

struct net_backend *net_tap_open(const struct net_opts *o, int index, net_rx_fn rx,
				 void *opaque)
{
	struct tap_be *t = xzalloc(sizeof(*t));
	struct ifreq ifr = { 0 };
	int hdr = TAP_VNET_HDR, err;
	bool existed = link_exists(o->ifname);

	t->be.ops = &tap_ops;
	t->be.vnet_hdr = true;
	t->be.rx = rx;
	t->be.rx_opaque = opaque;
	t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->wake_fd < 0 || t->fd < 0) {
		err = errno;
		pr_err("network %d (tap): cannot open /dev/net/tun: %s%s", index, strerror(err),
		       err == EACCES || err == EPERM ?
		       " (a tap needs CAP_NET_ADMIN: run as root, or use -n user)" :
		       err == ENOENT ? " (no tun driver: modprobe tun, or use -n user)" : "");
		goto fail;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		pr_err("network %d (tap): cannot %s tap '%s': %s%s", index,
		       existed ? "attach to" : "create", o->ifname[0] ? o->ifname : "tapN",
		       strerror(err), err == EPERM || err == EACCES ?
		       " (a tap needs CAP_NET_ADMIN: run as root, or use -n user)" : "");
		goto fail;
	}
	snprintf(t->be.desc, sizeof(t->be.desc), "network %d (tap %s)", index, ifr.ifr_name);
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(t->fd, TUNSETOFFLOAD, 0) < 0) {
		pr_err("%s: TUNSETVNETHDRSZ/TUNSETOFFLOAD: %s", t->be.desc, strerror(errno));
		goto fail;
	}
	t->be.offloads = tap_probe_offloads(t->fd);
	if (!t->be.offloads)
		pr_info("%s: the tap takes no TSO offload: the guest sends MTU-sized frames",
			t->be.desc);
	if (!existed && link_up(ifr.ifr_name) < 0)
		pr_warn("%s: cannot bring the link up: %s", t->be.desc, strerror(errno));
	if (o->vhost != 0) {
		char why[160];

		t->vhost = vhost_net_open(why, sizeof(why));
		if (!t->vhost && o->vhost == 1) {
			pr_err("%s: vhost=on, but vhost-net is not available: %s (use vhost=off)",
			       t->be.desc, why);
			goto fail;
		}
		if (!t->vhost && !__atomic_exchange_n(&said_mode, true, __ATOMIC_RELAXED))
			pr_info("tap: no vhost-net (%s): plain tap, frames go through lkvm", why);
	} else if (!__atomic_exchange_n(&said_mode, true, __ATOMIC_RELAXED)) {
		pr_info("tap: vhost=off: plain tap, frames go through lkvm");
	}
	if (t->vhost && !__atomic_exchange_n(&said_mode, true, __ATOMIC_RELAXED))
		pr_info("tap: vhost-net moves the frames (kicks by ioeventfd, interrupts by irqfd where the transport has one)");
	err = net_thread_start(&t->tid, tap_thread, t);
	if (err) {
		pr_err("%s: cannot start its thread: %s", t->be.desc, strerror(err));
		goto fail;
	}
	t->started = true;
	return &t->be;
fail:
	if (t->fd >= 0)
		close(t->fd);
	if (t->wake_fd >= 0)
		close(t->wake_fd);
	free(t);
	return NULL;
}
