// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-9p device (virtio/9p.h): a mount tag in configuration space and
 * one request queue, popped on the device's I/O thread and served by a
 * 9P2000.L server session on a pool of worker threads (virtio/9p-pool.h),
 * several requests at once. Each chain is one request; a chain that
 * cannot carry even an Rlerror (fewer than 7 readable or 11 writable
 * bytes) is a broken driver and puts the device into DEVICE_NEEDS_RESET.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/kvm.h"
#include "util/log.h"
#include "virtio/9p-pool.h"
#include "virtio/9p-server.h"
#include "virtio/9p.h"

#define P9_QUEUE_SIZE	128
#define P9_MAX_DEVICES	16	/* == MAX_9P_SHARES (hv/config.h) */

struct p9_dev {
	struct virtio_device vdev;
	struct p9_server srv;
	struct p9_pool pool;
	char *path;
	u8 config[2 + P9_TAG_MAX];	/* le16 tag_len, tag (no NUL) */
};

/* Every device made, kept for the process's life (the core uses them
 * until after their exit callback). */
static struct p9_dev *p9_devs[P9_MAX_DEVICES];
static int nr_p9_devs;

static void p9_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct p9_dev *d = vdev->priv;

	p9_pool_serve(&d->pool);
}

/* The driver reset the device: the workers finish what they handle and
 * stop, then a new session starts with its Tversion. */
static void p9_reset(struct virtio_device *vdev)
{
	struct p9_dev *d = vdev->priv;

	p9_pool_stop(&d->pool);
	p9_server_reset(&d->srv);
}

static void p9_exit(struct virtio_device *vdev)
{
	struct p9_dev *d = vdev->priv;
	const struct p9_stats *st = &d->srv.stats;

	p9_pool_exit(&d->pool);
	pr_info("%s: %s, %llu requests, %llu errors, %llu bytes read, %llu written, %llu reads and writes on the I/O thread, %llu on workers",
		vdev->label, d->path, (unsigned long long)st->requests,
		(unsigned long long)st->errors, (unsigned long long)st->bytes_read,
		(unsigned long long)st->bytes_written, (unsigned long long)st->io_inline,
		(unsigned long long)st->io_worker);
	p9_server_exit(&d->srv);
}

static const struct virtio_dev_ops p9_ops = {
	.queue_notify = p9_queue_notify,
	.reset = p9_reset,
	.exit = p9_exit,
};

int virtio_9p_init(struct kvm *kvm, enum virtio_transport transport,
		   const struct p9_share_opts *o)
{
	struct p9_dev *d = xzalloc(sizeof(*d));
	struct virtio_device *vdev = &d->vdev;
	size_t len = strnlen(o->tag, P9_TAG_MAX);
	int err;

	if (nr_p9_devs >= P9_MAX_DEVICES) {
		pr_err("--9p %s: at most %d shares", o->path, P9_MAX_DEVICES);
		free(d);
		return -1;
	}
	err = p9_server_init(&d->srv, o->path, o->ro);
	if (err < 0) {
		pr_err("--9p %s: %s", o->path, strerror(-err));
		free(d);
		return -1;
	}
	d->path = xstrdup(o->path);
	d->config[0] = (u8)len;
	d->config[1] = (u8)(len >> 8);
	memcpy(d->config + 2, o->tag, len);

	vdev->name = "virtio-9p";
	vdev->device_id = VIRTIO_ID_9P;
	vdev->pci_class_hi = 0xff00;	/* unclassified device (PCI 3.0 appendix D) */
	vdev->ops = &p9_ops;
	vdev->priv = d;
	vdev->device_features = VIRTIO_BIT(VIRTIO_9P_MOUNT_TAG);
	vdev->config = d->config;
	vdev->config_size = 2 + len;
	vdev->nr_queues = 1;
	vdev->queue_size = P9_QUEUE_SIZE;
	vdev->nr_threads = 1;
	p9_devs[nr_p9_devs++] = d;
	if (virtio_dev_register(kvm, vdev, transport) < 0)
		return -1;	/* registered devices cannot be taken back; lkvm ends */
	/* used from the I/O thread once the driver is ready: no guest runs yet */
	p9_pool_init(&d->pool, &vdev->vqs[0], &d->srv);
	pr_info("%s: %s as tag '%s'%s", vdev->label, o->path, o->tag, o->ro ? ", read-only" : "");
	return 0;
}

int virtio_9p_stats(int index, struct p9_stats *st)
{
	const struct p9_stats *s;

	if (index < 0 || index >= nr_p9_devs)
		return -1;
	s = &p9_devs[index]->srv.stats;
	*st = (struct p9_stats){
		.requests = __atomic_load_n(&s->requests, __ATOMIC_RELAXED),
		.errors = __atomic_load_n(&s->errors, __ATOMIC_RELAXED),
		.bytes_read = __atomic_load_n(&s->bytes_read, __ATOMIC_RELAXED),
		.bytes_written = __atomic_load_n(&s->bytes_written, __ATOMIC_RELAXED),
		.io_inline = __atomic_load_n(&s->io_inline, __ATOMIC_RELAXED),
		.io_worker = __atomic_load_n(&s->io_worker, __ATOMIC_RELAXED),
	};
	return 0;
}

int virtio_9p_create(struct kvm *kvm)
{
	const struct vm_config *cfg = kvm->cfg;

	for (int i = 0; i < cfg->nr_shares; i++)
		if (virtio_9p_init(kvm, cfg->virtio_transport, cfg->shares[i]) < 0)
			return -1;
	return 0;
}
