// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal polling virtio driver for test payloads (see virtio.h).
 * Sources: virtio 1.2 sections 2.7 (split virtqueues), 3.1.1 (driver
 * initialization), 4.1.4 (PCI capabilities, common configuration layout),
 * 4.2.2 (MMIO registers); PCI Local Bus Specification 3.0 sections
 * 3.2.2.3.2 (configuration mechanism #1), 6.2.5 (BARs), 6.7 (capability
 * list).
 */
#include "virtio.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc

/* virtio_pci_cap (4.1.4) */
#define VCAP_COMMON	1
#define VCAP_NOTIFY	2
#define VCAP_ISR	3
#define VCAP_DEVICE	4

/* common configuration offsets (4.1.4.3) */
#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_STATUS	0x14
#define C_Q_SELECT	0x16
#define C_Q_SIZE	0x18
#define C_Q_ENABLE	0x1c
#define C_Q_NOFF	0x1e
#define C_Q_DESC	0x20
#define C_Q_DRIVER	0x28
#define C_Q_DEVICE	0x30

/* MMIO registers (4.2.2) */
#define M_MAGIC		0x000
#define M_VERSION	0x004
#define M_DEVICE_ID	0x008
#define M_DF		0x010
#define M_DF_SEL	0x014
#define M_GF		0x020
#define M_GF_SEL	0x024
#define M_Q_SEL		0x030
#define M_Q_NUM_MAX	0x034
#define M_Q_NUM		0x038
#define M_Q_READY	0x044
#define M_Q_NOTIFY	0x050
#define M_INT_STATUS	0x060
#define M_INT_ACK	0x064
#define M_STATUS	0x070
#define M_Q_DESC_LO	0x080
#define M_Q_DESC_HI	0x084
#define M_Q_DRV_LO	0x090
#define M_Q_DRV_HI	0x094
#define M_Q_DEV_LO	0x0a0
#define M_Q_DEV_HI	0x0a4
#define M_CONFIG	0x100
#define MMIO_MAGIC	0x74726976

static inline u8 rd8(u64 a) { return *(volatile u8 *)a; }
static inline u16 rd16(u64 a) { return *(volatile u16 *)a; }
static inline u32 rd32(u64 a) { return *(volatile u32 *)a; }
static inline void wr8(u64 a, u8 v) { *(volatile u8 *)a = v; }
static inline void wr16(u64 a, u16 v) { *(volatile u16 *)a = v; }
static inline void wr32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline void barrier(void) { asm volatile("" ::: "memory"); }

u32 pci_cfg_read32(int slot, int reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (u32)slot << 11 | (u32)(reg & 0xfc));
	return inl(PCI_CONFIG_DATA);
}

void pci_cfg_write32(int slot, int reg, u32 v)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (u32)slot << 11 | (u32)(reg & 0xfc));
	outl(PCI_CONFIG_DATA, v);
}

u16 pci_cfg_read16(int slot, int reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (u32)slot << 11 | (u32)(reg & 0xfc));
	return inw(PCI_CONFIG_DATA + (reg & 2));
}

void pci_cfg_write16(int slot, int reg, u16 v)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (u32)slot << 11 | (u32)(reg & 0xfc));
	outw(PCI_CONFIG_DATA + (reg & 2), v);
}

static u8 pci_cfg_read8(int slot, int reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (u32)slot << 11 | (u32)(reg & 0xfc));
	return inb(PCI_CONFIG_DATA + (reg & 3));
}

/* The address BAR @bar decodes (64-bit BARs combine two registers), or 0
 * if it is not a memory BAR below 4 GiB, the payload's identity map. */
static u64 bar_address(int slot, int bar)
{
	u32 lo = pci_cfg_read32(slot, 0x10 + 4 * bar);
	u64 a;

	if (lo & 1)
		return 0;	/* I/O BAR */
	a = lo & ~0xfULL;
	if ((lo & 6) == 4)
		a |= (u64)pci_cfg_read32(slot, 0x10 + 4 * (bar + 1)) << 32;
	return a < 0x100000000ULL ? a : 0;
}

static int pci_probe(struct vio_dev *d, int slot, u16 type)
{
	u32 id = pci_cfg_read32(slot, 0);
	u16 vendor = id & 0xffff, device = id >> 16;
	u8 cap;
	int guard = 0;

	if (vendor != 0x1af4)
		return -1;
	if (device != 0x1040 + type &&
	    !(device >= 0x1000 && device < 0x1040 && (pci_cfg_read32(slot, 0x2c) >> 16) == type))
		return -1;
	d->slot = slot;
	d->common = d->isr = d->device = d->notify_base = 0;
	d->msix_cap = 0;
	/* Memory decoding and bus mastering on, as a driver does. */
	pci_cfg_write16(slot, 0x04, pci_cfg_read16(slot, 0x04) | 0x6);
	for (cap = pci_cfg_read8(slot, 0x34) & 0xfc; cap && guard++ < 48;
	     cap = pci_cfg_read8(slot, cap + 1) & 0xfc) {
		u8 id8 = pci_cfg_read8(slot, cap);
		u8 type8, bar;
		u64 base;
		u32 off;

		if (id8 == 0x11) {	/* MSI-X */
			u32 t = pci_cfg_read32(slot, cap + 4);
			u64 b = bar_address(slot, t & 7);

			d->msix_cap = cap;
			d->msix_table = b ? b + (t & ~7u) : 0;
			continue;
		}
		if (id8 != 0x09)	/* vendor-specific: a virtio capability */
			continue;
		type8 = pci_cfg_read8(slot, cap + 3);
		bar = pci_cfg_read8(slot, cap + 4);
		if (bar > 5)
			continue;
		base = bar_address(slot, bar);
		if (!base)
			continue;
		off = pci_cfg_read32(slot, cap + 8);
		switch (type8) {
		case VCAP_COMMON:
			if (!d->common)
				d->common = base + off;
			break;
		case VCAP_NOTIFY:
			if (!d->notify_base) {
				d->notify_base = base + off;
				d->notify_mult = pci_cfg_read32(slot, cap + 16);
			}
			break;
		case VCAP_ISR:
			if (!d->isr)
				d->isr = base + off;
			break;
		case VCAP_DEVICE:
			if (!d->device)
				d->device = base + off;
			break;
		}
	}
	if (!d->common || !d->notify_base || !d->isr)
		return -1;
	d->is_mmio = 0;
	d->type = type;
	return 0;
}

int vio_find(struct vio_dev *d, u16 type)
{
	for (int slot = 0; slot < 32; slot++)
		if (pci_probe(d, slot, type) == 0)
			return 0;
	for (int i = 0; i < VIO_MMIO_SLOTS; i++) {
		u64 b = VIO_MMIO_WINDOW + i * VIO_MMIO_STRIDE;

		if (rd32(b + M_MAGIC) != MMIO_MAGIC)
			break;
		if (rd32(b + M_VERSION) == 2 && rd32(b + M_DEVICE_ID) == type) {
			d->is_mmio = 1;
			d->type = type;
			d->base = b;
			return 0;
		}
	}
	return -1;
}

const char *vio_transport(const struct vio_dev *d)
{
	return d->is_mmio ? "mmio" : "pci";
}

u8 vio_status(struct vio_dev *d)
{
	return d->is_mmio ? (u8)rd32(d->base + M_STATUS) : rd8(d->common + C_STATUS);
}

void vio_set_status(struct vio_dev *d, u8 s)
{
	if (d->is_mmio)
		wr32(d->base + M_STATUS, s);
	else
		wr8(d->common + C_STATUS, s);
}

int vio_reset(struct vio_dev *d)
{
	vio_set_status(d, 0);
	for (int i = 0; i < 1000; i++)
		if (vio_status(d) == 0)
			return 0;
	return -1;
}

static u32 dev_features(struct vio_dev *d, u32 sel)
{
	if (d->is_mmio) {
		wr32(d->base + M_DF_SEL, sel);
		return rd32(d->base + M_DF);
	}
	wr32(d->common + C_DFSELECT, sel);
	return rd32(d->common + C_DF);
}

static void set_drv_features(struct vio_dev *d, u32 sel, u32 v)
{
	if (d->is_mmio) {
		wr32(d->base + M_GF_SEL, sel);
		wr32(d->base + M_GF, v);
	} else {
		wr32(d->common + C_GFSELECT, sel);
		wr32(d->common + C_GF, v);
	}
}

u64 vio_negotiate(struct vio_dev *d, u64 wanted)
{
	u64 offered, take;

	if (vio_reset(d) < 0)
		return ~0ULL;
	vio_set_status(d, VIO_ACKNOWLEDGE);
	vio_set_status(d, VIO_ACKNOWLEDGE | VIO_DRIVER);
	offered = dev_features(d, 0) | (u64)dev_features(d, 1) << 32;
	take = offered & wanted;
	set_drv_features(d, 0, (u32)take);
	set_drv_features(d, 1, (u32)(take >> 32));
	vio_set_status(d, VIO_ACKNOWLEDGE | VIO_DRIVER | VIO_FEATURES_OK);
	if (!(vio_status(d) & VIO_FEATURES_OK))
		return ~0ULL;
	return take;
}

int vio_queue_setup(struct vio_dev *d, struct vio_queue *q, u16 index, u16 size, void *page)
{
	u64 p = (u64)page;
	u16 max;

	memset(page, 0, 4096);
	q->index = index;
	q->desc = (volatile struct vio_desc *)p;
	q->avail = (volatile u16 *)(p + 0x400);
	q->used = (volatile u16 *)(p + 0x800);
	q->next_avail = q->last_used = 0;
	if (d->is_mmio) {
		wr32(d->base + M_Q_SEL, index);
		max = (u16)rd32(d->base + M_Q_NUM_MAX);
		if (!max)
			return -1;
		q->size = size < max ? size : max;
		wr32(d->base + M_Q_NUM, q->size);
		wr32(d->base + M_Q_DESC_LO, (u32)p);
		wr32(d->base + M_Q_DESC_HI, (u32)(p >> 32));
		wr32(d->base + M_Q_DRV_LO, (u32)(p + 0x400));
		wr32(d->base + M_Q_DRV_HI, (u32)((p + 0x400) >> 32));
		wr32(d->base + M_Q_DEV_LO, (u32)(p + 0x800));
		wr32(d->base + M_Q_DEV_HI, (u32)((p + 0x800) >> 32));
		wr32(d->base + M_Q_READY, 1);
		q->notify = d->base + M_Q_NOTIFY;
		return 0;
	}
	wr16(d->common + C_Q_SELECT, index);
	max = rd16(d->common + C_Q_SIZE);
	if (!max)
		return -1;
	q->size = size < max ? size : max;
	wr16(d->common + C_Q_SIZE, q->size);
	wr32(d->common + C_Q_DESC, (u32)p);
	wr32(d->common + C_Q_DESC + 4, (u32)(p >> 32));
	wr32(d->common + C_Q_DRIVER, (u32)(p + 0x400));
	wr32(d->common + C_Q_DRIVER + 4, (u32)((p + 0x400) >> 32));
	wr32(d->common + C_Q_DEVICE, (u32)(p + 0x800));
	wr32(d->common + C_Q_DEVICE + 4, (u32)((p + 0x800) >> 32));
	q->notify = d->notify_base + (u64)rd16(d->common + C_Q_NOFF) * d->notify_mult;
	wr16(d->common + C_Q_ENABLE, 1);
	return 0;
}

void vio_driver_ok(struct vio_dev *d)
{
	vio_set_status(d, vio_status(d) | VIO_DRIVER_OK);
}

void vio_publish(struct vio_queue *q, u16 head)
{
	q->avail[2 + (q->next_avail & (q->size - 1))] = head;
	barrier();		/* x86 keeps stores in order; the compiler must too */
	q->next_avail++;
	q->avail[1] = q->next_avail;
}

void vio_kick(struct vio_dev *d, struct vio_queue *q)
{
	asm volatile("mfence" ::: "memory");
	if (d->is_mmio)
		wr32(q->notify, q->index);
	else
		wr16(q->notify, q->index);
}

int vio_wait_used(struct vio_queue *q, u64 spins, u32 *id, u32 *len)
{
	for (u64 i = 0; i < spins; i++) {
		if (q->used[1] != q->last_used) {
			volatile u32 *e;

			barrier();
			e = (volatile u32 *)(q->used + 2) + 2 * (q->last_used & (q->size - 1));
			if (id)
				*id = e[0];
			if (len)
				*len = e[1];
			q->last_used++;
			return 0;
		}
		cpu_relax();
	}
	return -1;
}

u8 vio_cfg_read8(struct vio_dev *d, u32 off)
{
	return d->is_mmio ? rd8(d->base + M_CONFIG + off) : d->device ? rd8(d->device + off) : 0;
}

u32 vio_cfg_read32(struct vio_dev *d, u32 off)
{
	return d->is_mmio ? rd32(d->base + M_CONFIG + off) : d->device ? rd32(d->device + off) : 0;
}

u32 vio_isr(struct vio_dev *d)
{
	u32 v;

	if (!d->is_mmio)
		return rd8(d->isr);
	v = rd32(d->base + M_INT_STATUS);
	wr32(d->base + M_INT_ACK, v);
	return v;
}
