// SPDX-License-Identifier: GPL-2.0
/*
 * virtio over PCI (virtio/pci.c, hv/pci.c, hv/msix.c) as a guest drives
 * it: configuration mechanism #1 at 0xcf8/0xcfc (BAR sizing and moving,
 * the command register, the MSI-X and virtio PCI access capabilities) and
 * BAR0's registers, mixed with the device serving its queues. Source:
 * virtio 1.2 section 4.1, PCI Local Bus 3.0 section 6.8.2 (MSI-X).
 *
 * Input: the operations of tests/fuzz/virtio-ops.h. Register regions:
 * 0 common configuration, 1 notifications, 2 ISR, 3 device configuration,
 * 4 the MSI-X table, 5 the MSI-X PBA, other values BAR0 from its start.
 * Every input starts from a reset device at its original BAR.
 */
#include "hv/pci.h"
#include "tests/fuzz/virtio-ops.h"

static u64 bar;
static u32 region_off[6];
static u32 cmd0, bar_lo, bar_hi;
static int msix_cap;

static u32 cfg_read(u8 reg, u32 len)
{
	u32 a = 0x80000000u | (u32)fz_pci_slot << 11 | (reg & 0xfc), v = 0;

	bus_access(&kvm.pio, 0xcf8, (u8 *)&a, 4, true, NULL);
	bus_access(&kvm.pio, 0xcfc + (reg & 3), (u8 *)&v, len, false, NULL);
	return v;
}

static struct bus *fuzz_reg_bus(void) { return &kvm.mmio; }

static u64 fuzz_reg_addr(u8 region, u16 off)
{
	return bar + (region < 6 ? region_off[region] : 0) + off;
}

/* The host bridge first, then the device on bus 0. */
static int pci_attach(struct kvm *k, struct virtio_device *vdev)
{
	return pci_init(k) < 0 ? -1 : virtio_pci_attach(k, vdev);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_setup(pci_attach);
	for (fz_pci_slot = 1; fz_pci_slot < 32; fz_pci_slot++)
		if ((cfg_read(0, 4) & 0xffff) == 0x1af4)
			break;
	if (fz_pci_slot == 32)
		abort();
	bar_lo = cfg_read(0x10, 4);
	bar_hi = cfg_read(0x14, 4);
	cmd0 = cfg_read(0x04, 2);
	bar = (bar_lo & ~0xfULL) | (u64)bar_hi << 32;
	for (int c = cfg_read(0x34, 1), guard = 0; c && guard++ < 48; c = cfg_read(c + 1, 1)) {
		u8 id = cfg_read(c, 1), type = cfg_read(c + 3, 1);

		if (id == 0x11) {
			msix_cap = c;
			region_off[4] = cfg_read(c + 4, 4) & ~7u;
			region_off[5] = cfg_read(c + 8, 4) & ~7u;
		} else if (id == 0x09 && type >= 1 && type <= 4) {
			region_off[type - 1] = cfg_read(c + 8, 4);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	u64 zero = 0;

	/* Back to the state after boot: BAR where it was, decoding on,
	 * MSI-X off, device reset, RAM clear. */
	fz_pci_cfg(0x10, 4, bar_lo, true);
	fz_pci_cfg(0x14, 4, bar_hi, true);
	fz_pci_cfg(0x04, 2, cmd0, true);
	if (msix_cap)
		fz_pci_cfg((u8)(msix_cap + 2), 2, 0, true);
	bus_access(&kvm.mmio, bar + region_off[0] + 0x14, (u8 *)&zero, 1, true, NULL);
	memset(ram, 0, FZ_RAM_SIZE);
	fz_run(&f, true);
	return 0;
}
