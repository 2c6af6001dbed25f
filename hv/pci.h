/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI bus 0: configuration mechanism #1 at ports 0xCF8/0xCFC, a host
 * bridge at 00:00.0, and the device API later devices (virtio, pvpanic)
 * use to appear on the bus with BARs the guest may size and move.
 * Sources: PCI Local Bus Specification 3.0, sections 3.2.2.3.2
 * (configuration mechanism #1), 6.1-6.2 (type 0 header), 6.2.5 (BARs),
 * 6.7 (capability list). Register offsets: <linux/pci_regs.h>.
 *
 * I/O BARs live in the window [PCI_IO_START, PCI_IO_END), which pci.c
 * claims on the PIO bus as one range and dispatches itself: a guest moving
 * an I/O BAR happens inside a PIO exit, while the PIO bus is read-locked,
 * so it cannot re-register ranges there. MMIO BARs are registered on the
 * MMIO bus one by one. BAR callbacks must not call back into pci.c.
 */
#ifndef LKVM_PCI_H
#define LKVM_PCI_H

#include <linux/pci_regs.h>

#include "hv/bus.h"
#include "util/util.h"

struct kvm;

#define PCI_CFG_SPACE		256	/* bytes of conventional config space */
#define PCI_MAX_SLOTS		32	/* devices on bus 0, each function 0 only */
#define PCI_NR_BARS		6
/* I/O window for BARs, inside the host bridge's _CRS in the DSDT. */
#define PCI_IO_START		0xC000
#define PCI_IO_END		0x10000

/* One base address register as the device declares it. */
struct pci_bar {
	u64 size;		/* bytes, a power of two; 0 = BAR unused */
	bool is_io;		/* I/O space (4..256 bytes) instead of memory (>= 16) */
	bool is_64;		/* 64-bit memory BAR: takes this slot and the next */
	bool prefetch;		/* memory BAR marked prefetchable */
	bus_access_fn access;	/* called with the offset from the BAR's base */
	void *opaque;
	/* Maintained by pci.c: */
	u64 addr;		/* address the BAR register holds now */
	bool mapped;		/* on a bus at map_addr */
	u64 map_addr;
	bool warned;		/* an unmappable address was logged */
};

/*
 * A PCI function. Before pci_register() the device fills cfg (vendor,
 * device, class, revision, subsystem IDs, interrupt pin, capabilities via
 * pci_add_cap()), name, nr_bars and bar[].size/is_io/is_64/prefetch/
 * access/opaque, and may set wmask bits for writable capability fields.
 * pci.c owns the header's writable bits, the BAR registers and mapping.
 */
struct pci_device {
	u8 cfg[PCI_CFG_SPACE];	/* type-0 header + capabilities, little endian */
	u8 wmask[PCI_CFG_SPACE];	/* bits the guest may write */
	const char *name;
	int nr_bars;		/* bar[0..nr_bars-1] are looked at */
	struct pci_bar bar[PCI_NR_BARS];
	/* Optional hooks, called with the PCI lock held (no pci.c calls): */
	/* after a guest write of @len bytes at @offset has been applied */
	void (*cfg_write)(struct pci_device *dev, u32 offset, u32 len);
	/* before a guest read, to refresh cfg[@offset, +@len) */
	void (*cfg_read)(struct pci_device *dev, u32 offset, u32 len);
	/* after BAR @bar went on a bus (@mapped) or before it leaves it */
	void (*bar_mapped)(struct pci_device *dev, int bar, bool mapped);
	void *priv;		/* the device's own state */
	/* Set by pci_register(): */
	struct kvm *kvm;
	u8 slot;
	u8 cap_next;		/* where pci_add_cap() puts the next capability */
};

/*
 * pci_init - claim 0xCF8-0xCFF (config mechanism #1; a byte write to 0xCF9
 * with bit 2 set resets the machine: VM_END_REBOOT) and the I/O BAR
 * window, and put the host bridge (1b36:0008, class 0x060000) at 00:00.0.
 * Call once per VM before pci_register(); again resets the bus (tests).
 * Returns 0, or -1 if a port range is taken (error logged).
 */
int pci_init(struct kvm *kvm);

/*
 * pci_register - put @dev in the next free slot of bus 0, assign its BARs
 * (memory from pci_alloc_mmio(), I/O from the I/O window, both naturally
 * aligned), enable decoding as firmware would and map them.
 * @dev must stay valid for the VM's life.
 * Returns the slot (1..31), or -1 (error logged) if the bus is full, a
 * BAR is malformed (size not a power of two, too small or large, 64-bit
 * in slot 5) or address space ran out.
 */
int pci_register(struct kvm *kvm, struct pci_device *dev);

/*
 * pci_alloc_mmio - @size bytes of guest-physical MMIO space from
 * [PCI_MMIO_START, VIRTIO_MMIO_START), aligned to @size rounded up to a power
 * of two. Thread-safe bump allocator, never freed.
 * Returns the GPA, or 0 when exhausted or @size is 0.
 */
u64 pci_alloc_mmio(u64 size);

/*
 * pci_add_cap - append a capability to @dev's list (before pci_register):
 * copies @len bytes of @cap (cap[0] = capability ID; cap[1], the next
 * pointer, is filled in), dword-aligned from offset 0x40, and sets
 * PCI_STATUS_CAP_LIST. Returns the capability's offset, or -1 if @len < 2
 * or it does not fit in the 256-byte space.
 */
int pci_add_cap(struct pci_device *dev, const void *cap, size_t len);

/* Little-endian accessors for a device's config space (@off + size <= 256). */
static inline void pci_cfg_set16(struct pci_device *dev, u32 off, u16 v)
{
	dev->cfg[off] = v;
	dev->cfg[off + 1] = v >> 8;
}

static inline void pci_cfg_set32(struct pci_device *dev, u32 off, u32 v)
{
	pci_cfg_set16(dev, off, v);
	pci_cfg_set16(dev, off + 2, v >> 16);
}

static inline u16 pci_cfg_get16(const struct pci_device *dev, u32 off)
{
	return dev->cfg[off] | dev->cfg[off + 1] << 8;
}

static inline u32 pci_cfg_get32(const struct pci_device *dev, u32 off)
{
	return pci_cfg_get16(dev, off) | (u32)pci_cfg_get16(dev, off + 2) << 16;
}

/*
 * pci_set_ids - fill vendor, device, 24-bit class code (base class,
 * subclass, programming interface) and revision. Source: PCI 3.0 6.2.1.
 */
void pci_set_ids(struct pci_device *dev, u16 vendor, u16 device,
		 u32 class_code, u8 revision);

#endif
