// SPDX-License-Identifier: GPL-2.0
/*
 * virtio block device. Source: virtio 1.2 section 5.2: request queues
 * carry chains of a 16-byte header (type, reserved, sector), data, and a
 * one-byte status in the last device-writable byte. Requests are handed
 * to the disk (disk/disk.h) asynchronously; the disk's completion pushes
 * the chain back from whatever thread finished it.
 *
 * Everything in a request is hostile: the header and status placement are
 * checked first (a chain without them cannot be answered, so the device
 * faults), then the range against the capacity and the type (answered
 * with IOERR / UNSUPP).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "hv/kvm.h"
#include "virtio/blk.h"
#include "virtio/devices.h"

#define BLK_MAX_DEVICES	16
#define BLK_MAX_THREADS	4
#define BLK_QUEUE_SIZE	256
#define BLK_POOL_THREADS 4

struct blk_dev;

/* One request in flight. */
struct blk_req {
	struct disk_req dreq;
	struct blk_dev *blk;
	struct virtqueue *vq;
	struct virtq_elem *elem;
	struct blk_req *next_free;
	struct blk_parsed p;
};

struct blk_dev {
	struct virtio_device vdev;
	struct virtio_blk_config config;
	struct disk *disk;
	pthread_mutex_t free_lock;
	struct blk_req *free_list;
	u64 nr_ioerr;
};

static struct blk_dev *blk_devs[BLK_MAX_DEVICES];
static int nr_blk_devs;

int blk_parse(const struct virtq_elem *elem, u64 capacity, bool ro,
	      struct blk_parsed *p, char *why, size_t why_len)
{
	struct { u32 type, reserved; u64 sector; } __attribute__((packed)) hdr;
	const struct iovec *last;
	u64 sectors;
	int n;

	memset(p, 0, offsetof(struct blk_parsed, data));
	if (!elem->nr_in) {
		snprintf(why, why_len, "request %u has no device-writable status byte", elem->head);
		return -1;
	}
	if (elem->out_len < VIRTIO_BLK_HDR_BYTES) {
		snprintf(why, why_len, "request %u: header of %llu bytes, expected 16", elem->head,
			 (unsigned long long)elem->out_len);
		return -1;
	}
	last = &elem->iov[elem->nr_out + elem->nr_in - 1];
	p->status = (u8 *)last->iov_base + last->iov_len - 1;
	virtq_elem_from_guest(elem, 0, &hdr, sizeof(hdr));
	p->type = hdr.type;
	p->sector = hdr.sector;
	p->result = VIRTIO_BLK_S_OK;

	switch (p->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		/* writable bytes before the status byte */
		p->data_len = elem->in_len - 1;
		n = disk_iov_slice(elem->iov + elem->nr_out, elem->nr_in, 0, p->data_len,
				   p->data, VIRTIO_BLK_DATA_IOV);
		break;
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		p->data_len = elem->out_len - VIRTIO_BLK_HDR_BYTES;
		n = disk_iov_slice(elem->iov, elem->nr_out, VIRTIO_BLK_HDR_BYTES, p->data_len,
				   p->data, VIRTIO_BLK_DATA_IOV);
		break;
	case VIRTIO_BLK_T_FLUSH:
		return 0;
	default:
		p->result = VIRTIO_BLK_S_UNSUPP;
		return 0;
	}
	if (n < 0) {	/* cannot happen for a chain virtq_pop() accepted */
		p->result = VIRTIO_BLK_S_IOERR;
		return 0;
	}
	p->nr_data = n;
	if (p->type == VIRTIO_BLK_T_GET_ID)
		return 0;

	if (p->type == VIRTIO_BLK_T_IN || p->type == VIRTIO_BLK_T_OUT) {
		if (p->data_len % DISK_SECTOR_SIZE) {
			p->result = VIRTIO_BLK_S_IOERR;
			return 0;
		}
		sectors = p->data_len / DISK_SECTOR_SIZE;
	} else {
		struct { u64 sector; u32 num_sectors, flags; } __attribute__((packed)) seg;

		/* one segment per request: max_discard_seg = max_write_zeroes_seg = 1 */
		if (p->data_len != VIRTIO_BLK_SEG_BYTES) {
			p->result = VIRTIO_BLK_S_IOERR;
			return 0;
		}
		virtq_elem_from_guest(elem, VIRTIO_BLK_HDR_BYTES, &seg, sizeof(seg));
		if (seg.flags & ~(u32)VIRTIO_BLK_WZ_F_UNMAP) {
			p->result = VIRTIO_BLK_S_UNSUPP;
			return 0;
		}
		if (seg.num_sectors > VIRTIO_BLK_MAX_DISCARD) {
			p->result = VIRTIO_BLK_S_IOERR;
			return 0;
		}
		p->sector = seg.sector;
		p->unmap = seg.flags & VIRTIO_BLK_WZ_F_UNMAP;
		sectors = seg.num_sectors;
	}
	if (p->sector > capacity || sectors > capacity - p->sector) {
		p->result = VIRTIO_BLK_S_IOERR;
		return 0;
	}
	if (ro && p->type != VIRTIO_BLK_T_IN) {
		p->result = VIRTIO_BLK_S_IOERR;
		return 0;
	}
	p->offset = p->sector * DISK_SECTOR_SIZE;
	p->len = sectors * DISK_SECTOR_SIZE;
	return 0;
}

static struct blk_req *req_get(struct blk_dev *b, struct virtqueue *vq)
{
	struct blk_req *r;

	pthread_mutex_lock(&b->free_lock);
	r = b->free_list;
	if (r)
		b->free_list = r->next_free;
	pthread_mutex_unlock(&b->free_lock);
	if (!r) {
		r = xzalloc(sizeof(*r));
		r->blk = b;
		/* every queue has the same size: an element fits any of them */
		r->elem = virtq_elem_alloc(vq);
	}
	r->vq = vq;
	return r;
}

static void req_put(struct blk_req *r)
{
	struct blk_dev *b = r->blk;

	pthread_mutex_lock(&b->free_lock);
	r->next_free = b->free_list;
	b->free_list = r;
	pthread_mutex_unlock(&b->free_lock);
}

/* Write the status byte and return the chain: IN and GET_ID report the
 * data bytes written plus the status byte. */
static void finish(struct blk_req *r, u8 status, u32 data_written)
{
	*r->p.status = status;
	if (status != VIRTIO_BLK_S_OK)
		__atomic_fetch_add(&r->blk->nr_ioerr, 1, __ATOMIC_RELAXED);
	virtq_push(r->vq, r->elem, data_written + 1);
}

static void disk_done(struct disk_req *dreq, int err)
{
	struct blk_req *r = (struct blk_req *)dreq;
	struct virtqueue *vq = r->vq;

	if (err)
		pr_warn_once("%s: I/O error: %s", r->blk->vdev.label, strerror(-err));
	finish(r, err ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK,
	       !err && r->p.type == VIRTIO_BLK_T_IN ? r->p.data_len : 0);
	req_put(r);
	virtq_notify(vq);
}

static void blk_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct blk_dev *b = vdev->priv;
	struct disk *d = b->disk;
	bool pushed = false;
	char why[160];

	for (;;) {
		struct blk_req *r = req_get(b, vq);
		struct blk_parsed *p = &r->p;
		int got = virtq_pop(vq, r->elem);

		if (got != 1) {
			req_put(r);
			break;
		}
		if (blk_parse(r->elem, b->config.capacity, d->ro, p, why, sizeof(why)) < 0) {
			virtio_dev_fail(vdev, vq, "%s", why);
			req_put(r);
			break;
		}
		if (p->result != VIRTIO_BLK_S_OK || p->type == VIRTIO_BLK_T_GET_ID) {
			u32 n = 0;

			if (p->result == VIRTIO_BLK_S_OK) {
				u8 id[VIRTIO_BLK_ID_BYTES] = { 0 };

				memcpy(id, d->serial, strnlen(d->serial, sizeof(id)));
				n = virtq_elem_to_guest(r->elem, 0, id, MIN(sizeof(id), p->data_len));
			}
			finish(r, p->result, n);
			req_put(r);
			pushed = true;
			continue;
		}
		memset(&r->dreq, 0, sizeof(r->dreq));
		r->dreq.done = disk_done;
		r->dreq.offset = p->offset;
		r->dreq.len = p->len;
		r->dreq.unmap = p->unmap;
		r->dreq.iov = p->data;
		r->dreq.iovcnt = p->nr_data;
		switch (p->type) {
		case VIRTIO_BLK_T_IN:
			r->dreq.op = DISK_READ;
			break;
		case VIRTIO_BLK_T_OUT:
			r->dreq.op = DISK_WRITE;
			break;
		case VIRTIO_BLK_T_FLUSH:
			r->dreq.op = DISK_FLUSH;
			break;
		case VIRTIO_BLK_T_DISCARD:
			r->dreq.op = DISK_DISCARD;
			break;
		default:
			r->dreq.op = DISK_WRITE_ZEROES;
			break;
		}
		disk_submit(d, &r->dreq);
	}
	if (pushed)
		virtq_notify(vq);
}

/* io_uring completions, on I/O thread 0. */
static void blk_reap(void *opaque)
{
	struct blk_dev *b = opaque;

	disk_reap(b->disk);
}

static void blk_exit(struct virtio_device *vdev)
{
	struct blk_dev *b = vdev->priv;
	struct disk *d = b->disk;

	pr_info("%s: %s, %llu reads, %llu writes, %llu flushes, %llu errors (%s)",
		vdev->label, d->path, (unsigned long long)d->nr_reads,
		(unsigned long long)d->nr_writes, (unsigned long long)d->nr_flushes,
		(unsigned long long)b->nr_ioerr, disk_engine(d));
	disk_close(d);	/* waits for requests in flight */
	b->disk = NULL;
	while (b->free_list) {
		struct blk_req *r = b->free_list;

		b->free_list = r->next_free;
		free(r->elem);
		free(r);
	}
}

static const struct virtio_dev_ops blk_ops = {
	.queue_notify = blk_queue_notify,
	.exit = blk_exit,
};

int virtio_blk_init(struct kvm *kvm, enum virtio_transport transport,
		    const struct disk_opts *o, int nr_queues)
{
	struct blk_dev *b;
	struct virtio_device *vdev;
	struct disk *d;

	if (nr_blk_devs >= BLK_MAX_DEVICES) {
		pr_err("-d %s: at most %d disks", o->path, BLK_MAX_DEVICES);
		return -1;
	}
	d = disk_open(o);
	if (!d)
		return -1;
	const char *no_uring = getenv("LKVM_NO_IO_URING");	/* tests, comparisons */

	if (disk_start(d, BLK_POOL_THREADS, no_uring && *no_uring && strcmp(no_uring, "0")) < 0) {
		disk_close(d);
		return -1;
	}
	b = xzalloc(sizeof(*b));
	b->disk = d;
	pthread_mutex_init(&b->free_lock, NULL);
	nr_queues = MAX(1, MIN(nr_queues, VIRTIO_MAX_QUEUES));

	b->config.capacity = disk_size(d) / DISK_SECTOR_SIZE;
	b->config.seg_max = BLK_QUEUE_SIZE - 2;
	b->config.blk_size = DISK_SECTOR_SIZE;
	b->config.num_queues = nr_queues;
	b->config.max_discard_sectors = VIRTIO_BLK_MAX_DISCARD;
	b->config.max_discard_seg = 1;
	b->config.discard_sector_alignment = 8;	/* 4 KiB: whole file system blocks */
	b->config.max_write_zeroes_sectors = VIRTIO_BLK_MAX_DISCARD;
	b->config.max_write_zeroes_seg = 1;
	b->config.write_zeroes_may_unmap = 1;

	vdev = &b->vdev;
	vdev->name = "virtio-blk";
	vdev->device_id = VIRTIO_ID_BLOCK;
	vdev->pci_class_hi = 0x0180;	/* mass storage, other (PCI 3.0 appendix D) */
	vdev->ops = &blk_ops;
	vdev->priv = b;
	vdev->device_features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
				VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_MQ);
	if (d->ro)
		vdev->device_features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	else
		vdev->device_features |= VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
					 VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
	vdev->config = (u8 *)&b->config;
	vdev->config_size = sizeof(b->config);
	vdev->nr_queues = nr_queues;
	vdev->queue_size = BLK_QUEUE_SIZE;
	vdev->nr_threads = MIN(nr_queues, BLK_MAX_THREADS);
	if (virtio_dev_register(kvm, vdev, transport) < 0)
		goto fail;
	if (disk_completion_fd(d) >= 0 &&
	    virtio_dev_add_fd(vdev, 0, disk_completion_fd(d), blk_reap, b) < 0) {
		pr_err("%s: cannot watch the io_uring completions", vdev->label);
		goto fail;
	}
	pr_info("%s: %s, %llu sectors%s%s%s, %d queue(s), %s", vdev->label, d->path,
		(unsigned long long)b->config.capacity, d->ro ? ", read-only" : "",
		d->cow ? ", copy-on-write" : "", d->direct ? ", O_DIRECT" : "", nr_queues,
		disk_engine(d));
	blk_devs[nr_blk_devs++] = b;
	return 0;

fail:
	/* registered devices cannot be taken back; lkvm ends on this error */
	disk_close(d);
	b->disk = NULL;
	return -1;
}

/* virtio/devtable.c's creator: vda, vdb, ... for the -d disks in order,
 * one request queue per vCPU. */
int virtio_blk_create(struct kvm *kvm)
{
	const struct vm_config *cfg = kvm->cfg;

	for (int i = 0; i < cfg->nr_disks; i++)
		if (virtio_blk_init(kvm, cfg->virtio_transport, cfg->disks[i], cfg->nr_cpus) < 0)
			return -1;
	return 0;
}
