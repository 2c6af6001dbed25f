// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue walker (virtio/virtq.c) against a guest-written
 * ring: direct chains, indirect tables, EVENT_IDX, the used ring. Source:
 * virtio 1.2 section 2.7.
 *
 * Input: u8 features (bit 0 INDIRECT_DESC, bit 1 EVENT_IDX), u8 queue size
 * (1 << (n % 5), 1 to 16), u32 desc, avail and used GPAs, u16 bytes each
 * device write puts into a chain; the rest is guest RAM from GPA 0 (64 KiB,
 * zeros beyond the input). The device then pops, reads, writes and pushes
 * every chain the driver offers, as an I/O thread would. Checked: every
 * iovec lies inside guest RAM, the lengths add up, and no sanitizer report.
 */
#include <stdlib.h>

#include "hv/kvm.h"
#include "tests/fuzz/fuzz.h"
#include "virtio/virtio.h"

#define RAM_SIZE	(64 * 1024)

static u8 *ram;
static struct guest_mem mem;
static struct virtio_device vdev;
static struct virtq_elem *elem;
static u8 scratch[RAM_SIZE];

static void t_signal(struct virtio_device *d, struct virtqueue *vq) { }
static void t_config(struct virtio_device *d) { }
static void t_notify(struct virtio_device *d, struct virtqueue *vq) { }

static const struct virtio_transport_ops tops = {
	.signal_queue = t_signal,
	.signal_config = t_config,
};
static const struct virtio_dev_ops ops = { .queue_notify = t_notify };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	ram = malloc(RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);
	vdev.name = "fuzz-virtq";
	vdev.device_id = 99;
	vdev.ops = &ops;
	vdev.nr_queues = 1;
	vdev.queue_size = 16;
	if (virtio_dev_init(NULL, &vdev, &mem) < 0)
		abort();
	vdev.tops = &tops;
	elem = virtq_elem_alloc(&vdev.vqs[0]);
	return 0;
}

/* Every part of @e must be inside guest RAM and add up to its lengths. */
static void check_elem(const struct virtq_elem *e)
{
	u64 out = 0, in = 0;

	if (e->nr_out + e->nr_in > e->cap)
		abort();
	for (int i = 0; i < e->nr_out + e->nr_in; i++) {
		const u8 *b = e->iov[i].iov_base;
		size_t l = e->iov[i].iov_len;

		if (b < ram || b > ram + RAM_SIZE || l > (size_t)(ram + RAM_SIZE - b))
			abort();
		*(i < e->nr_out ? &out : &in) += l;
	}
	if (out != e->out_len || in != e->in_len)
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	struct virtqueue *vq = &vdev.vqs[0];
	u8 feat = fz_u8(&f);
	u16 num = (u16)(1u << (fz_u8(&f) % 5));
	u64 features = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	u16 wlen;
	size_t n;
	const u8 *image;

	vq->desc_gpa = fz_u32(&f);
	vq->avail_gpa = fz_u32(&f);
	vq->used_gpa = fz_u32(&f);
	wlen = fz_u16(&f);
	if (feat & 1)
		features |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (feat & 2)
		features |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);

	pthread_mutex_lock(&vdev.lock);
	virtio_set_status_locked(&vdev, 0);
	image = fz_take(&f, RAM_SIZE, &n);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, image, n);
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features_locked(&vdev, 0, (u32)features);
	virtio_set_driver_features_locked(&vdev, 1, (u32)(features >> 32));
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK);
	vq->num = num;
	if (virtio_queue_enable_locked(&vdev, vq) < 0) {
		pthread_mutex_unlock(&vdev.lock);
		return 0;
	}
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vdev.lock);

	/* The device's side: at most 4 rounds of the queue. */
	for (int i = 0; i < 4 * num; i++) {
		size_t got, put;

		if (virtq_pop(vq, elem) != 1)
			break;
		check_elem(elem);
		got = virtq_elem_from_guest(elem, wlen / 2, scratch, sizeof(scratch));
		if (got > elem->out_len)
			abort();
		put = virtq_elem_to_guest(elem, wlen & 7, scratch, MIN((size_t)wlen, got + 16));
		if (put > elem->in_len)
			abort();
		virtq_push(vq, elem, (u32)put + (wlen & 1));
		virtq_notify(vq);
	}
	return 0;
}
