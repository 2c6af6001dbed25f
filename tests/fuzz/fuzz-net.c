// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-net device (virtio/net.c): transmit headers and frames (GSO
 * ones too), receive buffers with and without MRG_RXBUF, held frames,
 * the control queue, resets, over all three queues of 16 entries in 1 MiB
 * of guest RAM, with a back end that only records. No threads, no KVM.
 * Source: virtio 1.2 section 5.1.6.
 *
 * Input: u32 driver features, u8 back end flags (bit 0: it takes
 * headers; bit 1: and TSO, so the device offers HOST/GUEST_TSO4/6 and
 * ECN), then ops,
 * each one byte (its kind, mod 6) and its arguments (little endian; zeros
 * past the end):
 *   0 descriptor: u8 queue, u8 index, u32 GPA (mod RAM), u16 len,
 *     u8 flags, u8 next
 *   1 publish:    u8 queue, u8 head (an available ring entry, index + 1)
 *   2 notify:     u8 queue (the device serves it: queue_notify)
 *   3 receive:    u16 length, the frame's bytes, zeros past the input's
 *                 end (net_dev_rx; a GSO frame from a TSO back end)
 *   4 RAM write:  u32 GPA (mod RAM), u8 length, bytes
 *   5 reset and bring up again with u32 driver features
 * Checked: no sanitizer report; every frame sent is 14 to 1518 bytes
 * (plus the header for a back end that takes one), or a GSO frame of up
 * to VIRTIO_NET_GSO_FRAME_MAX bytes whose header net_tx_parse vouched
 * for: a TCP kind, NEEDS_CSUM at offset 16, a gso_size that fits.
 */
#include <stdlib.h>

#include "hv/kvm.h"
#include "tests/fuzz/fuzz.h"
#include "virtio/net.h"

#define RAM_SIZE	(1024 * 1024)
#define QNUM		16
#define RING_GPA(q)	(0x10000ULL * ((q) + 1))

static u8 *ram;
static struct guest_mem mem;
static struct net_dev *nd;
static volatile u8 sink;

static void f_signal_queue(struct virtio_device *d, struct virtqueue *vq) { }
static void f_signal_config(struct virtio_device *d) { }
static const struct virtio_transport_ops tops = {
	.signal_queue = f_signal_queue,
	.signal_config = f_signal_config,
};

static int fb_send(struct net_backend *be, const struct iovec *iov, int iovcnt)
{
	size_t len = 0, min = 14 + (be->vnet_hdr ? 12 : 0), max = VIRTIO_NET_FRAME_MAX;
	struct virtio_net_hdr h = { 0 };

	for (int i = 0; i < iovcnt; i++) {
		const u8 *p = iov[i].iov_base;

		for (size_t k = 0; k < iov[i].iov_len; k++)
			sink ^= p[k];
		len += iov[i].iov_len;
	}
	if (be->vnet_hdr && iovcnt && iov[0].iov_len >= sizeof(h))
		memcpy(&h, iov[0].iov_base, sizeof(h));
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		u8 kind = h.gso_type & (u8)~VIRTIO_NET_HDR_GSO_ECN;

		if (!be->offloads || (kind != VIRTIO_NET_HDR_GSO_TCPV4 &&
				      kind != VIRTIO_NET_HDR_GSO_TCPV6) ||
		    !(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
		    h.csum_offset != VIRTIO_NET_TCP_CSUM_OFF || !h.gso_size ||
		    h.csum_start + VIRTIO_NET_TCP_HDR + h.gso_size > VIRTIO_NET_FRAME_MAX)
			abort();
		max = VIRTIO_NET_GSO_FRAME_MAX;
	}
	if (len < min || len > min + max - 14)
		abort();
	return 0;
}
static void fb_rx_ready(struct net_backend *be) { }
static void fb_close(struct net_backend *be) { }
static const struct net_backend_ops fb_ops = {
	.name = "fuzz", .send = fb_send, .rx_ready = fb_rx_ready, .close = fb_close,
};
static struct net_backend fb = { .ops = &fb_ops, .desc = "fuzz" };

static void bring_up(u64 features)
{
	u8 s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	virtio_set_status_locked(&nd->vdev, s);
	features |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	virtio_set_driver_features_locked(&nd->vdev, 0, (u32)features);
	virtio_set_driver_features_locked(&nd->vdev, 1, (u32)(features >> 32));
	virtio_set_status_locked(&nd->vdev, s | VIRTIO_STATUS_FEATURES_OK);
	for (int q = 0; q < NET_NR_QUEUES; q++) {
		struct virtqueue *vq = &nd->vdev.vqs[q];

		vq->num = QNUM;
		vq->desc_gpa = RING_GPA(q);
		vq->avail_gpa = RING_GPA(q) + 0x1000;
		vq->used_gpa = RING_GPA(q) + 0x2000;
		virtio_queue_enable_locked(&nd->vdev, vq);
	}
	virtio_set_status_locked(&nd->vdev, s | VIRTIO_STATUS_FEATURES_OK |
				 VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&nd->vdev.lock);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);
	nd = net_dev_new((const u8 *)"\x52\x54\x00\x00\x00\x01", 0);
	if (virtio_dev_init(NULL, &nd->vdev, &mem) < 0)
		abort();
	nd->vdev.tops = &tops;
	net_dev_alloc_elems(nd);
	net_dev_set_backend(nd, &fb);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	u16 avail_idx[NET_NR_QUEUES] = { 0 };
	u32 features = fz_u32(&f);
	static u8 frame[65536];
	u8 flags = fz_u8(&f);

	fb.vnet_hdr = flags & 1;
	fb.offloads = flags & 2 ? NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6 | NET_OFFLOAD_TSO_ECN : 0;
	net_dev_set_backend(nd, &fb);
	memset(ram, 0, RAM_SIZE);
	bring_up(features);
	while (f.n) {
		u8 op = fz_u8(&f) % 6, q;

		switch (op) {
		case 0: {
			struct virtq_desc d;
			u8 i;

			q = fz_u8(&f) % NET_NR_QUEUES;
			i = fz_u8(&f) % QNUM;
			d.addr = fz_u32(&f) % RAM_SIZE;
			d.len = fz_u16(&f);
			d.flags = fz_u8(&f) & 7;
			d.next = fz_u8(&f) % QNUM;
			memcpy(ram + RING_GPA(q) + 16 * i, &d, sizeof(d));
			break;
		}
		case 1: {
			u16 *avail;

			q = fz_u8(&f) % NET_NR_QUEUES;
			avail = (u16 *)(ram + RING_GPA(q) + 0x1000);
			avail[2 + avail_idx[q] % QNUM] = fz_u8(&f) % QNUM;
			avail[1] = ++avail_idx[q];
			break;
		}
		case 2:
			q = fz_u8(&f) % NET_NR_QUEUES;
			if (virtio_status(&nd->vdev) & VIRTIO_STATUS_DRIVER_OK &&
			    !__atomic_load_n(&nd->vdev.broken, __ATOMIC_ACQUIRE))
				nd->vdev.ops->queue_notify(&nd->vdev, &nd->vdev.vqs[q]);
			break;
		case 3: {
			size_t len = fz_u16(&f), got;
			const u8 *src = fz_take(&f, len, &got);

			memset(frame, 0, len);
			memcpy(frame, src, got);
			net_dev_rx(nd, frame, len);
			break;
		}
		case 4: {
			u32 gpa = fz_u32(&f) % RAM_SIZE;
			size_t len = fz_u8(&f), got;
			const u8 *src = fz_take(&f, len, &got);

			if (got > RAM_SIZE - gpa)
				got = RAM_SIZE - gpa;
			memcpy(ram + gpa, src, got);
			break;
		}
		case 5:
			bring_up(fz_u32(&f));
			memset(avail_idx, 0, sizeof(avail_idx));
			break;
		}
	}
	/* drop held frames before the next input */
	pthread_mutex_lock(&nd->vdev.lock);
	virtio_set_status_locked(&nd->vdev, 0);
	pthread_mutex_unlock(&nd->vdev.lock);
	return 0;
}
