/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal virtio driver for test payloads: finds a modern virtio device
 * on PCI bus 0 (configuration mechanism #1 and the virtio vendor
 * capabilities) or, when there is none, in lkvm's virtio-mmio window;
 * negotiates features, sets up split virtqueues of up to 64 entries and
 * polls their used rings (no interrupts). Works at CPL0 and CPL3.
 * Sources: virtio 1.2 sections 2.7 (split virtqueues), 3.1 (driver
 * initialization), 4.1 (virtio over PCI), 4.2 (virtio over MMIO).
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include "rt.h"

#define VIO_ACKNOWLEDGE		1
#define VIO_DRIVER		2
#define VIO_DRIVER_OK		4
#define VIO_FEATURES_OK		8
#define VIO_NEEDS_RESET		64
#define VIO_FAILED		128

#define VIO_F_INDIRECT_DESC	28
#define VIO_F_EVENT_IDX		29
#define VIO_F_VERSION_1		32

#define VIO_DESC_F_NEXT		1
#define VIO_DESC_F_WRITE	2
#define VIO_DESC_F_INDIRECT	4

/* lkvm's virtio-mmio window (hv/x86/layout.h): device N at base + N * 4 KiB. */
#define VIO_MMIO_WINDOW		0xFEB00000ULL
#define VIO_MMIO_STRIDE		0x1000ULL
#define VIO_MMIO_SLOTS		16

#define VIO_QUEUE_MAX		64	/* entries; a queue fits in one 4 KiB page */

struct vio_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* One split virtqueue in a 4 KiB page: descriptors at 0, available ring
 * at 0x400, used ring at 0x800. */
struct vio_queue {
	u16 index;
	u16 size;
	volatile struct vio_desc *desc;
	volatile u16 *avail;		/* flags, idx, ring[size], used_event */
	volatile u16 *used;		/* flags, idx, ring (id, len) pairs, avail_event */
	u16 next_avail;			/* the driver's next available index */
	u16 last_used;			/* used entries consumed */
	u64 notify;			/* where a kick is written */
};

struct vio_dev {
	int is_mmio;
	u16 type;			/* virtio device ID */
	/* PCI */
	int slot;
	u64 common, isr, device, notify_base;
	u32 notify_mult;
	int msix_cap;			/* config offset, 0 if none */
	u64 msix_table;			/* address of the MSI-X table */
	/* MMIO */
	u64 base;
};

/* PCI configuration mechanism #1, bus 0 function 0. */
u32 pci_cfg_read32(int slot, int reg);
void pci_cfg_write32(int slot, int reg, u32 v);
u16 pci_cfg_read16(int slot, int reg);
void pci_cfg_write16(int slot, int reg, u16 v);

/* vio_find - the first device of type @type: on PCI (vendor 0x1af4,
 * device 0x1040 + type or transitional 0x1000-0x103f with subsystem ID
 * @type), else in the MMIO window. Returns 0, or -1 if none. */
int vio_find(struct vio_dev *d, u16 type);

u8 vio_status(struct vio_dev *d);
void vio_set_status(struct vio_dev *d, u8 s);

/* vio_reset - write 0 and wait until the status reads back 0 (4.1.4.3.2).
 * Returns 0, or -1 if it never does. */
int vio_reset(struct vio_dev *d);

/* vio_negotiate - reset, ACKNOWLEDGE, DRIVER, accept the offered features
 * that are in @wanted, FEATURES_OK and read it back (3.1.1 steps 1-6).
 * Returns the accepted features, or ~0 if the device refused. */
u64 vio_negotiate(struct vio_dev *d, u64 wanted);

/* vio_queue_setup - queue @index with @size entries (a power of 2, at
 * most VIO_QUEUE_MAX and the device's maximum) in the 4 KiB page @page.
 * Returns 0, or -1 if the device has no such queue. */
int vio_queue_setup(struct vio_dev *d, struct vio_queue *q, u16 index, u16 size, void *page);

void vio_driver_ok(struct vio_dev *d);

/* vio_publish - put descriptor @head on the available ring (release order). */
void vio_publish(struct vio_queue *q, u16 head);

/* vio_kick - notify the device that @q has new buffers. */
void vio_kick(struct vio_dev *d, struct vio_queue *q);

/* vio_wait_used - poll up to @spins times for a used entry; returns 0 and
 * the entry's @id and @len, or -1 on timeout. */
int vio_wait_used(struct vio_queue *q, u64 spins, u32 *id, u32 *len);

/* Device configuration space access. */
u8 vio_cfg_read8(struct vio_dev *d, u32 off);
u32 vio_cfg_read32(struct vio_dev *d, u32 off);

/* vio_isr - read (and so clear) the interrupt status: PCI ISR or MMIO
 * InterruptStatus (acknowledged). */
u32 vio_isr(struct vio_dev *d);

/* vio_transport - "pci" or "mmio". */
const char *vio_transport(const struct vio_dev *d);

#endif
