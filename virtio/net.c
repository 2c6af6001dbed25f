// SPDX-License-Identifier: GPL-2.0
/*
 * virtio network device. Source: virtio 1.2 section 5.1: receiveq 0,
 * transmitq 1 and a controlq 2; every frame is preceded by a 12-byte
 * struct virtio_net_hdr (5.1.6). Offered: MAC, MTU, STATUS, CSUM,
 * GUEST_CSUM, MRG_RXBUF, CTRL_VQ, CTRL_RX, and with a back end that
 * carries GSO frames (a tap) HOST_TSO4/6, HOST_ECN, GUEST_TSO4/6 and
 * GUEST_ECN, or with one that takes them whole from the guest (user
 * networking) HOST_TSO4/6. Frames go to and come from a back end
 * (net/backend.h) that the device never looks into.
 *
 * Segmentation offload: a GSO frame of up to 64 KiB goes from the guest
 * to the back end with its header intact (the tap segments it, or
 * delivers it whole to a local socket), or without it as one big TCP
 * segment (libslirp's TCP takes it as it is: one frame, one ACK, where
 * MSS-sized frames cost the guest a kick, a frame and an ACK each); one
 * from the back end goes to the guest merged over receive buffers
 * (MRG_RXBUF) or in one big buffer. The back end hands over only the
 * kinds the driver took (set_offload at DRIVER_OK).
 *
 * Everything the driver writes is hostile: a transmit chain with a
 * device-writable part, a short header, a frame too short or too long,
 * receive-only flags, a checksum offset past the frame, a GSO header
 * for a kind not negotiated, without NEEDS_CSUM on the TCP checksum or
 * with a segment size that cannot be; a receive buffer that is
 * device-readable or shorter than the header; a control command without
 * its class, command or ack byte: each puts the device into
 * DEVICE_NEEDS_RESET (virtio_dev_fail()). Frames that merely do not fit
 * the buffers posted are dropped and counted (a driver SHOULD post big
 * enough buffers, 5.1.6.3.1: not a fault).
 *
 * Threads: transmit and control run on the device's I/O thread
 * (queue_notify, and the transmit poll and hold timers); receive runs on
 * the back end's thread, bracketed by virtio_dev_begin/end, with
 * nd->rx_lock around the receive queue.
 *
 * A back end that moves frames itself (vhost-net: rings_start) signals
 * used buffers on an eventfd per ring. Where the transport has an irqfd
 * for the queue's interrupt (queue_irqfd: an unmasked MSI-X vector), the
 * back end signals that and KVM interrupts the guest without lkvm;
 * otherwise it signals call_fd[q], which the I/O thread relays through
 * signal_queue (virtio-mmio, INTx, and a masked vector, whose interrupt
 * must become a pending bit). The choice is made again whenever the
 * transport says it may have changed (ops->irqs_changed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "net/opts.h"
#include "util/log.h"
#include "virtio/devices.h"
#include "virtio/net.h"

#define NET_MAX_DEVICES	8

static struct net_dev *net_devs[NET_MAX_DEVICES];
static int nr_net_devs;

int net_dev_count(void)
{
	return nr_net_devs;
}

struct net_dev *net_dev_get(int i)
{
	return i >= 0 && i < nr_net_devs ? net_devs[i] : NULL;
}

/* ---- transmit ------------------------------------------------------------ */

void net_csum_finish(u8 *frame, u32 len, u16 start, u16 offset)
{
	u32 sum = 0;
	u16 c;

	for (u32 i = start; i + 1 < len; i += 2)
		sum += (u32)frame[i] << 8 | frame[i + 1];
	if ((len - start) & 1)
		sum += (u32)frame[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (u16)~sum;
	frame[start + offset] = (u8)(c >> 8);
	frame[start + offset + 1] = (u8)c;
}

/* The TSO bits of one direction: TSO4, TSO6 and ECN feature bit numbers. */
struct net_tso_bits {
	unsigned int tso4, tso6, ecn;
};

static const struct net_tso_bits host_tso = {
	VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_HOST_ECN
};
static const struct net_tso_bits guest_tso = {
	VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_GUEST_ECN
};

/* Is a frame of @gso_type (not NONE) one that features @f allow in the
 * direction @d (5.1.6.2.1 for the driver's, 5.1.6.4 for the device's)? */
static bool gso_allowed(u64 f, const struct net_tso_bits *d, u8 gso_type)
{
	u8 kind = gso_type & (u8)~VIRTIO_NET_HDR_GSO_ECN;

	if ((gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(f & VIRTIO_BIT(d->ecn)))
		return false;
	return (kind == VIRTIO_NET_HDR_GSO_TCPV4 && (f & VIRTIO_BIT(d->tso4))) ||
	       (kind == VIRTIO_NET_HDR_GSO_TCPV6 && (f & VIRTIO_BIT(d->tso6)));
}

/* The GSO part of a transmit header @h before frame of @frame bytes
 * (NEEDS_CSUM bounds already checked). Returns 0, or -1 with @why. */
static int tx_gso_check(const struct virtio_net_hdr *h, u64 frame, u64 features, u16 head,
			char *why, size_t whylen)
{
	if (!gso_allowed(features, &host_tso, h->gso_type)) {
		snprintf(why, whylen, "transmit chain %u: gso_type %#x, not negotiated", head,
			 h->gso_type);
		return -1;
	}
	/* 5.1.6.2.1: a GSO frame comes with NEEDS_CSUM; for TCP the field is
	 * the TCP checksum, and csum_start is where the TCP header starts. */
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    h->csum_offset != VIRTIO_NET_TCP_CSUM_OFF) {
		snprintf(why, whylen,
			 "transmit chain %u: GSO frame without NEEDS_CSUM on a TCP checksum (flags %#x, csum_offset %u)",
			 head, h->flags, h->csum_offset);
		return -1;
	}
	if ((u32)h->csum_start + VIRTIO_NET_TCP_HDR > frame) {
		snprintf(why, whylen, "transmit chain %u: TCP header at %u past the %llu-byte frame",
			 head, h->csum_start, (unsigned long long)frame);
		return -1;
	}
	/* Each segment is the headers up to TCP's and gso_size bytes: it
	 * must fit a frame, as an unsegmented one must. */
	if (!h->gso_size ||
	    (u32)h->csum_start + VIRTIO_NET_TCP_HDR + h->gso_size > VIRTIO_NET_FRAME_MAX) {
		snprintf(why, whylen,
			 "transmit chain %u: gso_size %u (0, or segments past %u bytes with csum_start %u)",
			 head, h->gso_size, VIRTIO_NET_FRAME_MAX, h->csum_start);
		return -1;
	}
	/* only a hint (5.1.6.2.2), but one past the frame is a lie */
	if (h->hdr_len > frame) {
		snprintf(why, whylen, "transmit chain %u: hdr_len %u past the %llu-byte frame",
			 head, h->hdr_len, (unsigned long long)frame);
		return -1;
	}
	return 0;
}

int net_tx_parse(const struct virtq_elem *elem, u64 features, u8 *out, char *why, size_t whylen)
{
	bool csum = features & VIRTIO_BIT(VIRTIO_NET_F_CSUM);
	bool tso = features & (VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
			       VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6));
	u64 frame, max = tso ? VIRTIO_NET_GSO_FRAME_MAX : VIRTIO_NET_FRAME_MAX;
	struct virtio_net_hdr h;

	if (elem->nr_in) {
		snprintf(why, whylen, "transmit chain %u has a device-writable buffer", elem->head);
		return -1;
	}
	if (elem->out_len < VIRTIO_NET_HDR_BYTES) {
		snprintf(why, whylen, "transmit chain %u: %llu bytes, shorter than the %u-byte header",
			 elem->head, (unsigned long long)elem->out_len, VIRTIO_NET_HDR_BYTES);
		return -1;
	}
	frame = elem->out_len - VIRTIO_NET_HDR_BYTES;
	if (frame < VIRTIO_NET_ETH_HDR || frame > max) {
		snprintf(why, whylen, "transmit chain %u: frame of %llu bytes (expected %u to %llu)",
			 elem->head, (unsigned long long)frame, VIRTIO_NET_ETH_HDR,
			 (unsigned long long)max);
		return -1;
	}
	/* one copy: the driver may rewrite its buffers after the checks */
	virtq_elem_from_guest(elem, 0, out, VIRTIO_NET_HDR_BYTES + frame);
	memcpy(&h, out, sizeof(h));
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE && frame > VIRTIO_NET_FRAME_MAX) {
		snprintf(why, whylen, "transmit chain %u: frame of %llu bytes without GSO (at most %u)",
			 elem->head, (unsigned long long)frame, VIRTIO_NET_FRAME_MAX);
		return -1;
	}
	if (h.flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		snprintf(why, whylen, "transmit chain %u: header flags %#x (only NEEDS_CSUM may be set)",
			 elem->head, h.flags);
		return -1;
	}
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!csum) {
			snprintf(why, whylen,
				 "transmit chain %u: NEEDS_CSUM without VIRTIO_NET_F_CSUM", elem->head);
			return -1;
		}
		if ((u32)h.csum_start + h.csum_offset + 2 > frame) {
			snprintf(why, whylen,
				 "transmit chain %u: checksum at %u + %u is past the %llu-byte frame",
				 elem->head, h.csum_start, h.csum_offset, (unsigned long long)frame);
			return -1;
		}
	}
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE &&
	    tx_gso_check(&h, frame, features, elem->head, why, whylen) < 0)
		return -1;
	return (int)(VIRTIO_NET_HDR_BYTES + frame);
}

/*
 * The NIC whose transmit batch this thread runs. A user-mode back end
 * answers a frame from inside send() (libslirp ACKs each TCP segment at
 * once), so each frame sent would also interrupt the guest for its
 * answer: the receive interrupt is held to the end of the batch and
 * raised once, just before the transmit one (virtq_notify() raises none
 * when no receive buffer was used since its last decision).
 */
static __thread struct net_dev *tx_batch;

/*
 * How long the transmit interrupt of a batch waits when a receive one
 * went out with it, in ns. Linux's receive poll frees the transmitted
 * buffers too and moves used_event past them (virtio_net.c,
 * virtnet_poll_cleantx), so by then the driver most often wants no
 * transmit interrupt at all; a driver that did not look gets it this
 * much later (virtio 1.2 2.7.10 does not bound the delay).
 */
#define NET_TX_HOLD_NS	500000

/* Start one-shot timerfd @fd to expire in @ns (< 1 s). Returns 0 or -1. */
static int timer_start(int fd, long ns)
{
	struct itimerspec t = { .it_value.tv_nsec = ns };

	return timerfd_settime(fd, 0, &t, NULL);
}

/* Take a timerfd's expiry; false if it cannot be read. */
static bool timer_ack(int fd)
{
	u64 n;

	return read(fd, &n, sizeof(n)) == sizeof(n) || errno == EAGAIN;
}

static void tx_hold(struct net_dev *nd)
{
	if (nd->tx_held)
		return;
	if (timer_start(nd->tx_hold_fd, NET_TX_HOLD_NS) < 0) {
		virtq_notify(&nd->vdev.vqs[NET_TXQ]);
		return;
	}
	nd->tx_held = true;
}

void net_dev_tx_hold_end(void *opaque)
{
	struct net_dev *nd = opaque;

	if (!timer_ack(nd->tx_hold_fd))
		return;
	nd->tx_held = false;
	virtq_notify(&nd->vdev.vqs[NET_TXQ]);
}

/*
 * After a transmit batch the device looks at the ring again by itself,
 * nd->tx_poll_ns later, instead of asking for a kick. A kick is a vCPU
 * exit on an MMIO write (a few us on hardware, ~100 us of the L1's time
 * for a nested guest); a guest that streams has its next frames there by
 * then, and they come without one. The first look that finds none asks
 * for kicks again, so a lone frame (a request, a ping) still goes at
 * once. Only a batch with a frame of NET_TX_STREAM_BYTES or more (data)
 * is followed by a look: after short frames alone (ACKs of a stream the
 * guest receives, requests) the device asks for a kick, so they are
 * never held up. The wait adapts to the guest's pace, in ns between
 * these bounds: a look that finds nothing came too early (twice the
 * wait), one that finds a pile let frames wait (half of it).
 */
#define NET_TX_POLL_MIN_NS	50000
#define NET_TX_POLL_MAX_NS	1000000
#define NET_TX_POLL_PILE	8
#define NET_TX_STREAM_BYTES	256

static void tx_poll_adapt(struct net_dev *nd, int found)
{
	if (!found)
		nd->tx_poll_ns = MIN(2 * nd->tx_poll_ns, NET_TX_POLL_MAX_NS);
	else if (found >= NET_TX_POLL_PILE)
		nd->tx_poll_ns = MAX(nd->tx_poll_ns / 2, NET_TX_POLL_MIN_NS);
}

static void tx_poll_arm(struct net_dev *nd)
{
	if (nd->tx_polling || nd->tx_poll_fd < 0)
		return;
	if (timer_start(nd->tx_poll_fd, nd->tx_poll_ns) == 0)
		nd->tx_polling = true;
}

/* Send every frame in the transmit ring; @pop takes them (quiet or not).
 * Returns the frames taken, or -1 after a fault (the device is broken);
 * sets *@stream when one was NET_TX_STREAM_BYTES or longer. */
static int tx_drain(struct net_dev *nd, struct virtqueue *vq,
		    int (*pop)(struct virtqueue *, struct virtq_elem *), bool *stream)
{
	struct virtio_device *vdev = &nd->vdev;
	int r, n = 0;
	char why[200];

	while ((r = pop(vq, nd->tx_elem)) == 1) {
		int len = net_tx_parse(nd->tx_elem, vdev->features, nd->txbuf, why, sizeof(why));
		struct virtio_net_hdr *h = (struct virtio_net_hdr *)nd->txbuf;
		struct iovec iov;

		if (len < 0) {
			virtio_dev_fail(vdev, vq, "%s", why);
			return -1;
		}
		if (nd->be->vnet_hdr) {
			h->num_buffers = 0;
			iov = (struct iovec){ nd->txbuf, (size_t)len };
		} else {
			if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
				net_csum_finish(nd->txbuf + VIRTIO_NET_HDR_BYTES,
						(u32)len - VIRTIO_NET_HDR_BYTES, h->csum_start,
						h->csum_offset);
			iov = (struct iovec){ nd->txbuf + VIRTIO_NET_HDR_BYTES,
					      (size_t)len - VIRTIO_NET_HDR_BYTES };
		}
		if (nd->be->ops->send(nd->be, &iov, 1) < 0)
			__atomic_fetch_add(&nd->tx_dropped, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&nd->tx_frames, 1, __ATOMIC_RELAXED);
		virtq_push(vq, nd->tx_elem, 0);
		if (iov.iov_len >= NET_TX_STREAM_BYTES)
			*stream = true;
		n++;
	}
	return r < 0 ? -1 : n;
}

/* A kick, or the poll timer (@polled): send what the ring holds, then
 * look again after nd->tx_poll_ns if it held data, else ask for a kick. */
static void net_tx(struct net_dev *nd, struct virtqueue *vq, bool polled)
{
	struct virtio_device *vdev = &nd->vdev;
	bool stream = false;
	int n, more;

	tx_batch = nd;
	n = tx_drain(nd, vq, virtq_pop_quiet, &stream);
	if (polled)
		tx_poll_adapt(nd, n);
	if (n >= 0 && !stream) {
		/* none or short frames only: ask for a kick, look once more */
		more = tx_drain(nd, vq, virtq_pop, &stream);
		n = more < 0 ? more : n + more;
	}
	tx_batch = NULL;
	if (n > 0 && stream)
		tx_poll_arm(nd);
	if (virtq_notify(&vdev->vqs[NET_RXQ]) && n > 0 && nd->tx_hold_fd >= 0)
		tx_hold(nd);
	else if (n > 0)
		virtq_notify(vq);
}

void net_dev_tx_poll(void *opaque)
{
	struct net_dev *nd = opaque;

	if (!timer_ack(nd->tx_poll_fd))
		return;
	nd->tx_polling = false;
	if (!virtio_dev_begin(&nd->vdev))
		return;		/* reset or broken: the driver kicks again when ready */
	if (__atomic_load_n(&nd->vdev.vqs[NET_TXQ].ready, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&nd->vhost, __ATOMIC_ACQUIRE))
		net_tx(nd, &nd->vdev.vqs[NET_TXQ], true);
	virtio_dev_end(&nd->vdev);
}

/* ---- control ---------------------------------------------------------------- */

static void net_ctrl(struct net_dev *nd, struct virtqueue *vq)
{
	bool pushed = false;

	while (virtq_pop(vq, nd->ctrl_elem) == 1) {
		struct virtq_elem *e = nd->ctrl_elem;
		u8 cmd[2], ack;

		if (e->out_len < 2 || !e->nr_in) {
			virtio_dev_fail(&nd->vdev, vq,
					"control chain %u needs a class, a command and an ack byte",
					e->head);
			break;
		}
		virtq_elem_from_guest(e, 0, cmd, 2);
		/* 5.1.6.5.1 and .2: rx mode and MAC filters are accepted and
		 * ignored (every frame goes to the guest); the rest is refused. */
		ack = cmd[0] == VIRTIO_NET_CTRL_RX || cmd[0] == VIRTIO_NET_CTRL_MAC ?
		      VIRTIO_NET_OK : VIRTIO_NET_ERR;
		pr_debug("%s: control class %u command %u: %s", nd->vdev.label, cmd[0], cmd[1],
			 ack == VIRTIO_NET_OK ? "ok" : "refused");
		virtq_elem_to_guest(e, e->in_len - 1, &ack, 1);
		virtq_push(vq, e, 1);
		pushed = true;
	}
	if (pushed)
		virtq_notify(vq);
}

/* ---- receive -------------------------------------------------------------- */

/*
 * Put one frame (@buf, @len bytes, headed by the back end's header if it
 * has one) into receive buffers: one chain without MRG_RXBUF, as many as
 * it takes with it (5.1.6.4). Returns 1 when delivered or dropped for
 * good, 0 when the queue has no (or not enough) buffers now. rx_lock held.
 */
static int deliver_locked(struct net_dev *nd, const u8 *buf, size_t len)
{
	struct virtio_device *vdev = &nd->vdev;
	struct virtqueue *vq = &vdev->vqs[NET_RXQ];
	bool mrg = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr h = { 0 };
	const u8 *frame = buf;
	size_t flen = len, total, room = 0, off, max = 65535;
	int n = 0, r, limit;

	if (nd->be->vnet_hdr) {
		if (len < VIRTIO_NET_HDR_BYTES)
			goto drop;
		memcpy(&h, buf, sizeof(h));
		frame += VIRTIO_NET_HDR_BYTES;
		flen -= VIRTIO_NET_HDR_BYTES;
		if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			/* a kind the driver did not take: read before a reset
			 * turned the tap's offloads off */
			if (!gso_allowed(vdev->features, &guest_tso, h.gso_type))
				goto drop;
			max = VIRTIO_NET_GSO_FRAME_MAX;
		} else {
			h.hdr_len = h.gso_size = 0;
		}
		if (!virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM))
			h.flags = 0;
		h.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID;
	}
	if (flen < VIRTIO_NET_ETH_HDR || flen > max)
		goto drop;
	total = VIRTIO_NET_HDR_BYTES + flen;
	/* the whole ring is all a frame can have at once */
	limit = mrg ? MIN(VIRTIO_NET_MERGE_MAX, (int)vq->num) : 1;
	while (room < total) {
		struct virtq_elem *e;

		if (n == limit) {
			/* the buffers are too small for it: keep them for the next */
			virtq_unpop(vq, nd->rx_elems[0]->gen, (u16)n);
			goto drop;
		}
		if (!nd->rx_elems[n])
			nd->rx_elems[n] = virtq_elem_alloc(vq);
		e = nd->rx_elems[n];
		r = virtq_pop(vq, e);
		if (r < 0)
			return 1;	/* broken: the frame is lost with the device */
		if (r == 0) {
			if (n)
				virtq_unpop(vq, nd->rx_elems[0]->gen, (u16)n);
			return 0;
		}
		n++;
		if (e->nr_out) {
			virtio_dev_fail(vdev, vq, "receive chain %u has a device-readable buffer",
					e->head);
			return 1;
		}
		if (e->in_len < VIRTIO_NET_HDR_BYTES) {
			virtio_dev_fail(vdev, vq,
					"receive chain %u: %llu bytes, shorter than the %u-byte header",
					e->head, (unsigned long long)e->in_len, VIRTIO_NET_HDR_BYTES);
			return 1;
		}
		room += e->in_len;
	}
	h.num_buffers = mrg ? (u16)n : 1;
	/* the header, then the frame, laid over the buffers in order */
	off = 0;
	for (int i = 0; i < n; i++) {
		struct virtq_elem *e = nd->rx_elems[i];
		size_t want = MIN((size_t)e->in_len, total - off), done = 0;

		if (off < VIRTIO_NET_HDR_BYTES)
			done = virtq_elem_to_guest(e, 0, (const u8 *)&h + off,
						   MIN(VIRTIO_NET_HDR_BYTES - off, want));
		if (done < want)
			done += virtq_elem_to_guest(e, done,
						    frame + (off + done - VIRTIO_NET_HDR_BYTES),
						    want - done);
		off += want;
		nd->rx_lens[i] = (u32)done;
	}
	virtq_push_many(vq, nd->rx_elems, nd->rx_lens, n);
	if (tx_batch != nd)	/* else net_tx() notifies at the batch's end */
		virtq_notify(vq);
	__atomic_fetch_add(&nd->rx_frames, 1, __ATOMIC_RELAXED);
	return 1;
drop:
	__atomic_fetch_add(&nd->rx_dropped, 1, __ATOMIC_RELAXED);
	return 1;
}

/* Deliver held frames while buffers last. rx_lock held. */
static void drain_locked(struct net_dev *nd)
{
	while (nd->pend_count) {
		int i = nd->pend_head;

		if (!deliver_locked(nd, nd->pending[i].buf, nd->pending[i].len))
			break;
		nd->pend_bytes -= nd->pending[i].len;
		free(nd->pending[i].buf);
		nd->pending[i].buf = NULL;
		nd->pend_head = (i + 1) % VIRTIO_NET_PENDING;
		nd->pend_count--;
	}
}

static void drop_pending_locked(struct net_dev *nd)
{
	while (nd->pend_count) {
		free(nd->pending[nd->pend_head].buf);
		nd->pending[nd->pend_head].buf = NULL;
		nd->pend_head = (nd->pend_head + 1) % VIRTIO_NET_PENDING;
		nd->pend_count--;
	}
	nd->pend_bytes = 0;
}

bool net_dev_rx(void *opaque, const u8 *buf, size_t len)
{
	struct net_dev *nd = opaque;
	bool taken = true;

	if (!virtio_dev_begin(&nd->vdev))
		return true;		/* no driver: the frame goes nowhere */
	pthread_mutex_lock(&nd->rx_lock);
	if (nd->vhost) {		/* a frame read before vhost-net took over */
		pthread_mutex_unlock(&nd->rx_lock);
		virtio_dev_end(&nd->vdev);
		return true;
	}
	drain_locked(nd);
	if (nd->pend_count || !deliver_locked(nd, buf, len)) {
		/* by the frame's own size: most are small */
		if (nd->pend_count < VIRTIO_NET_PENDING &&
		    len <= VIRTIO_NET_HDR_BYTES + VIRTIO_NET_GSO_FRAME_MAX &&
		    nd->pend_bytes + len <= VIRTIO_NET_PENDING_BYTES) {
			int i = (nd->pend_head + nd->pend_count) % VIRTIO_NET_PENDING;

			nd->pending[i].buf = xmalloc(len);
			memcpy(nd->pending[i].buf, buf, len);
			nd->pending[i].len = (u32)len;
			nd->pend_bytes += len;
			nd->pend_count++;
		} else {
			taken = false;
			__atomic_fetch_add(&nd->rx_refused, 1, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&nd->rx_lock);
	virtio_dev_end(&nd->vdev);
	return taken;
}

/* ---- interrupts of a back end that moves the frames itself ------------------- */

static bool said_irqfd, said_relay;	/* the lines saying how they go, once */

/* Raise ring @q's interrupt (0 rx, 1 tx) for what call_fd[q] counted. */
static void net_relay(struct net_dev *nd, int q)
{
	struct virtio_device *vdev = &nd->vdev;

	__atomic_fetch_add(&nd->relayed, 1, __ATOMIC_RELAXED);
	if (vdev->tops && vdev->tops->signal_queue)
		vdev->tops->signal_queue(vdev, &vdev->vqs[q == 0 ? NET_RXQ : NET_TXQ]);
}

/* call_fd[q] is readable (the I/O thread): interrupt the driver. */
static void net_call(void *opaque)
{
	struct net_call *c = opaque;
	u64 n;

	if (read(c->nd->call_fd[c->q], &n, sizeof(n)) == sizeof(n))
		net_relay(c->nd, c->q);
}

/*
 * Have the back end signal ring @q on the transport's irqfd for the
 * queue's interrupt when there is one, else on call_fd[q]. Leaving the
 * relay, a count it got before the switch is relayed here once, so no
 * interrupt is lost (an extra one is harmless). call_lock held, rings out.
 */
static void net_call_route_locked(struct net_dev *nd, int q)
{
	struct virtio_device *vdev = &nd->vdev;
	int relay = nd->call_fd[q], fd = -1;
	u64 n;

	if (vdev->tops && vdev->tops->queue_irqfd)
		fd = vdev->tops->queue_irqfd(vdev, &vdev->vqs[q == 0 ? NET_RXQ : NET_TXQ]);
	if (fd < 0)
		fd = relay;
	if (fd == nd->call_cur[q] || !nd->be->ops->rings_set_call ||
	    nd->be->ops->rings_set_call(nd->be, q, fd) < 0)
		return;
	if (nd->call_cur[q] == relay && read(relay, &n, sizeof(n)) == sizeof(n))
		net_relay(nd, q);
	nd->call_cur[q] = fd;
	if (fd != relay) {
		nd->irqfd_used = true;
		if (!__atomic_exchange_n(&said_irqfd, true, __ATOMIC_RELAXED))
			pr_info("%s: vhost-net interrupts by irqfd (the host kernel signals KVM, not lkvm)",
				vdev->label);
	}
}

/* Route both rings' signals as the transport allows now. call_lock held. */
static void net_calls_route_locked(struct net_dev *nd)
{
	if (nd->call_cur[0] < 0)
		return;		/* the device moves the frames: no back end signals */
	for (int q = 0; q < 2; q++)
		net_call_route_locked(nd, q);
}

/* ops->irqs_changed: a queue's irqfd may have come or gone. */
static void net_irqs_changed(struct virtio_device *vdev)
{
	struct net_dev *nd = vdev->priv;

	pthread_mutex_lock(&nd->call_lock);
	net_calls_route_locked(nd);
	pthread_mutex_unlock(&nd->call_lock);
}

/* ---- device ops ------------------------------------------------------------- */

static void net_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct net_dev *nd = vdev->priv;

	/* vhost-net got the kick from the same eventfd */
	if (vq->index != NET_CTRLQ && __atomic_load_n(&nd->vhost, __ATOMIC_ACQUIRE))
		return;
	switch (vq->index) {
	case NET_RXQ:
		pthread_mutex_lock(&nd->rx_lock);
		drain_locked(nd);
		pthread_mutex_unlock(&nd->rx_lock);
		if (nd->be && nd->be->ops->rx_ready)
			nd->be->ops->rx_ready(nd->be);
		break;
	case NET_TXQ:
		net_tx(nd, vq, false);
		break;
	case NET_CTRLQ:
		if (virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ))
			net_ctrl(nd, vq);
		break;
	}
}

#define NF(b)	VIRTIO_BIT(VIRTIO_NET_F_##b)

/* 5.1.3.1: a feature and the features one of which it requires. */
static const struct {
	u64 bit, needs_any;
} net_feature_deps[] = {
	{ NF(GUEST_TSO4), NF(GUEST_CSUM) },
	{ NF(GUEST_TSO6), NF(GUEST_CSUM) },
	{ NF(GUEST_ECN), NF(GUEST_TSO4) | NF(GUEST_TSO6) },
	{ NF(GUEST_UFO), NF(GUEST_CSUM) },
	{ NF(HOST_TSO4), NF(CSUM) },
	{ NF(HOST_TSO6), NF(CSUM) },
	{ NF(HOST_ECN), NF(HOST_TSO4) | NF(HOST_TSO6) },
	{ NF(HOST_UFO), NF(CSUM) },
	{ NF(CTRL_RX), NF(CTRL_VQ) },
};

int net_features_check(u64 f)
{
	for (size_t i = 0; i < ARRAY_SIZE(net_feature_deps); i++)
		if ((f & net_feature_deps[i].bit) && !(f & net_feature_deps[i].needs_any))
			return -1;
	return 0;
}

static int net_features_ok(struct virtio_device *vdev, u64 f)
{
	int r = net_features_check(f);

	if (r < 0)
		pr_debug("%s: driver features %#llx break a dependency of virtio 1.2 5.1.3.1",
			 vdev->label, (unsigned long long)f);
	return r;
}

/* What the driver takes for receive (@f negotiated), as NET_OFFLOAD_*
 * bits for the back end's set_offload. */
static unsigned int guest_offloads(u64 f)
{
	unsigned int o = 0;

	if (f & NF(GUEST_CSUM))
		o |= NET_OFFLOAD_CSUM;
	if (f & NF(GUEST_TSO4))
		o |= NET_OFFLOAD_TSO4;
	if (f & NF(GUEST_TSO6))
		o |= NET_OFFLOAD_TSO6;
	if (f & NF(GUEST_ECN))
		o |= NET_OFFLOAD_TSO_ECN;
	return o;
}

static void net_driver_ok(struct virtio_device *vdev)
{
	struct net_dev *nd = vdev->priv;

	struct virtqueue *rx = &vdev->vqs[NET_RXQ], *tx = &vdev->vqs[NET_TXQ];

	/* before vhost-net takes the rings: it reads the tap as set here */
	if (nd->be && nd->be->ops->set_offload)
		nd->be->ops->set_offload(nd->be, guest_offloads(vdev->features));
	if (!nd->be || !nd->be->ops->rings_start || nd->call_fd[0] < 0 ||
	    !__atomic_load_n(&rx->ready, __ATOMIC_ACQUIRE) ||
	    !__atomic_load_n(&tx->ready, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&nd->rx_lock);
	pthread_mutex_lock(&nd->call_lock);
	if (nd->be->ops->rings_start(nd->be, vdev->mem, vdev->features, rx, tx, nd->call_fd) == 0) {
		__atomic_store_n(&nd->vhost, true, __ATOMIC_RELEASE);
		/* vhost-net takes the kicks from the eventfds: the I/O
		 * thread would wake for each of them too, for nothing */
		virtio_dev_watch_kick(vdev, NET_RXQ, false);
		virtio_dev_watch_kick(vdev, NET_TXQ, false);
		drop_pending_locked(nd);
		nd->call_cur[0] = nd->call_fd[0];
		nd->call_cur[1] = nd->call_fd[1];
		nd->rings_used = true;
		net_calls_route_locked(nd);
		if (nd->call_cur[0] == nd->call_fd[0] && nd->call_cur[1] == nd->call_fd[1] &&
		    !__atomic_exchange_n(&said_relay, true, __ATOMIC_RELAXED))
			pr_info("%s: vhost-net interrupts relayed by lkvm (the transport has no irqfd for them now)",
				vdev->label);
	}
	pthread_mutex_unlock(&nd->call_lock);
	pthread_mutex_unlock(&nd->rx_lock);
}

static void net_reset(struct virtio_device *vdev)
{
	struct net_dev *nd = vdev->priv;

	pthread_mutex_lock(&nd->rx_lock);
	if (nd->vhost) {
		pthread_mutex_lock(&nd->call_lock);
		nd->be->ops->rings_stop(nd->be);
		nd->call_cur[0] = nd->call_cur[1] = -1;
		pthread_mutex_unlock(&nd->call_lock);
		__atomic_store_n(&nd->vhost, false, __ATOMIC_RELEASE);
		virtio_dev_watch_kick(vdev, NET_RXQ, true);
		virtio_dev_watch_kick(vdev, NET_TXQ, true);
	}
	drop_pending_locked(nd);
	pthread_mutex_unlock(&nd->rx_lock);
	/* no driver takes GSO frames now: the tap segments them itself */
	if (nd->be && nd->be->ops->set_offload)
		nd->be->ops->set_offload(nd->be, 0);
}

static void net_exit(struct virtio_device *vdev)
{
	struct net_dev *nd = vdev->priv;

	if (nd->be)
		nd->be->ops->close(nd->be);
	nd->be = NULL;
	pthread_mutex_lock(&nd->rx_lock);
	drop_pending_locked(nd);
	pthread_mutex_unlock(&nd->rx_lock);
	if (nd->tx_hold_fd >= 0)
		close(nd->tx_hold_fd);
	nd->tx_hold_fd = -1;
	if (nd->tx_poll_fd >= 0)
		close(nd->tx_poll_fd);
	nd->tx_poll_fd = -1;
	pr_info("%s: %llu frames received (%llu dropped, %llu refused for want of buffers), %llu sent (%llu dropped)",
		vdev->label, (unsigned long long)nd->rx_frames,
		(unsigned long long)nd->rx_dropped, (unsigned long long)nd->rx_refused,
		(unsigned long long)nd->tx_frames, (unsigned long long)nd->tx_dropped);
	if (nd->rings_used)
		pr_info("%s: vhost-net interrupts: %llu relayed by lkvm%s", vdev->label,
			(unsigned long long)__atomic_load_n(&nd->relayed, __ATOMIC_RELAXED),
			nd->irqfd_used ? ", the others by irqfd" : "");
}

static const struct virtio_dev_ops net_ops = {
	.queue_notify = net_queue_notify,
	.features_ok = net_features_ok,
	.driver_ok = net_driver_ok,
	.reset = net_reset,
	.exit = net_exit,
	.irqs_changed = net_irqs_changed,
};

struct net_dev *net_dev_new(const u8 mac[6], int index)
{
	struct net_dev *nd = xzalloc(sizeof(*nd));
	struct virtio_device *vdev = &nd->vdev;

	nd->index = index;
	nd->call_fd[0] = nd->call_fd[1] = -1;
	nd->tx_hold_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	nd->tx_poll_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	nd->tx_poll_ns = NET_TX_POLL_MIN_NS;
	nd->call_cur[0] = nd->call_cur[1] = -1;
	pthread_mutex_init(&nd->call_lock, NULL);
	memcpy(nd->config.mac, mac, 6);
	nd->config.status = VIRTIO_NET_S_LINK_UP;
	nd->config.max_virtqueue_pairs = 1;
	nd->config.mtu = VIRTIO_NET_MTU;
	pthread_mutex_init(&nd->rx_lock, NULL);
	vdev->name = "virtio-net";
	vdev->device_id = VIRTIO_ID_NET;
	vdev->pci_class_hi = 0x0200;	/* network, Ethernet (PCI 3.0 appendix D) */
	vdev->ops = &net_ops;
	vdev->priv = nd;
	vdev->device_features = VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
				VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
				VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
				VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |
				VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
				VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX);
	vdev->config = (u8 *)&nd->config;
	vdev->config_size = sizeof(nd->config);
	vdev->nr_queues = NET_NR_QUEUES;
	vdev->queue_size = VIRTIO_NET_QUEUE_SIZE;
	vdev->nr_threads = 1;
	return nd;
}

void net_dev_alloc_elems(struct net_dev *nd)
{
	nd->tx_elem = virtq_elem_alloc(&nd->vdev.vqs[NET_TXQ]);
	nd->ctrl_elem = virtq_elem_alloc(&nd->vdev.vqs[NET_CTRLQ]);
	/* the rest as frames merge over more: 4 KiB each */
	nd->rx_elems[0] = virtq_elem_alloc(&nd->vdev.vqs[NET_RXQ]);
}

void net_dev_set_backend(struct net_dev *nd, struct net_backend *be)
{
	u64 f = nd->vdev.device_features & ~(NF(HOST_TSO4) | NF(HOST_TSO6) | NF(HOST_ECN) |
					      NF(GUEST_TSO4) | NF(GUEST_TSO6) | NF(GUEST_ECN));
	unsigned int o = be->offloads;
	/* without headers: whole segments from the guest only (net/backend.h) */
	u64 rx = be->vnet_hdr ? ~0ull : 0;

	nd->be = be;
	if (o & NET_OFFLOAD_TSO4)
		f |= NF(HOST_TSO4) | (NF(GUEST_TSO4) & rx);
	if (o & NET_OFFLOAD_TSO6)
		f |= NF(HOST_TSO6) | (NF(GUEST_TSO6) & rx);
	if ((o & NET_OFFLOAD_TSO_ECN) && (o & (NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6)) && be->vnet_hdr)
		f |= NF(HOST_ECN) | NF(GUEST_ECN);
	virtio_dev_set_device_features(&nd->vdev, f);
}

/* Eventfds for a back end that moves frames itself, watched by the
 * device's I/O thread. Returns 0 or -1. */
static int net_dev_add_calls(struct net_dev *nd)
{
	for (int q = 0; q < 2; q++) {
		nd->calls[q] = (struct net_call){ nd, q };
		nd->call_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (nd->call_fd[q] < 0 ||
		    virtio_dev_add_fd(&nd->vdev, 0, nd->call_fd[q], net_call, &nd->calls[q]) < 0) {
			pr_err("%s: cannot watch the back end's interrupts: %s", nd->vdev.label,
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* virtio/devtable.c's creator: one NIC per -n (none with -n none). */
int virtio_net_create(struct kvm *kvm)
{
	const struct vm_config *cfg = kvm->cfg;

	for (int i = 0; i < cfg->nr_nets; i++) {
		const struct net_opts *o = cfg->nets[i];
		struct net_backend *be;
		struct net_dev *nd;
		char mac[18];
		u8 m[6];

		if (o->mode == NET_NONE)
			continue;
		if (nr_net_devs >= NET_MAX_DEVICES) {
			pr_err("too many networks (at most %d)", NET_MAX_DEVICES);
			return -1;
		}
		net_opts_mac(o, cfg->name, nr_net_devs, m);
		nd = net_dev_new(m, nr_net_devs);
		if (virtio_dev_register(kvm, &nd->vdev, cfg->virtio_transport) < 0)
			return -1;
		net_dev_alloc_elems(nd);
		be = net_backend_open(o, nr_net_devs, net_dev_rx, nd);
		if (!be)
			return -1;
		net_dev_set_backend(nd, be);
		if (nd->be->ops->rings_start && net_dev_add_calls(nd) < 0)
			return -1;
		if (nd->tx_hold_fd >= 0 &&
		    virtio_dev_add_fd(&nd->vdev, 0, nd->tx_hold_fd, net_dev_tx_hold_end, nd) < 0)
			return -1;
		if (nd->tx_poll_fd >= 0 &&
		    virtio_dev_add_fd(&nd->vdev, 0, nd->tx_poll_fd, net_dev_tx_poll, nd) < 0)
			return -1;
		net_devs[nr_net_devs++] = nd;
		net_mac_format(m, mac);
		pr_info("%s: eth%d, MAC %s, %s%s", nd->vdev.label, nd->index, mac, nd->be->desc,
			nd->vdev.device_features & NF(HOST_TSO4) ? ", TSO offered" : "");
	}
	return 0;
}
