// SPDX-License-Identifier: GPL-2.0
/*
 * PCI bus 0 behind configuration mechanism #1. Every config access, BAR
 * move and I/O BAR dispatch happens under one lock: config cycles are rare
 * and I/O BARs are legacy, so simplicity wins over parallelism here.
 * Sources: PCI Local Bus Specification 3.0 sections 3.2.2.3.2, 6.1, 6.2,
 * 6.2.5 (BAR sizing: write all ones, read back the mask), 6.7; Intel ICH
 * data sheets for the 0xCF9 reset control register.
 */
#include <pthread.h>
#include <string.h>

#include "hv/kvm.h"
#include "hv/pci.h"
#include "hv/x86/layout.h"
#include "util/log.h"

#define CFG_ADDR_PORT	0xCF8
#define CFG_DATA_PORT	0xCFC
#define CFG_ENABLE	0x80000000u
/* Bits of CONFIG_ADDRESS that hold state; 30:24 reserved, 1:0 read 0. */
#define CFG_ADDR_MASK	0x80FFFFFCu
#define RST_CNT_SYS_RST	0x02
#define RST_CNT_RST_CPU	0x04
#define RST_CNT_FULL	0x08

#define CAP_START	0x40
/* Status bits that are write-1-to-clear (PCI 3.0 6.2.3): 8 and 11-15. */
#define STATUS_HI_W1C	0xf9
/* Command bits a guest may set: I/O, memory, master, parity, SERR, INTx off. */
#define COMMAND_WMASK	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Highest guest-physical address a 64-bit BAR may be mapped at. */
#define HIGH_MMIO_LIMIT	(1ULL << 40)

static struct {
	pthread_rwlock_t lock;
	struct kvm *kvm;
	u32 config_addr;
	u8 rst_cnt;
	struct pci_device *slots[PCI_MAX_SLOTS];
	struct pci_device host_bridge;
} pci = { .lock = PTHREAD_RWLOCK_INITIALIZER };

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 next_mmio = PCI_MMIO_START;
static u64 next_io = PCI_IO_START;

/* ---- address space allocation ------------------------------------------ */

static u64 pow2_roundup(u64 v)
{
	u64 p = 1;

	while (p < v && p)
		p <<= 1;
	return p;
}

/* Bump allocation of @size bytes in [*next, end), naturally aligned. */
static u64 bump_alloc(u64 *next, u64 end, u64 size)
{
	u64 align = pow2_roundup(size), base;

	if (!size || !align)
		return 0;
	base = ALIGN_UP(*next, align);
	if (base < *next || base > end || end - base < size)
		return 0;
	*next = base + size;
	return base;
}

u64 pci_alloc_mmio(u64 size)
{
	u64 base;

	pthread_mutex_lock(&alloc_lock);
	/* [VIRTIO_MMIO_START, PCI_MMIO_END) is kept for virtio-mmio devices. */
	base = bump_alloc(&next_mmio, VIRTIO_MMIO_START, size);
	pthread_mutex_unlock(&alloc_lock);
	return base;
}

static u64 alloc_io(u64 size)
{
	u64 base;

	pthread_mutex_lock(&alloc_lock);
	base = bump_alloc(&next_io, PCI_IO_END, size);
	pthread_mutex_unlock(&alloc_lock);
	return base;
}

/* ---- device helpers --------------------------------------------------- */

void pci_set_ids(struct pci_device *dev, u16 vendor, u16 device,
		 u32 class_code, u8 revision)
{
	pci_cfg_set16(dev, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(dev, PCI_DEVICE_ID, device);
	pci_cfg_set32(dev, PCI_CLASS_REVISION, (class_code << 8) | revision);
}

int pci_add_cap(struct pci_device *dev, const void *cap, size_t len)
{
	u32 off = dev->cap_next ? dev->cap_next : CAP_START;
	u8 last;

	if (len < 2 || off + len > PCI_CFG_SPACE)
		return -1;
	memcpy(&dev->cfg[off], cap, len);
	dev->cfg[off + 1] = 0;
	/* Link it after the last capability (walk bounded by the space). */
	last = dev->cfg[PCI_CAPABILITY_LIST];
	if (!last) {
		dev->cfg[PCI_CAPABILITY_LIST] = off;
	} else {
		for (int i = 0; i < PCI_CFG_SPACE / 4 && dev->cfg[last + 1]; i++)
			last = dev->cfg[last + 1];
		dev->cfg[last + 1] = off;
	}
	dev->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	dev->cap_next = ALIGN_UP(off + (u32)len, 4);
	if (dev->cap_next > PCI_CFG_SPACE - 4)
		dev->cap_next = PCI_CFG_SPACE - 4;	/* full: next call fails */
	return off;
}

/* ---- BAR decoding and mapping ----------------------------------------- */

static u64 bar_reg_addr(const struct pci_device *dev, int i)
{
	const struct pci_bar *bar = &dev->bar[i];
	u32 lo = pci_cfg_get32(dev, PCI_BASE_ADDRESS_0 + 4 * i);

	if (bar->is_io)
		return lo & PCI_BASE_ADDRESS_IO_MASK;
	if (bar->is_64)
		return (lo & PCI_BASE_ADDRESS_MEM_MASK) |
		       (u64)pci_cfg_get32(dev, PCI_BASE_ADDRESS_0 + 4 * (i + 1)) << 32;
	return lo & PCI_BASE_ADDRESS_MEM_MASK;
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Is another mapped BAR of the same kind already at [addr, addr + size)? */
static bool bar_conflict(const struct pci_bar *self, u64 addr)
{
	for (int s = 0; s < PCI_MAX_SLOTS; s++) {
		struct pci_device *d = pci.slots[s];

		if (!d)
			continue;
		for (int i = 0; i < d->nr_bars; i++) {
			const struct pci_bar *b = &d->bar[i];

			if (b == self || !b->mapped || b->is_io != self->is_io)
				continue;
			if (ranges_overlap(addr, self->size, b->map_addr, b->size))
				return true;
		}
	}
	return false;
}

static u64 ram_end(void)
{
	const struct guest_mem *mem = &pci.kvm->mem;
	u64 end = 0;

	for (int i = 0; i < mem->nr_banks && i < (int)ARRAY_SIZE(mem->banks); i++)
		end = MAX(end, mem->banks[i].gpa + mem->banks[i].size);
	return end;
}

/* Where a guest may put a BAR: the bridge's windows, off RAM and APICs. */
static bool bar_addr_ok(const struct pci_bar *bar, u64 addr)
{
	u64 low;

	if (bar->is_io)
		return addr >= PCI_IO_START && addr <= PCI_IO_END - bar->size;
	if (addr >= PCI_MMIO_START && addr <= PCI_MMIO_END - bar->size)
		return true;
	low = MAX(SZ_4G, ram_end());
	return bar->is_64 && addr >= low && addr <= HIGH_MMIO_LIMIT - bar->size;
}

static void unmap_bar(struct pci_device *dev, int i)
{
	struct pci_bar *bar = &dev->bar[i];

	if (dev->bar_mapped)
		dev->bar_mapped(dev, i, false);
	if (!bar->is_io)
		bus_unregister(&pci.kvm->mmio, bar->map_addr);
	bar->mapped = false;
}

static void map_bar(struct pci_device *dev, int i)
{
	struct pci_bar *bar = &dev->bar[i];
	u64 addr = bar->addr;

	if (!addr)
		return;		/* 0: not assigned */
	/* The same bad address again: stay quiet. */
	if (bar->warned && bar->map_addr == addr)
		return;
	if (!bar_addr_ok(bar, addr) || bar_conflict(bar, addr) ||
	    (!bar->is_io && bus_register(&pci.kvm->mmio, addr, bar->size,
					 dev->name, bar->access, bar->opaque) < 0)) {
		if (!bar->warned)
			pr_warn("pci: %s BAR%d at %#llx (%#llx bytes) cannot be mapped; left off",
				dev->name, i, (unsigned long long)addr,
				(unsigned long long)bar->size);
		bar->warned = true;
		bar->map_addr = addr;
		return;
	}
	bar->map_addr = addr;
	bar->mapped = true;
	if (dev->bar_mapped)
		dev->bar_mapped(dev, i, true);
}

/* Bring every BAR's mapping in line with its register and the command word. */
static void update_bars(struct pci_device *dev)
{
	u16 cmd = pci_cfg_get16(dev, PCI_COMMAND);

	for (int i = 0; i < dev->nr_bars; i++) {
		struct pci_bar *bar = &dev->bar[i];
		bool on;

		if (!bar->size)
			continue;
		bar->addr = bar_reg_addr(dev, i);
		on = cmd & (bar->is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
		if (bar->mapped && (!on || bar->map_addr != bar->addr))
			unmap_bar(dev, i);
		if (on && !bar->mapped)
			map_bar(dev, i);
		if (bar->is_64)
			i++;
	}
}

/* ---- config space access ---------------------------------------------- */

static void config_write(struct pci_device *dev, u32 reg, const u8 *data, u32 len)
{
	bool remap = false;

	for (u32 k = 0; k < len; k++) {
		u32 off = reg + k;
		u8 v = data[k], m = dev->wmask[off];

		if (off == PCI_STATUS + 1)
			dev->cfg[off] &= ~(v & STATUS_HI_W1C);
		dev->cfg[off] = (dev->cfg[off] & ~m) | (v & m);
		if ((off >= PCI_COMMAND && off <= PCI_COMMAND + 1) ||
		    (off >= PCI_BASE_ADDRESS_0 && off <= PCI_BASE_ADDRESS_5 + 3))
			remap = true;
	}
	if (remap)
		update_bars(dev);
	if (dev->cfg_write)
		dev->cfg_write(dev, reg, len);
}

static struct pci_device *addressed_device(u32 addr)
{
	if (!(addr & CFG_ENABLE))
		return NULL;
	/* Bus 0 only; single-function devices answer on function 0 only. */
	if (((addr >> 16) & 0xff) || ((addr >> 8) & 0x7))
		return NULL;
	return pci.slots[(addr >> 11) & 0x1f];
}

static void cfg_data_access(void *opaque, u64 offset, u8 *data, u32 len,
			    bool is_write, struct vcpu *vcpu)
{
	struct pci_device *dev;
	u32 reg;

	pthread_rwlock_wrlock(&pci.lock);
	dev = addressed_device(pci.config_addr);
	/* The bus keeps offset + len within the 4 data ports. */
	reg = (pci.config_addr & 0xfc) + (u32)offset;
	if (!dev || reg + len > PCI_CFG_SPACE) {
		if (!is_write)
			memset(data, 0xff, len);
	} else if (is_write) {
		config_write(dev, reg, data, len);
	} else {
		if (dev->cfg_read)
			dev->cfg_read(dev, reg, len);
		memcpy(data, &dev->cfg[reg], len);
	}
	pthread_rwlock_unlock(&pci.lock);
}

static void cfg_addr_access(void *opaque, u64 offset, u8 *data, u32 len,
			    bool is_write, struct vcpu *vcpu)
{
	bool reset = false;

	pthread_rwlock_wrlock(&pci.lock);
	if (offset == 0 && len == 4) {
		/* Only dword accesses reach CONFIG_ADDRESS (mechanism #1). */
		if (is_write) {
			u32 v;

			memcpy(&v, data, 4);
			pci.config_addr = v & CFG_ADDR_MASK;
		} else {
			memcpy(data, &pci.config_addr, 4);
		}
	} else if (offset == 1 && len == 1) {
		/* 0xCF9 reset control: RST_CPU going to 1 resets the machine. */
		if (is_write) {
			reset = (data[0] & RST_CNT_RST_CPU) &&
				!(pci.rst_cnt & RST_CNT_RST_CPU);
			pci.rst_cnt = data[0] & (RST_CNT_SYS_RST | RST_CNT_RST_CPU |
						 RST_CNT_FULL);
		} else {
			data[0] = pci.rst_cnt & ~RST_CNT_RST_CPU;
		}
	} else if (!is_write) {
		memset(data, 0xff, len);
	}
	pthread_rwlock_unlock(&pci.lock);
	if (reset)
		vm_request_exit(pci.kvm, VM_END_REBOOT, EXIT_GUEST_OFF,
				"guest rebooted (reset control register)");
}

/* The I/O BAR window: find the BAR that decodes this port. */
static void io_window_access(void *opaque, u64 offset, u8 *data, u32 len,
			     bool is_write, struct vcpu *vcpu)
{
	u64 port = PCI_IO_START + offset;
	bool found = false;

	pthread_rwlock_rdlock(&pci.lock);
	for (int s = 0; s < PCI_MAX_SLOTS && !found; s++) {
		struct pci_device *d = pci.slots[s];

		if (!d)
			continue;
		for (int i = 0; i < d->nr_bars; i++) {
			struct pci_bar *b = &d->bar[i];

			if (!b->is_io || !b->mapped || port < b->map_addr ||
			    port - b->map_addr + len > b->size)
				continue;
			b->access(b->opaque, port - b->map_addr, data, len,
				  is_write, vcpu);
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&pci.lock);
	if (!found && !is_write)
		memset(data, 0xff, len);
}

/* ---- registration ----------------------------------------------------- */

/* Check @dev's BAR declarations; returns 0 or -1 with an error logged. */
static int check_bars(const struct pci_device *dev)
{
	if (dev->nr_bars < 0 || dev->nr_bars > PCI_NR_BARS) {
		pr_err("pci: %s: %d BARs", dev->name, dev->nr_bars);
		return -1;
	}
	for (int i = 0; i < dev->nr_bars; i++) {
		const struct pci_bar *bar = &dev->bar[i];
		u64 s = bar->size;

		if (!s)
			continue;
		if ((s & (s - 1)) || !bar->access ||
		    (bar->is_io && (s < 4 || s > 256 || bar->is_64)) ||
		    (!bar->is_io && (s < 16 || s > 2 * SZ_1G)) ||
		    (bar->is_64 && (i + 1 >= PCI_NR_BARS || dev->bar[i + 1].size))) {
			pr_err("pci: %s: bad BAR%d (%#llx bytes)", dev->name, i,
			       (unsigned long long)s);
			return -1;
		}
		if (bar->is_64)
			i++;
	}
	return 0;
}

/* Assign addresses, write the BAR registers and their writable masks. */
static int assign_bars(struct pci_device *dev, u16 *cmd)
{
	for (int i = 0; i < dev->nr_bars; i++) {
		struct pci_bar *bar = &dev->bar[i];
		u32 reg = PCI_BASE_ADDRESS_0 + 4 * i, flags, lo_mask;
		u64 addr;

		if (!bar->size)
			continue;
		addr = bar->is_io ? alloc_io(bar->size) : pci_alloc_mmio(bar->size);
		if (!addr) {
			pr_err("pci: %s: no %s space left for BAR%d (%#llx bytes)",
			       dev->name, bar->is_io ? "I/O" : "MMIO", i,
			       (unsigned long long)bar->size);
			return -1;
		}
		if (bar->is_io) {
			flags = PCI_BASE_ADDRESS_SPACE_IO;
			/* 16-bit I/O decode: the upper half reads as zero. */
			lo_mask = ~(u32)(bar->size - 1) & 0xfffc;
			*cmd |= PCI_COMMAND_IO;
		} else {
			flags = (bar->is_64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
				(bar->prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
			lo_mask = ~(u32)(bar->size - 1) & PCI_BASE_ADDRESS_MEM_MASK;
			*cmd |= PCI_COMMAND_MEMORY;
		}
		pci_cfg_set32(dev, reg, (u32)addr | flags);
		for (int k = 0; k < 4; k++)
			dev->wmask[reg + k] = lo_mask >> (8 * k);
		bar->mapped = bar->warned = false;
		if (bar->is_64) {
			u32 hi_mask = ~(u32)((bar->size - 1) >> 32);

			pci_cfg_set32(dev, reg + 4, addr >> 32);
			for (int k = 0; k < 4; k++)
				dev->wmask[reg + 4 + k] = hi_mask >> (8 * k);
			i++;
		}
	}
	return 0;
}

static int register_locked(struct kvm *kvm, struct pci_device *dev, int slot)
{
	u16 cmd = 0;

	if (check_bars(dev) < 0)
		return -1;
	/* pci.c owns the header's writable bits and the BAR registers. */
	memset(dev->wmask, 0, 0x40);
	memset(&dev->cfg[PCI_BASE_ADDRESS_0], 0, 6 * 4);
	dev->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	dev->cfg[PCI_ROM_ADDRESS] = dev->cfg[PCI_ROM_ADDRESS + 1] = 0;
	dev->cfg[PCI_ROM_ADDRESS + 2] = dev->cfg[PCI_ROM_ADDRESS + 3] = 0;
	dev->wmask[PCI_COMMAND] = COMMAND_WMASK & 0xff;
	dev->wmask[PCI_COMMAND + 1] = COMMAND_WMASK >> 8;
	dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	if (dev->cfg[PCI_CAPABILITY_LIST])
		dev->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	if (assign_bars(dev, &cmd) < 0)
		return -1;
	/* Decoding on, as firmware leaves an assigned device. */
	pci_cfg_set16(dev, PCI_COMMAND, cmd);
	dev->kvm = kvm;
	dev->slot = slot;
	pci.slots[slot] = dev;
	update_bars(dev);
	pr_debug("pci: 00:%02x.0 %s %04x:%04x", slot, dev->name,
		 pci_cfg_get16(dev, PCI_VENDOR_ID), pci_cfg_get16(dev, PCI_DEVICE_ID));
	return slot;
}

int pci_register(struct kvm *kvm, struct pci_device *dev)
{
	int slot, ret = -1;

	pthread_rwlock_wrlock(&pci.lock);
	for (slot = 0; slot < PCI_MAX_SLOTS && pci.slots[slot]; slot++)
		;
	if (pci.kvm != kvm)
		pr_err("pci: %s: pci_init() was not called for this VM", dev->name);
	else if (slot == PCI_MAX_SLOTS)
		pr_err("pci: %s: bus 0 is full", dev->name);
	else
		ret = register_locked(kvm, dev, slot);
	pthread_rwlock_unlock(&pci.lock);
	return ret;
}

int pci_init(struct kvm *kvm)
{
	struct pci_device *hb = &pci.host_bridge;

	pthread_rwlock_wrlock(&pci.lock);
	pci.kvm = kvm;
	pci.config_addr = 0;
	pci.rst_cnt = 0;
	memset(pci.slots, 0, sizeof(pci.slots));
	pthread_rwlock_unlock(&pci.lock);

	if (bus_register(&kvm->pio, CFG_ADDR_PORT, 4, "pci-cfg-addr",
			 cfg_addr_access, NULL) < 0 ||
	    bus_register(&kvm->pio, CFG_DATA_PORT, 4, "pci-cfg-data",
			 cfg_data_access, NULL) < 0 ||
	    bus_register(&kvm->pio, PCI_IO_START, PCI_IO_END - PCI_IO_START,
			 "pci-io", io_window_access, NULL) < 0)
		return -1;

	/* Red Hat's generic "PCIe host bridge" ID: no Linux quirks apply. */
	memset(hb, 0, sizeof(*hb));
	hb->name = "host-bridge";
	pci_set_ids(hb, 0x1b36, 0x0008, 0x060000, 0);
	return pci_register(kvm, hb) == 0 ? 0 : -1;
}
