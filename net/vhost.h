/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-net: the host kernel moves a tap's frames to and from a virtio-net
 * device's rings itself, without a copy through lkvm. Source: the vhost
 * ioctls of <linux/vhost.h> (VHOST_SET_OWNER, VHOST_SET_FEATURES,
 * VHOST_SET_MEM_TABLE, VHOST_SET_VRING_*, VHOST_NET_SET_BACKEND).
 */
#ifndef LKVM_NET_VHOST_H
#define LKVM_NET_VHOST_H

#include <stddef.h>

#include "hv/guest_mem.h"

struct vhost_net;

/* One started split ring as vhost-net needs it (virtio 1.2 section 2.7). */
struct vhost_ring {
	unsigned int num;		/* queue size */
	unsigned int base;		/* next available entry to take */
	int kick_fd;			/* the driver's notifications (ioeventfd) */
	int call_fd;			/* where the kernel signals used buffers */
	const volatile void *desc, *avail, *used;	/* in lkvm's mapping of guest RAM */
};

/*
 * vhost_net_open - open /dev/vhost-net and become its owner. Returns the
 * handle, or NULL with the reason (errno text) in @why (@len bytes).
 */
struct vhost_net *vhost_net_open(char *why, size_t len);

/*
 * vhost_net_start - hand the rings @r[0] (receive) and @r[1] (transmit)
 * over to the kernel with the negotiated virtio @features: it reads and
 * writes tap @tap_fd, takes kicks from each ring's kick_fd and signals
 * its call_fd. Guest RAM is @mem. Returns 0, or -1 with the failing step
 * in @why; nothing is left attached then.
 */
int vhost_net_start(struct vhost_net *v, const struct guest_mem *mem, u64 features,
		    const struct vhost_ring r[2], int tap_fd, char *why, size_t len);

/*
 * vhost_net_set_call - from now on signal ring @q's used buffers (0
 * receive, 1 transmit) on eventfd @fd (VHOST_SET_VRING_CALL; the kernel
 * swaps it under the ring's lock, so once this returns no signal goes to
 * the previous fd). Legal while the rings run. Returns 0, or -1 with
 * errno set.
 */
int vhost_net_set_call(struct vhost_net *v, unsigned int q, int fd);

/* vhost_net_stop - detach the tap from both rings (a device reset). */
void vhost_net_stop(struct vhost_net *v);

/* vhost_net_close - stop and close. */
void vhost_net_close(struct vhost_net *v);

#endif
