// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio device core: status, features, reset, configuration space, and
 * the fault path. Sources: virtio 1.2 sections 2.1 (device status field
 * and DEVICE_NEEDS_RESET), 2.2 (feature bits), 2.4 (device reset), 2.5
 * (configuration space, config_generation), 3.1.1 (driver initialization
 * sequence), 6 (reserved feature bits).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "util/log.h"
#include "virtio/virtio.h"

#define DEFAULT_QUEUE_SIZE 256

int virtio_transport_parse(const char *s, enum virtio_transport *out)
{
	for (int t = 0; t < VIRTIO_NR_TRANSPORTS; t++) {
		if (virtio_transports[t] && !strcmp(s, virtio_transports[t]->name)) {
			*out = (enum virtio_transport)t;
			return 0;
		}
	}
	return -1;
}

const char *virtio_transport_name(enum virtio_transport t)
{
	return (unsigned int)t < VIRTIO_NR_TRANSPORTS && virtio_transports[t] ?
	       virtio_transports[t]->name : "?";
}

int virtio_dev_init(struct kvm *kvm, struct virtio_device *vdev,
		    const struct guest_mem *mem)
{
	u16 qs = vdev->queue_size ? vdev->queue_size : DEFAULT_QUEUE_SIZE;

	if (vdev->nr_queues < 1 || vdev->nr_queues > VIRTIO_MAX_QUEUES ||
	    (qs & (qs - 1)) || qs > VIRTQ_MAX_SIZE ||
	    vdev->config_size > VIRTIO_CONFIG_MAX ||
	    (vdev->config_size && !vdev->config) || !vdev->ops ||
	    !vdev->ops->queue_notify) {
		pr_err("%s: bad device description (%d queues of %u, %u config bytes)",
		       vdev->name, vdev->nr_queues, qs, vdev->config_size);
		return -1;
	}
	vdev->queue_size = qs;
	if (vdev->nr_threads < 1)
		vdev->nr_threads = 1;
	if (vdev->nr_threads > VIRTIO_MAX_THREADS)
		vdev->nr_threads = VIRTIO_MAX_THREADS;
	vdev->kvm = kvm;
	vdev->mem = mem;
	if (!vdev->label[0])
		snprintf(vdev->label, sizeof(vdev->label), "%s", vdev->name);
	pthread_mutex_init(&vdev->lock, NULL);
	pthread_cond_init(&vdev->idle_cond, NULL);
	vdev->offered = vdev->device_features | VIRTIO_CORE_FEATURES;
	vdev->driver_features = vdev->features = 0;
	vdev->status = vdev->config_gen = 0;
	vdev->broken = vdev->active = 0;
	vdev->resetting = false;
	for (int q = 0; q < vdev->nr_queues; q++) {
		struct virtqueue *vq = &vdev->vqs[q];

		virtq_init(vq, vdev, mem, q, qs);
		vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vq->kick_fd < 0) {
			pr_err("%s: eventfd: %s", vdev->name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int virtio_dev_register(struct kvm *kvm, struct virtio_device *vdev,
			enum virtio_transport transport)
{
	const struct virtio_transport_ops *tops =
		(unsigned int)transport < VIRTIO_NR_TRANSPORTS ? virtio_transports[transport] : NULL;

	if (!tops || !tops->attach) {
		pr_err("%s: no virtio transport %d", vdev->name, (int)transport);
		return -1;
	}
	if (virtio_dev_init(kvm, vdev, &kvm->mem) < 0)
		return -1;
	if (tops->attach(kvm, vdev) < 0)
		return -1;
	if (virtio_dev_start_threads(vdev) < 0)
		return -1;
	pr_debug("%s: %d queue(s) of %u, features %#llx", vdev->label, vdev->nr_queues,
		 vdev->queue_size, (unsigned long long)vdev->offered);
	return 0;
}

u8 virtio_status(struct virtio_device *vdev)
{
	return (u8)__atomic_load_n(&vdev->status, __ATOMIC_ACQUIRE);
}

bool virtio_has_feature(const struct virtio_device *vdev, unsigned int bit)
{
	return bit < 64 && (vdev->features & VIRTIO_BIT(bit));
}

void virtio_dev_set_device_features(struct virtio_device *vdev, u64 features)
{
	pthread_mutex_lock(&vdev->lock);
	vdev->device_features = features;
	vdev->offered = features | VIRTIO_CORE_FEATURES;
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_dev_fail(struct virtio_device *vdev, const struct virtqueue *vq,
		     const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (__atomic_exchange_n(&vdev->broken, 1, __ATOMIC_ACQ_REL))
		return;		/* one report per fault, until the next reset */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (vq)
		pr_warn("%s: queue %u: %s; device needs reset", vdev->label, vq->index, msg);
	else
		pr_warn("%s: %s; device needs reset", vdev->label, msg);
	__atomic_fetch_or(&vdev->status, VIRTIO_STATUS_NEEDS_RESET, __ATOMIC_ACQ_REL);
	/* 2.1.2: a running driver learns of it through a config interrupt. */
	if (virtio_status(vdev) & VIRTIO_STATUS_DRIVER_OK)
		virtio_config_changed(vdev);
}

void virtio_config_changed(struct virtio_device *vdev)
{
	__atomic_fetch_add(&vdev->config_gen, 1, __ATOMIC_ACQ_REL);
	if (vdev->tops && vdev->tops->signal_config)
		vdev->tops->signal_config(vdev);
}

void virtio_irqs_changed(struct virtio_device *vdev)
{
	if (vdev->ops && vdev->ops->irqs_changed)
		vdev->ops->irqs_changed(vdev);
}

bool virtio_dev_begin(struct virtio_device *vdev)
{
	bool live;

	pthread_mutex_lock(&vdev->lock);
	live = !vdev->resetting && (virtio_status(vdev) & VIRTIO_STATUS_DRIVER_OK) &&
	       !__atomic_load_n(&vdev->broken, __ATOMIC_ACQUIRE);
	if (live)
		vdev->active++;
	pthread_mutex_unlock(&vdev->lock);
	return live;
}

void virtio_dev_end(struct virtio_device *vdev)
{
	pthread_mutex_lock(&vdev->lock);
	if (--vdev->active == 0)
		pthread_cond_broadcast(&vdev->idle_cond);
	pthread_mutex_unlock(&vdev->lock);
}

/* ---- transport-facing, vdev->lock held ------------------------------------ */

u32 virtio_device_features_locked(struct virtio_device *vdev, u32 sel)
{
	return sel < 2 ? (u32)(vdev->offered >> (32 * sel)) : 0;
}

u32 virtio_driver_features_locked(struct virtio_device *vdev, u32 sel)
{
	return sel < 2 ? (u32)(vdev->driver_features >> (32 * sel)) : 0;
}

void virtio_set_driver_features_locked(struct virtio_device *vdev, u32 sel, u32 val)
{
	u64 mask;

	/* 2.2.1: the features are fixed once FEATURES_OK is set. */
	if (sel >= 2 || (virtio_status(vdev) & VIRTIO_STATUS_FEATURES_OK))
		return;
	mask = 0xffffffffULL << (32 * sel);
	vdev->driver_features = (vdev->driver_features & ~mask) | ((u64)val << (32 * sel));
}

/* 3.1.1 step 5 and 2.2.1: only offered features, and lkvm needs VERSION_1
 * (legacy interfaces are not implemented). */
static bool features_acceptable(struct virtio_device *vdev)
{
	u64 f = vdev->driver_features;

	if (f & ~vdev->offered)
		return false;
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return false;
	return !vdev->ops->features_ok || vdev->ops->features_ok(vdev, f) == 0;
}

static void reset_locked(struct virtio_device *vdev)
{
	vdev->resetting = true;
	while (vdev->active)
		pthread_cond_wait(&vdev->idle_cond, &vdev->lock);
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	for (int q = 0; q < vdev->nr_queues; q++) {
		struct virtqueue *vq = &vdev->vqs[q];

		virtq_stop(vq);
		vq->enabled = false;
		vq->num = vq->num_max;
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
		vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	}
	vdev->driver_features = vdev->features = 0;
	if (vdev->tops && vdev->tops->reset)
		vdev->tops->reset(vdev);
	__atomic_store_n(&vdev->broken, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&vdev->status, 0, __ATOMIC_RELEASE);
	vdev->resetting = false;
}

void virtio_set_status_locked(struct virtio_device *vdev, u8 val)
{
	u32 old = virtio_status(vdev), cur;

	if (!val) {
		reset_locked(vdev);
		return;
	}
	/* The driver only adds bits (2.1.1); NEEDS_RESET is the device's. */
	cur = old | (val & ~VIRTIO_STATUS_NEEDS_RESET);
	if ((cur & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		if (features_acceptable(vdev)) {
			vdev->features = vdev->driver_features;
		} else {
			pr_debug("%s: refused driver features %#llx (offered %#llx)",
				 vdev->label, (unsigned long long)vdev->driver_features,
				 (unsigned long long)vdev->offered);
			cur &= ~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	/* A modern device only runs with negotiated features. */
	if (!(cur & VIRTIO_STATUS_FEATURES_OK))
		cur &= ~VIRTIO_STATUS_DRIVER_OK;
	/* Keep a NEEDS_RESET a fault set meanwhile. */
	cur |= virtio_status(vdev) & VIRTIO_STATUS_NEEDS_RESET;
	__atomic_store_n(&vdev->status, cur, __ATOMIC_RELEASE);
	if ((cur & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		pr_debug("%s: driver ready, features %#llx", vdev->label,
			 (unsigned long long)vdev->features);
		if (vdev->ops->driver_ok)
			vdev->ops->driver_ok(vdev);
		/* Buffers made available before DRIVER_OK get looked at now. */
		for (int q = 0; q < vdev->nr_queues; q++)
			if (vdev->vqs[q].enabled)
				virtio_queue_kick(&vdev->vqs[q]);
	}
}

int virtio_queue_enable_locked(struct virtio_device *vdev, struct virtqueue *vq)
{
	char why[200];

	if (vq->enabled)
		return 0;
	if (virtq_start(vq, virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX),
			virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC),
			why, sizeof(why)) < 0) {
		virtio_dev_fail(vdev, vq, "%s", why);
		return -1;
	}
	vq->enabled = true;
	return 0;
}

void virtio_queue_kick(struct virtqueue *vq)
{
	u64 one = 1;

	if (vq->kick_fd >= 0 && write(vq->kick_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		pr_warn_once("virtio: queue kick: %s", strerror(errno));
}

void virtio_config_read_locked(struct virtio_device *vdev, u32 offset, u8 *data, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		u64 o = (u64)offset + i;

		data[i] = o < vdev->config_size ? vdev->config[o] : 0;
	}
}

void virtio_config_write_locked(struct virtio_device *vdev, u32 offset,
				const u8 *data, u32 len)
{
	if (!vdev->ops->config_write || offset >= vdev->config_size ||
	    len > vdev->config_size - offset)
		return;
	vdev->ops->config_write(vdev, offset, data, len);
}
