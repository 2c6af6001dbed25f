// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio over PCI, modern interface only. Source: virtio 1.2 section 4.1:
 * 4.1.2 (IDs), 4.1.4 (capabilities: common, notify, ISR, device, PCI
 * configuration access), 4.1.4.3 (common configuration layout), 4.1.4.4
 * (notify_off_multiplier), 4.1.4.5 (ISR), 4.1.5.1.2 (MSI-X vectors).
 *
 * BAR 0 (64-bit memory, not prefetchable) holds everything, each region
 * in its own 4 KiB page:
 *   0x0000 common configuration    0x3000 notifications (4 bytes a queue)
 *   0x1000 ISR status              0x4000 MSI-X table
 *   0x2000 device configuration    0x5000 MSI-X pending bits
 * Notifications are ioeventfds on the notify addresses when KVM has them,
 * so a kick costs no exit to lkvm; otherwise the exit handler below signals
 * the same eventfd. Interrupts go through MSI-X once the driver enables
 * it, else INTx A on GSI 16 + (slot mod 4), the DSDT's _PRT swizzle. A
 * queue whose MSI-X vector is deliverable as it stands can have its
 * interrupts raised without lkvm (queue_irqfd, for vhost); the device
 * hears of every change to that (virtio_irqs_changed()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/kvm.h"
#include "hv/msix.h"
#include "hv/pci.h"
#include "util/log.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040	/* + device ID: modern-only devices */
#define VIRTIO_PCI_SUBSYS	0x1100	/* >= 0x40 (4.1.2.1) */

/* virtio_pci_cap.cfg_type (4.1.4) */
#define CAP_COMMON	1
#define CAP_NOTIFY	2
#define CAP_ISR		3
#define CAP_DEVICE	4
#define CAP_PCI_CFG	5

#define VPCI_BAR		0
#define VPCI_BAR_SIZE		0x8000
#define VPCI_COMMON		0x0000
#define VPCI_COMMON_SIZE	0x3c	/* through queue_reset */
#define VPCI_ISR		0x1000
#define VPCI_DEVICE		0x2000
#define VPCI_NOTIFY		0x3000
#define VPCI_NOTIFY_MULT	4
#define VPCI_MSIX_TABLE		0x4000
#define VPCI_MSIX_PBA		0x5000
#define PAGE			0x1000

#define ISR_QUEUE	1
#define ISR_CONFIG	2
#define INTX_GSI_BASE	16

/* struct virtio_pci_cap (4.1.4), 16 bytes; notify adds a multiplier,
 * the PCI configuration access capability a data window. */
struct vpci_cap {
	u8 cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2];
	u32 offset, length;
} __attribute__((packed));

struct virtio_pci {
	struct pci_device pci;
	struct virtio_device *vdev;
	struct kvm *kvm;
	struct pci_msix msix;
	/* registers, under vdev->lock */
	u32 dfsel, gfsel;
	u16 queue_sel;
	u16 config_vector;
	int cfg_cap;		/* offset of the PCI configuration access capability */
	/* INTx, under irq_lock */
	pthread_mutex_t irq_lock;
	u8 isr;
	bool line;
	u32 gsi;
	/* ioeventfds, under the PCI lock (bar_mapped) */
	bool ioeventfd;
	bool ioeventfd_any_len;
	u64 ioeventfd_base;	/* BAR address they are registered at, 0 = none */
};

static void put16(u8 *p, u16 v) { p[0] = v; p[1] = v >> 8; }
static void put32(u8 *p, u32 v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(u8 *p, u64 v) { put32(p, v); put32(p + 4, v >> 32); }
static u16 get16(const u8 *p) { return p[0] | p[1] << 8; }
static u32 get32(const u8 *p) { return get16(p) | (u32)get16(p + 2) << 16; }
static u64 get64(const u8 *p) { return get32(p) | (u64)get32(p + 4) << 32; }

/* ---- interrupts ------------------------------------------------------------ */

static void set_line_locked(struct virtio_pci *vp, bool level)
{
	if (level && (pci_cfg_get16(&vp->pci, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE))
		level = false;
	if (level == vp->line)
		return;
	vp->line = level;
	kvm_irq_line(vp->kvm, vp->gsi, level);
}

static void vp_signal(struct virtio_pci *vp, u16 vector, u8 isr_bit)
{
	bool msix;

	/* The config bit is set even with MSI-X (4.1.4.5.1). */
	if (isr_bit == ISR_CONFIG) {
		pthread_mutex_lock(&vp->irq_lock);
		vp->isr |= ISR_CONFIG;
		pthread_mutex_unlock(&vp->irq_lock);
	}
	msix = msix_signal(&vp->msix, vector);
	if (msix)
		return;
	pthread_mutex_lock(&vp->irq_lock);
	vp->isr |= isr_bit;
	set_line_locked(vp, true);
	pthread_mutex_unlock(&vp->irq_lock);
}

static void vp_signal_queue(struct virtio_device *vdev, struct virtqueue *vq)
{
	vp_signal(vdev->transport, __atomic_load_n(&vq->msix_vector, __ATOMIC_RELAXED),
		  ISR_QUEUE);
}

static void vp_signal_config(struct virtio_device *vdev)
{
	struct virtio_pci *vp = vdev->transport;

	vp_signal(vp, __atomic_load_n(&vp->config_vector, __ATOMIC_RELAXED), ISR_CONFIG);
}

/* queue_irqfd: the irqfd of @vq's MSI-X vector while it may bypass lkvm. */
static int vp_queue_irqfd(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_pci *vp = vdev->transport;

	return msix_vector_irqfd(&vp->msix, __atomic_load_n(&vq->msix_vector, __ATOMIC_RELAXED));
}

/* hv/msix.c's notification: a vector's irqfd may have come or gone. */
static void vp_msix_changed(void *opaque)
{
	struct virtio_pci *vp = opaque;

	virtio_irqs_changed(vp->vdev);
}

static u8 isr_read(struct virtio_pci *vp)
{
	u8 v;

	pthread_mutex_lock(&vp->irq_lock);
	v = vp->isr;
	vp->isr = 0;		/* reading clears it and the line (4.1.4.5) */
	set_line_locked(vp, false);
	pthread_mutex_unlock(&vp->irq_lock);
	return v;
}

static void vp_reset(struct virtio_device *vdev)
{
	struct virtio_pci *vp = vdev->transport;

	vp->dfsel = vp->gfsel = 0;
	vp->queue_sel = 0;
	__atomic_store_n(&vp->config_vector, VIRTIO_MSI_NO_VECTOR, __ATOMIC_RELAXED);
	pthread_mutex_lock(&vp->irq_lock);
	vp->isr = 0;
	set_line_locked(vp, false);
	pthread_mutex_unlock(&vp->irq_lock);
	virtio_irqs_changed(vdev);	/* the queues lost their vectors */
}

/* ---- common configuration (4.1.4.3) ---------------------------------------- */

static struct virtqueue *selected_vq(struct virtio_pci *vp)
{
	return vp->queue_sel < vp->vdev->nr_queues ? &vp->vdev->vqs[vp->queue_sel] : NULL;
}

/* The structure as the driver would read it now. vdev->lock held. */
static void common_image(struct virtio_pci *vp, u8 *img)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq = selected_vq(vp);

	memset(img, 0, VPCI_COMMON_SIZE);
	put32(img + 0x00, vp->dfsel);
	put32(img + 0x04, virtio_device_features_locked(vdev, vp->dfsel));
	put32(img + 0x08, vp->gfsel);
	put32(img + 0x0c, virtio_driver_features_locked(vdev, vp->gfsel));
	put16(img + 0x10, vp->config_vector);
	put16(img + 0x12, vdev->nr_queues);
	img[0x14] = virtio_status(vdev);
	img[0x15] = (u8)__atomic_load_n(&vdev->config_gen, __ATOMIC_ACQUIRE);
	put16(img + 0x16, vp->queue_sel);
	put16(img + 0x18, vq ? vq->num : 0);
	put16(img + 0x1a, vq ? vq->msix_vector : VIRTIO_MSI_NO_VECTOR);
	put16(img + 0x1c, vq ? vq->enabled : 0);
	put16(img + 0x1e, vq ? vq->index : 0);	/* queue_notify_off */
	put64(img + 0x20, vq ? vq->desc_gpa : 0);
	put64(img + 0x28, vq ? vq->avail_gpa : 0);
	put64(img + 0x30, vq ? vq->used_gpa : 0);
}

/* A vector number the driver may use: in the table, else NO_VECTOR (the
 * read-back tells the driver the mapping failed, 4.1.5.1.2). */
static u16 check_vector(struct virtio_pci *vp, u16 v)
{
	return v < vp->msix.nr ? v : VIRTIO_MSI_NO_VECTOR;
}

/* Field @off of the written image @img takes effect. vdev->lock held. */
static void common_commit(struct virtio_pci *vp, u32 off, const u8 *img)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq = selected_vq(vp);

	switch (off) {
	case 0x00:
		vp->dfsel = get32(img + off);
		break;
	case 0x08:
		vp->gfsel = get32(img + off);
		break;
	case 0x0c:
		virtio_set_driver_features_locked(vdev, vp->gfsel, get32(img + off));
		break;
	case 0x10:
		__atomic_store_n(&vp->config_vector, check_vector(vp, get16(img + off)),
				 __ATOMIC_RELAXED);
		break;
	case 0x14:
		virtio_set_status_locked(vdev, img[off]);
		break;
	case 0x16:
		vp->queue_sel = get16(img + off);
		break;
	case 0x18:
		if (vq && !vq->enabled)
			vq->num = get16(img + off);
		break;
	case 0x1a:
		if (vq) {
			__atomic_store_n(&vq->msix_vector, check_vector(vp, get16(img + off)),
					 __ATOMIC_RELAXED);
			virtio_irqs_changed(vdev);
		}
		break;
	case 0x1c:
		/* Only 1 may be written (4.1.4.3.2); 0 is ignored. */
		if (vq && get16(img + off) == 1)
			virtio_queue_enable_locked(vdev, vq);
		break;
	case 0x20:
		if (vq && !vq->enabled)
			vq->desc_gpa = get64(img + off);
		break;
	case 0x28:
		if (vq && !vq->enabled)
			vq->avail_gpa = get64(img + off);
		break;
	case 0x30:
		if (vq && !vq->enabled)
			vq->used_gpa = get64(img + off);
		break;
	default:
		break;	/* read-only fields */
	}
}

static const struct {
	u8 off, size;
} common_fields[] = {
	{ 0x00, 4 }, { 0x04, 4 }, { 0x08, 4 }, { 0x0c, 4 }, { 0x10, 2 }, { 0x12, 2 },
	{ 0x14, 1 }, { 0x15, 1 }, { 0x16, 2 }, { 0x18, 2 }, { 0x1a, 2 }, { 0x1c, 2 },
	{ 0x1e, 2 }, { 0x20, 8 }, { 0x28, 8 }, { 0x30, 8 }, { 0x38, 2 }, { 0x3a, 2 },
};

static void common_access(struct virtio_pci *vp, u32 off, u8 *data, u32 len, bool is_write)
{
	u8 img[VPCI_COMMON_SIZE];

	if (off >= VPCI_COMMON_SIZE || len > VPCI_COMMON_SIZE - off) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&vp->vdev->lock);
	common_image(vp, img);
	if (!is_write) {
		memcpy(data, img + off, len);
	} else {
		/* Any access size works: patch the image, then apply each
		 * field the write touched, in address order. */
		memcpy(img + off, data, len);
		for (size_t i = 0; i < ARRAY_SIZE(common_fields); i++) {
			u32 f = common_fields[i].off, s = common_fields[i].size;

			if (f < off + len && off < f + s)
				common_commit(vp, f, img);
		}
	}
	pthread_mutex_unlock(&vp->vdev->lock);
}

/* ---- BAR 0 ----------------------------------------------------------------- */

static void bar_access(void *opaque, u64 off, u8 *data, u32 len, bool is_write,
		       struct vcpu *vcpu)
{
	struct virtio_pci *vp = opaque;
	struct virtio_device *vdev = vp->vdev;
	u64 page = off & ~(u64)(PAGE - 1), in = off & (PAGE - 1);

	if (in + len > PAGE) {		/* crosses a region: nothing there */
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	switch (page) {
	case VPCI_COMMON:
		common_access(vp, in, data, len, is_write);
		return;
	case VPCI_ISR:
		if (!is_write) {
			memset(data, 0, len);
			if (in == 0)
				data[0] = isr_read(vp);
		}
		return;
	case VPCI_DEVICE:
		pthread_mutex_lock(&vdev->lock);
		if (is_write)
			virtio_config_write_locked(vdev, in, data, len);
		else
			virtio_config_read_locked(vdev, in, data, len);
		pthread_mutex_unlock(&vdev->lock);
		return;
	case VPCI_NOTIFY:
		/* Reached only without ioeventfd: the exit path. */
		if (is_write && in / VPCI_NOTIFY_MULT < (u64)vdev->nr_queues)
			virtio_queue_kick(&vdev->vqs[in / VPCI_NOTIFY_MULT]);
		else if (!is_write)
			memset(data, 0, len);
		return;
	case VPCI_MSIX_TABLE:
		msix_table_access(&vp->msix, in, data, len, is_write);
		return;
	case VPCI_MSIX_PBA:
		msix_pba_access(&vp->msix, in, data, len, is_write);
		return;
	default:
		if (!is_write)
			memset(data, 0, len);
	}
}

/* ---- ioeventfds (KVM_IOEVENTFD) ---------------------------------------- */

static int set_ioeventfd(struct virtio_pci *vp, u64 base, int q, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = base + VPCI_NOTIFY + (u64)q * VPCI_NOTIFY_MULT,
		/* Linux writes 16 bits; "any length" takes every width. */
		.len = vp->ioeventfd_any_len ? 0 : 2,
		.fd = vp->vdev->vqs[q].kick_fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return vm_ioctl(vp->kvm, KVM_IOEVENTFD, &io);
}

static void ioeventfds_update(struct virtio_pci *vp, u64 base, bool mapped)
{
	if (!vp->ioeventfd)
		return;
	if (vp->ioeventfd_base) {
		for (int q = 0; q < vp->vdev->nr_queues; q++)
			set_ioeventfd(vp, vp->ioeventfd_base, q, false);
		vp->ioeventfd_base = 0;
	}
	if (!mapped)
		return;
	for (int q = 0; q < vp->vdev->nr_queues; q++) {
		if (set_ioeventfd(vp, base, q, true) < 0) {
			pr_warn("%s: KVM_IOEVENTFD: %s; notifications take the exit path",
				vp->vdev->label, strerror(errno));
			while (--q >= 0)
				set_ioeventfd(vp, base, q, false);
			vp->ioeventfd = false;
			return;
		}
	}
	vp->ioeventfd_base = base;
}

static void vp_bar_mapped(struct pci_device *dev, int bar, bool mapped)
{
	struct virtio_pci *vp = dev->priv;

	if (bar == VPCI_BAR)
		ioeventfds_update(vp, dev->bar[bar].map_addr, mapped);
}

/* ---- config space hooks: MSI-X control and the PCI access window --------- */

static bool overlaps(u32 a, u32 alen, u32 b, u32 blen)
{
	return a < b + blen && b < a + alen;
}

/* The VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.9): an access of cap.length
 * bytes at cap.offset of BAR cap.bar, through pci_cfg_data. */
static void cfg_window(struct virtio_pci *vp, bool is_write)
{
	struct pci_device *dev = &vp->pci;
	u32 c = vp->cfg_cap;
	u8 bar = dev->cfg[c + offsetof(struct vpci_cap, bar)];
	u32 off = pci_cfg_get32(dev, c + offsetof(struct vpci_cap, offset));
	u32 len = pci_cfg_get32(dev, c + offsetof(struct vpci_cap, length));
	u8 *window = &dev->cfg[c + sizeof(struct vpci_cap)];

	if (bar != VPCI_BAR || (len != 1 && len != 2 && len != 4) || off % len ||
	    off >= VPCI_BAR_SIZE)
		return;
	bar_access(vp, off, window, len, is_write, NULL);
}

static void vp_cfg_write(struct pci_device *dev, u32 offset, u32 len)
{
	struct virtio_pci *vp = dev->priv;

	if (overlaps(offset, len, vp->msix.cap, 12)) {
		bool was = msix_is_enabled(&vp->msix), on;

		msix_config_update(&vp->msix, dev);
		on = msix_is_enabled(&vp->msix);
		if (on != was)
			pr_debug("%s: MSI-X %s by the driver", vp->vdev->label,
				 on ? "enabled" : "disabled (INTx)");
	}
	if (overlaps(offset, len, vp->cfg_cap + sizeof(struct vpci_cap), 4))
		cfg_window(vp, true);
}

static void vp_cfg_read(struct pci_device *dev, u32 offset, u32 len)
{
	struct virtio_pci *vp = dev->priv;

	if (overlaps(offset, len, vp->cfg_cap + sizeof(struct vpci_cap), 4))
		cfg_window(vp, false);
}

/* ---- set-up ------------------------------------------------------------ */

static int add_vcap(struct pci_device *dev, u8 type, u32 off, u32 len, const void *extra,
		    size_t extra_len)
{
	u8 buf[sizeof(struct vpci_cap) + 8];
	struct vpci_cap cap = {
		.cap_vndr = PCI_CAP_ID_VNDR,
		.cap_len = (u8)(sizeof(cap) + extra_len),
		.cfg_type = type,
		.bar = VPCI_BAR,
		.offset = off,
		.length = len,
	};

	memcpy(buf, &cap, sizeof(cap));
	if (extra_len)
		memcpy(buf + sizeof(cap), extra, extra_len);
	return pci_add_cap(dev, buf, sizeof(cap) + extra_len);
}

static void vp_exit(struct virtio_device *vdev)
{
	struct virtio_pci *vp = vdev->transport;

	msix_exit(&vp->msix);
}

const struct virtio_transport_ops virtio_pci_transport = {
	.name = "pci",
	.attach = virtio_pci_attach,
	.signal_queue = vp_signal_queue,
	.signal_config = vp_signal_config,
	.queue_irqfd = vp_queue_irqfd,
	.reset = vp_reset,
	.exit = vp_exit,
};

int virtio_pci_attach(struct kvm *kvm, struct virtio_device *vdev)
{
	struct virtio_pci *vp = xzalloc(sizeof(*vp));
	struct pci_device *dev = &vp->pci;
	u32 mult = VPCI_NOTIFY_MULT, zero = 0;
	int nvec = MIN(vdev->nr_queues + 1, MSIX_MAX_VECTORS), slot;

	vp->vdev = vdev;
	vp->kvm = kvm;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	pthread_mutex_init(&vp->irq_lock, NULL);
	vdev->transport = vp;
	vdev->tops = &virtio_pci_transport;

	dev->name = vdev->name;
	dev->priv = vp;
	pci_set_ids(dev, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + vdev->device_id,
		    (u32)vdev->pci_class_hi << 8, 1);
	pci_cfg_set16(dev, PCI_SUBSYSTEM_VENDOR_ID, VIRTIO_PCI_VENDOR);
	pci_cfg_set16(dev, PCI_SUBSYSTEM_ID, VIRTIO_PCI_SUBSYS);
	dev->cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
	dev->nr_bars = 2;
	dev->bar[VPCI_BAR].size = VPCI_BAR_SIZE;
	dev->bar[VPCI_BAR].is_64 = true;
	dev->bar[VPCI_BAR].access = bar_access;
	dev->bar[VPCI_BAR].opaque = vp;
	dev->cfg_write = vp_cfg_write;
	dev->cfg_read = vp_cfg_read;
	dev->bar_mapped = vp_bar_mapped;

	if (msix_init(&vp->msix, kvm, dev, nvec, VPCI_BAR, VPCI_MSIX_TABLE, VPCI_MSIX_PBA) < 0 ||
	    add_vcap(dev, CAP_COMMON, VPCI_COMMON, VPCI_COMMON_SIZE, NULL, 0) < 0 ||
	    add_vcap(dev, CAP_NOTIFY, VPCI_NOTIFY, vdev->nr_queues * VPCI_NOTIFY_MULT,
		     &mult, sizeof(mult)) < 0 ||
	    add_vcap(dev, CAP_ISR, VPCI_ISR, 1, NULL, 0) < 0 ||
	    (vdev->config_size &&
	     add_vcap(dev, CAP_DEVICE, VPCI_DEVICE, vdev->config_size, NULL, 0) < 0) ||
	    (vp->cfg_cap = add_vcap(dev, CAP_PCI_CFG, 0, 0, &zero, sizeof(zero))) < 0) {
		pr_err("%s: PCI capabilities do not fit", vdev->name);
		return -1;
	}
	msix_set_notify(&vp->msix, vp_msix_changed, vp);
	/* The access window's bar, offset, length and data are the driver's. */
	dev->wmask[vp->cfg_cap + offsetof(struct vpci_cap, bar)] = 0xff;
	memset(&dev->wmask[vp->cfg_cap + offsetof(struct vpci_cap, offset)], 0xff, 12);

	vp->ioeventfd = virtio_use_ioeventfd(kvm);
	vp->ioeventfd_any_len = vp->ioeventfd &&
		sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0;

	slot = pci_register(kvm, dev);
	if (slot < 0)
		return -1;
	vp->gsi = INTX_GSI_BASE + slot % 4;
	dev->cfg[PCI_INTERRUPT_LINE] = (u8)vp->gsi;
	snprintf(vdev->label, sizeof(vdev->label), "%s (pci 00:%02x.0)", vdev->name, slot);
	pr_debug("%s: BAR0 at %#llx, INTx GSI %u, %d MSI-X vectors, %s notifications",
		 vdev->label, (unsigned long long)dev->bar[VPCI_BAR].addr, vp->gsi, nvec,
		 vp->ioeventfd ? "ioeventfd" : "exit-path");
	return 0;
}
