// SPDX-License-Identifier: GPL-2.0
/*
 * virtio entropy device. Source: virtio 1.2 section 5.4: one requestq;
 * the driver posts device-writable buffers and the device fills them
 * with random bytes, here from getrandom(2) (the host kernel's CSPRNG).
 * No feature bits, no configuration space.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "util/log.h"
#include "hv/kvm.h"
#include "virtio/devices.h"

/* Largest amount handed out per request: keeps one request short. */
#define RNG_MAX_REQUEST	(64 * 1024)

static struct virtio_device rng_dev;
static struct virtq_elem *rng_elem;
static u64 rng_bytes, rng_requests;

void virtio_rng_stats(u64 *bytes, u64 *requests)
{
	*bytes = __atomic_load_n(&rng_bytes, __ATOMIC_RELAXED);
	*requests = __atomic_load_n(&rng_requests, __ATOMIC_RELAXED);
}

/* Fill @elem's writable part (up to RNG_MAX_REQUEST). Returns the bytes. */
static u32 fill(const struct virtq_elem *elem)
{
	u32 done = 0;

	for (u32 k = elem->nr_out; k < (u32)elem->nr_out + elem->nr_in; k++) {
		u8 *p = elem->iov[k].iov_base;
		size_t want = MIN(elem->iov[k].iov_len, (size_t)(RNG_MAX_REQUEST - done));

		while (want) {
			ssize_t n = getrandom(p, want, 0);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				pr_warn_once("virtio-rng: getrandom: %s", strerror(errno));
				return done;
			}
			p += n;
			want -= n;
			done += n;
		}
		if (done >= RNG_MAX_REQUEST)
			break;
	}
	return done;
}

static void rng_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	bool pushed = false;

	while (virtq_pop(vq, rng_elem) == 1) {
		u32 n;

		if (!rng_elem->nr_in) {
			virtio_dev_fail(vdev, vq, "request %u has no device-writable buffer",
					rng_elem->head);
			break;
		}
		n = fill(rng_elem);
		virtq_push(vq, rng_elem, n);
		__atomic_fetch_add(&rng_bytes, n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&rng_requests, 1, __ATOMIC_RELAXED);
		pushed = true;
	}
	if (pushed)
		virtq_notify(vq);
}

static const struct virtio_dev_ops rng_ops = {
	.queue_notify = rng_queue_notify,
};

int virtio_rng_init(struct kvm *kvm, enum virtio_transport transport)
{
	struct virtio_device *vdev = &rng_dev;

	memset(vdev, 0, sizeof(*vdev));
	vdev->name = "virtio-rng";
	vdev->device_id = VIRTIO_ID_RNG;
	vdev->pci_class_hi = 0xff00;	/* unclassified device (PCI 3.0 appendix D) */
	vdev->ops = &rng_ops;
	vdev->nr_queues = 1;
	vdev->queue_size = 64;
	rng_bytes = rng_requests = 0;
	if (virtio_dev_register(kvm, vdev, transport) < 0)
		return -1;
	/* Used from the I/O thread once the driver is ready: no guest runs yet. */
	rng_elem = virtq_elem_alloc(&vdev->vqs[0]);
	return 0;
}

/* virtio/devtable.c's creator: one entropy device with --rng. */
int virtio_rng_create(struct kvm *kvm)
{
	const struct vm_config *cfg = kvm->cfg;

	if (!cfg->rng)
		return 0;
	return virtio_rng_init(kvm, cfg->rng_transport >= 0 ? cfg->rng_transport :
			       cfg->virtio_transport);
}
